"""pysot's raw results (also the got10k toolkit's OTB-style experiments, LaSOT's and TrackingNet's):
one ``x,y,w,h`` text file per sequence, ``<seq>.txt``, in one folder."""

from __future__ import annotations

from pathlib import Path

from benchmarks.names import match_names
from benchmarks.textio import read_table
from harness.errors import ImportFormatError
from harness.formats.imported import ImportedRun


def read_pysot(directory: Path, benchmark: str, names: list[str]) -> tuple[list[ImportedRun], list[Path]]:
    """Every ``<seq>.txt`` of `directory` as repetition 1 of the sequence it names."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix == ".txt")
    if not files:
        raise ImportFormatError(f"{directory}: no .txt result files found (expected one x,y,w,h file per sequence)")
    mapping, unplaced = match_names(files, names)
    return [ImportedRun(name, 1, read_table(path), path) for name, path in sorted(mapping.items())], unplaced
