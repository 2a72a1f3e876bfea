"""Held-out pairs: the loss and how well the top proposal fits, for learning curves.

The network is evaluated as it tracks (batch norm from running statistics). The top proposal is
the anchor of highest foreground score, decoded; its IoU with the search crop's ground truth is
averaged over the positive pairs (negative pairs have no box to find).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from trackers.siamese.targets import anchor_corners
from trackers.training.specs import LossContext, TrainingSpec
from trackers.training.step import to_device


def corner_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of (N, 4) corner boxes."""
    w = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = w * h
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / np.maximum(union, 1e-12)


@torch.inference_mode()
def probe(model: torch.nn.Module, spec: TrainingSpec, items: Sequence[Mapping[str, np.ndarray]], anchors: torch.Tensor,
          cls_weight: float, loc_weight: float, batch: int = 16) -> dict[str, float]:
    """Mean loss parts over `items` (pairs as `PairMaker` makes them), the top proposal's mean IoU
    and its rate of IoU > 0.5 on the positive pairs, and the IoU the best anchor alone would give."""
    was_training = model.training
    model.eval()
    device = anchors.device
    sums: dict[str, float] = {}
    ious, anchor_ious = [], []
    corners = anchor_corners(anchors.cpu().numpy())
    try:
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            tensors = to_device({k: torch.as_tensor(np.stack([it[k] for it in chunk])) for k in chunk[0]}, device)
            outputs = spec.forward(model, tensors)
            context = LossContext(anchors, np.random.default_rng(0), cls_weight, loc_weight)
            result = spec.loss(outputs, tensors, context)
            for name, value in {"loss": result.total, **result.parts}.items():
                sums[name] = sums.get(name, 0.0) + float(value) * len(chunk)
            scores, boxes = spec.proposals(outputs, anchors)
            top = scores.argmax(dim=1)
            chosen = boxes[torch.arange(len(chunk), device=device), top].cpu().numpy().astype(np.float64)
            truth = tensors["box"].cpu().numpy().astype(np.float64)
            positive = ~tensors["negative"].cpu().numpy()
            ious.append(corner_iou(chosen, truth)[positive])
            anchor_ious.append(corner_iou(corners[top.cpu().numpy()], truth)[positive])
    finally:
        model.train(was_training)
    iou = np.concatenate(ious)
    return {**{k: v / len(items) for k, v in sums.items()}, "iou": float(iou.mean()) if iou.size else float("nan"),
            "iou50": float((iou > 0.5).mean()) if iou.size else float("nan"),
            "anchor_iou": float(np.concatenate(anchor_ious).mean()) if iou.size else float("nan")}
