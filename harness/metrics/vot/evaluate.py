"""VOT supervised (reset-based) evaluation: accuracy, robustness and EAO under a named profile.

Every repetition of every sequence is concatenated into one frame array; overlaps are computed for all
frames at once (`frames.py`, `regions.py`, `exact.py`), then reduced per profile (`scores.py`,
`eao.py`). See docs/vot.md for each profile's conventions.

Robustness is not one figure: the VOT toolkit reports the length-weighted failure count and plots
exp(-30 F / L), pysot reports failures per 100 frames, got10k a tag-weighted failure count. Each is a
field of its own, with its own name and direction; a profile reports the ones its toolkit does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.fields import Curve, Field, Scatter, Terms, by_figure
from harness.metrics.vot import scores as vot_scores
from harness.metrics.vot.frames import Frames
from harness.metrics.vot.profiles import VOTProfile, get_profile
from harness.metrics.vot.status import FAILED, INITIALISED, SKIPPED, TRACKED

FIELDS = (
    Field("eao", "EAO", "higher", description="expected average overlap over the benchmark's interval"),
    Field("accuracy", "accuracy", "higher", description="mean overlap of tracked frames after the burn-in", short="A"),
    Field("ar_robustness", "R (AR plot)", "higher", description="the VOT toolkit's exp(-30 F / L)", short="R"),
    Field("weighted_failures", "R (weighted failures)", "lower", digits=2,
          description="the VOT toolkit's reported robustness: failures per sequence, weighted by length", short="R"),
    Field("failures_per_100_frames", "R (failures/100 frames)", "lower",
          description="pysot's robustness: failures over all frames x 100, mean over repetitions", short="R"),
    Field("tag_weighted_failures", "R (tag-weighted failures)", "lower", digits=2,
          description="got10k's robustness: failures per tag, weighted by the tag's frame count", short="R"),
    Field("failures", "failures", "lower", digits=1, description="failures over all sequences, mean over repetitions"),
)
# The robustness a toolkit reports (one per profile), in the order tables look for it.
REPORTED_ROBUSTNESS = ("weighted_failures", "failures_per_100_frames", "tag_weighted_failures")


@dataclass(frozen=True)
class VOTTrajectory:
    """One repetition of one sequence under the supervised protocol."""

    sequence: str
    repetition: int
    status: np.ndarray  # (N,) int8: 1 initialised, 2 failed, 0 skipped, 3 tracked (a region present)
    # (N, 4) x, y, w, h or (N, 8) polygons (x, y, w, h then NaN x 4: a rectangle); NaN where there is no region
    boxes: np.ndarray
    source: str = ""  # file the trajectory came from, for error messages


@dataclass(frozen=True)
class VOTSequenceTruth:
    name: str
    gt: np.ndarray  # (N, 8) polygons or (N, 4) rectangles x, y, w, h
    tags: dict[str, np.ndarray]  # per-frame flags (N,); an empty array: no annotation file for that tag
    width: int
    height: int


@dataclass(frozen=True)
class VOTResult:
    profile: str
    eao_interval: tuple[int, int]
    values: dict[str, float | None]  # every field by name; None where the profile's toolkit does not report it
    eao_curve: np.ndarray | None  # None where the toolkit has no EAO (got10k)
    per_sequence_figures: dict[str, dict[str, float]]  # sequence -> figure -> value
    per_tag: dict[str, dict[str, float]]
    extras: dict[str, float] = field(default_factory=dict)  # profile-specific figures (docs/vot.md)
    sequence_terms: dict[str, Terms] = field(default_factory=dict)  # the figures that are sums over sequences
    fields: ClassVar[tuple[Field, ...]] = FIELDS

    @property
    def eao(self) -> float | None:
        return self.values["eao"]

    @property
    def accuracy(self) -> float:
        return self.values["accuracy"]

    @property
    def failures(self) -> float:
        return self.values["failures"]

    def curves(self) -> list[Curve]:
        if self.eao_curve is None:
            return []
        return [Curve("eao_curve", "expected average overlap", "sequence length", np.arange(len(self.eao_curve)),
                      self.eao_curve, shade=tuple(float(v) for v in self.eao_interval), field="eao")]

    @property
    def table_fields(self) -> tuple[str, ...]:
        robustness = next(name for name in REPORTED_ROBUSTNESS if self.values.get(name) is not None)
        return (*(("eao",) if self.eao is not None else ()), "accuracy", robustness)

    def terms(self) -> dict[str, Terms]:
        return {name: t for name, t in self.sequence_terms.items() if self.values.get(name) is not None}

    def scatters(self) -> list[Scatter]:
        """The accuracy-robustness plot, on the toolkit's AR-plot robustness where it has one: both in 0..1, as the
        toolkit draws it; another profile's robustness (a failure rate) has no upper bound."""
        if self.values.get("ar_robustness") is not None:
            return [Scatter("ar_plot", "accuracy-robustness", x="ar_robustness", y="accuracy", x_range=(0.0, 1.0),
                            y_range=(0.0, 1.0))]
        return [Scatter("ar_plot", "accuracy-robustness", x=self.table_fields[-1], y="accuracy", y_range=(0.0, 1.0))]

    def groups(self) -> dict[str, dict[str, dict[str, float]]]:
        return {"tag": self.per_tag} if self.per_tag else {}

    def per_sequence(self) -> dict[str, dict[str, float]]:
        """figure -> sequence -> value."""
        return by_figure(self.per_sequence_figures)

    def to_json(self) -> dict:
        curve = None if self.eao_curve is None else [float(v) for v in self.eao_curve]
        return {**self.values, "eao_curve": curve, "eao_interval": list(self.eao_interval),
                "per_sequence": self.per_sequence_figures, "per_tag": self.per_tag, **self.extras}


