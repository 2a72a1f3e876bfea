"""pysot's `AnchorTarget.__call__` (pysot/datasets/anchor_target.py) in full: the positive-pair
path of `trackers.siamese.targets` on the training grid, and the negative-pair path.

Maps come out in pysot's (k, S, S) layout (anchor type, row, column), which is the anchor-major
order of `trackers.siamese.anchors` reshaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trackers.siamese.anchors import anchor_grid
from trackers.siamese.config import AnchorConfig
from trackers.siamese.targets import POS_MAX, TOTAL, anchor_targets
from trackers.training.geometry import SEARCH_SIZE

NEG_KEEP = 16  # pysot's TRAIN.NEG_NUM: negatives kept on a negative pair
WINDOW_HALF = 3  # the negative window spans 7 x 7 cells


@dataclass(frozen=True)
class PairTargets:
    labels: np.ndarray  # (k, S, S) int64: 1 positive, 0 negative, -1 ignored
    deltas: np.ndarray  # (4, k, S, S) float32
    weights: np.ndarray  # (k, S, S) float32


def training_anchors(config: AnchorConfig, size: int, search_size: int = SEARCH_SIZE) -> np.ndarray:
    """(k * S * S, 4) anchors ``cx, cy, w, h`` in search-crop pixels: the centre cell on pixel
    search_size // 2 (127), as pysot's training grid (tracking centres it on 0 instead)."""
    grid = anchor_grid(config, size)
    grid[:, :2] += search_size // 2
    return grid


def negative_window(box: np.ndarray, size: int, stride: int = 8, search_size: int = SEARCH_SIZE) -> tuple[int, ...]:
    """(ccx, ccy, l, r, u, d): the cell pysot puts an unrelated object in, and the 7 x 7 slice
    ``[u:d, l:r]`` around it. Kept as pysot computes it: ``ceil(v + 0.5)`` is the nearest cell plus
    one, and far left/top targets give negative ends, which Python slicing reads from the end."""
    x1, y1, x2, y2 = (float(v) for v in box)
    ccx = size // 2 + int(math.ceil(((x1 + x2) / 2 - search_size // 2) / stride + 0.5))
    ccy = size // 2 + int(math.ceil(((y1 + y2) / 2 - search_size // 2) / stride + 0.5))
    return (ccx, ccy, max(0, ccx - WINDOW_HALF), min(size, ccx + WINDOW_HALF + 1),
            max(0, ccy - WINDOW_HALF), min(size, ccy + WINDOW_HALF + 1))


def negative_candidates(box: np.ndarray, anchor_count: int, size: int, stride: int = 8,
                        search_size: int = SEARCH_SIZE) -> np.ndarray:
    """(k, S, S) bool: the anchors of the negative window (every anchor type of its cells)."""
    _, _, left, right, up, down = negative_window(box, size, stride, search_size)
    mask = np.zeros((anchor_count, size, size), dtype=bool)
    mask[:, up:down, left:right] = True
    return mask


def pair_targets(anchors: np.ndarray, box: np.ndarray, negative: bool, size: int, rng: np.random.Generator,
                 stride: int = 8, search_size: int = SEARCH_SIZE) -> PairTargets:
    """Labels, regression targets and weights of one pair, search-crop corner `box`.

    Positive pair: IoU > 0.6 positive (16 kept at most), < 0.3 negative (48 kept at most).
    Negative pair: 16 of the window's anchors negative, nothing else labelled, no regression.
    """
    count = len(anchors) // (size * size)
    if negative:
        where = np.flatnonzero(negative_candidates(box, count, size, stride, search_size))
        if len(where) > NEG_KEEP:
            where = rng.choice(where, size=NEG_KEEP, replace=False)
        labels = np.full(count * size * size, -1, dtype=np.int64)
        labels[where] = 0
        return PairTargets(labels.reshape(count, size, size), np.zeros((4, count, size, size), np.float32),
                           np.zeros((count, size, size), np.float32))
    t = anchor_targets(anchors, box, rng, pos_max=POS_MAX, total=TOTAL)
    return PairTargets(t.labels.astype(np.int64).reshape(count, size, size),
                       np.ascontiguousarray(t.deltas.T.reshape(4, count, size, size)),
                       t.weights.reshape(count, size, size))
