"""The got10k toolkit's results (``ExperimentGOT10k``): ``<tracker>/<seq>/<seq>_001.txt``, ``_002.txt``
... one ``x,y,w,h`` file per repetition, and ``<seq>_time.txt`` with one line per frame and one column
of seconds per repetition. The server's submission archive holds the same files (`submission`); it is read
as a zip (`archive`) or unzipped, and a folder wrapping the sequences' folders is looked into."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks.names import match_names
from harness.errors import ImportFormatError
from harness.formats.archive import Member, read_rows, unwrap
from harness.formats.imported import ImportedRun, float_rows

_REPETITION = re.compile(r"^(?P<seq>.+)_(?P<rep>\d{3})\.txt$")


def read_got10k(directory: Path | Member, benchmark: str, names: list[str]) -> tuple[list[ImportedRun], list[Path]]:
    """Every ``<seq>/<seq>_NNN.txt`` as repetition NNN, with its column of ``<seq>_time.txt``."""
    directory = unwrap(directory, lambda top: any(p.is_dir() and any(f.is_file() for f in p.iterdir())
                                                  for p in top.iterdir()))
    folders = sorted((p for p in directory.iterdir() if p.is_dir()), key=str)
    if not folders:
        raise ImportFormatError(f"{directory}: expected one folder per sequence holding <sequence>_001.txt ...")
    mapping, unplaced = match_names(folders, names)
    runs: list[ImportedRun] = []
    for sequence, folder in sorted(mapping.items()):
        files = sorted((p for p in folder.iterdir() if p.is_file() and (m := _REPETITION.match(p.name))
                        and m["seq"] == folder.name), key=str)
        if not files:
            unplaced.append(folder)
            continue
        found = [ImportedRun(sequence, int(_REPETITION.match(p.name)["rep"]), read_rows(p), p) for p in files]
        _times(folder / f"{folder.name}_time.txt", found)
        runs += found
    return runs, unplaced


def _times(path: Path | Member, runs: list[ImportedRun]) -> None:
    """Column k of the time file is the k-th repetition's (the toolkit writes them side by side)."""
    if not path.is_file():
        return
    seconds = read_rows(path, columns=(len(runs),))
    for run, column in zip(runs, seconds.T):
        if len(column) != len(run.boxes):
            raise ImportFormatError(f"{path}: {len(column)} lines for the {len(run.boxes)} boxes of "
                                    f"{run.source.name}; expected one line per frame")
        run.latency_ms = column * 1e3


def write_got10k(folder: Path, sequence: str, runs: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
    """`runs`: repetition -> (boxes, latency_ms), every repetition of the same length."""
    target = folder / sequence
    target.mkdir(parents=True, exist_ok=True)
    for repetition, (boxes, _) in sorted(runs.items()):
        (target / f"{sequence}_{repetition:03d}.txt").write_text(float_rows(boxes, ","))
    seconds = np.column_stack([latency / 1e3 for _, (_, latency) in sorted(runs.items())])
    (target / f"{sequence}_time.txt").write_text(float_rows(seconds, ","))
