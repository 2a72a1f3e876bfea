"""`harness.api` gives the CLI's numbers: every figure of `api.scores` equals `harness eval --json`'s (one-pass
under each OTB profile, VOT's supervised EAO/A/R, with bootstrap intervals), `load` reads through the
store's checks, and docs/api.md's walkthrough runs as written."""

from __future__ import annotations

import json
import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.cli import main
from harness.errors import StoreError
from tests.conftest import PROJECT, realdata_path


@pytest.fixture(scope="module")
def otb(tmp_path_factory):
    """SiamRPN++ and SiamFC's published OTB100 results, imported; (results, root)."""
    results = tmp_path_factory.mktemp("api") / "results"
    root = realdata_path("otb", "toolkit-anno", "OTB100")
    for tracker in ("SiamRPN++", "SiamFC"):
        assert main(["import", "--format", "pysot", "--bench", "otb", "--root", str(root), "--results", str(results),
                     "--tracker", tracker, str(realdata_path("otb", "results", tracker))]) == 0
    return results, root


def _eval_json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["eval", *argv, "--json", "--no-report"]) == 0
    return json.loads(capsys.readouterr().out)


def _same(value, expected) -> bool:
    return (value is None and expected is None) or (isinstance(expected, float) and math.isnan(expected)
                                                    and math.isnan(value)) or value == expected


@pytest.mark.parametrize("profile", ["pysot", "lasot_matlab", "got10k", "pytracking", "trackingnet"])
def test_scores_are_eval_json_figure_for_figure(otb, profile, capsys):
    results, root = otb
    printed = _eval_json(capsys, "--bench", "otb", "--root", str(root), "--results", str(results), "--profile", profile)
    got = api.scores("otb", profile, results=results, root=root)
    assert got.json["trackers"] == printed["trackers"] and got.profile == profile
    assert list(got.trackers.index) == list(printed["trackers"])
    for tracker, entry in printed["trackers"].items():
        for field in printed["fields"]:
            assert _same(got.trackers.loc[tracker, field], entry[field]), (tracker, field)
        per_sequence = got.sequences[got.sequences.tracker == tracker].set_index("sequence")
        assert per_sequence.success_auc.to_dict() == entry["per_sequence_auc"]
        assert per_sequence.precision.to_dict() == entry["per_sequence_precision"]
    assert got.trackers.loc["SiamRPN++", "sequences"] == 100 and bool(got.trackers.loc["SiamFC", "scored"])


def test_intervals_and_subsets_are_the_clis(otb, capsys):
    results, root = otb
    argv = ["--bench", "otb", "--root", str(root), "--results", str(results), "--profile", "pysot",
            "--sequences", "Biker,Bird1,Couple,Crossing", "--trackers", "SiamFC", "--ci", "--resamples", "500",
            "--seed", "3"]
    printed = _eval_json(capsys, *argv)
    got = api.scores("otb", "pysot", results=results, root=root, sequences="Biker,Bird1,Couple,Crossing",
                     trackers=["SiamFC"], ci=True, resamples=500, seed=3)
    low, high = printed["trackers"]["SiamFC"]["intervals"]["success_auc"]
    assert (got.trackers.loc["SiamFC", "success_auc_low"], got.trackers.loc["SiamFC", "success_auc_high"]) == (low, high)
    assert low < got.trackers.loc["SiamFC", "success_auc"] < high and list(got.trackers.index) == ["SiamFC"]
    assert sorted(got.sequences.sequence) == ["Biker", "Bird1", "Couple", "Crossing"]


def test_vot_scores_and_tags_are_the_clis(tmp_path, capsys):
    root = realdata_path("vot", "VOT2018.json")
    results = tmp_path / "results"
    assert main(["import", "--format", "vot", "--bench", "vot2018", "--root", str(root), "--results", str(results),
                 "--tracker", "NanoTrack", str(realdata_path("vot", "results", "VOT2018", "NanoTrack", "baseline"))]) == 0
    for profile in ("vot_toolkit", "pysot"):
        printed = _eval_json(capsys, "--bench", "vot2018", "--root", str(root), "--results", str(results),
                             "--profile", profile)["trackers"]["NanoTrack"]
        got = api.scores("vot2018", profile, results=results, root=root).trackers.loc["NanoTrack"]
        for field in ("eao", "accuracy", "failures"):
            assert _same(got[field], printed[field]), field
    capsys.readouterr()
    assert main(["eval", "--bench", "vot2018", "--root", str(root), "--results", str(results), "--profile", "pysot",
                 "--by-attribute", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    tags = api.by_attribute("vot2018", "pysot", results=results, root=root).set_index("group")
    assert tags.attrs["unit"] == "frames" and len(tags) == len(printed["attributes"])
    for group, entry in printed["attributes"].items():
        assert tags.loc[group, "eao"] == entry["trackers"]["NanoTrack"]["eao"]
    plots = api.figures("vot2018", "vot_toolkit", results=results, root=root)
    assert sorted(plots) == ["ar_plot", "eao_curve", "heatmap_accuracy", "heatmap_failures"]
    assert plots["eao_curve"].data[0].name.startswith("NanoTrack")  # plotly objects, the report's traces


def test_load_reads_every_frame_through_the_stores_checks(otb, tmp_path):
    results, root = shutil.copytree(otb[0], tmp_path / "results"), otb[1]
    frames = api.load("otb", results=results, root=root, sequences=["Biker", "Couple"])
    assert list(frames.columns) == ["tracker", "sequence", "repetition", "frame", "x", "y", "w", "h", "status",
                                    "latency_ms"]
    assert isinstance(frames.tracker.dtype, pd.CategoricalDtype) and isinstance(frames.status.dtype, pd.CategoricalDtype)
    biker = frames[(frames.tracker == "SiamFC") & (frames.sequence == "Biker")]
    published = np.loadtxt(realdata_path("otb", "results", "SiamFC", "Biker.txt"), delimiter=",")
    np.testing.assert_array_equal(biker[["x", "y", "w", "h"]].to_numpy(), published)
    assert biker.frame.tolist() == list(range(len(published))) and set(biker.status) == {"initialized", "tracked"}
    # A shard copied over another sequence's path is refused here as by `harness eval`.
    shards = sorted((results / "otb" / "ope" / "SiamFC").glob("*/rep001.parquet"))
    shutil.copy(shards[0], shards[1])
    with pytest.raises(StoreError, match=re.escape(str(shards[1]))):
        api.load("otb", results=results, root=root, trackers="SiamFC")


def test_the_walkthrough_of_docs_api_runs_as_written(tmp_path, monkeypatch, ray_address, capsys):
    text = (PROJECT / "docs" / "api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 5
    monkeypatch.chdir(tmp_path)
    namespace = {"REALDATA": realdata_path()}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)
    out = capsys.readouterr().out
    table = namespace["table"].trackers
    assert round(table.loc["SiamRPN++", "success_auc"], 3) == 0.696 and round(table.loc["SiamFC", "success_auc"], 3) == 0.587
    assert namespace["ran"].json["run"]["shards"]["failed"] == 0 and "NanoTrack" in out
    curve = namespace["success"]
    auc = curve[curve.curve == "success_curve"].groupby("tracker").y.mean()
    assert auc["SiamRPN++"] == pytest.approx(table.loc["SiamRPN++", "success_auc"], abs=1e-12)
    assert set(namespace["plots"]) >= {"success_curve", "precision_curve", "by_attribute"}
