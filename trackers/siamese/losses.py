"""The Siamese RPN training loss as pysot computes it (STVIR/pysot@d04028f pysot/models/loss.py and
`ModelBuilder.log_softmax`/`forward`): a two-class cross entropy averaged over the batch's selected
positives and, separately, its selected negatives (0.5 each), plus an L1 regression loss weighted per
anchor (1 / positives of the pair) and divided by the batch size; total = 1.0 cls + 1.2 loc.

One quirk is kept on purpose, because it is what the released models were trained with: pysot
selects anchors with ``nonzero().squeeze()``, so when a whole batch has exactly one positive (or
one negative) the selection collapses to a scalar and that term is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

CLS_WEIGHT, LOC_WEIGHT = 1.0, 1.2


@dataclass(frozen=True)
class RPNLoss:
    total: torch.Tensor
    cls: torch.Tensor
    loc: torch.Tensor


def rpn_log_softmax(cls: torch.Tensor) -> torch.Tensor:
    """(B, 2k, H, W) logits (all k background channels, then all k foreground) to (B, k, H, W, 2)
    log-probabilities (background, foreground)."""
    b, k2, h, w = cls.shape
    return F.log_softmax(cls.view(b, 2, k2 // 2, h, w).permute(0, 2, 3, 4, 1), dim=4)


def true_class_log_prob(log_probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(...) log-probability of each anchor's labelled class from (..., 2) `log_probs` (label -1
    reads the background one; such anchors are never selected)."""
    return log_probs.gather(-1, labels.long().clamp(min=0).unsqueeze(-1)).squeeze(-1)


def select_mean(per_anchor: torch.Tensor, labels: torch.Tensor, pysot_quirk: bool = False) -> torch.Tensor:
    """0.5 x mean of a per-anchor loss over the positives (label 1) + 0.5 x mean over the negatives
    (label 0) of the whole batch; label -1 is ignored, and a class with no anchor adds 0. With
    `pysot_quirk`, a class with exactly one anchor also adds 0 (pysot's ``nonzero().squeeze()``)."""
    flat, flat_labels = per_anchor.reshape(-1), labels.reshape(-1)
    total = per_anchor.new_zeros(())
    for value in (1, 0):
        chosen = torch.nonzero(flat_labels == value).squeeze(1)
        if chosen.numel() > (1 if pysot_quirk else 0):
            total = total + 0.5 * flat[chosen].mean()
    return total


def select_cross_entropy(log_probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """pysot's: `select_mean` of the negative log-likelihood, with the squeeze quirk.
    `log_probs` (..., 2) and `labels` (...) in the same order."""
    return select_mean(-true_class_log_prob(log_probs, labels), labels, pysot_quirk=True)


def weighted_smooth_l1(loc: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """Σ weight x Σ_d smooth-L1(loc - target) over anchors, ÷ batch; `beta` is where the quadratic
    part ends (1: Fast R-CNN's smooth L1; 0: plain L1). `loc` (B, 4k, H, W) with channels dx of
    every anchor, then dy, dw, dh; `targets` (B, 4, k, H, W); `weights` (B, k, H, W)."""
    b, k4, h, w = loc.shape
    diff = F.smooth_l1_loss(loc.view(b, 4, k4 // 4, h, w), targets, reduction="none", beta=beta).sum(dim=1)
    return (diff * weights).sum() / b


def weighted_l1(loc: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """pysot's regression loss: `weighted_smooth_l1` with beta 0, i.e. Σ weight x Σ_d |loc - target|."""
    return weighted_smooth_l1(loc, targets, weights, beta=0.0)


def rpn_loss(
    cls: torch.Tensor,
    loc: torch.Tensor,
    labels: torch.Tensor,
    loc_targets: torch.Tensor,
    loc_weights: torch.Tensor,
    cls_weight: float = CLS_WEIGHT,
    loc_weight: float = LOC_WEIGHT,
) -> RPNLoss:
    """The loss of one batch of RPN outputs against `targets.anchor_targets` stacked per pair
    (`labels` (B, k, H, W), `loc_targets` (B, 4, k, H, W), `loc_weights` (B, k, H, W))."""
    cls_loss = select_cross_entropy(rpn_log_softmax(cls), labels)
    loc_loss = weighted_l1(loc, loc_targets, loc_weights)
    return RPNLoss(cls_weight * cls_loss + loc_weight * loc_loss, cls_loss, loc_loss)
