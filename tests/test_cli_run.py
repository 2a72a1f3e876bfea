"""`harness run` from the command line: a real OTB-layout root, the table, the report, --json."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from tests.conftest import realdata_path

pytestmark = pytest.mark.slow


def test_run_on_otb_layout_prints_profiled_table_and_writes_report(tmp_path, ray_address, monkeypatch, capsys):
    monkeypatch.setenv("HARNESS_NANOTRACK_DIR", str(realdata_path("models", "nanotrack-v2")))
    argv = [
        "run", "--trackers", "opencv-nano", "--bench", "otb", "--root", str(realdata_path("otb", "sequences")),
        "--sequences", "Couple,crossing", "--address", ray_address,
        "--results", str(tmp_path / "results"), "--reports", str(tmp_path / "reports"),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "otb · one-pass · profile lasot_matlab (otb's default; --profile to choose)"
    assert out.splitlines()[3].startswith("opencv-nano")
    report = json.loads((tmp_path / "reports" / "otb-ope-lasot_matlab.json").read_text())
    assert set(report["trackers"]["opencv-nano"]["per_sequence_auc"]) == {"Couple", "Crossing"}

    # A second run finds both shards complete, runs nothing, and reports the same numbers.
    assert main([*argv, "--json", "--profile", "pysot"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["run"]["shards"] == {"run": 0, "skipped_complete": 2, "failed": 0}
    assert again["profile"] == "pysot" and again["trackers"]["opencv-nano"]["success_auc"] > 0.6


def test_failed_shard_makes_the_run_exit_non_zero(tmp_path, ray_address, capsys):
    import shutil

    root = tmp_path / "otb"
    shutil.copytree(realdata_path("otb", "sequences", "Football1"), root / "Football1")
    (root / "Football1" / "img" / "0010.jpg").write_bytes(b"not a jpeg")
    argv = ["run", "--trackers", "opencv-mil", "--bench", "otb", "--root", str(root), "--sequences", "Football1",
            "--address", ray_address, "--results", str(tmp_path / "r"), "--reports", str(tmp_path / "rep")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "shard opencv-mil/otb/Football1#1 failed" in err
    assert "sequence 'Football1' frame 10" in err and "is not a decodable image" in err
