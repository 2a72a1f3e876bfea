"""What each tracker brings to training: one `TrainingSpec` entry per tracker in `SPECS`.

The trainer knows nothing else about a tracker. An entry says

- `recipe`: its authors' hyper-parameters, as changes to `config.TrainConfig`'s defaults;
- `variant(width)`: the network's shape at a width multiplier (1.0: the released network), the
  `Variant` saved in every checkpoint so that the tracker plugin rebuilds the same network;
- `build(variant)`: the torch module; ``module(template, search)`` returns its outputs for a batch
  of (B, 3, 127, 127) templates and (B, 3, 255, 255) search crops (raw BGR values 0..255);
- `output_size`: the side S of its score map at those sizes; training anchors are k per cell of
  an S x S grid centred on search pixel 127 (`anchor_target.training_anchors`);
- `targets(anchors, box, negative, rng)`: per-pair arrays made in the data-loading processes
  (None when the loss makes its own targets from the outputs, as cascades do);
- `loss(outputs, batch, context)`: a `LossResult` (total, named parts) for a batch;
- `proposals(outputs, anchors)`: (B, N) scores and (B, N, 4) corner boxes in search pixels, for
  the held-out IoU of the top proposal;
- `backbone`: the name of the backbone module; `config.BackboneSchedule` freezes it and picks its
  trainable layers; every other top-level module trains at the base rate, in a group of its name.

C-RPN, SCTRPN and CRACT each add one entry whose `loss` calls their own loss function with the
batch's search-crop corner boxes (``batch["box"]``), the anchors and ``context.rng``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn

from trackers.siamese.anchors import MAX_LOG_SCALE
from trackers.siamese.backbones import build_backbone
from trackers.siamese.config import VARIANTS, Variant
from trackers.siamese.losses import rpn_log_softmax, rpn_loss
from trackers.siamese.model import SiameseRPN
from trackers.training.anchor_target import pair_targets
from trackers.training.errors import TrainingError
from trackers.training.schedule import Phase

Batch = Mapping[str, torch.Tensor]


@dataclass(frozen=True)
class LossContext:
    anchors: torch.Tensor  # (N, 4) cx, cy, w, h in search-crop pixels, on the batch's device
    rng: np.random.Generator  # for losses that sample (cascade stages); one per step and worker
    cls_weight: float
    loc_weight: float


@dataclass(frozen=True)
class LossResult:
    total: torch.Tensor
    parts: dict[str, torch.Tensor]


@dataclass(frozen=True)
class TrainingSpec:
    name: str
    recipe: Mapping[str, Any]
    variant: Callable[[float], Variant]
    build: Callable[[Variant], nn.Module]
    output_size: int
    targets: Callable[[np.ndarray, np.ndarray, bool, np.random.Generator], dict[str, np.ndarray]] | None
    loss: Callable[[Any, Batch, LossContext], LossResult]
    proposals: Callable[[Any, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    backbone: str = "backbone"


def thin_variant(name: str, width: float) -> Variant:
    """`VARIANTS[name]` with every layer's channels scaled by `width` (1.0 returns it unchanged)."""
    variant = VARIANTS[name]
    if width == 1.0:
        return variant
    model = variant.model
    width_mult = model.width_mult * width
    adjust_in = build_backbone(model.backbone, width_mult).out_channels if model.adjust_in else ()
    return dataclasses.replace(variant, model=dataclasses.replace(
        model, width_mult=width_mult, adjust_in=tuple(adjust_in), channels=int(model.channels * width)))


def build_rpn(variant: Variant) -> nn.Module:
    return SiameseRPN(variant.model, variant.anchors.count)


def rpn_targets(anchors: np.ndarray, box: np.ndarray, negative: bool, rng: np.random.Generator,
                size: int) -> dict[str, np.ndarray]:
    t = pair_targets(anchors, box, negative, size, rng)
    return {"labels": t.labels, "deltas": t.deltas, "weights": t.weights}


