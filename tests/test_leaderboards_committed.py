"""The committed leaderboards (results/leaderboards/) hold what the real published results give: the
reference toolkits' golden figures, and the regression gate passes on the same results."""

from __future__ import annotations

import json

import pytest

from harness.reports.leaderboard import read
from tests.conftest import PROJECT, realdata_path
from tests.report_stores import harness, otb_anno, otb_store, vot_store, vot_truth

BOARDS = PROJECT / "results" / "leaderboards"


@pytest.mark.parametrize(("profile", "golden"), [("pysot", "pysot"), ("lasot_matlab", "lasot_matlab")])
def test_otb_leaderboards_hold_the_golden_figures(profile: str, golden: str) -> None:
    want = json.loads(realdata_path("golden", "ope_otb100.json").read_text())["results"]["OTB100"]
    board = read(BOARDS / f"otb-ope-{profile}.json")
    assert set(board.entries) == set(want) and len(board.sequences) == 100
    for tracker, entry in board.entries.items():
        assert entry.values["success_auc"] == pytest.approx(want[tracker][golden]["auc"], abs=1e-6), tracker
        assert entry.values["precision"] == pytest.approx(want[tracker][golden]["precision"], abs=1e-6), tracker
        assert entry.terms["success_auc"].total() == pytest.approx(entry.values["success_auc"], abs=1e-6)


def test_vot2018_leaderboard_holds_the_golden_eao() -> None:
    want = json.loads(realdata_path("golden", "vot2018.json").read_text())["trackers"]
    board = read(BOARDS / "vot2018-baseline-vot_toolkit.json")
    assert board.headline == "eao" and set(board.entries) == set(want)
    for tracker, entry in board.entries.items():
        assert entry.values["eao"] == pytest.approx(want[tracker]["vot_toolkit"]["eao"], abs=1e-6), tracker
        assert entry.terms["eao"].total() == pytest.approx(entry.values["eao"], abs=1e-6), tracker


@pytest.mark.parametrize(("bench", "root", "store", "profile"), [
    ("otb", otb_anno, otb_store, "pysot"), ("otb", otb_anno, otb_store, "lasot_matlab"),
    ("vot2018", vot_truth, vot_store, "vot_toolkit")])
def test_the_gate_passes_on_the_results_the_leaderboards_were_built_from(bench, root, store, profile) -> None:
    code, out = harness("regress", "--bench", bench, "--root", str(root()), "--profile", profile, "--results",
                        str(store()), "--against", str(BOARDS / f"{bench}-{'baseline' if bench == 'vot2018' else 'ope'}-{profile}.json"),
                        "--json")
    assert code == 0, out
    assert {e["verdict"] for e in json.loads(out)["trackers"].values()} == {"unchanged"}


def test_the_synthetic_leaderboard_holds_every_tracker_the_main_job_runs() -> None:
    """Built from `harness run --trackers all --bench synthetic` on the 6 default sequences: OpenCV MIL and
    the seven deep trackers with the shipped weights, which it marks as trained on synthetic data only."""
    board = read(BOARDS / "synthetic-ope-lasot_matlab.json")
    data = json.loads((BOARDS / "synthetic-ope-lasot_matlab.json").read_text())
    deep = {"siamrpn", "siamrpnpp", "siamrpnpp-alex", "siamrpnpp-mobilev2", "crpn", "sctrpn", "cract"}
    assert set(board.entries) == deep | {"opencv-mil"} and len(board.sequences) == 6
    assert data["provenance"]["command"] == "harness leaderboard update --bench synthetic --protocol ope --profile lasot_matlab"
    for tracker in deep:
        assert data["trackers"][tracker]["marks"] == ["synthetic"], tracker
        assert data["trackers"][tracker]["provenance"]["weights trained on"] == "synthetic data only"
    assert "marks" not in data["trackers"]["opencv-mil"]
    assert all(0 < entry.values["success_auc"] < 1 for entry in board.entries.values())
