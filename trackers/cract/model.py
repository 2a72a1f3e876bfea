"""The CRACT network: shared dilated ResNet-18, a depth-wise Siamese RPN on block 4, the fused
block-3/4 map for pyramid RoIAlign, the box regressor and the identifier (Fig. 2 and 3).

The online discriminator is not a module here: it is learned per sequence (`online`) and never
saved. Boxes are in crop pixels (pixel i at i, ``cx, cy, w, h`` unless named corners); the
stride-8 maps put cell m on pixel 8m + 7, so a 255 search crop gives a 31x31 fused map and a
25x25 RPN map, a 127 template a 15x15 fused map (whole, for the target's RoI) and a 7x7 centre
for the RPN kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trackers.cract.config import CRACTModelConfig, CRACTVariant
from trackers.cract.heads import Fusion, RelationHead
from trackers.cract.roi_align import crop_to_cells, pyramid_roi_align
from trackers.siamese.backbones import build_backbone
from trackers.siamese.neck import AdjustLayer, center_crop
from trackers.siamese.rpn import DepthwiseRPN

REGRESSION_STD, IDENTITY_STD = 0.001, 0.01


@dataclass(frozen=True)
class CRACTTemplate:
    """What each frame needs of the first one: the RPN kernels and f_init (Eq. 2)."""

    kernels: tuple[torch.Tensor, ...]
    roi: torch.Tensor


@dataclass(frozen=True)
class SearchOutputs:
    features: torch.Tensor  # phi_34(x), (B, C, H, W)
    cls: torch.Tensor  # (B, 2k, S, S)
    loc: torch.Tensor  # (B, 4k, S, S)


def corners(boxes: torch.Tensor) -> torch.Tensor:
    """(N, 4) ``cx, cy, w, h`` to ``x1, y1, x2, y2``."""
    half = boxes[:, 2:] / 2
    return torch.cat([boxes[:, :2] - half, boxes[:, :2] + half], dim=1)


class CRACTNet(nn.Module):
    def __init__(self, config: CRACTModelConfig, anchor_count: int) -> None:
        super().__init__()
        self.config = config
        self.backbone = build_backbone("resnet18", config.width_mult)
        _, block3, block4 = self.backbone.out_channels
        self.fusion = Fusion(block3 + block4, config.channels)
        self.adjust = AdjustLayer(block4, config.channels)
        self.rpn_head = DepthwiseRPN(anchor_count, config.channels)
        pool, roi = max(config.pool_sizes), config.roi_channels
        self.regressor = RelationHead(roi, config.head_conv, pool, config.head_fc, 4, REGRESSION_STD)
        self.identifier = RelationHead(roi, config.head_conv, pool, config.head_fc, 2, IDENTITY_STD)

    def _maps(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(phi_34, adjusted phi_4) of a batch of crops (raw BGR 0..255)."""
        _, block3, block4 = self.backbone(image)
        return self.fusion(block3, block4), self.adjust(block4)

    def fused(self, x: torch.Tensor) -> torch.Tensor:
        """phi_34 alone (the first frame's search crop, where only the online samples are needed)."""
        _, block3, block4 = self.backbone(x)
        return self.fusion(block3, block4)

    def pool(self, features: torch.Tensor, boxes: torch.Tensor, batch_index: torch.Tensor | None = None) -> torch.Tensor:
        """PRoIAlign of ``cx, cy, w, h`` crop-pixel boxes on a fused map: (N, C x levels, P, P)."""
        if batch_index is None:
            batch_index = boxes.new_zeros(len(boxes), dtype=torch.long)
        cells = crop_to_cells(corners(boxes.to(features.device)))
        return pyramid_roi_align(features, cells, batch_index.to(features.device), self.config.pool_sizes, self.config.sampling)

    def template(self, z: torch.Tensor, boxes: torch.Tensor) -> CRACTTemplate:
        """Template branch for (B, 3, 127, 127) crops and the target's box in each (B, 4)."""
        fused, adjusted = self._maps(z)
        kernels = self.rpn_head.template_kernels([center_crop(adjusted, self.config.center_size)])
        batch_index = torch.arange(len(boxes))
        return CRACTTemplate(tuple(kernels), self.pool(fused, boxes, batch_index))

    def search(self, x: torch.Tensor, template: CRACTTemplate) -> SearchOutputs:
        """Search branch for (B, 3, S, S) crops against a template of batch 1 or B."""
        fused, adjusted = self._maps(x)
        cls, loc = self.rpn_head(list(template.kernels), [adjusted])
        return SearchOutputs(fused, cls, loc)

    def regress(self, rois: torch.Tensor, template_rois: torch.Tensor) -> torch.Tensor:
        """r_i = R(f_i, f_init) (Eq. 3): (N, 4) offsets dx, dy, dw, dh."""
        return self.regressor(rois, template_rois)

    def identify(self, rois: torch.Tensor, template_rois: torch.Tensor) -> torch.Tensor:
        """v_i = I(f~_i, f_init) (Eq. 6): (N, 2) logits (background, target)."""
        return self.identifier(rois, template_rois)

    def forward(self, z: torch.Tensor, z_boxes: torch.Tensor, x: torch.Tensor) -> tuple[CRACTTemplate, SearchOutputs]:
        """Both branches for a batch of pairs, as training runs them."""
        template = self.template(z, z_boxes)
        return template, self.search(x, template)


def build_model(variant: CRACTVariant) -> CRACTNet:
    """An untrained network of the variant's shape, in eval mode (batch norm from running stats)."""
    return CRACTNet(variant.model, variant.anchors.count).eval()
