"""`harness regress` exits 1 only when a tracker got worse: a gate that could not evaluate (no store, a
missing or malformed leaderboard, a bad shard file, results short of frames, a bad option, even an
unforeseen crash) exits 2, and its JSON says so, so that CI never reads a broken job as a regression."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import realdata_path
from tests.report_stores import harness, import_otb, otb_anno, otb_store


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Path:
    """SiamFC's OTB-2015 leaderboard under pysot."""
    path = tmp_path_factory.mktemp("board") / "otb-ope-pysot.json"
    code, out = harness("leaderboard", "update", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot",
                        "--results", str(otb_store()), "--trackers", "SiamFC", "-o", str(path))
    assert code == 0, out
    return path


def _regress(results: Path, board: Path, *extra: str) -> tuple[int, dict]:
    code, out = harness("regress", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                        str(results), "--against", str(board), "--json", *extra)
    return code, json.loads(out)


def _not_evaluated(code: int, report: dict) -> str:
    assert code == 2 and (report["outcome"], report["exit_code"]) == ("not evaluated", 2), report
    return report["error"]


def _siamfc_store(tmp_path: Path, truncate: str | None = None) -> Path:
    """A copy of SiamFC's stored results, its result on `truncate` imported again 3 lines short."""
    results = tmp_path / "results"
    shutil.copytree(otb_store() / "otb" / "ope" / "SiamFC", results / "otb" / "ope" / "SiamFC")
    if truncate:
        lines = (realdata_path("otb", "results", "SiamFC") / f"{truncate}.txt").read_text().splitlines()
        (tmp_path / "raw").mkdir()
        (tmp_path / "raw" / f"{truncate}.txt").write_text("\n".join(lines[:-3]) + "\n")
        import_otb(results, "SiamFC", tmp_path / "raw")
    return results


def test_no_store(board, tmp_path) -> None:
    error = _not_evaluated(*_regress(tmp_path / "nowhere", board))
    assert str(tmp_path / "nowhere") in error


def test_a_missing_or_unreadable_leaderboard(tmp_path) -> None:
    assert "no such leaderboard" in _not_evaluated(*_regress(otb_store(), tmp_path / "none.json"))
    cut = tmp_path / "cut.json"
    cut.write_text('{"format": ')
    assert f"{cut}: not a readable leaderboard" in _not_evaluated(*_regress(otb_store(), cut))


def test_a_leaderboard_whose_headline_is_not_among_its_fields(board, tmp_path) -> None:
    data = json.loads(board.read_text())
    del data["fields"][data["headline"]]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    error = _not_evaluated(*_regress(otb_store(), edited))
    assert str(edited) in error and repr(data["headline"]) in error


def test_an_unforeseen_crash_is_not_a_regression(board, tmp_path, capsys) -> None:
    """Terms whose numerator and denominator do not line up (a hand-edited leaderboard) pass every check
    the reader makes and fail inside numpy: still exit 2, with the traceback for the bug report."""
    data = json.loads(board.read_text())
    terms = data["trackers"]["SiamFC"]["terms"][data["headline"]]
    terms["numerator"] = [row * 2 for row in terms["numerator"]]
    terms["denominator"] = [row * 3 for row in terms["denominator"]]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    error = _not_evaluated(*_regress(otb_store(), edited))
    assert error.startswith("unexpected ValueError") and "Traceback" in capsys.readouterr().err


def test_results_short_of_frames(board, tmp_path) -> None:
    error = _not_evaluated(*_regress(_siamfc_store(tmp_path, truncate="Basketball"), board))
    assert "SiamFC" in error and "Basketball" in error and "--pad-missing" in error


def test_a_bad_shard_file(board, tmp_path) -> None:
    results = _siamfc_store(tmp_path)
    shard = results / "otb" / "ope" / "SiamFC" / "Basketball" / "rep001.parquet"
    shard.write_bytes(b"not parquet" * 100)
    assert str(shard) in _not_evaluated(*_regress(results, board))


def test_a_tracker_asked_for_without_results(board) -> None:
    assert "'CSRT'" in _not_evaluated(*_regress(otb_store(), board, "--trackers", "CSRT"))


def test_the_text_error_says_the_gate_could_not_evaluate(tmp_path, capsys) -> None:
    code, out = harness("regress", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot",
                        "--results", str(otb_store()), "--against", str(tmp_path / "none.json"))
    err = capsys.readouterr().err
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "could not evaluate" in err


def test_a_bad_option_exits_2_before_anything_runs(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        harness("regress", "--bench", "otb", "--tolerance", "nan")
    assert stop.value.code == 2 and "argument --tolerance" in capsys.readouterr().err


def test_other_commands_keep_exit_1_for_errors(tmp_path) -> None:
    code, out = harness("eval", "--bench", "otb", "--root", str(otb_anno()), "--results", str(tmp_path), "--json")
    assert code == 1 and "outcome" not in json.loads(out)
