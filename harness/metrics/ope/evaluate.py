"""One-pass evaluation (success, precision, normalized precision) under a named profile.

All sequences are concatenated and scored at once: each per-frame measure is placed on each
threshold grid (an exact, arithmetic searchsorted) and counted per sequence with one `bincount`, so
the cost is O(frames), with no Python loop over frames and none over sequences beyond assembling
the arrays. See docs/metrics.md for what each profile does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.boxes import iou_continuous
from harness.metrics.fields import Curve, Field, Scatter, Terms
from harness.metrics.ope.frames import Frames, align, frame_errors, repair_predictions
from harness.metrics.ope.profiles import Profile, get_profile

FIELDS = (
    Field("success_auc", "success AUC", "higher", description="area under the success curve (mean over IoU thresholds)",
          short="AUC"),
    Field("precision", "precision@20px", "higher", description="fraction of frames with centre error within the profile's threshold",
          short="P"),
    Field("norm_precision", "norm. precision", "higher", description="precision of the centre error normalised by the target size",
          short="NP"),
    Field("ao", "AO", "higher", description="GOT-10k's average overlap, frames pooled"),
    Field("sr50", "SR0.5", "higher", description="GOT-10k's success rate at IoU 0.5"),
    Field("sr75", "SR0.75", "higher", description="GOT-10k's success rate at IoU 0.75"),
)


@dataclass(frozen=True)
class SequenceInput:
    name: str
    pred: np.ndarray  # (M, 4) x, y, w, h as the tracker or result file gave them; M may differ from N
    gt: np.ndarray  # (N, 4); NaN rows = no annotation
    absent: np.ndarray  # (N,) bool, target not visible
    source: str = ""  # file or shard the predictions came from, for error messages
    # (width, height) of the images where GOT-10k's toolkit clips both boxes to them before its IoU (AO, SR)
    bound: tuple[float, float] | None = None
    repetitions: tuple[np.ndarray, ...] = ()  # later runs' predictions, pooled into AO/SR by a profile that pools them


@dataclass(frozen=True)
class OPEResult:
    profile: str
    n_sequences: int
    auc: float
    precision: float
    norm_precision: float | None
    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray | None
    success_thresholds: np.ndarray
    precision_thresholds: np.ndarray
    norm_precision_thresholds: np.ndarray | None
    per_sequence_auc: dict[str, float]
    per_sequence_precision: dict[str, float]
    ao: float  # GOT-10k AO/SR: frames 2.. where the target is visible and annotated, pooled over sequences
    sr50: float
    sr75: float
    reports_ao: bool = False  # the profile shows AO/SR (only the one reproducing GOT-10k's toolkit)
    precision_at: float | None = None  # thresholds the reported precisions are read at (None: the curve's area)
    norm_precision_at: float | None = None
    extras: dict[str, float] = field(default_factory=dict)  # profile-specific figures, named as the toolkit does
    # fields and curves (by name) as sums over sequences: every field but AO/SR is a mean of per-sequence values
    sequence_terms: dict[str, Terms] = field(default_factory=dict)
    fields: ClassVar[tuple[Field, ...]] = FIELDS

    @property
    def values(self) -> dict[str, float | None]:
        ao = (self.ao, self.sr50, self.sr75) if self.reports_ao else (None, None, None)
        return dict(zip((f.name for f in FIELDS), (self.auc, self.precision, self.norm_precision, *ao)))

    def curves(self) -> list[Curve]:
        terms = self.sequence_terms.get
        curves = [Curve("success_curve", "success", "overlap threshold", self.success_thresholds,
                        self.success_curve, "success_thresholds", field="success_auc", terms=terms("success_curve")),
                  Curve("precision_curve", "precision", "location error threshold (px)", self.precision_thresholds,
                        self.precision_curve, "precision_thresholds", mark=self.precision_at, field="precision",
                        terms=terms("precision_curve"))]
        if self.norm_precision_curve is not None:
            curves.append(Curve("norm_precision_curve", "normalized precision", "normalized location error threshold",
                                self.norm_precision_thresholds, self.norm_precision_curve, "norm_precision_thresholds",
                                mark=self.norm_precision_at, field="norm_precision",
                                terms=terms("norm_precision_curve")))
        return curves

    @property
    def table_fields(self) -> tuple[str, ...]:
        if self.reports_ao:
            return ("ao", "sr50", "sr75")
        return ("success_auc", "precision") + (() if self.norm_precision is None else ("norm_precision",))

    def terms(self) -> dict[str, Terms]:
        return {name: t for name, t in self.sequence_terms.items() if self.values.get(name) is not None}

    def scatters(self) -> list[Scatter]:
        return []

    def groups(self) -> dict[str, dict[str, dict[str, float]]]:
        return {}

    def per_sequence(self) -> dict[str, dict[str, float]]:
        return {"success_auc": self.per_sequence_auc, "precision": self.per_sequence_precision}

    def to_json(self) -> dict:
        curves = {"success_curve": None, "success_thresholds": None, "precision_curve": None,
                  "precision_thresholds": None, "norm_precision_curve": None, "norm_precision_thresholds": None}
        for curve in self.curves():
            curves[curve.name], curves[curve.x_name] = _floats(curve.y), _grid(curve.x)
        return {**self.values, **curves, "per_sequence_auc": self.per_sequence_auc,
                "per_sequence_precision": self.per_sequence_precision, **self.extras}


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


def _grid(values: np.ndarray) -> list[float]:
    """A threshold grid as the decimals it stands for: the toolkits' grids are built by float arithmetic
    (0.15000000000000002, one ulp off in places), which is kept for scoring but not worth printing."""
    return [round(float(v), 12) for v in values]


def evaluate(inputs: list[SequenceInput], profile: str | Profile) -> OPEResult:
    """Score the sequences under a profile (a name from PROFILES, or a Profile).

    Raises EvaluationError where the profile's toolkit would fail: a length mismatch it cannot
    handle, predictions it rejects, a sequence with no frame it can score.
    """
    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    if not inputs:
        raise EvaluationError(f"nothing to evaluate under profile {prof.name}: no sequences given")
    names = [s.name for s in inputs]
    if len(set(names)) != len(names):
        raise EvaluationError(f"duplicate sequence names under profile {prof.name}")
    frames = align(inputs, prof)
    ao, sr50, sr75, terms = float("nan"), float("nan"), float("nan"), {}
    if prof.reports_ao:
        runs, owner = _pooled(inputs, prof) if prof.pools_repetitions and any(s.repetitions for s in inputs) \
            else (frames, frames.seq)
        keep, got10k_iou = _got10k_overlaps(runs)
        ao, sr50, sr75 = _got10k_ao_sr(keep, got10k_iou)
        terms = _got10k_terms(keep, got10k_iou, owner, names)
    repair_predictions(frames, prof)
    iou, err, norm_err, counted, denominators = frame_errors(frames, prof)

    n_seq = len(inputs)
    seq = frames.seq if counted is None else frames.seq[counted]

    def curves(values: np.ndarray, grid: tuple[float, ...], above: bool) -> np.ndarray:
        counts = _counts(values if counted is None else values[counted], seq, n_seq, grid, prof, above)
        return _rates(counts, denominators, prof)

    succ = curves(iou, prof.iou_thresholds, above=True)
    prec = curves(err, prof.center_thresholds, above=False)
    norm = curves(norm_err, prof.norm_center_thresholds, above=False)

    extras: dict[str, float] = {}
    succ_mean, succ_kept = _sequence_mean(succ, prof)
    prec_mean, prec_kept = _sequence_mean(prec, prof)
    norm_mean, norm_kept = _sequence_mean(norm, prof)
    p_idx = _index(prof.center_thresholds, prof.precision_at)
    n_idx = _index(prof.norm_center_thresholds, prof.norm_precision_at)
    if prof.integration == "trapz":
        extras["precision_at_20px"] = float(prec_mean[p_idx])
        extras["norm_precision_at_0.20"] = float(norm_mean[n_idx])
    if prof.drop_flat_sequences:
        extras.update(n_sequences_kept_success=succ_kept, n_sequences_kept_precision=prec_kept)
        extras["n_sequences_kept_norm_precision"] = norm_kept
    extras["success_rate_at_0.5"] = float(succ_mean[_index(prof.iou_thresholds, 0.5)])
    extras["success_rate_at_0.75"] = float(succ_mean[_index(prof.iou_thresholds, 0.75)])
    seq_auc, seq_prec = _integrate(succ, prof), _report(prec, p_idx, prof)
    for name, curve_values, per_sequence in (("success", succ, seq_auc), ("precision", prec, seq_prec),
                                             ("norm_precision", norm, _report(norm, n_idx, prof))):
        kept = _kept(curve_values, prof).astype(np.float64)[:, None]
        terms[f"{name}_curve"] = Terms(tuple(names), curve_values.astype(np.float64), kept)
        terms["success_auc" if name == "success" else name] = Terms(tuple(names), per_sequence[:, None], kept)

    return OPEResult(
        profile=prof.name,
        n_sequences=n_seq,
        auc=float(_integrate(succ_mean, prof)),
        precision=float(_report(prec_mean, p_idx, prof)),
        norm_precision=float(_report(norm_mean, n_idx, prof)) if prof.reports_norm_precision else None,
        success_curve=succ_mean,
        precision_curve=prec_mean,
        norm_precision_curve=norm_mean if prof.reports_norm_precision else None,
        success_thresholds=np.array(prof.iou_thresholds),
        precision_thresholds=np.array(prof.center_thresholds),
        norm_precision_thresholds=np.array(prof.norm_center_thresholds) if prof.reports_norm_precision else None,
        per_sequence_auc=dict(zip(names, seq_auc.tolist())),
        per_sequence_precision=dict(zip(names, seq_prec.tolist())),
        ao=ao,
        sr50=sr50,
        sr75=sr75,
        reports_ao=prof.reports_ao,
        precision_at=None if prof.integration == "trapz" else prof.precision_at,
        norm_precision_at=None if prof.integration == "trapz" else prof.norm_precision_at,
        extras=extras,
        sequence_terms=terms,
    )


def _index(grid: tuple[float, ...], value: float) -> int:
    return int(np.flatnonzero(np.isclose(grid, value))[0])


def _counts(
    values: np.ndarray, seq: np.ndarray, n_seq: int, thresholds: tuple[float, ...], prof: Profile, above: bool
) -> np.ndarray:
    """(n_seq, T) number of frames passing each threshold: value > t (>= t if inclusive), or value <= t.

    A frame's position in the sorted grid tells how many thresholds it passes, so one bincount over
    (sequence, position) followed by a cumulative sum gives every count exactly.
    """
    grid = np.asarray(thresholds)
    n_thr = len(grid)
    if above:
        # number of thresholds below the value (at or below for '>='): the frame passes thresholds [0, k)
        k = _searchsorted(grid, values, "right" if prof.success_inclusive else "left")
    else:
        # first threshold at or above the error: the frame passes thresholds [k, T)
        k = _searchsorted(grid, values, "left")
    hist = np.bincount(seq * (n_thr + 1) + k, minlength=n_seq * (n_thr + 1)).reshape(n_seq, n_thr + 1)
    if above:
        return np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return np.cumsum(hist, axis=1)[:, :n_thr]


def _searchsorted(grid: np.ndarray, values: np.ndarray, side: str) -> np.ndarray:
    """np.searchsorted(grid, values, side) for NaN-free values, in O(1) per value on an evenly spaced grid.

    The index is estimated arithmetically, then corrected by exact comparisons with its two neighbours,
    so the result equals searchsorted's bit for bit (the grids are within an ulp of even spacing, so
    the estimate is never off by more than one). Three times faster than the binary search.
    """
    n = len(grid)
    step = (grid[-1] - grid[0]) / (n - 1)
    if n < 3 or np.abs(grid - (grid[0] + step * np.arange(n))).max() > 1e-9 * step:
        return np.searchsorted(grid, values, side=side)
    k = np.clip(np.ceil((values - grid[0]) / step), 0, n).astype(np.intp)
    bounded = np.concatenate([[np.nan], grid, [np.nan]])  # NaN ends compare False: no step off the grid
    below, at = bounded[k], bounded[k + 1]  # grid[k - 1], grid[k]
    if side == "left":  # k = number of grid values < v
        return k - (below >= values) + (at < values)
    return k - (below > values) + (at <= values)


def _rates(counts: np.ndarray, denominators: np.ndarray, prof: Profile) -> np.ndarray:
    if prof.float32:
        return counts.astype(np.float32) / denominators.astype(np.float32)[:, None]
    return counts / (denominators + prof.denominator_eps)[:, None]


def _sequence_mean(curves: np.ndarray, prof: Profile) -> tuple[np.ndarray, int]:
    """Mean curve over sequences (and how many were kept), in the toolkit's precision."""
    if prof.drop_flat_sequences:
        curves = curves[_kept(curves, prof)]
        if len(curves) == 0:
            return np.full(curves.shape[1], np.nan), 0
    mean = curves.mean(axis=0, dtype=np.float64)
    if prof.float32:
        # pytracking holds the mean curve as float32 percent; torch's float32 summation order is not
        # reproduced (summing in float64 first lands within 2 float32 ulps of its values)
        percent = mean.astype(np.float32) * np.float32(100.0)
        mean = percent.astype(np.float64) / 100.0
    return mean, len(curves)


