"""The variants: network shape, anchors and tracking hyper-parameters, as plain dataclasses.

Hyper-parameter values are those the authors published with each released model (pysot's
experiment configs for SiamRPN++; the VOT settings released with the up-channel SiamRPN model for
`siamrpn`). Plugin options override the tracking ones; the network shape is fixed by the weights.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from trackers.base import TrackerError


@dataclass(frozen=True)
class AnchorConfig:
    """One scale, several height/width ratios, one anchor set per `stride` pixels of the search crop."""

    stride: int = 8
    ratios: tuple[float, ...] = (0.33, 0.5, 1.0, 2.0, 3.0)
    scales: tuple[float, ...] = (8.0,)

    @property
    def count(self) -> int:
        return len(self.ratios) * len(self.scales)


@dataclass(frozen=True)
class TrackConfig:
    penalty_k: float
    window_influence: float
    lr: float
    context_amount: float = 0.5
    exemplar_size: int = 127
    instance_size: int = 255


@dataclass(frozen=True)
class ModelConfig:
    """`head` is ``up`` (SiamRPN's up-channel correlation) or ``dw`` (depth-wise, one RPN per layer);
    `adjust_in` lists the backbone channels the 1x1 adjust layers take (empty: no adjust layers)."""

    backbone: str
    head: str
    width_mult: float = 1.0
    adjust_in: tuple[int, ...] = ()
    channels: int = 256
    weighted: bool = False
    center_size: int = 7


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    model: ModelConfig
    track: TrackConfig
    anchors: AnchorConfig = field(default_factory=AnchorConfig)
    pysot_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain lists/dicts/numbers only, so `torch.load(weights_only=True)` can read it back."""
        return plain_values(dataclasses.asdict(self))


def plain_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_values(v) for v in value]
    return value


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant(
            name="siamrpn",
            description="SiamRPN (CVPR 2018): no-padding AlexNet, up-channel cross-correlation RPN",
            model=ModelConfig(backbone="alexnet", head="up"),
            track=TrackConfig(penalty_k=0.04, window_influence=0.44, lr=0.45),
        ),
        Variant(
            name="siamrpnpp",
            description="SiamRPN++ (CVPR 2019): dilated ResNet-50, conv3-5 adjust, depth-wise RPNs, weighted fusion",
            model=ModelConfig(backbone="resnet50", head="dw", adjust_in=(512, 1024, 2048), weighted=True),
            track=TrackConfig(penalty_k=0.05, window_influence=0.42, lr=0.38),
            pysot_name="siamrpn_r50_l234_dwxcorr",
        ),
        Variant(
            name="siamrpnpp-alex",
            description="SiamRPN++ AlexNet variant: no-padding AlexNet, one depth-wise RPN",
            model=ModelConfig(backbone="alexnet", head="dw"),
            track=TrackConfig(penalty_k=0.16, window_influence=0.40, lr=0.30, instance_size=287),
            pysot_name="siamrpn_alex_dwxcorr",
        ),
        Variant(
            name="siamrpnpp-mobilev2",
            description="SiamRPN++ MobileNetV2 (width 1.4) variant: three depth-wise RPNs, plain average",
            model=ModelConfig(backbone="mobilenetv2", head="dw", width_mult=1.4, adjust_in=(44, 134, 448)),
            track=TrackConfig(penalty_k=0.04, window_influence=0.40, lr=0.50),
            pysot_name="siamrpn_mobilev2_l234_dwxcorr",
        ),
    )
}

# How a loaded network runs when tracking (plugin option `inference`; trackers.siamese.inference).
INFERENCE_MODES = ("exact", "fast")

TRACK_OPTIONS: dict[str, type] = {
    "penalty_k": float,
    "window_influence": float,
    "lr": float,
    "context_amount": float,
    "instance_size": int,
}


def option_number(name: str, value: Any, kind: type) -> float | int:
    """A plugin option (a number, or its text from the command line) as `kind` (float or int)."""
    # bool is an int subclass; "true" for a size is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TrackerError(f"option {name}={value!r} is not a number")
    try:
        number = float(value) if kind is float else int(str(value))
    except ValueError:
        raise TrackerError(f"option {name}={value!r} is not {'an integer' if kind is int else 'a number'}") from None
    return number


def with_overrides(variant: Variant, options: Mapping[str, Any]) -> TrackConfig:
    """The variant's tracking config with the given options (a subset of TRACK_OPTIONS) applied."""
    values = {k: option_number(k, v, TRACK_OPTIONS[k]) for k, v in options.items() if k in TRACK_OPTIONS}
    track = dataclasses.replace(variant.track, **values)
    problems = []
    if track.penalty_k < 0:
        problems.append(f"penalty_k={track.penalty_k} must be >= 0")
    for name in ("window_influence", "lr"):
        if not 0 <= getattr(track, name) <= 1:
            problems.append(f"{name}={getattr(track, name)} must be within [0, 1]")
    if track.context_amount < 0:
        problems.append(f"context_amount={track.context_amount} must be >= 0")
    offset = track.instance_size - track.exemplar_size
    stride = variant.anchors.stride
    # The anchor grid is centred on the crop only when the search crop outgrows the template by
    # whole feature cells.
    if offset <= 0 or offset % stride:
        problems.append(
            f"instance_size={track.instance_size} must exceed exemplar_size={track.exemplar_size} "
            f"by a multiple of the stride {stride} (e.g. 255, 271, 287)"
        )
    if problems:
        raise TrackerError(f"{variant.name}: " + "; ".join(problems))
    return track


def track_from_dict(values: Mapping[str, Any]) -> TrackConfig:
    """A TrackConfig read back from a checkpoint; unknown or missing fields are an error."""
    names = {f.name for f in dataclasses.fields(TrackConfig)}
    if set(values) != names:
        raise TrackerError(f"checkpoint track config has fields {sorted(values)}; expected {sorted(names)}")
    return TrackConfig(**values)
