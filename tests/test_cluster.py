"""GPU layouts and several nodes, on a simulated Ray cluster in a process of its own (tests/on_cluster.py):
declared GPUs give each actor its own CUDA_VISIBLE_DEVICES, fractions pack actors onto a GPU, a layout
that cannot be placed is refused saying what the cluster has; shards spread over nodes, a node removed
mid-run loses none, and the results equal a single-node run's."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys

import pytest

from benchmarks.otb import load_otb
from harness.runner.dispatch import run_shards
from harness.store import read_tracker
from tests.conftest import PROJECT, first_frames, realdata_path
from tests.on_cluster import FRAMES, OTB
from trackers.opencv_trackers import OpenCVMIL

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def _scenario(name: str, results) -> dict:
    realdata_path("otb", "sequences")
    done = subprocess.run([sys.executable, "-m", "tests.on_cluster", name, str(results)], cwd=PROJECT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_gpu_layouts_on_declared_gpus(tmp_path):
    report = _scenario("gpus", tmp_path)
    whole, quarter = report["whole"], report["quarter"]
    assert whole["workers"] == 2 and whole["failed"] == 0 and sorted(whole["gpus"]) == ["0", "1"]
    assert quarter["workers"] == 8 and quarter["failed"] == 0
    assert collections.Counter(quarter["gpus"]) == {"0": 4, "1": 4}
    # The trackers were built with "cuda:<CUDA_VISIBLE_DEVICES>:<pid>": what the worker gave them.
    assert {d.split(":")[1] for d in quarter["devices"]} == {"0", "1"}
    assert "--workers 3 with 1 CPU and 1 GPU each cannot be placed" in report["three_whole"]
    assert "1 node: " in report["three_whole"] and "8 CPUs, 2 GPUs" in report["three_whole"]
    assert "--gpus-per-worker 0.5" in report["three_whole"]
    assert "not one worker with 1 CPU and 3 GPU each fits" in report["too_big_share"]
    assert "--gpus-per-worker 1.5: expected a share of one GPU" in report["odd_share"]


def test_shards_spread_over_nodes_and_survive_a_node_lost_mid_run(tmp_path, ray_address):
    report = _scenario("nodes", tmp_path / "cluster")
    assert report["check"].count("cannot read") == 3 and report["check"].count("\n  node ") == 3
    assert report["workers"] == 2 and report["failed"] == []
    assert len(report["completed"]) == 6, "a shard was lost with the node"
    assert len(set(report["completed"].values())) == 2, "the shards did not spread over both worker nodes"
    assert report["retried"], "the removed node had no shard in flight"
    assert all(report["completed"][key] != report["removed"] for key in report["retried"])

    sequences = [first_frames(s, FRAMES) for s in load_otb(realdata_path("otb", "sequences"), names=OTB)]
    plugins = [OpenCVMIL("mil-a", {"seed": 0}), OpenCVMIL("mil-b", {"seed": 1})]
    run_shards(plugins, "otb", sequences, tmp_path / "single", address=ray_address)
    single = {f"{p.name}/{s}": shards[0].boxes.tolist() for p in plugins
              for s, shards in read_tracker(tmp_path / "single", "otb", "ope", p.name, OTB).items()}
    assert report["boxes"] == single
