"""Crop geometry of pysot's training data (training_dataset/*/par_crop.py, datasets/dataset.py).

Offline, every annotated frame becomes a 511x511 crop centred on the target with the context of
the template crop scaled by 511/127 (``crop_like_SiamFC``), padded with the frame's mean colour;
training reads only these crops, for the template as well as the search image, and puts the box
at the crop's centre with the size the template scale gives it (``TrkDataset._get_bbox``).
Boxes are corners ``x1, y1, x2, y2`` with width ``x2 - x1``; pixel centres are integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

CROP_SIZE = 511
EXEMPLAR_SIZE = 127
SEARCH_SIZE = 255
CONTEXT = 0.5


def context_side(w: float, h: float, context: float = CONTEXT) -> float:
    """s_z: the side of the square holding the target and its context, sqrt((w+p)(h+p)), p = context (w+h)."""
    pad = context * (w + h)
    return math.sqrt((w + pad) * (h + pad))


def warp_square(image: np.ndarray, square: np.ndarray, out_size: int, fill) -> np.ndarray:
    """The square ``x1, y1, x2, y2`` mapped linearly onto ``[0, out_size-1]`` (x1 to pixel 0, x2 to
    the last pixel), bilinear, `fill` outside the image: pysot's ``crop_hwc`` and ``_crop_roi``."""
    x1, y1, x2, y2 = (float(v) for v in square)
    a, b = (out_size - 1) / (x2 - x1), (out_size - 1) / (y2 - y1)
    mapping = np.array([[a, 0.0, -a * x1], [0.0, b, -b * y1]])
    border = tuple(float(v) for v in np.broadcast_to(np.asarray(fill, dtype=np.float64), (3,)))
    return cv2.warpAffine(image, mapping, (out_size, out_size), borderMode=cv2.BORDER_CONSTANT, borderValue=border)


@dataclass(frozen=True)
class View:
    """A 511 crop, made only when needed: `image` is the crop itself (`square` None: pysot's
    pre-cropped files) or the frame, of which `square` (corners) maps onto the crop, `fill` outside.

    Augmentation cuts its 127 or 255 window straight from the frame when the window lies inside the
    511 square (always, for pysot's shift and scale): the geometry of pysot's two warps in one, with
    one bilinear resampling instead of two, and without the 511 x 511 intermediate (a third of the
    data-loading time)."""

    image: np.ndarray
    square: np.ndarray | None = None
    fill: tuple[float, ...] = (0.0, 0.0, 0.0)
    size: int = CROP_SIZE

    def materialise(self) -> np.ndarray:
        return self.image if self.square is None else warp_square(self.image, self.square, self.size, self.fill)

    def window(self, corners: np.ndarray, out_size: int) -> np.ndarray:
        """The crop's window `corners` (crop pixels) resampled to out_size, black outside the crop."""
        inside = corners.min() >= 0 and corners.max() <= self.size - 1
        if self.square is None or not inside:
            return warp_square(self.materialise(), corners, out_size, 0.0)
        scale = (self.square[2] - self.square[0]) / (self.size - 1)
        origin = np.array([self.square[0], self.square[1], self.square[0], self.square[1]])
        return warp_square(self.image, origin + np.asarray(corners, dtype=np.float64) * scale, out_size, self.fill)


def crop511_view(frame: np.ndarray, box: np.ndarray, size: int = CROP_SIZE, exemplar: int = EXEMPLAR_SIZE,
                 context: float = CONTEXT) -> View:
    """The `size` crop pysot's par_crop.py writes for the corner `box` of `frame`: centred on the
    box, side s_z x size / exemplar, the frame's per-channel mean outside it."""
    x1, y1, x2, y2 = (float(v) for v in box)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    side = context_side(x2 - x1, y2 - y1, context) * size / exemplar
    fill = cv2.mean(frame)[:3]  # the per-channel mean, as np.mean(frame, axis=(0, 1)) but 10x faster
    return View(frame, np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]), fill, size)


def crop511(frame: np.ndarray, box: np.ndarray, size: int = CROP_SIZE, exemplar: int = EXEMPLAR_SIZE,
            context: float = CONTEXT) -> np.ndarray:
    """`crop511_view` made: the 511 x 511 uint8 crop itself."""
    return crop511_view(frame, box, size, exemplar, context).materialise()


def box_in_crop(w: float, h: float, crop_size: int = CROP_SIZE, exemplar: int = EXEMPLAR_SIZE,
                context: float = CONTEXT) -> np.ndarray:
    """``TrkDataset._get_bbox``: the corner box of a w x h target in its crop, centred on pixel
    crop_size // 2 and scaled by exemplar / s_z (0.2 % larger than the drawn target: pysot leaves
    out the 510/511 of the crop mapping; kept, since the released models learnt these boxes)."""
    scale = exemplar / context_side(w, h, context)
    c = crop_size // 2
    bw, bh = w * scale, h * scale
    return np.array([c - bw / 2, c - bh / 2, c + bw / 2, c + bh / 2], dtype=np.float64)


def output_size(search: int, exemplar: int, stride: int, base_size: int) -> int:
    """Score-map side of a training search crop; pysot checks (search - exemplar) / stride + 1 + base."""
    return (search - exemplar) // stride + 1 + base_size
