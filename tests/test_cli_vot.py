"""`harness import --format vot` + `harness eval` reproduce the VOT2018 golden values of each toolkit."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from tests.conftest import realdata_path

TOL = 1e-6


@pytest.fixture(scope="module")
def golden():
    return json.loads(realdata_path("golden", "vot2018.json").read_text())


@pytest.fixture(scope="module")
def store(tmp_path_factory, golden):
    results = tmp_path_factory.mktemp("results")
    truth = realdata_path("vot", "VOT2018.json")
    for tracker in golden["trackers"]:
        raw = realdata_path("vot", "results", "VOT2018", tracker, "baseline")
        argv = ["import", "--format", "vot", "--bench", "vot2018", "--root", str(truth), "--tracker", tracker,
                str(raw), "--results", str(results), "--json"]
        assert main(argv) == 0
    return results, truth


def _eval(capsys, store, profile):
    results, truth = store
    capsys.readouterr()
    argv = ["eval", "--bench", "vot2018", "--root", str(truth), "--profile", profile, "--results", str(results), "--json"]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_vot_toolkit_profile(golden, store, capsys):
    report = _eval(capsys, store, "vot_toolkit")
    assert report["protocol"] == "baseline" and report["profile"] == "vot_toolkit"
    for tracker, want in golden["trackers"].items():
        got, want = report["trackers"][tracker], want["vot_toolkit"]
        assert got["eao"] == pytest.approx(want["eao"], abs=TOL)
        assert got["accuracy"] == pytest.approx(want["accuracy"], abs=TOL)
        assert got["failures"] == want["total_failures"]


def test_pysot_profile(golden, store, capsys):
    report = _eval(capsys, store, "pysot")
    for tracker, want in golden["trackers"].items():
        got, want = report["trackers"][tracker], want["pysot"]
        assert got["eao"] == pytest.approx(want["eao"], abs=TOL)
        assert got["accuracy"] == pytest.approx(want["accuracy"], abs=TOL)
        assert got["failures_per_100_frames"] == pytest.approx(want["robustness"], abs=TOL)
        assert got["failures"] == want["lost_number_total_failures"]
        for tag, value in want["eao_per_tag"].items():
            assert got["per_tag"][tag]["eao"] == pytest.approx(value, abs=TOL), (tracker, tag)


def test_got10k_profile(golden, store, capsys):
    report = _eval(capsys, store, "got10k")
    for tracker, want in golden["trackers"].items():
        got, want = report["trackers"][tracker], want["got10k"]
        assert got["eao"] is None
        assert got["accuracy"] == pytest.approx(want["accuracy"], abs=TOL)
        assert got["tag_weighted_failures"] == pytest.approx(want["robustness"], abs=TOL)
