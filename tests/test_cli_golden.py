"""`harness import` + `harness eval` reproduce the reference toolkits' numbers on real OTB100 results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.cli import main
from harness.metrics.ope.profiles import PROFILES
from tests.conftest import realdata_path

TOL = 1e-6


@pytest.fixture(scope="module")
def golden():
    return json.loads(realdata_path("golden", "ope_otb100.json").read_text())


@pytest.fixture(scope="module")
def store(tmp_path_factory, golden):
    """Every published tracker imported once, as a user would, from its own folder."""
    results = tmp_path_factory.mktemp("results")
    anno = realdata_path("otb", "toolkit-anno", "OTB100")
    for tracker in golden["results"]["OTB100"]:
        raw = realdata_path("otb", "results", tracker)
        argv = ["import", "--format", "pysot", "--bench", "otb", "--root", str(anno),
                "--tracker", tracker, str(raw), "--results", str(results), "--json"]
        assert main(argv) == 0
    return results, anno


def _eval(capsys, store, profile: str) -> dict:
    results, anno = store
    capsys.readouterr()
    code = main(["eval", "--bench", "otb", "--root", str(anno), "--profile", profile, "--results", str(results), "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_tracker_matches_golden(profile, golden, store, capsys):
    report = _eval(capsys, store, profile)
    assert report["profile"] == profile
    for tracker, by_profile in golden["results"]["OTB100"].items():
        want, got = by_profile[profile], report["trackers"][tracker]
        assert got["success_auc"] == pytest.approx(want["auc"], abs=TOL), tracker
        assert got["precision"] == pytest.approx(want["precision"], abs=TOL), tracker
        if want["norm_precision"] is None:
            assert got["norm_precision"] is None
        else:
            assert got["norm_precision"] == pytest.approx(want["norm_precision"], abs=TOL), tracker
        for curve in ("success_curve", "precision_curve", "norm_precision_curve"):
            if want.get(curve) is not None:
                np.testing.assert_allclose(got[curve], want[curve], atol=TOL, err_msg=f"{tracker} {curve}")
        for seq, value in want["per_sequence_auc"].items():
            assert got["per_sequence_auc"][seq] == pytest.approx(value, abs=TOL), (tracker, seq)


def test_siamrpnpp_shows_the_published_auc(store, capsys):
    results, anno = store
    capsys.readouterr()
    assert main(["eval", "--bench", "otb", "--root", str(anno), "--profile", "pysot", "--results", str(results)]) == 0
    table = capsys.readouterr().out
    assert "profile pysot" in table
    row = next(line for line in table.splitlines() if line.startswith("SiamRPN++"))
    assert row.split()[1] == "0.696"


def test_default_profile_for_otb_is_the_matlab_kit(store, capsys):
    results, anno = store
    capsys.readouterr()
    assert main(["eval", "--bench", "otb", "--root", str(anno), "--results", str(results), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"] == "lasot_matlab"


def test_auc_by_attribute_averages_the_golden_per_sequence_values(golden, store, capsys):
    """pysot's AUC is the mean of per-sequence AUCs, so each attribute's AUC follows from the golden ones."""
    from benchmarks.otb import load_otb

    results, anno = store
    capsys.readouterr()
    argv = ["eval", "--bench", "otb", "--root", str(anno), "--profile", "pysot", "--results", str(results),
            "--by-attribute", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)["attributes"]
    sequences = load_otb(anno)
    # The OTB-100 attribute counts every paper's attribute plots use.
    assert {code: a["sequences"] for code, a in report.items()} == {
        "IV": 38, "SV": 64, "OCC": 49, "DEF": 44, "MB": 29, "FM": 39, "IPR": 51, "OPR": 63, "OV": 14, "BC": 31, "LR": 9,
    }
    for code, entry in report.items():
        members = [s.name for s in sequences if code in s.attributes]
        for tracker, got in entry["trackers"].items():
            per_seq = golden["results"]["OTB100"][tracker]["pysot"]["per_sequence_auc"]
            assert got["success_auc"] == pytest.approx(np.mean([per_seq[m] for m in members]), abs=TOL)
