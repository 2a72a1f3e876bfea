"""The cascades' training loss on crafted stage outputs, and the shrinkage loss against its closed form."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.test_siamese_decode import GRID, RATIO_1, RATIO_3, index, maps  # noqa: E402
from trackers.base import TrackerError  # noqa: E402
from trackers.siamese.anchors import anchor_grid  # noqa: E402
from trackers.siamese.cascade.config import CASCADE_VARIANTS, CascadeModelConfig  # noqa: E402
from trackers.siamese.cascade.loss import crpn_loss, sctrpn_loss  # noqa: E402
from trackers.siamese.cascade.model import build_cascade_model  # noqa: E402
from trackers.siamese.cascade.shrinkage import shrinkage_loss  # noqa: E402
from trackers.siamese.cascade.stages import stage_step  # noqa: E402
from trackers.siamese.config import AnchorConfig  # noqa: E402

TARGET = np.array([[-75.0, -75.0, 75.0, 75.0]])  # a 150x150 target on the crop centre: no anchor overlaps it by 0.3
MOVED = index(RATIO_1, 8, 8)  # stage 1 moves this 64x64 anchor onto the target
FAR = index(RATIO_3, 2, 2)  # survives stage 1 where it is, far from the target


def outputs(stage_maps: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(torch.tensor(c[None], dtype=torch.float64, requires_grad=True),
             torch.tensor(l[None], dtype=torch.float64, requires_grad=True)) for c, l in stage_maps]


def two_stages(moved_height: float = 150.0, stage2_dx: float = 0.0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    grow = (0.0, 0.0, math.log(150 / 64), math.log(moved_height / 64))
    first = maps({(RATIO_1, 8, 8): 0.9, (RATIO_3, 2, 2): 0.5}, {(RATIO_1, 8, 8): grow})
    second = maps({(RATIO_1, 8, 8): 0.8}, {(RATIO_1, 8, 8): (stage2_dx, 0.0, 0.0, 0.0)})
    return outputs([first, second])


def shrinkage_closed_form(p: np.ndarray, a: float = 10.0, c: float = 0.2) -> np.ndarray:
    """SCTRPN Eq. 10 with p the probability of the labelled class."""
    return -np.log(p) / (1 + np.exp(a * c) * p**a)


def test_stage_two_labels_follow_the_refined_surviving_anchors():
    loss = crpn_loss(two_stages(), GRID, TARGET, np.random.default_rng(0))
    first, second = loss.labels
    assert not (first == 1).any()  # no predefined anchor overlaps the 150x150 target by 0.6
    assert second[0, MOVED] == 1 and second[0, FAR] == 0
    assert (np.delete(second[0], [MOVED, FAR]) == -1).all()  # everything stage 1 dropped is never labelled
    assert loss.alive == (len(GRID), 2) and loss.positives == (0, 1) and loss.negatives[1] == 1
    assert loss.negatives[0] == 48  # at most 64 samples, at most 16 of them positive


def test_the_iou_thresholds_are_each_papers():
    # stage 1 moves the anchor to 150 x 97.5 on the target: IoU 0.65, positive above 0.6, ignored below 0.7
    stages = two_stages(moved_height=97.5)
    assert crpn_loss(stages, GRID, TARGET, np.random.default_rng(0)).labels[1][0, MOVED] == 1
    assert sctrpn_loss(stages, GRID, TARGET, np.random.default_rng(0)).labels[1][0, MOVED] == -1


def test_stage_two_regresses_from_the_refined_anchor():
    exact = crpn_loss(two_stages(stage2_dx=0.0), GRID, TARGET, np.random.default_rng(0))
    assert exact.stages[1].loc.item() == 0.0  # the refined anchor is the target: its targets are 0
    off = crpn_loss(two_stages(stage2_dx=0.5), GRID, TARGET, np.random.default_rng(0))
    assert off.stages[1].loc.item() == pytest.approx(0.5 * 0.5**2 / (1 + 1e-6))  # smooth L1 (beta 1), 1 / positives


def test_each_stage_is_classification_plus_lambda_regression_and_the_total_their_sum():
    stages = two_stages(stage2_dx=0.5)
    loss = crpn_loss(stages, GRID, TARGET, np.random.default_rng(0))
    fg2 = 0.8
    assert loss.stages[1].cls.item() == pytest.approx(0.5 * -math.log(fg2) + 0.5 * -math.log(0.99))
    bg1 = 1 - 0.5 * (1 + np.tanh(0.5 * (stages[0][0][0, 5:] - stages[0][0][0, :5]).detach().numpy().reshape(-1)))
    assert loss.stages[0].cls.item() == pytest.approx(0.5 * np.mean(-np.log(bg1[loss.labels[0][0] == 0])))
    weighted = dataclasses.replace(CASCADE_VARIANTS["crpn"].loss, loc_weight=3.0)
    heavy = crpn_loss(stages, GRID, TARGET, np.random.default_rng(0), weighted)
    for part in heavy.stages:
        assert part.total.item() == pytest.approx(part.cls.item() + 3.0 * part.loc.item())
    assert heavy.total.item() == pytest.approx(sum(part.total.item() for part in heavy.stages))


def test_sctrpn_classifies_with_the_shrinkage_loss():
    loss = sctrpn_loss(two_stages(), GRID, TARGET, np.random.default_rng(0))
    want = 0.5 * shrinkage_closed_form(np.array(0.8)) + 0.5 * shrinkage_closed_form(np.array(0.99))
    assert loss.stages[1].cls.item() == pytest.approx(float(want))


def test_the_shrinkage_loss_is_eq_10_and_spares_only_easy_examples():
    p = np.array([1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999])
    ours = shrinkage_loss(torch.log(torch.tensor(p, dtype=torch.float64))).numpy()
    np.testing.assert_allclose(ours, shrinkage_closed_form(p), rtol=1e-12)
    weight = ours / -np.log(p)  # the modulating factor f(l) of Eq. 8
    assert weight[-1] == pytest.approx(1 / (1 + math.exp(2.0)), rel=1e-4)  # easy: 0.119 of the log loss
    assert (weight[:3] > 0.9999).all() and weight[3] > 0.9999  # hard (l > 1.2): the log loss unchanged
    assert weight[4] == pytest.approx(1 / (1 + math.exp(10 * (0.2 - math.log(2)))))  # l = 0.69 > 0.5: barely shrunk
    assert (np.diff(weight) <= 0).all() and (np.diff(weight[2:]) < 0).all()  # the easier, the smaller the weight


def test_gradients_reach_every_stage_and_fusion_block():
    variant = CASCADE_VARIANTS["sctrpn"]
    variant = dataclasses.replace(variant, model=CascadeModelConfig(fusion="stn", width_mult=0.125))
    torch.manual_seed(0)
    model = build_cascade_model(variant).train()
    generator = torch.Generator().manual_seed(1)
    z, x = torch.rand(2, 3, 127, 127, generator=generator) * 255, torch.rand(2, 3, 255, 255, generator=generator) * 255
    anchors = anchor_grid(AnchorConfig(), 17)
    anchors[:, :2] += 127  # pysot's frame: the centre of the 255 crop
    boxes = np.array([[100.0, 90.0, 160.0, 170.0], [120.0, 110.0, 140.0, 150.0]])
    loss = sctrpn_loss(model(z, x), anchors, boxes, np.random.default_rng(0))
    assert len(loss.stages) == 3 and torch.isfinite(loss.total)
    loss.total.backward()
    for name in ("rpn1", "fuse2", "rpn2", "fuse3", "rpn3", "backbone"):
        grads = [p.grad for p in getattr(model, name).parameters()]
        assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0, name


def test_sampling_follows_the_generator():
    stages = two_stages()
    one, two = (crpn_loss(stages, GRID, TARGET, np.random.default_rng(7)) for _ in range(2))
    assert all((a == b).all() for a, b in zip(one.labels, two.labels))
    other = crpn_loss(stages, GRID, TARGET, np.random.default_rng(8))
    assert not (other.labels[0] == one.labels[0]).all()


@pytest.mark.parametrize(("boxes", "complaint"), [
    (np.array([[10.0, 10.0, 5.0, 20.0]]), "x2 > x1"),
    (np.zeros((2, 4)), "expected \\(B, 2k, S, S\\)"),
])
def test_bad_inputs_are_named(boxes: np.ndarray, complaint: str):
    with pytest.raises(TrackerError, match=complaint):
        crpn_loss(two_stages(), GRID, boxes, np.random.default_rng(0))
    with pytest.raises(TrackerError, match="anchors"):
        crpn_loss(two_stages(), GRID[:-1], TARGET, np.random.default_rng(0))


def shaped(cls_channels: int = 10, loc_channels: int = 20, size: int = 17, batch: int = 1):
    return [(torch.zeros(batch, cls_channels, size, size), torch.zeros(batch, loc_channels, size, size))]


@pytest.mark.parametrize(("outputs", "boxes", "complaint"), [
    ([], TARGET, "no stage outputs given"),
    (shaped(loc_channels=21), TARGET, "stage 1 maps cls \\(1, 10, 17, 17\\), loc \\(1, 21, 17, 17\\)"),
    (shaped(cls_channels=9, loc_channels=18), TARGET, "stage 1 maps cls \\(1, 9, 17, 17\\)"),
    (shaped() + shaped(loc_channels=10), TARGET, "stage 2 maps"),
    (shaped(), np.array([[np.nan, 0.0, 10.0, 10.0]]), "finite corners"),
    (shaped(), np.array([[0.0, 10.0, 10.0, 10.0]]), "y2 > y1"),
    (shaped(), np.array([[10.0, 0.0, 10.0, 10.0]]), "x2 > x1"),
])
def test_every_bad_input_is_named(outputs, boxes: np.ndarray, complaint: str):
    with pytest.raises(TrackerError, match=complaint):
        crpn_loss(outputs, GRID, boxes, np.random.default_rng(0))


def test_a_batch_counts_and_labels_each_pair_on_its_own():
    """Two pairs with the same maps; the second's target is the first's moved 40 px right, where the
    anchor stage 1 moves overlaps it by 0.58: ignored, not positive. Counts are the pairs' sums, and
    each pair's stage-2 labels (no sampling: two candidates) are what it gets alone."""
    one = two_stages()
    batch = [(torch.cat([c, c]), torch.cat([l, l])) for c, l in one]
    targets = np.concatenate([TARGET, TARGET + [40.0, 0.0, 40.0, 0.0]])
    both = crpn_loss(batch, GRID, targets, np.random.default_rng(0))
    alone = [crpn_loss(one, GRID, targets[i : i + 1], np.random.default_rng(0)) for i in range(2)]
    assert both.alive == tuple(a + b for a, b in zip(alone[0].alive, alone[1].alive)) == (2 * len(GRID), 4)
    assert both.positives[1] == 1 and both.labels[0].dtype == np.int8
    for i in range(2):
        assert (both.labels[1][i] == alone[i].labels[1][0]).all()
    assert both.labels[1][0, MOVED] == 1 and both.labels[1][1, MOVED] == -1


