"""Greedy non-maximum suppression over ``cx, cy, w, h`` boxes (the anchors' and proposals' form)."""

from __future__ import annotations

import numpy as np


def pairwise_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one ``cx, cy, w, h`` box with each of `boxes` (M, 4); continuous areas, no +1."""
    half, halves = box[2:] / 2, boxes[:, 2:] / 2
    lo = np.maximum(box[:2] - half, boxes[:, :2] - halves)
    hi = np.minimum(box[:2] + half, boxes[:, :2] + halves)
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    union = box[2] * box[3] + boxes[:, 2] * boxes[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_keep: int | None = None) -> np.ndarray:
    """Indices of the boxes kept, best score first: each kept box removes every later one that
    overlaps it by more than `iou_threshold`. Ties in score keep the lower index first."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(boxes) != len(scores):
        raise ValueError(f"nms: {len(boxes)} boxes but {len(scores)} scores")
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    limit = len(order) if max_keep is None else max_keep
    while order.size and len(kept) < limit:
        best, rest = order[0], order[1:]
        kept.append(int(best))
        order = rest[pairwise_iou(boxes[best], boxes[rest]) <= iou_threshold]
    return np.array(kept, dtype=np.intp)
