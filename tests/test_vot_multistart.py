"""The multistart experiment end to end against vot-toolkit 0.9.0: the synthetic sequences re-labelled as a
VOT2022 bounding-box root (anchors forward and backward), opencv-mil run through Ray one shard per anchor, plus
generated trajectories with drift, failures and lost targets written into the store; exported as a workspace,
`vot analysis` (the stack's multistart_eao_score, multistart_eao_curve and multistart_average_ar) gives the
numbers `harness eval` gives, to 1e-9."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import axis_aligned_boxes, load_vot
from harness.cli import main
from harness.errors import EvaluationError, HarnessError
from harness.evaluate import score_trackers
from harness.experiments import experiment
from harness.experiments.multistart import MULTISTART, anchor_runs, run_view
from harness.runner.dispatch import plan_shards, run_shards
from harness.store import Provenance, ShardFrames, ShardKey, read_tracker, write_shard
from tests.conftest import realdata_path
from trackers.registry import get_plugin

pytestmark = pytest.mark.slow

BENCH = "vot2022stb"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return write_vot_root(load_synthetic(size=DEFAULT)[:2], tmp_path_factory.mktemp("vot2022stb"), masks=False)


@pytest.fixture(scope="module")
def mask_root(tmp_path_factory):
    return write_vot_root(load_synthetic(size=DEFAULT), tmp_path_factory.mktemp("vot2022"), masks=True)


def _generated(results, sequences, bench: str, tracker: str, seed: int) -> None:
    """Trajectories of a tracker that drifts, loses the target for good in some runs (boxes far away) and
    briefly in others (fewer bad frames than the toolkit's grace), as anchor-run shards."""
    rng = np.random.default_rng(seed)
    provenance = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)
    for sequence in sequences:
        for k, run in enumerate(anchor_runs(sequence), start=1):
            view = run_view(sequence, run)
            n = len(view)
            truth = axis_aligned_boxes(view.ground_truth)
            truth = np.where(np.isnan(truth), 20.0, truth)  # masks' empty frames
            boxes = truth + rng.normal(0, 3, (n, 4)) * [1, 1, 0.5, 0.5]
            kind = rng.integers(3)
            start = int(rng.integers(1, max(2, n)))
            if kind == 1:  # lost for good
                boxes[start:, :2] += 500
            elif kind == 2:  # lost for fewer frames than the grace
                boxes[start:start + int(rng.integers(1, 10)), :2] += 500
            boxes[0] = truth[0]
            statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
            frames = ShardFrames(boxes, rng.uniform(0, 1, n), statuses, np.full(n, 5.0))
            write_shard(results, ShardKey(tracker, bench, sequence.name, k, MULTISTART.name), frames, provenance)


def _toolkit_agrees(tmp_path, root, bench: str, results, trackers: int) -> None:
    sequences = load_vot(root, bench)
    ours = {s.tracker: s.result for s in score_trackers(results, bench, sequences, "vot_toolkit",
                                                         experiment="multistart")}
    workspace = tmp_path / "ws"
    assert main(["export", "--vot-workspace", str(workspace), "--bench", bench, "--root", str(root),
                 "--results", str(results), "--protocol", "multistart"]) == 0
    subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(workspace), "--format", "json",
                    "--name", "check"], check=True, capture_output=True, timeout=300, cwd=workspace)
    report = json.loads((workspace / "analysis" / "check.json").read_text())
    names, sequence_names = list(report["trackers"]), list(report["sequences"])
    eaos, curves, ars, per_sequence = report["results"]["baseline"]["results"]
    assert sorted(names) == sorted(ours)
    for t, name in enumerate(names):  # the per-sequence analysis's grid: trackers x sequences, row by row
        for s, sequence in enumerate(sequence_names):
            accuracy, robustness, *_ = per_sequence[t * len(sequence_names) + s]
            figures = ours[name].per_sequence_figures[sequence]
            assert figures["accuracy"] == pytest.approx(accuracy, abs=1e-9), (name, sequence)
            assert figures["robustness"] == pytest.approx(robustness, abs=1e-9), (name, sequence)
    for name, eao, curve, ar in zip(names, eaos, curves, ars):
        result = ours[name]
        assert result.values["eao"] == pytest.approx(eao[0], abs=1e-9), name
        assert result.values["accuracy"] == pytest.approx(ar[0], abs=1e-9), name
        assert result.values["robustness"] == pytest.approx(ar[1], abs=1e-9), name
        np.testing.assert_allclose(result.eao_curve, curve[0], atol=1e-9, err_msg=name)
    # the trackers fail in different places: the comparison is not between equal numbers
    assert len({round(r.values["robustness"], 6) for r in ours.values()}) == trackers