def test_float32_anchors_and_targets_are_read_as_their_float64_values():
    """Inputs in float32 are taken at their float64 values before any arithmetic: the same loss, bit
    for bit, as from float64 copies of them (values chosen so that float32 arithmetic would round)."""
    anchors = (GRID + 0.1).astype(np.float32)
    boxes = (TARGET + [[0.3, -0.7, 0.1, 0.9]]).astype(np.float32)
    narrow = crpn_loss(two_stages(moved_height=97.5, stage2_dx=0.5), anchors, boxes, np.random.default_rng(0))
    wide = crpn_loss(two_stages(moved_height=97.5, stage2_dx=0.5), anchors.astype(np.float64), boxes.astype(np.float64),
                     np.random.default_rng(0))
    assert [part.total.item() for part in narrow.stages] == [part.total.item() for part in wide.stages]
    assert all((a == b).all() for a, b in zip(narrow.labels, wide.labels))


def test_regression_targets_are_stored_in_float32_as_pysots_anchor_target_stores_them():
    # Stage 1 makes the anchor 150 x 97.5 on the 150 x 150 target: its one stage-2 target is
    # dh = log(150 / 97.5), weighted 1 / (1 + 1e-6), both as float32; smooth L1 (beta 1) of it.
    stages = two_stages(moved_height=97.5)
    loss = crpn_loss(stages, GRID, TARGET, np.random.default_rng(0))
    refined = stage_step(stages[0][0][0].detach().numpy(), stages[0][1][0].detach().numpy(), GRID, np.ones(len(GRID), bool),
                         0.95).refined[MOVED]
    dh, weight = np.float32(math.log(150 / refined[3])), np.float32(1 / (1 + 1e-6))
    assert loss.labels[1][0, MOVED] == 1 and dh > 0.4
    assert loss.stages[1].loc.item() == pytest.approx(float(weight) * 0.5 * float(dh) ** 2, rel=1e-12, abs=0)


