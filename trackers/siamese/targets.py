"""Training targets of a Siamese RPN: each anchor's IoU with the target, its label and its regression
target, sampled as pysot's `AnchorTarget` does (STVIR/pysot@d04028f pysot/datasets/anchor_target.py).

Anchors are ``cx, cy, w, h`` rows in the anchor-major layout of `anchors.anchor_grid` (index
``a * S * S + row * S + col``, which is pysot's (K, S, S) map flattened). Boxes given as corners are
``x1, y1, x2, y2`` with width ``x2 - x1`` (no +1), as pysot's training code has them. The arithmetic
is float64 on float32-exact anchors, so IoU and labels equal pysot's under NumPy 2 bit for bit,
including anchors whose IoU is exactly on a threshold (they are neither positive nor negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POS_IOU, NEG_IOU = 0.6, 0.3  # strict: IoU > 0.6 positive, IoU < 0.3 negative
POS_MAX, TOTAL = 16, 64  # positives kept at most; negatives kept at most TOTAL - POS_MAX


@dataclass(frozen=True)
class AnchorTargets:
    labels: np.ndarray  # (N,) int8: 1 positive, 0 negative, -1 ignored
    deltas: np.ndarray  # (N, 4) float32 regression targets of every anchor (masked by `weights`)
    weights: np.ndarray  # (N,) float32: 1 / (positives + 1e-6) on the kept positives, else 0
    iou: np.ndarray  # (N,) float64


def anchor_corners(anchors: np.ndarray) -> np.ndarray:
    """(N, 4) ``cx, cy, w, h`` to ``x1, y1, x2, y2``."""
    anchors = np.asarray(anchors, dtype=np.float64)
    half = anchors[:, 2:] * 0.5
    return np.concatenate([anchors[:, :2] - half, anchors[:, :2] + half], axis=1)


def iou(anchors: np.ndarray, target: np.ndarray) -> np.ndarray:
    """IoU of every ``cx, cy, w, h`` anchor with one ``x1, y1, x2, y2`` target (pysot's `IoU`, unclipped)."""
    x1, y1, x2, y2 = anchor_corners(anchors).T
    tx1, ty1, tx2, ty2 = (float(v) for v in target)
    inter = np.maximum(0, np.minimum(tx2, x2) - np.maximum(tx1, x1)) * np.maximum(
        0, np.minimum(ty2, y2) - np.maximum(ty1, y1)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return inter / ((x2 - x1) * (y2 - y1) + (tx2 - tx1) * (ty2 - ty1) - inter)


def encode(anchors: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Regression targets of one ``x1, y1, x2, y2`` target against every anchor (SiamRPN Eq. 12),
    the inverse of `anchors.decode_boxes`: (N, 4) float32 dx, dy, dw, dh."""
    anchors = np.asarray(anchors, dtype=np.float64)
    tx1, ty1, tx2, ty2 = (float(v) for v in target)
    tcx, tcy, tw, th = (tx1 + tx2) * 0.5, (ty1 + ty2) * 0.5, tx2 - tx1, ty2 - ty1
    cx, cy, w, h = anchors.T
    with np.errstate(invalid="ignore", divide="ignore"):
        deltas = np.stack([(tcx - cx) / w, (tcy - cy) / h, np.log(tw / w), np.log(th / h)], axis=1)
    return deltas.astype(np.float32)


def label(overlap: np.ndarray, pos_iou: float = POS_IOU, neg_iou: float = NEG_IOU,
          alive: np.ndarray | None = None) -> np.ndarray:
    """Labels before sampling: 1 where IoU > pos_iou, 0 where IoU < neg_iou, else -1. Anchors not
    `alive` (a cascade stage's filtered ones) are never labelled."""
    labels = np.full(len(overlap), -1, dtype=np.int8)
    labels[overlap > pos_iou] = 1
    labels[overlap < neg_iou] = 0
    if alive is not None:
        labels[~np.asarray(alive, dtype=bool)] = -1
    return labels


def sample(labels: np.ndarray, rng: np.random.Generator, pos_max: int = POS_MAX, total: int = TOTAL) -> np.ndarray:
    """Keep at most `pos_max` positives and at most ``total - pos_max`` negatives, chosen at random;
    the rest become -1. As pysot, the negative quota does not grow when positives are fewer."""
    kept = np.full_like(labels, -1)
    for value, limit in ((1, pos_max), (0, total - pos_max)):
        where = np.flatnonzero(labels == value)
        if len(where) > limit:
            where = rng.choice(where, size=limit, replace=False)
        kept[where] = value
    return kept


def anchor_targets(
    anchors: np.ndarray,
    target: np.ndarray,
    rng: np.random.Generator,
    pos_iou: float = POS_IOU,
    neg_iou: float = NEG_IOU,
    pos_max: int = POS_MAX,
    total: int = TOTAL,
    alive: np.ndarray | None = None,
) -> AnchorTargets:
    """Labels, regression targets and weights of one positive pair (target given as corners)."""
    overlap = iou(anchors, target)
    labels = sample(label(overlap, pos_iou, neg_iou, alive), rng, pos_max, total)
    positives = np.count_nonzero(labels == 1)
    weights = np.where(labels == 1, np.float32(1.0 / (positives + 1e-6)), np.float32(0)).astype(np.float32)
    return AnchorTargets(labels, encode(anchors, target), weights, overlap)
