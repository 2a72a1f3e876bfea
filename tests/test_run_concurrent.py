"""Two runs into one results folder share the work (each shard runs once), and a run's start-up cleanup
removes only temporaries whose writer is dead, never one a live run is writing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.store import remove_stale_temporaries
from tests.conftest import PROJECT, realdata_path

STALLED_WRITER = """
import sys
from pathlib import Path
import numpy as np
import pyarrow.parquet as pq
from harness.store import Provenance, ShardFrames, ShardKey, write_shard

def stalled(table, where, **kwargs):  # a write that stops half way, as on a slow disk
    Path(where).write_bytes(b"PAR1 half a file")
    print(where, flush=True)
    sys.stdin.read()

pq.write_table = stalled
frames = ShardFrames(np.zeros((3, 4)), np.zeros(3), np.array(["initialized", "tracked", "tracked"]), np.zeros(3))
write_shard(Path(sys.argv[1]), ShardKey("t", "b", "s"), frames, Provenance("v", "", "", "cpu", "h", "", ""))
"""


def test_cleanup_spares_the_temporary_of_a_live_writer(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", STALLED_WRITER, str(tmp_path)], cwd=PROJECT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        live = Path(writer.stdout.readline().strip())
        dead = live.with_name(".rep002.parquet.tmp-12345")  # left by a writer that was killed
        dead.write_bytes(b"PAR1 half a file")
        assert remove_stale_temporaries(tmp_path) == 1
        assert live.exists() and not dead.exists()
    finally:
        writer.kill()
        writer.wait()
    assert remove_stale_temporaries(tmp_path) == 1 and not live.exists()  # its writer is dead now


RUN = """
import json, sys
from pathlib import Path
from benchmarks.otb import load_otb
from harness.runner.dispatch import run_shards
from tests.faulty_trackers import FaultyPlugin

sequences = load_otb(sys.argv[1], names=["Couple", "Crossing", "Football1"])
plugins = [FaultyPlugin(f"slow-{i}", {"delay": 0.02}) for i in range(3)]
summary = run_shards(plugins, "otb", sequences, Path(sys.argv[2]), address=sys.argv[3], workers=1)
print(json.dumps({"run": sorted(str(o.key) for o in summary.completed), "failed": len(summary.failed),
                  "skipped": sorted(str(k) for k in summary.skipped)}))
"""


@pytest.mark.slow
@pytest.mark.serial
def test_two_runs_into_one_folder_split_the_shards(tmp_path, ray_address):
    args = [sys.executable, "-c", RUN, str(realdata_path("otb", "sequences")), str(tmp_path / "results"), ray_address]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    runs = [subprocess.Popen(args, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    first, second = (set(r["run"]) for r in reports)
    assert not first & second, "a shard was run by both runs"
    assert len(first | second) == 9 and first and second, "the runs did not share the work"
    assert all(r["failed"] == 0 for r in reports)
    assert len(list((tmp_path / "results").glob("**/rep*.parquet"))) == 9
    assert not [p for p in (tmp_path / "results").glob("**/.*") if p.is_file()]
