"""VOT's supervised experiments: baseline (re-initialised after each failure) and real time (the same with
frames arriving at a fixed rate), run and scored as the VOT toolkit's stack declares them.

The loop mirrors vot-toolkit 0.9.0's SupervisedExperiment: initialise on the first frame; at every
later frame score the output against the ground truth, bounded by the image; an overlap at or below
the stack's failure overlap (0) is a failure, after which the tracker is re-initialised five frames
later, the frames in between being skipped. Real time wraps the tracker as the toolkit's
RealtimeTrackerRuntime does (`RealtimeClock`). Repetitions follow the toolkit's early stop: after
three runs, the rest run only when those three differ (`MultiRunExperiment._can_stop`).

The one place the runner reaches into the metrics: the failure test is the toolkit's rasterised
overlap (`toolkit_overlap`), so a run fails exactly where the toolkit's would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from harness.errors import EvaluationError
from harness.experiments.base import Experiment
from harness.metrics.boxes import iou_continuous
from harness.metrics.vot.evaluate import VOTResult, VOTSequenceTruth, VOTTrajectory, evaluate_vot
from harness.metrics.vot.profiles import PROFILES, VOTProfile
from harness.metrics.vot.stack import VOT_STACK
from harness.metrics.vot.status import FAILED, INITIALISED, SKIPPED, TRACKED
from harness.runner.calls import checked_box, frame_paths, start_box, timed_call
from harness.store import STATUSES, ShardFrames, ShardKey, StoredShard, shard_file, shard_path
from trackers import Tracker

# (boxes (M,4), ground truth (M,4|8), (width, height)) -> overlaps (M,)
OverlapFn = Callable[[np.ndarray, np.ndarray, tuple[int, int]], np.ndarray]
# (frame index, measured seconds) -> seconds the protocol accounts for that call
LatencyModel = Callable[[int, float], float]
# store status index -> VOT status code
VOT_CODE = np.array([{"initialized": INITIALISED, "tracked": TRACKED, "failed": FAILED, "skipped": SKIPPED}[s]
                      for s in STATUSES], dtype=np.int8)


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


def toolkit_overlap(boxes: np.ndarray, gt: np.ndarray, size: tuple[int, int], present: np.ndarray | None = None,
                    ) -> np.ndarray:
    """The VOT toolkit's failure test: rasterised overlap, bounded by the image's pixels; `present` False marks
    frames whose output is a special region (none)."""
    from harness.metrics.vot.regions import prepare_raster, raster_overlaps

    gt = np.asarray(gt, np.float64)
    if gt.shape[1] == 4:  # a rectangle: x, y, w, h with NaN in the polygon columns
        gt = np.pad(gt, ((0, 0), (0, 4)), constant_values=np.nan)
    m = len(gt)
    width, height = np.full(m, size[0]), np.full(m, size[1])
    truth = prepare_raster(gt, width, height, pysot=False, bound=-1)
    return raster_overlaps(truth, np.arange(m), np.asarray(boxes, np.float64),
                           np.ones(m, bool) if present is None else present)


@dataclass(frozen=True)
class Supervised(Experiment):
    name: str = "baseline"
    title: str = "baseline"
    vot_type: str = "baseline"
    default_repetitions: int = VOT_STACK.repetitions
    first_repetition_only: bool = False
    skip_initialize: int = VOT_STACK.skip_initialize
    failure_overlap: float = VOT_STACK.failure_overlap
    realtime_fps: float | None = None  # None: every frame waits for the tracker; a sequence's own fps wins
    grace: int = VOT_STACK.grace  # slow calls forgiven after each (re)initialisation, in real time
    kind: ClassVar[str] = "supervised"
    profiles: ClassVar[Mapping[str, VOTProfile]] = PROFILES
    record_facts: ClassVar[tuple[str, ...]] = ("eao_interval",)
    groups_by: ClassVar[str] = "frame tags"

    def run(self, tracker: Tracker, sequence: Sequence, tracker_name: str) -> ShardFrames:
        return run_supervised(tracker, sequence, tracker_name, toolkit_overlap, self)

    def configured(self, fps: float | None = None, grace: int | None = None) -> Supervised:
        if self.realtime_fps is None:
            return self
        return replace(self, realtime_fps=fps or self.realtime_fps, grace=self.grace if grace is None else grace)

    def first_repetitions(self, requested: int) -> int:
        return min(requested, VOT_STACK.early_stop_after)

    def more_repetitions(self, results_root: Path, key: ShardKey, requested: int) -> list[int]:
        """Repetitions 4..N once the first three are stored and differ; none when one of them failed."""
        first = [replace(key, repetition=r) for r in range(1, VOT_STACK.early_stop_after + 1)]
        if requested <= len(first) or key.repetition > len(first):
            return []
        if not all(shard_path(results_root, k).is_file() for k in first):
            return []
        if trajectories_equal([shard_file(results_root, k) for k in first]):
            return []
        return list(range(len(first) + 1, requested + 1))

    def score(self, shards: Mapping[str, list[StoredShard]], sequences: list[Sequence], profile: VOTProfile,
              record: BenchmarkRecord, pad_missing: bool = False) -> VOTResult:
        """Every stored repetition against the ground truth, with the benchmark's EAO interval."""
        if pad_missing:
            raise EvaluationError("--pad-missing applies to one-pass results; a supervised trajectory has a "
                                  "status for every frame and is never padded")
        if record.eao_interval is None:
            raise EvaluationError(f"benchmark {record.name} has no EAO interval: supervised runs cannot be scored")
        trajectories = [
            VOTTrajectory(s.name, shard.repetition, VOT_CODE[shard.status],
                          np.where((shard.status == STATUSES.index("tracked"))[:, None], shard.boxes, np.nan),
                          source=shard.source)
            for s in sequences for shard in shards[s.name]
        ]
        return evaluate_vot(trajectories, vot_truth(sequences, record.frame_tags), profile, record.eao_interval)


