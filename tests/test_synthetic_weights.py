"""The shipped synthetic-trained weights: the last fallback of the weights lookup, and a fact every result
made with them carries (tracker info, shard provenance, tables, JSON, HTML report)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.cli import main
from harness.store import read_provenance
from trackers.registry import get_plugin
from trackers.siamese.plugins import SHIPPED
from trackers.weights import SYNTHETIC

DEEP = ("siamrpn", "siamrpnpp", "siamrpnpp-alex", "siamrpnpp-mobilev2", "crpn", "sctrpn", "cract")


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No weights given anywhere: an empty folder as working directory, no weight variables."""
    for name in list(os.environ):
        if name.startswith("HARNESS_") and name.endswith("WEIGHTS"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", DEEP)
def test_each_deep_tracker_falls_back_to_its_shipped_weights_last(name: str, clean: Path, monkeypatch):
    plugin = get_plugin(name)
    assert plugin.weights_path() == (SYNTHETIC / f"{name}.pth", SHIPPED) and plugin.unavailable_reason() is None
    local = clean / "weights" / name / "model.pth"
    local.parent.mkdir(parents=True)
    local.write_bytes(b"")
    assert get_plugin(name).weights_path()[0] == local  # ./weights first
    root = clean / "root"
    (root / name).mkdir(parents=True)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(root))
    assert get_plugin(name).weights_path()[0] == local  # $HARNESS_WEIGHTS without the file: on to ./weights
    (root / name / "model.pth").write_bytes(b"")
    assert get_plugin(name).weights_path()[0] == root / name / "model.pth"
    assert get_plugin(name, {"weights": str(clean / "given.pth")}).weights_path()[0] == clean / "given.pth"
    local.unlink()
    (root / name / "model.pth").unlink()
    monkeypatch.setenv("HARNESS_NO_SHIPPED_WEIGHTS", "1")
    assert get_plugin(name).weights_path()[0] == root / name / "model.pth"
    assert "needs weights" in get_plugin(name).unavailable_reason()


def test_variants_find_their_own_shipped_network(clean: Path):
    assert get_plugin("siamrpnpp", {"variant": "alex"}).weights_path()[0] == SYNTHETIC / "siamrpnpp-alex.pth"
    assert get_plugin("cract", {"variant": "thin"}).weights_path()[0] == clean / "weights" / "cract-thin" / "model.pth"


@pytest.mark.slow
def test_results_of_shipped_weights_say_so_everywhere(clean: Path, ray_address, capsys):
    """The main job on one sequence with a shipped deep tracker and OpenCV MIL: the deep tracker is marked in
    the table, the JSON, the HTML report and its shards' provenance; MIL is not."""
    args = ["run", "--trackers", "siamrpn,opencv-mil", "--bench", "synthetic", "--sequences", "synthetic_011",
            "--address", ray_address, "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "siamrpn†" in out and "opencv-mil†" not in out
    assert "† weights trained on synthetic data only: these figures say nothing of real-world accuracy" in out
    provenance = read_provenance(clean / "results" / "synthetic" / "ope" / "siamrpn" / "synthetic_011" / "rep001.parquet")
    assert provenance.synthetic_weights
    assert not read_provenance(clean / "results" / "synthetic" / "ope" / "opencv-mil" / "synthetic_011" / "rep001.parquet").synthetic_weights
    assert main(["eval", "--bench", "synthetic", "--sequences", "synthetic_011", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)["trackers"]
    assert scores["siamrpn"]["marks"] == ["synthetic"] and "marks" not in scores["opencv-mil"]
    page = (clean / "reports" / "synthetic-ope-lasot_matlab.html").read_text()
    assert "siamrpn†" in page and "weights trained on synthetic data only" in page
