"""Crop geometry and augmentation against the facts of pysot's code (golden/training/augmentation.md)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from trackers.training.augment import RGB_VAR, AugmentParams, augment, blur, blur_kernel, shift_scale_crop
from trackers.training.geometry import box_in_crop, context_side, crop511, crop511_view, warp_square

STILL = AugmentParams(shift=0, scale=0, color=0)


def test_box_in_the_511_crop():
    """Centre (255, 255); a square object is 63.5 px; sqrt((w'+p')(h'+p')) = 127 for any shape."""
    np.testing.assert_allclose(box_in_crop(40, 40), [255 - 31.75, 255 - 31.75, 255 + 31.75, 255 + 31.75])
    for w, h in ((10, 90), (300, 20), (7.5, 7.5)):
        x1, y1, x2, y2 = box_in_crop(w, h)
        assert ((x1 + x2) / 2, (y1 + y2) / 2) == (255, 255)
        assert context_side(x2 - x1, y2 - y1) == pytest.approx(127)
        assert (x2 - x1) / (y2 - y1) == pytest.approx(w / h)


def test_crop511_centres_the_target_at_its_scale():
    """A solid target ends up centred on pixel 255 with size w x (127 / s_z) x (510 / 511)."""
    frame = np.full((480, 640, 3), 40, np.uint8)
    x1, y1, w, h = 200, 150, 80, 50
    frame[y1:y1 + h, x1:x1 + w] = 250
    crop = crop511(frame, np.array([x1, y1, x1 + w, y1 + h], float))
    cols = np.flatnonzero(crop[255, :, 0] > 145)
    rows = np.flatnonzero(crop[:, 255, 0] > 145)
    scale = 127 / context_side(w, h) * 510 / 511
    assert cols.size == pytest.approx(w * scale, abs=1.5) and rows.size == pytest.approx(h * scale, abs=1.5)
    assert (cols[0] + cols[-1]) / 2 == pytest.approx(255, abs=1) and (rows[0] + rows[-1]) / 2 == pytest.approx(255, abs=1)


def test_crop511_pads_with_the_mean_colour():
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[:, :50] = 200
    crop = crop511(frame, np.array([0.0, 0.0, 20.0, 20.0]))
    assert tuple(crop[0, 0]) == (100, 100, 100)


@pytest.mark.parametrize(("size", "window"), [(127, (192, 318)), (255, (128, 382))])
def test_unshifted_crop_is_the_centre_window(size, window):
    """Without shift or scale the crop is the (size-1)-wide centre window, pixel for pixel."""
    image = np.random.default_rng(0).integers(0, 256, (511, 511, 3), dtype=np.uint8)
    crop, box = shift_scale_crop(image, np.array([200.0, 210.0, 300.0, 280.0]), size, STILL, np.random.default_rng(0))
    lo, hi = window
    np.testing.assert_array_equal(crop, image[lo:hi + 1, lo:hi + 1])
    np.testing.assert_allclose(box, [200 - lo, 210 - lo, 300 - lo, 280 - lo])


def test_shift_and_scale_move_the_box_as_pysot_does():
    """The object's centre goes to 127 - sx / scale_x, its size to w' / scale_x, from draws in pysot's
    order (scale_x, scale_y, sx, sy), and stays on the object's pixels."""
    params = AugmentParams(shift=64, scale=0.18, color=0)
    image = np.full((511, 511, 3), 30, np.uint8)
    box = box_in_crop(60, 40)
    image[int(box[1]) + 1:int(box[3]), int(box[0]) + 1:int(box[2])] = 220
    for seed in range(20):
        u = np.random.default_rng(seed).random(4) * 2 - 1
        scale_x, scale_y, sx, sy = 1 + 0.18 * u[0], 1 + 0.18 * u[1], 64 * u[2], 64 * u[3]
        crop, moved = shift_scale_crop(image, box, 255, params, np.random.default_rng(seed))
        cx, cy = (moved[0] + moved[2]) / 2, (moved[1] + moved[3]) / 2
        assert cx == pytest.approx(127 - sx / scale_x) and cy == pytest.approx(127 - sy / scale_y)
        assert moved[2] - moved[0] == pytest.approx((box[2] - box[0]) / scale_x)
        assert moved[3] - moved[1] == pytest.approx((box[3] - box[1]) / scale_y)
        mask = crop[..., 0] > 125
        ys, xs = np.nonzero(mask)
        drawn = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)
        inter = np.prod(np.clip(np.minimum(drawn[2:], moved[2:]) - np.maximum(drawn[:2], moved[:2]), 0, None))
        union = np.prod(drawn[2:] - drawn[:2]) + np.prod(moved[2:] - moved[:2]) - inter
        assert inter / union > 0.9, seed


