"""A VOT workspace holds only trackers with results on every sequence: `vot analysis` logs a tracker's
missing sequences as "Missing results" and still exits 0, so an incomplete tracker is refused before
anything is written, naming its gaps, and `--trackers` exports the complete ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cli import main
from tests.conftest import realdata_path


def _import(results: Path, tracker: str, raw: Path) -> None:
    assert main(["import", "--format", "vot", "--bench", "vot2018", "--root", str(realdata_path("vot", "VOT2018.json")),
                 "--tracker", tracker, str(raw), "--results", str(results), "--json"]) == 0


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """LightTrack's published VOT2018 results, and NanoTrack's on one sequence of 60 stored as `Partial`."""
    folder = tmp_path_factory.mktemp("gaps")
    published = realdata_path("vot", "results", "VOT2018")
    _import(folder / "results", "LightTrack", published / "LightTrack" / "baseline")
    shutil.copytree(published / "NanoTrack" / "baseline" / "ants1", folder / "raw" / "ants1")
    _import(folder / "results", "Partial", folder / "raw")
    return folder / "results"


def _export(results: Path, workspace: Path, *extra: str) -> int:
    return main(["export", "--vot-workspace", str(workspace), "--bench", "vot2018", "--root",
                 str(realdata_path("vot", "VOT2018.json")), "--results", str(results), *extra])


def test_an_incomplete_tracker_is_refused_naming_its_gaps(results, tmp_path, capsys) -> None:
    assert _export(results, tmp_path / "ws") == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "tracker 'Partial' has no results on 59 of 60 vot2018 sequences (ants3, bag," in err
    assert "--trackers LightTrack" in err and "LightTrack'" not in err
    assert not (tmp_path / "ws").exists()


def test_an_incomplete_tracker_asked_for_is_refused(results, tmp_path, capsys) -> None:
    assert _export(results, tmp_path / "ws", "--trackers", "LightTrack,Partial") == 1
    assert "'Partial' has no results on 59 of 60" in capsys.readouterr().err
    assert _export(results, tmp_path / "ws", "--trackers", "Partial") == 1
    assert "no tracker asked for has results on every vot2018 sequence" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


def test_no_stored_results_is_refused(tmp_path, capsys) -> None:
    assert _export(tmp_path / "empty", tmp_path / "ws") == 1
    assert "no results for benchmark 'vot2018' (baseline)" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


def test_trackers_is_for_the_workspace_only(tmp_path, capsys) -> None:
    assert main(["export", "--submission", "--bench", "got10k_val", "--trackers", "A,B", "--results", str(tmp_path)]) == 1
    assert "--trackers is for --vot-workspace" in capsys.readouterr().err


def test_trackers_exports_the_complete_ones(results, tmp_path) -> None:
    """The toolkit analyses what trackers.ini lists, from results/<tracker>/; scoring such a workspace with
    `vot analysis` is checked in tests/test_first_hour.py and tests/test_vot_workspace.py."""
    workspace = tmp_path / "ws"
    assert _export(results, workspace, "--trackers", "LightTrack") == 0
    ini = (workspace / "trackers.ini").read_text()
    assert ini.count("[") == 1 and "[LightTrack]" in ini
    assert [p.name for p in (workspace / "results").iterdir()] == ["LightTrack"]
    assert len(list((workspace / "results" / "LightTrack" / "baseline").iterdir())) == 60
