"""Anchor targets against the values pysot's own AnchorTarget computed (../shared/realdata/golden/training)."""

from __future__ import annotations

import numpy as np
import pytest

from trackers.siamese.anchors import decode_boxes
from trackers.siamese.config import AnchorConfig
from trackers.siamese.targets import anchor_targets, encode, iou, label
from trackers.training.anchor_target import training_anchors as anchor_grid_127
from tests.conftest import realdata_path

CONFIGS = {"r50": 25, "alex": 17}


@pytest.fixture(scope="module")
def golden():
    return np.load(realdata_path("golden", "training", "anchor_target.npz"))


def training_anchors(size: int) -> np.ndarray:
    """pysot's training grid: centred on pixel 127 of the 255 search image."""
    return anchor_grid_127(AnchorConfig(), size)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_iou_deltas_and_labels_equal_pysot(config, golden):
    size = CONFIGS[config]
    anchors = training_anchors(size)
    for b, target in enumerate(golden["gt_boxes"]):
        overlap = iou(anchors, target)
        np.testing.assert_array_equal(overlap, golden[f"{config}_overlap"][b].reshape(-1), err_msg=str(b))
        np.testing.assert_allclose(encode(anchors, target), golden[f"{config}_delta"][b].reshape(4, -1).T,
                                   atol=1e-6, err_msg=str(b))
        labels = label(overlap)
        np.testing.assert_array_equal(labels, golden[f"{config}_label_presample"][b].reshape(-1), err_msg=str(b))


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_sampled_counts_and_weights_follow_pysot(config, golden):
    anchors = training_anchors(CONFIGS[config])
    rng = np.random.default_rng(0)
    for k, b in enumerate(golden["full_idx"]):
        targets = anchor_targets(anchors, golden["gt_boxes"][b], rng)
        presample = golden[f"{config}_label_presample"][b].reshape(-1)
        assert np.count_nonzero(targets.labels == 1) == golden[f"{config}_full_pos_num"][k]
        assert np.count_nonzero(targets.labels == 0) == golden[f"{config}_full_neg_num"][k]
        assert (presample[targets.labels == 1] == 1).all() and (presample[targets.labels == 0] == 0).all()
        weights = golden[f"{config}_full_delta_weight"][k].reshape(-1)
        assert sorted(set(targets.weights.tolist())) == sorted(set(weights.tolist()))


def test_encode_inverts_decode():
    anchors = training_anchors(17)
    target = np.array([100.0, 90.0, 160.5, 130.25])
    deltas = encode(anchors, target).T.reshape(20, 17, 17)
    decoded = decode_boxes(deltas.astype(np.float64), anchors)
    np.testing.assert_allclose(decoded, np.tile([130.25, 110.125, 60.5, 40.25], (len(anchors), 1)), atol=1e-3)


def test_dead_anchors_are_never_labelled():
    anchors = training_anchors(17)
    target = np.array([100.0, 100.0, 164.0, 164.0])
    alive = np.zeros(len(anchors), bool)
    alive[::7] = True
    labels = label(iou(anchors, target), alive=alive)
    assert (labels[~alive] == -1).all() and (labels[alive] != -1).any()
