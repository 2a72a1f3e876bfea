"""SiamRPN / SiamRPN++ speed on CPU: the tracker loop (batch 1) and batched search forwards.

    python perf/siamese_fps.py [--frames 30] [--batch 8] [--threads 1 2] [--rounds 3] [--write-docs]

Weights are random (seeded): the arithmetic, hence the time, does not depend on their values.
Per variant and torch thread count it reports

- tracker fps: `track()` on decoded frames of OTB Crossing (crop, search forward, decode,
  update), the template computed once in `initialize` outside the clock;
- search ms: one search-branch forward of one crop (backbone, adjust, RPN against the cached
  template kernels), best of 7;
- batched: `--batch` crops in one forward against one template, crops per second;
- template ms: the template branch, paid once per sequence.

Each figure is the best of `--rounds` rounds: the machine this runs on is shared, and a second
torch thread stalls whenever another process holds the other core.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time

import cv2
import numpy as np
import torch

from trackers.base import TrackerInfo
from trackers.siamese.config import VARIANTS, Variant
from trackers.siamese.model import SiameseRPN, build_model
from trackers.siamese.tracker import SiamRPNTracker
from docs_section import cpu_model, publish
from crossing import crossing

HEADING = "## SiamRPN / SiamRPN++ frames per second on CPU"


def best_seconds(fn, repeats: int) -> float:
    """Best of `repeats` after a warm-up (first-call allocations, kernel selection): on a shared
    machine the fastest run is the one least slowed by other processes."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@torch.inference_mode()
def measure(variant: Variant, model: SiameseRPN, frames: list[np.ndarray], box: np.ndarray, batch: int) -> dict[str, float]:
    size = variant.track.instance_size
    generator = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, 127, 127, generator=generator) * 255
    one = torch.rand(1, 3, size, size, generator=generator) * 255
    many = torch.rand(batch, 3, size, size, generator=generator) * 255
    template = model.template(z)
    search = best_seconds(lambda: model.track(one, template), 7)
    batched = best_seconds(lambda: model.track(many, template), 3)
    template_s = best_seconds(lambda: model.template(z), 3)

    info = TrackerInfo(name=variant.name, version="perf", deterministic=True)
    tracker = SiamRPNTracker(model, variant, variant.track, torch.device("cpu"), info)
    tracker.initialize(frames[0], box)
    tracker.track(frames[1])  # warm-up
    per_frame = []
    for frame in frames[2:]:
        start = time.perf_counter()
        tracker.track(frame)
        per_frame.append(time.perf_counter() - start)
    return {
        "tracker_fps": 1 / statistics.median(per_frame),
        "search_ms": search * 1e3,
        "batched_cps": batch / batched,
        "template_ms": template_s * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, len(os.sched_getaffinity(0))])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    frames, box = crossing(args.frames)
    load_before = os.getloadavg()[0]
    models = {}
    for name, variant in VARIANTS.items():
        torch.manual_seed(0)
        models[name] = build_model(variant)
    cells = [(name, threads) for name in VARIANTS for threads in dict.fromkeys(args.threads)]
    results: dict[tuple[str, int], list[dict[str, float]]] = {cell: [] for cell in cells}
    # Rounds go over the whole grid in turn, so a burst of load from another process spoils one
    # round of several cells rather than every round of one.
    for round_index in range(args.rounds):
        for name, threads in cells:
            torch.set_num_threads(threads)
            results[name, threads].append(measure(VARIANTS[name], models[name], frames, box, args.batch))
            print(f"round {round_index + 1}: {name}, {threads} threads: {results[name, threads][-1]}", flush=True)
    rows = []
    for (name, threads), rounds in results.items():
        r = {k: (min if k.endswith("_ms") else max)(x[k] for x in rounds) for k in rounds[0]}
        rows.append(
            f"| {name} | {VARIANTS[name].track.instance_size} | {threads} | {r['tracker_fps']:.1f} | {r['search_ms']:.0f} "
            f"| {r['batched_cps']:.1f} | {r['template_ms']:.0f} |"
        )
    given = {"--frames": (args.frames, 30), "--batch": (args.batch, 8), "--rounds": (args.rounds, 3)}
    command = " ".join(["python perf/siamese_fps.py", *(f"{k} {v}" for k, (v, d) in given.items() if v != d)])
    body = "\n".join([
        f"Each variant with random (seeded) weights: speed does not depend on the weight values, only on the "
        f"network's shape and the crop sizes. `tracker fps` is one over the median time of `track()` on "
        f"{args.frames - 2} decoded frames of OTB Crossing (crop + search forward + decode + update, batch 1; JPEG "
        f"decoding excluded); `search ms` is one search-branch forward of one crop (best of 7); `batched` is "
        f"{args.batch} crops in one forward against one template (best of 3), in crops per second; `template ms` "
        f"is the template branch (best of 3), which runs once per sequence in `initialize` and never per frame. "
        f"Every figure is the best of {args.rounds} rounds. The harness runs each tracker with 1 thread per worker "
        f"(plugin option `threads`).",
        "",
        f"- machine: `nproc` {len(os.sched_getaffinity(0))}, CPU {cpu_model()}, no GPU",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `{command} --write-docs`",
        f"- torch {torch.__version__}, OpenCV {cv2.__version__}, Python {platform.python_version()}",
        f"- 1-minute load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after (the machine is "
        f"shared; with a second thread, any other process on the other core stalls every convolution)",
        "",
        f"| variant | search size | threads | tracker fps | search ms | batched ({args.batch}) crops/s | template ms |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])
    publish(HEADING, body, args.write_docs)


if __name__ == "__main__":
    main()
