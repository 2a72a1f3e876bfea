"""C-RPN's feature transfer block (Sec. 3.4, Fig. 6): Φ_l = ReLU(deconv(Φ_{l-1}) + φ_l).

The deconvolution is 3x3, stride 1, no padding: it maps the deeper feature to the shallower one's
channels and grows it by one cell a side, which is exactly the size step between the no-padding
AlexNet's conv5, conv4 and conv3 (6 -> 8 -> 10 for the template, 22 -> 24 -> 26 for a 255 search),
and puts deep cell i under shallow cell i + 1, the one with the same centre in the image. So every
stage's score map has one size (17x17 at 127/255) and the paper's interpolation is never needed
there; it runs (bilinear) only if the two maps still differ in size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FTB(nn.Module):
    """One block, shared by the template and the search branch (one FTB in the paper's Eq. 2)."""

    def __init__(self, deep_channels: int, shallow_channels: int) -> None:
        super().__init__()
        self.deconv = nn.ConvTranspose2d(deep_channels, shallow_channels, 3)

    def forward(self, deep: torch.Tensor, shallow: torch.Tensor) -> torch.Tensor:
        moved = self.deconv(deep)
        if moved.shape[-2:] != shallow.shape[-2:]:
            moved = F.interpolate(moved, size=shallow.shape[-2:], mode="bilinear", align_corners=False)
        return F.relu(moved + shallow)
