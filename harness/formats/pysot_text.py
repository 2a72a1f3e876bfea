"""pysot's raw results (also the got10k toolkit's OTB-style experiments, LaSOT's toolkit and TrackingNet's
server archive): one ``x,y,w,h`` text file per sequence, ``<seq>.txt``, in one folder (or a zip of it,
`archive`), found inside a folder that wraps it."""

from __future__ import annotations

from pathlib import Path

from benchmarks.names import match_names
from harness.errors import ImportFormatError
from harness.formats.archive import Member, read_rows, unwrap
from harness.formats.imported import ImportedRun


def read_pysot(directory: Path | Member, benchmark: str, names: list[str]) -> tuple[list[ImportedRun], list[Path]]:
    """Every ``<seq>.txt`` of `directory` as repetition 1 of the sequence it names."""
    directory = unwrap(directory, lambda folder: any(_is_result(p) for p in folder.iterdir()))
    files = sorted((p for p in directory.iterdir() if _is_result(p)), key=str)
    if not files:
        raise ImportFormatError(f"{directory}: no .txt result files found (expected one x,y,w,h file per sequence)")
    mapping, unplaced = match_names(files, names)
    return [ImportedRun(name, 1, read_rows(path), path) for name, path in sorted(mapping.items())], unplaced


def _is_result(path: Path | Member) -> bool:
    return path.suffix == ".txt" and path.is_file()
