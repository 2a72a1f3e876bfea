"""CRACT's offline training loss (Sec. 3.4): L = l_rpn + l_reg + l_ide, equal weights.

`training_losses` is what a training loop calls on each batch of positive template/search pairs:

    template, search = model(z, z_boxes, x)          # CRACTNet.forward, model in train mode
    loss = training_losses(model, template, search, gt_corners, rng)
    loss.total.backward()

- l_rpn: pysot's RPN loss (`trackers.siamese.losses.rpn_loss`: 0.5/0.5 balanced cross entropy +
  1.2 x L1) on pysot's anchor targets (IoU 0.6 / 0.3, <= 16 positives of 64), per pair.
- Proposals for the CRAC heads, per pair (no gradient through them): the RPN's decoded boxes,
  the best POOL by foreground score after NMS at POOL_NMS, plus JITTER Gaussian jitters of the
  ground truth (so the heads see positives while the RPN is still poor, as detectors add the
  ground truth to their proposals). Labels by IoU with the ground truth: > 0.5 positive,
  < 0.5 negative, exactly 0.5 neither (Sec. 3.4: both thresholds 0.5).
- l_reg: at most 16 positive proposals, f_i = PRoIAlign on the proposal, smooth L1 (beta 1/9)
  between R(f_i, f_init) and the proposal's Eq. 4 offsets to the ground truth, summed over the
  4 offsets and averaged over the sampled proposals of the batch.
- l_ide: every pool proposal is regressed with the current R (no gradient) and re-pooled on its
  refined box, as at tracking time; at most 32 refined boxes (at most 16 positive, the rest
  negative) are labelled by their IoU after refinement; cross entropy of I(f~_i, f_init),
  averaged over the sampled boxes of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from trackers.cract.boxes import refine, to_centre
from trackers.cract.model import CRACTNet, CRACTTemplate, SearchOutputs
from trackers.cract.sampling import jitter
from trackers.siamese.anchors import anchor_grid, decode_boxes, foreground_scores
from trackers.siamese.backbones.resnet import FIRST_CENTRE, STRIDE
from trackers.siamese.config import AnchorConfig
from trackers.siamese.losses import rpn_loss
from trackers.siamese.nms import nms
from trackers.siamese.targets import anchor_targets, encode, iou, label, sample

POOL, POOL_NMS = 64, 0.7
JITTER, JITTER_SHIFT, JITTER_LOG_SCALE = 16, 0.15, 0.15
PROPOSAL_IOU = 0.5
REGRESSION_MAX = 16
IDENTIFIER_MAX, IDENTIFIER_POS_MAX = 32, 16
SMOOTH_L1_BETA = 1.0 / 9.0


@dataclass(frozen=True)
class CRACTLoss:
    total: torch.Tensor
    rpn: torch.Tensor  # pysot's cls + 1.2 loc
    reg: torch.Tensor
    ide: torch.Tensor
    rpn_cls: torch.Tensor
    rpn_loc: torch.Tensor
    regression_samples: int
    identifier_positives: int
    identifier_negatives: int


@dataclass(frozen=True)
class ProposalSamples:
    boxes: np.ndarray  # (n, 4) cx, cy, w, h in search-crop pixels
    labels: np.ndarray  # (n,) 1 target, 0 background


def proposal_pool(
    logits: np.ndarray, deltas: np.ndarray, anchors: np.ndarray, gt: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The RPN's best POOL boxes after NMS and JITTER jitters of the ground truth (corners `gt`)."""
    boxes = decode_boxes(deltas, anchors)
    keep = nms(boxes, foreground_scores(logits), POOL_NMS, POOL)
    return np.concatenate([boxes[keep], jitter(to_centre(gt), JITTER, rng, JITTER_SHIFT, JITTER_LOG_SCALE)])


def label_and_sample(boxes: np.ndarray, gt: np.ndarray, rng: np.random.Generator, pos_max: int, total: int) -> ProposalSamples:
    """Boxes labelled by IoU with `gt` against PROPOSAL_IOU (targets.label: strict on both sides),
    then at most `pos_max` positives and ``total - pos_max`` negatives kept at random (none when
    `total` is `pos_max`: positives only)."""
    labels = label(iou(boxes, gt), PROPOSAL_IOU, PROPOSAL_IOU)
    kept = sample(labels, rng, pos_max, total)
    chosen = np.flatnonzero(kept >= 0)
    return ProposalSamples(boxes[chosen], kept[chosen].astype(np.int64))


