"""VOT's unsupervised experiments of the 2020+ stacks, run as one pass (initialised on frame 1, never reset)
and scored by the VOT toolkit's analyses rather than the OPE curves: `unsupervised` (the short-term stacks'
average accuracy, burn-in 1) and `longterm` (the long-term stacks' precision, recall and F-score over the
tracker's confidence, vot/analysis/longterm.py). Each has its own store folder: a one-pass run (`ope`) of the
same tracker is not reused, as the toolkit keeps each experiment's results apart too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from benchmarks.vot_regions import empty_regions
from harness.errors import EvaluationError
from harness.experiments.base import Experiment
from harness.experiments.one_pass import run_one_pass
from harness.experiments.regions import pysot_overlaps, region_overlaps
from harness.experiments.supervised import VOT_CODE
from harness.metrics.vot.average_accuracy import PROFILES as ACCURACY_PROFILES
from harness.metrics.vot.average_accuracy import AccuracyProfile, AccuracyResult, AccuracySequence, average_accuracy
from harness.metrics.vot.longterm import PROFILES as LONGTERM_PROFILES
from harness.metrics.vot.longterm import LongTermProfile, LongTermResult, LongTermSequence, evaluate_longterm
from harness.store import STATUSES, ShardFrames, StoredShard
from trackers import Tracker

_INITIALIZED = STATUSES.index("initialized")


def _overlaps(sequence: Sequence, shard: StoredShard) -> np.ndarray:
    if len(shard.boxes) != len(sequence):
        raise EvaluationError(f"sequence {sequence.name!r}: {len(shard.boxes)} frames stored in {shard.source}, "
                              f"the sequence has {len(sequence)}")
    return region_overlaps(sequence, shard.boxes, shard.status != _INITIALIZED, shard.masks)


def _special(sequence: Sequence) -> np.ndarray:
    """Frames whose ground-truth line is a special code (no region; the long-term datasets' absent frames)."""
    return sequence.masks.special.copy() if sequence.masks is not None else np.isnan(sequence.ground_truth).any(axis=1)


def _refuse_padding(pad_missing: bool) -> None:
    if pad_missing:
        raise EvaluationError("--pad-missing applies to the OPE profiles; the VOT toolkit scores whole trajectories")


@dataclass(frozen=True)
class Unsupervised(Experiment):
    name: str = "unsupervised"
    title: str = "unsupervised"
    vot_type: str = "unsupervised"
    default_repetitions: int = 1
    first_repetition_only: bool = False  # the toolkit averages over every stored repetition
    kind: ClassVar[str] = "unsupervised"
    profiles: ClassVar[Mapping[str, AccuracyProfile]] = ACCURACY_PROFILES

    def run(self, tracker: Tracker, sequence: Sequence, tracker_name: str) -> ShardFrames:
        return run_one_pass(tracker, sequence, tracker_name)

    def score(self, shards: Mapping[str, list[StoredShard]], sequences: list[Sequence], profile: AccuracyProfile,
              record: BenchmarkRecord, pad_missing: bool = False) -> AccuracyResult:
        _refuse_padding(pad_missing)
        inputs = []
        for s in sequences:
            runs = shards[s.name]
            status = np.stack([VOT_CODE[r.status] for r in runs])  # unknown (0) and failure (2) frames too
            inputs.append(AccuracySequence(s.name, np.stack([_overlaps(s, r) for r in runs]), status, _special(s),
                                           empty_regions(s), source=runs[0].source))
        return average_accuracy(inputs, profile)


@dataclass(frozen=True)
class LongTerm(Unsupervised):
    """The toolkit's unsupervised experiment as the long-term stacks score it."""

    name: str = "longterm"
    title: str = "long-term"
    vot_type: str = "longterm"
    kind: ClassVar[str] = "long-term"
    profiles: ClassVar[Mapping[str, LongTermProfile]] = LONGTERM_PROFILES

    def score(self, shards: Mapping[str, list[StoredShard]], sequences: list[Sequence], profile: LongTermProfile,
              record: BenchmarkRecord, pad_missing: bool = False) -> LongTermResult:
        """Every stored repetition against the ground truth with the tracker's confidence (the `score` column);
        overlaps the toolkit's way or pysot's, as the profile says."""
        _refuse_padding(pad_missing)

        def overlaps(s: Sequence, r: StoredShard) -> np.ndarray:
            if profile.overlap == "pysot" and len(r.boxes) == len(s):  # else _overlaps names the mismatch
                # pysot reads a code line (initialised, failed, skipped) as no region
                return pysot_overlaps(s, r.boxes, r.status == STATUSES.index("tracked"), r.masks)
            return _overlaps(s, r)

        inputs = [LongTermSequence(s.name, np.stack([overlaps(s, r) for r in shards[s.name]]),
                                   np.stack([r.scores for r in shards[s.name]]), _special(s),
                                   source=shards[s.name][0].source)
                  for s in sequences]
        return evaluate_longterm(inputs, profile)


UNSUPERVISED = Unsupervised()
LONGTERM = LongTerm()
