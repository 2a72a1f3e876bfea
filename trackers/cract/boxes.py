"""Box arithmetic of the cascade, on numpy ``cx, cy, w, h`` rows in search-crop pixels."""

from __future__ import annotations

import numpy as np

from trackers.siamese.anchors import decode_boxes


def refine(proposals: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Eq. 4 on (N, 4) proposals and (N, 4) offsets dx, dy, dw, dh: the anchors' decoding, with its
    cap on the size change."""
    return decode_boxes(np.asarray(offsets).T[:, :, None], np.asarray(proposals, np.float64))  # offsets: float64 there


def to_centre(corners: np.ndarray) -> np.ndarray:
    """One ``x1, y1, x2, y2`` box to ``cx, cy, w, h``."""
    x1, y1, x2, y2 = (float(v) for v in corners)
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1])
