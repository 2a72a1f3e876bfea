"""VOT region overlaps at the edges of their inputs: crafted regions whose answers are known (worked by hand,
or from got10k's shapely `poly_iou`), where random regions rarely land: degenerate and self-crossing
polygons, vertices exactly on a clipping line, slivers at the 1e-9 px^2 noise floor, coordinates at the
float limit (`inf` in a result file becomes the largest float when scored)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from harness.metrics.vot.exact import exact_overlaps

metrics = pytest.importorskip("got10k.utils.metrics")

BIG = np.finfo(float).max
EPS = np.finfo(float).eps


def _got10k(pred: np.ndarray, gt: np.ndarray, width: float, height: float) -> np.ndarray:
    """got10k's IoU, ground-truth rectangles (NaN after x, y, w, h) given to it as such."""
    gt = [g[:4] if np.isnan(g[4]) else g for g in gt]
    return np.array([metrics.poly_iou(p, g, (width, height))[0] for p, g in zip(pred, gt)])


def _exact(pred: np.ndarray, gt: np.ndarray, width: float, height: float) -> np.ndarray:
    n = len(gt)
    return exact_overlaps(np.asarray(pred, float), np.asarray(gt, float), np.full(n, width), np.full(n, height))


SQUARE = [20.0, 20.0, 60.0, 20.0, 60.0, 60.0, 20.0, 60.0]