def test_a_bfloat16_network_gets_a_bfloat16_loss():
    low = [(c.detach().to(torch.bfloat16).requires_grad_(), l.detach().to(torch.bfloat16).requires_grad_())
           for c, l in two_stages(moved_height=97.5, stage2_dx=0.5)]
    loss = crpn_loss(low, GRID, TARGET, np.random.default_rng(0))
    assert loss.total.dtype == loss.stages[1].loc.dtype == torch.bfloat16


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_outputs_on_cuda_give_the_cpu_loss():
    stages = two_stages(moved_height=97.5, stage2_dx=0.5)
    on_gpu = [(c.detach().cuda(), l.detach().cuda()) for c, l in stages]
    gpu, cpu = (crpn_loss(s, GRID, TARGET, np.random.default_rng(0)) for s in (on_gpu, stages))
    assert gpu.total.device.type == "cuda" and gpu.total.item() == pytest.approx(cpu.total.item(), rel=1e-12)


def test_an_anchor_without_area_does_not_poison_the_loss():
    anchors = GRID.copy()
    anchors[FAR, 2] = 0.0  # its regression target is log(w / 0): never used, since it is no positive
    loss = crpn_loss(two_stages(stage2_dx=0.5), anchors, TARGET, np.random.default_rng(0))
    assert torch.isfinite(loss.total) and loss.total.item() == pytest.approx(
        crpn_loss(two_stages(stage2_dx=0.5), GRID, TARGET, np.random.default_rng(0)).total.item(), rel=1e-3)


def test_the_loss_settings_reach_the_loss():
    custom = dataclasses.replace(CASCADE_VARIANTS["sctrpn"].loss, pos_iou=0.6, shrink_a=5.0, shrink_c=0.5, loc_beta=0.0)
    loss = sctrpn_loss(two_stages(stage2_dx=0.5), GRID, TARGET, np.random.default_rng(0), custom)
    want = 0.5 * shrinkage_closed_form(np.array(0.8), 5.0, 0.5) + 0.5 * shrinkage_closed_form(np.array(0.99), 5.0, 0.5)
    assert loss.stages[1].cls.item() == pytest.approx(float(want))
    assert loss.stages[1].loc.item() == pytest.approx(0.5 / (1 + 1e-6))  # plain L1 of the 0.5 offset, 1 / positives
