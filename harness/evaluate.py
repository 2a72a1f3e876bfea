"""Stored results joined with ground truth and scored under a named profile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from benchmarks import Sequence
from benchmarks.names import listing
from benchmarks.vot import axis_aligned_boxes
from harness.errors import EvaluationError
from harness.metrics.ope.evaluate import OPEResult, SequenceInput, evaluate
from harness.store import ShardKey, StoredShard, read_provenance, read_results, shard_path, split_shards


@dataclass(frozen=True)
class TrackerScore:
    tracker: str
    result: OPEResult
    fps: float  # frames per second from per-frame latencies; NaN for imported results


def _source(results_root: Path, key: ShardKey) -> str:
    """The file a user would recognise: the imported result file, else the shard itself."""
    path = shard_path(results_root, key)
    origin = read_provenance(path).source
    return origin.split(":", 2)[2] if origin.startswith("import:") else str(path)


@dataclass(frozen=True)
class TrackerInputs:
    tracker: str
    inputs: list[SequenceInput]
    fps: float


def load_inputs(
    results_root: Path, benchmark: str, sequences: list[Sequence], trackers: list[str] | None = None
) -> list[TrackerInputs]:
    """Stored boxes (repetition 1) of every tracker joined with the ground truth, read in one scan."""
    table = read_results(results_root, benchmark, trackers)
    by_tracker: dict[str, dict[str, StoredShard]] = {}
    for shard in split_shards(table.filter(pc.equal(table["repetition"], 1))):
        by_tracker.setdefault(shard.tracker, {})[shard.sequence] = shard
    names = sorted(by_tracker) if trackers is None else list(trackers)
    loaded = []
    for name in names:
        by_seq = by_tracker.get(name, {})
        missing = [s.name for s in sequences if s.name not in by_seq]
        if missing:
            raise EvaluationError(
                f"tracker {name!r} has no results on {len(missing)} of {len(sequences)} {benchmark} sequences "
                f"({listing(missing, limit=5)}); run or import them first"
            )
        inputs = [
            SequenceInput(
                name=s.name,
                pred=by_seq[s.name].boxes,
                gt=axis_aligned_boxes(s.ground_truth),
                absent=s.absent,
                source=_source(results_root, ShardKey(name, benchmark, s.name, 1)),
            )
            for s in sequences
        ]
        latency = np.concatenate([by_seq[s.name].latency_ms[1:] for s in sequences])
        fps = 1e3 / np.mean(latency) if latency.size and np.isfinite(latency).all() else float("nan")
        loaded.append(TrackerInputs(name, inputs, float(fps)))
    return loaded


def score_trackers(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str,
    trackers: list[str] | None = None,
) -> list[TrackerScore]:
    """Score every stored tracker (repetition 1) on every sequence of the benchmark."""
    return [
        TrackerScore(t.tracker, evaluate(t.inputs, profile), t.fps)
        for t in load_inputs(results_root, benchmark, sequences, trackers)
    ]


def score_by_attribute(
    results_root: Path,
    benchmark: str,
    sequences: list[Sequence],
    profile: str,
    trackers: list[str] | None = None,
) -> dict[str, list[TrackerScore]]:
    """The same profile applied to each attribute's sequences (OTB's attribute plots), per tracker."""
    loaded = load_inputs(results_root, benchmark, sequences, trackers)
    codes = sorted({code for s in sequences for code in s.attributes})
    if not codes:
        raise EvaluationError(f"{benchmark}: no sequence carries attributes here (for OTB they come from att/ files)")
    groups = {code: {s.name for s in sequences if code in s.attributes} for code in codes}
    return {
        code: [
            TrackerScore(t.tracker, evaluate([i for i in t.inputs if i.name in members], profile), t.fps)
            for t in loaded
        ]
        for code, members in groups.items()
    }
