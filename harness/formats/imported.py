"""Published one-pass results in another toolkit's layout, stored as shards: what every reader shares.

A reader (`pysot_text`, `pytracking_text`, `got10k_text`) turns a folder into `ImportedRun`s and the
files it could not place; nothing is written until every file of every sequence has been read and
checked, so a bad line anywhere imports nothing. Lengths are stored as found: whether a result with
more or fewer lines than the ground truth is an error, padded or truncated is the evaluation
profile's decision, as in its toolkit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from harness.errors import ImportFormatError
from harness.formats.archive import Member, open_results
from harness.store import Provenance, ShardFrames, ShardKey, write_shard
from harness.version import code_version


@dataclass
class ImportedRun:
    """One repetition of one sequence as a result file gave it."""

    sequence: str
    repetition: int
    boxes: np.ndarray  # (N, 4) x, y, w, h
    source: Path | Member  # the box file (or archive member): its checksum is the shard's provenance
    latency_ms: np.ndarray | None = None  # (N,) where the layout keeps per-frame times
    scores: np.ndarray | None = None  # (N,) where the layout keeps a confidence per frame


@dataclass
class ImportReport:
    tracker: str
    benchmark: str
    imported: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    length_mismatch: dict[str, tuple[int, int]] = field(default_factory=dict)
    repetitions: dict[str, int] = field(default_factory=dict)  # sequence -> runs imported, where more than one


Reader = Callable[[Path | Member, str, list[str]], tuple[list[ImportedRun], list[Path | Member]]]


def import_provenance(path: Path | Member, fmt: str) -> Provenance:
    """An imported file's provenance: its checksum where a run's weights checksum would be."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
    return Provenance(
        code_version=code_version(),
        config_hash="",
        weights_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        device="",
        host=socket.gethostname(),
        started=now,
        finished=now,
        source=f"import:{fmt}:{path.resolve()}",
    )


def _readers() -> dict[str, Reader]:
    from harness.formats.got10k_text import read_got10k
    from harness.formats.pysot_text import read_pysot
    from harness.formats.pytracking_text import read_pytracking

    return {"pysot": read_pysot, "pytracking": read_pytracking, "got10k": read_got10k}


FORMATS = ("pysot", "pytracking", "got10k")
ARCHIVED = ("pysot", "got10k")  # the layouts of TrackingNet's and GOT-10k's server archives


def import_results(
    directory: Path, tracker: str, benchmark: str, sequences: list[Sequence], results_root: Path, fmt: str = "pysot"
) -> ImportReport:
    """Read `directory` in layout `fmt` and store every run it holds of `sequences` as a shard."""
    readers = _readers()
    if fmt not in readers:
        raise ImportFormatError(f"unknown result format {fmt!r}; known: {', '.join(FORMATS)}")
    top = open_results(Path(directory))
    if isinstance(top, Member) and fmt not in ARCHIVED:
        raise ImportFormatError(f"{directory}: a .zip archive is read for --format {' and '.join(ARCHIVED)} "
                                f"(the servers' layouts); unzip {fmt}'s results and import the folder")
    runs, unplaced = readers[fmt](top, benchmark, [s.name for s in sequences])
    lengths = {s.name: len(s) for s in sequences}
    report = ImportReport(tracker, benchmark, unplaced=[str(p) for p in unplaced])
    runs = sorted(runs, key=lambda r: (r.sequence, r.repetition))
    for run in runs:
        n, n_gt = len(run.boxes), lengths[run.sequence]
        if n != n_gt:
            report.length_mismatch[run.sequence] = (n, n_gt)
        statuses = np.array(["initialized"] + ["tracked"] * (n - 1))[:n]
        frames = ShardFrames(boxes=run.boxes, scores=_or_nan(run.scores, n), statuses=statuses,
                             latency_ms=_or_nan(run.latency_ms, n))
        write_shard(results_root, ShardKey(tracker, benchmark, run.sequence, run.repetition), frames,
                    import_provenance(run.source, fmt))
    counts = Counter(run.sequence for run in runs)
    report.imported = list(counts)
    report.repetitions = {name: k for name, k in counts.items() if k > 1}
    report.missing = sorted(set(lengths) - set(report.imported))
    return report


def _or_nan(values: np.ndarray | None, n: int) -> np.ndarray:
    return np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64)


def float_rows(values: np.ndarray, separator: str) -> str:
    """Text that reads back to the same float64 values (each number's repr), one row per line: what an
    export writes, so that a round trip through another toolkit's layout loses nothing."""
    return "".join(separator.join(map(repr, row)) + "\n" for row in values.tolist())
