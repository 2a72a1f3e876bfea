"""Discrete training boxes around a target, for the online discriminator (CRACT Sec. 3.2.3, 3.4).

All boxes are ``cx, cy, w, h`` in search-crop pixels. Positives are Gaussian jitters of the
target kept when their IoU with it is at least `pos_iou`; negatives are drawn half in a ring
around the target (where look-alike background is) and half anywhere in the crop, kept when
their IoU is at most `neg_iou`. Both are rejection sampling from a numpy Generator, so a seed
fixes them. Between the thresholds nothing is sampled (MDNet's 0.7 / 0.3 for updates).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from trackers.siamese.nms import pairwise_iou

POS_SHIFT, POS_LOG_SCALE = 0.1, 0.1  # std of the centre jitter (x target size) and of the log size
NEG_RING, NEG_LOG_SCALE = 2.0, 0.3  # ring half-width in target sizes; uniform log-size range
MAX_ROUNDS = 100


class SamplingError(ValueError):
    """No boxes with the required overlap could be drawn (a degenerate target or crop)."""


def _draw(draw_batch: Callable[[int], np.ndarray], accept: Callable[[np.ndarray], np.ndarray], count: int, what: str) -> np.ndarray:
    """Draw batches until `count` boxes pass `accept`, for at most MAX_ROUNDS rounds."""
    kept: list[np.ndarray] = []
    total = 0
    for _ in range(MAX_ROUNDS):
        if total >= count:
            break
        boxes = draw_batch(max(2 * (count - total), 16))
        good = boxes[accept(boxes)]
        kept.append(good)
        total += len(good)
    if total < count:
        raise SamplingError(f"drew only {total} of {count} {what} in {MAX_ROUNDS} rounds")
    return np.concatenate(kept)[:count]


def jitter(target: np.ndarray, count: int, rng: np.random.Generator, shift: float, log_scale: float) -> np.ndarray:
    """`count` Gaussian jitters of `target` with no overlap filter (training proposals)."""
    target = np.asarray(target, dtype=np.float64)
    centre = target[:2] + rng.normal(0, shift, (count, 2)) * target[2:]
    size = target[2:] * np.exp(rng.normal(0, log_scale, (count, 2)))
    return np.concatenate([centre, size], axis=1)


def positives(target: np.ndarray, count: int, rng: np.random.Generator, min_iou: float) -> np.ndarray:
    """`count` jittered copies of `target` with IoU >= min_iou."""
    target = np.asarray(target, dtype=np.float64)
    draw = lambda n: jitter(target, n, rng, POS_SHIFT, POS_LOG_SCALE)  # noqa: E731
    return _draw(draw, lambda b: pairwise_iou(target, b) >= min_iou, count, f"positives (IoU >= {min_iou})")


def negatives(target: np.ndarray, count: int, rng: np.random.Generator, max_iou: float, crop_size: int) -> np.ndarray:
    """`count` boxes of about the target's size with IoU <= max_iou, half within NEG_RING target
    sizes of it and half uniform over the crop."""
    target = np.asarray(target, dtype=np.float64)

    def draw(n: int) -> np.ndarray:
        near = n // 2
        centre = np.empty((n, 2))
        # Ring and crop draws alternate: the first `count` kept are then about half of each, where
        # ring-first rows would fill a round's quota with the ring alone.
        centre[0::2] = target[:2] + rng.uniform(-NEG_RING, NEG_RING, (n - near, 2)) * target[2:]
        centre[1::2] = rng.uniform(0, crop_size - 1, (near, 2))
        size = target[2:] * np.exp(rng.uniform(-NEG_LOG_SCALE, NEG_LOG_SCALE, (n, 2)))
        return np.concatenate([centre, size], axis=1)

    return _draw(draw, lambda b: pairwise_iou(target, b) <= max_iou, count, f"negatives (IoU <= {max_iou})")


def hard_negatives(scores: np.ndarray, count: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of `count` candidates: the round(fraction x count) highest-scoring (the look-alikes
    the discriminator confuses most), the rest drawn at random from the others."""
    scores = np.asarray(scores, dtype=np.float64)
    if count >= len(scores):
        return np.arange(len(scores))
    hard = min(count, int(round(fraction * count)))
    order = np.argsort(-scores, kind="stable")
    rest = rng.choice(order[hard:], size=count - hard, replace=False)
    return np.concatenate([order[:hard], rest]).astype(np.intp)
