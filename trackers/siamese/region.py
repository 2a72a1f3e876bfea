"""The start box the Siamese trackers' authors derived from a benchmark's region.

SiamFC's MATLAB code (bertinetto/siamese-fc, tracking/get_axis_aligned_BB.m) and its Python port
in pysot (STVIR/pysot pysot/utils/bbox.py `get_axis_aligned_bbox`, used by tools/test.py for every
dataset) turn a polygon into the upright box with the polygon's centre and area, and a rectangle
``x, y, w, h`` into the centre ``x + w/2, y + h/2``; tools/test.py then hands the tracker
``[cx - (w-1)/2, cy - (h-1)/2, w, h]``. For an OTB-style rectangle that is the rectangle moved by
+0.5 px; for a VOT polygon it is a box of the polygon's area, not the VOT toolkit's bounding box.
"""

from __future__ import annotations

import numpy as np

from trackers.base import TrackerError


def area_preserving_box(polygon: np.ndarray) -> np.ndarray:
    """``cx, cy, w, h`` of four corners: the polygon's mean point, and its bounding box scaled to the
    area of the parallelogram spanned by its first two sides, plus one pixel per side."""
    p = np.asarray(polygon, dtype=np.float64).reshape(8)
    xs, ys = p[0::2], p[1::2]
    bound_w, bound_h = xs.max() - xs.min(), ys.max() - ys.min()
    area = np.linalg.norm(p[0:2] - p[2:4]) * np.linalg.norm(p[2:4] - p[4:6])
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(area / (bound_w * bound_h))
    return np.array([xs.mean(), ys.mean(), s * bound_w + 1, s * bound_h + 1])


def pysot_init_box(region: np.ndarray) -> np.ndarray:
    """The ``x, y, w, h`` box pysot's tools/test.py initialises its trackers with, from a region of 4
    values (a rectangle) or 8 (a polygon). A degenerate polygon gives NaN, which the runners treat
    as no usable box."""
    values = np.asarray(region, dtype=np.float64).reshape(-1)
    if values.size == 8:
        cx, cy, w, h = area_preserving_box(values)
    elif values.size == 4:
        x, y, w, h = values
        cx, cy = x + w / 2, y + h / 2
    else:
        raise TrackerError(f"region {values.tolist()} has {values.size} values; expected 4 (x, y, w, h) or 8 (a polygon)")
    return np.array([cx - (w - 1) / 2, cy - (h - 1) / 2, w, h])
