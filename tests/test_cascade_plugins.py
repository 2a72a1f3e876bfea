"""The C-RPN and SCTRPN plugins: options, where weights go, which checkpoints load, and the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from harness.cli import main
from tests.conftest import realdata_path
from trackers.base import TrackerError, WeightsMissingError
from trackers.registry import get_plugin, plugin_names, resolve_trackers
from trackers.siamese.cascade.plugins import CRPN, SCTRPN
from trackers.siamese.region import pysot_init_box

NAMES = {"crpn": CRPN, "sctrpn": SCTRPN}
PROJECT = Path(__file__).resolve().parents[1]
BAG_FIRST = [334.02, 128.36, 438.19, 188.78, 396.39, 260.83, 292.23, 200.41]  # VOT bag, frame 1


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    for name in os.environ:
        if name.startswith(("HARNESS_CRPN", "HARNESS_SCTRPN")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(empty))
    monkeypatch.setenv("HARNESS_NO_SHIPPED_WEIGHTS", "1")  # not the synthetic-trained weights either
    return empty


def thin_checkpoint(path: Path, name: str, stages: int = 3, seed: int = 0) -> Path:
    """A random network of the variant at 1/8 width in our format; its regression outputs scaled
    down so the box wanders inside the frame rather than jumping to its edge."""
    torch = pytest.importorskip("torch")
    from trackers.siamese.cascade.config import CASCADE_VARIANTS
    from trackers.siamese.cascade.model import build_cascade_model
    from trackers.siamese.checkpoint import save_checkpoint

    base = CASCADE_VARIANTS[name]
    variant = dataclasses.replace(base, model=dataclasses.replace(base.model, width_mult=0.125, stages=stages))
    torch.manual_seed(seed)
    model = build_cascade_model(variant)
    with torch.no_grad():
        for stage in range(1, stages + 1):
            getattr(model, f"rpn{stage}").loc_adjust.weight.mul_(1e-3)
            getattr(model, f"rpn{stage}").loc_adjust.bias.mul_(1e-3)
    save_checkpoint(model, path, variant)
    return path


def test_both_are_registered_and_built_by_name():
    assert set(NAMES) <= set(plugin_names())
    for name, cls in NAMES.items():
        plugin = get_plugin(name)
        assert type(plugin) is cls and plugin.wants_gpu and plugin.deterministic
    assert get_plugin("crpn").variant().cascade.rerank is False and get_plugin("sctrpn").variant().cascade.rerank is True


@pytest.mark.parametrize(("name", "options", "complaint"), [
    ("crpn", {"theta": 1.5}, "theta=1.5 must be within \\(0, 1\\]"),
    ("crpn", {"stages": 4}, "stages=4 must be within 1..3"),
    ("sctrpn", {"rerank": "maybe"}, "rerank='maybe' is not a yes/no value"),
    ("sctrpn", {"nms_iou": 0}, "nms_iou=0.0 must be within"),
    ("crpn", {"variant": "alex"}, "unknown options \\['variant'\\]"),
    ("sctrpn", {"window_influence": 3}, "window_influence=3.0 must be within"),
])
def test_bad_options_are_refused_when_the_plugin_is_made(name: str, options: dict, complaint: str):
    with pytest.raises(TrackerError, match=complaint):
        get_plugin(name, options)


def test_missing_weights_say_where_to_put_them(no_weights: Path):
    reason = get_plugin("crpn").unavailable_reason()
    assert str(no_weights / "crpn" / "model.pth") in reason
    assert ("Put a checkpoint of it (the authors released none: train the network, see the training interface in "
            "docs/trackers.md, and save it with trackers.siamese.checkpoint.save_checkpoint) at") in reason
    assert "--tracker-opt crpn.weights=<file>" in reason and "$HARNESS_CRPN_WEIGHTS" in reason
    with pytest.raises(WeightsMissingError, match=str(no_weights / "sctrpn" / "model.pth")):
        get_plugin("sctrpn").create()
    with pytest.raises(WeightsMissingError, match="crpn"):
        resolve_trackers("crpn,sctrpn")
    plugins, skipped = resolve_trackers("all")
    assert set(NAMES) <= set(skipped) and not set(NAMES) & {p.name for p in plugins}


def test_the_registry_lists_them_without_torch():
    script = (
        "import sys, json\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "from trackers.registry import get_plugin\n"
        "print(json.dumps({n: get_plugin(n, {'theta': 0.9}).unavailable_reason() for n in ('crpn', 'sctrpn')}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT, check=True)
    assert all("pip install torch==2.13.0" in reason for reason in json.loads(done.stdout).values())


def test_only_a_checkpoint_of_the_plugins_own_kind_loads(tmp_path: Path):
    torch = pytest.importorskip("torch")
    crpn = thin_checkpoint(tmp_path / "crpn.pth", "crpn")
    with pytest.raises(TrackerError, match="needs a sctrpn checkpoint"):
        get_plugin("sctrpn", {"weights": str(crpn)}).create()
    foreign = tmp_path / "pysot.pth"
    torch.save({"backbone.features.0.weight": torch.zeros(1)}, foreign)
    with pytest.raises(TrackerError, match="not a checkpoint in our format"):
        get_plugin("crpn", {"weights": str(foreign)}).create()
    two = thin_checkpoint(tmp_path / "two.pth", "crpn", stages=2)
    with pytest.raises(TrackerError, match="stages=3 must be within 1..2"):
        get_plugin("crpn", {"weights": str(two), "stages": 3}).create()
    assert get_plugin("crpn", {"weights": str(two)}).create().info.version.startswith("crpn-ftb-up-x0.125-2stage")


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_thin_checkpoint_tracks_real_frames_and_repeats_exactly(name: str, tmp_path: Path):
    seq = realdata_path("otb", "sequences", "Crossing")
    frames = [cv2.imread(str(p)) for p in sorted((seq / "img").glob("*.jpg"))[:6]]
    rect = np.loadtxt(seq / "groundtruth_rect.txt", max_rows=1)
    weights = thin_checkpoint(tmp_path / f"{name}.pth", name)
    plugin = get_plugin(name, {"weights": str(weights), "threads": 1})
    runs = []
    for _ in range(2):
        tracker = plugin.create()
        start = tracker.init_box(rect)
        assert start.tolist() == (rect + [0.5, 0.5, 0, 0]).tolist()  # pysot's start box for a rectangle
        tracker.initialize(frames[0], start)
        runs.append([])
        for frame in frames[1:]:
            runs[-1].append(tracker.track(frame))
            # the score is the last stage's, of a proposal that survived it
            last, chosen = tracker.last_stages[-1], tracker.last_choice.index
            assert runs[-1][-1].score == last.scores[chosen] and last.survivors[chosen]
    for a, b in zip(*runs):
        assert a.box.tolist() == b.box.tolist() and a.score == b.score
    assert tracker.init_box(np.array(BAG_FIRST)).tolist() == pysot_init_box(np.array(BAG_FIRST)).tolist()


def test_the_cli_refuses_without_weights(tmp_path: Path, no_weights: Path, capsys):
    argv = ["run", "--trackers", "crpn,sctrpn", "--bench", "synthetic", "--results", str(tmp_path / "r")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "crpn" in err and "needs weights" in err and str(no_weights / "crpn" / "model.pth") in err


@pytest.mark.slow
def test_the_cli_runs_both_on_synthetic_when_weights_are_given(tmp_path: Path, no_weights: Path, ray_address, capsys):
    weights = {name: thin_checkpoint(tmp_path / name / "model.pth", name) for name in NAMES}
    argv = ["run", "--trackers", "crpn,sctrpn", "--bench", "synthetic", "--sequences", "synthetic_011",
            "--tracker-opt", f"crpn.weights={weights['crpn']}", "--tracker-opt", f"sctrpn.weights={weights['sctrpn']}",
            "--address", ray_address, "--results", str(tmp_path / "r"), "--reports", str(tmp_path / "rep"), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["run"]["shards"] == {"run": 2, "skipped_complete": 0, "failed": 0}
    assert {"crpn", "sctrpn"} <= set(report["trackers"])
