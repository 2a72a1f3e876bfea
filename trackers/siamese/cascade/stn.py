"""SCTRPN's feature extraction module (Sec. 3.2, Fig. 5): a spatial transformer carries the deeper
stage's feature onto the shallower one's grid, then sum and ReLU (Φ_l = ReLU(P(T(Φ_{l-1})) + φ_l)).

- Localisation net (the paper gives none): 3x3 conv to a quarter of the channels, ReLU, global
  average pool, a linear layer to five numbers: rotation, two log-scales, two translations.
- Each is bounded by a tanh: rotation within ±10° (the paper's limit, "otherwise it is very easy to
  rotate the object upside down"), scales within [1/2, 2], translations within half the map. The
  linear layer starts at zero, i.e. at the identity transform.
- Grid: on top of the learned transform, a fixed scale s_l / s_{l-1} (output over input size) so
  that with the identity the sampler puts deep cell i on shallow cell i + (s_l - s_{l-1}) / 2, the
  cell with the same centre in the image (the alignment C-RPN's deconvolution has); cells beyond the
  deep map's edge are zero. The grid generator thereby also does the paper's "rescaling".
- P, a 1x1 convolution, matches the channels ("the STN matches the feature dimensions").

The module is shared by the template and the search branch (the paper writes only the search
branch); each image gets the transform its own localisation net predicts.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

MAX_ROTATION = math.radians(10.0)
MAX_LOG_SCALE = math.log(2.0)
PARAMETERS = 5  # rotation, log-scale x, log-scale y, translation x, translation y


def affine_matrices(raw: torch.Tensor, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> torch.Tensor:
    """(B, 2, 3) `affine_grid` matrices (output to input, normalised coordinates) from (B, 5) raw
    localisation outputs, each squashed into its range, then scaled by output over input size."""
    angle = MAX_ROTATION * torch.tanh(raw[:, 0])
    scale = torch.exp(MAX_LOG_SCALE * torch.tanh(raw[:, 1:3]))
    shift = torch.tanh(raw[:, 3:5])
    cos, sin = torch.cos(angle), torch.sin(angle)
    rows = torch.stack([
        torch.stack([cos * scale[:, 0], -sin * scale[:, 1], shift[:, 0]], dim=1),
        torch.stack([sin * scale[:, 0], cos * scale[:, 1], shift[:, 1]], dim=1),
    ], dim=1)
    size_ratio = raw.new_tensor([out_hw[1] / in_hw[1], out_hw[0] / in_hw[0]])
    return rows * size_ratio.view(1, 2, 1)


def spatial_transform(features: torch.Tensor, matrices: torch.Tensor, out_hw: tuple[int, int]) -> torch.Tensor:
    """Bilinear sampling of `features` on the grid of `matrices`, `out_hw` cells; zero outside."""
    grid = F.affine_grid(matrices, [features.shape[0], features.shape[1], *out_hw], align_corners=False)
    return F.grid_sample(features, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


class STNFusion(nn.Module):
    def __init__(self, deep_channels: int, shallow_channels: int) -> None:
        super().__init__()
        hidden = max(1, deep_channels // 4)
        self.locnet = nn.Sequential(
            nn.Conv2d(deep_channels, hidden, 3), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(hidden, PARAMETERS),
        )
        nn.init.zeros_(self.locnet[-1].weight)
        nn.init.zeros_(self.locnet[-1].bias)
        self.project = nn.Conv2d(deep_channels, shallow_channels, 1)

    def matrices(self, deep: torch.Tensor, out_hw: tuple[int, int]) -> torch.Tensor:
        return affine_matrices(self.locnet(deep), tuple(deep.shape[-2:]), out_hw)

    def forward(self, deep: torch.Tensor, shallow: torch.Tensor) -> torch.Tensor:
        out_hw = tuple(shallow.shape[-2:])
        moved = spatial_transform(deep, self.matrices(deep, out_hw), out_hw)
        return F.relu(self.project(moved) + shallow)