def _kept(curves: np.ndarray, prof: Profile) -> np.ndarray:
    """(S,) the sequences the mean curve averages: every one, or (LaSOT's toolkit) those not flat at zero."""
    if prof.drop_flat_sequences:
        return curves.sum(axis=1) > np.finfo(float).eps
    return np.ones(len(curves), dtype=bool)


def _integrate(curves: np.ndarray, prof: Profile) -> np.ndarray:
    """Success AUC of a curve (last axis): mean of the bins, or the TrackingNet devkit's trapezoid on [0, 1]."""
    if prof.integration == "trapz":
        x = np.linspace(0, 1, curves.shape[-1])
        return (np.diff(x) * (curves[..., 1:] + curves[..., :-1]) / 2.0).sum(axis=-1)
    return curves.mean(axis=-1, dtype=np.float64)


def _report(curves: np.ndarray, index: int, prof: Profile) -> np.ndarray:
    """Reported precision of a curve: its value at the profile's threshold, or its trapezoid area."""
    return _integrate(curves, prof) if prof.integration == "trapz" else curves[..., index]


def _pooled(inputs: list[SequenceInput], prof: Profile) -> tuple[Frames, np.ndarray]:
    """Every run's frames in ExperimentGOT10k's order (a sequence's repetitions one after another, then the
    next sequence), each under the profile's length rule, and the sequence each frame belongs to."""
    runs = [replace(s, pred=pred) for s in inputs for pred in (s.pred, *s.repetitions)]
    pooled = align(runs, prof)
    return pooled, np.repeat(np.arange(len(inputs)), [1 + len(s.repetitions) for s in inputs])[pooled.seq]


