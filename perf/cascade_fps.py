"""C-RPN and SCTRPN speed on CPU beside SiamRPN: the tracker loop at batch 1, one torch thread.

    python perf/cascade_fps.py [--frames 30] [--rounds 3] [--write-docs]

Full-width networks with random (seeded) weights: the convolutions, hence most of the time, do not
depend on the weight values. What does is the numpy part after the network (how many anchors
survive each stage; SCTRPN's contour counting and NMS over the survivors), so those costs are
those of an untrained network's survivors and are reported apart. Per tracker and number of stages:

- tracker fps: one over the median time of `track()` on decoded frames of OTB Crossing (crop,
  search forward, cascade, re-ranking, selection, update), the template computed outside the clock;
- search ms: one search-branch forward of one crop (all stages run), best of 7;
- relative: fps over the one-stage fps of the same tracker, beside the papers' ratios
  (C-RPN Tab. 4: 48/37/23 fps; SCTRPN Tab. 1: 45/30/22 fps, for 1/2/3 stages on a GPU).

Each figure is the best of `--rounds` rounds (the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from docs_section import DOC, cpu_model, write_section
from siamese_fps import best_seconds
from trackers.base import TrackerInfo
from trackers.siamese.cascade.config import CASCADE_VARIANTS, with_cascade_overrides
from trackers.siamese.cascade.model import build_cascade_model
from trackers.siamese.cascade.tracker import CascadeTracker
from trackers.siamese.config import VARIANTS
from trackers.siamese.model import build_model
from trackers.siamese.tracker import SiamRPNTracker

HEADING = "## C-RPN and SCTRPN frames per second on CPU"
CROSSING = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "otb" / "sequences" / "Crossing"
PAPER_FPS = {"crpn": (48, 37, 23), "sctrpn": (45, 30, 22)}


def tracker_fps(tracker, frames: list[np.ndarray], box: np.ndarray) -> float:
    tracker.initialize(frames[0], box)
    tracker.track(frames[1])  # warm-up
    per_frame = []
    for frame in frames[2:]:
        start = time.perf_counter()
        tracker.track(frame)
        per_frame.append(time.perf_counter() - start)
    return 1 / statistics.median(per_frame)


@torch.inference_mode()
def measure(name: str, stages: int | None, models: dict, frames: list[np.ndarray], box: np.ndarray) -> dict[str, float]:
    generator = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, 127, 127, generator=generator) * 255
    x = torch.rand(1, 3, 255, 255, generator=generator) * 255
    info = TrackerInfo(name=name, version="perf", deterministic=True)
    cpu = torch.device("cpu")
    model = models[name]
    template = model.template(z)
    if name == "siamrpn":
        search = best_seconds(lambda: model.track(x, template), 7)
        tracker = SiamRPNTracker(model, VARIANTS[name], VARIANTS[name].track, cpu, info)
    else:
        variant = CASCADE_VARIANTS[name]
        search = best_seconds(lambda: model.track(x, template, stages), 7)
        cascade = with_cascade_overrides(variant, {"stages": stages})
        tracker = CascadeTracker(model, variant, variant.track, cascade, cpu, info)
    return {"tracker_fps": tracker_fps(tracker, frames, box), "search_ms": search * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(1)
    frames = [cv2.imread(str(p)) for p in sorted((CROSSING / "img").glob("*.jpg"))[: args.frames]]
    box = np.loadtxt(CROSSING / "groundtruth_rect.txt", max_rows=1)
    load_before = os.getloadavg()[0]
    torch.manual_seed(0)
    models = {"siamrpn": build_model(VARIANTS["siamrpn"])}
    for name, variant in CASCADE_VARIANTS.items():
        torch.manual_seed(0)
        models[name] = build_cascade_model(variant)
    params = {name: sum(p.numel() for p in model.parameters()) for name, model in models.items()}
    cells = [("siamrpn", None)] + [(name, n) for name in CASCADE_VARIANTS for n in (1, 2, 3)]
    results: dict[tuple[str, int | None], list[dict[str, float]]] = {cell: [] for cell in cells}
    # Rounds sweep the whole grid, so a burst of load elsewhere spoils one round of several cells.
    for round_index in range(args.rounds):
        for name, stages in cells:
            results[name, stages].append(measure(name, stages, models, frames, box))
            print(f"round {round_index + 1}: {name}, {stages} stages: {results[name, stages][-1]}", flush=True)
    best = {cell: {"tracker_fps": max(r["tracker_fps"] for r in rounds), "search_ms": min(r["search_ms"] for r in rounds)}
            for cell, rounds in results.items()}
    rows = []
    for name, stages in cells:
        r = best[name, stages]
        if name == "siamrpn":
            rows.append(f"| siamrpn | 1 | {params[name] / 1e6:.1f} M | {r['tracker_fps']:.1f} | {r['search_ms']:.0f} | | |")
            continue
        relative = r["tracker_fps"] / best[name, 1]["tracker_fps"]
        paper = PAPER_FPS[name][stages - 1] / PAPER_FPS[name][0]
        used = params[name] if stages == 3 else None
        rows.append(f"| {name} | {stages} | {'' if used is None else f'{used / 1e6:.1f} M'} | {r['tracker_fps']:.1f} "
                    f"| {r['search_ms']:.0f} | {relative:.2f} | {paper:.2f} |")
    command = " ".join(["python perf/cascade_fps.py", *(f"--{k} {v}" for k, v, d in
                                                       (("frames", args.frames, 30), ("rounds", args.rounds, 3)) if v != d)])
    body = "\n".join([
        "Full-width networks (C-RPN and SCTRPN: up-channel heads at each stage's width, 256/384/384 channels) with "
        "random (seeded) weights, one torch thread, batch 1. `tracker fps` is one over the median time of `track()` "
        f"on {args.frames - 2} decoded frames of OTB Crossing (crop, search forward, cascade, SCTRPN's re-ranking, "
        "selection, update; JPEG decoding excluded); `search ms` is one search-branch forward (best of 7). Fewer "
        "stages are the same 3-stage network run with the `stages` option (the later stages are not computed). "
        "`relative` is fps over the same tracker's 1-stage fps; `paper` the papers' ratio (C-RPN Tab. 4: 48/37/23 "
        "fps; SCTRPN Tab. 1: 45/30/22 fps, GPUs). The numpy work after the network depends on how many anchors "
        "survive θ, here those of an untrained network. "
        f"Every figure is the best of {args.rounds} rounds.",
        "",
        f"- machine: `nproc` {len(os.sched_getaffinity(0))}, CPU {cpu_model()}, no GPU; other engineers' jobs shared "
        "the 2 cores during the run",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `{command} --write-docs`",
        f"- torch {torch.__version__}, OpenCV {cv2.__version__}, Python {platform.python_version()}",
        f"- 1-minute load average {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after",
        "",
        "| tracker | stages | parameters | tracker fps | search ms | relative | paper |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])
    print(body)
    if args.write_docs:
        write_section(HEADING, body)
        print(f"\nwritten to {DOC}")


if __name__ == "__main__":
    main()
