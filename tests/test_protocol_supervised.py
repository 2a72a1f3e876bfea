"""The supervised (reset) and real-time protocols against the VOT toolkit's own logic."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from vot.region import calculate_overlap
from vot.region.shapes import Polygon, Rectangle
from vot.tracker import OnlineTrackerRuntime, RealtimeTrackerRuntime

from benchmarks.vot import axis_aligned_boxes, load_vot
from harness.experiments.supervised import REALTIME, RealtimeClock, run_supervised
from tests.conftest import realdata_path
from trackers import Prediction, Tracker, TrackerInfo


def toolkit_overlap(boxes: np.ndarray, gt: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The VOT toolkit's own failure test, as the reference overlap."""
    out = []
    for box, region in zip(boxes, gt):
        truth = Polygon(list(zip(region[::2], region[1::2]))) if len(region) == 8 else Rectangle(*region)
        out.append(calculate_overlap(Rectangle(*box), truth, size))
    return np.array(out)


class Scripted(Tracker):
    """Returns the box the script gives for each frame (GT-following or deliberately lost)."""

    def __init__(self, script):
        self.info = TrackerInfo("scripted", "1", deterministic=True)
        self.script, self.frame = script, 0

    def initialize(self, image, box):
        self.frame = self.init_frame = self.script.index_of_init(box)

    def track(self, image):
        self.frame += 1
        return Prediction(self.script.box(self.frame))


@dataclass
class Script:
    gt_boxes: np.ndarray
    lost_at: set[int]  # frames (0-based) at which the tracker reports a box far from the target

    def index_of_init(self, box):
        return int(np.flatnonzero((self.gt_boxes == box).all(axis=1))[0])

    def box(self, frame):
        return np.array([-500.0, -500.0, 10.0, 10.0]) if frame in self.lost_at else self.gt_boxes[frame]


@pytest.fixture(scope="module")
def bag():
    return load_vot(realdata_path("vot", "sequences"))[0]


def _toolkit_schedule(n: int, lost_at: set[int], skip: int = 5) -> list[str]:
    """What the toolkit's SupervisedExperiment loop records for a tracker lost at `lost_at`."""
    status, frame = ["skipped"] * n, 0
    while frame < n:
        status[frame], frame = "initialized", frame + 1
        while frame < n:
            if frame in lost_at:
                status[frame], frame = "failed", frame + skip
                break
            status[frame], frame = "tracked", frame + 1
    return status


def test_ground_truth_as_output_never_fails(bag):
    gt = axis_aligned_boxes(bag.ground_truth)
    frames = run_supervised(Scripted(Script(gt, set())), bag, "gt", toolkit_overlap)
    assert list(frames.statuses) == ["initialized"] + ["tracked"] * (len(bag) - 1)
    np.testing.assert_array_equal(frames.boxes, gt)


@pytest.mark.parametrize("lost_at", [{1}, {10, 11, 16, 40}, {195}, set(range(1, 196))])
def test_failures_reset_after_five_frames_as_the_toolkit_does(bag, lost_at):
    gt = axis_aligned_boxes(bag.ground_truth)
    frames = run_supervised(Scripted(Script(gt, lost_at)), bag, "lost", toolkit_overlap)
    assert list(frames.statuses) == _toolkit_schedule(len(bag), lost_at)
    skipped = frames.statuses == "skipped"
    assert np.isnan(frames.boxes[skipped]).all() and np.isnan(frames.latency_ms[skipped]).all()


class _ToolkitRuntime(OnlineTrackerRuntime):
    """A stand-in tracker process for the toolkit's real-time wrapper: answers with its frame number."""

    def __init__(self, latencies):
        super().__init__(None)
        self.latencies, self.calls = latencies, 0

    def stop(self):
        pass

    def restart(self):
        pass

    def _answer(self, frame):
        self.calls += 1
        return frame, self.latencies[frame]

    def initialize(self, frame, new=None):
        return self._answer(frame)

    def update(self, frame, new=None):
        return self._answer(frame)


@pytest.mark.parametrize("seed", range(5))
def test_realtime_clock_matches_the_toolkit_runtime(seed):
    rng = np.random.default_rng(seed)
    n, interval, grace = 300, 1 / 20, 3
    latencies = rng.choice([0.01, 0.04, 0.06, 0.12, 0.3], size=n)
    reinit = set(rng.choice(np.arange(1, n), size=5, replace=False).tolist())
    toolkit = RealtimeTrackerRuntime(_ToolkitRuntime(latencies), grace, interval)
    clock, ours, theirs, last = RealtimeClock(interval, grace), [], [], 0
    for frame in range(n):
        if frame == 0 or frame in reinit:
            theirs.append(toolkit.initialize(frame)[0])
            clock.reset()
            clock.spent(latencies[frame])
            last = frame
        elif clock.missed():
            theirs.append(toolkit.update(frame)[0])
        else:
            theirs.append(toolkit.update(frame)[0])
            clock.spent(latencies[frame])
            last = frame
        ours.append(last)
    assert ours == theirs


def test_realtime_run_repeats_the_last_output_while_the_tracker_is_busy(bag):
    gt = axis_aligned_boxes(bag.ground_truth)
    slow_every = 4  # every 4th call takes 0.2 s at 20 fps: it misses the next 3 frames after grace
    config = dataclasses.replace(REALTIME, realtime_fps=20.0, grace=3)
    frames = run_supervised(
        Scripted(Script(gt, set())), bag, "rt", toolkit_overlap, config,
        latency_model=lambda i, measured: 0.2 if i % slow_every == 0 else 0.01,
    )
    missed = frames.latency_ms == 0
    assert missed.sum() > 0 and frames.statuses[0] == "initialized"
    # A missed frame repeats the previous frame's output exactly.
    idx = np.flatnonzero(missed)
    np.testing.assert_array_equal(frames.boxes[idx], frames.boxes[idx - 1])


def test_runner_failure_test_is_the_toolkits_overlap():
    from harness.experiments.supervised import toolkit_overlap as ours

    rng = np.random.default_rng(7)
    for i in range(400):
        size = tuple(int(v) for v in rng.integers(50, 400, 2))
        box = np.r_[rng.uniform(-20, 300, 2), rng.uniform(0, 120, 2)]
        gt = rng.uniform(-20, 400, 8) if i % 2 else np.r_[rng.uniform(-20, 300, 2), rng.uniform(0, 120, 2)]
        assert ours(box[None], gt[None], size)[0] == pytest.approx(toolkit_overlap(box[None], gt[None], size)[0], abs=1e-12)


def test_realtime_runs_at_the_sequences_own_frame_rate(bag):
    """bag's `sequence` file says fps=30, which wins over --fps as in the toolkit.

    A 0.075 s call leaves a debt of 0.042 s at 30 fps (more than one 0.033 s interval: a frame is
    missed) but of 0.025 s at 20 fps (less than one 0.05 s interval: none is)."""
    assert bag.fps == 30
    gt = axis_aligned_boxes(bag.ground_truth)
    config = dataclasses.replace(REALTIME, realtime_fps=20.0, grace=0)
    frames = run_supervised(Scripted(Script(gt, set())), bag, "rt", toolkit_overlap, config,
                            latency_model=lambda i, measured: 0.075)
    assert (frames.latency_ms == 0).any()
    at_20 = run_supervised(Scripted(Script(gt, set())), dataclasses.replace(bag, fps=None), "rt", toolkit_overlap,
                           config, latency_model=lambda i, measured: 0.075)
    assert not (at_20.latency_ms == 0).any()