def _got10k_overlaps(frames: Frames) -> tuple[np.ndarray, np.ndarray]:
    """The frames GOT-10k's toolkit scores (not the first, target visible and annotated) and each frame's
    IoU (got10k's rect_iou), 0 where not scored or unusable."""
    keep = ~frames.first & ~frames.absent & ~np.isnan(frames.gt).any(axis=1)
    iou = iou_continuous(_in_image(frames.pred, frames), _in_image(frames.gt, frames), np.finfo(float).eps)
    iou[~keep | np.isnan(iou)] = 0.0
    return keep, iou


def _in_image(boxes: np.ndarray, frames: Frames) -> np.ndarray:
    """`boxes` as got10k's rect_iou bounds them for the sequences that have a `bound`: the corner clipped
    into the image, then the size to what is left of it (so a box over the left edge is moved, not cut)."""
    size = np.array([s.bound or (np.nan, np.nan) for s in frames.inputs], dtype=np.float64)[frames.seq]
    x = np.clip(boxes[:, 0], 0, size[:, 0])
    y = np.clip(boxes[:, 1], 0, size[:, 1])
    clipped = np.column_stack([x, y, np.clip(boxes[:, 2], 0, size[:, 0] - x), np.clip(boxes[:, 3], 0, size[:, 1] - y)])
    return np.where(np.isnan(size[:, :1]), boxes, clipped)


