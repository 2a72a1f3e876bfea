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
  trainable layers; every other top-level module trains at the base rate, in a group of its name;
- `forward(module, batch)`: the outputs the loss takes (default ``module(template, search)``);
- `negative_pairs`: whether the loss has a negative-pair path; a recipe of a tracker whose loss
  has none must draw no negative pairs (``neg`` 0), which `trainer.check_recipe` enforces.

C-RPN, SCTRPN and CRACT (`cascade_spec`, `CRACT_SPEC`) call their own loss functions with the
batch's search-crop corner boxes (``batch["box"]``) and ``context.rng`` (the cascades also with the
anchors; CRACT's loss lays its own grid on its maps). Their papers
train on pairs of one sequence only (no negative pairs), and their losses label every pair against
its box, so they train with ``neg`` 0 (docs/training.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn

from trackers.cract.config import VARIANTS as CRACT_VARIANTS
from trackers.cract.config import CRACTVariant
from trackers.cract.losses import training_losses
from trackers.cract.model import build_model as build_cract
from trackers.siamese.anchors import MAX_LOG_SCALE
from trackers.siamese.backbones import build_backbone
from trackers.siamese.cascade.config import CASCADE_VARIANTS, CascadeVariant
from trackers.siamese.cascade.loss import cascade_loss
from trackers.siamese.cascade.model import build_cascade_model
from trackers.siamese.cascade.stages import run_cascade
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


def pair_forward(module: nn.Module, batch: Batch) -> Any:
    return module(batch["template"], batch["search"])


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
    forward: Callable[[nn.Module, Batch], Any] = pair_forward
    negative_pairs: bool = True


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


def corners_to_centre(boxes: torch.Tensor) -> torch.Tensor:
    """(B, 4) ``x1, y1, x2, y2`` to ``cx, cy, w, h``."""
    return torch.cat([(boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]], dim=1)


def cascade_variant(name: str, width: float) -> CascadeVariant:
    """`CASCADE_VARIANTS[name]` with every AlexNet channel (and so every stage) scaled by `width`."""
    variant = CASCADE_VARIANTS[name]
    if width == 1.0:
        return variant
    return dataclasses.replace(variant, model=dataclasses.replace(variant.model, width_mult=variant.model.width_mult * width))


def cascade_training_loss(outputs: list[tuple[torch.Tensor, torch.Tensor]], batch: Batch, context: LossContext,
                          variant: CascadeVariant) -> LossResult:
    """The tracker's own cascade loss (`cascade.loss.cascade_loss`, its paper's labels, classification
    loss and smooth L1) with λ = `context.loc_weight`; the total is cls_weight x Σ cls + λ x Σ loc
    over the stages, which is its Eq. 7 at the recipe's cls_weight 1."""
    config = dataclasses.replace(variant.loss, loc_weight=context.loc_weight)
    loss = cascade_loss(outputs, context.anchors.cpu().numpy(), batch["box"].detach().cpu().numpy(), context.rng, config)
    cls = torch.stack([stage.cls for stage in loss.stages]).sum()
    loc = torch.stack([stage.loc for stage in loss.stages]).sum()
    stages = {f"stage{i}": stage.total for i, stage in enumerate(loss.stages, start=1)}
    return LossResult(context.cls_weight * cls + context.loc_weight * loc, {"cls": cls, "loc": loc, **stages})


def cascade_proposals(outputs: list[tuple[torch.Tensor, torch.Tensor]], anchors: torch.Tensor,
                      theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The last stage's proposals as the tracker makes them (`stages.run_cascade`): every anchor
    refined stage by stage, scored by the last stage's foreground probability; anchors a θ filter
    dropped (the last stage's included) score -1."""
    grid = anchors.detach().cpu().numpy().astype(np.float64)
    maps = [(cls.detach().double().cpu().numpy(), loc.detach().double().cpu().numpy()) for cls, loc in outputs]
    scores, boxes = [], []
    for b in range(len(maps[0][0])):
        last = run_cascade([(cls[b], loc[b]) for cls, loc in maps], grid, theta)[-1]
        scores.append(np.where(last.survivors, last.scores, -1.0))
        centre, size = last.refined[:, :2], last.refined[:, 2:]
        boxes.append(np.concatenate([centre - size / 2, centre + size / 2], axis=1))
    as_tensor = partial(torch.as_tensor, dtype=torch.float32, device=anchors.device)
    return as_tensor(np.stack(scores)), as_tensor(np.stack(boxes))


def cascade_spec(name: str, recipe: Mapping[str, Any]) -> TrainingSpec:
    theta = CASCADE_VARIANTS[name].cascade.theta
    return TrainingSpec(name, recipe, partial(cascade_variant, name), build_cascade_model, 17, None,
                        partial(cascade_training_loss, variant=CASCADE_VARIANTS[name]),
                        partial(cascade_proposals, theta=theta), negative_pairs=False)


def cract_variant(width: float) -> CRACTVariant:
    """CRACT with the backbone, fused map, RPN and heads scaled by `width` (0.25 is `cract-thin`'s
    network); below full width the online discriminator is cract-thin's (32 projections, 32 hidden)."""
    variant = CRACT_VARIANTS["cract"]
    if width == 1.0:
        return variant
    model = variant.model
    thin = dataclasses.replace(model, width_mult=model.width_mult * width, channels=int(model.channels * width),
                               head_conv=int(model.head_conv * width), head_fc=int(model.head_fc * width))
    return dataclasses.replace(variant, model=thin, online=CRACT_VARIANTS["cract-thin"].online)


def cract_forward(module: nn.Module, batch: Batch) -> tuple[nn.Module, Any, Any]:
    """(the network, its template and search outputs): the loss runs the regressor and identifier
    on the proposals it samples, so it needs the network itself (under DDP, the wrapped module,
    whose gradient hooks sit on the parameters; CRACT was not trained on two workers here)."""
    net = module.module if isinstance(module, nn.parallel.DistributedDataParallel) else module
    template, search = module(batch["template"], corners_to_centre(batch["template_box"]), batch["search"])
    return net, template, search


def cract_training_loss(outputs: tuple[nn.Module, Any, Any], batch: Batch, context: LossContext) -> LossResult:
    """CRACT's own loss (`cract.losses.training_losses`: l_rpn + l_reg + l_ide); the RPN part is
    reweighted with the configured cls/loc weights (pysot's 1.0 / 1.2, which it uses, by default)."""
    net, template, search = outputs
    loss = training_losses(net, template, search, batch["box"].detach().cpu().numpy().astype(np.float64), context.rng)
    total = context.cls_weight * loss.rpn_cls + context.loc_weight * loss.rpn_loc + loss.reg + loss.ide
    return LossResult(total, {"cls": loss.rpn_cls, "loc": loss.rpn_loc, "reg": loss.reg, "ide": loss.ide})


def cract_proposals(outputs: tuple[nn.Module, Any, Any], anchors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The RPN's proposals (the first stage of the cascade; regression and identification follow at tracking)."""
    _, _, search = outputs
    return rpn_proposals((search.cls, search.loc), anchors)


# C-RPN Sec. 4.1: conv1-2 frozen (ImageNet AlexNet), 50 epochs, learning rate annealed geometrically
# from 1e-2 to 1e-6, pairs of one sequence "as in SiamRPN" (no negative pairs), λ 1. Batch: not
# given, SiamRPN's (pysot AlexNet's) 128.
_CRPN = {
    "epochs": 50, "batch": 128, "base_lr": 0.01, "neg": 0.0, "warmup": None, "lr": Phase("log", 50, 0.01, 1e-6),
    "cls_weight": 1.0, "loc_weight": 1.0,
    "backbone": {"train_epoch": 0, "layers_lr": 1.0,
                 "train_layers": ("features.8", "features.9", "features.11", "features.12", "features.14", "features.15")},
}
# SCTRPN Sec. 4.2: 40 epochs of SGD; 5 warm-up epochs at 1e-3 training the RPN branches (backbone
# frozen), then the whole network end to end with the rate decayed exponentially to 1e-5 (the
# text says "the last 15 epochs", which with 5 + 15 leaves 20 of the 40 unaccounted: the decay
# runs over the remaining 35). Pairs of one sequence, ξ 1. Batch: not given, as C-RPN.
_SCTRPN = {
    "epochs": 40, "batch": 128, "base_lr": 0.001, "neg": 0.0, "warmup": Phase("step", 5, 0.001),
    "lr": Phase("log", 35, 0.001, 1e-5), "cls_weight": 1.0, "loc_weight": 1.0,
    "backbone": {"train_epoch": 5, "train_layers": ("*",), "layers_lr": 1.0},
}
# CRACT Sec. 4: ImageNet ResNet-18, end to end, SGD, 50 epochs, learning rate 1e-2 "with a decay of
# 1e-4" (read as log-spaced from 1e-2 to 1e-4, the per-epoch annealing of the authors' C-RPN; weight
# decay stays pysot's 1e-4). Batch: not given, pysot ResNet's 28 per GPU (one GTX 1080 here).
_CRACT = {
    "epochs": 50, "batch": 28, "base_lr": 0.01, "neg": 0.0, "warmup": None, "lr": Phase("log", 50, 0.01, 1e-4),
    "backbone": {"train_epoch": 0, "train_layers": ("*",), "layers_lr": 1.0},
}

CRACT_SPEC = TrainingSpec("cract", _CRACT, cract_variant, build_cract, 25, None, cract_training_loss, cract_proposals,
                          forward=cract_forward, negative_pairs=False)

SPECS: dict[str, TrainingSpec] = {
    spec.name: spec
    for spec in (
        _rpn_spec("siamrpn", 17, _UP),
        _rpn_spec("siamrpnpp", 25, _R50),
        _rpn_spec("siamrpnpp-alex", 17, _ALEX),
        _rpn_spec("siamrpnpp-mobilev2", 25, _MOBILE),
        cascade_spec("crpn", _CRPN),
        cascade_spec("sctrpn", _SCTRPN),
        CRACT_SPEC,
    )
}


def spec_for(name: str) -> TrainingSpec:
    if name not in SPECS:
        raise TrainingError(f"no training recipe for tracker {name!r}; trainable: {', '.join(SPECS)}")
    return SPECS[name]
