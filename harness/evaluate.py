"""Stored results joined with ground truth and scored under a named profile, one tracker at a time.

Each tracker's shards are read on their own (`store.read_tracker`: its pack, else only its files, by
path, in frame order), scored by the experiment that produced them, and dropped; two trackers are
read and scored at a time, on two threads: memory holds two trackers' rows, and time grows with the
rows read.

A tracker without results on some of the sequences does not stop the others: it is reported with its
coverage and left unscored, unless the common subset is asked for (every tracker scored on the
sequences they all have).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks import Sequence
from benchmarks.names import listing
from benchmarks.record import BenchmarkRecord
from benchmarks.registry import benchmark_record
from harness.errors import EvaluationError, ShortResultError
from harness.experiments import EXPERIMENTS, Experiment
from harness.metrics.fields import Field, Result
from harness.store import (
    STATUSES, StoredShard, read_tracker, stored_sequences, stored_trackers,
)

T = TypeVar("T")
_TIMED = np.isin(np.arange(len(STATUSES)), [STATUSES.index("tracked"), STATUSES.index("failed")])
PADDED = "padded"  # a mark: results short of frames were scored with zero boxes there (--pad-missing)
SYNTHETIC = "synthetic"  # a mark: results of weights trained on synthetic data only (their provenance says so)


@dataclass(frozen=True)
class TrackerScore:
    tracker: str
    result: Result | None  # None: not scored, its results cover only part of the sequences
    fps: float  # frames per second of the tracked frames' calls; NaN where not recorded (imports)
    total: int = 0  # sequences asked for
    missing: tuple[str, ...] = ()  # those of them without results
    marks: tuple[str, ...] = ()  # what a reader must know about these figures (PADDED, SYNTHETIC)

    @property
    def coverage(self) -> tuple[int, int]:
        return self.total - len(self.missing), self.total


@dataclass(frozen=True)
class Scoring:
    """What was scored: the sequences (all asked for, or the common subset) and every tracker's score."""

    sequences: list[Sequence]
    scores: list[TrackerScore]
    asked: int  # sequences asked for (the benchmark's, or --sequences)


def _fps(shards: dict[str, list[StoredShard]]) -> float:
    """Over every frame the tracker was asked to track (not initialisations, not skipped frames) of
    repetition 1; NaN when any of those has no latency (imported results)."""
    latency = np.concatenate([s[0].latency_ms[_TIMED[s[0].status]] for s in shards.values()] or [np.zeros(0)])
    return float(1e3 / np.mean(latency)) if latency.size and np.isfinite(latency).all() else float("nan")


def _resolve(benchmark: str, experiment: Experiment | str | None) -> tuple[BenchmarkRecord, Experiment]:
    record = benchmark_record(benchmark)
    chosen = EXPERIMENTS[record.default_experiment] if experiment is None else experiment
    return record, EXPERIMENTS[chosen] if isinstance(chosen, str) else chosen


def _trackers(results_root: Path, record: BenchmarkRecord, experiment: Experiment, trackers: list[str] | None) -> list[str]:
    names = stored_trackers(results_root, record.name, experiment.name) if trackers is None else list(trackers)
    if not names:
        raise EvaluationError(f"no results for benchmark {record.name!r} ({experiment.name}) under "
                              f"{Path(results_root).resolve()}; run or import some first")
    return names


def each_tracker(
    results_root: Path, record: BenchmarkRecord, experiment: Experiment, sequences: list[Sequence],
    trackers: list[str], work: Callable[[str, dict[str, list[StoredShard]]], T], first_only: bool,
) -> list[T]:
    """`work(tracker, its shards of sequences)` for each tracker, in order, two trackers at a time (repetition 1's
    alone when `first_only`: `Experiment.scores_first_repetition_only`): each
    thread reads one tracker's shards and works on them, so at most two trackers' rows are held, and the
    reading (pyarrow) and the metrics (numpy) of one overlap those of the other, both releasing the GIL.
    The first error, in tracker order, is raised and the trackers not yet started are not."""
    names = [s.name for s in sequences]
    lengths = experiment.shard_lengths(sequences)

    def one(tracker: str) -> T:
        return work(tracker, read_tracker(results_root, record.name, experiment.name, tracker, names,
                                          first_only, lengths))

    pool = ThreadPoolExecutor(max_workers=2)
    try:
        return list(pool.map(one, trackers))
    finally:
        pool.shutdown(cancel_futures=True)


