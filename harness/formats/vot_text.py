"""Reader for VOT supervised result files (`<seq>_001.txt`): one line per frame, `1` (initialised),
`2` (failure), `0` (skipped), or a region `x,y,w,h` / `x1,y1,...,x4,y4`. As in the VOT toolkit, a region
with a NaN value is an unknown frame (status 0). A trajectory of masks (`m<x>,<y>,<w>,<h>,<runs>` lines, a
segmenting tracker's, VOT2020+) is read by `read_vot_mask_file`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.errors import AnnotationError
from benchmarks.masks import Masks
from benchmarks.vot_regions import parse_mask_line
from harness.errors import ImportFormatError
from harness.metrics.vot.status import SKIPPED, TRACKED

MASKS_NOT_STORED = "masks are imported for the VOT2020+ experiments only (the supervised ones score boxes)"


def read_vot_result_file(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(status (N,) int8, boxes (N, 4) or (N, 8) with NaN rows where there is no region).

    Parsed with numpy over the whole file; an error names the file and the 1-based line."""
    path = Path(path)
    text = path.read_bytes().replace(b"\r", b"").rstrip(b"\n")
    if not text.strip():
        raise ImportFormatError(f"{path}: empty result file")
    buf = np.frombuffer(text, dtype=np.uint8)
    newline = np.flatnonzero(buf == ord("\n"))
    n_lines = len(newline) + 1
    line_start = np.concatenate([[0], newline + 1])
    line_end = np.append(newline, len(buf))
    blank = np.flatnonzero(line_end <= line_start)
    if len(blank):
        raise ImportFormatError(f"{path}:{blank[0] + 1}: empty line")
    masks = np.flatnonzero(buf[line_start] == ord("m"))
    if len(masks):
        raise ImportFormatError(f"{path}:{masks[0] + 1}: a mask region (m...); {MASKS_NOT_STORED}")
    per_line = np.bincount(np.searchsorted(newline, np.flatnonzero(buf == ord(","))), minlength=n_lines) + 1
    tokens = np.array(text.replace(b"\n", b",").split(b","))
    try:
        values = tokens.astype(np.float64)
    except ValueError:
        bad = next(i for i, t in enumerate(tokens) if not is_number(t))  # error path only
        line = int(np.searchsorted(np.cumsum(per_line), bad, side="right")) + 1
        raise ImportFormatError(f"{path}:{line}: {tokens[bad].decode(errors='replace')!r} is not a number") from None
    odd = np.flatnonzero(~np.isin(per_line, (1, 4, 8)))
    if len(odd):
        line = odd[0]
        raise ImportFormatError(f"{path}:{line + 1}: {per_line[line]} values; expected 1 (a status), 4 or 8 (a region)")
    width = 8 if per_line.max() == 8 else 4  # rectangles among polygons keep NaN in the last four columns
    first = np.cumsum(per_line) - per_line
    region = per_line > 1
    code = values[first]
    bad_code = np.flatnonzero(~region & ~np.isin(code, (0, 1, 2)))
    if len(bad_code):
        raise ImportFormatError(f"{path}:{bad_code[0] + 1}: status {code[bad_code[0]]:g}; expected 0, 1 or 2")
    boxes = np.full((n_lines, width), np.nan)
    for size in sorted({4, width}):
        rows = per_line == size
        boxes[rows, :size] = values[first[rows][:, None] + np.arange(size)]
    known = region & ~np.isnan(boxes[:, :4]).any(axis=1) & ~(np.isnan(boxes[:, 4:]).any(axis=1) & (per_line == 8))
    status = np.where(known, TRACKED, np.where(region, SKIPPED, code)).astype(np.int8)
    boxes[~known] = np.nan
    return status, boxes


def is_number(token: bytes | str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def has_mask_lines(path: str | Path) -> bool:
    """Whether a text trajectory holds mask lines (a segmenting tracker's)."""
    return any(line.startswith(b"m") for line in Path(path).read_bytes().splitlines())


def read_vot_mask_file(path: str | Path) -> tuple[np.ndarray, np.ndarray, Masks]:
    """A segmenting tracker's trajectory: (status (N,) int8, boxes (N, 4): each mask's pixels' bounds, NaN where
    none, masks (special where a line is a status code)). A rectangle or polygon among masks is refused, naming
    its line: one run answers in one kind of region."""
    path = Path(path)
    lines = path.read_text(errors="replace").replace("\r", "").rstrip("\n").split("\n")
    first_mask = next(n for n, line in enumerate(lines, start=1) if line.strip().startswith("m"))
    status, masks = np.full(len(lines), TRACKED, np.int8), []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith("m"):
            try:
                masks.append(parse_mask_line(path, number, text))
            except AnnotationError as error:
                raise ImportFormatError(str(error)) from None
        elif text in ("0", "1", "2"):
            status[number - 1] = int(text)
            masks.append(None)
        else:
            raise ImportFormatError(f"{path}:{number}: a region {text[:40]!r} among mask lines (line {first_mask}); "
                                    "expected masks and status codes only: one run answers in one kind of region")
    found = Masks.from_runs(masks)
    return status, found.boxes(), found
