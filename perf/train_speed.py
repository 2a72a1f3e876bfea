"""Training speed on CPU: pairs per second of `harness train` per tracker with 1 and 2 Ray Train
workers, and of the data pipeline alone.

    python perf/train_speed.py [--steps 3] [--write-docs]
    python perf/train_speed.py --new-trackers [--steps 3] [--write-docs]   (C-RPN, SCTRPN, CRACT; 1 worker)

Training: each tracker at full width (and siamrpnpp-alex at width 0.25, the thin variant the
synthetic learning run uses), from scratch on synthetic pairs, one torch thread and one
data-loading process per worker, `--steps` steps of `batch` pairs per worker. The rate is taken
from the run's own step log (losses.jsonl), from the end of the first step to the end of the last,
so Ray's start-up and the first step's allocations are left out.

Data pipeline: `PairMaker` alone in one process (pair sampling, 511 crops, pysot's augmentation,
anchor targets; no network), for synthetic scenes drawn in memory and for the synthetic benchmark's
JPEG frames read through the GOT-10k loader (a decode per frame, like real data).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import ray
import torch

from benchmarks.synthetic import load_synthetic
from harness.train.driver import run_training
from harness.train.runfolder import RunFolder, records
from trackers.training.config import TrainConfig, merge
from trackers.training.dataset import PairMaker
from trackers.training.specs import spec_for
from trackers.training.sources import DataSpec, SequenceSource, VideoSource, open_source
from docs_section import cpu_model, write_section

HEADING = "## Training pairs per second on CPU"
CASES = (("siamrpn", 1.0, 4), ("siamrpnpp", 1.0, 2), ("siamrpnpp-alex", 1.0, 4), ("siamrpnpp-mobilev2", 1.0, 4),
         ("siamrpnpp-alex", 0.25, 16))
SCRATCH = {"backbone": {"train_epoch": 0, "train_layers": ["*"], "layers_lr": 1.0}, "warmup": None}
NEW_HEADING = "## Training pairs per second on CPU: C-RPN, SCTRPN and CRACT"
# Full width, and the widths of the shipped synthetic-trained weights (trackers/weights/synthetic/).
NEW_CASES = (("crpn", 1.0, 2), ("sctrpn", 1.0, 2), ("cract", 1.0, 2), ("crpn", 0.0625, 16), ("sctrpn", 0.0625, 16),
             ("cract", 0.125, 16))


def config(tracker: str, width: float, batch: int, workers: int, steps: int) -> TrainConfig:
    base = merge(TrainConfig(tracker=tracker), spec_for(tracker).recipe)
    return merge(base, {**SCRATCH, "width": width, "batch": batch, "workers": workers, "epochs": 1,
                        "lr": {"epochs": 1}, "pairs_per_epoch": batch * workers * steps, "loader_workers": 1,
                        "data": [DataSpec("synthetic", "1", videos=96)]})


def training_rate(cfg: TrainConfig) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        run_training(cfg, Path(scratch) / "run")
        steps = list(records(RunFolder(Path(scratch) / "run").losses))
    return (steps[-1]["pairs"] - steps[0]["pairs"]) / (steps[-1]["seconds"] - steps[0]["seconds"])


def pipeline_rate(source: VideoSource, count: int) -> float:
    maker = PairMaker(config("siamrpnpp-alex", 0.25, 16, 1, 1), [source])
    maker(0)
    start = time.perf_counter()
    for i in range(1, count + 1):
        maker(i)
    return count / (time.perf_counter() - start)


def new_trackers(args: argparse.Namespace) -> None:
    """C-RPN, SCTRPN and CRACT, one and two workers: their losses run on the worker too (numpy targets per stage,
    CRACT's proposal sampling and heads), so the rate is of the whole step."""
    load_before = os.getloadavg()[0]
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        rows = []
        for tracker, width, batch in NEW_CASES:
            rates = [training_rate(config(tracker, width, batch, workers, args.steps)) for workers in (1, 2)]
            rows.append((tracker, width, batch, *rates))
            print(*rows[-1], flush=True)
    finally:
        ray.shutdown()
    table = ["| tracker | width | batch per worker | 1 worker (pairs/s) | 2 workers (pairs/s) | s per pair (1 worker) |",
             "|---|---|---|---|---|---|"]
    table += [f"| {t} | {w} | {b} | {one:.2f} | {two:.2f} | {1 / one:.3f} |" for t, w, b, one, two in rows]
    body = "\n".join([
        "As the section above (one torch thread, one data-loading process, from scratch on synthetic pairs, the rate "
        "from the run's own step log after its first step), for the trackers trained since, with one and two workers: at full "
        "width and at the widths of the shipped synthetic-trained weights. Their losses run on the worker as well: "
        "the cascades' per-stage anchor targets in numpy, CRACT's proposal sampling, RoI pooling and heads.",
        "",
        f"- machine: `nproc` {os.cpu_count()}, {cpu_model()}, no GPU; shared with other engineers' work "
        f"(1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after)",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `python perf/train_speed.py --new-trackers --steps {args.steps} --write-docs`",
        f"- torch {torch.__version__}, Ray {ray.__version__}, Python {platform.python_version()}",
        "",
        *table,
    ])
    if args.write_docs:
        write_section(NEW_HEADING, body)
    print(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=300, help="pairs timed for the data pipeline")
    parser.add_argument("--new-trackers", action="store_true", help="C-RPN, SCTRPN and CRACT, one and two workers")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.new_trackers:
        return new_trackers(args)
    load_before = os.getloadavg()[0]
    pipeline = {
        "synthetic scenes drawn in memory": pipeline_rate(open_source(DataSpec("synthetic", "1", videos=480)), args.pairs),
        "JPEG frames read through the GOT-10k loader (the synthetic benchmark's 320x240 files)":
            pipeline_rate(SequenceSource("jpeg", load_synthetic(0), 100, -1), args.pairs),
    }
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    rows = []
    try:
        for tracker, width, batch in CASES:
            rates = [training_rate(config(tracker, width, batch, workers, args.steps)) for workers in (1, 2)]
            rows.append((tracker, width, batch, rates))
            print(tracker, width, batch, [f"{r:.2f}" for r in rates], flush=True)
    finally:
        ray.shutdown()
    for name, rate in pipeline.items():
        print(name, rate)
    load_after = os.getloadavg()[0]
    table = ["| tracker | width | batch per worker | 1 worker (pairs/s) | 2 workers (pairs/s) | s per pair (1 worker) |",
             "|---|---|---|---|---|---|"]
    for tracker, width, batch, (one, two) in rows:
        table.append(f"| {tracker} | {width} | {batch} | {one:.2f} | {two:.2f} | {1 / one:.3f} |")
    body = "\n".join([
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        f"- machine: `nproc` {os.cpu_count()}, {cpu_model()}, no GPU; shared with other engineers' work "
        f"(1-minute load average {load_before:.2f} before, {load_after:.2f} after)",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `python perf/train_speed.py --steps {args.steps} --write-docs`",
        f"- torch {torch.__version__}, Ray {ray.__version__}, Python {platform.python_version()}",
        "",
        *table,
        "",
        "Data pipeline alone, one process:",
        "",
        *[f"- {name}: {rate:.1f} pairs/s" for name, rate in pipeline.items()],
        "",
        f"The slowest of these is {min(pipeline.values()) / max(rows[-1][3]):.1f}x what the fastest consumer above "
        f"(siamrpnpp-alex at width 0.25) takes per worker, from one process; each worker has `loader_workers` of "
        "them. Two workers on two shared cores are rarely faster than one: both cores were already busy.",
    ])
    if args.write_docs:
        write_section(HEADING, body)
    print(body)


if __name__ == "__main__":
    main()
