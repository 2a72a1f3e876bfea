"""Stored results joined with ground truth and scored under a named profile, one tracker at a time.

Each tracker's shards are read on their own (`store.read_tracker`: only its files, by path, in frame
order), scored by the experiment that produced them, and dropped: memory holds the rows of the tracker
being scored and of the next one being read, and time grows with the rows read.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.names import listing
from benchmarks.record import BenchmarkRecord
from benchmarks.registry import benchmark_record
from harness.errors import EvaluationError
from harness.experiments import EXPERIMENTS, Experiment
from harness.metrics.fields import Result
from harness.store import STATUSES, StoredShard, read_tracker, stored_trackers

_TIMED = np.isin(np.arange(len(STATUSES)), [STATUSES.index("tracked"), STATUSES.index("failed")])


@dataclass(frozen=True)
class TrackerScore:
    tracker: str
    result: Result
    fps: float  # frames per second of the tracked frames' calls; NaN where not recorded (imports)


def _fps(shards: dict[str, list[StoredShard]]) -> float:
    """Over every frame the tracker was asked to track (not initialisations, not skipped frames) of
    repetition 1; NaN when any of those has no latency (imported results)."""
    latency = np.concatenate([s[0].latency_ms[_TIMED[s[0].status]] for s in shards.values()] or [np.zeros(0)])
    return float(1e3 / np.mean(latency)) if latency.size and np.isfinite(latency).all() else float("nan")


def _chosen(results_root: Path, record: BenchmarkRecord, experiment: Experiment, trackers: list[str] | None) -> list[str]:
    names = stored_trackers(results_root, record.name, experiment.name) if trackers is None else list(trackers)
    if not names:
        raise EvaluationError(f"no results for benchmark {record.name!r} ({experiment.name}) under "
                              f"{Path(results_root).resolve()}; run or import some first")
    return names


def stored_results(
    results_root: Path, record: BenchmarkRecord, experiment: Experiment, sequences: list[Sequence],
    trackers: list[str] | None = None,
) -> Iterator[tuple[str, dict[str, list[StoredShard]]]]:
    """(tracker, its shards by sequence) for each tracker, read one after the other; a tracker missing
    any of `sequences` is an error naming it and them."""
    names = [s.name for s in sequences]
    chosen = _chosen(results_root, record, experiment, trackers)

    def read(tracker: str) -> dict[str, list[StoredShard]]:
        return read_tracker(results_root, record.name, experiment.name, tracker, names, experiment.first_repetition_only)

    # The next tracker's files are read on a second thread while this one is scored: two trackers'
    # rows at most are held, and the reads (file system, decoding) overlap the numpy work.
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(read, chosen[0])
        for i, tracker in enumerate(chosen):
            shards = upcoming.result()
            if i + 1 < len(chosen):
                upcoming = pool.submit(read, chosen[i + 1])
            missing = [n for n in names if n not in shards]
            if missing:
                raise EvaluationError(
                    f"tracker {tracker!r} has no results on {len(missing)} of {len(names)} {record.name} sequences "
                    f"({listing(missing, limit=5)}) in its {experiment.name} runs; run or import them first"
                )
            yield tracker, shards


def _resolve(benchmark: str, experiment: Experiment | str | None) -> tuple[BenchmarkRecord, Experiment]:
    record = benchmark_record(benchmark)
    chosen = EXPERIMENTS[record.default_experiment] if experiment is None else experiment
    return record, EXPERIMENTS[chosen] if isinstance(chosen, str) else chosen


def score_trackers(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str | object,
    trackers: list[str] | None = None,
    experiment: Experiment | str | None = None,
) -> list[TrackerScore]:
    """Score every stored tracker (or those named) of `experiment` (default: the benchmark's) on every
    sequence under `profile` (a name the experiment's profiles know, or a profile object)."""
    record, experiment = _resolve(benchmark, experiment)
    prof = experiment.profile(profile) if isinstance(profile, str) else profile
    return [
        TrackerScore(tracker, experiment.score(shards, sequences, prof, record), _fps(shards))
        for tracker, shards in stored_results(results_root, record, experiment, sequences, trackers)
    ]


def score_by_attribute(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str | object,
    trackers: list[str] | None = None,
    experiment: Experiment | str | None = None,
) -> dict[str, list[TrackerScore]]:
    """The same profile applied to each attribute's sequences (OTB's attribute plots), per tracker."""
    record, experiment = _resolve(benchmark, experiment)
    prof = experiment.profile(profile) if isinstance(profile, str) else profile
    codes = sorted({code for s in sequences for code in s.attributes})
    if not codes:
        raise EvaluationError(f"{record.name}: no sequence carries attributes here (for OTB they come from att/ files)")
    groups: dict[str, list[TrackerScore]] = {code: [] for code in codes}
    for tracker, shards in stored_results(results_root, record, experiment, sequences, trackers):
        fps = _fps(shards)
        for code in codes:
            members = [s for s in sequences if code in s.attributes]
            groups[code].append(TrackerScore(tracker, experiment.score(shards, members, prof, record), fps))
    return groups
