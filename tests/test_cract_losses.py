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
from trackers.cract.model import build_model  # noqa: E402
from trackers.siamese.anchors import anchor_grid  # noqa: E402
from trackers.siamese.config import AnchorConfig  # noqa: E402
from trackers.siamese.targets import encode  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
GT = np.array([100.0, 100.0, 130.0, 130.0])  # corners: a 30x30 box centred on (115, 115)


def shifted_pool() -> tuple[np.ndarray, np.ndarray]:
    """30x30 boxes slid right by d pixels: IoU = (30 - d) / (30 + d) exactly, 0.5 at d = 10."""
    shifts = np.concatenate([np.arange(10.0), np.full(10, 10.0), np.linspace(11, 60, 40)])
    boxes = np.stack([115 + shifts, np.full_like(shifts, 115.0), np.full_like(shifts, 30.0), np.full_like(shifts, 30.0)], 1)
    return boxes, (30 - np.minimum(shifts, 30)) / (30 + shifts)


def test_proposals_are_labelled_at_iou_0_5_and_capped_at_16_and_32():
    boxes, overlap = shifted_pool()
    reg = label_and_sample(boxes, GT, np.random.default_rng(0), REGRESSION_MAX, REGRESSION_MAX, positives_only=True)
    assert len(reg.boxes) == 10 and (reg.labels == 1).all()  # all 10 positives (d < 10), no negative
    ide = label_and_sample(boxes, GT, np.random.default_rng(0), 16, IDENTIFIER_MAX, positives_only=False)
    ide_overlap = (30 - np.minimum(ide.boxes[:, 0] - 115, 30)) / (30 + ide.boxes[:, 0] - 115)
    assert (ide.labels == 1).sum() == 10 and (ide.labels == 0).sum() == 16  # 40 negatives, 16 kept
    assert (ide_overlap[ide.labels == 1] > 0.5).all() and (ide_overlap[ide.labels == 0] < 0.5).all()
    assert not np.isclose(ide.boxes[:, 0], 125.0).any()  # IoU exactly 0.5: neither
    many = np.concatenate([boxes[:10]] * 4)  # 40 positives
    assert len(label_and_sample(many, GT, np.random.default_rng(0), 16, 16, True).boxes) == 16
    assert (label_and_sample(many, GT, np.random.default_rng(0), 16, 32, False).labels == 1).sum() == 16
    again = label_and_sample(boxes, GT, np.random.default_rng(0), 16, IDENTIFIER_MAX, positives_only=False)
    other = label_and_sample(boxes, GT, np.random.default_rng(5), 16, IDENTIFIER_MAX, positives_only=False)
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
    # Eq. 4's offsets of a proposal to the truth take the proposal onto the truth.
    proposal = np.array([[118.0, 112.0, 36.0, 26.0]])
    assert refine(proposal, encode(proposal, GT)) == pytest.approx(to_centre(GT)[None])


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
