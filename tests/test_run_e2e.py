"""opencv-nano through Ray on real sequences, read back from parquet and scored."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.otb import load_otb
from benchmarks.vot import axis_aligned_boxes, load_vot
from harness.evaluate import score_trackers
from harness.metrics.boxes import iou_continuous
from harness.runner.dispatch import run_shards
from harness.store import read_provenance, read_results, shard_path, ShardKey
from tests.conftest import realdata_path
from trackers.registry import get_plugin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nano():
    return get_plugin("opencv-nano", {"weights_dir": str(realdata_path("models", "nanotrack-v2"))})


def test_nano_on_real_otb_sequences(nano, tmp_path, ray_address):
    sequences = load_otb(realdata_path("otb", "sequences"), names=["Couple", "Crossing", "Football1"])
    summary = run_shards([nano], "otb", sequences, tmp_path, address=ray_address, workers=2)
    assert not summary.failed and len(summary.completed) == 3
    table = read_results(tmp_path, "otb")
    assert table.num_rows == sum(len(s) for s in sequences) == 120 + 140 + 74
    (score,) = score_trackers(tmp_path, "otb", sequences, "lasot_matlab")
    # A good Siamese tracker on these three easy sequences; a broken runner (misaligned frames,
    # wrong channel order, boxes from the wrong sequence) lands far below.
    assert score.result.auc > 0.6
    assert 0 < score.fps < 10_000
    prov = read_provenance(shard_path(tmp_path, ShardKey("opencv-nano", "otb", "Crossing")))
    assert prov.weights_sha256 == nano.weights_checksum() and prov.config_hash == nano.config_hash()
    assert prov.device == "cpu" and prov.source == "run"


def test_nano_on_vot_bag_as_one_pass(nano, tmp_path, ray_address):
    sequences = load_vot(realdata_path("vot", "sequences"))
    summary = run_shards([nano], "vot2018", sequences, tmp_path, address=ray_address, workers=1)
    assert not summary.failed
    table = read_results(tmp_path, "vot2018").sort_by("frame")
    pred = np.column_stack([table[c].to_numpy() for c in "xywh"])
    gt = axis_aligned_boxes(sequences[0].ground_truth)
    assert pred.shape == gt.shape == (196, 4)
    mean_iou = iou_continuous(pred, gt).mean()
    assert mean_iou == pytest.approx(0.775, abs=0.03)  # NanoTrack's known figure on bag
