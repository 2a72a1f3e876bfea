"""The VOT 2020+ multistart analyses as vot-toolkit 0.9.0 computes them (`vot/analysis/multistart.py`):
accuracy and robustness per sequence and overall (`AccuracyRobustness`, `AverageAccuracyRobustness`,
`multistart_average_ar`), the EAO curve (`EAOCurves`, `EAOCurve`) and the EAO score (`EAOScore`).

The caller gives each sequence's anchor runs in the toolkit's order (forward anchors in frame order, then
backward ones), each as its per-frame overlaps and ground-truth-empty flags in run order (frame 0 the
anchor frame). All runs of all sequences are scored at once: failures by a running count of consecutive
bad frames, sums by `bincount` (sequential, so per run and per sequence the sums are Python's own),
prefix means of the EAO curve by one cumulative sum over a (runs, high) matrix. docs/vot.md lists which
toolkit lines each step follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from harness.errors import EvaluationError, ProfileError
from harness.metrics.conventions import check_conventions, define
from harness.metrics.fields import Curve, Field, Scatter, Terms, by_figure

FIELDS = (
    Field("eao", "EAO", "higher", description="multistart expected average overlap over the stack's interval"),
    Field("accuracy", "accuracy", "higher", short="A",
          description="mean overlap of the anchor runs' frames before their failure points, weighted by tracked frames"),
    Field("robustness", "robustness", "higher", short="R",
          description="fraction of the anchor runs' frames before their failure points, weighted by sequence length"),
)


@dataclass(frozen=True)
class MultistartProfile:
    name: str
    source: str
    grace: int  # consecutive bad frames that make a failure (the toolkit's countdown: 0 never fails)
    threshold: float  # a frame is bad when its overlap is at or below this and its ground truth is not empty
    burnin: int  # the toolkit bounds overlaps by the image exactly when burnin > 0; it is used for nothing else
    low: int  # the EAO score averages curve points low .. high - 1 (`x[0][low:high + 1]` of a high-point curve)
    high: int  # the EAO curve's length: points 0 .. high - 1

    def __post_init__(self) -> None:
        check_conventions(self)
        for name in ("grace", "burnin", "low", "high"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ProfileError(f"profile {self.name}: {name}={value!r} must be an integer >= 0")
        if not isinstance(self.threshold, float) or not 0.0 <= self.threshold <= 1.0:
            raise ProfileError(f"profile {self.name}: threshold={self.threshold!r} must be a float in [0, 1]")
        if not 0 < self.low < self.high:
            raise ProfileError(f"profile {self.name}: the EAO interval low={self.low}, high={self.high} must "
                               f"satisfy 0 < low < high")

    @property
    def bounded(self) -> bool:
        """Whether overlaps are computed within the image bounds (`proxy.size if self.burnin else None`)."""
        return self.burnin > 0


PROFILES: dict[str, MultistartProfile] = {
    p.name: p
    for p in (
        define(
            MultistartProfile,
            name="vot_toolkit",
            source="vot-toolkit 0.9.0 (votchallenge/toolkit@56f0053f6890) vot/analysis/multistart.py; "
                   "stacks vot2020/2021/2022 shortterm, vot2022 shorttermbox",
            grace=10,
            threshold=0.1,
            burnin=10,
            low=115,
            high=755,
        ),
    )
}


def get_profile(name: str) -> MultistartProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown multistart profile {name!r}; known profiles: {', '.join(PROFILES)}") from None


@dataclass(frozen=True)
class AnchorRun:
    """One run of the multistart experiment: from `anchor` to the last frame, or (backward) to frame 0."""

    anchor: int  # the sequence frame the run is initialised on
    backward: bool
    overlaps: np.ndarray  # (n,) float64 in run order, overlaps[0] on the anchor frame
    gt_empty: np.ndarray  # (n,) bool in run order: the ground truth is empty (the toolkit's `is_empty()`)


@dataclass(frozen=True)
class MultistartSequence:
    name: str
    length: int  # frames of the sequence
    runs: tuple[AnchorRun, ...]  # forward anchors in frame order, then backward anchors in frame order
    source: str = ""  # where the runs came from, for error messages


@dataclass(frozen=True)
class MultistartResult:
    profile: str
    eao_interval: tuple[int, int]
    values: dict[str, float | None]  # eao, accuracy, robustness
    eao_curve: np.ndarray  # (high,) the toolkit's multistart_eao_curve
    per_sequence_figures: dict[str, dict[str, float]]  # sequence -> accuracy, robustness
    sequence_terms: dict[str, Terms] = field(default_factory=dict)
    fields: ClassVar[tuple[Field, ...]] = FIELDS

    def curves(self) -> list[Curve]:
        """The toolkit's EAO plot: over sequence length in frames, 0..1, the score's interval shaded."""
        return [Curve("eao_curve", "expected average overlap", "sequence length (frames)",
                      np.arange(len(self.eao_curve)), self.eao_curve, shade=tuple(float(v) for v in self.eao_interval),
                      field="eao", terms=self.sequence_terms.get("eao_curve"), y_range=(0.0, 1.0))]

    @property
    def table_fields(self) -> tuple[str, ...]:
        return ("eao", "accuracy", "robustness")

    def terms(self) -> dict[str, Terms]:
        return {name: t for name, t in self.sequence_terms.items() if name in self.values}

    def scatters(self) -> list[Scatter]:
        """The toolkit's AR plot: robustness on x, accuracy on y, both in [0, 1]."""
        return [Scatter("ar_plot", "accuracy-robustness", x="robustness", y="accuracy", x_range=(0.0, 1.0),
                        y_range=(0.0, 1.0))]

    def groups(self) -> dict[str, dict[str, dict[str, float]]]:
        return {}

    def per_sequence(self) -> dict[str, dict[str, float]]:
        return by_figure(self.per_sequence_figures)

    def to_json(self) -> dict:
        return {**self.values, "eao_curve": [float(v) for v in self.eao_curve],
                "eao_interval": list(self.eao_interval), "per_sequence": self.per_sequence_figures}


