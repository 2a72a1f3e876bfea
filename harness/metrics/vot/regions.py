"""Per-frame rasterised overlap of predictions (rectangles x, y, w, h or 4-corner polygons) with ground
truth, as the VOT toolkit and pysot compute it.

Every ground-truth frame is rasterised once (`prepare_raster`) as pixel-row spans; a prediction is then
scored by counting, row by row, its pixels inside those spans. Both toolkits rasterise inside a window
around the two regions; a ground-truth frame's pixels do not depend on that window, except through the
toolkit's window rules (degenerate windows, pysot's bound checks, applied here per pair) and in
`fragile` rows, which are redone in each pair's window. Special frames (no region) get the toolkit's
value for an empty region: 0 in the VOT toolkit (1 where its window degenerates), NaN in pysot.
"""

from __future__ import annotations

import numpy as np

from harness.metrics.vot.pixels import PreparedTruth, intersection, polygon_rows, rect_rows
from harness.metrics.vot.raster import PYSOT_SCAN, VOT_SCAN, rasterise, rect_corners, round_vertices


def prepare_raster(gt: np.ndarray, width: np.ndarray, height: np.ndarray, pysot: bool, bound: int) -> PreparedTruth:
    """Rasterise (F, 8) polygons; rows with NaN in columns 4.. are x, y, w, h rectangles.

    `bound`: the last column counted is width + bound (-1: the image's last pixel)."""
    rect = np.isnan(gt[:, 4])
    right, bottom = (width + bound).astype(np.float64), (height + bound).astype(np.float64)
    if pysot:
        corners = np.where(rect[:, None], rect_corners(gt[:, :4]), gt).reshape(-1, 4, 2)
        rounded = round_vertices(corners, PYSOT_SCAN)
        bounds = _pysot_bounds(corners, right, bottom)
        origin, empty = bounds[:, 0], np.zeros(len(gt), dtype=bool)
    else:
        rx, ry, rw, rh = round_vertices(gt[:, :4], VOT_SCAN).T
        # a rectangle covers columns x .. x + w - 1: the pixels of the quadrilateral on those corners
        box = np.stack([rx, ry, rx + rw - 1, ry, rx + rw - 1, ry + rh - 1, rx, ry + rh - 1], axis=1)
        polygon = round_vertices(np.nan_to_num(gt), VOT_SCAN)
        rounded = np.where(rect[:, None], box, polygon).reshape(-1, 4, 2)
        bounds = np.concatenate([rounded.min(axis=1), rounded.max(axis=1)], axis=1)
        bounds[rect] = box[rect][:, [0, 1, 4, 5]]  # x, y, x + w - 1, y + h - 1 even when w or h < 1
        origin, empty = np.fmax(bounds[:, 0], 0), rect & ((rw < 1) | (rh < 1))
    xs, ys = rounded[..., 0], rounded[..., 1]
    top = np.fmax(ys.min(axis=1), 0)
    last = np.where(empty, top - 1, np.fmin(ys.max(axis=1), bottom))
    raster = rasterise(xs, ys, top, last, origin, right, PYSOT_SCAN if pysot else VOT_SCAN)
    return PreparedTruth(raster, bounds, right, bottom, pysot)