def evaluate_vot(
    trajectories: list[VOTTrajectory], truth: list[VOTSequenceTruth], profile: str | VOTProfile,
    eao_interval: tuple[int, int],
) -> VOTResult:
    """Score supervised-protocol trajectories under a profile (a name from `profiles.PROFILES`, or a
    VOTProfile); `eao_interval` is the benchmark's (its record's `eao_interval`).

    Sequences are taken in the order of `truth`, repetitions in increasing order (the order the toolkits
    accumulate in). Raises EvaluationError for what the profile's toolkit cannot score: a sequence without
    results, a length mismatch, markers out of protocol.
    """
    prof = profile if isinstance(profile, VOTProfile) else get_profile(profile)
    low, high = eao_interval
    if not (isinstance(low, int) and isinstance(high, int) and 0 < low < high):
        raise EvaluationError(f"EAO interval {tuple(eao_interval)} must be two sequence lengths, low < high")
    frames = assemble(trajectories, truth, prof)
    reduce = {"vot_toolkit": vot_scores.vot_toolkit, "pysot": vot_scores.pysot, "got10k": vot_scores.got10k}
    scored = reduce[prof.reduction](frames, truth, prof, low, high)
    values = {f.name: scored["values"].get(f.name) for f in FIELDS}
    return VOTResult(profile=prof.name, eao_interval=(low, high), values=values, eao_curve=scored["eao_curve"],
                     per_sequence_figures=scored["per_sequence"], per_tag=scored["per_tag"], extras=scored["extras"],
                     sequence_terms=scored["terms"])


