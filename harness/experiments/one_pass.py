"""One-pass evaluation (OPE; VOT's unsupervised experiment): initialise on frame 1, track every later
frame, never re-initialise; scored by the OPE profiles (success, precision, normalized precision)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from benchmarks.vot import axis_aligned_boxes
from harness.errors import HarnessError
from harness.experiments.base import Experiment
from harness.metrics.ope.evaluate import OPEResult, SequenceInput, evaluate
from harness.metrics.ope.profiles import PROFILES, Profile
from harness.runner.calls import checked_box, checked_mask, frame_paths, start_box, timed_call, tracked_masks
from harness.store import ShardFrames, StoredShard
from trackers import Tracker

if TYPE_CHECKING:
    from harness.experiments.supervised import LatencyModel, RealtimeClock


def run_one_pass(tracker: Tracker, sequence: Sequence, tracker_name: str, clock: RealtimeClock | None = None,
                 latency_model: LatencyModel | None = None) -> ShardFrames:
    """Run a tracker over every annotated frame of a sequence, timing each call; with a real-time `clock`,
    a frame that arrives while the tracker is still busy gets its last box without a call (latency 0).
    `latency_model` (tests): the seconds a call counts for, from its frame and its measured seconds."""
    from harness.runner.frames import prefetch_frames  # OpenCV, for runs only: scoring never imports it

    paths = frame_paths(sequence)
    n = len(paths)
    boxes = np.empty((n, 4), np.float64)
    scores = np.full(n, np.nan)
    latency = np.empty(n, np.float64)
    first = start_box(tracker, sequence.ground_truth[0])
    if first is None:
        raise HarnessError(
            f"sequence {sequence.name!r} frame 1: ground truth {sequence.ground_truth[0].tolist()} "
            f"gives tracker {tracker_name!r} no usable initial box"
        )
    masks: list = [None] * n
    for i, image in enumerate(prefetch_frames(paths, sequence.name)):
        if i == 0:
            tracker.next_frame_file(paths[i])
            _, seconds = timed_call(lambda: tracker.initialize(image, first.copy()), tracker_name, sequence.name, 0)
            seconds = latency_model(i, seconds) if latency_model else seconds
            boxes[0] = first
            if clock:
                clock.reset()
                clock.spent(seconds)
        elif clock and clock.missed():
            boxes[i], masks[i], seconds = boxes[i - 1], masks[i - 1], 0.0
        else:
            tracker.next_frame_file(paths[i])
            prediction, seconds = timed_call(lambda: tracker.track(image), tracker_name, sequence.name, i)
            seconds = latency_model(i, seconds) if latency_model else seconds
            boxes[i] = checked_box(prediction, tracker_name, sequence.name, i)
            scores[i], masks[i] = prediction.score, checked_mask(prediction, tracker_name, sequence.name, i)
            if clock:
                clock.spent(seconds)
        latency[i] = seconds * 1e3
    statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
    return ShardFrames(boxes=boxes, scores=scores, statuses=statuses, latency_ms=latency,
                       masks=tracked_masks(masks, tracker_name, sequence.name))


@dataclass(frozen=True)
class OnePass(Experiment):
    name: str = "ope"
    title: str = "one-pass"
    vot_type: str = "unsupervised"
    default_repetitions: int = 1
    first_repetition_only: bool = True
    kind: ClassVar[str] = "one-pass"
    profiles: ClassVar[Mapping[str, Profile]] = PROFILES

    def run(self, tracker: Tracker, sequence: Sequence, tracker_name: str) -> ShardFrames:
        return run_one_pass(tracker, sequence, tracker_name)

    def scores_first_repetition_only(self, profile: object) -> bool:
        return not profile.pools_repetitions

    def score(self, shards: Mapping[str, list[StoredShard]], sequences: list[Sequence], profile: Profile,
              record: BenchmarkRecord, pad_missing: bool = False) -> OPEResult:
        """Repetition 1 of each sequence against the ground truth (VOT polygons by their upright bounds),
        and the later ones read where the profile pools them (got10k's AO and SR); with `pad_missing`, a result
        short of frames gets zero boxes at its end, as pytracking pads."""

        def boxes(shard: StoredShard, frames: int) -> np.ndarray:
            return _padded(shard.boxes, frames) if pad_missing else shard.boxes

        inputs = [
            SequenceInput(s.name, boxes(shards[s.name][0], len(s)), axis_aligned_boxes(s.ground_truth), s.absent,
                          source=shards[s.name][0].source, bound=s.image_size if record.image_bound else None,
                          repetitions=tuple(boxes(r, len(s)) for r in shards[s.name][1:]))
            for s in sequences
        ]
        return evaluate(inputs, profile)


def _padded(boxes: np.ndarray, frames: int) -> np.ndarray:
    missing = frames - len(boxes)
    return np.concatenate([boxes, np.zeros((missing, 4))]) if missing > 0 else boxes


ONE_PASS = OnePass()
