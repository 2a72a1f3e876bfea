"""Bad input gets a clear error naming the file and line (or sequence), and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path
import shutil

import pytest

from harness.cli import main
from tests.conftest import realdata_path


@pytest.fixture
def anno(tmp_path):
    """A writable copy of the real OTB100 toolkit annotations."""
    dst = tmp_path / "anno"
    shutil.copytree(realdata_path("otb", "toolkit-anno", "OTB100"), dst)
    return dst


@pytest.fixture
def raw(tmp_path):
    dst = tmp_path / "raw"
    shutil.copytree(realdata_path("otb", "results", "SiamFC"), dst)
    return dst


def _import(raw, anno, results, *extra):
    return main(["import", "--bench", "otb", "--root", str(anno), "--tracker", "T", str(raw), "--results", str(results), *extra])


def test_short_result_file_is_an_error_where_the_toolkit_fails(raw, anno, tmp_path, capsys):
    lines = (raw / "Basketball.txt").read_text().splitlines()
    (raw / "Basketball.txt").write_text("\n".join(lines[:-3]) + "\n")
    assert _import(raw, anno, tmp_path / "r") == 0
    assert f"Basketball: {len(lines) - 3} lines for {len(lines)} annotated frames" in capsys.readouterr().out
    base = ["eval", "--bench", "otb", "--root", str(anno), "--results", str(tmp_path / "r")]
    assert main([*base, "--profile", "pysot"]) == 1
    err = capsys.readouterr().err
    assert str(raw / "Basketball.txt") in err and str(len(lines) - 3) in err and str(len(lines)) in err
    # pytracking pads a short file with zero rows, got10k truncates: both score it.
    assert main([*base, "--profile", "pytracking"]) == 0
    assert main([*base, "--profile", "got10k"]) == 0


def test_malformed_result_line_names_file_and_line(raw, anno, tmp_path, capsys):
    lines = (raw / "Couple.txt").read_text().splitlines()
    lines[6] = "1,2,3"
    (raw / "Couple.txt").write_text("\n".join(lines) + "\n")
    assert _import(raw, anno, tmp_path / "r") == 1
    assert f"{raw / 'Couple.txt'}:7: expected 4 numbers" in capsys.readouterr().err


def test_malformed_ground_truth_line_names_file_and_line(raw, anno, tmp_path, capsys):
    lines = (anno / "crossing.txt").read_text().splitlines()
    lines[2] = "12,abc,4,5"
    (anno / "crossing.txt").write_text("\n".join(lines) + "\n")
    assert _import(raw, anno, tmp_path / "r") == 1
    assert f"{anno / 'crossing.txt'}:3:" in capsys.readouterr().err


def test_unplaced_result_file_is_reported(raw, anno, tmp_path, capsys):
    shutil.copy(raw / "Couple.txt", raw / "NotASequence.txt")
    assert _import(raw, anno, tmp_path / "r") == 0
    assert f"could not place {raw / 'NotASequence.txt'}" in capsys.readouterr().out


def test_missing_root_is_named(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["eval", "--bench", "otb", "--root", str(missing), "--results", str(tmp_path)]) == 1
    assert str(missing) in capsys.readouterr().err


def test_eval_with_missing_sequences_names_them(raw, anno, tmp_path, capsys):
    (raw / "Woman.txt").unlink()
    assert _import(raw, anno, tmp_path / "r") == 0
    assert main(["eval", "--bench", "otb", "--root", str(anno), "--results", str(tmp_path / "r")]) == 1
    out, err = capsys.readouterr()
    assert "T: not ranked, no results on 1 of 100 sequences (Woman)" in out
    assert "no tracker has results on all 100 otb sequences" in err and "--common" in err


def test_json_errors_are_json(tmp_path, capsys):
    assert main(["eval", "--bench", "nope", "--results", str(tmp_path), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert "nope" in error["error"] and "otb" in error["error"]


def test_list_says_why_nano_is_unavailable(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HARNESS_NANOTRACK_DIR", raising=False)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path))
    assert main(["list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["trackers"]["opencv-mil"] is None
    assert "nanotrack_backbone_sim.onnx" in listing["trackers"]["opencv-nano"]
    assert str(tmp_path / "nanotrack-v2") in listing["trackers"]["opencv-nano"]
    assert listing["benchmarks"]["synthetic"] is None


def test_run_with_missing_weights_fails_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HARNESS_NANOTRACK_DIR", raising=False)
    argv = ["run", "--trackers", "opencv-nano", "--bench", "synthetic", "--weights", str(tmp_path), "--results", str(tmp_path / "r")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "opencv-nano" in err and str(tmp_path / "nanotrack-v2") in err


def test_tracker_options_reach_the_plugin_and_typos_are_refused(tmp_path, capsys):
    from harness.commands import _tracker_options

    opts = _tracker_options(["siamrpnpp.penalty_k=0.05", "siamrpnpp.variant=alex", "opencv-nano.weights_dir=w"])
    assert opts["siamrpnpp"] == {"penalty_k": 0.05, "variant": "alex"}
    assert opts["opencv-nano"]["weights_dir"] == str(Path("w").resolve())
    argv = ["run", "--trackers", "opencv-mil", "--bench", "synthetic", "--tracker-opt", "opencv-mil.sead=3",
            "--results", str(tmp_path)]
    assert main(argv) == 1
    assert "sead" in capsys.readouterr().err
    assert main([*argv[:-4], "--tracker-opt", "nodot=3", "--results", str(tmp_path)]) == 1
    assert "expected TRACKER.KEY=VALUE" in capsys.readouterr().err
