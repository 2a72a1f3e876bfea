"""The Siamese RPN network: shared backbone, optional adjust layers, an RPN head.

Module names (`backbone`, `neck`, `rpn_head` and below) are those of the authors' released
checkpoints, so their state dicts load as they are (see `checkpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trackers.base import TrackerError
from trackers.siamese.backbones import build_backbone
from trackers.siamese.config import ModelConfig, Variant
from trackers.siamese.neck import Neck
from trackers.siamese.rpn import DepthwiseRPN, MultiRPN, UpChannelRPN


@dataclass(frozen=True)
class Template:
    """What the per-frame work needs of the template: the RPN kernels, computed once."""

    kernels: tuple[torch.Tensor, ...]


class SiameseRPN(nn.Module):
    def __init__(self, config: ModelConfig, anchor_count: int) -> None:
        super().__init__()
        self.backbone = build_backbone(config.backbone, config.width_mult)
        produced: tuple[int, ...] = self.backbone.out_channels
        self.neck: Neck | None = None
        if config.adjust_in:
            if tuple(config.adjust_in) != produced:
                raise TrackerError(f"adjust layers take {config.adjust_in} channels but {config.backbone} gives {produced}")
            self.neck = Neck(produced, config.channels, config.center_size)
            produced = (config.channels,) * len(produced)
        if any(c != config.channels for c in produced):
            raise TrackerError(f"the RPN takes {config.channels} channels but receives {produced}")
        if config.head == "up" and len(produced) == 1:
            self.rpn_head: nn.Module = UpChannelRPN(anchor_count, config.channels)
        elif config.head == "dw" and len(produced) == 1:
            self.rpn_head = DepthwiseRPN(anchor_count, config.channels)
        elif config.head == "dw":
            self.rpn_head = MultiRPN(anchor_count, produced, config.weighted)
        else:
            raise TrackerError(f"head {config.head!r} with {len(produced)} feature maps is not a known RPN (up: one map; dw: any)")

    def _features(self, image: torch.Tensor, template: bool) -> list[torch.Tensor]:
        features = self.backbone(image)
        return features if self.neck is None else self.neck(features, template)

    def template(self, z: torch.Tensor) -> Template:
        """Template branch, for (B, 3, 127, 127) crops of raw BGR values 0..255."""
        return Template(tuple(self.rpn_head.template_kernels(self._features(z, template=True))))

    def track(self, x: torch.Tensor, template: Template) -> tuple[torch.Tensor, torch.Tensor]:
        """Search branch for (B, 3, S, S) crops against a template of batch 1 or B.

        Returns the (B, 2k, n, n) classification and (B, 4k, n, n) regression maps.
        """
        return self.rpn_head(list(template.kernels), self._features(x, template=False))

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(x, self.template(z))


def build_model(variant: Variant) -> SiameseRPN:
    """An untrained network of the variant's shape, in eval mode (batch norm from running stats)."""
    return SiameseRPN(variant.model, variant.anchors.count).eval()
