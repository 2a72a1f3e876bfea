"""Counting a prediction's pixels inside rasterised ground truth, for many (prediction, frame) pairs.

A rectangle is a column range on a row range; its intersection with a frame is summed row by row over
the rows both cover (in chunks that stay in cache), except where the columns cover every span of the
frame (prefix sums) or miss them all. Rows with a second span, and `fragile` rows whose nodes depend
on the raster window's left edge, are added afterwards for the pairs they concern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.metrics.vot.raster import PYSOT_SCAN, VOT_SCAN, RasterRegions, RowSpans, rasterise, scan_rows

_ROWS = 1 << 16  # rows per chunk when summing pixels row by row


@dataclass(frozen=True)
class PreparedTruth:
    raster: RasterRegions
    bounds: np.ndarray  # (F, 4) left, top, right, bottom as the toolkit bounds the region for its window
    right: np.ndarray  # (F,) last pixel column / row counted (image edge, or pysot's bound)
    bottom: np.ndarray
    pysot: bool


@dataclass(frozen=True)
class PredRows:
    """A prediction's pixels in its window: rows first .. first + n_rows - 1, with columns c0 .. c1 on every
    row (rectangles) or per-row spans stored from `start` (polygons)."""

    first: np.ndarray
    n_rows: np.ndarray
    area: np.ndarray
    columns: tuple[np.ndarray, np.ndarray] | None = None
    spans: RowSpans | None = None
    start: np.ndarray | None = None

    def overlap(self, pair: np.ndarray, row: np.ndarray, truth: RowSpans) -> np.ndarray:
        """Pixels of the prediction of `pair` on absolute row `row` inside the ground-truth spans given."""
        if self.columns is not None:
            return truth.overlap(self.columns[0][pair], self.columns[1][pair])
        i = self.start[pair] + (row - self.first[pair]).astype(np.int64)
        s = self.spans
        return truth.overlap(s.s1[i], s.e1[i]) + truth.overlap(s.s2[i], s.e2[i])


def rect_rows(r: np.ndarray, window: np.ndarray, scored: np.ndarray, pysot: bool) -> PredRows:
    """Rows and columns of rounded rectangles (VOT toolkit: x, y, x + w - 1, y + h - 1; pysot: corners) in
    their windows."""
    if pysot:
        # pysot's polygon (x, y) .. (x + w, y + h), rounded: columns and rows between the rounded corners,
        # nothing when they coincide (equal nodes are skipped, horizontal edges give none)
        xs, ys = r[..., 0], r[..., 1]
        c0, c1, first, last = xs.min(axis=1), xs.max(axis=1), ys.min(axis=1), ys.max(axis=1)
        scored = scored & (c0 < c1) & (first < last)
    else:
        # a rectangle left of, right of, above or below the window is drawn empty
        c0, first, c1, last = r.T
        outside = (c0 > window[:, 2]) | (c1 < window[:, 0]) | (first > window[:, 3]) | (last < window[:, 1])
        scored = scored & ~outside
    c0, c1 = np.fmax(c0, window[:, 0]), np.fmin(c1, window[:, 2])
    first, last = np.fmax(first, window[:, 1]), np.fmin(last, window[:, 3])
    n_rows = np.where(scored & (c0 <= c1), np.fmax(last - first + 1, 0), 0).astype(np.int64)
    return PredRows(first, n_rows, n_rows * np.fmax(c1 - c0 + 1, 0), columns=(c0, c1))


def polygon_rows(r: np.ndarray, window: np.ndarray, scored: np.ndarray, pysot: bool) -> PredRows:
    """Rasterised in each pair's own window, so no row is window-dependent."""
    xs, ys = r[..., 0], r[..., 1]
    first = np.fmax(ys.min(axis=1), window[:, 1])
    last = np.where(scored, np.fmin(ys.max(axis=1), window[:, 3]), first - 1)
    rows = rasterise(xs, ys, first, last, window[:, 0], window[:, 2], PYSOT_SCAN if pysot else VOT_SCAN)
    return PredRows(first, rows.n_rows, rows.area, spans=rows.spans, start=rows.start)


