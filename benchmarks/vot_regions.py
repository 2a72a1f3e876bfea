"""VOT 2020+ annotation lines and per-frame values, read as vot-toolkit 0.9.0 reads them.

A ground-truth line is, by vot/region/io.py ``parse_region``: a mask ``m<x>,<y>,<w>,<h>,<runs...>``
(integers), a single number (a special code: no region), 2 numbers (a point), 4 (a rectangle), or an
even number above 4 (a polygon); any NaN among the numbers makes it a special frame. A file holding
masks is kept as `Masks` plus each mask's bounding box; masks beside rectangles or polygons in one file,
points, and polygons of other than 4 corners are refused, naming the line. Per-frame ``<name>.value``
files hold one number per line (vot/dataset/common.py ``_read_data``: ``float`` of the stripped line,
missing trailing lines are 0).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from benchmarks.annotation_files import read_bytes
from benchmarks.errors import AnnotationError
from benchmarks.masks import Masks
from benchmarks.sequence import Sequence

_INTEGERS = re.compile(r"[ \t]*[-+]?\d+[ \t]*(?:,[ \t]*[-+]?\d+[ \t]*)*", re.ASCII)
_TOKEN = re.compile(r"[ \t]*,[ \t]*|[ \t]+")


def text_lines(path: Path, root: Path | None) -> list[str]:
    """The file's lines as Python's text mode reads them (any newline), without the last newline."""
    text = read_bytes(path, root).decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def has_special_lines(path: Path, root: Path | None) -> bool:
    """Whether the ground-truth file has a mask line or a one-number (special) line: those need `read_mask_lines`."""
    return any(line.lstrip(" \t").startswith("m") or len(_TOKEN.split(line.strip(" \t"))) == 1
               for line in text_lines(path, root) if line.strip())


def read_mask_lines(path: Path, root: Path | None) -> tuple[np.ndarray, Masks | None]:
    """A ground-truth file with masks or special lines: (N, 4) bounding boxes and the masks, or, without masks,
    (N, 4) rectangles / (N, 8) polygons with NaN rows for the special lines."""
    lines = text_lines(path, root)
    if not lines:
        raise AnnotationError(path, None, "empty file; expected one region per line")
    masks, shapes = {}, {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith("m"):
            masks[number] = _mask(path, number, text[1:])
        else:
            shapes[number] = _shape(path, number, text)
    regions = {n: v for n, v in shapes.items() if v is not None}
    if masks and regions:
        first = min(regions)
        raise AnnotationError(path, first, f"a {'rectangle' if len(regions[first]) == 4 else 'polygon'} among "
                              f"masks (line {min(masks)}): ground truth mixing masks with other shapes is not supported")
    if masks:
        items = [masks.get(n) for n in range(1, len(lines) + 1)]
        found = Masks.from_runs(items)
        return found.boxes(), found
    widths = {len(v) for v in regions.values()}
    if len(widths) > 1:
        width = len(regions[min(regions)])
        other = next(n for n, v in sorted(regions.items()) if len(v) != width)
        raise AnnotationError(path, other, f"expected {width} numbers as on line {min(regions)}; "
                              f"got {len(regions[other])}")
    out = np.full((len(lines), widths.pop() if widths else 4), np.nan)
    for number, values in regions.items():
        out[number - 1] = values
    return out, None


def parse_mask_line(path: Path, number: int, line: str) -> tuple[int, int, int, int, np.ndarray]:
    """A `m<x>,<y>,<w>,<h>,<runs...>` line (line `number` of `path`, for errors) as x, y, w, h and its runs."""
    return _mask(path, number, line.strip()[1:])


def _mask(path: Path, number: int, body: str) -> tuple[int, int, int, int, np.ndarray]:
    if not _INTEGERS.fullmatch(body):
        raise AnnotationError(path, number, "expected a mask m<x>,<y>,<width>,<height>,<runs...> of integers "
                              f"separated by commas; got {('m' + body)[:40]!r}")
    values = np.array(body.split(","), dtype=np.int64)
    if len(values) < 4:
        raise AnnotationError(path, number, f"expected a mask m<x>,<y>,<width>,<height>,<runs...>; got "
                              f"{len(values)} numbers")
    x, y, width, height = (int(v) for v in values[:4])
    runs = values[4:]
    if width < 0 or height < 0 or (runs < 0).any():
        raise AnnotationError(path, number, f"mask of width {width}, height {height}: expected sizes and run "
                              "lengths that are not negative")
    if runs.sum() != width * height:
        raise AnnotationError(path, number, f"mask runs sum to {runs.sum()} pixels; expected width x height = "
                              f"{width} x {height} = {width * height}")
    return x, y, width, height, runs


def _shape(path: Path, number: int, text: str) -> np.ndarray | None:
    """A rectangle or 4-corner polygon, or None for a special line (one number, or NaN values)."""
    tokens = text.split(",")
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        raise AnnotationError(path, number, f"expected numbers separated by commas (or a mask m...); got "
                              f"{text[:40]!r}") from None
    if len(values) == 1:
        if not math.isfinite(values[0]):
            raise AnnotationError(path, number, f"a special code must be a finite number; got {text!r}")
        return None
    missing = [math.isnan(v) for v in values]
    if all(missing):
        return None
    if len(values) not in (4, 8):
        what = "a point" if len(values) == 2 else f"{len(values)} numbers"
        raise AnnotationError(path, number, f"expected 4 numbers x,y,w,h or 8 x1,y1,...,y4 (a mask m..., or one "
                              f"special code); got {what}, which is not supported")
    if any(missing):
        raise AnnotationError(path, number, "expected finite numbers, or NaN in every column for a frame without "
                              f"the target; got {text[:60]}")
    return np.array(values)


def read_values(folder: Path, length: int, root: Path | None = None) -> dict[str, np.ndarray]:
    """Every ``<name>.value`` file of the folder as float64 per frame, 0 past its last line."""
    with os.scandir(folder) as scan:
        paths = sorted(Path(e.path) for e in scan if e.name.endswith(".value") and e.is_file())
    values = {}
    for path in paths:
        lines = text_lines(path, root)
        if len(lines) > length:
            raise AnnotationError(path, length + 1, f"{len(lines)} lines, but the sequence has {length} frames")
        numbers = np.zeros(length)
        for index, line in enumerate(lines):
            try:
                numbers[index] = float(line.strip())
            except ValueError:
                got = "a blank line" if not line.strip() else repr(line.strip()[:30])
                raise AnnotationError(path, index + 1, f"expected one number per line; got {got}") from None
        values[path.stem] = numbers
    return values


def anchors(sequence: Sequence, anchor: str = "anchor") -> tuple[np.ndarray, np.ndarray]:
    """The multistart experiment's anchor frames (0-based), as vot/experiment/multistart.py ``find_anchors``:
    frames whose `anchor` value is above 0 run forward, below 0 backward, each list in frame order; none
    without that value file."""
    values = sequence.frame_values.get(anchor)
    if values is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.flatnonzero(values > 0), np.flatnonzero(values < 0)


def empty_regions(sequence: Sequence) -> np.ndarray:
    """(N,) the toolkit's ``Region.is_empty`` of each ground-truth frame (used by the multistart analyses): a
    special frame; a mask as `Masks.is_empty`; a rectangle without positive width and height; a polygon
    whose corners share their top and bottom, or left and right (float32, as the toolkit holds them)."""
    if sequence.masks is not None:
        return sequence.masks.is_empty()
    gt = sequence.ground_truth.astype(np.float32)
    special = np.isnan(gt).any(axis=1)
    if gt.shape[1] == 4:
        return special | ~((gt[:, 2] > 0) & (gt[:, 3] > 0))
    xs, ys = gt[:, 0::2], gt[:, 1::2]
    return special | (ys.min(axis=1) == ys.max(axis=1)) | (xs.min(axis=1) == xs.max(axis=1))
