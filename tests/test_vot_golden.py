"""Every tracker x profile of golden/vot2018.json, reproduced from the raw VOT2018 results and the ground
truth in vot/VOT2018.json; and the golden protocol check (ground truth fed back as the output).

The golden values come from running pysot, the VOT toolkit (`vot analysis`) and got10k unmodified on
the same files; see ../shared/realdata/golden/README-vot.md.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest

from benchmarks.registry import benchmark_record
from harness.metrics.vot.evaluate import VOTResult, VOTTrajectory, evaluate_vot
from tests.conftest import realdata_path
from tests.vot_reference import TRACKERS, real_trajectories, vot2018_truth

VOT2018 = benchmark_record("vot2018").eao_interval

# Our figures agree with the golden ones to 1.4e-15 (float64 sums in another order) except the VOT
# toolkit's EAO curve, where the golden values (`vot analysis`) and ours (its compute_eao_curve, replayed
# bit for bit in test_vot_properties.py) differ by float32 roundings: 9e-8 at most, 4.3e-10 on the EAO.
TOL = 1e-12
EAO_CURVE_TOL = 2e-7
PROFILES = ["vot_toolkit", "pysot", "got10k"]


@cache
def _golden() -> dict:
    return json.loads(realdata_path("golden", "vot2018.json").read_text())


@cache
def _result(tracker: str, profile: str) -> VOTResult:
    return evaluate_vot(list(real_trajectories(tracker)), list(vot2018_truth()), profile, VOT2018)


def _close(ours: float, theirs: float, what: str, tol: float = TOL) -> None:
    assert ours == pytest.approx(theirs, abs=tol, nan_ok=True), what


@pytest.mark.parametrize("tracker", TRACKERS)
def test_vot_toolkit(tracker: str) -> None:
    gold = _golden()["trackers"][tracker]["vot_toolkit"]
    r = _result(tracker, "vot_toolkit")
    _close(r.eao, gold["eao"], "EAO", EAO_CURVE_TOL)
    _close(r.accuracy, gold["accuracy"], "accuracy")
    _close(r.values["ar_robustness"], gold["ar_point"]["robustness_exp"], "AR-plot robustness")
    _close(r.values["weighted_failures"], gold["robustness_reported_weighted_failures"], "reported robustness")
    _close(r.failures, gold["total_failures"], "failures")
    _close(r.extras["mean_sequence_length"], gold["mean_sequence_length"], "mean length")
    assert r.extras["n_eao_fragments"] == gold["n_eao_fragments"]
    assert r.extras["n_success_fragments"] == gold["n_success_fragments"]
    assert len(r.eao_curve) == gold["eao_curve_len"]
    np.testing.assert_allclose(r.eao_curve, gold["eao_curve"], rtol=0, atol=EAO_CURVE_TOL)
    for name, values in gold["per_sequence"].items():
        for key, value in values.items():
            _close(r.per_sequence_figures[name][key], value, f"{name} {key}")
    assert r.per_tag == {}


@pytest.mark.parametrize("tracker", TRACKERS)
def test_pysot(tracker: str) -> None:
    gold = _golden()["trackers"][tracker]["pysot"]
    r = _result(tracker, "pysot")
    _close(r.eao, gold["eao"], "EAO")
    _close(r.accuracy, gold["accuracy"], "accuracy")
    _close(r.values["failures_per_100_frames"], gold["robustness"], "robustness")
    _close(r.failures, gold["lost_number_total_failures"], "lost number")
    assert r.extras["n_accuracy_frames"] == gold["n_accuracy_frames"]
    assert r.extras["total_frames"] == gold["total_frames"]
    np.testing.assert_allclose(r.eao_curve, gold["eao_curve"], rtol=0, atol=TOL)
    assert {tag: v["eao"] for tag, v in r.per_tag.items()} == pytest.approx(gold["eao_per_tag"], abs=TOL)
    for name, values in gold["per_sequence"].items():
        for key, value in values.items():
            _close(r.per_sequence_figures[name][key], value, f"{name} {key}")


@pytest.mark.parametrize("tracker", TRACKERS)
def test_got10k(tracker: str) -> None:
    gold = _golden()["trackers"][tracker]["got10k"]
    r = _result(tracker, "got10k")
    assert r.eao is None and r.eao_curve is None
    _close(r.accuracy, gold["accuracy"], "accuracy")
    _close(r.values["tag_weighted_failures"], gold["robustness"], "robustness")
    _close(r.failures, gold["total_failures"], "failures")
    _close(r.extras["frame_pooled_accuracy"], gold["frame_pooled_accuracy_info"], "frame-pooled accuracy")
    assert set(r.per_tag) == set(gold["per_tag"])
    for tag, values in gold["per_tag"].items():
        for key, value in values.items():
            _close(r.per_tag[tag][key], value, f"{tag} {key}")
    for name, values in gold["per_sequence"].items():
        for key, value in values.items():
            _close(r.per_sequence_figures[name][key], value, f"{name} {key}")


@pytest.mark.parametrize("tracker", TRACKERS)
def test_failures_agree_across_profiles(tracker: str) -> None:
    failures = {p: _result(tracker, p).failures for p in PROFILES}
    assert len(set(failures.values())) == 1, failures


def _perfect() -> list[VOTTrajectory]:
    """Line 1 is `1`, lines 2..N the ground truth in its own format (conduction1: x, y, w, h)."""
    out = []
    for seq in vot2018_truth():
        status = np.full(len(seq.gt), 3, dtype=np.int8)
        status[0] = 1
        boxes = seq.gt.copy()
        boxes[0] = np.nan
        out.append(VOTTrajectory(seq.name, 1, status, boxes))
    return out


def test_ground_truth_as_output_matches_the_golden_protocol_check() -> None:
    check = _golden()["protocol_checks"]["perfect_tracker"]
    truth = list(vot2018_truth())
    vot = evaluate_vot(_perfect(), truth, "vot_toolkit", VOT2018)
    gold = check["vot_toolkit"]
    assert (vot.eao, vot.accuracy, vot.failures) == (gold["eao"], gold["accuracy"], 0)
    assert vot.values["ar_robustness"] == gold["ar_point"]["robustness_exp"]
    assert vot.values["weighted_failures"] == 0 and vot.extras["n_eao_fragments"] == gold["n_eao_fragments"]
    assert vot.eao_curve[0] == check["vot_toolkit_eao_curve_first_value"] and (vot.eao_curve[1:] == 1).all()
    pysot = evaluate_vot(_perfect(), truth, "pysot", VOT2018)
    gold = check["pysot"]
    assert (pysot.eao, pysot.accuracy, pysot.values["failures_per_100_frames"], pysot.failures) == (gold["eao"], gold["accuracy"], 0, 0)
    assert pysot.extras["n_accuracy_frames"] == gold["n_accuracy_frames"] and (pysot.eao_curve == 1).all()
    assert {tag: v["eao"] for tag, v in pysot.per_tag.items()} == gold["eao_per_tag"]
    got = evaluate_vot(_perfect(), truth, "got10k", VOT2018)
    assert (got.accuracy, got.values["tag_weighted_failures"], got.failures) == (check["got10k"]["accuracy"], 0, 0)
