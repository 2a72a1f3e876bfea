"""What a new user meets in the everyday loop of run, import, eval and export (CLI level, real data)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from harness.cli import main
from tests.conftest import realdata_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def otb(tmp_path_factory):
    """SiamRPN++ on all 100 OTB sequences, SiamFC on three of them; ground truth from the toolkit anno."""
    results = tmp_path_factory.mktemp("results")
    anno = realdata_path("otb", "toolkit-anno", "OTB100")
    partial = tmp_path_factory.mktemp("partial")
    for name in ("Basketball.txt", "Biker.txt", "Bird1.txt"):
        shutil.copy(realdata_path("otb", "results", "SiamFC", name), partial / name)
    for tracker, folder in (("SiamRPN++", realdata_path("otb", "results", "SiamRPN++")), ("SiamFC", partial)):
        assert main(["import", "--format", "pysot", "--bench", "otb", "--root", str(anno), "--tracker", tracker,
                     str(folder), "--results", str(results), "--json"]) == 0
    return results, anno


def _eval(capsys, results, anno, *extra: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["eval", "--bench", "otb", "--root", str(anno), "--results", str(results), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_tracker_with_partial_coverage_does_not_block_the_others(otb, capsys):
    results, anno = otb
    code, report = _eval(capsys, results, anno, "--profile", "pysot")
    assert code == 0
    assert report["trackers"]["SiamRPN++"]["success_auc"] == pytest.approx(0.6955, abs=1e-4)
    assert report["trackers"]["SiamRPN++"]["coverage"] == [100, 100]
    assert report["trackers"]["SiamFC"] == {"scored": False, "coverage": [3, 100],
                                            "missing": report["trackers"]["SiamFC"]["missing"]}
    capsys.readouterr()
    assert main(["eval", "--bench", "otb", "--root", str(anno), "--results", str(results), "--profile", "pysot"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[1].split()[-1] == "sequences"
    assert "SiamFC: not ranked, no results on 97 of 100 sequences" in table


def test_common_scores_every_tracker_on_the_shared_sequences_as_sequences_does(otb, capsys):
    results, anno = otb
    code, common = _eval(capsys, results, anno, "--common")
    assert code == 0 and common["sequences"] == {"scored": 3, "asked": 100, "common": True}
    code, named = _eval(capsys, results, anno, "--sequences", "basketball,BIKER,Bird1")
    assert code == 0 and named["sequences"]["asked"] == 3
    for tracker in ("SiamRPN++", "SiamFC"):
        assert common["trackers"][tracker]["success_auc"] == named["trackers"][tracker]["success_auc"]
        assert set(named["trackers"][tracker]["per_sequence_auc"]) == {"Basketball", "Biker", "Bird1"}


def test_pad_missing_scores_short_results_as_zero_boxes_and_marks_them(tmp_path, capsys):
    """MDNet-style files one line short on Board and Twinnings: pysot and the MATLAB kit stop; with
    --pad-missing the values equal those of the files padded with 0,0,0,0 (the golden README's rule)."""
    anno = realdata_path("otb", "toolkit-anno", "OTB100")
    raw = realdata_path("otb", "results", "DaSiamRPN")
    short, padded = tmp_path / "short", tmp_path / "padded"
    shutil.copytree(raw, short)
    shutil.copytree(raw, padded)
    for name in ("Board.txt", "Twinnings.txt"):
        lines = (raw / name).read_text().splitlines()
        (short / name).write_text("\n".join(lines[:-1]) + "\n")
        (padded / name).write_text("\n".join(lines[:-1] + ["0,0,0,0"]) + "\n")
    for folder, results in ((short, tmp_path / "r-short"), (padded, tmp_path / "r-padded")):
        assert main(["import", "--format", "pysot", "--bench", "otb", "--root", str(anno), "--tracker", "MDNet-like",
                     str(folder), "--results", str(results), "--json"]) == 0
    for profile in ("pysot", "lasot_matlab"):
        capsys.readouterr()
        argv = ["eval", "--bench", "otb", "--root", str(anno), "--profile", profile]
        assert main([*argv, "--results", str(tmp_path / "r-short")]) == 1
        assert "--pad-missing" in capsys.readouterr().err
        code, with_flag = _eval(capsys, tmp_path / "r-short", anno, "--profile", profile, "--pad-missing")
        _, explicit = _eval(capsys, tmp_path / "r-padded", anno, "--profile", profile)
        ours, theirs = with_flag["trackers"]["MDNet-like"], explicit["trackers"]["MDNet-like"]
        assert code == 0 and ours.pop("marks") == ["padded"]
        assert ours["success_auc"] == theirs["success_auc"] and ours["precision"] == theirs["precision"]
        assert ours["per_sequence_auc"] == theirs["per_sequence_auc"]
    capsys.readouterr()
    assert main(["eval", "--bench", "otb", "--root", str(anno), "--results", str(tmp_path / "r-short"),
                 "--pad-missing"]) == 0
    out = capsys.readouterr().out
    assert "MDNet-like*" in out and "* results short of frames scored with zero boxes there (--pad-missing)" in out


def test_thresholds_print_as_the_decimals_of_their_grid(otb, capsys):
    results, anno = otb
    _, report = _eval(capsys, results, anno, "--profile", "pysot", "--trackers", "SiamRPN++")
    thresholds = report["trackers"]["SiamRPN++"]["success_thresholds"]
    assert thresholds[3] == 0.15 and all(len(repr(t)) <= 5 for t in thresholds)


@pytest.fixture(scope="module")
def vot(tmp_path_factory):
    results = tmp_path_factory.mktemp("vot")
    truth = realdata_path("vot", "VOT2018.json")
    partial = tmp_path_factory.mktemp("nano")
    shutil.copytree(realdata_path("vot", "results", "VOT2018", "NanoTrack", "baseline"), partial / "baseline")
    shutil.rmtree(partial / "baseline" / "ants1")
    for tracker, folder in (("LightTrack", realdata_path("vot", "results", "VOT2018", "LightTrack", "baseline")),
                            ("NanoTrack", partial / "baseline")):
        assert main(["import", "--format", "vot", "--bench", "vot2018", "--root", str(truth), "--tracker", tracker,
                     str(folder), "--results", str(results), "--json"]) == 0
    return results, truth


def test_vot_evaluation_names_the_tracker_that_lacks_a_sequence(vot, capsys):
    results, truth = vot
    capsys.readouterr()
    assert main(["eval", "--bench", "vot2018", "--root", str(truth), "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "NanoTrack: not ranked, no results on 1 of 60 sequences (ants1)" in out
    assert out.splitlines()[3].startswith("LightTrack")


def test_vot_by_attribute_prints_the_per_tag_table(vot, capsys):
    results, truth = vot
    capsys.readouterr()
    argv = ["eval", "--bench", "vot2018", "--root", str(truth), "--results", str(results), "--trackers", "LightTrack",
            "--by-attribute", "--profile", "pysot"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "vot2018 · baseline · by frame tag · profile pysot"
    assert lines[1].split() == ["tag", "frames", "LightTrack"]
    assert [line.split()[0] for line in lines[3:]] == ["all", "camera_motion", "illum_change", "motion_change",
                                                       "size_change", "occlusion", "empty"]
    golden = json.loads(realdata_path("golden", "vot2018.json").read_text())["trackers"]["LightTrack"]["pysot"]
    assert float(lines[4].split()[2]) == pytest.approx(golden["eao_per_tag"]["camera_motion"], abs=5e-4)
    assert main([*argv[:-1], "vot_toolkit"]) == 1
    assert "reports no per-tag figures" in capsys.readouterr().err


def test_a_workspace_exported_from_the_json_root_is_scored_by_the_toolkit_as_we_score_it(tmp_path, capsys):
    """The json root has no frames: the workspace gets the annotations, with the length and size stated."""
    results, truth, workspace = tmp_path / "r", realdata_path("vot", "VOT2018.json"), tmp_path / "ws"
    assert main(["import", "--format", "vot", "--bench", "vot2018", "--root", str(truth), "--tracker", "LightTrack",
                 str(realdata_path("vot", "results", "VOT2018", "LightTrack", "baseline")), "--results", str(results),
                 "--json"]) == 0
    assert main(["export", "--vot-workspace", str(workspace), "--bench", "vot2018", "--root", str(truth),
                 "--results", str(results)]) == 0
    subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(workspace), "--format", "json",
                    "--name", "check"], check=True, capture_output=True, timeout=300, cwd=workspace)
    report = json.loads((workspace / "analysis" / "check.json").read_text())
    ar, eao, _curve = report["results"]["baseline"]["results"]
    golden = json.loads(realdata_path("golden", "vot2018.json").read_text())["trackers"]["LightTrack"]["vot_toolkit"]
    assert ar[0][0] == pytest.approx(golden["accuracy"], abs=1e-9)
    assert eao[0][0] == pytest.approx(golden["eao"], abs=1e-9)


def test_skipped_trackers_get_one_short_line_each(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARNESS_NANOTRACK_DIR", raising=False)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path / "no-weights"))
    monkeypatch.setenv("HARNESS_NO_SHIPPED_WEIGHTS", "1")  # not the synthetic-trained weights either
    assert main(["run", "--trackers", "all", "--bench", "synthetic", "--sequences", "x"]) == 1
    skips = [line for line in capsys.readouterr().err.splitlines() if line.startswith("harness: skipping")]
    assert "harness: skipping siamrpn: no weights (see `harness list`)" in skips
    assert skips and all(len(line) < 80 for line in skips)
    capsys.readouterr()
    assert main(["list"]) == 0
    assert "--tracker-opt siamrpn.weights=<file>" in capsys.readouterr().out
