"""VOT-LT's re-detection experiment against vot-toolkit 0.9.0: the generated sequence (its folder's files byte for
byte, name, length, size, ground truth and every frame's pixels) equals what the toolkit's `Redetection`
transformer writes and reads back, for the stacks' options and for options that use the re-detection frame and a
canvas smaller than the frame, on targets whose crop leaves the frame on either side; opencv-mil run through Ray
and generated trajectories, exported as a workspace (the generated sequences, read by the toolkit as its
transformer's output), get from `vot analysis` the F-score, precision, recall and curves `harness eval` gives,
to 1e-9."""

from __future__ import annotations

import dataclasses
import filecmp
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import load_vot
from harness.cli import main
from harness.errors import HarnessError
from harness.evaluate import score_trackers
from harness.experiments import experiment
from harness.experiments.redetection import Redetection
from harness.runner.dispatch import run_shards
from harness.store import Provenance, ShardFrames, ShardKey, write_shard
from tests.vot2020_stores import assert_longterm_equal
from trackers.registry import get_plugin

BENCH = "votlt2022"
# First-frame targets whose crop leaves the 320 x 240 frame: past the right and bottom; before the left and top,
# with a crop box at -29.5 (rounded half to even) and values float32 cannot hold (x, y, w, h as written).
EDGE_TARGETS = {0: (291.5, 210.25, 27.5, 22.75), 1: (0.5, 1.3, 30.0, 20.1)}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    sequences = load_synthetic(size=DEFAULT)[:4]
    for index, box in EDGE_TARGETS.items():
        truth = sequences[index].ground_truth.copy()
        truth[0] = box
        sequences[index] = dataclasses.replace(sequences[index], ground_truth=truth)
    return write_vot_root(sequences, tmp_path_factory.mktemp("lt"), longterm=True)


@pytest.fixture(scope="module")
def loaded(root):
    return load_vot(root, BENCH)


@pytest.mark.parametrize("options", [{}, {"initialization": 1}, {"initialization": 1, "scaling": 0.5}])
def test_generated_sequence_is_the_toolkits(tmp_path, root, loaded, options):
    from vot.dataset.common import read_sequence
    from vot.experiment.transformer import Redetection as ToolkitRedetection
    from vot.workspace.storage import LocalStorage

    ours = Redetection(**options)
    storage = LocalStorage(str(tmp_path / "toolkit"))
    theirs = ToolkitRedetection(cache=storage, length=200, initialization=ours.initialization, padding=2,
                                scaling=ours.scaling)
    for sequence in loaded:
        folder = ours.build(sequence, tmp_path / "ours")
        (generated,) = theirs(read_sequence(str(root / sequence.name)))
        written = storage.directory(theirs, generated.name)
        for name in ("sequence", "groundtruth.txt", "color/00000001.jpg", "color/00000002.jpg"):
            assert filecmp.cmp(folder / name, f"{written}/{name}", shallow=False), (sequence.name, name)
        view = ours.generated(sequence, folder)
        assert (len(view), view.image_size) == (len(generated), generated.size)
        np.testing.assert_array_equal(view.ground_truth, _regions(generated), err_msg=sequence.name)
        for i in range(len(view)):
            pixels = cv2.cvtColor(cv2.imread(str(view.frames[i])), cv2.COLOR_BGR2RGB)
            np.testing.assert_array_equal(pixels, generated.frame(i).image(), err_msg=f"{sequence.name} {i}")
    # the stacks' options: `initialization` copies of the first frame (0.9.0 ignores `length`)
    assert len(view) == (5 if not options else 2)


def _regions(sequence) -> list[list[float]]:
    return [[r.x, r.y, r.width, r.height] for r in sequence.groundtruth()]


def _toolkit_generated(root, folder, names: list[str]) -> dict:
    """The toolkit transformer's sequences (the stacks' options) made from `root`'s sequences."""
    from vot.dataset.common import read_sequence
    from vot.experiment.transformer import Redetection as ToolkitRedetection
    from vot.workspace.storage import LocalStorage

    transformer = ToolkitRedetection(cache=LocalStorage(str(folder)), length=200, initialization=5, padding=2,
                                     scaling=3)
    return {name: transformer(read_sequence(str(root / name)))[0] for name in names}


def test_first_frame_without_target_is_refused(loaded):
    sequence = loaded[0]
    truth = sequence.ground_truth.copy()
    truth[0] = np.nan
    with pytest.raises(HarnessError, match=r"sequence 'synthetic_\d+' frame 1: no target region"):
        Redetection().generated(dataclasses.replace(sequence, ground_truth=truth, absent=None))


def _generated(results, sequences, tracker: str, seed: int) -> None:
    """Runs near the target with some frames lost far away; confidences tied, missing, lower when lost."""
    rng = np.random.default_rng(seed)
    provenance = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)
    redetection = experiment("redetection")
    for sequence in sequences:
        view = redetection.generated(sequence)
        n = len(view)
        boxes = view.ground_truth + rng.normal(0, 4, (n, 4)) * [1, 1, 0.5, 0.5]
        lost = rng.random(n) < 0.3
        boxes[lost, :2] += 300
        confidence = np.round(np.where(lost, 0.3, 0.7) + rng.normal(0, 0.2, n), 1)
        confidence[rng.random(n) < 0.2] = np.nan
        confidence[0] = np.nan
        statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
        write_shard(results, ShardKey(tracker, BENCH, sequence.name, 1, "redetection"),
                    ShardFrames(boxes, confidence, statuses, np.full(n, 5.0)), provenance)


@pytest.mark.slow
def test_toolkit_scores_redetection_runs_as_the_harness(tmp_path, root, loaded, ray_address, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    results = tmp_path / "results"
    summary = run_shards([get_plugin("opencv-mil")], BENCH, loaded, results, experiment=experiment("redetection"),
                         address=ray_address, workers=1)
    assert not summary.failed and len(summary.completed) == len(loaded)
    _generated(results, loaded, "steady", seed=1)
    _generated(results, loaded, "shaky", seed=2)
    ours = {s.tracker: s.result for s in score_trackers(results, BENCH, loaded, "vot_toolkit",
                                                         experiment="redetection")}
    workspace = tmp_path / "ws"
    assert main(["export", "--vot-workspace", str(workspace), "--bench", BENCH, "--root", str(root),
                 "--results", str(results), "--protocol", "redetection"]) == 0
    # the sequences vot analysis reads are those the toolkit's transformer makes (which 0.9.0 cannot run
    # from a stack)
    from vot.dataset.common import read_sequence

    theirs = _toolkit_generated(root, tmp_path / "toolkit", [s.name for s in loaded])
    for name, generated in theirs.items():
        exported = read_sequence(str(workspace / "sequences" / name))
        assert (len(exported), exported.size) == (len(generated), generated.size)
        assert _regions(exported) == _regions(generated)
        for i in range(len(exported)):
            np.testing.assert_array_equal(exported.frame(i).image(), generated.frame(i).image())
    subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(workspace), "--format", "json",
                    "--name", "check"], check=True, capture_output=True, timeout=300, cwd=workspace)
    report = json.loads((workspace / "analysis" / "check.json").read_text())
    (entry,) = report["results"].values()
    tpr, pr_curves, f_curves, _per_sequence = entry["results"]
    assert sorted(report["trackers"]) == sorted(ours)
    assert_longterm_equal(ours, list(report["trackers"]), tpr, pr_curves, f_curves)
    assert len({round(r.values["f_score"], 6) for r in ours.values()}) == 3
