"""The one-pass evaluation (OPE) protocol: initialise on frame 1, track every later frame."""

from __future__ import annotations

import time

import numpy as np

from benchmarks import Sequence
from benchmarks.vot import axis_aligned_boxes
from harness.errors import HarnessError
from harness.runner.frames import prefetch_frames
from harness.store import ShardFrames
from trackers import Tracker


class TrackerOutputError(HarnessError):
    """A tracker raised, or returned something that is not a finite x, y, w, h box."""


def init_box(sequence: Sequence) -> np.ndarray:
    """The first frame's box; VOT polygons are run one-pass from their axis-aligned bounds."""
    first = sequence.ground_truth[:1]
    box = axis_aligned_boxes(first)[0] if first.shape[1] == 8 else first[0]
    if not np.isfinite(box).all() or box[2] <= 0 or box[3] <= 0:
        raise HarnessError(
            f"sequence {sequence.name!r} frame 1: ground truth {box.tolist()} is not a usable initial box"
        )
    return box


def run_one_pass(tracker: Tracker, sequence: Sequence, tracker_name: str) -> ShardFrames:
    """Run a tracker over every annotated frame of a sequence, timing each call."""
    if sequence.frames is None:
        raise HarnessError(
            f"sequence {sequence.name!r} has annotations only (no frames); point --root at the dataset's frames to run it"
        )
    n = len(sequence)
    boxes = np.empty((n, 4), np.float64)
    scores = np.full(n, np.nan)
    latency = np.empty(n, np.float64)
    paths = [sequence.frames[i] for i in range(n)]
    first = init_box(sequence)
    for i, image in enumerate(prefetch_frames(paths, sequence.name)):
        start = time.perf_counter()
        try:
            prediction = tracker.initialize(image, first.copy()) if i == 0 else tracker.track(image)
        except Exception as exc:
            raise TrackerOutputError(
                f"tracker {tracker_name!r} raised at frame {i + 1} of sequence {sequence.name!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if i == 0:
            boxes[0] = first
        else:
            box = np.asarray(prediction.box, np.float64).reshape(-1)
            if box.shape != (4,) or not np.isfinite(box).all():
                raise TrackerOutputError(
                    f"tracker {tracker_name!r} returned {box.tolist()} at frame {i + 1} of sequence "
                    f"{sequence.name!r}; expected 4 finite numbers x, y, w, h"
                )
            boxes[i] = box
            scores[i] = prediction.score
        latency[i] = (time.perf_counter() - start) * 1e3
    statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
    return ShardFrames(boxes=boxes, scores=scores, statuses=statuses, latency_ms=latency)
