"""Which Ray a run uses: a local instance unless told otherwise (and it says so), `--address auto` to join
the one RAY_ADDRESS names, `--address HOST:PORT` to a cluster started with `ray start` that asks for
Ray's token, and a clear, early error when the address or the token is wrong."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT, realdata_path

pytestmark = pytest.mark.slow

RAY_VARIABLES = ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


def _harness(tmp_path: Path, *extra: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "harness.cli", "run", "--trackers", "opencv-mil", "--bench", "otb",
            "--root", str(realdata_path("otb", "sequences")), "--sequences", "Football1",
            "--results", str(tmp_path / "results"), "--reports", str(tmp_path / "reports"), *extra]
    return subprocess.run(argv, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)


def _clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in RAY_VARIABLES}
    return {**env, "PYTHONPATH": str(PROJECT), **values}


def test_local_by_default_even_when_a_cluster_is_announced_and_auto_joins_it(tmp_path, ray_address):
    env = {**_clean_env(), "RAY_ADDRESS": ray_address, "RAY_AUTH_MODE": "token"}
    local = _harness(tmp_path / "a", env=env)
    assert local.returncode == 0, local.stderr
    assert "harness: started a local Ray instance (1 node: " in local.stderr
    joined = _harness(tmp_path / "b", "--address", "auto", env=env)
    assert joined.returncode == 0, joined.stderr
    assert f"harness: joined the Ray cluster at {ray_address}" in joined.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def token_cluster():
    """A one-node cluster started with `ray start --head`, which finds a token in its HOME and so
    requires it (Ray >= 2.52); yields (address, that HOME)."""
    home = Path(tempfile.mkdtemp(prefix="rayhome", dir="/tmp"))  # short: Ray's socket paths live under it
    (home / ".ray").mkdir()
    (home / ".ray" / "auth_token").write_text("harness-test-token-0123456789abcdef")
    port = _free_port()
    head = subprocess.Popen(
        [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", f"--port={port}", "--num-cpus=1",
         "--include-dashboard=false", f"--dashboard-agent-listen-port={_free_port()}", "--disable-usage-stats",
         f"--temp-dir={home / 't'}", "--block"],
        env=_clean_env(HOME=str(home)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in (line := head.stdout.readline()):
            assert line and time.monotonic() < deadline, "ray start did not start"
        yield f"127.0.0.1:{port}", home
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops the processes it started
        head.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_address_of_a_cluster_that_asks_for_the_token(tmp_path, token_cluster):
    address, home = token_cluster
    joined = _harness(tmp_path / "a", "--address", address, env=_clean_env(HOME=str(home)))
    assert joined.returncode == 0, joined.stderr
    port = address.rpartition(":")[2]
    assert "harness: joined the Ray cluster at " in joined.stderr and f":{port} (1 node: " in joined.stderr

    stranger = tmp_path / "home-without-token"
    stranger.mkdir()
    refused = _harness(tmp_path / "b", "--address", address, env=_clean_env(HOME=str(stranger)))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"the Ray cluster at {address} refused this machine: the cluster uses token authentication" in refused.stderr
    assert "~/.ray/auth_token" in refused.stderr and "RAY_AUTH_TOKEN" in refused.stderr

    nobody = f"127.0.0.1:{_free_port()}"
    unreachable = _harness(tmp_path / "c", "--address", nobody, env=_clean_env(HOME=str(home)))
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert f"cannot reach a Ray cluster at {nobody}" in unreachable.stderr
