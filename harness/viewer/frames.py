"""Frames for the viewer and its videos: read with OpenCV, shrunk, JPEG-encoded; a frame that cannot be read is
None, and its place is shown as missing, never an error."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import cv2
import numpy as np

# The page's default frame size: the longest side in pixels, smaller for long sequences so that the frames of a
# 1,000-frame sequence stay about 11.5 MB (docs/viewer.md: 11.5 kB per frame, base64, at 256 px and quality 50
# on OTB's Football1, the most detailed real sequence measured) and the page under 15 MB with plotly.js.
LONGEST_SIDE = 384
PIXEL_BUDGET_SIDE, PIXEL_BUDGET_FRAMES = 256, 1000  # side x side pixels for each of 1,000 frames
SMALLEST_SIDE = 160
QUALITY = 50


def default_side(frames: int) -> int:
    """The longest side for a page of `frames` frames: 384 px up to 444 frames, then shrinking so that the pixels
    of all frames stay those of 1,000 frames at 256 px, never under 160 px."""
    budget = PIXEL_BUDGET_SIDE * math.sqrt(PIXEL_BUDGET_FRAMES / max(frames, 1))
    return int(max(SMALLEST_SIDE, min(LONGEST_SIDE, budget)))


def read_frame(path: Path | None) -> np.ndarray | None:
    """The frame as H x W x 3 BGR, or None when there is no file or OpenCV cannot decode it."""
    if path is None:
        return None
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def shrunk(image: np.ndarray, side: int | None) -> np.ndarray:
    """`image` with its longest side at most `side` pixels (None: as it is); never enlarged."""
    height, width = image.shape[:2]
    if side is None or max(height, width) <= side:
        return image
    factor = side / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def jpeg_base64(image: np.ndarray, quality: int) -> str:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode a frame as JPEG")
    return base64.b64encode(encoded.tobytes()).decode("ascii")
