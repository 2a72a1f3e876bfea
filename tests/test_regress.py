"""The regression gate on the real OTB-2015 results: a leaderboard built from the same results passes; one
tracker's results replaced on 10 sequences by a shifted box fail it, naming the tracker and those
sequences; a change on one sequence, even beyond the tolerance, is within noise and passes; an
improvement is reported, not failed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.names import match_names
from benchmarks.otb import load_otb
from benchmarks.textio import read_table
from tests.conftest import realdata_path
from tests.report_stores import copy_of, harness, import_otb, otb_anno, otb_store

TRACKERS = {"SiamRPN++", "DaSiamRPN", "SiamRPN", "CFNet", "SiamFC"}


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("boards") / "otb-ope-pysot.json"
    code, out = harness("leaderboard", "update", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot",
                        "--results", str(otb_store()), "-o", str(path))
    assert code == 0, out
    return path


def _regress(results: Path, board: Path, *extra: str) -> tuple[int, dict]:
    code, out = harness("regress", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                        str(results), "--against", str(board), "--json", *extra)
    return code, json.loads(out)


def _replace(results: Path, tracker: str, names: list[str], tmp_path: Path, source: str | None = None,
             shift: float = 0.0) -> None:
    """`tracker`'s results on `names` replaced by `source`'s (default its own), boxes moved right by `shift`
    times their width, imported as a user would."""
    folder = realdata_path("otb", "results", source or tracker)
    files, _ = match_names(sorted(folder.glob("*.txt")), names)
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in names:
        boxes = read_table(files[name])
        boxes[:, 0] += shift * boxes[:, 2]
        np.savetxt(raw / f"{name}.txt", boxes, fmt="%.4f", delimiter=",")
    import_otb(results, tracker, raw)


def test_the_same_results_pass(board) -> None:
    code, report = _regress(otb_store(), board)
    assert code == 0 and report["failed"] == [] and report["outcome"] == "no regression"
    assert {t: e["verdict"] for t, e in report["trackers"].items()} == dict.fromkeys(TRACKERS, "unchanged")
    assert all(abs(e["delta"]) < 1e-6 for e in report["trackers"].values())  # terms kept to 7 digits
    # Sequences whose terms differ by the 7-digit rounding only (~1e-8) lost nothing worth naming.
    assert all(e["culprits"] == [] for e in report["trackers"].values())


def test_trackers_asked_for_are_the_only_ones_reported(board) -> None:
    code, report = _regress(otb_store(), board, "--trackers", "SiamFC")
    assert code == 0 and list(report["trackers"]) == ["SiamFC"]


def test_ten_shifted_sequences_fail_the_gate_naming_the_tracker(board, tmp_path) -> None:
    results = copy_of(otb_store(), tmp_path)
    shifted = [s.name for s in load_otb(otb_anno())][:10]
    _replace(results, "SiamRPN++", shifted, tmp_path, shift=1.0)
    code, report = _regress(results, board)
    assert code == 1 and report["failed"] == ["SiamRPN++"]
    assert (report["outcome"], report["exit_code"]) == ("regression", 1)
    entry = report["trackers"]["SiamRPN++"]
    assert entry["verdict"] == "worse" and entry["delta"] < -0.005 and entry["interval"][1] < 0
    assert {c["sequence"] for c in entry["culprits"]} <= set(shifted) and len(entry["culprits"]) == 5
    assert all(c["delta"] < -0.005 for c in entry["culprits"])
    assert all(report["trackers"][t]["verdict"] == "unchanged" for t in TRACKERS - {"SiamRPN++"})
    code, out = harness("regress", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                        str(results), "--against", str(board))
    assert code == 1 and "SiamRPN++" in out.splitlines()[-1] and "WORSE" in out


def test_one_changed_sequence_is_within_noise_even_beyond_the_tolerance(board, tmp_path) -> None:
    results = copy_of(otb_store(), tmp_path)
    _replace(results, "DaSiamRPN", ["Car4"], tmp_path, shift=1.0)
    code, report = _regress(results, board)
    entry = report["trackers"]["DaSiamRPN"]
    assert entry["delta"] < -0.005  # beyond the tolerance ...
    assert entry["interval"][1] >= 0  # ... but a resample without Car4 sees no change: not significant
    assert code == 0 and entry["verdict"] == "unchanged"


def test_an_improvement_is_reported_not_failed(board, tmp_path) -> None:
    results = copy_of(otb_store(), tmp_path)
    better = [s.name for s in load_otb(otb_anno())][20:50]
    _replace(results, "SiamFC", better, tmp_path, source="SiamRPN++")
    code, report = _regress(results, board)
    assert code == 0 and report["trackers"]["SiamFC"]["verdict"] == "better"


def test_a_leaderboard_of_another_profile_is_refused(board) -> None:
    code, out = harness("regress", "--bench", "otb", "--root", str(otb_anno()), "--profile", "got10k", "--results",
                        str(otb_store()), "--against", str(board))
    assert code == 2  # could not evaluate, not a regression


def test_a_malformed_leaderboard_is_an_error_naming_it(tmp_path, capsys) -> None:
    bad = tmp_path / "board.json"
    bad.write_text('{"format": "something else"}')
    code, _ = harness("regress", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                      str(otb_store()), "--against", str(bad))
    assert code == 2 and f"{bad}: format 'something else'" in capsys.readouterr().err