def _score(experiment: Experiment, tracker: str, shards: dict[str, list[StoredShard]], sequences: list[Sequence],
           profile: object, record: BenchmarkRecord, pad_missing: bool) -> Result:
    """The experiment's score; an error says which tracker, and a short result points at --pad-missing."""
    try:
        return experiment.score(shards, sequences, profile, record, pad_missing=pad_missing)
    except ShortResultError as error:
        raise ShortResultError(f"tracker {tracker!r}: {error}; --pad-missing scores the missing trailing frames "
                               "as failures (zero boxes) and marks the tracker") from None
    except EvaluationError as error:
        raise EvaluationError(f"tracker {tracker!r}: {error}") from None


def score_stored(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str | object,
    trackers: list[str] | None = None,
    experiment: Experiment | str | None = None,
    *,
    common: bool = False,
    pad_missing: bool = False,
) -> Scoring:
    """Score every stored tracker (or those named) of `experiment` (default: the benchmark's) under
    `profile` (a name the experiment's profiles know, or a profile object).

    A tracker with results on every sequence is scored on all of them. One with fewer is reported
    with its coverage and not scored, unless `common`: then every tracker is scored on the sequences
    all of them have."""
    record, experiment = _resolve(benchmark, experiment)
    prof = experiment.profile(profile) if isinstance(profile, str) else profile
    names = _trackers(results_root, record, experiment, trackers)
    wanted = [s.name for s in sequences]
    covered = {t: set(stored_sequences(results_root, record.name, experiment.name, t, wanted)) for t in names}
    scored = sequences
    if common:
        shared = set.intersection(*covered.values())
        if not shared:
            raise EvaluationError(f"the trackers {', '.join(names)} have no {record.name} sequence in common")
        scored = [s for s in sequences if s.name in shared]
    complete = [t for t in names if {s.name for s in scored} <= covered[t]]
    missing = {t: tuple(n for n in wanted if n not in covered[t]) for t in names}
    scores = {t: TrackerScore(t, None, float("nan"), len(wanted), missing[t]) for t in names}

    def score(tracker: str, shards: dict[str, list[StoredShard]]) -> TrackerScore:
        short = any(len(shards[s.name][0].boxes) < len(s) for s in scored)
        result = _score(experiment, tracker, shards, scored, prof, record, pad_missing)
        marks = ((PADDED,) if pad_missing and short else ()) + \
            ((SYNTHETIC,) if any(shards[s.name][0].synthetic_weights for s in scored) else ())
        return TrackerScore(tracker, result, _fps(shards), len(wanted), missing[tracker], marks)

    scores.update((s.tracker, s) for s in each_tracker(results_root, record, experiment, scored, complete, score,
                                                       experiment.scores_first_repetition_only(prof)))
    return Scoring(scored, [scores[t] for t in names], len(wanted))


def score_trackers(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str | object,
    trackers: list[str] | None = None,
    experiment: Experiment | str | None = None,
) -> list[TrackerScore]:
    """`score_stored` where every tracker must have every sequence (an error names the one that lacks some)."""
    scoring = score_stored(results_root, benchmark, sequences, profile, trackers, experiment)
    for score in scoring.scores:
        if score.missing:
            raise EvaluationError(missing_message(score.tracker, score.missing, score.total, benchmark_record(benchmark).name))
    return scoring.scores


def missing_message(tracker: str, missing: tuple[str, ...] | list[str], total: int, benchmark: str) -> str:
    return (f"tracker {tracker!r} has no results on {len(missing)} of {total} {benchmark} sequences "
            f"({listing(list(missing), limit=5)}); run or import them first")


