"""Stored one-pass results written in another toolkit's layout, for that toolkit's own analysis:
pysot (``<seq>.txt``), pytracking (``<tracker>/<seq>.txt`` or ``<tracker>_000/`` ... per run) and the
got10k toolkit (``<seq>/<seq>_001.txt`` ... and ``_time.txt``). Numbers are written so that they read
back to the same float64. Every sequence needs a complete repetition 1 (the toolkits stop at a missing
file, or score it as zero): an incomplete tracker is refused before anything is written, naming the
sequences. The files go to a temporary folder renamed into place, so a failed export leaves nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from benchmarks import Sequence
from benchmarks.names import listing
from harness.errors import HarnessError
from harness.experiments.one_pass import ONE_PASS
from harness.formats.got10k_text import write_got10k
from harness.formats.imported import float_rows
from harness.formats.pytracking_text import write_pytracking
from harness.store import StoredShard, read_tracker

FORMATS = ("pysot", "pytracking", "got10k")


def export_results(results_root: Path, benchmark: str, tracker: str, sequences: list[Sequence], output: Path,
                   fmt: str) -> tuple[Path, int]:
    """Write `tracker`'s stored one-pass runs on `sequences` under `output`; returns (folder, repetitions)."""
    if fmt not in FORMATS:
        raise HarnessError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}, vot (--vot-workspace)")
    lengths = {s.name: len(s) for s in sequences}
    stored = read_tracker(results_root, benchmark, ONE_PASS.name, tracker, list(lengths), frames=lengths)
    runs = {name: {shard.repetition: shard for shard in shards if len(shard.boxes) == lengths[name]}
            for name, shards in stored.items()}
    incomplete = [s.name for s in sequences if 1 not in runs.get(s.name, {})]
    if incomplete:
        raise HarnessError(f"tracker {tracker!r} has no complete result (repetition 1, every frame) on "
                           f"{len(incomplete)} of {len(sequences)} {benchmark} sequences ({listing(incomplete, limit=5)}); "
                           "run them first: the toolkit would stop at the missing file or score it as a loss")
    output = Path(output)
    if output.exists():
        raise HarnessError(f"{output} exists; export writes a new folder (remove it, or name another --output)")
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        temporary.mkdir()
        repetitions = _write(temporary, fmt, benchmark, tracker, sequences, runs)
        os.replace(temporary, output)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return output, repetitions


def _write(folder: Path, fmt: str, benchmark: str, tracker: str, sequences: list[Sequence],
           runs: dict[str, dict[int, StoredShard]]) -> int:
    """The layout's files under `folder`; the number of repetitions written."""
    if fmt == "pysot":
        for sequence in sequences:
            (folder / f"{sequence.name}.txt").write_text(float_rows(runs[sequence.name][1].boxes, ","))
        return 1
    if fmt == "got10k":
        for sequence in sequences:
            write_got10k(folder, sequence.name, {r: (s.boxes, s.latency_ms) for r, s in runs[sequence.name].items()})
        return max(len(reps) for reps in runs.values())
    # pytracking: one folder per run; runs are numbered only when there are several, as trackerlist does
    complete = sorted(set.intersection(*(set(runs[s.name]) for s in sequences)))
    for index, repetition in enumerate(complete):
        run = folder / (tracker if len(complete) == 1 else f"{tracker}_{index:03d}")
        run.mkdir()
        for sequence in sequences:
            shard = runs[sequence.name][repetition]
            write_pytracking(run, benchmark, sequence.name, shard.boxes, shard.latency_ms)
    return len(complete)
