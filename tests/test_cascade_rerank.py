"""SCTRPN's re-ranking cues, each on inputs whose answer is known (no torch)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from trackers.siamese.cascade.rerank import (
    colour_cue, contour_boxes, contours_inside, crop_corners, rerank, response_image, shape_cue, size_cue,
)

K, S, STRIDE, CROP = 5, 17, 8, 255


def test_centre_relative_boxes_land_on_the_crop_grid():
    corners = crop_corners(np.array([[0.0, 0.0, 10.0, 20.0], [-8.0, 16.0, 4.0, 4.0]]), CROP)
    assert corners.tolist() == [[122.0, 117.0, 132.0, 137.0], [117.0, 141.0, 121.0, 145.0]]


def test_the_shape_cue_counts_the_contours_a_box_encloses():
    crop = np.zeros((CROP, CROP, 3), np.uint8)
    for x0, y0 in ((20, 20), (60, 20), (200, 200)):
        cv2.rectangle(crop, (x0, y0), (x0 + 20, y0 + 20), (255, 255, 255), thickness=-1)
    contours = contour_boxes(crop)
    one = contours_inside(contours, np.array([[15.0, 15.0, 45.0, 45.0]]))[0]
    assert one >= 1
    boxes = np.array([[15.0, 15.0, 85.0, 45.0], [100.0, 100.0, 150.0, 150.0], [0.0, 0.0, 254.0, 254.0],
                      [15.0, 15.0, 30.0, 45.0]])  # two squares; none; all three; half of one
    assert contours_inside(contours, boxes).tolist() == [2 * one, 0, 3 * one, 0]
    assert shape_cue(np.array([2 * one, one, 0]), target_count=2 * one).tolist() == pytest.approx(
        [1.0, math.exp(-one), math.exp(-2 * one)])


def test_the_colour_cue_is_the_mean_response_over_the_box():
    scores = np.zeros(K * S * S)
    scores[2 * S * S + 8 * S + 8] = 0.8  # ratio-1 anchor at the centre cell
    scores[0 * S * S + 8 * S + 8] = 0.6  # another anchor at the same cell: the cell keeps the best
    scores[1 * S * S + 0 * S + 0] = 0.9  # a corner cell, dead
    alive = np.ones(K * S * S, bool)
    alive[1 * S * S] = False
    image = response_image(scores, alive, S, STRIDE, CROP)
    assert image.shape == (CROP, CROP) and image.max() == 0.8 and image.sum() == pytest.approx(0.8 * 64)
    cell = crop_corners(np.array([[0.0, 0.0, 8.0, 8.0]]), CROP)  # exactly the centre cell's 8 x 8 pixels
    wide = crop_corners(np.array([[4.0, 0.0, 16.0, 8.0]]), CROP)  # it and its right neighbour
    away = crop_corners(np.array([[-100.0, -100.0, 8.0, 8.0]]), CROP)  # outside the score map
    outside = np.array([[300.0, 300.0, 310.0, 310.0]])  # outside the crop: no pixel
    assert colour_cue(image, np.concatenate([cell, wide, away, outside])).tolist() == pytest.approx([0.8, 0.4, 0.0, 0.0])


def test_the_size_cue_is_relative_to_the_target():
    target = np.array([40.0, 80.0])
    boxes = np.array([[40.0, 80.0], [80.0, 80.0], [20.0, 40.0], [400.0, 800.0]])
    assert size_cue(boxes, target).tolist() == pytest.approx([1.0, math.exp(-1), math.exp(-1), math.exp(-18)])


def test_rerank_keeps_the_best_surviving_cues_then_suppresses_overlaps():
    boxes = np.array([[0, 0, 50, 50], [2, 0, 50, 50], [60, 0, 50, 50], [0, 70, 50, 50], [120, 0, 50, 50]], float)
    cues = np.array([0.9, 0.95, 0.5, 0.4, 0.99])
    alive = np.array([True, True, True, True, False])
    kept = rerank(boxes, cues, alive, top=3, iou_threshold=0.5)
    # the dead best is out; of the top three alive (1, 0, 2), box 0 overlaps box 1
    assert np.flatnonzero(kept).tolist() == [1, 2]
    assert np.flatnonzero(rerank(boxes, cues, alive, top=10, iou_threshold=1.0)).tolist() == [0, 1, 2, 3]
