"""A run whose driver is killed part-way resumes: complete shards are kept, none rerun, none lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks.synthetic import load_synthetic
from tests.conftest import PROJECT, realdata_path

pytestmark = pytest.mark.slow


def _files(root: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in root.glob("**/*") if p.is_file()}


def _wait_until_quiet(root: Path, quiet_s: float = 3.0, limit_s: float = 60.0) -> None:
    """The killed driver's actors are torn down by Ray within moments; wait until nothing changes."""
    deadline, last, since = time.monotonic() + limit_s, None, time.monotonic()
    while time.monotonic() < deadline:
        now = _files(root)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > quiet_s:
            return
        time.sleep(0.25)
    raise AssertionError(f"files under {root} kept changing for {limit_s} s after the driver was killed")


def test_killed_driver_then_resume(tmp_path, ray_address):
    cache, results = tmp_path / "cache", tmp_path / "results"
    weights = realdata_path("models", "nanotrack-v2")
    env = {**os.environ, "HARNESS_CACHE": str(cache), "HARNESS_NANOTRACK_DIR": str(weights)}
    # The six shortest of the twelve (128-190 frames): enough for the kill to land after three shards
    # and before the last, at 40 % of the frames.
    sequences = sorted(load_synthetic(cache=cache), key=len)[:6]
    cmd = [
        sys.executable, "-m", "harness.cli", "run", "--trackers", "opencv-nano", "--bench", "synthetic-full",
        "--sequences", ",".join(s.name for s in sequences),
        "--address", ray_address, "--results", str(results), "--reports", str(tmp_path / "reports"),
        "--workers", "2", "--json",
    ]
    driver = subprocess.Popen(cmd, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while len(list(results.glob("**/rep*.parquet"))) < 3:
        assert driver.poll() is None, "the run finished before it could be interrupted"
        assert time.monotonic() < deadline, "no shard completed within 180 s"
        time.sleep(0.1)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    _wait_until_quiet(results)

    before = {p: v for p, v in _files(results).items() if p.suffix == ".parquet" and not p.name.startswith(".")}
    assert 3 <= len(before) < len(sequences), "the kill should land part-way through the run"

    second = subprocess.run(cmd, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)["run"]["shards"]
    assert report == {"run": len(sequences) - len(before), "skipped_complete": len(before), "failed": 0}

    after = _files(results)
    assert all(after[p] == v for p, v in before.items()), "a complete shard was written again"
    shards = sorted(p for p in after if p.suffix == ".parquet")
    assert not [p for p in shards if p.name.startswith(".")], "a temporary file was left behind"
    assert not [p for p in after if p.name.endswith(".error.json")]
    lengths = {s.name: len(s) for s in sequences}
    assert {p.parent.name: pq.read_metadata(p).num_rows for p in shards} == lengths