def test_toolkit_scores_multistart_runs_as_the_harness(tmp_path, root, ray_address):
    sequences = load_vot(root, BENCH)
    results = tmp_path / "results"
    mil = get_plugin("opencv-mil")
    summary = run_shards([mil], BENCH, sequences, results, experiment=MULTISTART, address=ray_address, workers=2)
    runs = sum(len(anchor_runs(s)) for s in sequences)
    assert not summary.failed and len(summary.completed) == runs
    again = run_shards([mil], BENCH, sequences, results, experiment=MULTISTART, address=ray_address, workers=2)
    assert len(again.skipped) == runs and not again.completed  # resumable: every anchor run is complete
    _generated(results, sequences, BENCH, "drifter", seed=1)
    _generated(results, sequences, BENCH, "loser", seed=2)
    _toolkit_agrees(tmp_path, root, BENCH, results, trackers=3)


def test_toolkit_scores_boxes_on_mask_ground_truth_as_the_harness(tmp_path, mask_root):
    """VOT2022's kind: masks as ground truth (empty where the target is hidden), boxes as outputs."""
    sequences = load_vot(mask_root, "vot2022")
    assert sequences[0].masks is not None and any(s.masks.is_empty().any() for s in sequences)
    results = tmp_path / "results"
    for seed, tracker in enumerate(("drifter", "loser", "wanderer"), start=4):
        _generated(results, sequences, "vot2022", tracker, seed=seed)
    _toolkit_agrees(tmp_path, mask_root, "vot2022", results, trackers=3)


def _relabelled_bag(folder):
    """The real VOT2018 `bag` (polygons, tags) as a VOT2020+ folder: its frames linked, anchors every 50 frames
    (forward in the first half, backward in the second) - what VOT2020's re-annotation added to such sequences."""
    source = realdata_path("vot", "sequences", "bag")
    bag = folder / "bag"
    (bag / "color").mkdir(parents=True)
    for frame in sorted((source / "color").iterdir()):
        os.symlink(frame, bag / "color" / frame.name)
    for name in ("groundtruth.txt", "sequence", *(p.name for p in source.glob("*.tag"))):
        shutil.copyfile(source / name, bag / name)
    n = len((source / "groundtruth.txt").read_text().split())
    values = np.zeros(n)
    values[[0, 50]], values[[100, 150, n - 1]] = 1, -1
    (bag / "anchor.value").write_text("".join(f"{v:g}\n" for v in values))
    (folder / "list.txt").write_text("bag\n")
    return folder


def test_toolkit_scores_a_real_tracker_on_real_frames_as_the_harness(tmp_path, ray_address):
    """NanoTrack (real weights) on the real `bag`, polygons as ground truth, through Ray."""
    root = _relabelled_bag(tmp_path / "sequences")
    sequences = load_vot(root, "vot2020")
    nano = get_plugin("opencv-nano", {"weights_dir": str(realdata_path("models", "nanotrack-v2"))})
    results = tmp_path / "results"
    summary = run_shards([nano], "vot2020", sequences, results, experiment=MULTISTART, address=ray_address, workers=2)
    assert not summary.failed and len(summary.completed) == 5
    _generated(results, sequences, "vot2020", "drifter", seed=7)
    _toolkit_agrees(tmp_path, root, "vot2020", results, trackers=2)


def test_each_anchor_is_a_shard_over_its_run(root):
    (sequence,) = load_vot(root, BENCH)[:1]
    runs = anchor_runs(sequence)
    shards = plan_shards([get_plugin("opencv-mil")], BENCH, [sequence], MULTISTART)
    by_repetition = {key.repetition: view for key, view in shards}
    assert sorted(by_repetition) == list(range(1, len(runs) + 1))
    assert any(r.backward for r in runs) and any(not r.backward for r in runs)
    for k, run in enumerate(runs, start=1):
        view = by_repetition[k]
        expected = np.arange(run.anchor, -1, -1) if run.backward else np.arange(run.anchor, len(sequence))
        assert [str(p) for p in view.frames] == [str(sequence.frames[i]) for i in expected]
        np.testing.assert_array_equal(view.ground_truth, sequence.ground_truth[expected])
        assert view.frame_values["anchor"][0] == (-1 if run.backward else 1)


