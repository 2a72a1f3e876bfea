"""The VOT toolkit's average accuracy (vot-toolkit 0.9.0 `vot/analysis/accuracy.py`: `gather_overlaps`,
`SequenceAccuracy`, `AverageAccuracy`), which the VOT 2020-2022 short-term stacks report for their
`unsupervised` experiment (burn-in 1): per trajectory the mean overlap of the frames it keeps, per sequence
the mean over repetitions, overall the mean over sequences weighted by their length.

Which frames a trajectory keeps is decided per frame by the toolkit's chain of tests, first match wins
(accuracy.py lines 58-74); it is evaluated here on all repetitions of a sequence at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from harness.errors import EvaluationError, ProfileError
from harness.metrics.conventions import check_conventions, define
from harness.metrics.fields import Curve, Field, Scatter, Terms
from harness.metrics.vot.status import FAILED, INITIALISED, SKIPPED, TRACKED

FIELDS = (
    Field("accuracy", "accuracy", "higher", short="A",
          description="mean overlap of the kept frames per sequence, averaged over sequences weighted by length"),
)


@dataclass(frozen=True)
class AccuracyProfile:
    name: str
    source: str
    burnin: int  # frames left out from each initialisation on, the initialisation frame included (0: none)
    ignore_unknown: bool  # leave out frames where the tracker gave no region (status 0)
    ignore_invisible: bool  # leave out frames whose ground truth is empty
    bounded: bool  # overlaps are computed within the image bounds (the caller's overlaps must be)
    threshold: float | None  # leave out frames with overlap at or below it (None: keep all)
    weighted: bool  # sequences weighted by their length (else each counts once)

    def __post_init__(self) -> None:
        check_conventions(self)
        if not isinstance(self.burnin, int) or isinstance(self.burnin, bool) or self.burnin < 0:
            raise ProfileError(f"profile {self.name}: burnin={self.burnin!r} must be an integer >= 0")
        if self.threshold is not None and not (isinstance(self.threshold, float) and 0.0 <= self.threshold <= 1.0):
            raise ProfileError(f"profile {self.name}: threshold={self.threshold!r} must be None or a float in [0, 1]")


PROFILES: dict[str, AccuracyProfile] = {
    p.name: p
    for p in (
        define(
            AccuracyProfile,
            name="vot_toolkit",
            source="vot-toolkit 0.9.0 (votchallenge/toolkit@56f0053f6890) vot/analysis/accuracy.py; the "
                   "unsupervised experiment of stacks vot2020/2021/2022 shortterm, vot2022 shorttermbox",
            burnin=1,
            ignore_unknown=True,
            ignore_invisible=False,
            bounded=True,
            threshold=None,
            weighted=True,
        ),
    )
}


def get_profile(name: str) -> AccuracyProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown average-accuracy profile {name!r}; known profiles: {', '.join(PROFILES)}") from None


@dataclass(frozen=True)
class AccuracySequence:
    """One sequence's trajectories (repetitions), each frame's overlap and status, and its ground truth's kind."""

    name: str
    overlaps: np.ndarray  # (R, N) or (N,) float64, the toolkit's overlap of each frame
    status: np.ndarray  # (R, N) or (N,): 1 initialised, 2 failed, 0 no region (Special 0), 3 a region
    gt_unknown: np.ndarray  # (N,) bool: the ground truth is the toolkit's Special 0 (a NaN or `0` line)
    gt_empty: np.ndarray  # (N,) bool: the ground truth is empty (`is_empty()`: special, zero-size or empty mask)
    source: str = ""


@dataclass(frozen=True)
class AccuracyResult:
    profile: str
    values: dict[str, float | None]  # accuracy
    per_sequence_figures: dict[str, dict[str, float]]  # sequence -> accuracy
    sequence_terms: dict[str, Terms] = field(default_factory=dict)
    fields: ClassVar[tuple[Field, ...]] = FIELDS

    def curves(self) -> list[Curve]:
        return []

    @property
    def table_fields(self) -> tuple[str, ...]:
        return ("accuracy",)

    def terms(self) -> dict[str, Terms]:
        return dict(self.sequence_terms)

    def scatters(self) -> list[Scatter]:
        return []

    def groups(self) -> dict[str, dict[str, dict[str, float]]]:
        return {}

    def per_sequence(self) -> dict[str, dict[str, float]]:
        return {"accuracy": {s: v["accuracy"] for s, v in self.per_sequence_figures.items()}}

    def to_json(self) -> dict:
        return {**self.values, "per_sequence": self.per_sequence_figures}


