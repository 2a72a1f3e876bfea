"""A failure in one shard names the sequence and frame, and never loses the others' results."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.otb import load_otb
from harness.runner.dispatch import run_shards
from harness.store import is_complete, list_errors, ShardKey
from tests.conftest import first_frames, realdata_path
from tests.faulty_trackers import FaultyPlugin
from trackers.registry import get_plugin

pytestmark = pytest.mark.slow


# The first 20 frames of each sequence: a failure at frame 9 or 12 and the shards beside it need no more.
FRAMES = 20


@pytest.fixture
def otb_copy(tmp_path):
    """A writable copy of two real OTB sequences, to damage."""
    src = realdata_path("otb", "sequences")
    dst = tmp_path / "otb"
    for name in ("Crossing", "Football1"):
        shutil.copytree(src / name, dst / name)
    return dst


def test_missing_frame_fails_only_its_shard(otb_copy, tmp_path, ray_address):
    (otb_copy / "Crossing" / "img" / "0012.jpg").unlink()
    sequences = [first_frames(s, FRAMES) for s in load_otb(otb_copy, names=["Crossing", "Football1"])]
    plugin = get_plugin("opencv-mil")
    summary = run_shards([plugin], "otb", sequences, tmp_path / "res", address=ray_address)
    assert [o.key.sequence for o in summary.completed] == ["Football1"]
    (failed,) = summary.failed
    assert "sequence 'Crossing' frame 12" in failed.error and "0012.jpg" in failed.error
    (record,) = list_errors(tmp_path / "res")
    assert "Crossing" in record["shard"] and "FrameReadError" in record["traceback"]
    assert is_complete(tmp_path / "res", ShardKey("opencv-mil", "otb", "Football1"))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("raise", "raised at frame 9 of sequence '{}': RuntimeError: deliberate failure at frame 9"),
        ("nan", "returned [nan, 1.0, 2.0, 3.0] at frame 9 of sequence '{}'; expected 4 finite numbers"),
    ],
)
def test_tracker_that_raises_or_returns_nan(mode, expected, tmp_path, ray_address):
    sequences = [first_frames(s, FRAMES) for s in load_otb(realdata_path("otb", "sequences"), names=["Couple", "Football1"])]
    plugins = [FaultyPlugin(name=f"faulty-{mode}", config={"mode": mode, "at_frame": 9}), get_plugin("opencv-mil")]
    summary = run_shards(plugins, "otb", sequences, tmp_path, address=ray_address)
    # Whole outcomes in the messages: a failure shows what each shard did, and whether a worker died.
    failed = {str(o.key): o.error for o in summary.failed}
    assert sorted(str(o.key) for o in summary.completed) == ["opencv-mil/otb/Couple#1", "opencv-mil/otb/Football1#1"], (
        failed, summary.retried)
    assert sorted(failed) == [f"faulty-{mode}/otb/Couple#1", f"faulty-{mode}/otb/Football1#1"], (failed, summary.retried)
    for outcome in summary.failed:
        assert expected.format(outcome.key.sequence) in outcome.error
    assert sorted(r["shard"] for r in list_errors(tmp_path, "otb")) == sorted(failed)
