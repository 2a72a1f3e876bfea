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


def test_the_colour_cue_is_the_mean_over_the_pixels_each_box_covers_by_a_direct_loop():
    """Against the definition read pixel by pixel: pixel i counts when x1 <= i < x2 (rows alike),
    within the image; a box that holds none scores 0. Corners land on and between pixels, inside,
    across and beyond every border."""
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (30, 40))
    corners = np.concatenate([rng.integers(-8, 48, (150, 2)), rng.integers(-8, 48, (150, 2))], axis=1).astype(float)
    corners[::3] += rng.uniform(0, 1, (50, 4))
    corners[:, 2:] = np.maximum(corners[:, 2:], corners[:, :2] - 2)  # a few empty or inverted boxes too
    want = []
    for x1, y1, x2, y2 in corners:
        cols = [i for i in range(40) if x1 <= i < x2]
        rows = [i for i in range(30) if y1 <= i < y2]
        want.append(image[np.ix_(rows, cols)].mean() if rows and cols else 0.0)
    # The integral image sums in another order: 1e-12 absolute on means of values below 1.
    np.testing.assert_allclose(colour_cue(image, corners), want, rtol=0, atol=1e-12)


def test_contours_inside_counts_the_rectangles_wholly_inside_by_a_direct_loop():
    rng = np.random.default_rng(1)
    contours = np.sort(rng.integers(0, 20, (60, 2, 2)), axis=1).transpose(0, 2, 1).reshape(60, 4).astype(float)
    boxes = np.sort(rng.integers(0, 20, (80, 2, 2)), axis=1).transpose(0, 2, 1).reshape(80, 4).astype(float)
    want = [sum(c[0] >= b[0] and c[1] >= b[1] and c[2] <= b[2] and c[3] <= b[3] for c in contours) for b in boxes]
    assert contours_inside(contours, boxes).tolist() == want
    assert contours_inside(contours[:1], contours[:1]).tolist() == [1]  # touching every side still counts


def test_a_contours_rectangle_runs_from_its_first_to_its_last_edge_pixel():
    crop = np.full((CROP, CROP, 3), 90, np.uint8)
    cv2.rectangle(crop, (40, 60), (90, 75), (250, 250, 250), thickness=-1)  # one filled block: one ring of edges
    ys, xs = np.nonzero(cv2.Canny(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), 100, 200))
    boxes = contour_boxes(crop)
    assert len(boxes) >= 1
    assert (boxes == [xs.min(), ys.min(), xs.max(), ys.max()]).all()
    assert contour_boxes(np.full((CROP, CROP, 3), 90, np.uint8)).shape == (0, 4)


@pytest.mark.parametrize(("score_size", "crop"), [(17, 255), (21, 287), (17, 101), (5, 255)])
def test_the_response_image_spreads_each_cells_best_survivor_over_its_pixels(score_size: int, crop: int):
    """Cell (r, c) is centred on crop pixel (crop - 1) / 2 + 8 (c - S // 2) and covers the pixels x with
    centre - 4 <= x < centre + 4 (rows alike); a map wider than the crop is cut at its edges."""
    rng = np.random.default_rng(score_size + crop)
    scores = rng.uniform(0, 1, K * score_size * score_size)
    alive = rng.uniform(size=scores.size) < 0.6
    best = np.where(alive, scores, 0.0).reshape(K, score_size, score_size).max(axis=0)
    want = np.zeros((crop, crop))
    for y in range(crop):
        for x in range(crop):
            r = math.floor((y - (crop - 1) / 2 + STRIDE / 2) / STRIDE) + score_size // 2
            c = math.floor((x - (crop - 1) / 2 + STRIDE / 2) / STRIDE) + score_size // 2
            if 0 <= r < score_size and 0 <= c < score_size:
                want[y, x] = best[r, c]
    np.testing.assert_array_equal(response_image(scores, alive, score_size, STRIDE, crop), want)


def test_equal_cues_keep_the_lowest_indices():
    boxes = np.column_stack([np.arange(40) * 100.0, np.zeros(40), np.full(40, 10.0), np.full(40, 10.0)])  # apart
    cues = np.tile([0.5, 0.9, 0.5, 0.1], 10)
    kept = rerank(boxes, cues, np.ones(40, bool), top=12, iou_threshold=0.7)
    assert np.flatnonzero(kept).tolist() == sorted([*range(1, 40, 4), 0, 2])  # ten at 0.9, then the first two at 0.5


def test_a_one_pixel_box_takes_its_pixels_value():
    image = np.arange(12.0).reshape(3, 4)
    assert colour_cue(image, np.array([[2.0, 1.0, 3.0, 2.0], [0.5, 1.5, 1.5, 2.5]])).tolist() == [6.0, 9.0]


def test_every_contour_is_listed_and_edges_take_cannys_two_thresholds_on_the_grey_crop():
    one = np.full((CROP, CROP, 3), 90, np.uint8)
    cv2.rectangle(one, (40, 60), (90, 75), (250, 250, 250), thickness=-1)
    assert len(contour_boxes(one)) == 2  # the ring of edges has an outer and an inner boundary: both listed
    # A block whose left half steps 60 grey levels up (strong edges) and right half 20 (weak, below 100):
    # hysteresis keeps the strong part only; a low threshold of 0 or a high one of 0 would keep it all.
    stepped = np.full((CROP, CROP, 3), 90, np.uint8)
    stepped[60:100, 40:80], stepped[60:100, 80:120] = 150, 110
    boxes = contour_boxes(stepped)
    assert boxes.dtype == np.float64 and (boxes[:, 2].max(), boxes[:, 0].min()) == (80.0, 39.0)
    # Two colours of one grey level (59): no edge between them, though every channel steps.
    colours = np.zeros((CROP, CROP, 3), np.uint8)
    colours[:], colours[50:150, 50:150] = (0, 100, 0), (0, 0, 196)
    assert contour_boxes(colours).shape == (0, 4)


def test_float_inputs_of_any_precision_are_read_as_float64():
    boxes = np.array([[0.1, -3.3, 10.7, 20.9]], np.float32)
    np.testing.assert_array_equal(crop_corners(boxes, CROP), crop_corners(boxes.astype(np.float64), CROP))
    assert shape_cue(np.array([1, 3], np.float32), 2.5).tolist() == [math.exp(-1.5), math.exp(-0.5)]


def test_the_kept_proposals_are_a_boolean_mask():
    kept = rerank(np.array([[0.0, 0, 10, 10], [50, 0, 10, 10]]), np.array([0.2, 0.9]), np.array([True, True]), 5, 0.7)
    assert kept.dtype == bool and kept.tolist() == [True, True]
