"""CRACT's offline training loss: proposal sampling on crafted boxes of known IoU, the loss terms
against direct formulas, and one batch through the thin network (values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trackers.cract.boxes import refine, to_centre  # noqa: E402
from trackers.cract.config import VARIANTS  # noqa: E402
from trackers.cract.losses import (  # noqa: E402
    IDENTIFIER_MAX,
    REGRESSION_MAX,
    identification_loss,
    label_and_sample,
    proposal_pool,
    regression_loss,
    training_losses,
)
from trackers.cract.model import CRACTTemplate, SearchOutputs, build_model  # noqa: E402
from trackers.siamese.anchors import anchor_grid  # noqa: E402
from trackers.siamese.config import AnchorConfig  # noqa: E402
from trackers.siamese.targets import anchor_targets, encode  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
GT = np.array([100.0, 100.0, 130.0, 130.0])  # corners: a 30x30 box centred on (115, 115)


def shifted_pool() -> tuple[np.ndarray, np.ndarray]:
    """30x30 boxes slid right by d pixels: IoU = (30 - d) / (30 + d) exactly, 0.5 at d = 10."""
    shifts = np.concatenate([np.arange(10.0), np.full(10, 10.0), np.linspace(11, 60, 40)])
    boxes = np.stack([115 + shifts, np.full_like(shifts, 115.0), np.full_like(shifts, 30.0), np.full_like(shifts, 30.0)], 1)
    return boxes, (30 - np.minimum(shifts, 30)) / (30 + shifts)


def test_proposals_are_labelled_at_iou_0_5_and_capped_at_16_and_32():
    boxes, overlap = shifted_pool()
    reg = label_and_sample(boxes, GT, np.random.default_rng(0), REGRESSION_MAX, REGRESSION_MAX)
    assert len(reg.boxes) == 10 and (reg.labels == 1).all()  # all 10 positives (d < 10), no negative
    ide = label_and_sample(boxes, GT, np.random.default_rng(0), 16, IDENTIFIER_MAX)
    every = label_and_sample(boxes, GT, np.random.default_rng(0), 16, 100)
    assert sorted(every.labels) == [0] * 40 + [1] * 10  # below 0.5 is background, however far below
    ide_overlap = (30 - np.minimum(ide.boxes[:, 0] - 115, 30)) / (30 + ide.boxes[:, 0] - 115)
    assert (ide.labels == 1).sum() == 10 and (ide.labels == 0).sum() == 16  # 40 negatives, 16 kept
    assert (ide_overlap[ide.labels == 1] > 0.5).all() and (ide_overlap[ide.labels == 0] < 0.5).all()
    assert not np.isclose(ide.boxes[:, 0], 125.0).any()  # IoU exactly 0.5: neither
    many = np.concatenate([boxes[:10]] * 4)  # 40 positives
    assert len(label_and_sample(many, GT, np.random.default_rng(0), 16, 16).boxes) == 16
    assert (label_and_sample(many, GT, np.random.default_rng(0), 16, 32).labels == 1).sum() == 16
    again = label_and_sample(boxes, GT, np.random.default_rng(0), 16, IDENTIFIER_MAX)
    other = label_and_sample(boxes, GT, np.random.default_rng(5), 16, IDENTIFIER_MAX)
    assert np.array_equal(again.boxes, ide.boxes) and not np.array_equal(other.boxes, ide.boxes)
    assert overlap[9] > 0.5 and overlap[10] == 0.5 and overlap[20] < 0.5


def test_the_pool_holds_the_rpns_best_after_nms_and_jittered_truths():
    anchors = anchor_grid(AnchorConfig(), 25) + np.array([127.0, 127.0, 0, 0])
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(10, 25, 25))
    deltas = rng.normal(scale=0.1, size=(20, 25, 25))
    pool = proposal_pool(logits, deltas, anchors, GT, rng)
    assert pool.shape == (64 + 16, 4)
    jitters = pool[64:]
    assert np.abs(jitters[:, :2] - 115).max() < 30 and np.all(jitters[:, 2:] > 10)


def test_the_loss_terms_match_their_formulas():
    predicted = torch.tensor([[0.0, 0.2, -0.05, 0.5], [0.1, 0.1, 0.1, 0.1]])
    targets = torch.tensor([[0.05, 0.0, 0.0, 0.0], [0.1, 0.1, 0.1, 0.1]])
    beta = 1 / 9
    diff = (predicted - targets).abs()
    expected = torch.where(diff < beta, 0.5 * diff**2 / beta, diff - 0.5 * beta).sum() / 2
    assert float(regression_loss(predicted, targets)) == pytest.approx(float(expected))
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.5], [-3.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    expected = -np.mean([np.log(np.exp(2) / (np.exp(2) + np.exp(-1))), np.log(0.5), np.log(np.exp(1) / (np.exp(-3) + np.exp(1)))])
    assert float(identification_loss(logits, labels)) == pytest.approx(expected)
    assert float(regression_loss(predicted[:0], targets[:0])) == 0.0
    assert float(identification_loss(logits[:0], labels[:0])) == 0.0
    assert float(identification_loss(logits[:1], labels[:1])) == pytest.approx(-np.log(np.exp(2) / (np.exp(2) + np.exp(-1))))
    # Eq. 4's offsets of a proposal to the truth take the proposal onto the truth.
    proposal = np.array([[118.0, 112.0, 36.0, 26.0]])
    assert refine(proposal, encode(proposal, GT)) == pytest.approx(to_centre(GT)[None])
    # In float64 whatever the proposals' type (float32 boxes would lose 1e-5 px at 100 px).
    offsets = np.array([[0.1, -0.2, 0.3, -0.1]], np.float32)
    refined = refine(np.array([[118.3, 112.7, 36.1, 26.9]], np.float32), offsets)
    expected = refine(np.array([[118.3, 112.7, 36.1, 26.9]], np.float32).astype(np.float64), offsets)
    assert refined.dtype == np.float64 and np.array_equal(refined, expected)


def test_one_batch_through_the_thin_network():
    torch.manual_seed(0)
    model = build_model(VARIANTS["cract-thin"]).train()
    generator = torch.Generator().manual_seed(0)
    z, x = torch.rand(2, 3, 127, 127, generator=generator) * 255, torch.rand(2, 3, 255, 255, generator=generator) * 255
    z_boxes = torch.tensor([[63.0, 63.0, 50.0, 40.0], [63.0, 63.0, 30.0, 60.0]])
    gt = np.array([[100.0, 110.0, 160.0, 150.0], [120.0, 90.0, 150.0, 170.0]])
    template, search = model(z, z_boxes, x)
    loss = training_losses(model, template, search, gt, np.random.default_rng(0))
    assert torch.equal(loss.total, loss.rpn + loss.reg + loss.ide)
    assert loss.rpn.item() == pytest.approx((loss.rpn_cls + 1.2 * loss.rpn_loc).item())
    assert all(torch.isfinite(t) and t > 0 for t in (loss.rpn, loss.reg, loss.ide))
    assert 0 < loss.regression_samples <= 2 * REGRESSION_MAX
    assert 0 < loss.identifier_positives <= 2 * 16 and loss.identifier_positives + loss.identifier_negatives <= 2 * IDENTIFIER_MAX
    # An untrained identifier says 50/50: its cross entropy starts at log 2.
    assert loss.ide.item() == pytest.approx(np.log(2), abs=0.05)
    loss.total.backward()
    for part in ("backbone", "fusion", "adjust", "rpn_head", "regressor", "identifier"):
        grads = [p.grad for p in getattr(model, part).parameters()]
        assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0, part
    again = training_losses(model, template, search, gt, np.random.default_rng(0))
    assert again.total.item() == loss.total.item()
    with pytest.raises(ValueError, match=r"gt must be \(B, 4\)"):
        training_losses(model, template, search, gt[:1], np.random.default_rng(0))


def crafted_batch(cls: torch.Tensor) -> tuple[object, CRACTTemplate, SearchOutputs]:
    """The thin network (seeded; the heads' last layers drawn 30 times wider than at initialisation,
    so that their outputs, and the losses, feel the last bits of their inputs) and a batch of pairs
    whose RPN maps are `cls` and zero offsets: phi_34 and f_init drawn at random (each its own)."""
    torch.manual_seed(0)
    model = build_model(VARIANTS["cract-thin"])
    with torch.no_grad():
        model.regressor.fc3.weight.mul_(30)
        model.identifier.fc3.weight.mul_(30)
    generator = torch.Generator().manual_seed(1)
    batch = len(cls)
    features = torch.randn(batch, 64, 31, 31, generator=generator)
    template = CRACTTemplate((), torch.randn(batch, 192, 6, 6, generator=generator))
    return model, template, SearchOutputs(features, cls, torch.zeros(batch, 20, 25, 25))


def test_the_rpn_term_of_a_known_case():
    """Zero maps: every anchor says 50/50 (cross entropy log 2) and keeps its own box. A 64x64 target
    on the crop centre (127, 127) matches the 64x64 anchors of the centre cell and of its 8
    neighbours (IoU 1, 0.78, 0.62; 16 px away 0.6, not above), offsets 0 and +-8/64 = 0.125 in x, y:
    pysot's L1 with weight 1/9 each gives (4 x 0.125 + 4 x 0.25) / 9 = 1/6 per pair."""
    model, template, search = crafted_batch(torch.zeros(2, 10, 25, 25))
    gt = np.array([[95.0, 95.0, 159.0, 159.0]] * 2)
    loss = training_losses(model, template, search, gt, np.random.default_rng(0))
    assert loss.rpn_cls.item() == pytest.approx(np.log(2), rel=1e-6)
    assert loss.rpn_loc.item() == pytest.approx(1 / 6, rel=1e-6)
    assert loss.rpn.item() == pytest.approx(np.log(2) + 1.2 / 6, rel=1e-6)


