"""The cascades' training loss (C-RPN Eq. 4 and 7; SCTRPN Eq. 4, 7 and 10), for a training loop to call.

    loss = crpn_loss(outputs, anchors, boxes, rng)      # or sctrpn_loss(...)
    loss.total.backward()

- `outputs`: the network's per-stage maps for a batch of positive pairs, as `CascadeRPN.forward`
  returns them: [(cls (B, 2k, S, S), loc (B, 4k, S, S)), ...] from stage 1 on.
- `anchors`: (k S S, 4) ``cx, cy, w, h`` stage-1 anchors in the anchor-major layout of
  `anchors.anchor_grid`, in the frame of `boxes` (pysot's: the grid shifted by 127, the centre of a
  255 search crop).
- `boxes`: (B, 4) each pair's target in search-crop pixels as corners ``x1, y1, x2, y2``.
- `rng`: a numpy Generator; the positives and negatives kept per pair and stage are drawn from it,
  pair by pair, stage by stage.

Stage 1 labels the predefined anchors. Stage l + 1 labels the anchors stage l refined with its own
(detached) regression, among those whose stage-l background probability is at most θ (if none is,
the filter is skipped for that pair, as at tracking time): IoU above `pos_iou` positive, below
`neg_iou` negative, at most `pos_max` positives and `total` samples (`targets.anchor_targets` with
its alive mask), and its regression targets are relative to those refined anchors (Eq. 5). Each
stage's loss is classification + `loc_weight` x regression with pysot's normalisation (half the
mean over the sampled positives, half over the negatives; regression 1 / positives per pair, over
the batch); the total is their sum (Eq. 7). Returns the total and each stage's parts as tensors
with gradients, and each stage's anchor counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from trackers.base import TrackerError
from trackers.siamese.cascade.config import CASCADE_VARIANTS, CascadeLossConfig
from trackers.siamese.cascade.shrinkage import shrinkage_loss
from trackers.siamese.cascade.stages import stage_step
from trackers.siamese.losses import RPNLoss, rpn_log_softmax, select_mean, true_class_log_prob, weighted_smooth_l1
from trackers.siamese.targets import anchor_targets


@dataclass(frozen=True)
class CascadeLoss:
    """`total` = Σ stages' totals; per stage: the sampled labels (B, k S S) (1, 0, -1 ignored), and
    summed over the batch the anchors that entered it (`alive`) and the positives and negatives
    sampled for its loss."""

    total: torch.Tensor
    stages: tuple[RPNLoss, ...]
    labels: tuple[np.ndarray, ...]
    alive: tuple[int, ...]
    positives: tuple[int, ...]
    negatives: tuple[int, ...]


def _check(outputs: Sequence[tuple[torch.Tensor, torch.Tensor]], anchors: np.ndarray, boxes: np.ndarray) -> None:
    if not outputs:
        raise TrackerError("cascade loss: no stage outputs given")
    batch = len(boxes)
    for stage, (cls, loc) in enumerate(outputs, start=1):
        b, k2, height, width = cls.shape
        if b != batch or tuple(loc.shape) != (b, 2 * k2, height, width) or k2 % 2:
            raise TrackerError(f"cascade loss: stage {stage} maps cls {tuple(cls.shape)}, loc {tuple(loc.shape)} for "
                               f"{batch} boxes; expected (B, 2k, S, S) and (B, 4k, S, S) with B = {batch}")
        if anchors.shape != (k2 // 2 * height * width, 4):
            raise TrackerError(f"cascade loss: anchors {anchors.shape} do not fit stage {stage}'s {k2 // 2} x {height} x "
                               f"{width} maps; expected ({k2 // 2 * height * width}, 4)")
    if boxes.shape != (batch, 4) or not np.isfinite(boxes).all() or (boxes[:, 2:] <= boxes[:, :2]).any():
        raise TrackerError(f"cascade loss: target boxes {boxes.shape} must be (B, 4) finite corners x1, y1, x2, y2 "
                           f"with x2 > x1 and y2 > y1")


def cascade_loss(
    outputs: Sequence[tuple[torch.Tensor, torch.Tensor]],
    anchors: np.ndarray,
    boxes: np.ndarray,
    rng: np.random.Generator,
    config: CascadeLossConfig,
) -> CascadeLoss:
    """The loss of a batch of positive pairs under `config` (see the module's description)."""
    anchors = np.asarray(anchors, dtype=np.float64)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    _check(outputs, anchors, boxes)
    batch = len(boxes)
    stage_anchors = [anchors] * batch
    alive = [np.ones(len(anchors), dtype=bool)] * batch
    parts: list[RPNLoss] = []
    sampled: list[np.ndarray] = []
    counts: list[tuple[int, int, int]] = []
    for cls, loc in outputs:
        k, size = cls.shape[1] // 2, cls.shape[-2:]
        logits, deltas = cls.detach().double().cpu().numpy(), loc.detach().double().cpu().numpy()
        labels = np.empty((batch, len(anchors)), dtype=np.int8)
        targets = np.zeros((batch, len(anchors), 4), dtype=np.float32)
        weights = np.empty((batch, len(anchors)), dtype=np.float32)
        entered = 0
        for b in range(batch):
            found = anchor_targets(stage_anchors[b], boxes[b], rng, config.pos_iou, config.neg_iou, config.pos_max,
                                   config.total, alive[b])
            labels[b], weights[b] = found.labels, found.weights
            used = found.weights > 0  # targets of unweighted anchors are never read; keep them finite
            targets[b, used] = found.deltas[used]
            entered += int(alive[b].sum())
            step = stage_step(logits[b], deltas[b], stage_anchors[b], alive[b], config.theta)
            stage_anchors[b], alive[b] = step.refined, step.survivors
        label_maps = torch.from_numpy(labels.astype(np.int64)).view(batch, k, *size).to(cls.device)
        target_maps = torch.from_numpy(targets).view(batch, k, *size, 4).permute(0, 4, 1, 2, 3).to(loc)
        weight_maps = torch.from_numpy(weights).view(batch, k, *size).to(loc)
        log_p = true_class_log_prob(rpn_log_softmax(cls), label_maps)
        per_anchor = -log_p if config.cls_loss == "ce" else shrinkage_loss(log_p, config.shrink_a, config.shrink_c)
        cls_loss = select_mean(per_anchor, label_maps)
        loc_loss = weighted_smooth_l1(loc, target_maps, weight_maps, config.loc_beta)
        parts.append(RPNLoss(cls_loss + config.loc_weight * loc_loss, cls_loss, loc_loss))
        sampled.append(labels)
        counts.append((entered, int((labels == 1).sum()), int((labels == 0).sum())))
    total = torch.stack([part.total for part in parts]).sum()
    alive_n, pos_n, neg_n = (tuple(c) for c in zip(*counts))
    return CascadeLoss(total, tuple(parts), tuple(sampled), alive_n, pos_n, neg_n)


def crpn_loss(
    outputs: Sequence[tuple[torch.Tensor, torch.Tensor]], anchors: np.ndarray, boxes: np.ndarray, rng: np.random.Generator,
    config: CascadeLossConfig = CASCADE_VARIANTS["crpn"].loss,
) -> CascadeLoss:
    """C-RPN: softmax cross entropy, IoU 0.6/0.3, θ 0.95, smooth L1 at λ 1."""
    return cascade_loss(outputs, anchors, boxes, rng, config)


def sctrpn_loss(
    outputs: Sequence[tuple[torch.Tensor, torch.Tensor]], anchors: np.ndarray, boxes: np.ndarray, rng: np.random.Generator,
    config: CascadeLossConfig = CASCADE_VARIANTS["sctrpn"].loss,
) -> CascadeLoss:
    """SCTRPN: shrinkage loss (a 10, c 0.2), IoU 0.7/0.3, θ 0.95, smooth L1 at ξ 1."""
    return cascade_loss(outputs, anchors, boxes, rng, config)
