"""OPE metric speed: `evaluate` on 1,000,000 synthetic frames under every profile.

    python perf/metrics_speed.py [--sequences 2000] [--frames 500] [--repeats 7] [--write-docs]

Boxes follow a random walk inside a 1280x720 image with sizes of 20-300 px; predictions are the
ground truth plus noise, with one frame in ten lost far away and 2% of frames flagged absent. The
baseline is a straightforward per-sequence, per-threshold loop in the style of pysot's toolkit,
timed once and checked against `evaluate(..., "pysot")`. `--write-docs` replaces the section
"OPE metrics on 1,000,000 frames" of docs/performance.md with the figures measured.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

import numpy as np

from harness.metrics import boxes
from harness.metrics.ope.evaluate import SequenceInput, evaluate
from harness.metrics.ope.profiles import PROFILES
from docs_section import cpu_model, publish

HEADING = "## OPE metrics on 1,000,000 frames"


def synthetic_inputs(n_seq: int, n_frames: int, seed: int = 0) -> list[SequenceInput]:
    rng = np.random.default_rng(seed)
    size = rng.uniform(20, 300, (n_seq, 1, 2)) * np.exp(np.cumsum(rng.normal(0, 0.01, (n_seq, n_frames, 2)), axis=1))
    centre = np.array([640, 360]) + np.cumsum(rng.normal(0, 3, (n_seq, n_frames, 2)), axis=1)
    gt = np.round(np.concatenate([np.clip(centre - size / 2, 0, 1000), size], axis=2))
    pred = gt + rng.normal(0, 4, gt.shape)
    lost = rng.random((n_seq, n_frames)) < 0.1
    pred[lost, :2] += rng.uniform(200, 600, (lost.sum(), 2))
    pred[..., 2:] = np.abs(pred[..., 2:])
    absent = rng.random((n_seq, n_frames)) < 0.02
    return [SequenceInput(f"seq{i:04d}", pred[i], gt[i], absent[i]) for i in range(n_seq)]


def pysot_style_loop(inputs: list[SequenceInput]) -> tuple[float, float]:
    """Success AUC and precision@20 computed sequence by sequence and threshold by threshold."""
    aucs, precisions = [], []
    for s in inputs:
        present = ~s.absent
        gt, pred = s.gt[present], s.pred[present]
        iou = np.full(len(gt), -1.0)
        mask = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        iou[mask] = boxes.iou_continuous(pred[mask], gt[mask])
        success = [np.sum(iou > t) / len(s.gt) for t in np.arange(0, 1.05, 0.05)]
        centre_gt = boxes.centres(gt)
        dist = np.full(len(gt), -1.0)
        keep = (centre_gt > 0).all(axis=1)
        dist[keep] = boxes.center_error(pred[keep], gt[keep])
        precision = [np.sum(dist <= t) / len(s.gt) for t in np.arange(0, 51)]
        aucs.append(np.mean(success))
        precisions.append(precision[20])
    return float(np.mean(aucs)), float(np.mean(precisions))


def best_and_median(fn: object, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    inputs = synthetic_inputs(args.sequences, args.frames)
    n = args.sequences * args.frames
    rows = []
    for name in PROFILES:
        evaluate(inputs, name)  # warm-up
        best, median = best_and_median(lambda: evaluate(inputs, name), args.repeats)
        rows.append((name, best, median, n / best / 1e6))
    start = time.perf_counter()
    loop_auc, loop_prec = pysot_style_loop(inputs)
    loop_time = time.perf_counter() - start
    ours = evaluate(inputs, "pysot")
    assert abs(ours.auc - loop_auc) < 1e-12 and abs(ours.precision - loop_prec) < 1e-12, "baseline disagrees"

    table = [
        f"| profile | best of {args.repeats} (s) | median (s) | Mframes/s |",
        "|---|---|---|---|",
        *(f"| {name} | {best:.3f} | {median:.3f} | {rate:.1f} |" for name, best, median, rate in rows),
        f"| per-sequence loop, pysot style (success + precision only, one run) | {loop_time:.3f} | | {n / loop_time / 1e6:.1f} |",
    ]
    given = {"--sequences": (args.sequences, 2000), "--frames": (args.frames, 500), "--repeats": (args.repeats, 7)}
    command = " ".join(["python perf/metrics_speed.py", *(f"{k} {v}" for k, (v, d) in given.items() if v != d)])
    body = "\n".join(
        [
            f"{args.sequences:,} sequences x {args.frames} frames ({n:,} frames), synthetic boxes, "
            "`harness.metrics.ope.evaluate` per profile (all curves, per-sequence scores, AO/SR). Target: under 0.2 s per profile on 2 cores. "
            "`evaluate` is single-threaded numpy; measured with the machine otherwise idle (a concurrent Ray run roughly doubled the times).",
            "",
            f"- machine: `nproc` {len(os.sched_getaffinity(0))}, CPU {cpu_model()}",
            f"- date: {datetime.date.today().isoformat()}",
            f"- command: `{command} --write-docs`",
            f"- numpy {np.__version__}, Python {platform.python_version()}",
            "",
            *table,
        ]
    )
    publish(HEADING, body, args.write_docs)


if __name__ == "__main__":
    main()
