"""Thin versions of every Siamese variant, with seeded random weights and batch norms whose
statistics are not the identity (so that folding them changes the weights), for the inference and
batching tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from torch import nn

from trackers.cract.config import VARIANTS as CRACT_VARIANTS
from trackers.siamese.backbones import build_backbone
from trackers.siamese.cascade.config import CASCADE_VARIANTS, CascadeModelConfig
from trackers.siamese.config import VARIANTS, Variant

# plugin name -> the variant's name in its table
PLUGINS = {"siamrpn": "siamrpn", "siamrpnpp": "siamrpnpp", "siamrpnpp-alex": "siamrpnpp-alex",
           "siamrpnpp-mobilev2": "siamrpnpp-mobilev2", "crpn": "crpn", "sctrpn": "sctrpn"}


def _thin(name: str) -> Variant:
    variant = VARIANTS[name]
    m = variant.model
    if m.backbone == "alexnet":
        return dataclasses.replace(variant, model=dataclasses.replace(m, width_mult=0.25, channels=64))
    width = 0.25 if m.backbone == "resnet50" else 0.35
    adjust = tuple(build_backbone(m.backbone, width).out_channels)
    return dataclasses.replace(variant, model=dataclasses.replace(m, width_mult=width, adjust_in=adjust, channels=32))


def thin_variant(plugin: str) -> Variant:
    name = PLUGINS[plugin]
    if name in CASCADE_VARIANTS:
        variant = CASCADE_VARIANTS[name]
        return dataclasses.replace(variant, model=CascadeModelConfig(variant.model.fusion, 3, "up", 0.25))
    return _thin(name)


def thin_cract():
    return CRACT_VARIANTS["cract-thin"]


def shake_batch_norms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random running statistics and affine parameters, as a trained network has."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
            n = bn.num_features
            bn.running_mean.copy_(torch.randn(n, generator=generator) * 0.5)
            bn.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.25)
            bn.weight.copy_(torch.rand(n, generator=generator) + 0.5)
            bn.bias.copy_(torch.randn(n, generator=generator) * 0.2)
    return model


def build_thin(plugin: str) -> tuple[nn.Module, Variant]:
    from trackers.siamese.cascade.model import build_cascade_model
    from trackers.siamese.model import build_model

    variant = thin_variant(plugin)
    torch.manual_seed(0)
    model = build_cascade_model(variant) if isinstance(variant.model, CascadeModelConfig) else build_model(variant)
    return shake_batch_norms(model), variant


def save_thin(plugin: str, root: Path) -> Path:
    """A checkpoint of the thin network in our format, for `get_plugin(plugin, {"weights": ...})`."""
    from trackers.siamese.checkpoint import save_checkpoint

    model, variant = build_thin(plugin)
    path = root / plugin / "model.pth"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(model, path, variant, training={"note": "seeded random weights, thin, for tests"})
    return path
