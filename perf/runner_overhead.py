"""Runner overhead: opencv-nano run by the harness (Ray, one worker) against the bare loop.

    python perf/runner_overhead.py [--repeat 1] [--rounds 12] [--weights-dir DIR] [--json]

Both sides run the same frames, the three real OTB sequences and VOT's bag, `--repeat` times per
round (the harness runs the copies under distinct sequence names, each a shard of its own). Both
decode every frame, both get ``cv2.setNumThreads(1)`` from the plugin's `create`, and neither
counts model loading:

* bare loop: `tracker_fps.bare_loop_fps`, which builds the tracker before its clock starts;
* harness: the worker's shard times (`ShardOutcome.seconds`: decode, track and parquet write of
  each shard). The worker builds its tracker inside the first shard it runs, so that shard is an
  extra warm-up copy of the longest sequence and is left out; the bare loop gets an untimed
  warm-up call on the same sequence.

A round runs the bare loop, then the harness, back to back, so that load from other processes
on a shared machine falls on both sides alike. Reported: totals over all rounds, each round's
ratio, and the best-of figure (each sequence's fastest run on each side), the one least moved
by such load. Ray is started once, before any clock, and stays up through both sides. The wall
time of `run_shards` (actor start, model load, warm-up shard, dispatch, every shard) is reported
separately, and so is the time inside the tracker's own calls (the stored `latency_ms`), which
splits the harness's time into tracking and everything around it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import ray

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tracker_fps import REALDATA, bare_loop_fps  # noqa: E402

from benchmarks import Sequence  # noqa: E402
from benchmarks.otb import load_otb  # noqa: E402
from benchmarks.vot import axis_aligned_boxes, load_vot  # noqa: E402
from harness.runner.dispatch import run_shards  # noqa: E402
from harness.runner.calls import frame_paths  # noqa: E402
from harness.store import read_results  # noqa: E402
from trackers import TrackerPlugin  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402

OTB_NAMES = ("Couple", "Crossing", "Football1")
BENCHMARK = "overhead"
WARMUP_PREFIX = "warmup-"


def copies(sequences: list[Sequence], repeat: int) -> list[Sequence]:
    return [dataclasses.replace(s, name=f"{s.name}.{k}") for k in range(1, repeat + 1) for s in sequences]


def base_name(copy_name: str) -> str:
    return copy_name.rsplit(".", 1)[0]


def init_box(sequence: Sequence) -> np.ndarray:
    """What the runner starts the tracker from (the default `Tracker.init_box`: upright bounds)."""
    return axis_aligned_boxes(sequence.ground_truth[:1])[0]


def measure_bare(plugin: TrackerPlugin, timed: list[Sequence], warmup: Sequence) -> dict:
    bare_loop_fps(plugin, frame_paths(warmup), init_box(warmup))
    runs = []
    for seq in timed:
        fps = bare_loop_fps(plugin, frame_paths(seq), init_box(seq))
        runs.append((base_name(seq.name), len(seq), len(seq) / fps))
    return {"runs": runs}


def measure_harness(plugin: TrackerPlugin, timed: list[Sequence], warmup: Sequence) -> dict:
    with tempfile.TemporaryDirectory(prefix="runner-overhead-") as results:
        # Longest first with a stable sort: the warm-up, as long as the longest copy and listed
        # first, is the first shard the single worker runs.
        start = time.perf_counter()
        summary = run_shards([plugin], BENCHMARK, [warmup, *timed], Path(results), workers=1)
        wall = time.perf_counter() - start
        if summary.failed or len(summary.completed) != len(timed) + 1:
            raise SystemExit(f"harness run incomplete: {[o.error for o in summary.failed]}")
        first = summary.completed[0].key.sequence
        if not first.startswith(WARMUP_PREFIX):
            raise SystemExit(f"the worker ran {first!r} first, not the warm-up; its time would include model loading")
        table = read_results(Path(results), BENCHMARK, columns=["sequence", "latency_ms"])
    sequence = np.asarray(table.column("sequence").to_pylist(), dtype=str)
    latency = table.column("latency_ms").to_numpy()
    return {
        "runs": [(base_name(o.key.sequence), o.frames, o.seconds) for o in summary.completed[1:]],
        "tracker_call_seconds": float(latency[~np.char.startswith(sequence, WARMUP_PREFIX)].sum()) / 1e3,
        "warmup_seconds": summary.completed[0].seconds,
        "wall_frames": summary.frames,
        "wall_seconds": wall,
    }


def rate(frames: float, seconds: float) -> dict:
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds}


def totals(rounds: list[dict]) -> dict:
    runs = [run for r in rounds for run in r["runs"]]
    return rate(sum(f for _, f, _ in runs), sum(s for _, _, s in runs))


def best_of(rounds: list[dict]) -> dict:
    fastest: dict[str, tuple[int, float]] = {}
    for name, frames, seconds in (run for r in rounds for run in r["runs"]):
        if name not in fastest or seconds < fastest[name][1]:
            fastest[name] = (frames, seconds)
    return rate(sum(f for f, _ in fastest.values()), sum(s for _, s in fastest.values()))


def summarize(bare_rounds: list[dict], harness_rounds: list[dict]) -> dict:
    bare, harness = totals(bare_rounds), totals(harness_rounds)
    tracker_seconds = sum(h["tracker_call_seconds"] for h in harness_rounds)
    wall = rate(sum(h["wall_frames"] for h in harness_rounds), sum(h["wall_seconds"] for h in harness_rounds))
    warmup_seconds = sum(h["warmup_seconds"] for h in harness_rounds)
    best_bare, best_harness = best_of(bare_rounds), best_of(harness_rounds)
    ratios = [totals([h])["fps"] / totals([b])["fps"] for b, h in zip(bare_rounds, harness_rounds)]
    return {
        "bare": bare,
        "harness": {
            **harness,
            "tracker_call_seconds": tracker_seconds,
            "outside_tracker_ms_per_frame": (harness["seconds"] - tracker_seconds) / harness["frames"] * 1e3,
        },
        "harness_wall": {
            **wall,
            "warmup_shard_seconds": warmup_seconds,
            "actor_start_and_gaps_seconds": wall["seconds"] - harness["seconds"] - warmup_seconds,
        },
        "ratio": harness["fps"] / bare["fps"],
        "wall_ratio": wall["fps"] / bare["fps"],
        "round_ratios": ratios,
        "median_round_ratio": float(np.median(ratios)),
        "best_bare": best_bare,
        "best_harness": best_harness,
        "best_ratio": best_harness["fps"] / best_bare["fps"],
    }


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": round(ram, 1),
            "opencv": cv2.__version__, "ray": ray.__version__, "python": sys.version.split()[0]}


def print_table(result: dict) -> None:
    def row(label: str, r: dict, ratio: float) -> None:
        print(f"{label:<36}{r['frames']:>8}{r['seconds']:>10.2f}{r['fps']:>9.1f}{ratio:>8.3f}")

    bare, harness, wall = result["bare"], result["harness"], result["harness_wall"]
    print(f"{'':<36}{'frames':>8}{'seconds':>10}{'fps':>9}{'ratio':>8}")
    row("bare loop (decode + track)", bare, 1.0)
    row("harness, sum of shard times", harness, result["ratio"])
    row("harness, run_shards wall", wall, result["wall_ratio"])
    row(f"bare loop, best of {result['best_of_runs']} per sequence", result["best_bare"], 1.0)
    row(f"harness, best of {result['best_of_runs']} per sequence", result["best_harness"], result["best_ratio"])
    print(f"per-round ratios {', '.join(f'{r:.3f}' for r in result['round_ratios'])} "
          f"(median {result['median_round_ratio']:.3f})")
    print(f"wall includes, over {result['rounds']} run_shards calls, {wall['warmup_shard_seconds']:.2f} s of warm-up "
          f"shards ({wall['frames'] - harness['frames']} frames, model build included) and "
          f"{wall['actor_start_and_gaps_seconds']:.2f} s of actor start and gaps between shards")
    print(f"harness: {harness['tracker_call_seconds']:.2f} s inside tracker calls, "
          f"{harness['outside_tracker_ms_per_frame']:.3f} ms/frame outside them (decode wait, bookkeeping, write)")
    m = result["machine"]
    print(f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB, OpenCV {m['opencv']}, Ray {m['ray']}; "
          f"opencv-nano, 1 OpenCV thread, one worker actor; {result['rounds']} rounds of "
          f"{result['repeat']} x {', '.join(result['sequences'])}; 1-min load average "
          f"{m['load_1min_before']:.2f} before, {m['load_1min_after']:.2f} after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each sequence per round (default 1)")
    parser.add_argument("--rounds", type=int, default=12, help="bare-then-harness rounds (default 12)")
    parser.add_argument("--weights-dir", type=Path, default=REALDATA / "models" / "nanotrack-v2")
    parser.add_argument("--otb-root", type=Path, default=REALDATA / "otb" / "sequences")
    parser.add_argument("--vot-root", type=Path, default=REALDATA / "vot" / "sequences")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    plugin = get_plugin("opencv-nano", {"weights_dir": str(args.weights_dir)})
    sequences = [*load_otb(args.otb_root, names=OTB_NAMES), *load_vot(args.vot_root)]
    longest = max(sequences, key=len)
    warmup = dataclasses.replace(longest, name=f"{WARMUP_PREFIX}{longest.name}")
    timed = copies(sequences, args.repeat)
    # Both sides then read every frame file from the page cache, not the first from disk.
    for seq in sequences:
        for path in frame_paths(seq):
            path.read_bytes()

    load_before = os.getloadavg()[0]
    # Ray's own processes then take their share of the CPU during both sides alike.
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        bare_rounds, harness_rounds = [], []
        for _ in range(args.rounds):
            bare_rounds.append(measure_bare(plugin, timed, warmup))
            harness_rounds.append(measure_harness(plugin, timed, warmup))
    finally:
        ray.shutdown()

    # Other processes' load moves every figure on a shared machine; readers need to see it.
    load = {"load_1min_before": load_before, "load_1min_after": os.getloadavg()[0]}
    result = {"machine": {**machine(), **load}, "sequences": [s.name for s in sequences],
              "repeat": args.repeat, "rounds": args.rounds, "best_of_runs": args.rounds * args.repeat,
              **summarize(bare_rounds, harness_rounds)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