@dataclass(frozen=True)
class _Runs:
    """Every run of every sequence concatenated: frame arrays (F,) and run arrays (R,)."""

    overlaps: np.ndarray
    bad: np.ndarray
    run: np.ndarray  # the run of each frame
    local: np.ndarray  # the frame's index within its run
    length: np.ndarray  # (R,) frames per run
    sequence: np.ndarray  # (R,) the sequence of each run
    first_run: np.ndarray  # (S,) index of each sequence's first run


def evaluate_multistart(sequences: list[MultistartSequence],
                        profile: str | MultistartProfile = "vot_toolkit") -> MultistartResult:
    """Score multistart runs: EAO, accuracy and robustness overall and per sequence, as
    `multistart_eao_score`, `multistart_eao_curve` and `multistart_average_ar` of vot-toolkit 0.9.0 do.

    Raises EvaluationError for what the toolkit cannot score (a sequence without runs, runs whose length
    does not match their anchor, flags and overlaps of different lengths)."""
    prof = profile if isinstance(profile, MultistartProfile) else get_profile(profile)
    runs = _assemble(sequences, prof)
    progress = _progress(runs, prof.grace)
    tracked = runs.local < progress[runs.run]
    kept = np.where(tracked, runs.overlaps, 0.0)  # the EAO's zeroed tail; the accuracy sums these too
    names = tuple(s.name for s in sequences)
    n_seq = len(sequences)

    robustness_frames = np.bincount(runs.sequence, weights=progress, minlength=n_seq)
    overlap_sum = np.bincount(runs.sequence, weights=np.bincount(runs.run, weights=kept, minlength=len(progress)),
                              minlength=n_seq)
    total = np.bincount(runs.sequence, weights=runs.length, minlength=n_seq)
    lengths = np.array([s.length for s in sequences], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(robustness_frames > 0, overlap_sum / robustness_frames, 0.0)
    robustness = robustness_frames / total

    # AverageAccuracyRobustness.aggregate: accuracy weighted by tracked frames, robustness by sequence length
    accuracy_num, robustness_num = accuracy * robustness_frames, robustness * lengths
    overall_accuracy = _ratio(_sequential_sum(accuracy_num), _sequential_sum(robustness_frames))
    overall_robustness = _ratio(_sequential_sum(robustness_num), _sequential_sum(lengths))

    curves, active = _eao_curves(runs, kept, progress == runs.length, prof.high)
    weighted = curves * active  # EAOCurve.aggregate: eao_ * active_ * seq_w, seq_w = 1
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = active.sum(axis=0)
        eao_curve = np.where(denominator > 0, weighted.sum(axis=0) / denominator, 0.0)
    eao = float(np.mean(eao_curve[prof.low:prof.high + 1]))

    interval = slice(prof.low, prof.high)
    terms = {
        "accuracy": Terms(names, accuracy_num[:, None], robustness_frames[:, None]),
        "robustness": Terms(names, robustness_num[:, None], lengths[:, None]),
        "eao": Terms(names, weighted[:, interval], active[:, interval]),
        "eao_curve": Terms(names, weighted, active),
    }
    per_sequence = {name: {"accuracy": float(a), "robustness": float(r)}
                    for name, a, r in zip(names, accuracy, robustness)}
    return MultistartResult(profile=prof.name, eao_interval=(prof.low, prof.high),
                            values={"eao": eao, "accuracy": overall_accuracy, "robustness": overall_robustness},
                            eao_curve=eao_curve, per_sequence_figures=per_sequence, sequence_terms=terms)


def _sequential_sum(values: np.ndarray) -> float:
    """Left to right, as the toolkit's `+=` loops add (numpy's sum is pairwise beyond 8 values)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def _ratio(numerator: float, denominator: float) -> float:
    """NaN where the toolkit divides by zero (no frame tracked anywhere: it raises ZeroDivisionError)."""
    return numerator / denominator if denominator else float("nan")


def _assemble(sequences: list[MultistartSequence], prof: MultistartProfile) -> _Runs:
    if not sequences:
        raise EvaluationError(f"nothing to evaluate under multistart profile {prof.name}: no sequences given")
    names = [s.name for s in sequences]
    if len(set(names)) != len(names):
        raise EvaluationError("duplicate sequence names in the multistart results")
    overlaps, empty, lengths, owner = [], [], [], []
    for index, seq in enumerate(sequences):
        where = seq.source or seq.name
        if not seq.runs:
            raise EvaluationError(f"{where}: sequence {seq.name} has no anchor runs (the toolkit needs at least "
                                  f"one anchor)")
        order = [(r.backward, r.anchor) for r in seq.runs]
        if order != sorted(order) or len(set(order)) != len(order):
            raise EvaluationError(f"{where}: the runs of {seq.name} must be the forward anchors in frame order, "
                                  f"then the backward ones, each once; got {order}")
        for run in seq.runs:
            o = np.asarray(run.overlaps, dtype=np.float64)
            e = np.asarray(run.gt_empty, dtype=bool)
            want = run.anchor + 1 if run.backward else seq.length - run.anchor
            if not 0 <= run.anchor < seq.length or o.shape != (want,) or e.shape != (want,):
                direction = "backward" if run.backward else "forward"
                raise EvaluationError(f"{where}: the {direction} run of {seq.name} from frame {run.anchor} has "
                                      f"{o.shape} overlaps and {e.shape} ground-truth flags; a {seq.length}-frame "
                                      f"sequence gives it ({want},) of each")
            overlaps.append(o), empty.append(e), lengths.append(want), owner.append(index)
    length = np.array(lengths, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    run = np.repeat(np.arange(len(length)), length)
    o = np.concatenate(overlaps)
    runs_per_sequence = np.bincount(owner, minlength=len(sequences))
    return _Runs(overlaps=o, bad=(o <= prof.threshold) & ~np.concatenate(empty), run=run,
                 local=np.arange(len(o)) - start[run], length=length, sequence=np.array(owner, dtype=np.int64),
                 first_run=np.concatenate([[0], np.cumsum(runs_per_sequence)[:-1]]))


def _progress(runs: _Runs, grace: int) -> np.ndarray:
    """(R,) each run's failure point: the first frame of the first `grace` consecutive bad frames, or the
    run's length (multistart.py lines 124-134: the countdown resets on every good frame and every frame
    whose ground truth is empty, and a grace of 0 counts down past zero, so never fails)."""
    progress = runs.length.copy()
    if grace == 0:
        return progress
    index = np.arange(len(runs.bad))
    start = index - runs.local
    last_good = np.maximum.accumulate(np.where(runs.bad, start - 1, index))
    hit = np.flatnonzero(index - last_good == grace)  # the frame where the countdown reaches zero
    failed, first = np.unique(runs.run[hit], return_index=True)
    progress[failed] = runs.local[hit[first]] + 1 - grace
    return progress


def _eao_curves(runs: _Runs, kept: np.ndarray, success: np.ndarray, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(S, high) each sequence's curve and active counts, as compute_eao_partial (lines 20-50): point j
    averages, over runs, the mean of overlaps 1..j of a run longer than j, and a failed shorter run's sum of
    overlaps 1..n-1 divided by j - 1 (sic); other runs do not count at j. Point 0 is always 0."""
    n_runs = len(runs.length)
    within_curve = (runs.local >= 1) & (runs.local < high)
    matrix = np.zeros((n_runs, high))
    matrix[runs.run[within_curve], runs.local[within_curve]] = kept[within_curve]
    prefix = np.cumsum(matrix, axis=1)
    j = np.arange(high)
    inside = (j >= 1) & (j < runs.length[:, None])
    after = (j >= 1) & ~inside & ~success[:, None]
    whole = prefix[np.arange(n_runs), np.minimum(runs.length, high) - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(inside, prefix / j, np.where(after, whole[:, None] / (j - 1), 0.0))
    active = (inside | after).astype(np.float64)
    phi = np.add.reduceat(values, runs.first_run, axis=0)
    counts = np.add.reduceat(active, runs.first_run, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, phi / counts, 0.0), counts
