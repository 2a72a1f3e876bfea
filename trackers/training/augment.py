"""pysot's training augmentation (pysot/datasets/augmentation.py `Augmentation`), in its order:
gray, shift and scale crop, colour, blur, flip.

The random draws are those of pysot, in the same order, from a numpy Generator instead of the
global legacy RandomState (one Generator per pair makes every pair reproducible on any number
of workers; pysot's DataLoader workers share no seed). The image comes in as the uint8 511 crop
and leaves as float64 BGR values, not clipped and not normalised, as the released networks take.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from trackers.training.geometry import View

# PCA colour offsets (rows for R, G, B eigen-directions scaled by their eigenvalues), float32 as pysot stores them.
RGB_VAR = np.array([[-0.55919361, 0.98062831, -0.41940627],
                    [1.72091413, 0.19879334, -1.82968581],
                    [4.64467907, 4.73710203, 4.88324118]], dtype=np.float32)
BLUR_SIZES = np.arange(5, 46, 2)


@dataclass(frozen=True)
class AugmentParams:
    """Shift in 511-crop pixels, relative scale range, and the probabilities of blur, flip, colour."""

    shift: float
    scale: float
    blur: float = 0.0
    flip: float = 0.0
    color: float = 1.0


def _uniform(rng: np.random.Generator) -> float:
    return rng.random() * 2 - 1


def shift_scale_crop(image: np.ndarray | View, box: np.ndarray, size: int, params: AugmentParams,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The (size-1)-wide window at the image centre, scaled in x and y independently by
    1 + U(-1, 1) x scale, moved by U(-1, 1) x shift pixels (kept inside the image), warped to
    size x size with black outside; returns the crop and the corner box in it."""
    view = image if isinstance(image, View) else View(image, size=image.shape[0])
    im_h = im_w = view.size
    # pysot takes the centre from shape[0] for x as well; the crops are square.
    cx, cy, w, h = im_h // 2, im_w // 2, size - 1, size - 1
    scale_x = scale_y = 1.0
    if params.scale:
        scale_x = min(1.0 + _uniform(rng) * params.scale, im_w / w)
        scale_y = min(1.0 + _uniform(rng) * params.scale, im_h / h)
        w, h = w * scale_x, h * scale_y
    x1, y1, x2, y2 = cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5
    if params.shift:
        sx = _uniform(rng) * params.shift
        sy = _uniform(rng) * params.shift
        sx = max(-x1, min(im_w - 1 - x2, sx))
        sy = max(-y1, min(im_h - 1 - y2, sy))
        x1, y1, x2, y2 = x1 + sx, y1 + sy, x2 + sx, y2 + sy
    moved = np.asarray(box, dtype=np.float64) - np.array([x1, y1, x1, y1])
    if params.scale:
        moved = moved / np.array([scale_x, scale_y, scale_x, scale_y])
    return view.window(np.array([x1, y1, x2, y2]), size), moved


def blur_kernel(side: int, wx: float) -> np.ndarray:
    """pysot's motion-blur kernel: a cross of odd side whose centre column weighs wx/side and centre
    row (1-wx)/side."""
    kernel = np.zeros((side, side))
    c = side // 2
    kernel[:, c] += wx / side
    kernel[c, :] += (1 - wx) / side
    return kernel


def blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """pysot's blur (side drawn from 5..45 odd, then wx): `cv2.filter2D` with `blur_kernel`, computed
    as wx x a vertical mean + (1-wx) x a horizontal one (the same sum, same border, to 1e-12, 4x faster)."""
    side = int(rng.choice(BLUR_SIZES))
    wx = rng.random()
    image = np.asarray(image, dtype=np.float64)
    return wx * cv2.boxFilter(image, -1, (1, side)) + (1 - wx) * cv2.boxFilter(image, -1, (side, 1))


def augment(image: np.ndarray | View, box: np.ndarray, size: int, params: AugmentParams, rng: np.random.Generator,
            gray: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One pysot `Augmentation` call on a square crop (an array or a `View`): (size x size x 3 float64
    image, corner box in it)."""
    if gray:
        image = image.materialise() if isinstance(image, View) else image
        image = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    image, box = shift_scale_crop(image, box, size, params, rng)
    if params.color > rng.random():
        offset = (RGB_VAR @ rng.standard_normal((3, 1)))[::-1].reshape(3)  # RGB rows to BGR channels
        image = image - offset
    if params.blur > rng.random():
        image = blur(image, rng)
    if params.flip and params.flip > rng.random():
        image = cv2.flip(image, 1)
        box = np.array([size - 1 - box[2], box[1], size - 1 - box[0], box[3]])
    return np.asarray(image, dtype=np.float64), box
