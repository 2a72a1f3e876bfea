"""CRACT's variants: network widths, tracking and online-learning settings, as plain dataclasses.

Values the paper gives (Fan & Ling, arXiv 2011.12483): N = 10 proposals, PRoIAlign 6/3/1,
alpha = 0.4, beta = 0.8, 200/1000 first-frame samples, 50/200 every K = 10 frames, anchor ratios
0.33..3. Everything else is a choice recorded in docs/trackers.md (CRACT, deviations); its
supplementary material with the layer widths was not available. Plugin options override the
tracking and online settings; the network shape is fixed by the weights.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from trackers.base import TrackerError
from trackers.siamese.config import AnchorConfig, option_number, plain_values


@dataclass(frozen=True)
class CRACTModelConfig:
    """`channels`: width of the fused block-3/4 map and of the RPN; `head_conv`/`head_fc`: the
    regression and identification heads' conv and fc widths; `pool_sizes`: PRoIAlign's levels."""

    width_mult: float = 1.0
    channels: int = 256
    head_conv: int = 256
    head_fc: int = 512
    pool_sizes: tuple[int, ...] = (6, 3, 1)
    sampling: int = 2
    center_size: int = 7

    @property
    def roi_channels(self) -> int:
        return self.channels * len(self.pool_sizes)


@dataclass(frozen=True)
class CRACTTrackConfig:
    proposals: int = 10
    nms_iou: float = 0.5
    alpha: float = 0.4
    beta: float = 0.8
    penalty_k: float = 0.05
    window_influence: float = 0.42
    lr: float = 0.38
    context_amount: float = 0.5
    exemplar_size: int = 127
    instance_size: int = 255
    seed: int = 0


@dataclass(frozen=True)
class OnlineConfig:
    """The online discriminator: sample counts and IoU thresholds, its shape, and Gauss-Newton /
    conjugate-gradient settings of the first-frame fit and of later updates (MDNet's short/long
    term schedule, counted in collections of samples, one per `interval` frames)."""

    init_pos: int = 200
    init_neg: int = 1000
    update_pos: int = 50
    update_neg: int = 200
    interval: int = 10
    pos_iou: float = 0.7
    neg_iou: float = 0.3
    projection: int = 64
    hidden: int = 64
    reg: float = 1e-3
    init_gn: int = 5
    init_cg: int = 10
    update_gn: int = 1
    update_cg: int = 5
    long_term: int = 10
    short_term: int = 2
    fail_score: float = 0.5
    hard_fraction: float = 0.5
    hard_pool: int = 4


@dataclass(frozen=True)
class CRACTVariant:
    name: str
    description: str
    model: CRACTModelConfig
    track: CRACTTrackConfig = field(default_factory=CRACTTrackConfig)
    online: OnlineConfig = field(default_factory=OnlineConfig)
    anchors: AnchorConfig = field(default_factory=AnchorConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists/dicts/numbers only, so `torch.load(weights_only=True)` can read it back."""
        return plain_values(dataclasses.asdict(self))


VARIANTS: dict[str, CRACTVariant] = {
    v.name: v
    for v in (
        CRACTVariant(
            name="cract",
            description="CRACT (Fan & Ling 2020): dilated ResNet-18, block-3/4 fusion, depth-wise RPN, "
            "regression - pyramid RoIAlign - identification + online discrimination",
            model=CRACTModelConfig(),
        ),
        CRACTVariant(
            name="cract-thin",
            description="CRACT at a quarter of the widths (ResNet-18 x0.25, 64-channel fusion and RPN, "
            "thin heads and discriminator), for CPU tests",
            model=CRACTModelConfig(width_mult=0.25, channels=64, head_conv=64, head_fc=128),
            online=OnlineConfig(projection=32, hidden=32),
        ),
    )
}

