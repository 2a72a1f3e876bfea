"""VOT's long-term and unsupervised (2020+) experiments end to end against vot-toolkit 0.9.0: the synthetic
sequences re-labelled as a VOT-LT root (`nan` lines where the target is hidden) and as a VOT2022 root (masks);
opencv-mil run through Ray, and generated trajectories with drift, loss and confidences (ties, NaN, a
confidence that tells lost frames apart); exported as a workspace, `vot analysis` (average_tpr, pr_curve,
f_curve; average_accuracy with burn-in 1) gives the numbers `harness eval` gives, to 1e-9."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import load_vot
from harness.cli import main
from harness.evaluate import score_trackers
from harness.experiments import experiment
from harness.runner.dispatch import run_shards
from harness.store import Provenance, ShardFrames, ShardKey, write_shard
from tests.vot2020_stores import assert_longterm_equal
from trackers.registry import get_plugin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sequences():
    return load_synthetic(size=DEFAULT)


def _generated(results, sequences, bench: str, protocol: str, tracker: str, seed: int) -> None:
    """One-pass trajectories that drift and lose the target; the confidence drops where the target is lost
    (noisily), is quantised (ties) and missing on some frames (NaN)."""
    rng = np.random.default_rng(seed)
    provenance = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)
    for sequence in sequences:
        n = len(sequence)
        truth = np.where(np.isnan(sequence.ground_truth), 20.0, sequence.ground_truth)
        boxes = truth + rng.normal(0, 3, (n, 4)) * [1, 1, 0.5, 0.5]
        lost = np.zeros(n, bool)
        start = int(rng.integers(1, n))
        lost[start:start + int(rng.integers(1, 30))] = True
        boxes[lost, :2] += 400
        boxes[0] = truth[0]
        confidence = np.round(np.where(lost, 0.2, 0.8) + rng.normal(0, 0.2, n), 1)
        confidence[rng.random(n) < 0.05] = np.nan
        confidence[0] = np.nan
        statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
        write_shard(results, ShardKey(tracker, bench, sequence.name, 1, protocol),
                    ShardFrames(boxes, confidence, statuses, np.full(n, 5.0)), provenance)


def _analysis(tmp_path, bench: str, root, results, protocol: str) -> tuple[list[str], list[str], list]:
    workspace = tmp_path / "ws"
    assert main(["export", "--vot-workspace", str(workspace), "--bench", bench, "--root", str(root),
                 "--results", str(results), "--protocol", protocol]) == 0
    subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(workspace), "--format", "json",
                    "--name", "check"], check=True, capture_output=True, timeout=300, cwd=workspace)
    report = json.loads((workspace / "analysis" / "check.json").read_text())
    (entry,) = report["results"].values()
    return list(report["trackers"]), list(report["sequences"]), entry["results"]


def test_toolkit_scores_longterm_runs_as_the_harness(tmp_path, sequences, ray_address):
    root = write_vot_root(sequences, tmp_path / "lt", longterm=True)
    bench = "votlt2022"
    loaded = load_vot(root, bench)
    assert any(np.isnan(s.ground_truth).any() for s in loaded)
    results = tmp_path / "results"
    summary = run_shards([get_plugin("opencv-mil")], bench, loaded, results, experiment=experiment("longterm"),
                         address=ray_address, workers=2)
    assert not summary.failed
    _generated(results, loaded, bench, "longterm", "confident", seed=1)
    _generated(results, loaded, bench, "longterm", "doubtful", seed=2)
    ours = {s.tracker: s.result for s in score_trackers(results, bench, loaded, "vot_toolkit", experiment="longterm")}
    names, sequence_names, (tpr, pr_curves, f_curves, per_sequence) = _analysis(tmp_path, bench, root, results,
                                                                              "longterm")
    assert sorted(names) == sorted(ours)
    for t, name in enumerate(names):  # pr_curves' grid: trackers x sequences, (precision, recall) per threshold
        result = ours[name]
        for s, sequence in enumerate(sequence_names):
            precision, recall = per_sequence[t * len(sequence_names) + s][0][result.best]
            figures = result.per_sequence_figures[sequence]
            assert figures["precision"] == pytest.approx(precision, abs=1e-9), (name, sequence)
            assert figures["recall"] == pytest.approx(recall, abs=1e-9), (name, sequence)
    assert_longterm_equal(ours, names, tpr, pr_curves, f_curves)
    assert len({round(r.values["f_score"], 6) for r in ours.values()}) == 3


def test_toolkit_scores_unsupervised_accuracy_as_the_harness(tmp_path, sequences):
    root = write_vot_root(sequences, tmp_path / "st", masks=True)
    bench = "vot2022"
    loaded = load_vot(root, bench)
    results = tmp_path / "results"
    for seed, tracker in enumerate(("drifter", "loser"), start=3):
        _generated(results, loaded, bench, "unsupervised", tracker, seed=seed)
    ours = {s.tracker: s.result for s in score_trackers(results, bench, loaded, "vot_toolkit",
                                                         experiment="unsupervised")}
    names, sequence_names, (accuracy, per_sequence) = _analysis(tmp_path, bench, root, results, "unsupervised")
    for t, name in enumerate(names):
        assert ours[name].values["accuracy"] == pytest.approx(accuracy[t][0], abs=1e-9), name
        for s, sequence in enumerate(sequence_names):
            expected = per_sequence[t * len(sequence_names) + s][0]
            assert ours[name].per_sequence_figures[sequence]["accuracy"] == pytest.approx(expected, abs=1e-9)
    assert len({round(r.values["accuracy"], 6) for r in ours.values()}) == 2