def assemble(trajectories: list[VOTTrajectory], truth: list[VOTSequenceTruth], prof: VOTProfile) -> Frames:
    """Concatenate the trajectories each sequence is scored with, checked for what the toolkits assume."""
    names = [t.name for t in truth]
    if not names:
        raise EvaluationError(f"nothing to evaluate under profile {prof.name}: no sequences given")
    if len(set(names)) != len(names):
        raise EvaluationError("duplicate sequence names in the ground truth")
    for seq in truth:
        for tag, flags in seq.tags.items():
            if np.shape(flags) not in ((len(seq.gt),), (0,)):
                raise EvaluationError(f"tag {tag!r} of {seq.name}: {np.shape(flags)} flags for {len(seq.gt)} frames")
    index = {name: i for i, name in enumerate(names)}
    by_sequence: list[dict[int, VOTTrajectory]] = [{} for _ in truth]
    for t in trajectories:
        if t.sequence not in index:
            raise EvaluationError(f"{t.source or t.sequence}: sequence {t.sequence!r} is not in the ground truth")
        if t.repetition in by_sequence[index[t.sequence]]:
            raise EvaluationError(f"{t.source or t.sequence}: repetition {t.repetition} of {t.sequence} given twice")
        by_sequence[index[t.sequence]][t.repetition] = t
    chosen: list[VOTTrajectory] = []
    for seq, reps in zip(truth, by_sequence):
        if not reps:
            raise EvaluationError(f"no results for sequence {seq.name} under profile {prof.name}")
        ordered = [reps[r] for r in sorted(reps)]
        if prof.repetitions_rule == "fifteen_or_first" and len(ordered) != 15:
            ordered = ordered[:1]  # pysot reads all repetitions only when there are exactly 15
        for t in ordered:
            _check_shapes(t, len(seq.gt))
        chosen += ordered
    lengths = np.array([len(t.status) for t in chosen], dtype=np.int64)
    width = max(np.shape(t.boxes)[1] for t in chosen)
    boxes = [np.asarray(t.boxes, dtype=np.float64) for t in chosen]
    if any(b.shape[1] != width for b in boxes):  # rectangles among polygons: NaN in the last four columns
        boxes = [np.pad(b, ((0, 0), (0, width - b.shape[1])), constant_values=np.nan) for b in boxes]
    seq_of = np.array([index[t.sequence] for t in chosen], dtype=np.int64)
    gt_start = np.concatenate([[0], np.cumsum([len(s.gt) for s in truth])[:-1]]).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    local = np.arange(lengths.sum()) - np.repeat(start, lengths)
    frames = Frames(
        status=np.concatenate([np.asarray(t.status) for t in chosen]),
        boxes=np.concatenate(boxes),
        gt_frame=np.repeat(gt_start[seq_of], lengths) + local,
        traj_sequence=seq_of,
        start=start,
        length=lengths,
        n_repetitions=np.bincount(seq_of, minlength=len(truth)),
    )
    _check_protocol(frames, chosen, local)
    return frames


def _where(t: VOTTrajectory) -> str:
    return f"{t.source or t.sequence} (sequence {t.sequence}, repetition {t.repetition})"


def _check_shapes(t: VOTTrajectory, n: int) -> None:
    status, boxes = np.shape(t.status), np.shape(t.boxes)
    if status != (n,) or len(boxes) != 2 or boxes[0] != n or boxes[1] not in (4, 8):
        raise EvaluationError(
            f"{_where(t)}: expected status ({n},) and boxes ({n}, 4) or ({n}, 8) for {n} ground-truth frames, "
            f"got {status} and {boxes}"
        )


def _check_protocol(frames: Frames, chosen: list[VOTTrajectory], local: np.ndarray) -> None:
    """Status values, regions of tracked frames, and the markers: the toolkits pair the k-th failure with
    the k-th initialisation, so every trajectory starts with 1 and failures and re-initialisations alternate."""
    status, boxes = frames.status, frames.boxes
    finite = np.isfinite(boxes[:, :4]).all(axis=1)
    if boxes.shape[1] == 8:  # a polygon, or a rectangle with NaN in the last four columns
        finite &= np.isfinite(boxes[:, 4:]).all(axis=1) | np.isnan(boxes[:, 4:]).all(axis=1)
    markers = np.flatnonzero((status == INITIALISED) | (status == FAILED))
    traj = frames.traj
    restarts = np.concatenate([[True], traj[markers[1:]] != traj[markers[:-1]]])
    repeated = ~restarts & (status[markers] == np.roll(status[markers], 1))
    problems = [
        (np.flatnonzero(~np.isin(status, (SKIPPED, INITIALISED, FAILED, TRACKED))), "has status {}, not 0, 1, 2 or 3"),
        (np.flatnonzero((status == TRACKED) & ~finite), "is tracked (status {}) but its region is not finite"),
        (
            np.sort(np.concatenate([frames.start[status[frames.start] != INITIALISED], markers[repeated]])),
            "(status {}) breaks the supervised protocol: the first frame is 1, then failures (2) and "
            "re-initialisations (1) alternate",
        ),
    ]
    for bad, message in problems:
        if len(bad):
            i = bad[0]
            raise EvaluationError(f"{_where(chosen[traj[i]])}: frame {local[i] + 1} " + message.format(status[i]))
