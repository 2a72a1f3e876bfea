"""`harness bench check`: validate a benchmark copy on disk and report every problem found.

Loading stops at the first bad file; checking goes on. Each sequence is loaded on its own (a
bad one is one problem, not the end), its frame folder is listed once to find missing frame
files, and where the annotation covers the whole folder, frames past its end show a short
annotation. List files are checked line by line for names without a folder.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.errors import AnnotationError, BenchmarkError
from benchmarks.got10k import load_got10k_sequence as got10k_sequence
from benchmarks.got10k import split_folder
from benchmarks.lasot import lasot_sequence, read_nlp, sequence_folder
from benchmarks.lasot_table import lasot_names
from benchmarks.names import match_names
from benchmarks.nfs import nfs_annotation, nfs_names, nfs_sequence
from benchmarks.otb import detect_layout, load_otb
from benchmarks.otb_table import otb_entries
from benchmarks.registry import benchmark_info, resolve_root
from benchmarks.sequence import Sequence
from benchmarks.trackingnet import trackingnet_annotations, trackingnet_sequence
from benchmarks.uav123 import find_layout, load_uav
from benchmarks.uav123_table import uav_entries
from benchmarks.vot import sequences_folder
from benchmarks.vot_json import json_sequence, read_dataset_json
from benchmarks.vot_legacy import vot_folder_sequence


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class Source:
    """One sequence to check: how to load it, and the file its whole-sequence problems name."""

    name: str
    annotation: Path
    load: Callable[[], Sequence]
    spare_frames: int | None = 0  # frame files allowed past the annotated ones; None: any (cut videos)
    extra: tuple[tuple[Path, Callable[[], object]], ...] = ()  # further files, and how to validate each


Sources = tuple[list[Problem], list[Source]]


def check_benchmark(name: str, root: Path | str | None = None) -> list[Problem]:
    """Every problem with the benchmark's copy at `root` (else its configured root); [] when sound."""
    info = benchmark_info(name)
    path = resolve_root(info.name, root)
    try:
        problems, sources = _SOURCES[info.name](path, info.name)
    except BenchmarkError as error:
        return [_problem(error, path)]
    for source in sources:
        if not source.annotation.is_file():
            problems.append(Problem(source.annotation, None, f"annotation file of {source.name} is missing"))
            continue
        try:
            sequence = source.load()
        except BenchmarkError as error:
            problems.append(_problem(error, source.annotation))
            continue
        for file, validate in source.extra:
            try:
                validate()
            except BenchmarkError as error:
                problems.append(_problem(error, file))
        problems += frame_problems(sequence, source)
    return problems


def _problem(error: BenchmarkError, fallback: Path) -> Problem:
    if isinstance(error, AnnotationError):
        return Problem(error.path, error.line, error.problem)
    return Problem(fallback, None, str(error).removeprefix(f"{fallback}: "))


def frame_problems(sequence: Sequence, source: Source) -> list[Problem]:
    """Missing frame files (consecutive ones as one problem) and frames past a short annotation."""
    frames = sequence.frames
    if frames is None:
        return []
    try:
        with os.scandir(frames.directory) as scan:
            present = {entry.name for entry in scan}
    except FileNotFoundError:
        return [Problem(frames.directory, None, f"frame folder of {sequence.name} is missing "
                        f"({len(frames)} frames expected)")]
    expected = [frames.pattern.format(frames.first + i) for i in range(len(frames))]
    problems = []
    for first, last in _runs([i for i, name in enumerate(expected) if name not in present]):
        which = expected[first]
        if last > first:
            which += f" to {expected[last]} ({last - first + 1} files)"
        problems.append(Problem(frames.directory / expected[first], None,
                                f"missing frame {which} of {sequence.name} (frame {first + 1} of {len(frames)})"))
    if source.spare_frames is not None:
        numbers = _frame_numbers(frames.pattern, present)
        beyond = [n for n in numbers if n >= frames.first + len(frames)]
        if len(beyond) > source.spare_frames:
            problems.append(Problem(source.annotation, None, (
                f"annotation too short: {len(sequence)} annotated frames, but {frames.directory} holds "
                f"{len(beyond)} more frames (up to {frames.pattern.format(max(beyond))})")))
    return problems


def _frame_numbers(pattern: str, names: set[str]) -> list[int]:
    regex = "".join(re.escape(literal) + (r"(\d+)" if field is not None else "")
                    for literal, field, _, _ in string.Formatter().parse(pattern))
    compiled = re.compile(regex)
    return [int(m[1]) for m in map(compiled.fullmatch, names) if m]


