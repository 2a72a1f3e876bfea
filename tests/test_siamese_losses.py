"""The RPN loss against the values pysot's own loss code computed (../shared/realdata/golden/training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trackers.siamese.losses import rpn_log_softmax, rpn_loss, select_cross_entropy
from tests.conftest import realdata_path


@pytest.fixture(scope="module")
def golden():
    return np.load(realdata_path("golden", "training", "losses.npz"))


def test_every_golden_batch(golden):
    for b, kind in enumerate(golden["kind"]):
        out = rpn_loss(
            torch.from_numpy(golden["cls"][b]), torch.from_numpy(golden["loc"][b]),
            torch.from_numpy(golden["label_cls"][b].astype(np.int64)), torch.from_numpy(golden["label_loc"][b]),
            torch.from_numpy(golden["label_loc_weight"][b]),
        )
        for name, value in (("cls", out.cls), ("loc", out.loc), ("total", out.total)):
            want = float(golden[f"{name}_loss"][b])
            assert float(value) == pytest.approx(want, rel=1e-5, abs=1e-6), (b, kind, name)


def test_positive_and_negative_terms_separately(golden):
    for b in range(len(golden["kind"])):
        log_probs = rpn_log_softmax(torch.from_numpy(golden["cls"][b]))
        labels = torch.from_numpy(golden["label_cls"][b].astype(np.int64))
        pos_only = torch.where(labels == 0, -1, labels)
        neg_only = torch.where(labels == 1, -1, labels)
        assert 2 * float(select_cross_entropy(log_probs, pos_only)) == pytest.approx(
            float(golden["cls_loss_pos_term"][b]), rel=1e-5, abs=1e-6)
        assert 2 * float(select_cross_entropy(log_probs, neg_only)) == pytest.approx(
            float(golden["cls_loss_neg_term"][b]), rel=1e-5, abs=1e-6)


def test_gradients_reach_both_outputs():
    cls = torch.zeros(2, 10, 5, 5, requires_grad=True)
    loc = torch.zeros(2, 20, 5, 5, requires_grad=True)
    labels = torch.full((2, 5, 5, 5), -1)
    labels[:, 0, :2, :2] = 1
    labels[:, 1, 3:, 3:] = 0
    weights = (labels == 1).float() / 4
    rpn_loss(cls, loc, labels, torch.ones(2, 4, 5, 5, 5), weights).total.backward()
    assert cls.grad.abs().sum() > 0 and loc.grad.abs().sum() > 0
