"""The VOT long-term analyses as vot-toolkit 0.9.0 computes them (`vot/analysis/longterm.py`, stacks
vot2018..2022/longterm): tracking precision and recall at confidence thresholds (`determine_thresholds`,
`compute_tpr_curves`, `PrecisionRecallCurves`, `PrecisionRecallCurve`, `pr_curve`), the F-score curve
(`FScoreCurve`, `f_curve`) and the F-score at its best threshold with the precision and recall there
(`PrecisionRecall`, `average_tpr`).

Every frame is placed once among the thresholds (how many lie above its confidence), then overlap sums
and frame counts per trajectory and threshold come from one `bincount` and a cumulative sum: O(frames +
trajectories x thresholds), where the toolkit masks every trajectory once per threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from harness.errors import EvaluationError, ProfileError
from harness.metrics.conventions import check_conventions, define
from harness.metrics.fields import Curve, Field, Scatter, Terms

# Each figure is read at one threshold picked from every sequence's confidences pooled and chosen where the mean
# F-score over all sequences peaks: a resample of the sequences moves both, so per-sequence sums cannot give it.
NO_TERMS = ("read at one confidence threshold chosen over all sequences together (picked from their pooled "
            "confidences, where the F-score over all of them is highest), so it is no sum over sequences and "
            "cannot be bootstrapped over them")
FIELDS = (
    Field("f_score", "F-score", "higher", short="F",
          description="tracking F-score at the confidence threshold that maximises it", no_terms=NO_TERMS),
    Field("precision", "precision", "higher", short="Pr", description="tracking precision at the best F-score's threshold",
          no_terms=NO_TERMS),
    Field("recall", "recall", "higher", short="Re", description="tracking recall at the best F-score's threshold",
          no_terms=NO_TERMS),
)


@dataclass(frozen=True)
class LongTermProfile:
    name: str
    source: str
    resolution: int  # thresholds: resolution - 2 picked from the sorted confidences, then +inf and -inf
    beta: float  # the F-score's beta
    bounded: bool  # overlaps are computed within the image bounds (the caller's overlaps must be)

    def __post_init__(self) -> None:
        check_conventions(self)
        if not isinstance(self.resolution, int) or isinstance(self.resolution, bool) or self.resolution < 3:
            raise ProfileError(f"profile {self.name}: resolution={self.resolution!r} must be an integer >= 3")
        if not isinstance(self.beta, float) or not self.beta > 0:
            raise ProfileError(f"profile {self.name}: beta={self.beta!r} must be a positive float")


PROFILES: dict[str, LongTermProfile] = {
    p.name: p
    for p in (
        define(
            LongTermProfile,
            name="vot_toolkit",
            source="vot-toolkit 0.9.0 (votchallenge/toolkit@56f0053f6890) vot/analysis/longterm.py; stacks "
                   "vot2018..2022 longterm",
            resolution=100,
            beta=1.0,
            bounded=True,
        ),
    )
}


def get_profile(name: str) -> LongTermProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown long-term profile {name!r}; known profiles: {', '.join(PROFILES)}") from None


@dataclass(frozen=True)
class LongTermSequence:
    name: str
    overlaps: np.ndarray  # (R, N) or (N,) float64: the toolkit's overlap per frame (1 where both are empty)
    # (R, N) or (N,): the tracker's confidence per frame; NaN where it gave none, which the toolkit reads as 0
    # (`properties(i).get('confidence', 0)`: an empty line of the .value file, or no file)
    confidence: np.ndarray
    gt_absent: np.ndarray  # (N,) bool: the ground truth is special (a NaN line): not counted in recall's denominator
    source: str = ""


@dataclass(frozen=True)
class LongTermResult:
    profile: str
    values: dict[str, float | None]  # f_score, precision, recall
    thresholds: np.ndarray  # (K,) from +inf down to -inf
    precision_curve: np.ndarray  # (K,) mean over sequences at each threshold
    recall_curve: np.ndarray
    f_curve: np.ndarray
    best: int  # the threshold index of the F-score
    per_sequence_figures: dict[str, dict[str, float]]  # sequence -> precision, recall, f_score at `best`
    sequence_terms: dict[str, Terms] = field(default_factory=dict)  # none: thresholds depend on every sequence
    fields: ClassVar[tuple[Field, ...]] = FIELDS

    def curves(self) -> list[Curve]:
        """The toolkit's PR curve (recall x precision, 0..1) and F-score curve (over the thresholds, index 0 the
        highest: its "normalized threshold"; 0..1), each with the point of the best F-score marked."""
        unit = (0.0, 1.0)
        return [Curve("pr_curve", "precision", "recall", self.recall_curve, self.precision_curve, "pr_recall",
                      field="f_score", point=self.best, x_range=unit, y_range=unit),
                Curve("f_curve", "F-score", "confidence threshold (index, from the highest confidence down)",
                      np.arange(len(self.f_curve)), self.f_curve, field="f_score", point=self.best,
                      x_range=(0.0, float(len(self.f_curve) - 1)), y_range=unit)]

    @property
    def table_fields(self) -> tuple[str, ...]:
        return ("f_score", "precision", "recall")

    def terms(self) -> dict[str, Terms]:
        return dict(self.sequence_terms)

    def scatters(self) -> list[Scatter]:
        return []

    def groups(self) -> dict[str, dict[str, dict[str, float]]]:
        return {}

    def per_sequence(self) -> dict[str, dict[str, float]]:
        figures: dict[str, dict[str, float]] = {}
        for sequence, values in self.per_sequence_figures.items():
            for name, value in values.items():
                figures.setdefault(name, {})[sequence] = value
        return figures

    def to_json(self) -> dict:
        def floats(values: np.ndarray) -> list[float | None]:
            return [float(v) if math.isfinite(v) else None for v in values]
        return {**self.values, "thresholds": floats(self.thresholds), "precision_curve": floats(self.precision_curve),
                "pr_recall": floats(self.recall_curve), "f_curve": floats(self.f_curve), "best_threshold": self.best,
                "per_sequence": self.per_sequence_figures}


def determine_thresholds(confidence: np.ndarray, resolution: int) -> np.ndarray:
    """determine_thresholds (lines 20-45): the confidences without NaN sorted from high to low, every one if
    there are at most resolution - 2 (ties kept), else resolution - 2 of them at evenly spaced ranks; then
    +inf first and -inf last."""
    scores = np.sort(confidence[~np.isnan(confidence)])[::-1]
    if len(scores) > resolution - 2:
        delta = math.floor(len(scores) / (resolution - 2))
        scores = scores[np.round(np.linspace(delta, len(scores) - delta, num=resolution - 2)).astype(int)]
    return np.concatenate([[math.inf], scores, [-math.inf]])


def evaluate_longterm(sequences: list[LongTermSequence], profile: str | LongTermProfile = "vot_toolkit") -> LongTermResult:
    """Precision, recall and F-score curves over the tracker's confidence thresholds and the F-score at its
    best threshold, as vot-toolkit 0.9.0's `pr_curve`, `f_curve` and `average_tpr` report them.

    Raises EvaluationError for shapes the toolkit asserts against (a trajectory, its confidences and the ground
    truth of different lengths)."""
    prof = profile if isinstance(profile, LongTermProfile) else get_profile(profile)
    if not sequences:
        raise EvaluationError(f"nothing to evaluate under long-term profile {prof.name}: no sequences given")
    names = tuple(s.name for s in sequences)
    if len(set(names)) != len(names):
        raise EvaluationError("duplicate sequence names in the long-term results")
    overlaps, confidence, owner, visible = _assemble(sequences)
    thresholds = determine_thresholds(confidence, prof.resolution)
    k = len(thresholds)
    # a frame passes the thresholds from index `first` on (confidence >= t: those not above it); padding none
    first = np.where(np.isnan(confidence), k, k - np.searchsorted(thresholds[::-1], confidence, side="right"))
    n_traj = len(owner)
    trajectory = np.repeat(np.arange(n_traj), overlaps.shape[1])
    bins = trajectory * (k + 1) + first.ravel()
    counts = np.cumsum(np.bincount(bins, minlength=n_traj * (k + 1)).reshape(n_traj, k + 1), axis=1)[:, :k]
    sums = np.cumsum(np.bincount(bins, weights=overlaps.ravel(), minlength=n_traj * (k + 1))
                     .reshape(n_traj, k + 1), axis=1)[:, :k]
    with np.errstate(invalid="ignore", divide="ignore"):  # a sequence without a visible frame: inf or NaN, as there
        precision = np.where(counts == 0, 1.0, sums / np.maximum(counts, 1))
        recall = np.where(counts == 0, 0.0, sums / visible[owner][:, None])
    n_seq = len(sequences)
    seq_precision, seq_recall = _per_sequence_mean(precision, owner, n_seq), _per_sequence_mean(recall, owner, n_seq)
    precision_curve = np.cumsum(seq_precision, axis=0)[-1] / n_seq
    recall_curve = np.cumsum(seq_recall, axis=0)[-1] / n_seq
    f_curve = _f(precision_curve, recall_curve, prof.beta)
    # Python's max keeps the first value unless a later one is greater (NaN never is), and index() finds it
    best = 0 if math.isnan(f_curve[0]) else int(np.nanargmax(f_curve))
    per_sequence = {name: {"precision": float(p), "recall": float(r), "f_score": float(_f(p, r, prof.beta))}
                    for name, p, r in zip(names, seq_precision[:, best], seq_recall[:, best])}
    values = {"f_score": float(f_curve[best]), "precision": float(precision_curve[best]),
              "recall": float(recall_curve[best])}
    return LongTermResult(profile=prof.name, values=values, thresholds=thresholds, precision_curve=precision_curve,
                          recall_curve=recall_curve, f_curve=f_curve, best=best, per_sequence_figures=per_sequence)


def _f(precision: np.ndarray, recall: np.ndarray, beta: float) -> np.ndarray:
    """FScoreCurve.compute (line 339), whose `pr_` is the curve's first value, the recall, and `re_` the
    precision: (1 + b^2) R P / (b^2 R + P); the usual F1 for the stacks' beta 1."""
    beta2 = beta * beta
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((1 + beta2) * np.asarray(recall) * precision) / (beta2 * recall + precision)


