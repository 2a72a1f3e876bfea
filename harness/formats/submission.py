"""Submission archives for the benchmark servers that score the splits with withheld ground truth.

* GOT-10k (the got10k toolkit's ``ExperimentGOT10k.report`` archive): ``<seq>/<seq>_001.txt``,
  ``_002.txt``, ... one per repetition, ``x,y,w,h`` per frame with 3 decimals, and
  ``<seq>/<seq>_time.txt``: one line per frame, one column per repetition, seconds with 8
  decimals (NaN for imported results, which the server ignores).
* TrackingNet (as pytracking's packer writes it): ``<seq>.txt`` at the top of the archive,
  ``x,y,w,h`` per frame with 2 decimals, repetition 1.

Every sequence of the split must have a complete repetition 1; the archive is written to a
temporary name and renamed, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.names import listing
from benchmarks.registry import benchmark_record, records
from harness.errors import HarnessError
from harness.experiments.one_pass import ONE_PASS
from harness.store import StoredShard, read_tracker

FORMATS = ("got10k", "trackingnet")


def submission_format(benchmark: str) -> str:
    """The archive format a benchmark's server accepts (its record's `submission`)."""
    record = benchmark_record(benchmark)
    if record.submission not in FORMATS:
        have = ", ".join(r.name for r in records().values() if r.submission in FORMATS)
        raise HarnessError(f"no server submission format for benchmark {record.name!r}; submissions exist for {have}")
    return record.submission


def _text(rows: np.ndarray, fmt: str) -> bytes:
    buffer = io.StringIO()
    np.savetxt(buffer, rows, fmt=fmt, delimiter=",")
    return buffer.getvalue().encode()


def export_submission(results_root: Path, benchmark: str, tracker: str, sequences: list[Sequence],
                      output: Path) -> Path:
    """Write `tracker`'s stored one-pass results on `sequences` as the server's archive at `output`."""
    kind = submission_format(benchmark)
    stored = read_tracker(results_root, benchmark, ONE_PASS.name, tracker, [s.name for s in sequences],
                         frames={s.name: len(s) for s in sequences})
    runs = {name: {shard.repetition: shard for shard in shards} for name, shards in stored.items()}
    incomplete = [s.name for s in sequences
                  if 1 not in runs.get(s.name, {}) or len(runs[s.name][1].boxes) != len(s)]
    if incomplete:
        raise HarnessError(f"tracker {tracker!r} has no complete result (repetition 1, every frame) on "
                           f"{len(incomplete)} of {len(sequences)} {benchmark} sequences ({listing(incomplete, limit=5)}); "
                           "run them first: the server needs every sequence")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for sequence in sequences:
                _write(archive, kind, sequence, runs[sequence.name])
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
    return output


def _write(archive: zipfile.ZipFile, kind: str, sequence: Sequence, reps: dict[int, StoredShard]) -> None:
    name, n = sequence.name, len(sequence)
    if kind == "trackingnet":
        archive.writestr(f"{name}.txt", _text(reps[1].boxes, "%.2f"))
        return
    complete = [r for r in sorted(reps) if len(reps[r].boxes) == n]
    for rep in complete:
        archive.writestr(f"{name}/{name}_{rep:03d}.txt", _text(reps[rep].boxes, "%.3f"))
    times = np.column_stack([reps[rep].latency_ms / 1e3 for rep in complete])
    archive.writestr(f"{name}/{name}_time.txt", _text(times, "%.8f"))