def eq4(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return np.stack([boxes[:, 0] + boxes[:, 2] * offsets[:, 0], boxes[:, 1] + boxes[:, 3] * offsets[:, 1],
                     boxes[:, 2] * np.exp(offsets[:, 2]), boxes[:, 3] * np.exp(offsets[:, 3])], axis=1)


def test_the_crac_terms_follow_section_3_4_pair_by_pair():
    """l_reg and l_ide recomputed here from the paper's recipe, each pair on its own map and f_init:
    the RPN's pool (its best boxes, the truth's jitters) with the random choices drawn in the loss's
    order; up to 16 proposals of IoU > 0.5 regressed, smooth L1 to their Eq. 4 offsets; every
    proposal refined by the current R (Eq. 4) and re-pooled, up to 16 + 16 of them labelled by the
    refined box's IoU, cross entropy of I. In the first two pairs the truth's RPN scores fall with
    the distance from its centre, so more than 16 candidates pass 0.5 and the caps take a random
    choice; the third pair's RPN says nothing, and fewer pass."""
    anchors = anchor_grid(AnchorConfig(), 25) + [127, 127, 0, 0]  # the grid sits on the crop centre
    gt = np.array([[99.0, 95.0, 155.0, 159.0], [60.0, 80.0, 140.0, 150.0], [150.0, 40.0, 190.0, 100.0]])
    cls = torch.zeros(3, 10, 25, 25)
    for b, box in enumerate(gt[:2]):
        centre = (box[:2] + box[2:]) / 2
        cls[b, 5:] = torch.from_numpy(-np.hypot(*(anchors[:, :2] - centre).T).reshape(5, 25, 25) / 10)
    model, template, search = crafted_batch(cls)
    loss = training_losses(model, template, search, gt, np.random.default_rng(7))

    rng = np.random.default_rng(7)
    for box in gt:
        anchor_targets(anchors, box, rng)  # the RPN term's draws come first
    pools = [proposal_pool(cls[b].numpy(), np.zeros((20, 25, 25)), anchors, gt[b], rng) for b in range(3)]
    regressed = [label_and_sample(pool, gt[b], rng, 16, 16) for b, pool in enumerate(pools)]

    def heads(head, sets: list[np.ndarray]) -> torch.Tensor:
        rois = torch.cat([model.pool(search.features[b : b + 1], torch.tensor(boxes, dtype=torch.float32))
                          for b, boxes in enumerate(sets)])
        f_init = torch.cat([template.roi[b : b + 1].expand(len(boxes), -1, -1, -1) for b, boxes in enumerate(sets)])
        return head(rois, f_init)

    predicted = heads(model.regress, [r.boxes for r in regressed])
    reg = regression_loss(predicted, torch.from_numpy(np.concatenate([encode(r.boxes, gt[b]) for b, r in enumerate(regressed)])))
    with torch.no_grad():
        offsets = heads(model.regress, pools).double().numpy()
    refined = np.split(eq4(np.concatenate(pools), offsets), np.cumsum([len(p) for p in pools])[:-1])
    identified = [label_and_sample(boxes, gt[b], rng, 16, 32) for b, boxes in enumerate(refined)]
    logits = heads(model.identify, [i.boxes for i in identified])
    labels = torch.from_numpy(np.concatenate([i.labels for i in identified]))
    ide = identification_loss(logits, labels)  # the terms' formulas: test_the_loss_terms_match_their_formulas

    few = len(regressed[2].boxes)
    assert [len(r.boxes) for r in regressed] == [16, 16, few] and few < 16  # capped where the rng chose
    positives = [int((i.labels == 1).sum()) for i in identified]
    assert positives[:2] == [16, 16] and positives[2] < 16 and len(labels) == 32 + positives[2] + 3 * 16
    assert (loss.regression_samples, loss.identifier_positives, loss.identifier_negatives) == (
        32 + few, 32 + positives[2], 48)
    # The same float32 heads on the same boxes, rows in the same order: the same bits.
    assert torch.equal(loss.reg, reg) and torch.equal(loss.ide, ide)
