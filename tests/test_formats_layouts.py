"""Other toolkits' result layouts in and out (pytracking, the got10k toolkit, pysot): real published
results go through each layout and back unchanged, the got10k toolkit scores an exported folder as
the harness does, and each layout's defects are refused naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.registry import load_benchmark
from harness.cli import main
from harness.store import read_tracker
from tests.conftest import realdata_path
from tests.test_export import got10k, store  # noqa: F401  (the fixture: a GOT-10k layout with val and test)

OTB = ["Basketball", "Biker", "Bird1", "Jogging-1", "Skating2-2"]


def _otb(tmp_path: Path) -> tuple[list[str], Path]:
    """SiamRPN++'s published OTB100 results on five sequences, imported in pysot's layout."""
    root = realdata_path("otb", "toolkit-anno", "OTB100")
    results = tmp_path / "results"
    args = ["--bench", "otb", "--root", str(root), "--results", str(results)]
    assert main(["import", "--format", "pysot", *args, "--tracker", "SiamRPN++",
                 str(realdata_path("otb", "results", "SiamRPN++"))]) == 0
    return args, results


def _boxes(results: Path, tracker: str, names: list[str], bench: str = "otb") -> dict[str, list[np.ndarray]]:
    stored = read_tracker(results, bench, "ope", tracker, names)
    return {name: [s.boxes for s in sorted(shards, key=lambda s: s.repetition)] for name, shards in stored.items()}


def _scores(args: list[str], capsys, *trackers: str) -> dict:
    capsys.readouterr()
    assert main(["eval", *args, "--profile", "pysot", "--sequences", ",".join(OTB), "--trackers", ",".join(trackers),
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("fmt", ["pysot", "pytracking", "got10k"])
def test_published_results_round_trip_through_each_layout(fmt, tmp_path, capsys):
    args, results = _otb(tmp_path)
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["export", *args, "--format", fmt, "--tracker", "SiamRPN++", "--output", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"folder": str(out), "format": fmt, "sequences": 100, "repetitions": 1}
    folder = out / "SiamRPN++" if fmt == "pytracking" else out
    assert main(["import", *args, "--format", fmt, "--tracker", "back", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["imported"]) == 100 and report["unplaced"] == [] and report["missing"] == []
    before, after = _boxes(results, "SiamRPN++", OTB), _boxes(results, "back", OTB)
    for name in OTB:
        np.testing.assert_array_equal(after[name][0], before[name][0])  # every float64 as it was
    scores = _scores(args, capsys, "SiamRPN++", "back")["trackers"]
    assert scores["back"] == scores["SiamRPN++"]


def test_export_is_read_by_the_toolkits_own_loaders(tmp_path, capsys):
    """pytracking's load_text (np.loadtxt with '\\t', then ','), pysot's (split on ','), got10k's (np.loadtxt ',')."""
    args, results = _otb(tmp_path)
    stored = _boxes(results, "SiamRPN++", ["Biker"])["Biker"][0]
    for fmt in ("pysot", "pytracking", "got10k"):
        assert main(["export", *args, "--format", fmt, "--tracker", "SiamRPN++", "--output", str(tmp_path / fmt)]) == 0
    pytracking = np.loadtxt(tmp_path / "pytracking" / "SiamRPN++" / "Biker.txt", delimiter="\t", dtype=np.float64)
    pysot = np.array([[float(v) for v in line.split(",")]
                      for line in (tmp_path / "pysot" / "Biker.txt").read_text().splitlines()])
    got10k_boxes = np.loadtxt(tmp_path / "got10k" / "Biker" / "Biker_001.txt", delimiter=",")
    for back in (pytracking, pysot, got10k_boxes):
        np.testing.assert_array_equal(back, stored)
    seconds = np.loadtxt(tmp_path / "pytracking" / "SiamRPN++" / "Biker_time.txt", delimiter="\t")
    assert seconds.shape == (len(stored),) and np.isnan(seconds).all()  # imported results have no times


