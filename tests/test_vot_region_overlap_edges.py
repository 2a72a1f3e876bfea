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
