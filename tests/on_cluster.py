"""Scenarios on a simulated Ray cluster (`ray.cluster_utils.Cluster`, several raylets on this machine),
run in a process of their own because a process joins one Ray at a time and the tests' session Ray
stays up: ``python -m tests.on_cluster gpus|nodes <results folder>`` prints one JSON line."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

from benchmarks.otb import load_otb
from harness.errors import HarnessError
from harness.runner.cluster import check_nodes
from harness.runner.dispatch import run_shards
from harness.store import read_tracker
from tests.conftest import first_frames, realdata_path
from tests.faulty_trackers import FaultyPlugin
from trackers.opencv_trackers import OpenCVMIL

OTB = ["Couple", "Crossing", "Football1"]
FRAMES = 30  # of each sequence, in the run that loses a node


def gpus(results: Path) -> dict:
    """Two declared GPUs: whole-GPU and quarter-GPU layouts, and layouts that cannot be placed."""
    sequences = [first_frames(s, 20) for s in load_otb(realdata_path("otb", "sequences"), names=OTB)]
    # Shards of two seconds, enough of them to keep the run going until every actor is placed.
    plugins = [FaultyPlugin(f"gpu-{i}", {"gpu": True, "delay": 0.1}) for i in range(8)]
    report = {}
    for name, trackers, share in (("whole", 2, None), ("quarter", 8, 0.25)):
        summary = run_shards(plugins[:trackers], "otb", sequences, results / name, gpus_per_worker=share)
        report[name] = {"workers": summary.workers, "failed": len(summary.failed),
                        "gpus": [place.cuda_visible_devices for place in summary.places],
                        "devices": [o.device for o in summary.completed]}
    for name, workers, share in (("three_whole", 3, None), ("too_big_share", None, 3.0), ("odd_share", None, 1.5)):
        try:
            run_shards(plugins, "otb", sequences, results / name, gpus_per_worker=share, workers=workers)
            report[name] = "placed"
        except HarnessError as error:
            report[name] = str(error)
    return report


def nodes(results: Path) -> dict:
    """A head without CPUs and two one-CPU worker nodes; the second is removed once two shards are done."""
    cluster: Cluster = sys.modules[__name__].CLUSTER
    sequences = [first_frames(s, FRAMES) for s in load_otb(realdata_path("otb", "sequences"), names=OTB)]
    report = {}
    results.mkdir(parents=True)
    try:
        check_nodes([results / "no-such-frame.jpg"], results)
    except HarnessError as error:
        report["check"] = str(error)
    plugins = [OpenCVMIL("mil-a", {"seed": 0}), OpenCVMIL("mil-b", {"seed": 1})]
    outcome: dict = {}
    run = threading.Thread(target=lambda: outcome.update(summary=run_shards(plugins, "otb", sequences, results)))
    run.start()
    while len(list(results.glob("**/rep*.parquet"))) < 2 and run.is_alive():
        time.sleep(0.05)
    removed = cluster.list_all_nodes()[-1]
    cluster.remove_node(removed)
    run.join()
    summary = outcome["summary"]
    report.update(
        removed=removed.node_id,
        workers=summary.workers,
        completed={str(o.key): o.node for o in summary.completed},
        failed=[o.error for o in summary.failed],
        retried=[str(k) for k in summary.retried],
        boxes={f"{p.name}/{s}": shards[0].boxes.tolist() for p in plugins
               for s, shards in read_tracker(results, "otb", "ope", p.name, OTB).items()},
    )
    return report


def main() -> None:
    scenario, results = sys.argv[1], Path(sys.argv[2])
    if scenario == "gpus":
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 8, "num_gpus": 2})
    else:
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
        for _ in range(2):
            cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    sys.modules[__name__].CLUSTER = cluster
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    try:
        report = (gpus if scenario == "gpus" else nodes)(results)
    finally:
        ray.shutdown()
        cluster.shutdown()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
