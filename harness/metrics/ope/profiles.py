"""Named one-pass (OPE) evaluation profiles: each one is the set of conventions of one reference toolkit.

A profile is plain data; `evaluate.py` and `frames.py` interpret it. What every field means, and where
each value comes from, is tabulated in docs/metrics.md. A profile is checked when it is defined
(`Profile.__post_init__`, `conventions.define`): an unknown field, a convention value that is not one
of the field's choices, or a threshold grid that is not increasing is a ProfileError there and then.
Which profile scores a benchmark by default is the benchmark record's fact (`benchmarks/registry.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from harness.errors import ProfileError
from harness.metrics.conventions import check_conventions, check_grid, define

MATLAB_EPS = float(np.finfo(float).eps)


def _grid(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


# Threshold grids, bit for bit as each toolkit builds them: an IoU exactly on a threshold is common
# with integer boxes, and one ulp decides whether such a frame passes.
_IOU_ARANGE = _grid(np.arange(0, 1.05, 0.05))  # pysot; equal to linspace(0, 1, 21) and MATLAB 0:0.05:1
# The grid torch.arange gave pytracking (golden conventions): its vectorised kernel adds lane offsets
# to a 4-wide block base (AVX2 doubles), which leaves 0.65 and 0.75 one ulp above numpy's values.
_IOU_TORCH = _grid((np.arange(21) // 4 * 4) * 0.05 + (np.arange(21) % 4) * 0.05)
_PIXELS_51 = _grid(np.arange(51, dtype=float))
_NORM_51 = _grid(np.arange(51) / 100)
_PIXELS_TN = _grid(np.linspace(0, 50, 21))
_NORM_TN = _grid(np.linspace(0, 0.5, 21))
_NORM_GOT10K = _grid(np.linspace(0, 0.5, 51))  # ExperimentLaSOT's; ExperimentOTB reports no NP

LengthPolicy = Literal["raise", "truncate_or_raise", "pad_zeros", "truncate_both", "nan_fill"]


@dataclass(frozen=True)
class Profile:
    name: str
    source: str  # repository@commit and files it reproduces
    iou_thresholds: tuple[float, ...]
    center_thresholds: tuple[float, ...]
    norm_center_thresholds: tuple[float, ...]
    success_inclusive: bool  # success counts iou >= t (TrackingNet) instead of iou > t; precision is always err <= t
    iou_form: Literal["continuous", "continuous_eps", "pixel", "pixel_rounded"]
    centre_offset: float  # centre = x + (w + offset) / 2
    norm_form: Literal["centres", "difference"]  # divide centres by GT size, or the difference (TrackingNet)
    norm_eps: float  # added to the GT size before dividing (pysot 1e-16)
    round_boxes: bool  # np.round every box value first (TrackingNet)
    first_frame: Literal["tracker", "gt"]  # score the tracker's frame-1 box, or replace it with GT
    length_mismatch: LengthPolicy
    invalid_pred: Literal["score", "raise"]  # pytracking refuses NaN or negative w/h
    pred_repair: Literal["none", "zero_size_previous", "invalid_previous"]
    gt_valid: Literal["none", "wh_positive", "all_positive"]  # GT rows scored; others get the sentinels
    centre_mask: Literal["none", "gt_centre_positive", "gt_valid"]
    invalid_centre_error: float  # -1 passes every precision threshold, inf fails all
    invalid_norm_error: float
    absent: Literal["fail", "ignore"]  # absent frames fail every threshold, or are scored like any other
    denominator: Literal["all", "valid", "annotated"]
    denominator_eps: float  # LaSOT MATLAB divides by len + eps
    drop_flat_sequences: bool  # LaSOT plot_draw_save drops sequences whose curve sums to <= eps
    integration: Literal["mean", "trapz"]
    precision_at: float  # px threshold of the reported precision (or of precision_at_20px when trapz)
    norm_precision_at: float
    reports_norm_precision: bool
    reports_ao: bool  # GOT-10k's AO and SR: shown only under the profile that reproduces its toolkit
    pools_repetitions: bool  # AO and SR pool the frames of every stored repetition (ExperimentGOT10k)
    float32: bool  # pytracking keeps per-sequence rates and the mean curve (in percent) as float32

    def __post_init__(self) -> None:
        check_conventions(self)
        for grid in ("iou_thresholds", "center_thresholds", "norm_center_thresholds"):
            check_grid(self, grid)
        on_grid = np.isclose(self.center_thresholds, self.precision_at).any() and np.isclose(
            self.norm_center_thresholds, self.norm_precision_at
        ).any() and np.isclose(self.iou_thresholds, 0.5).any() and np.isclose(self.iou_thresholds, 0.75).any()
        if not on_grid:
            raise ProfileError(f"profile {self.name}: the reported thresholds (precision at {self.precision_at}, "
                               f"normalized precision at {self.norm_precision_at}, success at 0.5 and 0.75) must "
                               "be on its grids")


_OTB_LIKE = dict(
    iou_thresholds=_IOU_ARANGE,
    center_thresholds=_PIXELS_51,
    norm_center_thresholds=_NORM_51,
    success_inclusive=False,
    centre_offset=-1.0,
    norm_form="centres",
    norm_eps=0.0,
    round_boxes=False,
    first_frame="gt",
    invalid_pred="score",
    pred_repair="none",
    invalid_norm_error=-1.0,
    denominator="all",
    denominator_eps=0.0,
    drop_flat_sequences=False,
    integration="mean",
    precision_at=20.0,
    norm_precision_at=0.20,
    reports_norm_precision=True,
    reports_ao=False,
    pools_repetitions=False,
    float32=False,
)

_PYTRACKING = dict(
    _OTB_LIKE,
    source="visionml/pytracking@7eb9e74bd3d40e29dbcec444902237da13de247b pytracking/analysis/extract_results.py, plot_results.py",
    iou_thresholds=_IOU_TORCH,
    iou_form="pixel",
    length_mismatch="pad_zeros",
    invalid_pred="raise",
    pred_repair="zero_size_previous",
    gt_valid="all_positive",
    centre_mask="gt_valid",
    invalid_centre_error=np.inf,
    absent="fail",
    float32=True,
)

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        define(
            Profile,
            **dict(
                _OTB_LIKE,
                name="pysot",
                source="STVIR/pysot@d04028f8e18c6b27ee150a7c0d8aab9a1807219e toolkit/evaluation/ope_benchmark.py, toolkit/utils/statistics.py",
                iou_form="continuous",
                norm_eps=1e-16,
                first_frame="tracker",
                length_mismatch="raise",
                gt_valid="wh_positive",
                centre_mask="gt_centre_positive",
                invalid_centre_error=-1.0,
                absent="fail",
            )
        ),
        define(Profile, **dict(_PYTRACKING, name="pytracking")),
        define(Profile, **dict(_PYTRACKING, name="pytracking_exclude_invalid", denominator="valid")),
        define(
            Profile,
            **dict(
                _OTB_LIKE,
                name="got10k",
                source="got-10k/toolkit@956e7286fdf209cbb125adac9a46376bd8297ffb got10k/experiments/otb.py, got10k/utils/metrics.py",
                norm_center_thresholds=_NORM_GOT10K,
                iou_form="continuous_eps",
                length_mismatch="truncate_both",
                gt_valid="none",
                centre_mask="none",
                invalid_centre_error=np.inf,
                absent="ignore",
                denominator="annotated",
                reports_norm_precision=False,
                reports_ao=True,
                pools_repetitions=True,
            )
        ),
        define(
            Profile,
            **dict(
                _OTB_LIKE,
                name="trackingnet",
                source="SilvioGiancola/TrackingNet-devkit@79783f27ba91db8570e89799668836cb22921cdf metrics.py",
                center_thresholds=_PIXELS_TN,
                norm_center_thresholds=_NORM_TN,
                success_inclusive=True,
                iou_form="pixel_rounded",
                centre_offset=1.0,
                norm_form="difference",
                round_boxes=True,
                length_mismatch="nan_fill",
                gt_valid="none",
                centre_mask="none",
                invalid_centre_error=np.inf,
                absent="ignore",
                integration="trapz",
            )
        ),
        define(
            Profile,
            **dict(
                _OTB_LIKE,
                name="lasot_matlab",
                source="HengLan/LaSOT_Evaluation_Toolkit@95bf38ae4f75965739546ae1fd7d5556dfc6e5c6 utils/eval_tracker.m, calc_seq_err_robust.m, calc_rect_int.m, plot_draw_save.m",
                iou_form="pixel",
                length_mismatch="truncate_or_raise",
                pred_repair="invalid_previous",
                gt_valid="all_positive",
                centre_mask="gt_valid",
                invalid_centre_error=-1.0,
                absent="fail",
                denominator_eps=MATLAB_EPS,
                drop_flat_sequences=True,
            )
        ),
    )
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown one-pass profile {name!r}; known profiles: {', '.join(PROFILES)}") from None
