"""The cascade's θ filter and anchor refinement on crafted maps whose answer is known (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.test_siamese_decode import GRID, K, RATIO_1, RATIO_3, S, index, maps
from trackers.siamese.cascade.stages import refine, run_cascade, stage_step

ALL = np.ones(K * S * S, bool)


def test_a_stage_keeps_exactly_the_anchors_whose_background_is_at_most_theta():
    kept = {(RATIO_1, 8, 8): 0.9, (RATIO_3, 2, 11): 0.06, (0, 16, 0): 0.05}
    logits, loc = maps({**kept, (RATIO_1, 4, 4): 0.04})  # background 0.96: dropped at θ 0.95
    result = stage_step(logits, loc, GRID, ALL, theta=0.95)
    assert sorted(np.flatnonzero(result.survivors)) == sorted(index(*cell) for cell in kept)
    assert not result.filter_skipped and result.alive.all()
    assert result.scores[index(RATIO_1, 8, 8)] == pytest.approx(0.9)
    assert stage_step(logits, loc, GRID, ALL, theta=1.0).survivors.all()  # θ = 1: nothing is dropped


def test_only_anchors_alive_before_can_survive():
    logits, loc = maps({(RATIO_1, 8, 8): 0.9, (RATIO_1, 8, 9): 0.9})
    alive = np.zeros_like(ALL)
    alive[index(RATIO_1, 8, 9)] = True
    result = stage_step(logits, loc, GRID, alive, theta=0.95)
    assert np.flatnonzero(result.survivors).tolist() == [index(RATIO_1, 8, 9)]


def test_when_the_filter_would_drop_every_anchor_it_is_skipped():
    logits, loc = maps({})  # every anchor at background 0.99
    alive = np.zeros_like(ALL)
    alive[[3, 700, 1200]] = True
    result = stage_step(logits, loc, GRID, alive, theta=0.95)
    assert result.filter_skipped and (result.survivors == alive).all()


def test_refinement_moves_anchors_by_known_offsets():
    offsets = (0.25, -0.5, math.log(1.5), math.log(0.5))
    logits, loc = maps({(RATIO_1, 8, 9): 0.9}, {(RATIO_1, 8, 9): offsets})
    refined = stage_step(logits, loc, GRID, ALL, theta=0.95).refined
    # the 64x64 anchor one cell right of the centre (x = 8): Eq. 6 with w^{l-1} exp(r_w), h^{l-1} exp(r_h)
    assert refined[index(RATIO_1, 8, 9)].tolist() == pytest.approx([8 + 0.25 * 64, -0.5 * 64, 96, 32])
    assert refined[index(RATIO_3, 0, 0)].tolist() == GRID[index(RATIO_3, 0, 0)].tolist()  # zero offsets: unmoved


def test_each_stage_refines_the_anchors_the_previous_stage_moved():
    cell = (RATIO_1, 8, 8)
    first = maps({cell: 0.9}, {cell: (0.5, 0.0, math.log(2.0), 0.0)})  # 64x64 at 0 -> 128x64 at +32
    second = maps({cell: 0.9}, {cell: (0.25, 0.5, 0.0, math.log(0.5))})  # relative to 128x64: +32, +32, 128x32
    stages = run_cascade([first, second], GRID, theta=0.95)
    i = index(*cell)
    assert stages[1].anchors[i].tolist() == pytest.approx([32, 0, 128, 64])
    assert stages[1].refined[i].tolist() == pytest.approx([64, 32, 128, 32])
    assert np.flatnonzero(stages[1].survivors).tolist() == [i]
    assert np.flatnonzero(stages[1].alive).tolist() == [i]  # stage 2 saw only stage 1's survivor


def test_a_refined_anchor_never_shrinks_below_one_pixel():
    loc = np.zeros((4 * K, S, S))
    loc[2 * K :] = -50.0  # every width and height shrunk by e^50, capped at 62.5x: 104 -> 1.664, 32 -> 0.512
    refined = refine(loc, GRID)
    # 104 x 32, 88 x 40, 64 x 64, 40 x 80, 32 x 96 over 62.5, every side below 1 px raised to 1
    sides = np.repeat([[1.664, 1.0], [1.408, 1.0], [1.024, 1.024], [1.0, 1.28], [1.0, 1.536]], S * S, axis=0)
    np.testing.assert_allclose(refined[:, 2:], sides, rtol=1e-12)
    np.testing.assert_array_equal(refined[:, :2], GRID[:, :2])  # zero offsets: the centres stay


def test_theta_one_keeps_even_an_anchor_whose_background_is_certain():
    logits, loc = maps({(RATIO_1, 8, 9): 0.9})
    logits[K + RATIO_1, 8, 8] = -800.0  # foreground probability exactly 0, background exactly 1
    result = stage_step(logits, loc, GRID, ALL, theta=1.0)
    assert result.scores[index(RATIO_1, 8, 8)] == 0.0 and result.survivors.all() and not result.filter_skipped


def test_an_alive_mask_of_zeros_and_ones_is_read_as_a_boolean_mask():
    logits, loc = maps({(RATIO_1, 8, 8): 0.9, (RATIO_1, 8, 9): 0.9})
    ones = [0] * (K * S * S)
    ones[index(RATIO_1, 8, 9)] = 1
    result = stage_step(logits, loc, GRID, ones, theta=0.95)
    assert result.survivors.dtype == result.alive.dtype == bool
    assert np.flatnonzero(~result.survivors).size == K * S * S - 1  # usable as a mask, ~ included
