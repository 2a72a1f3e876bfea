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


def _mean_nll(log_probs: torch.Tensor, labels: torch.Tensor, value: int) -> torch.Tensor:
    chosen = torch.nonzero(labels == value).squeeze(1)
    if chosen.numel() <= 1:  # pysot's squeeze() quirk: a single selected anchor counts as none
        return log_probs.new_zeros(())
    return F.nll_loss(log_probs[chosen], labels[chosen])


def select_cross_entropy(log_probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """0.5 x mean NLL over the positives (label 1) + 0.5 x mean over the negatives (label 0) of the
    whole batch; label -1 is ignored. `log_probs` (..., 2) and `labels` (...) in the same order."""
    flat, flat_labels = log_probs.reshape(-1, 2), labels.reshape(-1).long()
    return 0.5 * _mean_nll(flat, flat_labels, 1) + 0.5 * _mean_nll(flat, flat_labels, 0)


def weighted_l1(loc: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Σ weight x Σ_d |loc - target| over anchors, ÷ batch. `loc` (B, 4k, H, W) with channels
    dx of every anchor, then dy, dw, dh; `targets` (B, 4, k, H, W); `weights` (B, k, H, W)."""
    b, k4, h, w = loc.shape
    diff = (loc.view(b, 4, k4 // 4, h, w) - targets).abs().sum(dim=1)
    return (diff * weights).sum() / b


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
