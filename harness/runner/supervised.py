"""VOT's supervised protocol (baseline): reset after each failure; optionally in real time.

The loop mirrors the VOT toolkit's SupervisedExperiment (vot-toolkit 0.9.0): initialise on the
first frame; at every later frame score the output against the ground truth, bounded by the
image; an overlap at or below `failure_overlap` (0) is a failure, after which the tracker is
re-initialised `skip_initialize` (5) frames later, the frames in between being skipped. Real time
wraps the tracker as the toolkit's RealtimeTrackerRuntime does (see `RealtimeClock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks import Sequence
from harness.runner.frames import prefetch_frames
from harness.runner.one_pass import checked_box, frame_paths, start_box, timed_call
from harness.store import ShardFrames
from trackers import Tracker

# (boxes (M,4), ground truth (M,4|8), (width, height)) -> overlaps (M,)
OverlapFn = Callable[[np.ndarray, np.ndarray, tuple[int, int]], np.ndarray]
# (frame index, measured seconds) -> seconds the protocol accounts for that call
LatencyModel = Callable[[int, float], float]


@dataclass(frozen=True)
class SupervisedConfig:
    skip_initialize: int = 5
    failure_overlap: float = 0.0
    realtime_fps: float | None = None  # None: every frame waits for the tracker; a sequence's own fps wins
    grace: int = 3  # slow calls forgiven after each (re)initialisation, in real time


class RealtimeClock:
    """Frames arrive every `interval` seconds; a slow call makes the tracker miss the next ones.

    As in the toolkit: a call longer than the interval (beyond the `grace` calls forgiven after
    each initialisation) leaves a debt of its excess; while the debt exceeds one interval, a frame
    is answered with the last output without calling the tracker, and the debt shrinks by one
    interval.
    """

    def __init__(self, interval: float, grace: int) -> None:
        self.interval, self.grace = interval, grace
        self.countdown, self.debt = grace, 0.0

    def reset(self) -> None:
        self.countdown, self.debt = self.grace, 0.0

    def missed(self) -> bool:
        """True when this frame arrives while the tracker is still busy."""
        if self.debt > self.interval:
            self.debt -= self.interval
            return True
        self.debt = 0.0
        return False

    def spent(self, seconds: float) -> None:
        if seconds > self.interval:
            if self.countdown > 0:
                self.countdown -= 1
                self.debt = 0.0
            else:
                self.debt = seconds - self.interval


def toolkit_overlap(boxes: np.ndarray, gt: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The VOT toolkit's failure test: rasterised overlap, bounded by the image's pixels."""
    from harness.metrics.vot.regions import prepare_raster, raster_overlaps

    gt = np.asarray(gt, np.float64)
    if gt.shape[1] == 4:  # a rectangle: x, y, w, h with NaN in the polygon columns
        gt = np.pad(gt, ((0, 0), (0, 4)), constant_values=np.nan)
    m = len(gt)
    width, height = np.full(m, size[0]), np.full(m, size[1])
    truth = prepare_raster(gt, width, height, pysot=False, bound=-1)
    return raster_overlaps(truth, np.arange(m), np.asarray(boxes, np.float64), np.ones(m, bool))


def run_supervised(
    tracker: Tracker,
    sequence: Sequence,
    tracker_name: str,
    overlap: OverlapFn,
    config: SupervisedConfig = SupervisedConfig(),
    latency_model: LatencyModel | None = None,
) -> ShardFrames:
    paths = frame_paths(sequence)
    n = len(paths)
    gt = sequence.ground_truth
    boxes = np.full((n, 4), np.nan)
    scores = np.full(n, np.nan)
    latency = np.full(n, np.nan)
    statuses = np.full(n, "skipped", dtype=object)
    # As the toolkit: frames arrive at the sequence's own frame rate when it states one.
    fps = (sequence.fps or config.realtime_fps) if config.realtime_fps else None
    clock = RealtimeClock(1.0 / fps, config.grace) if fps else None
    tracking, next_init, last = False, 0, None

    def call(i: int, fn: Callable[[], object]) -> tuple[object, float]:
        result, seconds = timed_call(fn, tracker_name, sequence.name, i)
        return result, latency_model(i, seconds) if latency_model else seconds

    for i, image in enumerate(prefetch_frames(paths, sequence.name)):
        if not tracking:
            if i < next_init:
                continue
            start = start_box(tracker, gt[i])
            if start is None:
                next_init = i + 1  # re-initialise on the next frame whose ground truth is usable
                continue
            _, seconds = call(i, lambda: tracker.initialize(image, start.copy()))
            boxes[i], statuses[i], latency[i], last = start, "initialized", seconds * 1e3, start
            if clock:
                clock.reset()
                clock.spent(seconds)
            tracking = True
            continue
        if clock and clock.missed():
            box, seconds = last, 0.0
        else:
            prediction, seconds = call(i, lambda: tracker.track(image))
            box = checked_box(prediction, tracker_name, sequence.name, i)
            scores[i] = prediction.score
            if clock:
                clock.spent(seconds)
        boxes[i], latency[i], last = box, seconds * 1e3, box
        size = (image.shape[1], image.shape[0])
        if overlap(box[None], gt[i : i + 1], size)[0] <= config.failure_overlap:
            statuses[i], tracking, next_init = "failed", False, i + config.skip_initialize
        else:
            statuses[i] = "tracked"
    return ShardFrames(boxes=boxes, scores=scores, statuses=statuses.astype(str), latency_ms=latency)
