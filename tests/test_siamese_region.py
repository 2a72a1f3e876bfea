"""The start box the Siamese trackers derive from a benchmark region, as pysot's tools/test.py does."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trackers.base import Tracker, TrackerError
from trackers.siamese.region import area_preserving_box, pysot_init_box


def test_an_otb_rectangle_moves_half_a_pixel():
    assert pysot_init_box(np.array([51.0, 47.0, 25.0, 62.0])).tolist() == [51.5, 47.5, 25.0, 62.0]


def test_pysots_vot_corner_polygon_of_a_rectangle_gives_the_rectangle_back():
    x, y, w, h = 10.0, 20.0, 30.0, 40.0
    corners = [x, y, x, y + h - 1, x + w - 1, y + h - 1, x + w - 1, y]  # how pysot's VOT loop writes a rectangle
    assert pysot_init_box(np.array(corners)).tolist() == pytest.approx([x, y, w, h])


def test_a_rotated_square_keeps_its_area_not_its_bounds():
    a, cx, cy = 40.0, 100.0, 80.0
    angles = np.deg2rad([0, 90, 180, 270])  # a square of side a, turned 45 degrees
    polygon = np.stack([cx + a / math.sqrt(2) * np.cos(angles), cy + a / math.sqrt(2) * np.sin(angles)], axis=1).reshape(-1)
    assert area_preserving_box(polygon).tolist() == pytest.approx([cx, cy, a + 1, a + 1])
    assert pysot_init_box(polygon).tolist() == pytest.approx([cx - a / 2, cy - a / 2, a + 1, a + 1])
    upright = Tracker.init_box(None, polygon)  # the VOT toolkit's default: the bounds, a sqrt(2) wide
    assert upright[2] == pytest.approx(a * math.sqrt(2))


def test_bad_regions_are_named_and_degenerate_ones_give_no_box():
    with pytest.raises(TrackerError, match="has 6 values; expected 4"):
        pysot_init_box(np.arange(6.0))
    assert np.isnan(pysot_init_box(np.array([5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]))).any()


def test_every_siamese_tracker_starts_from_pysots_box():
    pytest.importorskip("torch")
    from trackers.siamese.cascade.tracker import CascadeTracker
    from trackers.siamese.tracker import SiamRPNTracker

    polygon = np.array([334.02, 128.36, 438.19, 188.78, 396.39, 260.83, 292.23, 200.41])
    for cls in (SiamRPNTracker, CascadeTracker):
        assert cls.init_box(None, polygon).tolist() == pysot_init_box(polygon).tolist()
