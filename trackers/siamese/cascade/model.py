"""The cascaded Siamese RPN network: AlexNet conv3/conv4/conv5, one fusion block per added stage,
one RPN head per stage (C-RPN Eq. 2-3, Fig. 2; SCTRPN Eq. 2-3).

Parameter names: ``backbone.features.*`` (the released AlexNet's, so ImageNet/pysot AlexNet weights
fit), ``rpn1..3.*`` (the heads' own names, e.g. ``rpn1.template_cls_conv``), ``fuse2``/``fuse3``
(``.deconv`` for the FTB; ``.locnet``, ``.project`` for the spatial transformer). The network is
anchor-free: it returns every stage's maps, and the cascade (which anchors survive, where they
move) is worked out on them by `stages`, at tracking and at training time alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trackers.siamese.backbones.alexnet import AlexNet
from trackers.siamese.cascade.config import CascadeModelConfig, CascadeVariant
from trackers.siamese.cascade.ftb import FTB
from trackers.siamese.cascade.stn import STNFusion
from trackers.siamese.rpn import DepthwiseRPN, UpChannelRPN

StageMaps = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class CascadeTemplate:
    """Each stage's RPN kernels of the template, computed once per target."""

    kernels: tuple[tuple[torch.Tensor, ...], ...]


class CascadeRPN(nn.Module):
    def __init__(self, config: CascadeModelConfig, anchor_count: int) -> None:
        super().__init__()
        self.stages = config.stages
        self.backbone = AlexNet(config.width_mult, layers=tuple(range(6 - config.stages, 6)))
        widths = self.backbone.out_channels[::-1]  # deep to shallow: conv5, conv4, conv3
        head = UpChannelRPN if config.head == "up" else DepthwiseRPN
        fusion = FTB if config.fusion == "ftb" else STNFusion
        self.rpn1 = head(anchor_count, widths[0])
        for stage in range(2, config.stages + 1):
            self.add_module(f"fuse{stage}", fusion(widths[stage - 2], widths[stage - 1]))
            self.add_module(f"rpn{stage}", head(anchor_count, widths[stage - 1]))

    def fused(self, image: torch.Tensor, stages: int) -> list[torch.Tensor]:
        """Φ_1..Φ_stages: conv5, then each shallower layer fused with the stage before (Eq. 2)."""
        layers = self.backbone(image)[::-1]
        features = [layers[0]]
        for stage in range(2, stages + 1):
            features.append(getattr(self, f"fuse{stage}")(features[-1], layers[stage - 1]))
        return features

    def template(self, z: torch.Tensor) -> CascadeTemplate:
        """Template branch, for (B, 3, 127, 127) crops of raw BGR values 0..255."""
        features = self.fused(z, self.stages)
        return CascadeTemplate(tuple(
            tuple(getattr(self, f"rpn{stage}").template_kernels([phi])) for stage, phi in enumerate(features, start=1)
        ))

    def track(self, x: torch.Tensor, template: CascadeTemplate, stages: int | None = None) -> list[StageMaps]:
        """The (B, 2k, n, n) classification and (B, 4k, n, n) regression maps of the first `stages`
        stages (all by default) for (B, 3, S, S) search crops."""
        stages = self.stages if stages is None else stages
        if not 1 <= stages <= self.stages:
            raise ValueError(f"stages={stages}; this network has {self.stages}")
        features = self.fused(x, stages)
        return [
            getattr(self, f"rpn{stage}")(list(template.kernels[stage - 1]), [phi])
            for stage, phi in enumerate(features, start=1)
        ]

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> list[StageMaps]:
        return self.track(x, self.template(z))


def build_cascade_model(variant: CascadeVariant) -> CascadeRPN:
    """An untrained network of the variant's shape, in eval mode (batch norm from running stats)."""
    return CascadeRPN(variant.model, variant.anchors.count).eval()
