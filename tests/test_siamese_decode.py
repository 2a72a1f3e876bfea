"""Anchors, decoding, re-ranking, the state update and crops, on crafted inputs whose answer is known
or against pysot's crop geometry written out pixel by pixel (no torch)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from trackers.base import TrackerError
from trackers.siamese.anchors import anchor_grid, anchor_shapes, decode_boxes, foreground_scores
from trackers.siamese.config import AnchorConfig, TrackConfig
from trackers.siamese.crop import context_size, crop_patch, mean_colour
from trackers.siamese.decode import Choice, TargetState, choose, next_state, start_state, state_box
from trackers.siamese.penalty import apply_window, cosine_window, padded_size, scale_ratio_penalty, update_size

ANCHORS = AnchorConfig()
K, S = ANCHORS.count, 17
GRID = anchor_grid(ANCHORS, S)
RATIO_1, RATIO_3 = 2, 4  # anchor indices of ratios 1 and 3


def track_config(penalty_k: float = 0.0, window_influence: float = 0.0, lr: float = 0.3) -> TrackConfig:
    return TrackConfig(penalty_k=penalty_k, window_influence=window_influence, lr=lr)


def index(anchor: int, row: int, col: int) -> int:
    return anchor * S * S + row * S + col


def maps(peaks: dict[tuple[int, int, int], float], deltas: dict[tuple[int, int, int], tuple[float, float, float, float]] | None = None):
    """Classification logits with foreground probability `p` at each (anchor, row, col) peak and
    0.01 elsewhere; regression offsets zero except where given."""
    logits = np.zeros((2 * K, S, S))
    logits[K:] = math.log(0.01 / 0.99)
    for (a, r, c), p in peaks.items():
        logits[K + a, r, c] = math.log(p / (1 - p))
    loc = np.zeros((4 * K, S, S))
    for (a, r, c), d in (deltas or {}).items():
        for j in range(4):
            loc[j * K + a, r, c] = d[j]
    return logits, loc


def test_anchor_shapes_are_the_released_integer_boxes():
    assert anchor_shapes(ANCHORS).tolist() == [[104, 32], [88, 40], [64, 64], [40, 80], [32, 96]]


def test_anchor_grid_is_anchor_major_and_centred():
    assert GRID.shape == (K * S * S, 4)
    assert GRID[index(RATIO_1, 8, 8)].tolist() == [0, 0, 64, 64]
    assert GRID[index(RATIO_3, 0, 16)].tolist() == [64, -64, 32, 96]
    assert GRID[index(0, 16, 0)].tolist() == [-64, 64, 104, 32]


def test_scores_are_the_softmax_of_the_background_foreground_pair():
    logits, _ = maps({(RATIO_3, 3, 5): 0.8})
    scores = foreground_scores(logits)
    assert scores[index(RATIO_3, 3, 5)] == pytest.approx(0.8)
    assert scores[index(0, 0, 0)] == pytest.approx(0.01)
    extreme = np.zeros((2 * K, S, S))
    extreme[K:] = 1e4
    assert np.isfinite(foreground_scores(extreme)).all() and foreground_scores(-extreme).max() == 0.0


def test_a_peak_at_a_known_anchor_gives_that_anchors_box():
    logits, loc = maps({(RATIO_3, 4, 11): 0.9})
    choice = choose(logits, loc, GRID, cosine_window(S, K), np.array([32.0, 96.0]), track_config())
    assert choice.index == index(RATIO_3, 4, 11)
    assert choice.box.tolist() == [(11 - 8) * 8, (4 - 8) * 8, 32, 96]
    assert choice.score == pytest.approx(0.9) and choice.penalty == pytest.approx(1.0)


def test_offsets_refine_the_anchor_as_eq_12_says():
    logits, loc = maps({(RATIO_1, 8, 9): 0.9}, {(RATIO_1, 8, 9): (0.25, -0.5, math.log(1.5), math.log(0.5))})
    choice = choose(logits, loc, GRID, cosine_window(S, K), np.array([64.0, 64.0]), track_config())
    assert choice.box == pytest.approx([8 + 0.25 * 64, -0.5 * 64, 96, 32])
    boxes = decode_boxes(loc, GRID)
    assert boxes[index(0, 0, 0)].tolist() == GRID[index(0, 0, 0)].tolist()


def test_the_scale_ratio_penalty_moves_the_choice_to_the_unchanged_shape():
    # Same cell, so the window cannot tell them apart: the elongated anchor scores higher, but
    # the target was square.
    logits, loc = maps({(RATIO_3, 8, 8): 0.95, (RATIO_1, 8, 8): 0.90})
    target = np.array([64.0, 64.0])
    assert choose(logits, loc, GRID, cosine_window(S, K), target, track_config(penalty_k=0.0)).index == index(RATIO_3, 8, 8)
    chosen = choose(logits, loc, GRID, cosine_window(S, K), target, track_config(penalty_k=0.2))
    assert chosen.index == index(RATIO_1, 8, 8) and chosen.penalty == pytest.approx(1.0)


def test_the_cosine_window_moves_the_choice_toward_the_centre():
    logits, loc = maps({(RATIO_1, 8, 8): 0.90, (RATIO_1, 2, 14): 0.95})
    target = np.array([64.0, 64.0])
    assert choose(logits, loc, GRID, cosine_window(S, K), target, track_config()).index == index(RATIO_1, 2, 14)
    assert choose(logits, loc, GRID, cosine_window(S, K), target, track_config(window_influence=0.4)).index == index(RATIO_1, 8, 8)


def test_the_size_update_follows_the_learning_rate():
    logits, loc = maps({(RATIO_1, 8, 10): 0.8}, {(RATIO_1, 8, 10): (0.0, 0.0, math.log(1.25), math.log(1.25))})
    state = TargetState(center=np.array([100.0, 80.0]), size=np.array([32.0, 32.0]))
    scale = 2.0  # crop pixels per image pixel: the 32-pixel target is 64 in the crop
    for lr in (0.0, 0.3, 1.0):
        track = track_config(penalty_k=0.1, lr=lr)
        choice = choose(logits, loc, GRID, cosine_window(S, K), state.size * scale, track)
        penalty = math.exp(-(1.25 - 1) * 0.1)  # size 80 vs 64: s_c = 1.25, r_c = 1
        assert choice.penalty == pytest.approx(penalty)
        assert choice.rate == pytest.approx(lr * penalty * 0.8)
        after = next_state(state, choice, scale, (480, 640))
        assert after.center.tolist() == pytest.approx([100 + 16 / scale, 80])  # the centre moves fully
        assert after.size == pytest.approx(32 * (1 - choice.rate) + 40 * choice.rate)
    assert update_size(np.array([10.0, 20.0]), np.array([20.0, 40.0]), 0.25).tolist() == [12.5, 25.0]


def test_the_state_is_clipped_to_the_image():
    choice = Choice(index=0, box=np.array([-400.0, 900.0, 4.0, 4000.0]), score=1.0, penalty=1.0, rate=1.0)
    after = next_state(TargetState(np.array([50.0, 50.0]), np.array([20.0, 20.0])), choice, 1.0, (240, 320))
    assert after.center.tolist() == [0.0, 240.0] and after.size.tolist() == [10.0, 240.0]


def test_cosine_window_and_penalty_basics():
    window = cosine_window(5, 2)
    assert window.shape == (50,) and window[12] == 1.0 and window[0] == 0.0 and (window[:25] == window[25:]).all()
    same = scale_ratio_penalty(np.array([[30.0, 60.0]]), np.array([30.0, 60.0]), 0.3)
    assert same.tolist() == [1.0]
    bigger, smaller = scale_ratio_penalty(np.array([[60.0, 120.0], [15.0, 30.0]]), np.array([30.0, 60.0]), 0.3)
    assert bigger == pytest.approx(smaller) == pytest.approx(math.exp(-0.3))
    assert padded_size(10.0, 30.0) == pytest.approx(math.sqrt(30 * 50))


def test_crops_follow_the_released_geometry_and_pad_with_the_mean_colour():
    image = np.zeros((60, 80, 3), np.uint8)
    image[:, :, 0] = np.arange(80)[None, :]  # blue = column index
    image[:, :, 1] = np.arange(60)[:, None]  # green = row index
    patch = crop_patch(image, np.array([50.0, 40.0]), 11, 11, mean_colour(image))
    assert patch[0, 0, :2].tolist() == [44, 34] and patch[-1, -1, :2].tolist() == [54, 44]

    fill = mean_colour(image)
    assert fill.tolist() == [39.0, 29.0, 0.0]  # 39.5 and 29.5 truncated, as uint8 padding stores them
    corner = crop_patch(image, np.array([2.0, 3.0]), 11, 11, fill)
    assert corner[0, 0].tolist() == [39, 29, 0] and corner[4, 6].tolist() == [2, 1, 0]  # starts at (-4, -3)
    outside = crop_patch(image, np.array([500.0, 500.0]), 7, 7, fill)
    assert (outside == np.array([39, 29, 0], np.uint8)).all()
    assert crop_patch(image, np.array([40.0, 30.0]), 31, 127, fill).shape == (127, 127, 3)
    assert context_size(np.array([30.0, 10.0]), 0.5) == pytest.approx(math.sqrt(50 * 30))


def test_an_alive_mask_limits_the_choice_to_the_survivors():
    logits, loc = maps({(RATIO_1, 8, 8): 0.95, (RATIO_1, 3, 3): 0.6, (RATIO_3, 1, 15): 0.5})
    window, target = cosine_window(S, K), np.array([64.0, 64.0])
    assert choose(logits, loc, GRID, window, target, track_config()).index == index(RATIO_1, 8, 8)
    alive = np.zeros(K * S * S, bool)
    alive[[index(RATIO_1, 3, 3), index(RATIO_3, 1, 15)]] = True
    # The dead centre anchor loses even where the window alone would favour it.
    chosen = choose(logits, loc, GRID, window, target, track_config(window_influence=0.9), alive)
    assert chosen.index == index(RATIO_1, 3, 3) and chosen.score == pytest.approx(0.6)
    with pytest.raises(TrackerError, match="at least one"):
        choose(logits, loc, GRID, window, target, track_config(), np.zeros(K * S * S, bool))


def test_the_window_blend_is_a_weighted_mean_of_score_and_window():
    ranked = apply_window(np.array([0.2, 0.9, 0.5]), np.array([1.0, 0.0, 0.5]), 0.4)
    assert ranked.tolist() == pytest.approx([0.2 * 0.6 + 0.4, 0.9 * 0.6, 0.5])


def test_a_size_change_is_capped_at_62_5_times_either_way():
    logits, loc = maps({(RATIO_1, 8, 8): 0.9}, {(RATIO_1, 8, 8): (0.0, 0.0, 10.0, -10.0), (RATIO_1, 8, 9): (0.0, 0.0, -10.0, 10.0),
                                                (RATIO_3, 8, 8): (0.0, 0.0, 4.0, -4.0)})
    boxes = decode_boxes(loc, GRID)
    assert boxes[index(RATIO_1, 8, 8)].tolist() == pytest.approx([0, 0, 64 * 62.5, 64 / 62.5])
    assert boxes[index(RATIO_1, 8, 9)].tolist() == pytest.approx([8, 0, 64 / 62.5, 64 * 62.5])
    assert boxes[index(RATIO_3, 8, 8)].tolist() == pytest.approx([0, 0, 32 * math.exp(4), 96 * math.exp(-4)])  # under the cap


def test_float32_maps_decode_as_their_float64_values():
    """The networks hand over float32 maps; decoding and scores are float64 whatever comes in (a
    float32 exp or tanh differs in the 7th digit)."""
    rng = np.random.default_rng(0)
    logits, loc = rng.normal(0, 3, (2 * K, S, S)).astype(np.float32), rng.normal(0, 0.5, (4 * K, S, S)).astype(np.float32)
    np.testing.assert_array_equal(foreground_scores(logits), foreground_scores(logits.astype(np.float64)))
    np.testing.assert_array_equal(decode_boxes(loc, GRID), decode_boxes(loc.astype(np.float64), GRID))
    assert foreground_scores(logits).dtype == decode_boxes(loc, GRID).dtype == np.float64


def reference_crop(image: np.ndarray, center: np.ndarray, side: int, fill: np.ndarray) -> np.ndarray:
    """pysot's get_subwindow geometry, pixel by pixel: the square's first column is
    floor(cx - (side + 1) / 2 + 0.5), and whatever lies outside the image is the fill colour."""
    x0 = math.floor(center[0] - (side + 1) / 2 + 0.5)
    y0 = math.floor(center[1] - (side + 1) / 2 + 0.5)
    out = np.empty((side, side, 3), np.uint8)
    for i in range(side):
        for j in range(side):
            y, x = y0 + i, x0 + j
            inside = 0 <= y < image.shape[0] and 0 <= x < image.shape[1]
            out[i, j] = image[y, x] if inside else fill
    return out


@pytest.mark.parametrize(("cx", "cy", "side"), [
    (50.0, 40.0, 11), (50.0, 40.0, 10), (50.4, 40.6, 10), (50.5, 39.5, 9), (0.3, 59.2, 12), (79.0, 0.0, 7),
    (-3.0, 30.0, 8), (40.0, 30.0, 1), (40.0, 30.0, 100), (40.0, 30.0, 0),
])
def test_crops_are_pysots_windows_pixel_for_pixel(cx: float, cy: float, side: int):
    image = np.random.default_rng(1).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    fill = mean_colour(image)
    patch = crop_patch(image, np.array([cx, cy]), side, max(side, 1), fill)
    assert patch.dtype == np.uint8 and patch.flags.c_contiguous
    np.testing.assert_array_equal(patch, reference_crop(image, np.array([cx, cy]), max(side, 1), fill))


def test_a_crop_wholly_outside_the_image_is_the_fill_in_uint8():
    image = np.zeros((60, 80, 3), np.uint8)
    fill = np.array([39.0, 29.0, 7.0])
    patch = crop_patch(image, np.array([500.0, -200.0]), 9, 5, fill)
    assert patch.dtype == np.uint8 and patch.shape == (5, 5, 3) and (patch == [39, 29, 7]).all()


def test_the_state_is_clipped_on_every_side():
    choice = Choice(index=0, box=np.array([900.0, -400.0, 4000.0, 4.0]), score=1.0, penalty=1.0, rate=1.0)
    after = next_state(TargetState(np.array([50.0, 50.0]), np.array([20.0, 20.0])), choice, 1.0, (240, 320))
    assert after.center.tolist() == [320.0, 0.0] and after.size.tolist() == [320.0, 10.0]


def test_a_start_box_is_its_centre_as_the_authors_count_it_and_back():
    state = start_state(np.array([10.0, 20.0, 5.0, 8.0]))
    assert state.center.tolist() == [12.0, 23.5] and state.size.tolist() == [5.0, 8.0]  # x + (w - 1) / 2
    assert state_box(state).tolist() == [9.5, 19.5, 5.0, 8.0]  # reported as cx - w / 2
    assert start_state(np.array([0.0, 0.0, 0.5, 0.5])).size.tolist() == [0.5, 0.5]  # small, but an area


@pytest.mark.parametrize("box", [[1.0, 2.0, 0.0, 5.0], [1.0, 2.0, 5.0, 0.0], [1.0, 2.0, -3.0, 5.0], [1.0, 2.0, 0.0, 0.0]])
def test_a_start_box_without_area_is_refused(box: list):
    with pytest.raises(TrackerError, match="has no area"):
        start_state(np.array(box))


def test_integer_anchor_settings_give_the_same_float_anchors():
    whole = AnchorConfig(stride=8, ratios=(0.33, 0.5, 1, 2, 3), scales=(8,))
    assert anchor_shapes(whole).dtype == np.float64
    np.testing.assert_array_equal(anchor_shapes(whole), anchor_shapes(ANCHORS))
    np.testing.assert_array_equal(anchor_grid(whole, S), GRID)


@pytest.mark.parametrize(("side", "out"), [(31, 127), (300, 127), (20, 21)])
def test_a_resized_crop_is_pysots_window_resized_bilinearly(side: int, out: int):
    image = np.random.default_rng(2).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    fill = mean_colour(image)
    want = cv2.resize(reference_crop(image, np.array([30.2, 41.7]), side, fill), (out, out))  # as pysot resizes
    np.testing.assert_array_equal(crop_patch(image, np.array([30.2, 41.7]), side, out, fill), want)


def test_a_state_is_reported_in_float64_whatever_it_holds():
    state = TargetState(center=np.array([12.0, 23.5], np.float32), size=np.array([5.0, 8.0], np.float32))
    box = state_box(state)
    assert box.dtype == np.float64 and box.tolist() == [9.5, 19.5, 5.0, 8.0]


def test_the_size_update_is_computed_in_float64_whatever_comes_in():
    previous, proposal = np.array([131.0, 61.3], np.float32), np.array([17.8, 13.1], np.float32)  # float32 products round
    updated = update_size(previous, proposal, 0.3)
    assert updated.dtype == np.float64
    assert updated.tolist() == (previous.astype(np.float64) * 0.7 + proposal.astype(np.float64) * 0.3).tolist()