def test_degenerate_prediction_polygons_score_zero_without_warnings() -> None:
    """Zero-area predictions (all corners on one line, or one point) have no orientation to clip by: they
    score 0, as shapely's empty intersection does, and numpy warns of nothing."""
    pred = np.array([[10.0, 10, 30, 30, 50, 50, 20, 20], [40, 40, 40, 40, 40, 40, 40, 40],
                     [25.0, 22, 55, 24, 50, 58, 22, 50], [0, 30, 80, 30, 40, 30, 10, 30]])
    gt = np.array([SQUARE] * 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _exact(pred, gt, 80, 80)
    np.testing.assert_allclose(ours, _got10k(pred, gt, 80, 80), rtol=0, atol=1e-12)
    assert ours[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0] and ours[2] > 0.5


def test_prediction_with_a_repeated_corner_is_its_triangle() -> None:
    """A triangle written as four corners, two of them equal (a zero-length edge clips nothing)."""
    pred = np.array([[10.0, 10, 70, 10, 70, 10, 10, 70], [10.0, 10, 10, 10, 70, 10, 10, 70]])
    gt = np.array([SQUARE, [15.0, 5, 65, 15, 55, 65, 5, 55]])
    ours = _exact(pred, gt, 80, 80)
    # by hand for the first: the square's part below the line x + y = 80 is 1600 - 800 = 800 px^2,
    # the triangle 1800: 800 / (1800 + 1600 - 800)
    assert ours[0] == pytest.approx(800 / 2600, abs=1e-12)
    np.testing.assert_allclose(ours, _got10k(pred, gt, 80, 80), rtol=0, atol=1e-12)


def test_ground_truth_corner_outside_a_prediction_edge_with_the_next_on_its_line() -> None:
    """The ground truth crosses the prediction's edge line exactly at a corner: the corner outside is
    moved onto the line, the one on it stays (no crossing point between them)."""
    pred = np.array([[10.0, 10, 20, 10, 20, 20, 10, 20]] * 3)
    gt = np.array([[13.0, 6, 17, 10, 17, 16, 13, 16], [14.0, 4, 24, 12, 18, 18, 12, 14],
                   [6.0, 13, 10, 17, 15, 17, 15, 13]])
    ours = _exact(pred, gt, 40, 40)
    # by hand for the first: the ground truth is the 4 x 6 rectangle y >= 10 (inside the square) on the
    # triangle (13, 6) (17, 10) (13, 10) below it (8 px^2)
    assert ours[0] == pytest.approx(24 / (100 + 32 - 24), abs=1e-12)
    np.testing.assert_allclose(ours, _got10k(pred, gt, 40, 40), rtol=0, atol=1e-12)


def test_closing_edge_shortened_by_rounding_crosses_a_prediction_edge() -> None:
    """The ground truth's last edge runs from (1000.3, 1000.7) to (0.1, 0.2); the clipped path's point at
    its end, 1000.3 + (0.1 - 1000.3) and likewise in y, lands 2e-14 and 4e-14 px off (0.1, 0.2), so the
    path closes with a short step that the prediction's edge at x = 0.1 + 1e-14 cuts. The crossing point
    lies on that step, whatever the next frame holds (here a prediction 1e11 px off, whose points are
    moved that far when clipped)."""
    c, far = 0.1 + 1e-14, -1e11
    gt = np.array([[0.1, 0.2, 3, 0.5, 1003, 1001, 1000.3, 1000.7], [15.0, 12, 19, 14, 17, 19, 12, 17]])
    pred = np.array([[c, -5, c + 5, -5, c + 5, 5, c, 5], [far, far, far + 1e4, far, far + 1e4, far + 1e4, far, far + 1e4]])
    ours = _exact(pred, gt, 2000, 2000)
    assert ours[0] == pytest.approx(_got10k(pred[:1], gt[:1], 2000, 2000)[0], abs=1e-12)


def test_slivers_at_the_noise_floor() -> None:
    """Areas below 1e-9 px^2 are rounding noise; a sliver of exactly 1e-9 px^2 is not. A sliver scored
    against itself keeps got10k's a / (a + eps), just under 1 (for a = 2e-9 px^2: 1 - 1.1e-7)."""
    nan = np.nan
    gt = np.array([[0.0, 0, 1e-9, 1, nan, nan, nan, nan], [0.0, 0, 2e-9, 1, nan, nan, nan, nan],
                   [0.0, 0, 2e-9, 0, 2e-9, 1, 0, 1]])
    pred = np.array([[0.0, 0, 1, 1], [0.0, 0, 2e-9, 1], [0.0, 0, 2e-9, 1]])
    ours = _exact(pred, gt, 10, 10)
    expected = [1e-9 / (1 + EPS), 2e-9 / (2e-9 + EPS), 2e-9 / (2e-9 + EPS)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(_got10k(pred, gt, 10, 10), expected, rtol=1e-12)


def test_self_crossing_regions_score_within_0_and_1() -> None:
    """A bow-tie's lobes wind opposite ways and cancel in its area (shapely refuses such polygons, and
    got10k with them; docs/vot.md): the ratio of the areas can then leave [0, 1], the overlap does not.
    Worked by hand: the bow-tie ground truth (10, 10) (20, 20) (20, 10) (10, 20) has area 0; the
    rectangle x 10..15, y 12.5..17.5 (25 px^2) holds 18.75 px^2 of its left lobe: 18.75 / 6.25 = 3."""
    gt = np.array([[10.0, 10, 20, 20, 20, 10, 10, 20]])
    assert _exact(np.array([[10.0, 12.5, 5, 5]]), gt, 40, 40).tolist() == [1.0]


def test_prediction_left_of_the_image_scores_zero() -> None:
    """A rectangle ending left of the image (x + w = -1 - 2^-52, or -eps) covers none of it: 0, not the
    0 / 0 that its negative clipped width against a 1 px^2 (or an empty) ground truth would make."""
    nan = np.nan
    pred = np.array([[-3.0, 0, 2 - 2**-52, 1], [-1.0, 0, 1 - 2**-52, 1], [-9.0, 2, 4, 30]])
    gt = np.array([[0.0, 0, 1, 1, nan, nan, nan, nan], [50.0, 0, 1, 1, nan, nan, nan, nan],
                   [0.0, 0, 0, 5, 5, 5, 5, 0]])
    ours = _exact(pred, gt, 40, 40)
    assert ours.tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(ours, _got10k(pred, gt, 40, 40))


def test_a_prediction_at_the_float_limit_leaves_the_other_frames_alone() -> None:
    """`inf` in a result file is scored as the largest float: that frame's overlap is undefined, its
    neighbours' are what they are alone."""
    normal = [12.0, 11, 29, 12, 27, 29, 9, 27]
    pred = np.array([normal, [-BIG, -BIG, BIG, BIG, -BIG, BIG, BIG, -BIG], normal,
                     [-BIG, -BIG, -BIG, BIG, BIG, BIG, BIG, -BIG], normal])
    gt = np.array([[10.0, 10, 30, 12, 28, 30, 8, 28]] * 5)
    with np.errstate(all="ignore"):
        ours = _exact(pred, gt, 50, 50)
    alone = _exact(pred[:1], gt[:1], 50, 50)[0]
    assert ours[[0, 2, 4]].tolist() == [alone] * 3
    assert alone == pytest.approx(_got10k(pred[:1], gt[:1], 50, 50)[0], abs=1e-12)