def test_colour_offset_then_blur_then_flip():
    image = np.full((511, 511, 3), 100, np.uint8)
    box = box_in_crop(50, 50)
    params = AugmentParams(shift=0, scale=0, blur=1.0, flip=1.0, color=1.0)
    rng = np.random.default_rng(3)
    out, moved = augment(image, box, 127, params, rng)
    draws = np.random.default_rng(3)
    assert draws.random() < 1.0  # the colour test
    offset = (RGB_VAR @ draws.standard_normal((3, 1)))[::-1].reshape(3)
    np.testing.assert_allclose(out[60, 60], 100 - offset, atol=1e-9)  # a flat image: blur keeps it, no clipping
    assert out.dtype == np.float64
    centre = box - np.array([192, 192, 192, 192])
    np.testing.assert_allclose(moved, [126 - centre[2], centre[1], 126 - centre[0], centre[3]])


def test_blur_is_pysots_cross_kernel():
    image = np.random.default_rng(1).random((255, 255, 3)) * 255
    for seed in range(6):
        draws = np.random.default_rng(seed)
        side, wx = int(draws.choice(np.arange(5, 46, 2))), draws.random()
        kernel = blur_kernel(side, wx)
        assert kernel.sum() == pytest.approx(1)
        c = side // 2
        off_cross = kernel.copy()
        off_cross[c, :] = 0
        off_cross[:, c] = 0
        assert not off_cross.any()
        np.testing.assert_allclose(blur(image, np.random.default_rng(seed)), cv2.filter2D(image, -1, kernel), atol=1e-9)


def test_no_blur_still_draws_its_coin():
    """pysot draws the blur test even when blur is 0 (the template), so the later draws shift."""
    image = np.full((511, 511, 3), 100, np.uint8)
    rng = np.random.default_rng(5)
    augment(image, box_in_crop(40, 40), 127, AugmentParams(shift=4, scale=0.05), rng)
    draws = np.random.default_rng(5)
    draws.random(4), draws.random(), draws.standard_normal((3, 1)), draws.random()
    assert rng.random() == draws.random()


def test_warp_square_maps_corners_to_the_first_and_last_pixel():
    image = np.zeros((50, 50, 3), np.uint8)
    image[10, 10] = image[40, 40] = 255
    out = warp_square(image, np.array([10.0, 10.0, 40.0, 40.0]), 31, 0)
    assert out[0, 0, 0] == 255 and out[30, 30, 0] == 255 and math.isclose(out[15, 15, 0], 0)
    assert cv2.countNonZero(out[..., 0]) == 2


def test_window_from_the_frame_equals_the_two_warps():
    """Cutting the augmentation window straight from the frame gives pysot's two-step result (511
    crop, then window) up to one resampling: same box, pixels within a few levels on a smooth image."""
    frame = cv2.resize(np.random.default_rng(2).integers(0, 256, (12, 16, 3), dtype=np.uint8), (320, 240),
                       interpolation=cv2.INTER_CUBIC)
    view = crop511_view(frame, np.array([250.0, 180.0, 300.0, 230.0]))  # near a corner: mean-colour padding
    params = AugmentParams(shift=64, scale=0.18, color=0)
    for seed in range(5):
        direct, box = shift_scale_crop(view, box_in_crop(50, 50), 255, params, np.random.default_rng(seed))
        two_step, same = shift_scale_crop(view.materialise(), box_in_crop(50, 50), 255, params, np.random.default_rng(seed))
        np.testing.assert_array_equal(box, same)
        assert np.abs(direct.astype(int) - two_step).mean() < 2
