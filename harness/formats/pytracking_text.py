"""pytracking's raw results: ``<results>/<tracker>/<param>/<seq>.txt`` for one run, ``<param>_000``,
``<param>_001`` ... for the runs of ``trackerlist(name, param, range(n))``. A box file has ``x y w h``
per frame separated by tabs (pytracking writes integers; others write floats or commas); beside it
``<seq>_time.txt`` holds seconds per frame and ``<seq>_object_presence_scores.txt`` a confidence per
frame. pytracking names NfS sequences ``nfs_<name>`` and UAV123's ``uav_<name>``; the prefix is
dropped to find the sequence, and written back on export."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks.names import listing, match_names
from benchmarks.textio import read_table
from harness.errors import ImportFormatError
from harness.formats.imported import ImportedRun, float_rows

PREFIXES = {"nfs30": "nfs_", "nfs240": "nfs_", "uav123": "uav_", "uav20l": "uav_"}
SIDE_FILES = {"_time": "latency_ms", "_object_presence_scores": "scores"}
_RUN = re.compile(r"^(?P<param>.+)_(?P<id>\d{3})$")


def run_folders(directory: Path) -> list[Path]:
    """The run folders `directory` stands for, in run order: itself when it holds result files, else
    its ``<param>`` or ``<param>_NNN`` subfolders of one parameter set."""
    if any(_is_box_file(p) for p in directory.iterdir()):
        return [directory]
    folders = sorted(p for p in directory.iterdir() if p.is_dir() and any(_is_box_file(f) for f in p.iterdir()))
    if not folders:
        raise ImportFormatError(f"{directory}: no pytracking results found (expected <seq>.txt files, or "
                                "<param>_000, <param>_001 ... folders of them)")
    params = sorted({m["param"] if (m := _RUN.match(p.name)) else p.name for p in folders})
    if len(params) > 1:
        raise ImportFormatError(f"{directory}: holds the runs of {len(params)} parameter sets ({listing(params)}); "
                                "import each one's folder on its own, under its own --tracker")
    if len(folders) > 1 and not all(_RUN.match(p.name) for p in folders):
        raise ImportFormatError(f"{directory}: holds both {params[0]}/ (a single run) and numbered runs "
                                f"{params[0]}_NNN/; import one of them")
    return sorted(folders, key=lambda p: int(m["id"]) if (m := _RUN.match(p.name)) else -1)


def read_pytracking(directory: Path, benchmark: str, names: list[str]) -> tuple[list[ImportedRun], list[Path]]:
    """Every run folder's box files (with their time and score files) as repetitions 1, 2, ... in run order."""
    runs: list[ImportedRun] = []
    unplaced: list[Path] = []
    for repetition, folder in enumerate(run_folders(directory), start=1):
        files = {f"{_sequence_name(p, benchmark)}.txt": p for p in sorted(folder.iterdir()) if _is_box_file(p)}
        mapping, lost = match_names(list(files), names)
        unplaced += [files[str(name)] for name in lost]
        for sequence, name in sorted(mapping.items()):
            runs.append(_run(files[str(name)], sequence, repetition))
    return runs, unplaced


def _sequence_name(path: Path, benchmark: str) -> str:
    return path.stem.removeprefix(PREFIXES.get(benchmark, "\0"))


def _is_box_file(path: Path) -> bool:
    return path.suffix == ".txt" and path.is_file() and not any(path.stem.endswith(s) for s in SIDE_FILES)


def _run(path: Path, sequence: str, repetition: int) -> ImportedRun:
    run = ImportedRun(sequence, repetition, read_table(path), path)
    for suffix, attribute in SIDE_FILES.items():
        side = path.with_name(f"{path.stem}{suffix}.txt")
        if not side.is_file():
            continue
        values = read_table(side, columns=(1,))[:, 0]
        if len(values) != len(run.boxes):
            raise ImportFormatError(f"{side}: {len(values)} lines for the {len(run.boxes)} boxes of {path.name}; "
                                    "expected one line per frame")
        setattr(run, attribute, values * 1e3 if attribute == "latency_ms" else values)
    return run


def write_pytracking(folder: Path, benchmark: str, sequence: str, boxes: np.ndarray, latency_ms: np.ndarray) -> None:
    """One run of one sequence as pytracking writes it, floats kept (pytracking's own loader reads them)."""
    stem = f"{PREFIXES.get(benchmark, '')}{sequence}"
    (folder / f"{stem}.txt").write_text(float_rows(boxes, "\t"))
    (folder / f"{stem}_time.txt").write_text(float_rows(latency_ms[:, None] / 1e3, "\t"))
