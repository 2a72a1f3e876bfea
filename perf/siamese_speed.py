"""Inference modes and batching of the Siamese trackers on CPU, one torch thread (issue 13).

    python perf/siamese_speed.py [--frames 12] [--rounds 3] [--batches 1 2 4 8] [--write-docs]

Full-width networks with random (seeded) weights: the time of a convolution does not depend on the
weight values. Per variant:

- search fps, eager / exact / fast: one over one search-branch forward of one crop (the per-frame
  network work), for the network as loaded (eager) and as `trackers.siamese.inference.for_tracking`
  rewrites it in each mode; CPU time of the calling thread, best of all tries (with one torch
  thread all the work runs there, so CPU time is what an idle core gives while other processes
  share the machine);
- tracker fps, eager / exact / fast: one over the median `track()` time on decoded frames of OTB
  Crossing (crop, forward, decoding, update), CPU time, best round;
- GFLOP: multiply-adds x 2 of one search forward (convolutions, counted by hooks), and kernels:
  the leaf modules one forward calls, i.e. about how many kernels a GPU launches per crop at batch 1
  (the few correlations per RPN come on top).

Batching: B sequences (the Crossing clip from B different start boxes) tracked by one
`BatchTracker.track_many` per frame against B plain trackers each calling `track()`, in crops per
second of CPU time (exact mode). Rounds go over every cell in turn, so a burst of load from
another process spoils one round of several cells rather than every round of one.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import time

import cv2
import numpy as np
import torch
from torch import nn

from docs_section import cpu_model, publish
from crossing import crossing
from trackers.base import TrackerInfo
from trackers.siamese.batch import BatchTracker
from trackers.siamese.config import VARIANTS
from trackers.siamese.inference import for_tracking
from trackers.siamese.model import build_model
from trackers.siamese.tracker import SiamRPNTracker

HEADING = "## Siamese inference modes and batched tracking on CPU (issue 13)"
MODES = ("eager", "exact", "fast")
CPU = torch.device("cpu")


def cpu_seconds(fn) -> float:
    start = time.thread_time()
    fn()
    return time.thread_time() - start


def best(fn, repeats: int) -> float:
    fn()  # first-call allocations and kernel choices
    return min(cpu_seconds(fn) for _ in range(repeats))


def work_per_crop(model: nn.Module, x: torch.Tensor) -> tuple[float, int]:
    """(GFLOP, kernels) of one search forward: 2 x multiply-adds of every convolution and linear
    layer, and how many leaf modules run. The correlations are functions, not modules, so neither
    counts them: a few per RPN, under 2 % of the FLOPs (a depth-wise 25x25 map of 256 channels with
    5x5 kernels is 8 MFLOP)."""
    flops, kernels = 0.0, 0

    def hook(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        nonlocal flops, kernels
        kernels += 1
        if isinstance(module, nn.Conv2d):
            flops += 2 * output.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, nn.Linear):
            flops += 2 * output.numel() * module.in_features

    template = model.template(torch.rand(1, 3, 127, 127) * 255)
    hooks = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    try:
        model.track(x, template)
    finally:
        for h in hooks:
            h.remove()
    return flops / 1e9, kernels


def tracker_fps(tracker: SiamRPNTracker, frames: list[np.ndarray], box: np.ndarray) -> float:
    tracker.initialize(frames[0], box)
    tracker.track(frames[1])
    return 1 / statistics.median(cpu_seconds(lambda f=frame: tracker.track(f)) for frame in frames[2:])


def starts(box: np.ndarray, count: int) -> list[np.ndarray]:
    return [box + np.array([3.0 * i, -2.0 * i, 0.0, 0.0]) for i in range(count)]


def crops_per_second(tracker: SiamRPNTracker, frames: list[np.ndarray], box: np.ndarray, count: int,
                     batched: bool) -> tuple[float, list]:
    """(crops per CPU second over the clip, every (box, score)) for `count` sequences, batched or
    one call each; the predictions let the run check that batching changed nothing at full width."""
    boxes = starts(box, count)
    spent, predictions = [], []
    if batched:
        batch = BatchTracker(tracker, max_batch=count)
        for i, b in enumerate(boxes):
            batch.initialize(i, frames[0], b)
        for frame in frames[1:]:
            spent.append(cpu_seconds(lambda f=frame: predictions.append(batch.track_many({i: f for i in range(count)}))))
        flat = [(p[i].box.tolist(), p[i].score) for p in predictions for i in range(count)]
    else:
        trackers = [tracker.spawn() for _ in boxes]
        for t, b in zip(trackers, boxes):
            t.initialize(frames[0], b)
        for frame in frames[1:]:
            spent.append(cpu_seconds(lambda f=frame: predictions.append([t.track(f) for t in trackers])))
        flat = [(p.box.tolist(), p.score) for row in predictions for p in row]
    return count / statistics.median(spent[1:]), flat  # the first frame of a new batch size pays allocations


def lscpu_line() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "lscpu unavailable"
    wanted = ("Model name", "Thread(s) per core", "L3 cache")
    return "; ".join(line.split(":", 1)[0] + ": " + line.split(":", 1)[1].strip()
                     for line in out.splitlines() if line.split(":", 1)[0].strip() in wanted)


@torch.inference_mode()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="search forwards per round and mode")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--batch-variants", nargs="+", default=["siamrpn", "siamrpnpp-alex", "siamrpnpp-mobilev2"])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)

    frames, box = crossing(args.frames)
    load_before = os.getloadavg()
    trackers: dict[tuple[str, str], SiamRPNTracker] = {}
    work: dict[str, tuple[float, int]] = {}
    for name, variant in VARIANTS.items():
        torch.manual_seed(0)
        model = build_model(variant)
        size = variant.track.instance_size
        work[name] = work_per_crop(model, torch.rand(1, 3, size, size) * 255)
        info = TrackerInfo(name=name, version="perf", deterministic=True)
        for mode in MODES:
            network = model if mode == "eager" else for_tracking(model, CPU, mode)
            trackers[name, mode] = SiamRPNTracker(network, variant, variant.track, CPU, info)

    search: dict[tuple[str, str], list[float]] = {cell: [] for cell in trackers}
    whole: dict[tuple[str, str], list[float]] = {cell: [] for cell in trackers}
    batching: dict[tuple[str, int, bool], list[float]] = {
        (name, b, batched): [] for name in args.batch_variants for b in args.batches for batched in (False, True)}
    tracked: dict[tuple[str, int], list[list]] = {}  # every run's predictions, batched or not
    for round_index in range(args.rounds):
        for (name, mode), tracker in trackers.items():
            size = VARIANTS[name].track.instance_size
            generator = torch.Generator().manual_seed(0)
            z, x = (torch.rand(1, 3, s, s, generator=generator) * 255 for s in (127, size))
            network, template = tracker._model, tracker._model.template(z)
            search[name, mode].append(1 / best(lambda: network.track(x, template), args.repeats))
            whole[name, mode].append(tracker_fps(tracker, frames, box))
            print(f"round {round_index + 1}: {name} {mode}: search {search[name, mode][-1]:.2f} fps, "
                  f"tracker {whole[name, mode][-1]:.2f} fps", flush=True)
        for name, b, batched in batching:
            rate, predicted = crops_per_second(trackers[name, "exact"], frames, box, b, batched)
            batching[name, b, batched].append(rate)
            tracked.setdefault((name, b), []).append(predicted)
            print(f"round {round_index + 1}: {name} x{b} {'batched' if batched else 'one by one'}: "
                  f"{batching[name, b, batched][-1]:.2f} crops/s", flush=True)

    rows = []
    for name in VARIANTS:
        s = {mode: max(search[name, mode]) for mode in MODES}
        t = {mode: max(whole[name, mode]) for mode in MODES}
        gflop, kernels = work[name]
        rows.append(f"| {name} | {gflop:.2f} | {kernels} | {s['eager']:.2f} | {s['exact']:.2f} | {s['fast']:.2f} "
                    f"| {s['fast'] / s['eager']:.2f}x | {t['eager']:.2f} | {t['exact']:.2f} | {t['fast']:.2f} "
                    f"| {t['fast'] / t['eager']:.2f}x |")
    batch_rows = []
    for name in args.batch_variants:
        cells = []
        for b in args.batches:
            alone, together = max(batching[name, b, False]), max(batching[name, b, True])
            cells.append(f"{alone:.2f} / {together:.2f} ({together / alone:.2f}x)")
        batch_rows.append(f"| {name} | " + " | ".join(cells) + " |")
    identical = all(all(run == runs[0] for run in runs) for runs in tracked.values())
    command = "python perf/siamese_speed.py" + "".join(
        f" {flag} {value}" for flag, value, default in (("--frames", args.frames, 12), ("--rounds", args.rounds, 3),
                                                      ("--repeats", args.repeats, 5)) if value != default)
    body = "\n".join([
        f"Full-width networks with random (seeded) weights (speed does not depend on the weight values), one "
        f"torch thread, CPU time of the calling thread. `search` is one search-branch forward of one crop (best "
        f"of {args.repeats} per round); `tracker` one over the median `track()` time on {args.frames - 2} decoded "
        f"frames of OTB Crossing (crop, forward, decoding, update); each figure is the best of {args.rounds} "
        f"rounds. `eager` is the network as loaded, `exact` and `fast` the modes of the plugin option "
        f"`inference` (trackers/siamese/inference.py). GFLOP and kernels: one search forward at batch 1 "
        f"(2 x multiply-adds of every convolution; leaf modules run; the few correlations counted in neither).",
        "",
        f"- machine: `nproc` {len(os.sched_getaffinity(0))}, {lscpu_line() or cpu_model()}, no GPU",
        f"- date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"- command: `{command} --write-docs`",
        f"- torch {torch.__version__}, OpenCV {cv2.__version__}, Python {platform.python_version()}",
        f"- load average (1, 5, 15 min) {', '.join(f'{v:.1f}' for v in load_before)} before the run, "
        f"{', '.join(f'{v:.1f}' for v in os.getloadavg())} after: the machine is shared with other "
        f"engineers' work, so the figures are best-of rounds in CPU time, and ratios between columns of one "
        f"row are more reliable than the absolute numbers",
        "",
        "| variant | GFLOP | kernels | search fps eager | exact | fast | fast / eager | tracker fps eager | exact | fast | fast / eager |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Batched tracking (exact mode): B sequences of {args.frames - 1} frames, crops per CPU second one "
        f"`track()` at a time / one `BatchTracker.track_many` per frame (median frame, best of {args.rounds} rounds). "
        f"Boxes and scores of every batched run equal the one-at-a-time ones, full-width networks: "
        f"{'yes' if identical else 'NO'}.",
        "",
        "| variant | " + " | ".join(f"B = {b}" for b in args.batches) + " |",
        "|---|" + "---|" * len(args.batches),
        *batch_rows,
    ])
    publish(HEADING, body, args.write_docs)


if __name__ == "__main__":
    main()
