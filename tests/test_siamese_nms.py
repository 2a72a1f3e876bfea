"""Greedy NMS on cx, cy, w, h boxes."""

from __future__ import annotations

import numpy as np

from trackers.siamese.nms import nms, pairwise_iou


def test_iou_of_known_boxes():
    box = np.array([0.0, 0.0, 10.0, 10.0])
    others = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 4, 4], [0, 0, 0, 0]], dtype=float)
    np.testing.assert_allclose(pairwise_iou(box, others), [1.0, 50 / 150, 0.0, 0.0])


def test_overlapping_boxes_are_suppressed_in_score_order():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 10, 10], [30, 30, 10, 10], [31, 30, 10, 10], [60, 0, 5, 5]], float)
    scores = np.array([0.5, 0.9, 0.7, 0.2, 0.1])
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [1, 2, 4])
    np.testing.assert_array_equal(nms(boxes, scores, 0.5, max_keep=2), [1, 2])
    # at threshold 1 nothing overlaps enough: every box kept, by score
    np.testing.assert_array_equal(nms(boxes, scores, 1.0), [1, 2, 0, 3, 4])


def test_matches_a_direct_loop_on_random_boxes():
    rng = np.random.default_rng(3)
    boxes = np.column_stack([rng.uniform(0, 50, (200, 2)), rng.uniform(2, 30, (200, 2))])
    scores = rng.uniform(size=200)
    kept, alive = [], list(np.argsort(-scores, kind="stable"))
    while alive:
        best = alive.pop(0)
        kept.append(best)
        alive = [j for j in alive if pairwise_iou(boxes[best], boxes[j : j + 1])[0] <= 0.3]
    np.testing.assert_array_equal(nms(boxes, scores, 0.3), kept)
    assert len(nms(np.empty((0, 4)), np.empty(0), 0.5)) == 0