def intersection(
    truth: PreparedTruth, frame: np.ndarray, window: np.ndarray, pred: PredRows, scored: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pixels in both regions and ground-truth pixels, per pair: first spans row by row over the rows both
    regions cover, then the few rows with a second span or a window-dependent node."""
    gt = truth.raster
    g_first = gt.first[frame]
    lo = np.fmax(pred.first, g_first)
    hi = np.fmin(pred.first + pred.n_rows, g_first + gt.n_rows[frame]) - 1
    count = np.fmax(hi - lo + 1, 0).astype(np.int64)
    first_row = gt.start[frame] + (lo - g_first).astype(np.int64)
    inter = np.zeros(len(frame))
    rows = count > 0
    if pred.columns is not None:
        # columns covering every first span of the frame take whole spans; columns missing them all, none
        c0, c1 = pred.columns
        whole = rows & (c0 <= gt.min_column[frame]) & (c1 >= gt.max_column[frame])
        inter[whole] = gt.first_lengths[first_row[whole] + count[whole]] - gt.first_lengths[first_row[whole]]
        rows &= ~whole & (c1 >= gt.min_column[frame]) & (c0 <= gt.max_column[frame])
    pairs = np.flatnonzero(rows)
    # in chunks of about _ROWS rows: the per-row arrays then stay in cache, several times faster
    cumulative = np.cumsum(count[pairs])
    cuts = np.arange(_ROWS, cumulative[-1] if len(pairs) else 0, _ROWS)
    ends = np.append(np.searchsorted(cumulative, cuts), len(pairs))
    for a, b in zip(np.concatenate([[0], ends[:-1]]), ends):
        p = pairs[a:b]
        inter[p] = _first_spans(gt.spans, first_row[p], count[p], pred, p, lo[p])
    pair, flat = _frame_rows(gt, gt.second, frame, np.flatnonzero(count))
    row = gt.first[frame[pair]] + (flat - gt.start[frame[pair]])
    keep = (row >= lo[pair]) & (row <= hi[pair])
    pair, row, flat = pair[keep], row[keep], flat[keep]
    second = gt.spans.take(flat)
    second = RowSpans(second.s2, second.e2, second.s2, second.s2 - 1, second.fragile)  # as the only span
    inter += np.bincount(pair, weights=pred.overlap(pair, row, second), minlength=len(frame))
    return _redo_fragile(truth, frame, window, pred, scored, inter)


def _first_spans(
    spans: RowSpans, first_row: np.ndarray, count: np.ndarray, pred: PredRows, pairs: np.ndarray, lo: np.ndarray
) -> np.ndarray:
    """Pixels of each pair's prediction inside the first ground-truth span, summed over its `count` rows."""
    offset = np.concatenate([[0], np.cumsum(count)])
    items = np.arange(offset[-1])
    flat = np.repeat(first_row - offset[:-1], count) + items
    s, e = spans.s1[flat], spans.e1[flat]
    if pred.columns is not None:
        c0, c1 = (np.clip(c[pairs], -1, 2**30).astype(np.int32) for c in pred.columns)
        pixels = np.fmin(e, np.repeat(c1, count)) - np.fmax(s, np.repeat(c0, count)) + 1
        np.fmax(pixels, 0, out=pixels)
    else:
        i = np.repeat(pred.start[pairs] + (lo - pred.first[pairs]).astype(np.int64) - offset[:-1], count) + items
        p = pred.spans
        pixels = np.fmax(np.fmin(e, p.e1[i]) - np.fmax(s, p.s1[i]) + 1, 0)
        pixels += np.fmax(np.fmin(e, p.e2[i]) - np.fmax(s, p.s2[i]) + 1, 0)
    total = np.concatenate([[0], np.cumsum(pixels, dtype=np.int64)])
    return (total[offset[1:]] - total[offset[:-1]]).astype(np.float64)


def _frame_rows(
    gt: RasterRegions, rows: np.ndarray, frame: np.ndarray, pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(pair, flat row) for every row in `rows` (sorted flat indices) that belongs to the frame of a pair."""
    owner = np.searchsorted(gt.start, rows, side="right") - 1  # frames without rows share the next start
    per_frame = np.bincount(owner, minlength=len(gt.start))
    count = per_frame[frame[pairs]]
    if not count.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.searchsorted(owner, frame[pairs])
    offset = np.cumsum(count) - count
    pair = np.repeat(pairs, count)
    return pair, rows[np.repeat(first - offset, count) + np.arange(count.sum())]


def _redo_fragile(
    truth: PreparedTruth, frame: np.ndarray, window: np.ndarray, pred: PredRows, scored: np.ndarray, inter: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Redo ground-truth rows whose truncated nodes depend on the window's left edge, for the pairs whose
    window starts left of the one the rows were computed in; correct both pixel counts."""
    gt = truth.raster
    area_g = gt.area[frame]
    pair, flat = _frame_rows(gt, gt.fragile, frame, np.flatnonzero(scored & (window[:, 0] != gt.origin[frame])))
    if len(pair) == 0:
        return inter, area_g
    f = frame[pair]
    row = gt.first[f] + (flat - gt.start[f])
    old = gt.spans.take(flat)
    rules = PYSOT_SCAN if truth.pysot else VOT_SCAN
    new = scan_rows(gt.xs, gt.ys, f, row, window[pair, 0], truth.right[f], rules)
    inside = (row >= pred.first[pair]) & (row < pred.first[pair] + pred.n_rows[pair])
    p, r = pair[inside], row[inside]
    change = pred.overlap(p, r, new.take(inside)) - pred.overlap(p, r, old.take(inside))
    n = len(frame)
    inter = inter + np.bincount(p, weights=change, minlength=n)
    area_g = area_g + np.bincount(pair, weights=new.length() - old.length(), minlength=n)
    return inter, area_g