def test_a_missing_anchor_run_is_named_and_a_sequence_without_anchors_refused(tmp_path, root):
    sequences = load_vot(root, BENCH)[:1]
    _generated(tmp_path, sequences, BENCH, "partial", seed=3)
    (tmp_path / BENCH / "multistart" / "partial" / sequences[0].name / "rep002.parquet").unlink()
    stored = read_tracker(tmp_path, BENCH, "multistart", "partial", [sequences[0].name],
                          frames=MULTISTART.shard_lengths(sequences))
    from benchmarks.registry import benchmark_record

    with pytest.raises(EvaluationError, match=r"no stored run from forward anchor at frame 16 .*1 of 4"):
        MULTISTART.score(stored, sequences, MULTISTART.profile("vot_toolkit"), benchmark_record(BENCH))
    bare = sequences[0].__class__(**{**sequences[0].__dict__, "frame_values": {}})
    with pytest.raises(HarnessError, match="no anchor frames"):
        anchor_runs(bare)


def test_realtime_is_configured_like_the_stack():
    realtime = experiment("multistart-realtime")
    assert realtime.realtime_fps == 20.0 and realtime.grace == 3
    assert experiment("multistart-realtime", fps=10, grace=1).realtime_fps == 10
    assert experiment("multistart").realtime_fps is None


class _Counter:
    """A tracker that answers each call with a box naming the run step it was called on (from the frame file
    the loop names before each call)."""

    info = None

    def __init__(self, paths) -> None:
        self.steps, self.step = {str(p): k for k, p in enumerate(paths)}, 0

    def init_box(self, region):
        return axis_aligned_boxes(np.asarray(region)[None])[0]

    def next_frame_file(self, path) -> None:
        self.step = self.steps[str(path)]

    def initialize(self, image, box) -> None:
        pass

    def track(self, image):
        from trackers import Prediction

        return Prediction(np.array([float(self.step), 0.0, 1.0, 1.0]))


class _ToolkitRuntime:
    """A stand-in tracker process for the toolkit's RealtimeTrackerRuntime: answers with the run step."""

    def __init__(self, latencies) -> None:
        self.latencies = latencies

    def initialize(self, frame, new=None):
        return frame, self.latencies[frame]

    def update(self, frame, new=None):
        return frame, self.latencies[frame]


@pytest.mark.parametrize("seed", range(3))
def test_realtime_anchor_runs_miss_the_frames_the_toolkit_runtime_misses(root, seed):
    """multistart-realtime wraps each anchor run in the toolkit's clock (vot/tracker/__init__.py
    RealtimeTrackerRuntime, vot/experiment/__init__.py: interval 1 / the sequence's fps, else 20; the stacks'
    grace 3): with the same call times, the same frames answer with the last output, run by run."""
    from vot.tracker import OnlineTrackerRuntime, RealtimeTrackerRuntime

    from harness.experiments.one_pass import run_one_pass
    from harness.experiments.supervised import RealtimeClock

    class Runtime(_ToolkitRuntime, OnlineTrackerRuntime):
        def __init__(self, latencies) -> None:
            OnlineTrackerRuntime.__init__(self, None)
            _ToolkitRuntime.__init__(self, latencies)

        def stop(self) -> None:
            pass

        def restart(self) -> None:
            pass

    sequence = load_vot(root, BENCH)[0]
    realtime = experiment("multistart-realtime")
    rng = np.random.default_rng(seed)
    interval = 1.0 / (sequence.fps or realtime.realtime_fps)
    for k, view in MULTISTART.shards_of(sequence, 1):
        latencies = rng.choice([0.005, 0.02, 0.04, 0.09, 0.2], size=len(view))
        toolkit = RealtimeTrackerRuntime(Runtime(latencies), realtime.grace, interval)
        theirs = [toolkit.initialize(0)[0]] + [toolkit.update(step)[0] for step in range(1, len(view))]
        frames = run_one_pass(_Counter(list(view.frames)), view, "counter", RealtimeClock(interval, realtime.grace),
                              latency_model=lambda step, measured: latencies[step])
        ours = [0] + [int(x) for x in frames.boxes[1:, 0]]
        assert ours == theirs, k
        assert (frames.latency_ms[1:] == 0).any()  # some frames were missed: the comparison is not vacuous