def test_pytracking_runs_become_repetitions_and_times_and_prefixes_are_read(tmp_path, capsys):
    """pytracking's own writing: integers, tabs, `uav_` names, seconds in _time.txt, runs _000 and _001."""
    root = realdata_path("uav123", "toolkit-anno")
    names = ["bike1", "bird1_1", "car1_s"]
    truth = {s.name: s.ground_truth for s in load_benchmark("uav123", root, names)}
    tracker = tmp_path / "raw" / "dimp"
    for run in (0, 1):
        folder = tracker / f"dimp50_{run:03d}"
        folder.mkdir(parents=True)
        for name in names:
            boxes = np.nan_to_num(truth[name], nan=0.0).astype(int) + run
            np.savetxt(folder / f"uav_{name}.txt", boxes, delimiter="\t", fmt="%d")
            np.savetxt(folder / f"uav_{name}_time.txt", np.full(len(boxes), 0.02 + run / 100), delimiter="\t", fmt="%f")
    (tracker / "dimp50_001" / "uav_unknown7.txt").write_text("1\t2\t3\t4\n")
    results = tmp_path / "results"
    assert main(["import", "--format", "pytracking", "--bench", "uav123", "--root", str(root), "--results", str(results),
                 "--tracker", "DiMP50", str(tracker), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["imported"]) == names and report["repetitions"] == {n: 2 for n in names}
    assert report["unplaced"] == [str(tracker / "dimp50_001" / "uav_unknown7.txt")]
    stored = read_tracker(results, "uav123", "ope", "DiMP50", names)
    for name in names:
        reps = {s.repetition: s for s in stored[name]}
        assert sorted(reps) == [1, 2]
        np.testing.assert_array_equal(reps[2].boxes, np.nan_to_num(truth[name], nan=0.0).astype(int) + 1)
        np.testing.assert_allclose(reps[1].latency_ms, 20.0) and np.testing.assert_allclose(reps[2].latency_ms, 30.0)

    capsys.readouterr()
    assert main(["export", "--format", "pytracking", "--bench", "uav123", "--root", str(root), "--results",
                 str(results), "--tracker", "DiMP50", "--output", str(tmp_path / "out")]) == 1
    assert "no complete result" in capsys.readouterr().err  # 3 of 123 sequences: refused, naming them
    assert not (tmp_path / "out").exists()


def test_got10k_layout_scored_by_the_got10k_toolkit_as_the_harness_scores_it(got10k, tmp_path, capsys):  # noqa: F811
    """Three different repetitions exported in the toolkit's layout and imported back unchanged; ExperimentGOT10k
    pools every repetition's frames into AO and SR, as the got10k profile does. Every other figure, and every
    other profile, is repetition 1's: the same as a tracker holding repetition 1 alone."""
    experiments = pytest.importorskip("got10k.experiments")
    results = tmp_path / "results"
    rng = np.random.default_rng(4)
    for seq in load_benchmark("got10k", got10k):
        for rep in (1, 2, 3):
            store(results, "got10k", seq.name, seq.ground_truth + rng.normal(0, 3 * rep, seq.ground_truth.shape), rep)
    args = ["--bench", "got10k", "--root", str(got10k), "--results", str(results)]
    out = tmp_path / "toolkit" / "GOT-10k" / "trk"
    assert main(["export", *args, "--format", "got10k", "--tracker", "trk", "--output", str(out)]) == 0
    assert "3 repetitions" in capsys.readouterr().out
    assert main(["import", *args, "--format", "got10k", "--tracker", "back", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["repetitions"] == {"GOT-10k_Val_000001": 3, "GOT-10k_Val_000002": 3}
    names = ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]
    before, after = _boxes(results, "trk", names, "got10k"), _boxes(results, "back", names, "got10k")
    for name in names:
        assert len(after[name]) == 3
        for ours, theirs in zip(before[name], after[name]):
            np.testing.assert_array_equal(theirs, ours)
    toolkit = experiments.ExperimentGOT10k(str(got10k), "val", str(tmp_path / "toolkit"), str(tmp_path / "reports"))
    overall = toolkit.report(["trk"])["trk"]["overall"]
    first_only = tmp_path / "first" / "trk"
    for name in names:
        (first_only / name).mkdir(parents=True)
        (first_only / name / f"{name}_001.txt").write_bytes((out / name / f"{name}_001.txt").read_bytes())
    assert main(["import", *args, "--format", "got10k", "--tracker", "first", str(first_only)]) == 0

    def scores(profile: str) -> dict:
        capsys.readouterr()
        assert main(["eval", *args, "--profile", profile, "--trackers", "trk,first", "--json"]) == 0
        return json.loads(capsys.readouterr().out)["trackers"]

    got = scores("got10k")
    # the toolkit's np.mean and our sum / count add ~200 IoUs in another order: 1e-12 is far above that rounding
    assert got["trk"]["ao"] == pytest.approx(overall["ao"], abs=1e-12)
    assert got["trk"]["sr50"] == pytest.approx(overall["sr"], abs=1e-12)
    assert got["trk"]["sr75"] == pytest.approx(overall["succ_curve"][75], abs=1e-12)  # its grid's 0.75 is exact
    assert got["first"]["ao"] != got["trk"]["ao"]
    for field in ("success_auc", "precision", "success_curve", "per_sequence_auc"):
        assert got["trk"][field] == got["first"][field]
    pysot = scores("pysot")
    assert pysot["trk"].pop("fps") == 200.0 and pysot["first"].pop("fps") is None  # "first" was imported without times
    assert pysot["trk"] == pysot["first"]


@pytest.mark.parametrize("case, expected", [
    ("two_params", "holds the runs of 2 parameter sets (dimp18, dimp50)"),
    ("short_time", "Basketball_time.txt: 3 lines for the 725 boxes of Basketball.txt; expected one line per frame"),
    ("bad_line", "Biker.txt:2"),
])
def test_layout_defects_are_refused_naming_the_file(case, expected, tmp_path, capsys):
    root = realdata_path("otb", "toolkit-anno", "OTB100")
    raw = tmp_path / "raw"
    if case == "two_params":
        for param in ("dimp18_000", "dimp50_000"):
            (raw / param).mkdir(parents=True)
            (raw / param / "Basketball.txt").write_text("1\t2\t3\t4\n")
    else:
        raw.mkdir()
        (raw / "Basketball.txt").write_text("1\t2\t3\t4\n" * 725)
        (raw / "Basketball_time.txt").write_text("0.1\n" * (3 if case == "short_time" else 725))
        (raw / "Biker.txt").write_text("1\t2\t3\t4\n1\t2\t3\n" if case == "bad_line" else "1\t2\t3\t4\n")
    results = tmp_path / "results"
    assert main(["import", "--format", "pytracking", "--bench", "otb", "--root", str(root), "--results", str(results),
                 "--tracker", "T", str(raw)]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not list(results.glob("**/*.parquet"))  # nothing half-imported


def test_a_subset_is_imported_with_sequences(tmp_path, capsys):
    args, results = _otb(tmp_path)
    capsys.readouterr()
    assert main(["import", "--format", "pysot", *args, "--tracker", "two", "--sequences", "biker,skating2.2",
                 str(realdata_path("otb", "results", "SiamRPN++")), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["imported"]) == ["Biker", "Skating2-2"] and report["unplaced"] == [] and report["missing"] == []
    assert sorted(_boxes(results, "two", OTB)) == ["Biker", "Skating2-2"]


def test_export_refuses_an_existing_folder_and_a_missing_tracker_name(tmp_path, capsys):
    args, _ = _otb(tmp_path)
    (tmp_path / "taken").mkdir()
    assert main(["export", *args, "--format", "pysot", "--tracker", "SiamRPN++", "--output", str(tmp_path / "taken")]) == 1
    assert "taken exists; export writes a new folder" in capsys.readouterr().err
    assert main(["export", *args, "--format", "got10k", "--output", str(tmp_path / "x")]) == 1
    assert "--format got10k exports one stored tracker: name it with --tracker" in capsys.readouterr().err