TRACK_OPTIONS: dict[str, type] = {
    "proposals": int,
    "nms_iou": float,
    "alpha": float,
    "beta": float,
    "penalty_k": float,
    "window_influence": float,
    "lr": float,
    "context_amount": float,
    "instance_size": int,
    "seed": int,
}
# Every online setting is an option: the discriminator is learned per sequence, never saved.
ONLINE_OPTIONS: dict[str, type] = {f.name: type(f.default) for f in dataclasses.fields(OnlineConfig)}
OPTION_PREFIX = "online_"  # online settings are given as online_<name>, e.g. online_interval=5


def _check(variant: CRACTVariant, track: CRACTTrackConfig, online: OnlineConfig) -> None:
    problems = []
    if track.proposals < 1:
        problems.append(f"proposals={track.proposals} must be >= 1")
    for name in ("nms_iou", "alpha", "beta", "window_influence", "lr"):
        if not 0 <= getattr(track, name) <= 1:
            problems.append(f"{name}={getattr(track, name)} must be within [0, 1]")
    if track.penalty_k < 0 or track.context_amount < 0:
        problems.append("penalty_k and context_amount must be >= 0")
    offset = track.instance_size - track.exemplar_size
    if offset <= 0 or offset % variant.anchors.stride:
        problems.append(
            f"instance_size={track.instance_size} must exceed exemplar_size={track.exemplar_size} "
            f"by a multiple of the stride {variant.anchors.stride} (e.g. 255, 271, 287)"
        )
    counts = ("init_pos", "init_neg", "update_pos", "update_neg", "interval", "projection", "hidden", "hard_pool")
    problems += [f"online_{name}={getattr(online, name)} must be >= 1" for name in counts if getattr(online, name) < 1]
    steps = ("init_gn", "init_cg", "update_gn", "update_cg", "long_term", "short_term")
    problems += [f"online_{name}={getattr(online, name)} must be >= 0" for name in steps if getattr(online, name) < 0]
    for name in ("pos_iou", "neg_iou", "hard_fraction"):
        if not 0 <= getattr(online, name) <= 1:
            problems.append(f"online_{name}={getattr(online, name)} must be within [0, 1]")
    if online.neg_iou >= online.pos_iou:
        problems.append(f"online_neg_iou={online.neg_iou} must be below online_pos_iou={online.pos_iou}")
    if online.reg <= 0:
        problems.append(f"online_reg={online.reg} must be > 0")
    if problems:
        raise TrackerError(f"{variant.name}: " + "; ".join(problems))


def with_overrides(variant: CRACTVariant, options: Mapping[str, Any]) -> CRACTVariant:
    """The variant with the given tracking options and ``online_*`` options applied, checked."""
    track_values = {k: option_number(k, v, TRACK_OPTIONS[k]) for k, v in options.items() if k in TRACK_OPTIONS}
    online_values = {
        k.removeprefix(OPTION_PREFIX): option_number(k, v, ONLINE_OPTIONS[k.removeprefix(OPTION_PREFIX)])
        for k, v in options.items()
        if k.startswith(OPTION_PREFIX) and k.removeprefix(OPTION_PREFIX) in ONLINE_OPTIONS
    }
    track = dataclasses.replace(variant.track, **track_values)
    online = dataclasses.replace(variant.online, **online_values)
    _check(variant, track, online)
    return dataclasses.replace(variant, track=track, online=online)


def option_names() -> set[str]:
    return set(TRACK_OPTIONS) | {OPTION_PREFIX + name for name in ONLINE_OPTIONS}


def settings_from_dict(variant: CRACTVariant, config: Mapping[str, Any]) -> CRACTVariant:
    """The tracking and online settings a checkpoint was saved with, on top of `variant`; unknown
    or missing fields are an error."""
    replaced = {}
    for name, kind in (("track", CRACTTrackConfig), ("online", OnlineConfig)):
        values = config.get(name)
        names = {f.name for f in dataclasses.fields(kind)}
        if not isinstance(values, dict) or set(values) != names:
            got = sorted(values) if isinstance(values, dict) else values
            raise TrackerError(f"checkpoint {name} config has fields {got}; expected {sorted(names)}")
        replaced[name] = kind(**values)
    return dataclasses.replace(variant, **replaced)
