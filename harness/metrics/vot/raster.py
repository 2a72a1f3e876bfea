"""Scanline rasterisation of quadrilaterals as the VOT toolkit (numba) and pysot (region.c) do it, for many
(region, pixel row) items at once.

Both toolkits round the vertices, then for each pixel row collect one node per edge touching the row
(x truncated toward zero, in window-relative coordinates), sort the nodes and fill between pairs with
slightly different rules. A region's rows are computed once per evaluation (`rasterise`): they do not
depend on the region it is compared with, except through the window's left edge in one corner case
(`fragile` rows, redone per window with `scan_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BIG = 2**40  # beyond any image: nodes are clipped to +-_BIG
_NO_NODE = 2**41  # sorts after every real node
_ROWS = 1 << 16  # rows rasterised together
_PREVIOUS = [3, 0, 1, 2]  # edge i joins vertex i - 1 to vertex i


@dataclass(frozen=True)
class ScanRules:
    half_even: bool  # vertex rounding: numpy's half to even (VOT toolkit), or C's half away from zero (pysot)
    horizontal_nodes: bool  # the VOT toolkit adds a node at x_i for a horizontal edge lying on the row
    vot_fill: bool  # the VOT toolkit's fill loop; else pysot's (see _fill)


VOT_SCAN = ScanRules(half_even=True, horizontal_nodes=True, vot_fill=True)
PYSOT_SCAN = ScanRules(half_even=False, horizontal_nodes=False, vot_fill=False)


def round_vertices(values: np.ndarray, rules: ScanRules) -> np.ndarray:
    """Both toolkits keep coordinates as float32, then round them."""
    v = np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)
    if rules.half_even:
        return np.round(v)
    return np.copysign(np.floor(np.abs(v) + 0.5), v)


def rect_corners(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) x, y, w, h to the (N, 8) polygon pysot and got10k build: (x, y), (x + w, y), (x + w, y + h),
    (x, y + h)."""
    x, y, w, h = np.asarray(boxes, dtype=np.float64).T
    return np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)


