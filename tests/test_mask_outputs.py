"""Trackers that answer segmentation masks (VOT2020+): a TraX tracker answering masks run through Ray on the
multistart experiment, its masks stored (the store's mask column), scored on mask ground truth and exported;
`vot analysis` on the exported workspace gives `harness eval`'s numbers to 1e-9. And the store keeps a box-only
tracker box-only."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from benchmarks.masks import Masks
from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import load_vot
from harness.cli import main
from harness.evaluate import score_trackers
from harness.experiments.multistart import MULTISTART, anchor_runs
from harness.runner.calls import TrackerOutputError, tracked_masks
from harness.runner.dispatch import run_shards
from harness.store import Provenance, ShardFrames, ShardKey, read_tracker, shard_path, write_shard
from harness.store_pack import PACK
from trackers.registry import get_plugin

TEST_TRACKER = Path(__file__).with_name("trax_test_tracker.py")
PROVENANCE = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)


def _masks(rng: np.random.Generator, n: int) -> Masks:
    return Masks.from_bitmaps([None] + [(rng.random((rng.integers(1, 9), rng.integers(1, 9))) < 0.5,
                                         (int(rng.integers(0, 50)), int(rng.integers(0, 50)))) for _ in range(n - 1)])


def test_masks_are_stored_and_read_back_exactly_and_box_only_shards_stay_box_only(tmp_path):
    rng = np.random.default_rng(0)
    n = 12
    masks = _masks(rng, n)
    frames = ShardFrames(rng.random((n, 4)), rng.random(n), np.array(["initialized"] + ["tracked"] * (n - 1)),
                         np.ones(n), masks=masks)
    key = ShardKey("seg", "vot2022", "s", 1, "multistart")
    write_shard(tmp_path, key, frames, PROVENANCE)
    write_shard(tmp_path, ShardKey("box", "vot2022", "s", 1, "multistart"),
                ShardFrames(frames.boxes, frames.scores, frames.statuses, frames.latency_ms), PROVENANCE)
    assert "mask" in pq.read_schema(shard_path(tmp_path, key)).names
    assert "mask" not in pq.read_schema(shard_path(tmp_path, ShardKey("box", "vot2022", "s", 1, "multistart"))).names
    (back,) = read_tracker(tmp_path, "vot2022", "multistart", "seg", ["s"])["s"]
    np.testing.assert_array_equal(back.masks.special, masks.special)
    for i in range(1, n):
        np.testing.assert_array_equal(back.masks.decode(i)[0], masks.decode(i)[0])
        assert back.masks.decode(i)[1] == masks.decode(i)[1]
    assert not (tmp_path / "vot2022" / "multistart" / "seg" / PACK).exists()  # mask shards are not packed
    (box,) = read_tracker(tmp_path, "vot2022", "multistart", "box", ["s"])["s"]
    assert box.masks is None


def test_a_tracker_that_segments_some_frames_only_is_refused_naming_one():
    bitmap = (np.ones((2, 2), bool), (0, 0))
    with pytest.raises(TrackerOutputError, match="gave masks, but none at frame 3 of sequence 's'"):
        tracked_masks([None, bitmap, None, bitmap], "seg", "s")
    assert tracked_masks([None, None], "box", "s") is None


@pytest.mark.slow
def test_toolkit_scores_a_segmenting_trax_tracker_as_the_harness(tmp_path, monkeypatch, ray_address):
    command = shlex.join([sys.executable, str(TEST_TRACKER), "mask"])
    (tmp_path / "trackers.ini").write_text(f"[segmenter]\nprotocol = trax\ncommand = {command}\n"
                                           f"env_TRAX_TEST_LOG = {tmp_path / 'requests.jsonl'}\n")
    monkeypatch.setenv("HARNESS_TRAX_TRACKERS", str(tmp_path))
    root = write_vot_root(load_synthetic(size=DEFAULT)[:2], tmp_path / "sequences", masks=True)
    sequences = load_vot(root, "vot2022")
    results = tmp_path / "results"
    summary = run_shards([get_plugin("segmenter")], "vot2022", sequences, results, experiment=MULTISTART,
                         address=ray_address, workers=2)
    assert not summary.failed and len(summary.completed) == sum(len(anchor_runs(s)) for s in sequences)
    stored = read_tracker(results, "vot2022", "multistart", "segmenter", [s.name for s in sequences])
    assert all(shard.masks is not None and not shard.masks.special[1:].any() for s in stored.values() for shard in s)
    (score,) = score_trackers(results, "vot2022", sequences, "vot_toolkit", experiment="multistart")

    workspace = tmp_path / "ws"
    assert main(["export", "--vot-workspace", str(workspace), "--bench", "vot2022", "--root", str(root),
                 "--results", str(results), "--protocol", "multistart"]) == 0
    first = next((workspace / "results" / "segmenter" / "baseline").rglob("*_00000000.txt"))
    assert first.read_text().splitlines()[1].startswith("m")
    subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(workspace), "--format", "json",
                    "--name", "check"], check=True, capture_output=True, timeout=300, cwd=workspace)
    report = json.loads((workspace / "analysis" / "check.json").read_text())
    (eao,), (curve,), (ar,), _per_sequence = report["results"]["baseline"]["results"]
    assert score.result.values["eao"] == pytest.approx(eao[0], abs=1e-9)
    assert score.result.values["accuracy"] == pytest.approx(ar[0], abs=1e-9)
    assert score.result.values["robustness"] == pytest.approx(ar[1], abs=1e-9)
    np.testing.assert_allclose(score.result.eao_curve, curve[0], atol=1e-9)
    # the ellipse inside the box overlaps the ground truth's ellipse better than its box would
    assert 0.3 < score.result.values["accuracy"] < 1.0

    # the exported masks imported back under another name: the same masks, the same numbers
    assert main(["import", "--format", "vot", "--bench", "vot2022", "--root", str(root), "--results", str(results),
                 "--protocol", "multistart", "--tracker", "reimported",
                 str(workspace / "results" / "segmenter" / "baseline")]) == 0
    back = read_tracker(results, "vot2022", "multistart", "reimported", [s.name for s in sequences])
    for name, shards in stored.items():
        for ours, theirs in zip(shards, back[name]):
            np.testing.assert_array_equal(theirs.masks.special, ours.masks.special)
            np.testing.assert_array_equal(theirs.masks.runs, ours.masks.runs)
            np.testing.assert_array_equal(theirs.masks.offsets, ours.masks.offsets)
    again = {s.tracker: s.result for s in score_trackers(results, "vot2022", sequences, "vot_toolkit",
                                                          experiment="multistart")}
    assert again["reimported"].values == again["segmenter"].values
