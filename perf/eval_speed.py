"""Stored results to a table: `harness eval` from process start to printed table, and its peak memory.

    python perf/eval_speed.py [--root DIR] [--compare-checkout DIR] [--write-docs]

Two stores are built once under --root (default: a temporary folder, removed at the end):

- ``lasot``: LaSOT's 280 test sequences (annotation files with LaSOT's lengths, as
  `index_lasot.py` writes them) and 6 imported trackers, 4.2 M stored rows; timed: `harness eval
  --bench lasot` (every tracker, default profile lasot_matlab) and `--trackers` of one tracker.
- ``uav``: the real UAV123 annotations (../shared/realdata/uav123/toolkit-anno) and 100 imported
  trackers, 11.3 M rows; timed: every tracker, and one tracker out of the 100.

Each tracker's shards are packed as `harness import` leaves them; the lasot eval is also timed with
the packs deleted before each run (the eval then reads every shard file and writes the packs).

Predictions are the ground truth moved by noise, one frame in ten lost far away. Each command runs
in a fresh process (`python -m harness.cli ... --json`), best of 3; peak memory is the child's
maximum resident set (`wait4`). `--compare-checkout DIR` runs the same commands with another
checkout of this project first on PYTHONPATH (e.g. a worktree of an older commit), in the same run,
so the two figures share the machine's load. A re-enactment of pysot's toolkit loop (result text
files parsed per sequence, per-sequence Python over thresholds) is timed on the lasot store as the
reference toolkits' order of magnitude.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import cpu_model, write_section  # noqa: E402
from index_lasot import write_fixture  # noqa: E402

from benchmarks.registry import load_benchmark  # noqa: E402
from benchmarks.vot import axis_aligned_boxes  # noqa: E402
from harness.metrics.boxes import center_error, centres, iou_continuous  # noqa: E402
from harness.store import Provenance, ShardFrames, ShardKey, pack_tracker, write_shard  # noqa: E402
from harness.store_pack import PACK  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
UAV_ANNO = ROOT.parent / "shared" / "realdata" / "uav123" / "toolkit-anno"
HEADING = "## Stored results to table: `harness eval` on LaSOT- and UAV123-sized stores"


def predictions(gt: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pred = np.nan_to_num(gt, nan=0.0) + rng.normal(0, 3, gt.shape)
    lost = rng.random(len(gt)) < 0.1
    pred[lost, :2] += rng.uniform(200, 600, (lost.sum(), 2))
    pred[:, 2:] = np.abs(pred[:, 2:])
    return np.round(pred, 2)


def write_store(results: Path, benchmark: str, root: Path, trackers: int, raw: Path | None = None) -> int:
    """`trackers` imported trackers on every sequence; also their text files under `raw` if given."""
    sequences = load_benchmark(benchmark, root)
    rng = np.random.default_rng(1)
    rows = 0
    for t in range(trackers):
        name = f"tracker{t:03d}"
        for s in sequences:
            boxes = predictions(axis_aligned_boxes(s.ground_truth), rng)
            n = len(boxes)
            frames = ShardFrames(boxes, np.full(n, np.nan), np.array(["initialized"] + ["tracked"] * (n - 1)),
                                 np.full(n, np.nan))
            source = raw / name / f"{s.name}.txt" if raw else Path(f"/raw/{name}/{s.name}.txt")
            provenance = Provenance("perf", "", "", "", "perf", "", "", source=f"import:pysot:{source}")
            write_shard(results, ShardKey(name, benchmark, s.name, 1), frames, provenance)
            if raw:
                source.parent.mkdir(parents=True, exist_ok=True)
                np.savetxt(source, boxes, fmt="%.2f", delimiter=",")
            rows += n
        pack_tracker(results, benchmark, "ope", name, {s.name: len(s) for s in sequences}, first_only=True)  # as `harness import` ends
    return rows


def remove_packs(results: Path) -> None:
    for pack in results.glob(f"*/*/*/{PACK}"):
        pack.unlink()


def timed_child(argv: list[str], pythonpath: Path, cwd: Path, repeats: int, before=None) -> dict:
    runs = [(before and before(), run_child_rusage(argv, pythonpath, cwd))[1] for _ in range(repeats)]
    return {"table_s": min(r[0] for r in runs), "best_s": min(r[1] for r in runs),
            "median_s": float(np.median([r[1] for r in runs])), "cpu_s": min(r[3] for r in runs),
            "peak_mib": max(r[2] for r in runs)}


def run_child_rusage(argv: list[str], pythonpath: Path, cwd: Path) -> tuple[float, float, float, float]:
    """(wall seconds to the first printed byte, to the end, peak RSS MiB, CPU seconds) of one fresh process
    importing this project from `pythonpath`. It runs in `cwd`, a folder holding no checkout: `python -m`
    puts the working folder first on sys.path, where a checkout would win over PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "harness.cli", *argv], cwd=cwd, env=env, stdout=subprocess.PIPE)
    child.stdout.read(1)
    printed = time.perf_counter() - start
    child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    if child.returncode != 0:
        raise SystemExit(f"harness {' '.join(argv)} failed (exit {child.returncode})")
    return printed, wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def pysot_reenactment(raw: Path, anno_root: Path, trackers: list[str]) -> float:
    """Seconds for a pysot-style evaluation: ground truth and result files read as text, then success
    and precision sequence by sequence, threshold by threshold."""
    start = time.perf_counter()
    gt = {}
    for folder in sorted(p for p in anno_root.glob("*/*") if p.is_dir()):
        gt[folder.name] = np.array([[float(v) for v in line.split(",")]
                                    for line in (folder / "groundtruth.txt").read_text().splitlines()])
    for tracker in trackers:
        aucs = []
        for name, g in gt.items():
            lines = (raw / tracker / f"{name}.txt").read_text().splitlines()
            pred = np.array([[float(v) for v in line.split(",")] for line in lines])
            iou = iou_continuous(pred, g)
            aucs.append(np.mean([np.sum(iou > t) / len(g) for t in np.arange(0, 1.05, 0.05)]))
            dist = center_error(pred, g)
            _ = [np.sum(dist <= t) / len(g) for t in np.arange(0, 51)], centres(g)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, help="fixture folder (built if absent, kept)")
    parser.add_argument("--compare-checkout", type=Path, help="another checkout to time beside this one")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    args.load_before = os.getloadavg()[0]
    temporary = None if args.root else Path(tempfile.mkdtemp(prefix="eval-speed-"))
    root = (args.root or temporary).resolve()
    try:
        lasot, results_lasot, raw = root / "lasot", root / "results-lasot", root / "raw-lasot"
        results_uav = root / "results-uav"
        if not (results_lasot / "lasot").is_dir():
            start = time.perf_counter()
            if not lasot.is_dir():
                write_fixture(lasot, subset="test")
            rows = write_store(results_lasot, "lasot", lasot, 6, raw)
            print(f"lasot store: {rows:,} rows in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        if not (results_uav / "uav123").is_dir():
            start = time.perf_counter()
            rows = write_store(results_uav, "uav123", UAV_ANNO, 100)
            print(f"uav store: {rows:,} rows in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        cases = {
            "lasot, 6 trackers": ["eval", "--bench", "lasot", "--root", str(lasot), "--results", str(results_lasot), "--json"],
            "lasot, 1 of 6 (--trackers)": ["eval", "--bench", "lasot", "--root", str(lasot), "--results",
                                           str(results_lasot), "--trackers", "tracker003", "--json"],
            "uav123, 100 trackers": ["eval", "--bench", "uav123", "--root", str(UAV_ANNO), "--results", str(results_uav), "--json"],
            "uav123, 1 of 100 (--trackers)": ["eval", "--bench", "uav123", "--root", str(UAV_ANNO), "--results",
                                              str(results_uav), "--trackers", "tracker042", "--json"],
        }
        checkouts = {"this checkout": ROOT}
        if args.compare_checkout:
            checkouts = {f"{args.compare_checkout.name}": args.compare_checkout.resolve(), **checkouts}
        scratch = root / "cwd"  # where the children run and write their reports
        scratch.mkdir(exist_ok=True)
        for results, benchmark, anno in ((results_lasot, "lasot", lasot), (results_uav, "uav123", UAV_ANNO)):
            lengths = {s.name: len(s) for s in load_benchmark(benchmark, anno)}
            for tracker in sorted(p.name for p in (results / benchmark / "ope").iterdir() if not (p / PACK).is_file()):
                pack_tracker(results, benchmark, "ope", tracker, lengths, first_only=True)  # as imports leave them
        figures = {case: {label: timed_child(argv, path, scratch, args.repeats) for label, path in checkouts.items()}
                   for case, argv in cases.items()}
        unpacked = "lasot, 6 trackers, no packs (the eval writes them)"
        figures[unpacked] = {label: timed_child(cases["lasot, 6 trackers"], path, scratch, args.repeats,
                                                before=lambda: remove_packs(results_lasot))
                             for label, path in checkouts.items()}
        pysot = min(pysot_reenactment(raw, lasot, [f"tracker{t:03d}" for t in range(6)]) for _ in range(2))
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    print(json.dumps({"figures": figures, "pysot_reenactment_s": pysot}, indent=2))
    if args.write_docs:
        write_docs(figures, pysot, args)


def ratios(figures: dict, pysot: float) -> str:
    """How many times faster than the other checkout and than pysot's loop, lasot with 6 trackers, to the table."""
    by = figures["lasot, 6 trackers"]
    ours = by["this checkout"]["table_s"]
    others = "".join(f" {label}: {f['table_s'] / ours:.1f}x," for label, f in by.items() if label != "this checkout")
    return f" Lasot, 6 trackers, to the printed table, this checkout is faster than{others} the pysot loop: {pysot / ours:.1f}x."


def write_docs(figures: dict, pysot: float, args: argparse.Namespace) -> None:
    labels = list(next(iter(figures.values())))
    lines = ["| case | " + " | ".join(f"{l}: table printed (s) | {l}: process (s) | {l}: CPU (s) | {l}: peak MiB"
                                     for l in labels) + " |",
             "|---|" + "---|---|---|---|" * len(labels)]
    for case, by in figures.items():
        lines.append(f"| {case} | " + " | ".join(
            f"{by[l]['table_s']:.2f} | {by[l]['best_s']:.2f} | {by[l]['cpu_s']:.2f} | {by[l]['peak_mib']:.0f}"
            for l in labels) + " |")
    body = f"""Each figure is a fresh `python -m harness.cli eval ... --json` process (run outside any checkout, so
that PYTHONPATH picks the code timed), best of {args.repeats}: wall time from its start to the printed
result (imports, benchmark loading, reading the store, metrics, printing) and to its end (the
reports written: Markdown, JSON and the HTML page, of the trackers evaluated), and its CPU time
(user + system: the process is single-threaded but for the reading thread and pyarrow); peak memory
is the process's maximum resident set. The 1-minute load average before the run was {args.load_before:.2f}. Stores: `lasot` = LaSOT's 280 test sequences
with 6 imported trackers (4.2 M rows); `uav123` = the real UAV123 annotations with 100 imported
trackers (11.3 M rows). The stores are as `harness import` and `harness run` leave them: each
tracker's shards also packed in one file (docs/store.md); the "no packs" case deletes the packs
before each run, as for a store written before packs existed, so that eval opens every shard file
(and writes the packs again). Targets: lasot, 6 trackers, under 2 s and 1 GB; memory bounded by one
tracker's rows; a tracker filter reads only that tracker's files.

- machine: `nproc` {os.cpu_count()}, CPU {cpu_model()}; Python {platform.python_version()}
- date: {datetime.date.today().isoformat()}
- command: `python perf/eval_speed.py --write-docs{' --compare-checkout ' + str(args.compare_checkout) if args.compare_checkout else ''}`

{chr(10).join(lines)}

A re-enactment of pysot's toolkit loop on the lasot store (text files parsed line by line, success
and precision per sequence and threshold in Python) took {pysot:.1f} s for the 6 trackers
({pysot / 6:.1f} s a tracker), in the same run.{ratios(figures, pysot)}
"""
    write_section(HEADING, body)


if __name__ == "__main__":
    main()
