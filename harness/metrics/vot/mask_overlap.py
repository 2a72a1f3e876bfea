"""Per-frame overlap where either side is a mask, as vot-toolkit 0.9.0's ``vot.region.calculate_overlaps(
trajectory, groundtruth, bounds, ignore)`` computes it (vot/region/raster.py ``_calculate_overlap``).

The toolkit bounds each region (a rectangle x, y, w, h rounded to integers: x .. x + w - 1; a mask: its
pixels; nothing: (0, 0, 0, 0)), scores 1 when the union of the two bounds has no width or no height (it
takes both regions for empty), cuts that union to the image when `bounds` (width, height) is given, scores 0
when the cut window has no width or height, and counts the pixels of both regions inside the window,
leaving out the pixels of the ignore mask: intersection / union, 0 when the union is empty. A rectangle is
drawn into the window by slicing (``rasterize_rectangle``), whose clamps use the window's absolute right
and bottom edges: without `bounds` a window left of or above the image's origin cuts a rectangle short,
and so does this module.

Masks are never drawn: their pixels are row spans (`benchmarks.masks.Masks.spans`), cut to each frame's
window, intersected with a rectangle by arithmetic and with another mask, or the ignore mask, by one
sweep over the sorted span ends of all frames at once. Rectangle-vs-rectangle and polygon overlaps are
`harness.metrics.vot.regions.raster_overlaps`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.vot.raster import VOT_SCAN, round_vertices


class SpanSet(Protocol):
    frame: np.ndarray
    row: np.ndarray
    x0: np.ndarray
    x1: np.ndarray


class MaskSet(Protocol):
    """What is read of `benchmarks.masks.Masks` (metrics import no benchmark module)."""

    def __len__(self) -> int: ...

    def spans(self) -> SpanSet: ...

    def bounds(self) -> np.ndarray: ...

    def pixels(self, within: tuple[int, int] | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class _Spans:
    frame: np.ndarray
    row: np.ndarray
    x0: np.ndarray
    x1: np.ndarray


@dataclass(frozen=True)
class _Boxes:
    """One box per frame: columns c0 .. c1 - 1, rows r0 .. r1 - 1 (empty when c1 <= c0 or r1 <= r0)."""

    c0: np.ndarray
    c1: np.ndarray
    r0: np.ndarray
    r1: np.ndarray

    def area(self) -> np.ndarray:
        return np.maximum(self.c1 - self.c0, 0) * np.maximum(self.r1 - self.r0, 0)


def mask_overlaps(
    predictions: np.ndarray | MaskSet, truth: MaskSet | np.ndarray, bounds: tuple[int, int] | None = None,
    ignore: MaskSet | None = None,
) -> np.ndarray:
    """(N,) float64 overlap of each frame's prediction with its ground truth, as ``calculate_overlaps``.

    Each side is either masks (`benchmarks.masks.Masks`, special frames without pixels) or an (N, 4) array of
    rectangles x, y, w, h, a row with NaN being a frame without a region (a special code); at least one side
    must be masks. `bounds`: the image (width, height), or None for no cut. `ignore`: masks whose pixels are
    left out of both counts (the sequence's ignore object)."""
    first, second = _side(predictions, "predictions"), _side(truth, "ground truth")
    if isinstance(first, np.ndarray) and isinstance(second, np.ndarray):
        raise EvaluationError("mask_overlaps scores masks: for rectangles on both sides use raster_overlaps")
    n = len(first)
    if len(second) != n or (ignore is not None and len(ignore) != n):
        sizes = f"{n} predictions, {len(second)} ground-truth frames" + (
            f", {len(ignore)} ignore masks" if ignore is not None else "")
        raise EvaluationError(f"mask_overlaps: {sizes}; expected one of each per frame")
    b1, b2 = _bounds(first), _bounds(second)
    left, top = np.minimum(b1[:, 0], b2[:, 0]), np.minimum(b1[:, 1], b2[:, 1])
    right, bottom = np.maximum(b1[:, 2], b2[:, 2]), np.maximum(b1[:, 3], b2[:, 3])
    identical = (left >= right) | (top >= bottom)
    if bounds is not None:
        left, top = np.maximum(left, 0), np.maximum(top, 0)
        right, bottom = np.minimum(right, bounds[0] - 1), np.minimum(bottom, bounds[1] - 1)
    scored = ~identical & (left < right) & (top < bottom)
    window = _Boxes(left, np.where(scored, right + 1, left), top, np.where(scored, bottom + 1, top))
    ignored = None if ignore is None else _clip(_spans(ignore), window)
    if isinstance(first, np.ndarray) or isinstance(second, np.ndarray):
        rect, mask = (first, second) if isinstance(first, np.ndarray) else (second, first)
        if ignored is None:
            rect_pixels = _rect_raster(rect, window)
            inter = _within(_spans(mask), rect_pixels, n)
            # the window holds the mask's bounds cut to the image: its pixels there are those in the image
            union = rect_pixels.area().astype(np.float64) + mask.pixels(bounds) - inter
        else:
            inter, union = _rect_mask(_rect_raster(rect, window), _clip(_spans(mask), window), ignored, n)
    else:
        inter, union = _mask_mask(_clip(_spans(first), window), _clip(_spans(second), window), ignored, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        overlap = np.where(scored & (union > 0), inter / union, 0.0)
    return np.where(identical, 1.0, overlap)


def _side(value: np.ndarray | MaskSet, what: str) -> np.ndarray | MaskSet:
    if hasattr(value, "spans"):
        return value
    rects = np.asarray(value, dtype=np.float64)
    if rects.ndim != 2 or rects.shape[1] != 4:
        raise EvaluationError(f"mask_overlaps: {what} must be masks or (N, 4) rectangles x, y, w, h; got an array "
                              f"of shape {rects.shape}")
    return rects


def _rounded(rects: np.ndarray) -> tuple[np.ndarray, ...]:
    """The toolkit's rectangle: float32 values rounded (half to even), and its last column and row
    x + w - 1, y + h - 1 with x + w summed in float32 (``_bounds_rectangle``)."""
    special = np.isnan(rects).any(axis=1)
    x, y, w, h = round_vertices(np.nan_to_num(rects), VOT_SCAN).T
    last_x = (x.astype(np.float32) + w.astype(np.float32)).astype(np.float64) - 1
    last_y = (y.astype(np.float32) + h.astype(np.float32)).astype(np.float64) - 1
    return special, x, y, last_x, last_y


def _bounds(side: np.ndarray | MaskSet) -> np.ndarray:
    """(N, 4) left, top, right, bottom as the toolkit bounds each region; (0, 0, 0, 0) for none."""
    if not isinstance(side, np.ndarray):
        return side.bounds().astype(np.float64)
    special, x, y, last_x, last_y = _rounded(side)
    return np.where(special[:, None], 0.0, np.stack([x, y, last_x, last_y], axis=1))


def _slice_stop(stop: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A slice's end as Python (and numba) resolve it: negative counts from the end, then clamped."""
    return np.clip(np.where(stop < 0, stop + size, stop), 0, size)


def _rect_raster(rects: np.ndarray, window: _Boxes) -> _Boxes:
    """The rectangle's pixels in each window, as ``rasterize_rectangle`` slices them (in absolute pixels)."""
    special, x, y, last_x, last_y = _rounded(rects)
    w0, h0 = window.c0, window.r0
    w2, h2 = window.c1 - 1, window.r1 - 1  # the window's absolute right and bottom
    width, height = window.c1 - window.c0, window.r1 - window.r0
    outside = special | (x > w2) | (last_x < w0) | (y > h2) | (last_y < h0)
    c0, r0 = np.maximum(0, x - w0), np.maximum(0, y - h0)
    c1 = _slice_stop(np.minimum(w2, last_x - w0) + 1, width)
    r1 = _slice_stop(np.minimum(h2, last_y - h0) + 1, height)
    c1, r1 = np.where(outside, c0, c1), np.where(outside, r0, r1)
    return _Boxes(c0 + w0, np.maximum(c1, c0) + w0, r0 + h0, np.maximum(r1, r0) + h0)


def _spans(masks: MaskSet) -> _Spans:
    s = masks.spans()
    return _Spans(s.frame, s.row, s.x0, s.x1)


def _clip(spans: _Spans, box: _Boxes) -> _Spans:
    """The spans cut to their frame's box; empty ones dropped."""
    f = spans.frame
    x0, x1 = np.maximum(spans.x0, box.c0[f]), np.minimum(spans.x1, box.c1[f])
    keep = (x1 > x0) & (spans.row >= box.r0[f]) & (spans.row < box.r1[f])
    return _Spans(f[keep], spans.row[keep], x0[keep].astype(np.int64, copy=False),
                  x1[keep].astype(np.int64, copy=False))


def _count(spans: _Spans, n: int, box: _Boxes | None = None) -> np.ndarray:
    """Pixels per frame (inside its box when given)."""
    if box is not None:
        spans = _clip(spans, box)
    return np.bincount(spans.frame, weights=spans.x1 - spans.x0, minlength=n)


def _within(spans: _Spans, box: _Boxes, n: int) -> np.ndarray:
    """Pixels per frame inside its box, counted in one pass without cutting the spans out."""
    f = spans.frame
    length = np.minimum(spans.x1, box.c1[f]) - np.maximum(spans.x0, box.c0[f])
    inside = (length > 0) & (spans.row >= box.r0[f]) & (spans.row < box.r1[f])
    return np.bincount(f, weights=np.where(inside, length, 0), minlength=n)


def _rect_mask(rect: _Boxes, mask: _Spans, ignored: _Spans, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Intersection and union of a rectangle and a mask in their windows, without the ignored pixels."""
    mask = _pieces(mask, ignored, keep=1)
    inter = _count(mask, n, rect)
    return inter, rect.area().astype(np.float64) - _count(ignored, n, rect) + _count(mask, n) - inter


def _mask_mask(a: _Spans, b: _Spans, ignored: _Spans | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    if ignored is not None:
        a, b = _pieces(a, ignored, keep=1), _pieces(b, ignored, keep=1)
    inter = _count(_pieces(a, b, keep=3), n)
    return inter, _count(a, n) + _count(b, n) - inter


def _pieces(a: _Spans, b: _Spans, keep: int) -> _Spans:
    """The pixels in a but not b (keep=1) or in both (keep=3), as spans: one sweep over all span ends in
    frame, row, column order, counting the spans of each set open between consecutive ends."""
    # each set's ends, start and stop alternating, are already in that order: a stable sort merges the two runs
    frame = np.concatenate([np.repeat(a.frame, 2), np.repeat(b.frame, 2)])
    row = np.concatenate([np.repeat(a.row, 2), np.repeat(b.row, 2)])
    x = np.concatenate([np.column_stack([a.x0, a.x1]).ravel(), np.column_stack([b.x0, b.x1]).ravel()])
    step = np.tile(np.array([1, -1], dtype=np.int8), len(a.frame) + len(b.frame))
    order = _order(frame, row, x)
    in_b = order >= 2 * len(a.frame)
    bits = (np.cumsum(np.where(in_b, 0, step[order])) > 0) + 2 * (np.cumsum(np.where(in_b, step[order], 0)) > 0)
    x = x[order]
    # a piece runs from one end to the next; while a span is open the next end lies on the same row
    start, stop = x[:-1], x[1:]
    chosen = np.flatnonzero((bits[:-1] == keep) & (stop > start))
    return _Spans(frame[order[chosen]], row[order[chosen]], start[chosen], stop[chosen])


def _order(frame: np.ndarray, row: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The stable sort by (frame, row, x): on one int64 key, or on the three arrays where their ranges would
    overflow it (windows far beyond any image, possible only without bounds)."""
    if not len(x):
        return np.zeros(0, dtype=np.int64)
    rows, columns = int(row.max() - row.min()) + 1, int(x.max() - x.min()) + 1
    if (int(frame.max()) + 1) * rows * columns >= 2**62:
        return np.lexsort((x, row, frame))
    return np.argsort((frame * rows + (row - row.min())) * columns + (x - x.min()), kind="stable")