def _pysot_bounds(corners: np.ndarray, right: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """region.c: the float32 vertices' bounding box, floored/ceiled, intersected with [0, right] x [0, bottom]."""
    v = corners.astype(np.float32).astype(np.float64)
    low, high = np.floor(v.min(axis=1)), np.ceil(v.max(axis=1))
    return np.stack(
        [np.fmax(low[:, 0], 0), np.fmax(low[:, 1], 0), np.fmin(high[:, 0], right), np.fmin(high[:, 1], bottom)],
        axis=1,
    )


def raster_overlaps(truth: PreparedTruth, frame: np.ndarray, pred: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Overlap of each prediction, (M, 4) rectangles or (M, 8) polygons, with ground-truth frame `frame`;
    `present` False marks special frames (no region)."""
    g, right, bottom = truth.bounds[frame], truth.right[frame], truth.bottom[frame]
    pred = np.nan_to_num(np.asarray(pred, dtype=np.float64))
    polygon = pred.shape[1] == 8
    if truth.pysot:
        corners = (pred if polygon else rect_corners(pred)).reshape(-1, 4, 2)
        rounded = round_vertices(corners, PYSOT_SCAN)
        window, valid = _pysot_window(_pysot_bounds(corners, right, bottom), g)
        identical = np.zeros(len(pred), dtype=bool)
    else:
        if polygon:
            rounded = round_vertices(pred.reshape(-1, 4, 2), VOT_SCAN)
            p = np.concatenate([rounded.min(axis=1), rounded.max(axis=1)], axis=1)
        else:
            rx, ry, rw, rh = round_vertices(pred, VOT_SCAN).T
            rounded = np.stack([rx, ry, rx + rw - 1, ry + rh - 1], axis=1)  # the rectangle's pixels
            p = rounded.copy()
        p[~present] = 0.0  # the toolkit bounds an empty region by (0, 0, 0, 0)
        window, valid, identical = _vot_window(p, g, right, bottom)
    scored = present & valid
    pred_rows = (polygon_rows if polygon else rect_rows)(rounded, window, scored, truth.pysot)
    inter, area_g = intersection(truth, frame, window, pred_rows, scored)
    union = pred_rows.area + area_g - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        overlap = inter / union
    if truth.pysot:
        # region.c divides in float (0 / 0 is NaN); pysot's vot_overlap gives NaN for a special frame
        overlap = np.where(valid, overlap.astype(np.float32), 0.0).astype(np.float64)
        return np.where(present, overlap, np.nan)
    overlap = np.where(scored & (union > 0), overlap, 0.0)
    return np.where(identical, 1.0, overlap)


def _vot_window(p: np.ndarray, g: np.ndarray, right: np.ndarray, bottom: np.ndarray) -> tuple[np.ndarray, ...]:
    """The toolkit's raster window: the union of both bounds cut to the image. A union with no width or
    height scores 1 (it takes both regions for empty); a cut window of one pixel or less scores 0."""
    left, top = np.fmin(p[:, 0], g[:, 0]), np.fmin(p[:, 1], g[:, 1])
    far_right, far_bottom = np.fmax(p[:, 2], g[:, 2]), np.fmax(p[:, 3], g[:, 3])
    identical = (left >= far_right) | (top >= far_bottom)
    window = np.empty((len(p), 4))
    window[:, 0], window[:, 1] = np.fmax(left, 0), np.fmax(top, 0)
    window[:, 2], window[:, 3] = np.fmin(far_right, right), np.fmin(far_bottom, bottom)
    valid = ~identical & (window[:, 0] < window[:, 2]) & (window[:, 1] < window[:, 3])
    return window, valid, identical


def _pysot_window(p: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """region.c's window (from x, y = the smaller left/top) and its early exits, in its float32 arithmetic:
    0 when either bound box has (relatively) no area, or when the bound boxes' overlap ratio is 0."""
    p32, g32 = p.astype(np.float32), g.astype(np.float32)
    lo, hi = np.fmin(p32[:, :2], g32[:, :2]), np.fmax(p32[:, 2:], g32[:, 2:])
    size = np.trunc(hi - lo).astype(np.float64) + 1
    a1 = (p32[:, 2] - p32[:, 0]) * (p32[:, 3] - p32[:, 1])
    a2 = (g32[:, 2] - g32[:, 0]) * (g32[:, 3] - g32[:, 1])
    ilo, ihi = np.fmax(p32[:, :2], g32[:, :2]), np.fmin(p32[:, 2:], g32[:, 2:])
    inter = (ihi[:, 0] - ilo[:, 0]) * (ihi[:, 1] - ilo[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = inter / (a1 + a2 - inter)
        ratio = np.where(np.float32(0) > ratio, np.float32(0), ratio)  # MAX(0, ratio), NaN kept
        a1, a2 = a1.astype(np.float64), a2.astype(np.float64)
        reject = (a1 / a2 < 1e-10) | (a2 / a1 < 1e-10) | (size < 1).any(axis=1) | (ratio == 0)
    window = np.concatenate([lo, lo + size - 1], axis=1).astype(np.float64)
    return window, ~reject
