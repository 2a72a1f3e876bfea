"""SCTRPN's shrinkage classification loss (Sec. 3.3, Eq. 8-10).

The log loss l = -log p_t of an anchor (p_t: its probability of the labelled class) is weighted by
the sigmoid-shaped factor f(l) = 1 / (1 + exp(a (c - l))) (Eq. 8): L = l f(l) (Eq. 9). With
exp(-a l) = p_t^a this is Eq. 10 read with p_t, L = -log p_t / (1 + e^{a c} p_t^a); the printed
"(p_i)^{p_i*}" is p_t only for positives. Easy anchors (p_t -> 1, l -> 0) keep 1 / (1 + e^{a c})
of their loss (0.119 at a = 10, c = 0.2); hard ones (l well above c) keep all of it.
"""

from __future__ import annotations

import torch

A, C = 10.0, 0.2


def shrinkage_loss(log_p_true: torch.Tensor, a: float = A, c: float = C) -> torch.Tensor:
    """Per-anchor shrinkage loss from the log-probability of each anchor's labelled class."""
    loss = -log_p_true
    return loss * torch.sigmoid(a * (loss - c))
