"""Per-frame box measures over (N, 4) arrays of x, y, w, h, written in each toolkit's own arithmetic.

The forms are algebraically close but not bit-identical, and IoU or distances that land exactly on a
threshold (common with integer boxes) flip a frame's pass/fail, so each expression keeps the operation
order of the toolkit it reproduces. NaN inputs give NaN outputs unless a docstring says otherwise;
callers decide what NaN means (`ope.py` treats it as a failed frame).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

# OTB-family toolkits put a box's centre at x + (w - 1) / 2; the TrackingNet devkit at x + (w + 1) / 2.
CENTRE_MINUS_ONE = -1.0
CENTRE_PLUS_ONE = 1.0


def _quiet(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """NaN and inf are meaningful results here (failed frames), so numpy's warnings about them are noise."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return wrapper


@_quiet
def centres(boxes: np.ndarray, offset: float = CENTRE_MINUS_ONE) -> np.ndarray:
    """(N, 2) centres x + (w + offset) / 2, y + (h + offset) / 2."""
    return boxes[:, :2] + (boxes[:, 2:] + offset) / 2


@_quiet
def iou_continuous(pred: np.ndarray, gt: np.ndarray, union_eps: float = 0.0) -> np.ndarray:
    """Area IoU of continuous boxes, clipped to [0, 1] (pysot with eps 0, got10k with float eps).

    Zero union gives NaN with eps 0 (pysot) and 0 with eps > 0 (got10k); both fail every `>` threshold.
    """
    left = np.maximum(pred[:, 0], gt[:, 0])
    top = np.maximum(pred[:, 1], gt[:, 1])
    right = np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2])
    bottom = np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3])
    inter = np.maximum(right - left, 0) * np.maximum(bottom - top, 0)
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    return np.clip(inter / (union + union_eps), 0.0, 1.0)


@_quiet
def iou_pixel(pred: np.ndarray, gt: np.ndarray, round_intersection: bool = False) -> np.ndarray:
    """'+1 pixel' IoU: right = x + w - 1, width = right - left + 1 (pytracking, LaSOT MATLAB, TrackingNet).

    Not clipped: negative or zero sizes give values outside [0, 1], inf or NaN exactly as the toolkits
    do. min/max skip a NaN operand (MATLAB's min/max and pandas' row max/min do); TrackingNet also
    rounds the intersection's width and height (`round_intersection`).
    """
    left = np.fmax(pred[:, :2], gt[:, :2])
    right = np.fmin(pred[:, :2] + pred[:, 2:] - 1.0, gt[:, :2] + gt[:, 2:] - 1.0)
    size = right - left + 1.0
    if round_intersection:
        size = np.round(size)
    size = np.maximum(size, 0.0)
    inter = size[:, 0] * size[:, 1]
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    return inter / union


@_quiet
def center_error(pred: np.ndarray, gt: np.ndarray, offset: float = CENTRE_MINUS_ONE) -> np.ndarray:
    """Euclidean distance in pixels between the centres of pred and gt."""
    d = centres(pred, offset) - centres(gt, offset)
    return np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])


@_quiet
def normalized_center_error(pred: np.ndarray, gt: np.ndarray, eps: float = 0.0) -> np.ndarray:
    """Centre distance after dividing both centres by the GT size (pysot with eps 1e-16, pytracking, LaSOT).

    Each centre is divided before subtracting, as those toolkits do; a GT side of 0 gives inf or NaN.
    """
    scale = gt[:, 2:] + eps
    d = centres(pred) / scale - centres(gt) / scale
    return np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])


@_quiet
def normalized_center_error_trackingnet(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """The TrackingNet devkit's form: centres x + (w + 1) / 2, each axis' difference over the GT side.

    Evaluated as (d / w) * d / w per axis, the devkit's left-to-right order.
    """
    d = centres(gt, CENTRE_PLUS_ONE) - centres(pred, CENTRE_PLUS_ONE)
    sq = d / gt[:, 2:] * d / gt[:, 2:]
    return np.sqrt(sq[:, 0] + sq[:, 1])
