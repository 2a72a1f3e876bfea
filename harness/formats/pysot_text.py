"""Published raw results (one text file per sequence) loaded into the results store."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.names import match_names
from benchmarks.textio import read_table
from harness.errors import ImportFormatError
from harness.version import code_version
from harness.store import Provenance, ShardFrames, ShardKey, write_shard

FORMATS = ("pysot",)


@dataclass
class ImportReport:
    tracker: str
    benchmark: str
    imported: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    length_mismatch: dict[str, tuple[int, int]] = field(default_factory=dict)


def import_provenance(path: Path, fmt: str) -> Provenance:
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


def import_results(
    directory: Path, tracker: str, benchmark: str, sequences: list[Sequence], results_root: Path, fmt: str = "pysot"
) -> ImportReport:
    """Read one ``x,y,w,h`` file per sequence from `directory` and store each as a shard.

    Lengths are stored as found: whether a file with more or fewer lines than the ground truth
    is an error, padded or truncated is the evaluation profile's decision, as in its toolkit.
    """
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown result format {fmt!r}; known: {', '.join(FORMATS)}")
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFormatError(f"{directory}: not a folder of result files")
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix == ".txt")
    if not files:
        raise ImportFormatError(f"{directory}: no .txt result files found (expected one x,y,w,h file per sequence)")
    by_name = {s.name: s for s in sequences}
    mapping, unplaced = match_names(files, list(by_name))
    report = ImportReport(tracker, benchmark, unplaced=[str(p) for p in unplaced])
    # Every file is read and checked before the first shard is written: a bad line anywhere imports nothing.
    read = {seq_name: read_table(path) for seq_name, path in sorted(mapping.items())}
    for seq_name, boxes in read.items():
        n, n_gt = len(boxes), len(by_name[seq_name])
        if n != n_gt:
            report.length_mismatch[seq_name] = (n, n_gt)
        statuses = np.array(["initialized"] + ["tracked"] * (n - 1))[:n]
        frames = ShardFrames(boxes=boxes, scores=np.full(n, np.nan), statuses=statuses, latency_ms=np.full(n, np.nan))
        path = mapping[seq_name]
        write_shard(results_root, ShardKey(tracker, benchmark, seq_name, 1), frames, import_provenance(path, fmt))
        report.imported.append(seq_name)
    report.missing = sorted(set(by_name) - set(report.imported))
    return report
