"""Several one-pass shards of one tracker tracked together by one worker (`harness run
--batch-sequences N`): each frame step joins the search forwards of every sequence still running
(`BatchTracker.track_many`), and each shard ends exactly as `run_one_pass` would end it, alone.

A failure belongs to its sequence: a frame that cannot be read, a start box the tracker cannot use,
or a tracker error at one sequence's frame (`BatchTrackError`) ends that shard only; the others go
on. Each frame's latency is the time of the joined call it was part of (what that sequence waited
for its box), so it is not comparable with one-at-a-time latencies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from benchmarks import Sequence
from harness.errors import HarnessError
from harness.runner.calls import TrackerOutputError, checked_box, frame_paths, start_box, timed_call
from harness.runner.frames import prefetch_frames
from harness.store import ShardFrames, ShardKey

Done = Callable[[ShardKey, "ShardFrames | Exception"], None]


@dataclass
class _Running:
    key: ShardKey
    sequence: Sequence
    frames: Iterator[np.ndarray]
    boxes: np.ndarray
    scores: np.ndarray
    latency: np.ndarray
    index: int = 0  # frames stored so far

    @property
    def length(self) -> int:
        return len(self.boxes)

    def result(self) -> ShardFrames:
        statuses = np.array(["initialized"] + ["tracked"] * (self.length - 1))
        return ShardFrames(boxes=self.boxes, scores=self.scores, statuses=statuses, latency_ms=self.latency)


def _start(batch, key: ShardKey, sequence: Sequence, tracker_name: str) -> _Running:
    """Open the sequence's frames and initialise it (frame 1), as `run_one_pass` does."""
    paths = frame_paths(sequence)
    first = start_box(batch, sequence.ground_truth[0])
    if first is None:
        raise HarnessError(f"sequence {sequence.name!r} frame 1: ground truth {sequence.ground_truth[0].tolist()} "
                           f"gives tracker {tracker_name!r} no usable initial box")
    n = len(paths)
    running = _Running(key, sequence, prefetch_frames(paths, sequence.name), np.empty((n, 4)), np.full(n, np.nan),
                       np.empty(n))
    image = next(running.frames)
    _, seconds = timed_call(lambda: batch.initialize(key, image, first.copy()), tracker_name, sequence.name, 0)
    running.boxes[0], running.latency[0], running.index = first, seconds * 1e3, 1
    return running


def run_one_pass_batch(batch, shards: list[tuple[ShardKey, Sequence]], tracker_name: str, done: Done) -> None:
    """Track `shards` together with `batch` (a `trackers.siamese.batch.BatchTracker`); `done(key, x)`
    is called once per shard, as soon as it ends, with its frames or the exception that ended it."""
    from trackers.siamese.batch import BatchTrackError

    running: dict[ShardKey, _Running] = {}

    def end(key: ShardKey, outcome: ShardFrames | Exception) -> None:
        entry = running.pop(key, None)
        if entry is not None:
            entry.frames.close()  # stops its decoding thread
        batch.remove(key)
        done(key, outcome)

    for key, sequence in shards:
        try:
            running[key] = _start(batch, key, sequence, tracker_name)
        except Exception as exc:
            end(key, exc)
    for key in [k for k, r in running.items() if r.index == r.length]:
        end(key, running[key].result())  # one-frame sequences
    while running:
        images = {}
        for key, entry in list(running.items()):
            try:
                images[key] = next(entry.frames)
            except Exception as exc:  # a frame that cannot be read ends its own shard
                end(key, exc)
        if not images:
            continue
        # What a timed-out worker reports: these sequences, at the earliest of their frames.
        label = " + ".join(running[key].sequence.name for key in images)
        earliest = min(running[key].index for key in images)
        start = time.perf_counter()
        try:
            predictions, _ = timed_call(lambda: batch.track_many(images), tracker_name, label, earliest)
            failures = {}
        except TrackerOutputError as exc:
            if not isinstance(exc.__cause__, BatchTrackError):
                raise  # the joined forward itself failed: every shard of the batch fails (the worker records it)
            predictions, failures = exc.__cause__.predictions, exc.__cause__.failures
        seconds = time.perf_counter() - start
        for key, failure in failures.items():
            entry = running[key]
            end(key, TrackerOutputError(f"tracker {tracker_name!r} raised at frame {entry.index + 1} of sequence "
                                        f"{entry.sequence.name!r}: {type(failure).__name__}: {failure}"))
        for key, prediction in predictions.items():
            entry = running[key]
            try:
                entry.boxes[entry.index] = checked_box(prediction, tracker_name, entry.sequence.name, entry.index)
            except TrackerOutputError as exc:
                end(key, exc)
                continue
            entry.scores[entry.index], entry.latency[entry.index] = prediction.score, seconds * 1e3
            entry.index += 1
            if entry.index == entry.length:
                end(key, entry.result())