def _per_sequence_mean(values: np.ndarray, owner: np.ndarray, n_seq: int) -> np.ndarray:
    """(S, K): each sequence's trajectories added in order, over their count (PrecisionRecallCurves, line 240)."""
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    return np.add.reduceat(values, starts, axis=0) / np.bincount(owner, minlength=n_seq)[:, None]


def _assemble(sequences: list[LongTermSequence]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All trajectories as rows padded to the longest sequence (padding: overlap 0 and confidence NaN, which
    passes no threshold), their sequence, and each sequence's visible frames."""
    rows, confidences, owner, visible = [], [], [], []
    for index, seq in enumerate(sequences):
        o = np.atleast_2d(np.asarray(seq.overlaps, dtype=np.float64))
        c = np.atleast_2d(np.asarray(seq.confidence, dtype=np.float64))
        absent = np.asarray(seq.gt_absent, dtype=bool)
        n = len(absent)
        if o.shape != c.shape or o.shape[1] != n or absent.ndim != 1 or len(o) == 0:
            raise EvaluationError(f"{seq.source or seq.name}: sequence {seq.name} has {n} ground-truth frames but "
                                  f"overlaps {o.shape} and confidences {c.shape}; expected (repetitions, {n})")
        rows += list(o)
        confidences += list(np.where(np.isnan(c), 0.0, c))
        owner += [index] * len(o)
        visible.append(n - np.count_nonzero(absent))
    width = max(len(r) for r in rows)
    overlaps = np.zeros((len(rows), width))
    confidence = np.full((len(rows), width), np.nan)
    for i, (o, c) in enumerate(zip(rows, confidences)):
        overlaps[i, :len(o)], confidence[i, :len(c)] = o, c
    return overlaps, confidence, np.array(owner), np.array(visible, dtype=np.float64)