@dataclass(frozen=True)
class GroupFigures:
    """One group's figures of a result that reports them per frame tag (VOT: pysot's per-tag EAO, got10k's
    per-tag accuracy and failures), as a result of its own, so the renderers show it like any other."""

    profile: str
    figures: dict[str, float]
    fields: tuple[Field, ...]

    @property
    def values(self) -> dict[str, float | None]:
        return {f.name: self.figures.get(f.name) for f in self.fields}

    def curves(self) -> list:
        return []

    def per_sequence(self) -> dict:
        return {}

    def to_json(self) -> dict:
        return dict(self.figures)


@dataclass(frozen=True)
class Breakdown:
    groups: dict[str, list[TrackerScore]]  # group (attribute or tag) -> every scored tracker's score on it
    counts: dict[str, int]  # group -> how many sequences (attributes) or frames (tags) it holds
    unit: str  # "sequences" or "frames"
    unscored: list[TrackerScore]  # trackers left out: results on only part of the sequences


def score_by_attribute(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str | object,
    trackers: list[str] | None = None,
    experiment: Experiment | str | None = None,
) -> Breakdown:
    """Results broken down as the experiment's toolkits do: one-pass results re-scored on each attribute's
    sequences under the same profile (OTB's attribute plots); supervised results by the per-tag figures
    their profile reports."""
    record, experiment = _resolve(benchmark, experiment)
    prof = experiment.profile(profile) if isinstance(profile, str) else profile
    whole = score_stored(results_root, benchmark, sequences, prof, trackers, experiment)
    unscored = [s for s in whole.scores if s.result is None]
    scored = [s for s in whole.scores if s.result is not None]
    if not scored:
        raise EvaluationError(f"no tracker has results on all {len(sequences)} {record.name} sequences asked for; "
                              "name the sequences you have with --sequences")
    if experiment.groups_by == "frame tags":
        return _by_tag(scored, sequences, prof, unscored)
    codes = sorted({code for s in sequences for code in s.attributes})
    if not codes:
        raise EvaluationError(f"{record.name}: no sequence carries attributes here (for OTB they come from att/ files)")
    groups: dict[str, list[TrackerScore]] = {code: [] for code in codes}
    members = {code: [s for s in sequences if code in s.attributes] for code in codes}

    def by_code(tracker: str, shards: dict[str, list[StoredShard]]) -> dict[str, TrackerScore]:
        fps = _fps(shards)
        return {code: TrackerScore(tracker, _score(experiment, tracker, shards, members[code], prof, record, False),
                                   fps, len(members[code])) for code in codes}

    for tracker_scores in each_tracker(results_root, record, experiment, sequences, [s.tracker for s in scored], by_code,
                                       experiment.scores_first_repetition_only(prof)):
        for code, score in tracker_scores.items():
            groups[code].append(score)
    return Breakdown(groups, {code: sum(code in s.attributes for s in sequences) for code in codes}, "sequences",
                     unscored)


def _by_tag(scores: list[TrackerScore], sequences: list[Sequence], profile: object,
            unscored: list[TrackerScore]) -> Breakdown:
    tags = list(dict.fromkeys(tag for s in scores for tag in getattr(s.result, "per_tag", {})))
    if not tags:
        raise EvaluationError(f"profile {profile.name} reports no per-tag figures (its toolkit has no per-tag "
                              "analysis of supervised results)")
    groups = {
        tag: [TrackerScore(s.tracker, GroupFigures(profile.name, s.result.per_tag[tag], s.result.fields), s.fps, s.total)
              for s in scores]
        for tag in tags
    }
    return Breakdown(groups, {tag: _tagged_frames(sequences, tag) for tag in tags}, "frames", unscored)


def _tagged_frames(sequences: list[Sequence], tag: str) -> int:
    """Frames carrying the tag; `all`: every frame; `empty`: frames with no tag at all."""
    total = 0
    for s in sequences:
        flags = [np.asarray(f, bool) for f in s.frame_tags.values() if len(f)]
        if tag == "all":
            total += len(s)
        elif tag == "empty":
            total += len(s) - int(np.logical_or.reduce(flags).sum()) if flags else len(s)
        else:
            total += int(np.asarray(s.frame_tags.get(tag, ()), bool).sum())
    return total