def _got10k_ao_sr(keep: np.ndarray, iou: np.ndarray) -> tuple[float, float, float]:
    """AO, SR@0.5, SR@0.75 as the got10k toolkit's GOT-10k experiment reports them.

    It drops the first frame and frames whose target is not visible, and averages over all remaining
    frames of all sequences pooled (np.concatenate then mean), so longer sequences weigh more. IoU is
    got10k's rect_iou; frames without annotation are left out and unusable predictions count as 0.
    """
    n = np.count_nonzero(keep)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    sr50, sr75 = np.count_nonzero(iou > 0.5), np.count_nonzero(iou > 0.75)
    return float(iou.sum() / n), sr50 / n, sr75 / n


def _got10k_terms(keep: np.ndarray, iou: np.ndarray, seq: np.ndarray, names: list[str]) -> dict[str, Terms]:
    """AO, SR@0.5 and SR@0.75 as per-sequence sums over the frames they pool, and those frames' counts."""
    n = len(names)
    count = np.bincount(seq, weights=keep, minlength=n)[:, None]

    def summed(values: np.ndarray) -> Terms:
        return Terms(tuple(names), np.bincount(seq, weights=values, minlength=n)[:, None], count)

    return {"ao": summed(iou), "sr50": summed(iou > 0.5), "sr75": summed(iou > 0.75)}
