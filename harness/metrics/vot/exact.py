"""Continuous IoU of a prediction and a ground-truth polygon, both cut to the image box (0, 0, w, h): what
got10k's `poly_iou` computes with shapely, here for all frames at once in numpy.

Intersection areas come from clipped closed paths: moving every point of a polygon's boundary to its
nearest point in a convex region (a box, a half-plane) keeps the winding number of every point inside
that region and gives 0 outside it, so the shoelace area of the moved path is the area of the
intersection. For a box the move is a coordinate clamp, linear along an edge between the parameters
where the edge crosses the box's lines, so each edge becomes five points.
"""

from __future__ import annotations

import numpy as np

from harness.metrics.vot.raster import rect_corners


def exact_overlaps(pred: np.ndarray, gt: np.ndarray, width: np.ndarray, height: np.ndarray) -> np.ndarray:
    """IoU per frame: pred (M, 4) x, y, w, h or (M, 8) polygons; gt (M, 8) polygons, NaN in columns 4..
    for x, y, w, h rectangles. The union is area + area - intersection (shapely's union area, to
    rounding); the denominator gets float eps and the result is clipped to [0, 1], as in got10k."""
    gt = np.where(np.isnan(gt[:, 4:5]), rect_corners(gt[:, :4]), gt)
    zeros = np.zeros(len(gt))
    image = (zeros, zeros, width, height)
    area_g = _box_area(gt[:, 0::2], gt[:, 1::2], *image)
    if pred.shape[1] == 4:
        x0, x1 = np.fmin(pred[:, 0], pred[:, 0] + pred[:, 2]), np.fmax(pred[:, 0], pred[:, 0] + pred[:, 2])
        y0, y1 = np.fmin(pred[:, 1], pred[:, 1] + pred[:, 3]), np.fmax(pred[:, 1], pred[:, 1] + pred[:, 3])
        x0, y0, x1, y1 = np.fmax(x0, 0), np.fmax(y0, 0), np.fmin(x1, width), np.fmin(y1, height)
        inside = (x1 > x0) & (y1 > y0)
        area_p = np.where(inside, (x1 - x0) * (y1 - y0), 0.0)
        box = [np.where(inside, v, 0.0) for v in (x0, y0, x1, y1)]
        inter = np.where(inside, _box_area(gt[:, 0::2], gt[:, 1::2], *box), 0.0)
    else:
        area_p = _box_area(pred[:, 0::2], pred[:, 1::2], *image)
        inter = _convex_clip_area(*_box_path(gt[:, 0::2], gt[:, 1::2], *image), pred[:, 0::2], pred[:, 1::2])
    union = area_p + area_g - inter
    return np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0)


def _box_path(
    px: np.ndarray, py: np.ndarray, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The closed path (M, V) clamped to the box [x0, x1] x [y0, y1], as (M, 5V) points."""
    qx, qy = np.roll(px, -1, axis=1), np.roll(py, -1, axis=1)
    dx, dy = qx - px, qy - py
    with np.errstate(divide="ignore", invalid="ignore"):
        cuts = [(c[:, None] - p) / d for c, p, d in ((x0, px, dx), (x1, px, dx), (y0, py, dy), (y1, py, dy))]
    t = np.sort(np.stack([np.nan_to_num(np.clip(c, 0.0, 1.0)) for c in cuts], axis=-1), axis=-1)
    t = np.concatenate([np.zeros(t.shape[:-1] + (1,)), t], axis=-1)  # (M, V, 5)
    x = np.clip(px[..., None] + t * dx[..., None], x0[:, None, None], x1[:, None, None])
    y = np.clip(py[..., None] + t * dy[..., None], y0[:, None, None], y1[:, None, None])
    return x.reshape(len(px), -1), y.reshape(len(py), -1)


def _shoelace(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Absolute area of closed paths (M, V), from their first point. A path flattened onto a line (a
    region outside the box) leaves rounding noise where shapely finds an empty geometry: areas below
    1e-9 square pixels are taken as 0, else IoU = noise / (noise + eps) would be anything."""
    x, y = x - x[:, :1], y - y[:, :1]
    area = np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)) / 2
    return np.where(area < 1e-9, 0.0, area)


def _box_area(px: np.ndarray, py: np.ndarray, *box: np.ndarray) -> np.ndarray:
    return _shoelace(*_box_path(px, py, *box))


def _convex_clip_area(x: np.ndarray, y: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Area of path (x, y) inside the convex quadrilateral (cx, cy), clipping by one edge's half-plane at a
    time (projection onto the edge's line outside it, plus the crossing point of each edge)."""
    orientation = np.sign(np.sum(cx * np.roll(cy, -1, axis=1) - np.roll(cx, -1, axis=1) * cy, axis=1))
    for i in range(cx.shape[1]):
        ax, ay = cx[:, i : i + 1], cy[:, i : i + 1]
        nx = -(np.roll(cy, -1, axis=1)[:, i : i + 1] - ay) * orientation[:, None]
        ny = (np.roll(cx, -1, axis=1)[:, i : i + 1] - ax) * orientation[:, None]
        norm = nx * nx + ny * ny
        with np.errstate(divide="ignore", invalid="ignore"):
            s = nx * (x - ax) + ny * (y - ay)
            out = s < 0
            px, py = np.where(out, x - s / norm * nx, x), np.where(out, y - s / norm * ny, y)
            sn = np.roll(s, -1, axis=1)
            t = np.where(s * sn < 0, s / (s - sn), 0.0)
        ix = np.where(s * sn < 0, x + t * (np.roll(x, -1, axis=1) - x), px)
        iy = np.where(s * sn < 0, y + t * (np.roll(y, -1, axis=1) - y), py)
        x = np.stack([px, ix], axis=-1).reshape(len(x), -1)
        y = np.stack([py, iy], axis=-1).reshape(len(y), -1)
    return np.where(orientation != 0, _shoelace(x, y), 0.0)