def average_accuracy(sequences: list[AccuracySequence], profile: str | AccuracyProfile = "vot_toolkit") -> AccuracyResult:
    """`average_accuracy` of vot-toolkit 0.9.0 on each sequence's trajectories and overall.

    Raises EvaluationError for shapes the toolkit would refuse (its asserts: a trajectory as long as the ground
    truth) and statuses other than 0-3."""
    prof = profile if isinstance(profile, AccuracyProfile) else get_profile(profile)
    if not sequences:
        raise EvaluationError(f"nothing to evaluate under average-accuracy profile {prof.name}: no sequences given")
    names = tuple(s.name for s in sequences)
    if len(set(names)) != len(names):
        raise EvaluationError("duplicate sequence names in the unsupervised results")
    accuracy = np.array([_sequence_accuracy(s, prof) for s in sequences])
    weights = np.array([len(s.gt_unknown) if prof.weighted else 1 for s in sequences], dtype=np.float64)
    numerator = accuracy * weights
    # AverageAccuracy.aggregate adds left to right
    overall = float(np.cumsum(numerator)[-1] / np.cumsum(weights)[-1])
    return AccuracyResult(profile=prof.name, values={"accuracy": overall},
                          per_sequence_figures={n: {"accuracy": float(a)} for n, a in zip(names, accuracy)},
                          sequence_terms={"accuracy": Terms(names, numerator[:, None], weights[:, None])})


def _sequence_accuracy(seq: AccuracySequence, prof: AccuracyProfile) -> float:
    overlaps = np.atleast_2d(np.asarray(seq.overlaps, dtype=np.float64))
    status = np.atleast_2d(np.asarray(seq.status))
    unknown, empty = np.asarray(seq.gt_unknown, dtype=bool), np.asarray(seq.gt_empty, dtype=bool)
    n = len(unknown)
    where = seq.source or seq.name
    if overlaps.shape != status.shape or overlaps.shape[1] != n or empty.shape != (n,) or len(overlaps) == 0:
        raise EvaluationError(f"{where}: sequence {seq.name} has {n} ground-truth frames ({empty.shape} empty flags) "
                              f"but overlaps {overlaps.shape} and statuses {status.shape}; expected (repetitions, {n})")
    odd = np.argwhere(~np.isin(status, (SKIPPED, INITIALISED, FAILED, TRACKED)))
    if len(odd):
        r, i = odd[0]
        raise EvaluationError(f"{where}: sequence {seq.name}, repetition {r + 1}, frame {i + 1} has status "
                              f"{status[r, i]}; expected 0, 1, 2 or 3")
    # gather_overlaps' chain: the first test that matches decides the frame (lines 58-74)
    decided = unknown | (prof.ignore_invisible & empty)
    skipped = decided | ((status == SKIPPED) & prof.ignore_unknown)
    initialised = ~skipped & (status == INITIALISED)
    passes = (status != FAILED) & ~(overlaps <= (-1.0 if prof.threshold is None else prof.threshold))
    keep = ~skipped & (initialised | passes)  # an initialisation frame is left out by its burn-in only
    if prof.burnin:  # an initialisation leaves out frames i .. i + burnin - 1, whatever they are
        started = np.cumsum(initialised, axis=1)
        before = np.pad(started, ((0, 0), (prof.burnin, 0)))[:, :n]
        keep &= started - before == 0
    count = keep.sum(axis=1)
    total = np.where(keep, overlaps, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(count > 0, total / count, 0.0)  # a trajectory without kept frames adds 0 (line 235)
    return float(np.cumsum(means)[-1] / len(means))
