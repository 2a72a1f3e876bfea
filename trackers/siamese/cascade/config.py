"""The two cascaded variants: network shape, cascade and re-ranking settings, training-loss settings.

What the papers give is used as given (C-RPN: θ 0.95, IoU 0.6/0.3, 64 samples, three stages;
SCTRPN: IoU 0.7/0.3, ξ 1, shrinkage a 10 and c 0.2, rotation within ±10°). What they leave out is
chosen here and listed with the reason in docs/trackers.md ("C-RPN and SCTRPN: deviations").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from trackers.base import TrackerError
from trackers.siamese.config import AnchorConfig, TrackConfig, Variant, option_number, track_from_dict

FUSIONS = ("ftb", "stn")
HEADS = ("up", "dw")
CLS_LOSSES = ("ce", "shrinkage")
MAX_STAGES = 3


@dataclass(frozen=True)
class CascadeModelConfig:
    """`fusion` is how stage l receives stage l-1's features: ``ftb`` (C-RPN's deconvolution, sum,
    ReLU) or ``stn`` (SCTRPN's spatial transformer, sum, ReLU). `head` is ``up`` (the papers'
    up-channel correlation at each stage's width) or ``dw`` (depth-wise, a documented deviation).
    Stage 1 reads conv5, stage 2 conv4, stage 3 conv3; `width_mult` scales every AlexNet channel
    and so every stage (1.0 is the papers' width; tests use thin ones)."""

    fusion: str
    stages: int = MAX_STAGES
    head: str = "up"
    width_mult: float = 1.0
    backbone: str = "alexnet"

    def __post_init__(self) -> None:
        problems = []
        if self.fusion not in FUSIONS:
            problems.append(f"fusion={self.fusion!r} is not one of {', '.join(FUSIONS)}")
        if self.head not in HEADS:
            problems.append(f"head={self.head!r} is not one of {', '.join(HEADS)}")
        if not (isinstance(self.stages, int) and 1 <= self.stages <= MAX_STAGES):
            problems.append(f"stages={self.stages!r} must be 1, 2 or 3")
        if self.backbone != "alexnet":
            problems.append(f"backbone={self.backbone!r}; the cascades are built on the no-padding AlexNet only")
        if not (isinstance(self.width_mult, (int, float)) and 0 < self.width_mult <= 1 and int(96 * self.width_mult) >= 4):
            problems.append(f"width_mult={self.width_mult!r} must be within (0, 1] and leave conv1 at least 4 channels")
        if problems:
            raise TrackerError("cascade model config: " + "; ".join(problems))


@dataclass(frozen=True)
class CascadeConfig:
    """Tracking-time cascade. `theta`: an anchor whose background probability exceeds it is dropped
    (1 keeps every anchor: the papers' "without filtering" ablation). `stages`: how many stages run
    (None: all the network has). `rerank`: SCTRPN's multi-cue re-ranking of the last stage's
    survivors, keeping the `rerank_top` best by the product of the cues, then NMS at `nms_iou`."""

    theta: float = 0.95
    stages: int | None = None
    rerank: bool = False
    rerank_top: int = 50
    nms_iou: float = 0.7


@dataclass(frozen=True)
class CascadeLossConfig:
    """Training loss of every stage: labels by IoU (`pos_iou` / `neg_iou`, strict) against the
    stage's anchors among the survivors of the previous stage's θ filter, at most `pos_max`
    positives and `total` samples per pair; classification ``ce`` (softmax cross entropy) or
    ``shrinkage`` (a, c); regression smooth L1 with `loc_beta` (0 is L1), weighted by `loc_weight`
    (λ of C-RPN Eq. 4, ξ of SCTRPN Eq. 4)."""

    pos_iou: float
    neg_iou: float = 0.3
    pos_max: int = 16
    total: int = 64
    theta: float = 0.95
    cls_loss: str = "ce"
    loc_weight: float = 1.0
    loc_beta: float = 1.0
    shrink_a: float = 10.0
    shrink_c: float = 0.2

    def __post_init__(self) -> None:
        if self.cls_loss not in CLS_LOSSES:
            raise TrackerError(f"cls_loss={self.cls_loss!r} is not one of {', '.join(CLS_LOSSES)}")
        if not 0 <= self.neg_iou <= self.pos_iou <= 1:
            raise TrackerError(f"IoU thresholds neg {self.neg_iou}, pos {self.pos_iou} must satisfy 0 <= neg <= pos <= 1")
        if not 0 < self.theta <= 1:
            raise TrackerError(f"theta={self.theta} must be within (0, 1]")


@dataclass(frozen=True)
class CascadeVariant(Variant):
    model: CascadeModelConfig  # type: ignore[assignment]  # the cascade's network shape
    cascade: CascadeConfig = field(default_factory=CascadeConfig)
    loss: CascadeLossConfig = field(default_factory=lambda: CascadeLossConfig(pos_iou=0.6))


# SiamRPN's released selection settings: both papers select "using the strategies of SiamRPN" and
# publish no values of their own.
SIAMRPN_TRACK = TrackConfig(penalty_k=0.04, window_influence=0.44, lr=0.45)

CASCADE_VARIANTS: dict[str, CascadeVariant] = {
    v.name: v
    for v in (
        CascadeVariant(
            name="crpn",
            description="C-RPN (CVPR 2019): no-padding AlexNet, three up-channel RPNs on conv5, FTB(conv4), FTB(conv3)",
            model=CascadeModelConfig(fusion="ftb"),
            track=SIAMRPN_TRACK,
            cascade=CascadeConfig(theta=0.95),
            loss=CascadeLossConfig(pos_iou=0.6, neg_iou=0.3, cls_loss="ce", loc_weight=1.0),
        ),
        CascadeVariant(
            name="sctrpn",
            description="SCTRPN (Sensors 2020): C-RPN's cascade with spatial-transformer fusion and multi-cue re-ranking",
            model=CascadeModelConfig(fusion="stn"),
            track=SIAMRPN_TRACK,
            cascade=CascadeConfig(theta=0.95, rerank=True),
            loss=CascadeLossConfig(pos_iou=0.7, neg_iou=0.3, cls_loss="shrinkage", loc_weight=1.0),
        ),
    )
}

CASCADE_OPTIONS: dict[str, type] = {"theta": float, "stages": int, "rerank": bool, "rerank_top": int, "nms_iou": float}


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise TrackerError(f"option {name}={value!r} is not a yes/no value (true, false, 1, 0)")


def with_cascade_overrides(variant: CascadeVariant, options: Mapping[str, Any]) -> CascadeConfig:
    """The variant's cascade settings with the given options (a subset of CASCADE_OPTIONS) applied."""
    values: dict[str, Any] = {}
    for name, kind in CASCADE_OPTIONS.items():
        if name in options:
            values[name] = _flag(name, options[name]) if kind is bool else option_number(name, options[name], kind)
    cascade = dataclasses.replace(variant.cascade, **values)
    problems = []
    if not 0 < cascade.theta <= 1:
        problems.append(f"theta={cascade.theta} must be within (0, 1] (1 keeps every anchor)")
    if cascade.stages is not None and not 1 <= cascade.stages <= variant.model.stages:
        problems.append(f"stages={cascade.stages} must be within 1..{variant.model.stages} (the network's stages)")
    if cascade.rerank_top < 1:
        problems.append(f"rerank_top={cascade.rerank_top} must be >= 1")
    if not 0 < cascade.nms_iou <= 1:
        problems.append(f"nms_iou={cascade.nms_iou} must be within (0, 1]")
    if problems:
        raise TrackerError(f"{variant.name}: " + "; ".join(problems))
    return cascade


def _from_dict(cls: type, values: Any, what: str) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    if not isinstance(values, Mapping) or set(values) != names:
        got = sorted(values) if isinstance(values, Mapping) else type(values).__name__
        raise TrackerError(f"checkpoint {what} has fields {got}; expected {sorted(names)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def cascade_variant_from_dict(config: Mapping[str, Any]) -> CascadeVariant:
    """The variant a checkpoint of ours was saved with (its `config`), every field checked."""
    expected = {f.name for f in dataclasses.fields(CascadeVariant)}
    if not isinstance(config, Mapping) or set(config) != expected:
        got = sorted(config) if isinstance(config, Mapping) else type(config).__name__
        raise TrackerError(f"checkpoint config has fields {got}; a cascade checkpoint has {sorted(expected)}")
    return CascadeVariant(
        name=config["name"],
        description=config["description"],
        model=_from_dict(CascadeModelConfig, config["model"], "model config"),
        track=track_from_dict(config["track"]),
        anchors=_from_dict(AnchorConfig, config["anchors"], "anchor config"),
        pysot_name=config["pysot_name"],
        cascade=_from_dict(CascadeConfig, config["cascade"], "cascade config"),
        loss=_from_dict(CascadeLossConfig, config["loss"], "loss config"),
    )
