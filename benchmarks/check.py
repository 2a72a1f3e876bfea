"""`harness bench check`: validate a benchmark copy on disk and report every problem found.

Loading stops at the first bad file; checking goes on. What is checked comes from the benchmark's
record (`BenchmarkRecord.check`, in each loader module): each sequence is loaded on its own (a bad
one is one problem, not the end), its first frame must hold a box a tracker can start from, its frame
folder is listed once to find missing frame files, and where the annotation covers the whole folder,
frames past its end show a short annotation. List files are checked line by line for names without a
folder. Annotation files are read as loading reads them (`benchmarks.annotation_files`): one leading
outside the root, or too large, is a problem named without reading it.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks.errors import BenchmarkError
from benchmarks.registry import benchmark_record, resolve_root
from benchmarks.sequence import Sequence
from benchmarks.sources import Problem, Source
from benchmarks.vot import axis_aligned_boxes, ground_truth_files, read_properties


def check_benchmark(name: str, root: Path | str | None = None) -> list[Problem]:
    """Every problem with the benchmark's copy at `root` (else its configured root); [] when sound."""
    record = benchmark_record(name)
    path = resolve_root(record.name, root)
    try:
        problems, sources = record.check(path, record.name)
    except BenchmarkError as error:
        return [Problem.from_error(error, path)]
    for source in sources:
        if not source.annotation.is_file():
            problems.append(Problem(source.annotation, None, f"annotation file of {source.name} is missing"))
            continue
        try:
            sequence = source.load()
        except BenchmarkError as error:
            problems.append(Problem.from_error(error, source.annotation))
            continue
        for file, validate in source.extra:
            try:
                validate()
            except BenchmarkError as error:
                problems.append(Problem.from_error(error, file))
        problems += first_frame_problems(sequence, source) + frame_problems(sequence, source)
        problems += mask_problems(sequence, source)
    return problems


def first_frame_problems(sequence: Sequence, source: Source) -> list[Problem]:
    """The first frame's region when no tracker can start from it: a run initialises every tracker there
    (on a polygon's upright bounds), so a NaN, or a width or height that is not above 0, fails the sequence."""
    region = sequence.ground_truth[0]
    _, _, width, height = axis_aligned_boxes(region[np.newaxis])[0]
    if np.isfinite(region).all() and width > 0 and height > 0:
        return []
    shown = ",".join(f"{v:g}" for v in region)
    if not np.isfinite(region).all():
        why = "is not a box (NaN)" if np.isnan(region).any() else "is not finite"
    else:
        size = f"width {width:g} and height {height:g}"
        why = f"has {size}" if len(region) == 4 else f"has upright bounds of {size}"
    what = "box x,y,w,h" if len(region) == 4 else "polygon"
    return [Problem(source.annotation, source.first_line, (
        f"first frame of {sequence.name}: {what} {shown} {why}; trackers start from the first frame's box, "
        "so a run fails this sequence: expected finite numbers, width and height above 0"))]


def mask_problems(sequence: Sequence, source: Source) -> list[Problem]:
    """Mask lines whose pixels reach outside the image (the toolkit cuts them only where an analysis is bounded,
    so the same run scores differently bounded and unbounded), each with its ground-truth file and line."""
    if sequence.masks is None or sequence.image_size is None:
        return []
    folder = source.annotation.parent
    path, _ = ground_truth_files(folder, read_properties(folder / "sequence"))
    width, height = sequence.image_size
    b = sequence.masks.bounds()
    outside = ~sequence.masks.empty & ((b[:, :2] < 0).any(axis=1) | (b[:, 2] >= width) | (b[:, 3] >= height))
    return [Problem(path, int(f) + 1, (
        f"frame {f + 1} of {sequence.name}: mask pixels x {b[f, 0]}..{b[f, 2]}, y {b[f, 1]}..{b[f, 3]} reach outside "
        f"the {width}x{height} image; expected masks inside it")) for f in np.flatnonzero(outside)]


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