def regression_loss(predicted: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Smooth L1 summed over the 4 offsets, averaged over proposals (0 without any)."""
    if len(predicted) == 0:
        return predicted.sum()
    return F.smooth_l1_loss(predicted, targets, beta=SMOOTH_L1_BETA, reduction="sum") / len(predicted)


def identification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Two-class cross entropy averaged over proposals (0 without any)."""
    if len(logits) == 0:
        return logits.sum()
    return F.cross_entropy(logits, labels)


def _pooled(model: CRACTNet, search: SearchOutputs, boxes: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """PRoIAlign of every pair's boxes in one call, and the index of each box's pair (on the CPU:
    `pool` takes both to the map's device, and a CPU index can index a tensor on any device)."""
    index = torch.as_tensor(np.repeat(np.arange(len(boxes)), [len(b) for b in boxes]))
    stacked = torch.as_tensor(np.concatenate(boxes), dtype=torch.float32)
    return model.pool(search.features, stacked, index), index


def training_losses(
    model: CRACTNet,
    template: CRACTTemplate,
    search: SearchOutputs,
    gt: np.ndarray,
    rng: np.random.Generator,
    anchors: AnchorConfig = AnchorConfig(),
) -> CRACTLoss:
    """The loss of one batch of B positive pairs. `gt` (B, 4): each search crop's target as
    corners ``x1, y1, x2, y2`` in its pixels (pixel i at i, width x2 - x1, pysot's convention).
    `rng` draws every random choice (anchor and proposal sampling, jitters)."""
    gt = np.asarray(gt)  # every use reads its values as Python floats
    batch = search.cls.shape[0]
    if gt.shape != (batch, 4):
        raise ValueError(f"gt must be (B, 4) = ({batch}, 4) corners, one per pair; got {gt.shape}")
    score_size = search.cls.shape[-1]
    centre = STRIDE * (search.features.shape[-1] - 1) / 2 + FIRST_CENTRE
    grid = anchor_grid(anchors, score_size) + np.array([centre, centre, 0, 0])

    targets = [anchor_targets(grid, box, rng) for box in gt]
    shape = (batch, anchors.count, score_size, score_size)
    as_tensor = lambda values: search.cls.new_tensor(np.stack(values))  # noqa: E731
    rpn = rpn_loss(
        search.cls, search.loc,
        as_tensor([t.labels.reshape(shape[1:]) for t in targets]),
        as_tensor([t.deltas.T.reshape(4, *shape[1:]) for t in targets]),
        as_tensor([t.weights.reshape(shape[1:]) for t in targets]),
    )

    logits, deltas = search.cls.detach().float().cpu().numpy(), search.loc.detach().float().cpu().numpy()
    pools = [proposal_pool(logits[b], deltas[b], grid, gt[b], rng) for b in range(batch)]

    regress = [label_and_sample(pool, gt[b], rng, REGRESSION_MAX, REGRESSION_MAX) for b, pool in enumerate(pools)]
    rois, index = _pooled(model, search, [s.boxes for s in regress])
    predicted = model.regress(rois, template.roi[index])
    wanted = np.concatenate([encode(s.boxes, gt[b]) for b, s in enumerate(regress)])
    reg = regression_loss(predicted, predicted.new_tensor(wanted))

    with torch.no_grad():
        pool_rois, pool_index = _pooled(model, search, pools)
        offsets = model.regress(pool_rois, template.roi[pool_index]).float().cpu().numpy()
    split = np.cumsum([len(p) for p in pools])[:-1]
    refined = [refine(pool, o) for pool, o in zip(pools, np.split(offsets, split))]
    identify = [label_and_sample(r, gt[b], rng, IDENTIFIER_POS_MAX, IDENTIFIER_MAX) for b, r in enumerate(refined)]
    rois, index = _pooled(model, search, [s.boxes for s in identify])
    labels = rois.new_tensor(np.concatenate([s.labels for s in identify]), dtype=torch.long)
    ide = identification_loss(model.identify(rois, template.roi[index]), labels)

    positives = int((labels == 1).sum())
    return CRACTLoss(
        total=rpn.total + reg + ide, rpn=rpn.total, reg=reg, ide=ide, rpn_cls=rpn.cls, rpn_loc=rpn.loc,
        regression_samples=len(predicted), identifier_positives=positives, identifier_negatives=len(labels) - positives,
    )