def _runs(indices: list[int]) -> Iterator[tuple[int, int]]:
    start = previous = None
    for index in indices:
        if start is None:
            start = previous = index
        elif index == previous + 1:
            previous = index
        else:
            yield start, previous
            start = previous = index
    if start is not None:
        yield start, previous


def _listed(folder: Path, annotation: str, load: Callable[[Path], Sequence]) -> Sources:
    """Sources named by ``folder/list.txt``; names without a folder, and repeats, are problems."""
    list_file = folder / "list.txt"
    problems, sources, seen = [], [], {}
    for number, line in enumerate(list_file.read_text(errors="replace").splitlines(), start=1):
        name = line.strip()
        if not name:
            continue
        if name in seen:
            problems.append(Problem(list_file, number, f"lists {name!r} again (first on line {seen[name]})"))
            continue
        seen[name] = number
        if not (folder / name).is_dir():
            problems.append(Problem(list_file, number, f"lists {name!r}, but there is no folder {folder / name}"))
            continue
        sources.append(Source(name, folder / name / annotation, partial(load, folder / name)))
    if not seen:
        problems.append(Problem(list_file, None, "no sequence names; expected one folder name per line"))
    return problems, sources


def _got10k(split: str) -> Callable[[Path, str], Sources]:
    def sources(root: Path, name: str) -> Sources:
        return _listed(split_folder(root, split), "groundtruth.txt", partial(got10k_sequence, benchmark=name))
    return sources


def _vot(root: Path, name: str) -> Sources:
    if root.is_file():
        data = read_dataset_json(root)
        return [], [Source(key, root, partial(json_sequence, root, key, entry, name)) for key, entry in data.items()]
    return _listed(sequences_folder(root), "groundtruth.txt", partial(vot_folder_sequence, benchmark=name))


def _otb(version: str) -> Callable[[Path, str], Sources]:
    def sources(root: Path, _: str) -> Sources:
        kind, folder = detect_layout(root)
        entries = otb_entries(version)
        if kind == "dataset":
            files = {e.name: folder / e.folder / e.annotation for e in entries}
        else:  # toolkit anno files are named freely: find each one as the loader does
            files, _ = match_names(sorted(folder.glob("*.txt")), [e.name for e in entries])
        return [], [Source(e.name, files.get(e.name, folder / f"{e.name.lower()}.txt"),
                           partial(_first, load_otb, root, version, [e.name]), spare_frames=None) for e in entries]
    return sources


def _uav(version: str) -> Callable[[Path, str], Sources]:
    def sources(root: Path, _: str) -> Sources:
        anno, _ = find_layout(root, version)
        return [], [Source(e.name, anno / f"{e.name}.txt", partial(_first, load_uav, root, version, [e.name]),
                           spare_frames=None) for e in uav_entries(version)]
    return sources


def _first(load: Callable[..., list[Sequence]], *args: object) -> Sequence:
    return load(*args)[0]


def _nfs(fps: int) -> Callable[[Path, str], Sources]:
    def sources(root: Path, _: str) -> Sources:
        # One frame fewer than the annotation implies is a known quirk of the download.
        return [], [Source(n, nfs_annotation(root / n, fps), partial(nfs_sequence, root / n, fps), spare_frames=1)
                    for n in nfs_names(root, fps)]
    return sources


def _lasot(subset: str) -> Callable[[Path, str], Sources]:
    def sources(root: Path, name: str) -> Sources:
        folders = [sequence_folder(root, n) for n in lasot_names(subset)]
        return [], [Source(f.name, f / "groundtruth.txt", partial(lasot_sequence, f, name, root / "att"),
                           extra=((f / "nlp.txt", partial(read_nlp, f)),)) for f in folders]
    return sources


def _trackingnet(split: str) -> Callable[[Path, str], Sources]:
    def sources(root: Path, name: str) -> Sources:
        return [], [Source(f.stem, f, partial(trackingnet_sequence, f, name))
                    for f in trackingnet_annotations(root, split)]
    return sources


_SOURCES: dict[str, Callable[[Path, str], Sources]] = {
    "synthetic": _got10k("val"),
    "otb": _otb("otb100"), "otb2013": _otb("otb2013"), "otb50": _otb("otb50"),
    "uav123": _uav("uav123"), "uav20l": _uav("uav20l"),
    "nfs30": _nfs(30), "nfs240": _nfs(240),
    "vot2016": _vot, "vot2017": _vot, "vot2018": _vot,
    "lasot": _lasot("test"), "lasot_full": _lasot("full"), "lasot_ext": _lasot("ext"),
    "trackingnet": _trackingnet("test"), "trackingnet_train": _trackingnet("train"),
    "got10k": _got10k("val"), "got10k_test": _got10k("test"), "got10k_train": _got10k("train"),
}
