"""CRACT's offline layers beyond the backbone: the block-3/4 fusion and the relation heads.

The box regressor R (Eq. 3) and the identifier I (Eq. 6) share one shape, as the paper describes
both: the proposal's and the initial target's pyramid features concatenated, one conv layer and
three fc layers, to 4 box offsets or 2 logits (background, target).
"""

from __future__ import annotations

import torch
from torch import nn


class Fusion(nn.Module):
    """phi_34 = conv(concat(phi_3, phi_4)) (Sec. 3.2.1): a 1x1 conv-bn-relu to `channels`."""

    CONV_BN_PAIRS = (("conv", "bn"),)  # folded for tracking (trackers.siamese.inference)

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, block3: torch.Tensor, block4: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(torch.cat([block3, block4], dim=1))))


class RelationHead(nn.Module):
    """conv 3x3 (padded) + relu on the concatenated pair, then fc-relu, fc-relu, fc.

    The last layer starts near zero (std `out_std`, as Fast R-CNN initialises its box and class
    outputs), so an untrained regressor leaves the proposals where they are.
    """

    def __init__(self, in_channels: int, conv_channels: int, pool: int, hidden: int, outputs: int, out_std: float) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2 * in_channels, conv_channels, 3, padding=1)
        self.fc1 = nn.Linear(conv_channels * pool * pool, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, outputs)
        self.relu = nn.ReLU(inplace=True)
        nn.init.normal_(self.fc3.weight, std=out_std)
        nn.init.zeros_(self.fc3.bias)

    def forward(self, proposals: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
        """(N, C, P, P) proposal features against (1 or N, C, P, P) initial-target features -> (N, outputs)."""
        pair = torch.cat([proposals, template.expand(proposals.shape[0], -1, -1, -1)], dim=1)
        x = self.relu(self.conv(pair)).flatten(1)
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))
