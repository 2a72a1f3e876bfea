"""Training targets and learning rates against the values pysot's own code computed
(../shared/realdata/golden/training: anchors, AnchorTarget including its negative-pair path,
build_lr_scheduler as tools/train.py drives it)."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from trackers.siamese.config import AnchorConfig
from trackers.training.anchor_target import negative_candidates, negative_window, pair_targets, training_anchors
from trackers.training.schedule import Phase, epoch_rates, group_rate
from tests.conftest import realdata_path

SIZES = {"r50": 25, "alex": 17}


@pytest.fixture(scope="module")
def targets():
    return np.load(realdata_path("golden", "training", "anchor_target.npz"))


@pytest.fixture(scope="module")
def schedules():
    return np.load(realdata_path("golden", "training", "lr_schedule.npz"))


@pytest.mark.parametrize("config", sorted(SIZES))
def test_training_grid_is_pysots(config):
    golden = np.load(realdata_path("golden", "training", "anchors.npz"))
    size = SIZES[config]
    assert int(golden[f"{config}_output_size"]) == size
    anchors = training_anchors(AnchorConfig(), size)
    np.testing.assert_array_equal(anchors, golden[f"{config}_anchors_center"].reshape(4, -1).T)


@pytest.mark.parametrize("config", sorted(SIZES))
def test_negative_pair_window_and_sampling(config, targets):
    size = SIZES[config]
    anchors = training_anchors(AnchorConfig(), size)
    for k, b in enumerate(targets["neg_idx"]):
        box = targets["gt_boxes"][b]
        window = targets[f"{config}_neg_window"][k]
        assert negative_window(box, size) == tuple(int(v) for v in window[:6]), (b, window)
        candidates = negative_candidates(box, 5, size)
        assert candidates.sum() == window[6], b
        out = pair_targets(anchors, box, True, size, np.random.default_rng(k))
        golden = targets[f"{config}_neg_cls"][k]
        assert (out.labels == 0).sum() == (golden == 0).sum() == targets[f"{config}_neg_num_labelled"][k]
        assert not (out.labels == 1).any() and candidates[out.labels == 0].all()
        assert candidates[golden == 0].all()  # the same window holds pysot's sampled negatives
        assert not out.deltas.any() and not out.weights.any()


def test_negative_window_quirks(targets):
    """A target centred on 127 lands one cell right and below; far left/top ends wrap like Python slices."""
    centred = np.array([100.0, 100.0, 154.0, 154.0])
    assert negative_window(centred, 25)[:2] == (13, 13)
    far = targets["gt_boxes"][159]
    assert negative_window(far, 25)[3] < 0 and negative_candidates(far, 5, 25).sum() == 2040


@pytest.mark.parametrize("config", sorted(SIZES))
def test_full_anchor_target_counts_membership_and_maps(config, targets):
    size = SIZES[config]
    anchors = training_anchors(AnchorConfig(), size)
    for k, b in enumerate(targets["full_idx"]):
        out = pair_targets(anchors, targets["gt_boxes"][b], False, size, np.random.default_rng(k))
        presample = targets[f"{config}_label_presample"][b]
        assert out.labels.shape == presample.shape == (5, size, size)
        assert (out.labels == 1).sum() == targets[f"{config}_full_pos_num"][k]
        assert (out.labels == 0).sum() == targets[f"{config}_full_neg_num"][k]
        assert (presample[out.labels == 1] == 1).all() and (presample[out.labels == 0] == 0).all()
        np.testing.assert_allclose(out.deltas, targets[f"{config}_full_delta"][k], atol=1e-6, err_msg=str(b))
        weight = targets[f"{config}_full_delta_weight"][k]
        assert sorted(set(out.weights[out.labels == 1].tolist())) == sorted(set(weight[weight > 0].tolist()))
        assert not out.weights[out.labels != 1].any()


def _phase(spec: dict, epochs: int, defaults: dict) -> Phase:
    kwargs = {**defaults, **spec["KWARGS"]}
    return Phase(spec["TYPE"], epochs, kwargs["start_lr"], kwargs.get("end_lr"), kwargs.get("step", 10), kwargs.get("mult", 0.1))


@pytest.mark.parametrize("config", ["r50", "alex", "r50_track", "alex_track"])
def test_learning_rates_equal_pysots(config, schedules):
    cfg = ast.literal_eval(str(schedules[f"{config}_config"]))
    warm = cfg["LR_WARMUP"]["EPOCH"]
    # pysot's defaults when a config names no values: log 0.03 -> 5e-4, step from 0.01 (x0.1 every 10 epochs)
    warmup = _phase(cfg["LR_WARMUP"], warm, {"start_lr": 0.01})
    main = _phase(cfg["LR"], cfg["EPOCH"] - warm, {"start_lr": 0.03, "end_lr": 5e-4})
    rates, start = epoch_rates(main, warmup)
    np.testing.assert_allclose(rates, schedules[f"{config}_lr_spaces"], rtol=0, atol=1e-12)
    assert start == pytest.approx(float(schedules[f"{config}_start_lr"]), abs=1e-15)
    initial = schedules[f"{config}_group_initial_lr"]
    want = schedules[f"{config}_group_lr"]
    got = np.array([[group_rate(rates, start, e, lr) for lr in initial] for e in range(cfg["EPOCH"])])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_the_recipes_schedules_are_the_golden_ones(schedules):
    """The tracker entries carry exactly the golden configs' rates and group initial rates."""
    from trackers.training.config import TrainConfig, merge
    from trackers.training.optim import learning_rates
    from trackers.training.specs import spec_for

    for tracker, config in (("siamrpnpp", "r50"), ("siamrpnpp-alex", "alex")):
        recipe = merge(TrainConfig(tracker=tracker), spec_for(tracker).recipe)
        rates, start = learning_rates(recipe)
        np.testing.assert_allclose(rates, schedules[f"{config}_lr_spaces"], rtol=0, atol=1e-12)
        base = recipe.base_lr
        initial = [recipe.backbone.layers_lr * base] + [base] * (len(schedules[f"{config}_group_initial_lr"]) - 1)
        np.testing.assert_allclose(initial, schedules[f"{config}_group_initial_lr"], rtol=0, atol=1e-15)