@dataclass(frozen=True)
class RowSpans:
    """Pixel spans of many (region, row) items: up to two disjoint [start, end] column ranges each
    (start > end: no span), in absolute pixel coordinates."""

    s1: np.ndarray
    e1: np.ndarray
    s2: np.ndarray
    e2: np.ndarray
    fragile: np.ndarray  # a node whose truncation may change with the window's left edge

    def length(self) -> np.ndarray:
        return np.maximum(self.e1 - self.s1 + 1, 0) + np.maximum(self.e2 - self.s2 + 1, 0)

    def overlap(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Pixels of each item's spans inside [start, end]."""
        first = np.minimum(self.e1, end) - np.maximum(self.s1, start) + 1
        second = np.minimum(self.e2, end) - np.maximum(self.s2, start) + 1
        return np.maximum(first, 0) + np.maximum(second, 0)

    def take(self, index: np.ndarray) -> RowSpans:
        return RowSpans(self.s1[index], self.e1[index], self.s2[index], self.e2[index], self.fragile[index])


def _node(
    x: np.ndarray, y: np.ndarray, r: np.ndarray, k: np.ndarray, row: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """x + (row - y) / r * k truncated, in the toolkits' operation order, and whether it is fragile: an
    integral step (r divides (row - y) * k) computed a hair off the integer, whose truncation after
    adding the window-relative x then depends on that x's magnitude."""
    dy = row - y
    step = dy / r * k
    exact = dy * k / r  # correctly rounded: integral exactly when r divides, since r is a small integer
    fragile = (step != exact) & (exact == np.floor(exact))
    return np.trunc(x + step), fragile


def scan_rows(
    xs: np.ndarray, ys: np.ndarray, region: np.ndarray, row: np.ndarray, origin: np.ndarray, right: np.ndarray,
    rules: ScanRules,
) -> RowSpans:
    """Spans of quadrilateral `region[i]` (rounded vertices `xs`, `ys`, (F, 4)) on pixel row `row[i]`, in a
    raster window whose columns are origin[i] .. right[i] (the toolkits clamp there)."""
    x = xs[region] - origin[:, None]  # window-relative, as the toolkits compute
    y = ys[region]
    xj, yj = x[:, _PREVIOUS], y[:, _PREVIOUS]
    r, k = yj - y, xj - x
    touches = (np.fmin(y, yj) <= row[:, None]) & (row[:, None] <= np.fmax(y, yj))
    steep = r != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        node, fragile = _node(x, y, r, k, row[:, None])
    if rules.horizontal_nodes:
        node = np.where(steep, node, x)
    else:
        touches &= steep
    nodes = _sort4(np.where(touches, node, _NO_NODE))[:, :4].T  # the nodes first, as `rasterise` stores them
    fragile = (fragile & touches & steep).any(axis=1)
    return _spans(nodes, touches.sum(axis=1), origin, right, fragile, rules)


def _spans(
    nodes: np.ndarray, count: np.ndarray, origin: np.ndarray, right: np.ndarray, fragile: np.ndarray, rules: ScanRules
) -> RowSpans:
    """Fill between window-relative nodes (nodes[:count, i] for row i, (4, R)). Rows with exactly two nodes,
    almost all of them, take a closed form of the fill loop; the others run it (`_fill`)."""
    origin, width = origin.astype(np.int64), (right - origin + 1).astype(np.int64)
    # integral values: int arithmetic is several times faster than float min/max here
    n0, n1 = (np.clip(v, -_BIG, _BIG).astype(np.int64) for v in (nodes[0], nodes[1]))
    a, b = np.minimum(n0, n1), np.maximum(n0, n1)
    fill = (count == 2) & (a < width) & (b >= 0)
    if not rules.vot_fill:
        fill &= a != b  # pysot skips a node equal to the next before anything else
    s1 = np.maximum(a, 0)
    e1 = s1 - 1 + fill * (np.minimum(b, width - 1) - s1 + 1)  # empty (end = start - 1) unless filled
    s2, e2 = np.ones_like(s1), np.zeros_like(s1)
    more = np.flatnonzero(count > 2)
    if len(more):
        sorted_nodes = _sort4(np.clip(nodes[:, more].T, -_BIG, _BIG).astype(np.int64))
        f1, f2, f3, f4 = _fill(sorted_nodes, count[more], width[more], rules.vot_fill)
        s1[more], e1[more], s2[more], e2[more] = f1, f2, np.where(f2 >= f1, np.maximum(f3, f2 + 1), f3), f4
    return RowSpans(s1 + origin, e1 + origin, s2 + origin, e2 + origin, fragile)


def _sort4(v: np.ndarray) -> np.ndarray:
    """Sort each row of an (R, 4) array with a 5-comparator network, plus a column of no-node."""
    a, b, c, d = v[:, 0], v[:, 1], v[:, 2], v[:, 3]
    a, b = np.minimum(a, b), np.maximum(a, b)
    c, d = np.minimum(c, d), np.maximum(c, d)
    a, c = np.minimum(a, c), np.maximum(a, c)
    b, d = np.minimum(b, d), np.maximum(b, d)
    b, c = np.minimum(b, c), np.maximum(b, c)
    return np.stack([a, b, c, d, np.full_like(a, _NO_NODE)], axis=1)


def _fill(
    nodes: np.ndarray, count: np.ndarray, width: np.ndarray, vot_fill: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The toolkits' fill loop over sorted nodes, run for every row at once (at most 3 steps for 4 nodes).

    Both walk i = 0, 1, ...: a node equal to the next is skipped (the VOT toolkit only when a pair
    remains after it), a node at or beyond the window's width stops the row (pysot checks this after
    the duplicate test), otherwise nodes i, i + 1 are filled (clamped to the window) and i moves by 2.
    """
    n = len(count)
    rows = np.arange(n)
    i = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    fills = np.zeros(n, dtype=np.int64)
    spans = [np.ones(n, np.int64), np.zeros(n, np.int64), np.ones(n, np.int64), np.zeros(n, np.int64)]
    for _ in range(3):
        active = ~done & (i < count - 1)
        a, b = nodes[rows, i], nodes[rows, np.minimum(i + 1, 4)]
        if vot_fill:
            stop = active & (a >= width)
            skip = active & ~stop & (a == b) & (i < count - 2)
        else:
            skip = active & (a == b)
            stop = active & ~skip & (a >= width)
        pair = active & ~stop & ~skip
        fill = pair & (b >= 0)
        for slot in (0, 1):
            chosen = fill & (fills == slot)
            spans[2 * slot] = np.where(chosen, np.maximum(a, 0), spans[2 * slot])
            spans[2 * slot + 1] = np.where(chosen, np.minimum(b, width - 1), spans[2 * slot + 1])
        fills += fill
        i += np.where(skip, 1, np.where(pair, 2, 0))
        done |= stop | ~active
    return spans[0], spans[1], spans[2], spans[3]


@dataclass(frozen=True)
class RasterRegions:
    """Every ground-truth frame rasterised once, clipped to the image (or to pysot's bound): the rows of
    frame f are rows `first[f] .. first[f] + n_rows[f] - 1`, stored from `start[f]` in `spans`."""

    first: np.ndarray
    n_rows: np.ndarray
    start: np.ndarray
    spans: RowSpans
    area: np.ndarray  # pixels per frame
    origin: np.ndarray  # window left edge the spans were computed with
    xs: np.ndarray  # rounded vertices, for redoing fragile rows in another window
    ys: np.ndarray
    second: np.ndarray  # rows (flat indices) with a second span
    fragile: np.ndarray  # rows (flat indices) to redo in another window
    first_lengths: np.ndarray  # prefix sums of the first spans' pixels over the flat rows
    min_column: np.ndarray  # (F,) leftmost and rightmost pixel of the first spans
    max_column: np.ndarray


def rasterise(
    xs: np.ndarray, ys: np.ndarray, top: np.ndarray, bottom: np.ndarray, origin: np.ndarray, right: np.ndarray,
    rules: ScanRules,
) -> RasterRegions:
    """Rows top .. bottom (already cut to the image) of each quadrilateral, window columns origin .. right,
    in chunks of about _ROWS rows (the per-row arrays then stay in cache)."""
    n_rows = np.fmax(bottom - top + 1, 0).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(n_rows)[:-1]]).astype(np.int64)
    cumulative = np.cumsum(n_rows)
    ends = np.append(np.searchsorted(cumulative, np.arange(_ROWS, cumulative[-1] if len(xs) else 0, _ROWS)), len(xs))
    parts = [
        _rasterise(xs[a:b], ys[a:b], top[a:b], n_rows[a:b], origin[a:b], right[a:b], rules)
        for a, b in zip(np.concatenate([[0], ends[:-1]]), ends)
    ]
    spans = RowSpans(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("s1", "e1", "s2", "e2", "fragile")))
    owner = np.repeat(np.arange(len(xs)), n_rows)
    area = np.bincount(owner, weights=spans.length(), minlength=len(n_rows))
    first_lengths = np.concatenate([[0], np.cumsum(np.fmax(spans.e1 - spans.s1 + 1, 0), dtype=np.int64)])
    filled = spans.e1 >= spans.s1
    min_column, max_column = np.full(len(xs), np.inf), np.full(len(xs), -np.inf)
    if filled.any():
        groups = np.flatnonzero(np.r_[True, owner[filled][1:] != owner[filled][:-1]])
        min_column[owner[filled][groups]] = np.minimum.reduceat(spans.s1[filled], groups)
        max_column[owner[filled][groups]] = np.maximum.reduceat(spans.e1[filled], groups)
    second, fragile = np.flatnonzero(spans.e2 >= spans.s2), np.flatnonzero(spans.fragile)
    return RasterRegions(
        top, n_rows, start, spans, area, origin, xs, ys, second, fragile, first_lengths, min_column, max_column
    )


def _rasterise(
    xs: np.ndarray, ys: np.ndarray, top: np.ndarray, n_rows: np.ndarray, origin: np.ndarray, right: np.ndarray,
    rules: ScanRules,
) -> RowSpans:
    """Each edge is evaluated only on the rows it touches (about two per row), its node placed in the
    row's next free slot."""
    start = np.cumsum(n_rows) - n_rows
    bottom = top + n_rows - 1
    total = int(n_rows.sum())
    nodes = np.full(4 * total, _NO_NODE, dtype=np.float64)  # slot-major: node j of row i at j * total + i
    count = np.zeros(total, dtype=np.int64)
    fragile = np.zeros(total, dtype=bool)
    x = xs - origin[:, None]
    for e in range(4):
        xi, yi, xj, yj = x[:, e], ys[:, e], x[:, _PREVIOUS[e]], ys[:, _PREVIOUS[e]]
        r, k = yj - yi, xj - xi
        lo, hi = np.fmax(np.fmin(yi, yj), top), np.fmin(np.fmax(yi, yj), bottom)
        length = np.fmax(hi - lo + 1, 0).astype(np.int64)
        if not rules.horizontal_nodes:
            length[r == 0] = 0
        offset = np.concatenate([[0], np.cumsum(length)[:-1]])
        local = np.arange(length.sum())
        row = np.repeat(lo - offset, length) + local
        flat = np.repeat(start + (lo - top).astype(np.int64) - offset, length) + local
        with np.errstate(divide="ignore", invalid="ignore"):
            node, weak = _node(*(np.repeat(v, length) for v in (xi, yi, r, k)), row)
        flat_horizontal = np.repeat(r == 0, length)
        if flat_horizontal.any():  # the VOT toolkit's node for a horizontal edge on the row: its x_i
            node[flat_horizontal] = np.repeat(xi, length)[flat_horizontal]
            weak[flat_horizontal] = False
        slot = count[flat]
        nodes[slot * total + flat] = node
        count[flat] = slot + 1
        fragile[flat[weak]] = True
    owner = np.repeat(np.arange(len(xs)), n_rows)
    spans = _spans(nodes.reshape(4, total), count, origin[owner], right[owner], fragile, rules)
    # columns lie inside the image, so int32 holds them (and halves the memory each pair reads)
    return RowSpans(*(v.astype(np.int32) for v in (spans.s1, spans.e1, spans.s2, spans.e2)), fragile)
