"""Stores of VOT 2020+ results for the report tests: the synthetic sequences as a VOT2022 root (masks,
anchors) and as a VOT-LT root, and generated trackers' shards written straight into a results folder
(multistart and multistart-realtime anchor runs, unsupervised and long-term one-pass runs with
confidences), as `harness run` would leave them, without running a tracker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import load_vot
from harness.experiments.multistart import anchor_runs, run_view
from harness.store import Provenance, ShardFrames, ShardKey, write_shard

TRACKERS = ("alpha", "beta", "gamma")
SHORT_TERM = ("multistart", "multistart-realtime", "unsupervised")
_PROVENANCE = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)


def roots(folder: Path) -> dict[str, Path]:
    """The `synthetic_vot` and `synthetic_votlt` roots, written under `folder`."""
    sequences = load_synthetic(size=DEFAULT)
    return {"synthetic_vot": write_vot_root(sequences, folder / "vot", masks=True),
            "synthetic_votlt": write_vot_root(sequences, folder / "votlt", longterm=True)}


def _frames(rng: np.random.Generator, truth: np.ndarray, lost: np.ndarray, shift: float) -> ShardFrames:
    """Boxes that drift around the ground truth (`shift` px to the right), far off where `lost`; the
    confidence drops while lost (noisily, quantised: ties), none on the first frame."""
    n = len(truth)
    truth = np.where(np.isnan(truth), 20.0, truth)  # frames with an empty mask
    boxes = truth + rng.normal(0, 3, (n, 4)) * [1, 1, 0.5, 0.5] + [shift, 0, 0, 0]
    boxes[lost, :2] += 400
    boxes[0] = truth[0]
    confidence = np.round(np.where(lost, 0.2, 0.8) + rng.normal(0, 0.2, n), 1)
    confidence[0] = np.nan
    statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
    return ShardFrames(boxes, confidence, statuses, np.full(n, 5.0))


def write_short_term(results: Path, root: Path, protocol: str, tracker: str, seed: int, shift: float = 0.0) -> None:
    """A tracker's shards of `synthetic_vot` under `protocol`: one per anchor run (multistart), or one
    run per sequence (unsupervised); it loses the target for good in half of them."""
    rng = np.random.default_rng(seed)
    for sequence in load_vot(root, "synthetic_vot"):
        views = [run_view(sequence, run) for run in anchor_runs(sequence)] if protocol != "unsupervised" else [sequence]
        for k, view in enumerate(views, start=1):
            n = len(view)
            lost = np.zeros(n, bool)
            if rng.integers(2):
                lost[int(rng.integers(1, max(2, n))):] = True
            write_shard(results, ShardKey(tracker, "synthetic_vot", sequence.name, k, protocol),
                        _frames(rng, view.ground_truth, lost, shift), _PROVENANCE)


def write_longterm(results: Path, root: Path, tracker: str, seed: int) -> None:
    """A tracker's one-pass shards of `synthetic_votlt`, losing the target for a while in each sequence."""
    rng = np.random.default_rng(seed)
    for sequence in load_vot(root, "synthetic_votlt"):
        n = len(sequence)
        lost = np.zeros(n, bool)
        start = int(rng.integers(1, n))
        lost[start:start + int(rng.integers(1, 30))] = True
        write_shard(results, ShardKey(tracker, "synthetic_votlt", sequence.name, 1, "longterm"),
                    _frames(rng, sequence.ground_truth, lost, 0.0), _PROVENANCE)


def store(results: Path, benchmark_roots: dict[str, Path]) -> Path:
    """Three trackers under every VOT 2020+ experiment of the two benchmarks."""
    for i, tracker in enumerate(TRACKERS):
        for j, protocol in enumerate(SHORT_TERM):
            write_short_term(results, benchmark_roots["synthetic_vot"], protocol, tracker, seed=10 * j + i)
        write_longterm(results, benchmark_roots["synthetic_votlt"], tracker, seed=30 + i)
    return results


def assert_longterm_equal(ours: dict, names: list[str], tpr: list, pr_curves: list, f_curves: list) -> None:
    """Each tracker's long-term result (`ours`, by name) equals `vot analysis`'s average_tpr, pr_curve and f_curve
    (its report's results in tracker order `names`) to 1e-9: the toolkit sums in Python loops, the harness with
    numpy; they differ by a few ulps at most."""
    for name, (precision, recall, f_score), pr, f in zip(names, tpr, pr_curves, f_curves):
        result = ours[name]
        assert result.values["f_score"] == pytest.approx(f_score, abs=1e-9), name
        assert result.values["precision"] == pytest.approx(precision, abs=1e-9), name
        assert result.values["recall"] == pytest.approx(recall, abs=1e-9), name
        # the toolkit's curve points are (recall, precision)
        np.testing.assert_allclose(result.precision_curve, [p for _, p in pr[0]], atol=1e-9, err_msg=name)
        np.testing.assert_allclose(result.recall_curve, [r for r, _ in pr[0]], atol=1e-9, err_msg=name)
        np.testing.assert_allclose(result.f_curve, f[0], atol=1e-9, err_msg=name)
