"""Square crops around the target with context, padded with the image's mean colour."""

from __future__ import annotations

import math

import cv2
import numpy as np


def context_size(size_wh: np.ndarray, context_amount: float) -> float:
    """Side A of the square holding the target and its context: (w + p)(h + p) = A², p = amount (w + h).

    With amount 0.5 this is SiamRPN Eq. 15; the template is A cropped to 127, the search region
    A x instance/exemplar cropped to the instance size, so both share one scale.
    """
    w, h = float(size_wh[0]), float(size_wh[1])
    pad = context_amount * (w + h)
    return math.sqrt((w + pad) * (h + pad))


def mean_colour(image: np.ndarray) -> np.ndarray:
    """Per-channel mean, truncated to whole levels as the authors' uint8 padding stores it."""
    return np.floor(image.reshape(-1, image.shape[2]).mean(axis=0))


def crop_patch(image: np.ndarray, center: np.ndarray, crop_size: int, out_size: int, fill: np.ndarray) -> np.ndarray:
    """The `crop_size` square centred on `center` (pixel-index coordinates), resized to `out_size`.

    The square's first column is round(cx - (crop_size + 1) / 2), half-up, as in the released
    trackers, so a crop taken here lines up with the ones the weights were trained and tuned on.
    Whatever falls outside the image is `fill`. Returns an out_size x out_size x 3 uint8 array.
    """
    crop_size = max(1, int(crop_size))
    x0 = int(math.floor(center[0] - (crop_size + 1) / 2 + 0.5))
    y0 = int(math.floor(center[1] - (crop_size + 1) / 2 + 0.5))
    x1, y1 = x0 + crop_size, y0 + crop_size
    height, width = image.shape[:2]
    inside = image[max(y0, 0) : min(y1, height), max(x0, 0) : min(x1, width)]
    pads = (max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width))
    if inside.size == 0:
        patch = np.empty((crop_size, crop_size, 3), np.uint8)
        patch[:] = fill.astype(np.uint8)
    elif any(pads):
        patch = cv2.copyMakeBorder(inside, *pads, cv2.BORDER_CONSTANT, value=[float(v) for v in fill])
    else:
        patch = inside
    if crop_size != out_size:
        patch = cv2.resize(patch, (out_size, out_size), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(patch)
