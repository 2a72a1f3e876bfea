"""Every tracker x profile of golden/ope_otb100.json, reproduced from the raw OTB100 files.

The golden values were produced by running each reference toolkit unmodified on the same files;
see ../shared/realdata/golden/README-ope.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from harness.metrics.ope.evaluate import OPEResult, SequenceInput, evaluate
from harness.metrics.ope.profiles import PROFILES
from tests.conftest import realdata_path

# Figures in [0, 1] from float64 sums of at most a few thousand terms, which numpy may order differently
# on another CPU (SIMD width): far below 1e-12.
TOL = 1e-12
# pytracking keeps its mean curves in float32 percent and torch's float32 summation order is not replayed:
# within 2 float32 ulps of 1 (2.4e-7) for those curves and the figures read off them (its per-sequence
# values are float32 rates averaged in float64, and do meet TOL).
FLOAT32_TOL = 3e-7
FLOAT32_MEANS = ("auc", "precision", "norm_precision", "success_curve", "precision_curve", "norm_precision_curve")
TRACKERS = ["SiamRPN++", "SiamRPN", "DaSiamRPN", "SiamFC", "CFNet"]
EXTRAS = ("precision_at_20px", "norm_precision_at_0.20", "success_rate_at_0.5")  # same names in golden
PYTRACKING_OP = {"OP50": "success_rate_at_0.5", "OP75": "success_rate_at_0.75"}


@cache
def _golden() -> dict:
    return json.loads(realdata_path("golden", "ope_otb100.json").read_text())


def _boxes(path: Path) -> np.ndarray:
    """Rows of four numbers separated by commas, tabs or spaces (OTB anno and result files)."""
    rows = [re.split(r"[,\s]+", line.strip()) for line in path.read_text().splitlines() if line.strip()]
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


@cache
def _inputs(tracker: str) -> tuple[SequenceInput, ...]:
    files = _golden()["inputs"]["otb_sequence_files"]
    results = realdata_path("otb", "results", tracker)
    inputs = []
    for name, entry in files.items():
        gt = _boxes(realdata_path(*Path(entry["anno"]).parts[2:]))
        assert len(gt) == entry["n_frames"]
        path = results / entry[tracker]
        inputs.append(SequenceInput(name, _boxes(path), gt, np.zeros(len(gt), bool), str(path)))
    return tuple(inputs)


@cache
def _result(tracker: str, profile: str) -> OPEResult:
    return evaluate(list(_inputs(tracker)), profile)


def _close(ours: float | np.ndarray | None, golden: float | list | None, what: str, tol: float = TOL) -> None:
    if golden is None:
        assert ours is None, f"{what}: golden is null, ours is {ours}"
        return
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(golden, float), rtol=0, atol=tol, err_msg=what)


def test_profiles_match_the_golden_thresholds() -> None:
    for name, spec in _golden()["profiles"].items():
        conv, prof = spec["conventions"], PROFILES[name]
        assert prof.iou_thresholds == tuple(conv["iou_thresholds"]), name
        assert prof.center_thresholds == tuple(conv["center_thresholds"]), name
        assert prof.norm_center_thresholds == tuple(conv["norm_center_thresholds"]), name
        assert (">=" if prof.success_inclusive else ">") == conv["comparison"], name


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("tracker", TRACKERS)
def test_golden(tracker: str, profile: str) -> None:
    golden = _golden()["results"]["OTB100"][tracker][profile]
    ours = _result(tracker, profile)
    what = f"{tracker}/{profile}"
    assert ours.profile == profile and ours.n_sequences == 100
    float32 = PROFILES[profile].float32
    for key in FLOAT32_MEANS:
        _close(getattr(ours, key), golden[key], f"{what} {key}", FLOAT32_TOL if float32 else TOL)
    for key in ("per_sequence_auc", "per_sequence_precision"):
        if key in golden:
            assert getattr(ours, key).keys() == golden[key].keys()
            seqs = list(golden[key])
            _close([getattr(ours, key)[s] for s in seqs], [golden[key][s] for s in seqs], f"{what} {key}")
    for key in EXTRAS:
        if key in golden:
            _close(ours.extras[key], golden[key], f"{what} {key}")
    for key, count in golden.get("n_sequences_kept", {}).items():
        assert ours.extras[f"n_sequences_kept_{key}"] == count
    for key, percent in golden.get("reported_percent_float32", {}).items():  # pytracking's printout
        value = ours.extras[PYTRACKING_OP[key]] if key in PYTRACKING_OP else getattr(ours, key)
        _close(value, percent / 100, f"{what} reported {key}", FLOAT32_TOL)
