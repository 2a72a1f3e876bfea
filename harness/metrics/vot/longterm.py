"""The VOT long-term analyses as vot-toolkit 0.9.0 computes them (`vot/analysis/longterm.py`, stacks
vot2018..2022/longterm): tracking precision and recall at confidence thresholds (`determine_thresholds`,
`compute_tpr_curves`, `PrecisionRecallCurves`, `PrecisionRecallCurve`, `pr_curve`), the F-score curve
(`FScoreCurve`, `f_curve`) and the F-score at its best threshold with the precision and recall there
(`PrecisionRecall`, `average_tpr`).

Every frame is placed once among the thresholds (how many lie above its confidence), then overlap sums
and frame counts per trajectory and threshold come from one `bincount` and a cumulative sum: O(frames +
trajectories x thresholds), where the toolkit masks every trajectory once per threshold.

The `pysot` profile scores as pysot's F1Benchmark does (STVIR/pysot@d04028f8e18c
toolkit/evaluation/f1_benchmark.py, toolkit/utils/statistics.py `determine_thresholds`, `calculate_f1`,
toolkit/datasets/vot.py `VOTLTVideo.load_tracker`): docs/vot.md lists where it differs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

from harness.errors import EvaluationError, ProfileError
from harness.metrics.conventions import check_conventions, define
from harness.metrics.fields import Curve, Field, Scatter, Terms, by_figure

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
    # whose overlaps the experiment computes: the toolkit's calculate_overlaps (1 where both regions are empty)
    # or pysot's vot_overlap (NaN where either side has no region, read as 0 by calculate_f1)
    overlap: Literal["vot_toolkit", "pysot"]
    thresholds: Literal["vot_toolkit", "pysot"]  # determine_thresholds of either (`determine_thresholds`, below)
    pool_missing_confidence: bool  # a missing confidence joins the pool thresholds are picked from, as 0
    first_confidence: Literal["stored", "missing"]  # pysot skips the confidence file's first line (NaN)
    lowest_threshold: Literal["every_frame", "positive_confidence"]  # who passes -inf (pysot: confidence > 0)
    repetitions: Literal["all", "first"]  # pysot reads <seq>_001 only
    best: Literal["first_maximum", "nan_first"]  # Python's max over the F curve, or np.argmax (a NaN wins)
    per_sequence_threshold: Literal["overall_best", "own_best"]  # each sequence's figures read at the overall
    # best threshold (the toolkit's sequence table), or at its own F curve's np.argmax (pysot's video table)

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
            overlap="vot_toolkit",
            thresholds="vot_toolkit",
            pool_missing_confidence=True,
            first_confidence="stored",
            lowest_threshold="every_frame",
            repetitions="all",
            best="first_maximum",
            per_sequence_threshold="overall_best",
        ),
        define(
            LongTermProfile,
            name="pysot",
            source="STVIR/pysot@d04028f8e18c toolkit/evaluation/f1_benchmark.py, toolkit/utils/statistics.py, "
                   "toolkit/datasets/vot.py (VOTLTVideo), toolkit/utils/{region.pyx,src/region.c}",
            resolution=100,
            beta=1.0,
            bounded=True,
            overlap="pysot",
            thresholds="pysot",
            pool_missing_confidence=False,
            first_confidence="missing",
            lowest_threshold="positive_confidence",
            repetitions="first",
            best="nan_first",
            per_sequence_threshold="own_best",
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
        return by_figure(self.per_sequence_figures)

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


def pysot_thresholds(confidence: np.ndarray, resolution: int) -> np.ndarray:
    """pysot's determine_thresholds (toolkit/utils/statistics.py lines 121-133), reversed by F1Benchmark (line
    50): the confidences without NaN sorted from low to high, always resolution - 2 of them, at ranks
    floor(linspace(delta - 1, n - delta, resolution - 2) + 0.5) with delta = floor(n / (resolution - 2)); +inf
    first and -inf last. With fewer than resolution - 2 confidences its last rank is n, past the end (pysot
    stops with an IndexError): refused."""
    scores = np.sort(confidence[~np.isnan(confidence)])
    n, picked = len(scores), resolution - 2
    if n < picked:
        raise EvaluationError(f"pysot's F1Benchmark picks {picked} thresholds from the confidences and needs at least "
                              f"that many (it fails on fewer); these results have {n} (the first frame's and "
                              "missing ones are not counted)")
    delta = math.floor(n / picked)
    ranks = np.floor(np.linspace(delta - 1, n - delta, picked) + 0.5).astype(np.int32)
    return np.concatenate([[math.inf], scores[ranks][::-1], [-math.inf]])


def evaluate_longterm(sequences: list[LongTermSequence], profile: str | LongTermProfile = "vot_toolkit") -> LongTermResult:
    """Precision, recall and F-score curves over the tracker's confidence thresholds and the F-score at its
    best threshold, as vot-toolkit 0.9.0's `pr_curve`, `f_curve` and `average_tpr` report them (or pysot's
    F1Benchmark `eval` and `show_result`, under its profile).

    Raises EvaluationError for shapes the toolkit asserts against (a trajectory, its confidences and the ground
    truth of different lengths)."""
    prof = profile if isinstance(profile, LongTermProfile) else get_profile(profile)
    if not sequences:
        raise EvaluationError(f"nothing to evaluate under long-term profile {prof.name}: no sequences given")
    names = tuple(s.name for s in sequences)
    if len(set(names)) != len(names):
        raise EvaluationError("duplicate sequence names in the long-term results")
    overlaps, confidence, pool, owner, visible = _assemble(sequences, prof)
    pick = pysot_thresholds if prof.thresholds == "pysot" else determine_thresholds
    thresholds = pick(pool, prof.resolution)
    k = len(thresholds)
    # a frame passes the thresholds from index `first` on (confidence >= t: those not above it); padding none
    first = np.where(np.isnan(confidence), k, k - np.searchsorted(thresholds[::-1], confidence, side="right"))
    n_traj = len(owner)
    trajectory = np.repeat(np.arange(n_traj), overlaps.shape[1])
    bins = trajectory * (k + 1) + first.ravel()
    counts = np.cumsum(np.bincount(bins, minlength=n_traj * (k + 1)).reshape(n_traj, k + 1), axis=1)[:, :k]
    sums = np.cumsum(np.bincount(bins, weights=overlaps.ravel(), minlength=n_traj * (k + 1))
                     .reshape(n_traj, k + 1), axis=1)[:, :k]
    if prof.lowest_threshold == "positive_confidence":  # calculate_f1 lines 143-144: at -inf, score > 0 only
        passing = confidence > 0
        counts[:, -1], sums[:, -1] = passing.sum(axis=1), np.where(passing, overlaps, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # a sequence without a visible frame: inf or NaN, as there
        precision = np.where(counts == 0, 1.0, sums / np.maximum(counts, 1))
        recall = np.where(counts == 0, 0.0, sums / visible[owner][:, None])
    n_seq = len(sequences)
    seq_precision, seq_recall = _per_sequence_mean(precision, owner, n_seq), _per_sequence_mean(recall, owner, n_seq)
    precision_curve = np.cumsum(seq_precision, axis=0)[-1] / n_seq
    recall_curve = np.cumsum(seq_recall, axis=0)[-1] / n_seq
    f_curve = _f(precision_curve, recall_curve, prof.beta)
    best = _best(f_curve, prof)
    seq_f = _f(seq_precision, seq_recall, prof.beta)
    # show_result's video table (f1_benchmark.py line 130): each video's own np.argmax, a NaN first
    read_at = np.argmax(seq_f, axis=1) if prof.per_sequence_threshold == "own_best" else np.full(n_seq, best)
    rows = np.arange(n_seq)
    per_sequence = {name: {"precision": float(p), "recall": float(r), "f_score": float(f)}
                    for name, p, r, f in zip(names, seq_precision[rows, read_at], seq_recall[rows, read_at],
                                             seq_f[rows, read_at])}
    values = {"f_score": float(f_curve[best]), "precision": float(precision_curve[best]),
              "recall": float(recall_curve[best])}
    return LongTermResult(profile=prof.name, values=values, thresholds=thresholds, precision_curve=precision_curve,
                          recall_curve=recall_curve, f_curve=f_curve, best=best, per_sequence_figures=per_sequence)


def _best(f_curve: np.ndarray, prof: LongTermProfile) -> int:
    if prof.best == "nan_first":  # show_result line 81: np.argmax, for which a NaN is the maximum
        return int(np.argmax(f_curve))
    # Python's max keeps the first value unless a later one is greater (NaN never is), and index() finds it
    return 0 if math.isnan(f_curve[0]) else int(np.nanargmax(f_curve))


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


def _assemble(sequences: list[LongTermSequence], prof: LongTermProfile
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All trajectories as rows padded to the longest sequence (padding: overlap 0 and confidence NaN, which
    passes no threshold; a missing confidence reads as 0), the confidences the thresholds are picked from,
    each row's sequence, and each sequence's visible frames."""
    rows, confidences, pool, owner, visible = [], [], [], [], []
    for index, seq in enumerate(sequences):
        o = np.atleast_2d(np.asarray(seq.overlaps, dtype=np.float64))
        c = np.atleast_2d(np.asarray(seq.confidence, dtype=np.float64))
        absent = np.asarray(seq.gt_absent, dtype=bool)
        n = len(absent)
        if o.shape != c.shape or o.shape[1] != n or absent.ndim != 1 or len(o) == 0:
            raise EvaluationError(f"{seq.source or seq.name}: sequence {seq.name} has {n} ground-truth frames but "
                                  f"overlaps {o.shape} and confidences {c.shape}; expected (repetitions, {n})")
        if prof.repetitions == "first":
            o, c = o[:1], c[:1]
        if prof.first_confidence == "missing":  # load_tracker (vot.py lines 170-171) drops line 1, inserts NaN
            c = c.copy()
            c[:, 0] = np.nan
        if prof.overlap == "pysot":  # calculate_f1 line 137: a NaN overlap (a side without a region) counts 0
            o = np.nan_to_num(o, nan=0.0)
        read = np.where(np.isnan(c), 0.0, c)  # the toolkit's `get('confidence', 0)`; calculate_f1 line 139
        pool.append((read if prof.pool_missing_confidence else c).ravel())
        rows += list(o)
        confidences += list(read)
        owner += [index] * len(o)
        visible.append(n - np.count_nonzero(absent))
    width = max(len(r) for r in rows)
    overlaps = np.zeros((len(rows), width))
    confidence = np.full((len(rows), width), np.nan)
    for i, (o, c) in enumerate(zip(rows, confidences)):
        overlaps[i, :len(o)], confidence[i, :len(c)] = o, c
    return overlaps, confidence, np.concatenate(pool), np.array(owner), np.array(visible, dtype=np.float64)
