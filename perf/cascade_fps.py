"""C-RPN and SCTRPN speed on CPU beside SiamRPN: the tracker loop at batch 1, one torch thread.

    python perf/cascade_fps.py [--frames 30] [--rounds 3] [--write-docs]

Full-width networks with random (seeded) weights: the convolutions, hence most of the time, do not
depend on the weight values. What does is the numpy part after the network (how many anchors
survive each stage; SCTRPN's contour counting and NMS over the survivors): here that of an
untrained network's survivors. Per tracker and number of stages:

- tracker fps: one over the median time of `track()` on decoded frames of OTB Crossing (crop,
  search forward, cascade, re-ranking, selection, update), the template computed outside the clock;
  both wall-clock and the CPU time of the calling thread (with one torch thread all the work runs
  there, so CPU time is what an idle core would give even while other processes share the machine);
- search ms: one search-branch forward of one crop (all stages run), CPU time, best of all tries;
- relative: CPU-time fps over the one-stage fps of the same tracker, beside the papers' ratios
  (C-RPN Tab. 4: 48/37/23 fps; SCTRPN Tab. 1: 45/30/22 fps, for 1/2/3 stages on a GPU).

The trackers take turns frame by frame (every tracker tracks frame i before any tracks frame
i + 1), so load from other processes falls on all of them alike; each figure is the best of
`--rounds` rounds.
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

from docs_section import cpu_model, publish
from crossing import crossing
from trackers.base import TrackerInfo
from trackers.siamese.cascade.config import CASCADE_VARIANTS, with_cascade_overrides
from trackers.siamese.cascade.model import build_cascade_model
from trackers.siamese.cascade.tracker import CascadeTracker
from trackers.siamese.config import VARIANTS
from trackers.siamese.model import build_model
from trackers.siamese.tracker import SiamRPNTracker

HEADING = "## C-RPN and SCTRPN frames per second on CPU"
PAPER_FPS = {"crpn": (48, 37, 23), "sctrpn": (45, 30, 22)}


Cell = tuple[str, int | None]


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this thread) of one call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - wall, time.thread_time() - cpu


def build_trackers(cells: list[Cell], models: dict) -> dict[Cell, object]:
    info = TrackerInfo(name="perf", version="perf", deterministic=True)
    cpu = torch.device("cpu")
    trackers = {}
    for name, stages in cells:
        if name == "siamrpn":
            trackers[name, stages] = SiamRPNTracker(models[name], VARIANTS[name], VARIANTS[name].track, cpu, info)
        else:
            variant = CASCADE_VARIANTS[name]
            cascade = with_cascade_overrides(variant, {"stages": stages})
            trackers[name, stages] = CascadeTracker(models[name], variant, variant.track, cascade, cpu, info)
    return trackers


@torch.inference_mode()
def one_round(cells: list[Cell], models: dict, frames: list[np.ndarray], box: np.ndarray) -> dict[Cell, dict[str, float]]:
    trackers = build_trackers(cells, models)
    for tracker in trackers.values():
        tracker.initialize(frames[0], box)
        tracker.track(frames[1])  # warm-up
    walls: dict[Cell, list[float]] = {cell: [] for cell in cells}
    cpus: dict[Cell, list[float]] = {cell: [] for cell in cells}
    for frame in frames[2:]:
        for cell, tracker in trackers.items():
            wall, cpu = timed(lambda: tracker.track(frame))
            walls[cell].append(wall)
            cpus[cell].append(cpu)
    generator = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, 127, 127, generator=generator) * 255
    x = torch.rand(1, 3, 255, 255, generator=generator) * 255
    templates = {name: model.template(z) for name, model in models.items()}
    search: dict[Cell, list[float]] = {cell: [] for cell in cells}
    for _ in range(7):
        for name, stages in cells:
            model, template = models[name], templates[name]
            call = (lambda: model.track(x, template)) if name == "siamrpn" else (lambda: model.track(x, template, stages))
            search[name, stages].append(timed(call)[1])
    return {cell: {"fps_wall": 1 / statistics.median(walls[cell]), "fps_cpu": 1 / statistics.median(cpus[cell]),
                   "search_ms": 1e3 * min(search[cell])} for cell in cells}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(1)
    frames, box = crossing(args.frames)
    load_before = os.getloadavg()[0]
    torch.manual_seed(0)
    models = {"siamrpn": build_model(VARIANTS["siamrpn"])}
    for name, variant in CASCADE_VARIANTS.items():
        torch.manual_seed(0)
        models[name] = build_cascade_model(variant)
    params = {name: sum(p.numel() for p in model.parameters()) for name, model in models.items()}
    cells = [("siamrpn", None)] + [(name, n) for name in CASCADE_VARIANTS for n in (1, 2, 3)]
    rounds = []
    for round_index in range(args.rounds):
        rounds.append(one_round(cells, models, frames, box))
        print(f"round {round_index + 1}: {rounds[-1]}", flush=True)
    best = {cell: {"fps_wall": max(r[cell]["fps_wall"] for r in rounds), "fps_cpu": max(r[cell]["fps_cpu"] for r in rounds),
                   "search_ms": min(r[cell]["search_ms"] for r in rounds)} for cell in cells}
    rows = []
    for name, stages in cells:
        r = best[name, stages]
        ms = 1e3 / r["fps_cpu"]
        figures = f"{r['fps_wall']:.1f} | {r['fps_cpu']:.1f} | {ms:.0f}"
        if name == "siamrpn":
            rows.append(f"| siamrpn | 1 | {params[name] / 1e6:.1f} M | {figures} | | {r['search_ms']:.0f} | | |")
            continue
        added = f"+{ms - 1e3 / best[name, stages - 1]['fps_cpu']:.0f}" if stages > 1 else ""
        relative = r["fps_cpu"] / best[name, 1]["fps_cpu"]
        paper = PAPER_FPS[name][stages - 1] / PAPER_FPS[name][0]
        size = f"{params[name] / 1e6:.1f} M" if stages == 3 else ""
        rows.append(f"| {name} | {stages} | {size} | {figures} | {added} | {r['search_ms']:.0f} | {relative:.2f} | {paper:.2f} |")
    command = " ".join(["python perf/cascade_fps.py", *(f"--{k} {v}" for k, v, d in
                                                       (("frames", args.frames, 30), ("rounds", args.rounds, 3)) if v != d)])
    body = "\n".join([
        "Full-width networks (C-RPN and SCTRPN: up-channel heads at each stage's width, 256/384/384 channels; "
        "SCTRPN with its re-ranking) with random (seeded) weights, one torch thread, batch 1. `fps wall` and "
        "`fps CPU` are one over the median wall-clock and thread CPU time of `track()` on "
        f"{args.frames - 2} decoded frames of OTB Crossing (crop, search forward, cascade, re-ranking, selection, "
        "update; JPEG decoding excluded); with one torch thread all the work runs in the calling thread, so the CPU "
        "time is what an idle core would give; `ms CPU` is that median time per frame, and `added stage` what the "
        "last stage added to it. `search ms` is one search-branch forward (CPU time, best of 7 per "
        "round). Fewer stages are the same 3-stage network run with the `stages` option (later stages are not "
        "computed). `relative` is CPU-time fps over the same tracker's 1-stage fps, `paper` the papers' ratio "
        "(C-RPN Tab. 4: 48/37/23 fps; SCTRPN Tab. 1: 45/30/22 fps, on GPUs). The trackers take turns frame by "
        "frame, so load from other processes falls on all alike. The numpy work after the network depends on how "
        "many anchors survive θ, here those of an untrained network. "
        f"Every figure is the best of {args.rounds} rounds. Under heavy load even CPU time runs slower than on an "
        "idle machine (shared caches and memory bandwidth): compare the SiamRPN row with SiamRPN's one-thread figure "
        "in \"SiamRPN / SiamRPN++ frames per second on CPU\". The ratios between rows are what this measures.",
        "",
        f"- machine: `nproc` {len(os.sched_getaffinity(0))}, CPU {cpu_model()}, no GPU; other engineers' jobs shared "
        "the 2 cores during the run",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `{command} --write-docs`",
        f"- torch {torch.__version__}, OpenCV {cv2.__version__}, Python {platform.python_version()}",
        f"- 1-minute load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after",
        "",
        "| tracker | stages | parameters | fps wall | fps CPU | ms CPU | added stage, ms | search ms | relative | paper |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
    ])
    publish(HEADING, body, args.write_docs)


if __name__ == "__main__":
    main()