def vot_truth(sequences: list[Sequence], frame_tags: tuple[str, ...]) -> list[VOTSequenceTruth]:
    """The ground truth as the VOT profiles take it; a tag of the benchmark with no annotation file for a
    sequence is an empty array, which pysot's `empty` tag tells apart from all-zero flags."""
    truth = []
    for s in sequences:
        if s.image_size is None:
            raise EvaluationError(f"sequence {s.name!r} has no image size; VOT overlaps are bounded by the image")
        width, height = s.image_size
        tags = {name: np.zeros(0, bool) for name in frame_tags}
        tags.update({name: np.asarray(flags, bool) for name, flags in s.frame_tags.items()})
        truth.append(VOTSequenceTruth(s.name, s.ground_truth, tags, int(width), int(height)))
    return truth


def trajectories_equal(shards: list[StoredShard]) -> bool:
    """The toolkit's `Trajectory.equals` over every pair with the first: at every frame both special
    (initialised, failed, skipped) or their boxes overlapping at least 0.99999 (exactly, here; the
    toolkit rasterises)."""
    tracked = STATUSES.index("tracked")
    first = shards[0]
    for other in shards[1:]:
        if len(other.status) != len(first.status):
            return False
        special, first_special = other.status != tracked, first.status != tracked
        with np.errstate(invalid="ignore"):
            close = iou_continuous(other.boxes, first.boxes) >= VOT_STACK.equal_overlap
        if not np.all((special & first_special) | (close & ~special & ~first_special)):
            return False
    return True


def run_supervised(
    tracker: Tracker,
    sequence: Sequence,
    tracker_name: str,
    overlap: OverlapFn,
    experiment: Supervised | None = None,
    latency_model: LatencyModel | None = None,
) -> ShardFrames:
    """The supervised loop under `experiment`'s settings (default: the baseline experiment)."""
    from harness.runner.frames import prefetch_frames  # OpenCV, for runs only: scoring never imports it

    experiment = experiment or BASELINE
    paths = frame_paths(sequence)
    n = len(paths)
    gt = sequence.ground_truth
    boxes = np.full((n, 4), np.nan)
    scores = np.full(n, np.nan)
    latency = np.full(n, np.nan)
    statuses = np.full(n, "skipped", dtype=object)
    # As the toolkit: frames arrive at the sequence's own frame rate when it states one.
    fps = (sequence.fps or experiment.realtime_fps) if experiment.realtime_fps else None
    clock = RealtimeClock(1.0 / fps, experiment.grace) if fps else None
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
            tracker.next_frame_file(paths[i])
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
            tracker.next_frame_file(paths[i])
            prediction, seconds = call(i, lambda: tracker.track(image))
            box = checked_box(prediction, tracker_name, sequence.name, i)
            scores[i] = prediction.score
            if clock:
                clock.spent(seconds)
        boxes[i], latency[i], last = box, seconds * 1e3, box
        size = (image.shape[1], image.shape[0])
        if overlap(box[None], gt[i : i + 1], size)[0] <= experiment.failure_overlap:
            statuses[i], tracking, next_init = "failed", False, i + experiment.skip_initialize
        else:
            statuses[i] = "tracked"
    return ShardFrames(boxes=boxes, scores=scores, statuses=statuses.astype(str), latency_ms=latency)


BASELINE = Supervised()
REALTIME = Supervised(name="realtime", title="realtime", vot_type="realtime",
                      default_repetitions=VOT_STACK.realtime_repetitions, realtime_fps=VOT_STACK.realtime_fps)