def rpn_training_loss(outputs: tuple[torch.Tensor, torch.Tensor], batch: Batch, context: LossContext) -> LossResult:
    cls, loc = outputs
    loss = rpn_loss(cls, loc, batch["labels"], batch["deltas"], batch["weights"], context.cls_weight, context.loc_weight)
    return LossResult(loss.total, {"cls": loss.cls, "loc": loss.loc})


def rpn_proposals(outputs: tuple[torch.Tensor, torch.Tensor], anchors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Foreground probability and decoded corner box of every anchor (anchor-major order)."""
    cls, loc = outputs
    b = cls.shape[0]
    scores = rpn_log_softmax(cls)[..., 1].exp().reshape(b, -1)
    d = loc.reshape(b, 4, -1)
    cx = anchors[:, 0] + d[:, 0] * anchors[:, 2]
    cy = anchors[:, 1] + d[:, 1] * anchors[:, 3]
    w = anchors[:, 2] * d[:, 2].clamp(max=MAX_LOG_SCALE).exp()
    h = anchors[:, 3] * d[:, 3].clamp(max=MAX_LOG_SCALE).exp()
    return scores, torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


def _rpn_spec(name: str, output_size: int, recipe: Mapping[str, Any]) -> TrainingSpec:
    return TrainingSpec(name, recipe, partial(thin_variant, name), build_rpn, output_size,
                        partial(rpn_targets, size=output_size), rpn_training_loss, rpn_proposals)


# pysot experiments/siamrpn_r50_l234_dwxcorr_8gpu (TrainConfig's defaults are this recipe).
_R50 = {"backbone": {"train_layers": ("layer2", "layer3", "layer4"), "layers_lr": 0.1}}
# pysot experiments/siamrpn_alex_dwxcorr_16gpu: BASE_LR 0.005 under a schedule starting at 0.01,
# so every group runs at half the schedule; conv4 and conv5 (our features.11/12, 14/15) from epoch 10.
_ALEX = {
    "epochs": 50, "batch": 128, "base_lr": 0.005, "neg": 0.05,
    "warmup": Phase("step", 5, 0.005, 0.01, step=1), "lr": Phase("log", 45, 0.01, 0.0005),
    "backbone": {"train_layers": ("features.11", "features.12", "features.14", "features.15"), "layers_lr": 1.0},
}
# The MobileNetV2 variant trains like ResNet-50 with its output stages 3, 5 and 7 (the TRAIN_LAYERS
# of the pysot-derived configs that ship this model; pysot's own training config was not available).
_MOBILE = {"backbone": {"train_layers": ("layer3", "layer5", "layer7"), "layers_lr": 0.1}}
# SiamRPN Sec. 5.1: conv1-3 fixed and conv4-5 fine-tuned throughout, 50 epochs, log-space 1e-2 to
# 1e-6, no warm-up; no negative pairs (they came with DaSiamRPN). Batch: not given, pysot AlexNet's.
_UP = {
    "epochs": 50, "batch": 128, "base_lr": 0.01, "neg": 0.0, "warmup": None, "lr": Phase("log", 50, 0.01, 1e-6),
    "backbone": {"train_epoch": 0, "train_layers": ("features.11", "features.12", "features.14", "features.15"),
                 "layers_lr": 1.0},
}

SPECS: dict[str, TrainingSpec] = {
    spec.name: spec
    for spec in (
        _rpn_spec("siamrpn", 17, _UP),
        _rpn_spec("siamrpnpp", 25, _R50),
        _rpn_spec("siamrpnpp-alex", 17, _ALEX),
        _rpn_spec("siamrpnpp-mobilev2", 25, _MOBILE),
    )
}


def spec_for(name: str) -> TrainingSpec:
    if name not in SPECS:
        raise TrainingError(f"no training recipe for tracker {name!r}; trainable: {', '.join(SPECS)}")
    return SPECS[name]
