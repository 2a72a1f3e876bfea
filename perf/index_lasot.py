"""Indexing a LaSOT-sized benchmark: 1,400 sequences, annotations only, through the registry.

    python perf/index_lasot.py [--root DIR] [--repeats 5] [--json]

Writes the fixture once (``groundtruth.txt``, ``full_occlusion.txt``, ``out_of_view.txt``,
``nlp.txt`` per sequence, no frames) under --root, default a temporary folder removed at the end,
with LaSOT's lengths: 1,000 to 4,024 frames a sequence, 3.5 million in all, integer boxes, 5% of
frames occluded. Then times ``load_benchmark("lasot_full", root)`` (protocol I, all 1,400) and
``load_benchmark("lasot", root)`` (the 280 of protocol II). Target: under 2 s for the 1,400.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.lasot_table import lasot_names
from benchmarks.registry import load_benchmark


def write_fixture(root: Path, seed: int = 0, subset: str = "full") -> int:
    """The annotation files of all 1,400 sequences (or of `subset`); returns the number of frames."""
    rng = np.random.default_rng(seed)
    total = 0
    for name in lasot_names(subset):
        folder = root / name.rpartition("-")[0] / name
        folder.mkdir(parents=True)
        n = int(rng.integers(1000, 4025))
        total += n
        boxes = np.column_stack([rng.integers(0, 1200, (n, 2)), rng.integers(5, 400, (n, 2))])
        np.savetxt(folder / "groundtruth.txt", boxes, fmt="%d", delimiter=",")
        occluded = (rng.random(n) < 0.05).astype(int)
        (folder / "full_occlusion.txt").write_text(",".join(map(str, occluded)))
        (folder / "out_of_view.txt").write_text(",".join(map(str, np.roll(occluded, 7))))
        (folder / "nlp.txt").write_text(f"the {name.rpartition('-')[0]} moving across the scene\n")
    return total


def timed(benchmark: str, root: Path, repeats: int) -> tuple[list[float], int, int]:
    seconds, sequences, frames = [], 0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        loaded = load_benchmark(benchmark, root)
        seconds.append(time.perf_counter() - start)
        sequences, frames = len(loaded), sum(len(s) for s in loaded)
    return seconds, sequences, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, help="fixture folder (written if absent, kept)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    temporary = None if args.root else Path(tempfile.mkdtemp(prefix="lasot-index-"))
    root = args.root or temporary
    try:
        if not (root / "zebra" / "zebra-20" / "groundtruth.txt").is_file():
            start = time.perf_counter()
            write_fixture(root)
            print(f"wrote the fixture in {time.perf_counter() - start:.1f} s to {root}")
        rows = {}
        for benchmark in ("lasot_full", "lasot"):
            seconds, sequences, frames = timed(benchmark, root, args.repeats)
            rows[benchmark] = {"sequences": sequences, "frames": frames, "first_s": seconds[0],
                               "best_s": min(seconds), "median_s": statistics.median(seconds)}
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    if args.json:
        print(json.dumps({"machine": {"nproc": os.cpu_count(), "python": platform.python_version()}, **rows}))
        return
    print(f"nproc {os.cpu_count()}, Python {platform.python_version()}, {args.repeats} repeats")
    print("| benchmark | sequences | frames | first (s) | best (s) | median (s) |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['sequences']} | {r['frames']:,} | {r['first_s']:.2f} | {r['best_s']:.2f} | "
              f"{r['median_s']:.2f} |")


if __name__ == "__main__":
    main()
