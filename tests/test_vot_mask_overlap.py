"""Overlaps with masks against vot-toolkit 0.9.0's own ``vot.region.calculate_overlaps`` on the same regions
(masks parsed by its ``parse_region`` from the lines our reader reads), with and without image bounds and
ignore masks: equal to 1e-12 (both divide the same integer pixel counts in float64, so equal counts give the
same bits; the tolerance only keeps the comparison honest should a count differ by nothing)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchmarks.masks import Masks
from harness.errors import EvaluationError
from harness.metrics.vot.mask_overlap import mask_overlaps

region = pytest.importorskip("vot.region")
from vot.region.io import parse_region  # noqa: E402
from vot.region.shapes import Rectangle  # noqa: E402

WIDTH, HEIGHT = 48, 36


def _random_masks(rng: np.random.Generator, n: int, near: np.ndarray | None = None) -> Masks:
    """Blobs of random pixels, some over the image's edges, some empty or special; `near`: boxes to sit on."""
    frames = []
    for i in range(n):
        if rng.random() < 0.06:
            frames.append(None)
            continue
        h, w = (int(v) for v in rng.integers(3, 16, 2))
        bitmap = rng.random((h, w)) < (rng.uniform(0.2, 0.9) if rng.random() > 0.04 else 0)
        if near is not None and np.isfinite(near[i]).all():
            x, y = (int(v) for v in near[i, :2] + rng.integers(-2, 3, 2))
        else:
            x, y = int(rng.integers(-8, WIDTH)), int(rng.integers(-8, HEIGHT))
        frames.append((bitmap, (x, y)))
    return Masks.from_bitmaps(frames)


def _toolkit(masks: Masks) -> list[object]:
    regions = []
    for i in range(len(masks)):
        if masks.special[i]:
            regions.append(region.Special(0))
            continue
        runs = masks.runs[masks.starts[i]:masks.starts[i + 1]]
        x, y = masks.offsets[i]
        w, h = masks.sizes[i]
        regions.append(parse_region(f"m{x},{y},{w},{h}," + ",".join(map(str, runs))))
    return regions


def _rectangles(rects: np.ndarray) -> list[object]:
    return [region.Special(0) if np.isnan(r).any() else Rectangle(*r) for r in rects]


@pytest.fixture(scope="module")
def frames() -> dict[str, object]:
    rng = np.random.default_rng(2020)
    n = 300
    truth = _random_masks(rng, n)
    boxes = truth.boxes()
    rects = boxes + rng.normal(0, 1.5, (n, 4))
    half = rng.random(n) < 0.3
    rects[half] = np.round(rects[half]) + 0.5  # the toolkit rounds half to even, in float32
    rects[rng.random(n) < 0.05, 2] = 0
    rects[rng.random(n) < 0.05, 3] = -2
    rects[rng.random(n) < 0.05] = np.nan
    over = rng.random(n) < 0.15  # across the image's left/top edges
    rects[over, :2] -= rng.uniform(5, 20, (over.sum(), 2))
    return {"truth": truth, "rects": rects, "pred_masks": _random_masks(rng, n, boxes),
            "ignore": _random_masks(rng, n, boxes)}


# Each case is a new signature of the toolkit's numba-compiled overlap, compiled anew in a fresh environment (CI:
# about 10 s each): four cases give each kind of prediction with and without bounds and with and without
# ignore masks; the other four combinations take the same branches of ours.
@pytest.mark.parametrize(("prediction", "with_ignore", "bounds"), [
    ("rects", True, (WIDTH, HEIGHT)), ("rects", False, None), ("pred_masks", True, None),
    ("pred_masks", False, (WIDTH, HEIGHT))])
def test_equal_to_calculate_overlaps(frames: dict[str, object], bounds: tuple[int, int] | None, with_ignore: bool,
                                     prediction: str) -> None:
    truth, pred = frames["truth"], frames[prediction]
    ignore = frames["ignore"] if with_ignore else None
    theirs_pred = _rectangles(pred) if prediction == "rects" else _toolkit(pred)
    theirs = region.calculate_overlaps(theirs_pred, _toolkit(truth), bounds,
                                       None if ignore is None else _toolkit(ignore))
    ours = mask_overlaps(pred, truth, bounds, ignore)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    # the draw must exercise partial overlaps, the empty-union 1 and the cut-window 0, not just zeros
    assert ((ours > 0) & (ours < 1)).mean() > 0.5 and (ours == 1).any() and (ours == 0).any()


def test_rectangle_ground_truth_with_mask_predictions(frames: dict[str, object]) -> None:
    """Either side may be the masks: a mask-output tracker on rectangle ground truth."""
    pred, rects = frames["pred_masks"], frames["rects"]
    theirs = region.calculate_overlaps(_toolkit(pred), _rectangles(rects), (WIDTH, HEIGHT))
    np.testing.assert_allclose(mask_overlaps(pred, rects, (WIDTH, HEIGHT)), theirs, rtol=0, atol=1e-12)


def test_known_answers() -> None:
    """Hand-counted: a 3x3 mask at (2, 2) against rectangles, bounds and an ignore pixel."""
    mask = Masks.from_bitmaps([(np.ones((3, 3), bool), (2, 2))] * 4)
    rects = np.array([[2, 2, 3, 3], [3, 3, 3, 3], [-10, 0, 40, 5], [np.nan] * 4])
    # pixel (4, 4), in column 1 of its box: a lone pixel in column 0 the toolkit's reader would drop
    ignore = Masks.from_bitmaps([(np.array([[False, True]]), (3, 4))] * 4)
    # the same pixels; 4 shared of 9 + 9 - 4; the long rectangle cut to the image: 30 columns x 5 rows, 9 shared;
    # without bounds the window starts at x = -10 and the toolkit's slice stops the rectangle at the window's
    # absolute right edge, 29 (relative), so 30 columns again, not 40
    assert mask_overlaps(rects, mask, (100, 100)).tolist() == [1.0, 4 / 14, 9 / 150, 0.0]
    assert mask_overlaps(rects, mask).tolist() == [1.0, 4 / 14, 9 / 150, 0.0]
    assert mask_overlaps(rects, mask, (100, 100), ignore).tolist() == [1.0, 3 / 13, 8 / 149, 0.0]
    # the image cut: a window of one column or less scores 0; both regions empty (or one pixel wide) score 1
    one = Masks.from_bitmaps([(np.ones((3, 3), bool), (2, 2))])
    assert mask_overlaps(rects[:1], one, (3, 100)).tolist() == [0.0]
    empty = Masks.from_bitmaps([None, (np.zeros((2, 2), bool), (5, 5))])
    assert mask_overlaps(np.full((2, 4), np.nan), empty).tolist() == [1.0, 1.0]


def test_refusals() -> None:
    masks = Masks.from_bitmaps([None, None])
    with pytest.raises(EvaluationError, match="2 predictions, 3 ground-truth frames"):
        mask_overlaps(masks, Masks.from_bitmaps([None] * 3))
    with pytest.raises(EvaluationError, match="for rectangles on both sides use raster_overlaps"):
        mask_overlaps(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(EvaluationError, match=r"got an array of shape \(2, 8\)"):
        mask_overlaps(np.zeros((2, 8)), masks)


def _compare(prediction: np.ndarray | Masks, truth: Masks, bounds: tuple[int, int] | None,
             ignore: Masks | None = None) -> np.ndarray:
    theirs_pred = _rectangles(prediction) if isinstance(prediction, np.ndarray) else _toolkit(prediction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty union divides 0 / 0 silently
        ours = mask_overlaps(prediction, truth, bounds, ignore)
    theirs = region.calculate_overlaps(theirs_pred, _toolkit(truth), bounds, None if ignore is None else _toolkit(ignore))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    return ours


def test_edge_cases_equal_calculate_overlaps() -> None:
    """Cases the random draw rarely reaches, each against the toolkit: a rectangle with one NaN value (no
    region at all, though its other values would make a box), rectangles starting on the image's last row
    or ending on its first, a window left of the origin without bounds (the slice cut to nothing), regions
    one pixel wide or high in the same column or row (the union has no width or height: 1), a rectangle on a
    checkerboard (runs of one pixel) beside a frame without a mask, masks with no pixels on both sides,
    masks over negative columns on two rows, no region against a mask in column -1 (nothing is bounded by
    (0, 0, 0, 0)), one pixel left of an ignore mask (a union of 1), and rectangles far from the origin
    whose x + w and y + h the toolkit sums in float32 (2^25 + 1 is not a float32)."""
    square = np.ones((3, 3), bool)
    nan_one = np.array([[np.nan, 2, 3, 3], [2, np.nan, 3, 3]])
    assert _compare(nan_one, Masks.from_bitmaps([(square, (0, 2)), (square, (2, 0))]), (WIDTH, HEIGHT)).tolist() == [0, 0]
    edges = np.array([[2, HEIGHT - 1, 3, 5], [2, -4, 3, 5]])  # one row of each inside the image
    truth = Masks.from_bitmaps([(square, (2, HEIGHT - 3)), (square, (2, 0))])
    assert _compare(edges, truth, (WIDTH, HEIGHT)).tolist() == [1 / 3, 1 / 3]
    assert _compare(np.array([[-8, 2, 8, 3]]), Masks.from_bitmaps([(square, (-8, 2))]), None).tolist() == [0.0]
    # a column in the box's column 1 (the toolkit's reader drops a mask whose pixels are all in column 0)
    column, row = np.tile([False, True], (3, 1)), np.ones((1, 3), bool)
    lines = Masks.from_bitmaps([(column, (4, 6)), (row, (6, 5))])
    assert _compare(Masks.from_bitmaps([(column, (4, 5)), (row, (5, 5))]), lines, (WIDTH, HEIGHT)).tolist() == [1, 1]
    empty = Masks.from_bitmaps([None, (np.zeros((2, 2), bool), (5, 5))])
    assert _compare(empty, empty, None).tolist() == [1.0, 1.0]
    stripes = np.eye(2, 16, 5, dtype=bool) | np.eye(2, 16, 12, dtype=bool)
    assert _compare(Masks.from_bitmaps([(np.ones((2, 16), bool), (-6, 0))]), Masks.from_bitmaps([(stripes, (-6, 0))]),
                    None).tolist() == [4 / 32]
    checker = np.indices((4, 4)).sum(axis=0) % 2 == 0  # one-pixel runs; no mask at all in the last frame
    assert _compare(np.array([[2, 2, 4, 4], [2, 2, 3, 3]]), Masks.from_bitmaps([(checker, (2, 2)), None]),
                    (WIDTH, HEIGHT)).tolist() == [0.5, 0.0]
    left_column = Masks.from_bitmaps([(np.tile([False, True], (3, 1)), (-2, 5))])
    assert _compare(np.full((1, 4), np.nan), left_column, None).tolist() == [0.0]
    corner = Masks.from_bitmaps([(np.array([[True, True], [True, False]]), (2, 2))])
    assert _compare(np.array([[2, 2, 2, 2]]), Masks.from_bitmaps([(square[:2, :2], (2, 2))]), (WIDTH, HEIGHT),
                    corner).tolist() == [1.0]
    far = 2**25
    rects = np.array([[far + 1, 10, 5, 3], [far + 3, 10, 6, 3], [10, far + 1, 3, 5], [10, far + 3, 3, 6]])
    truth = Masks.from_bitmaps([(np.ones((3, 12), bool), (far - 2, 10))] * 2 + [(np.ones((12, 3), bool), (10, far - 2))] * 2)
    assert _compare(rects, truth, None).tolist() == [1 / 3] * 4


def test_masks_far_apart_are_ordered_without_overflow() -> None:
    """Masks 2^31 px apart in two frames, without bounds: the sort key of frame, row and column would pass
    int64 (frames x rows x columns >= 2^62), so the spans are sorted on the three arrays; hand-counted:
    2 shared pixels of 4 + 4 - 2, and the same pixels."""
    square = np.ones((2, 2), bool)
    low, high = -(2**30), 2**30
    ours = mask_overlaps(Masks.from_bitmaps([(square, (low, low)), (square, (high, high))]),
                         Masks.from_bitmaps([(square, (low + 1, low)), (square, (high, high))]))
    assert ours.tolist() == [1 / 3, 1.0]


def test_rectangles_given_as_lists_with_nulls() -> None:
    """Rectangles read from JSON: null stands for a missing value, as NaN does (a frame without a region)."""
    truth = Masks.from_bitmaps([(np.ones((3, 3), bool), (2, 2))] * 2)
    listed = mask_overlaps([[None, None, None, None], [3, 3, 3, 3]], truth, (WIDTH, HEIGHT))
    assert listed.tolist() == mask_overlaps(np.array([[np.nan] * 4, [3, 3, 3, 3]]), truth, (WIDTH, HEIGHT)).tolist()
    assert listed.tolist() == [0.0, 4 / 14]


def test_refusals_name_the_side_and_the_counts() -> None:
    masks = Masks.from_bitmaps([None, None])
    with pytest.raises(EvaluationError, match=r"predictions must be masks or \(N, 4\) rectangles"):
        mask_overlaps(np.zeros((2, 3)), masks)
    with pytest.raises(EvaluationError, match=r"ground truth must be masks or \(N, 4\) rectangles"):
        mask_overlaps(masks, np.zeros(2))
    with pytest.raises(EvaluationError, match="2 predictions, 2 ground-truth frames, 3 ignore masks; expected"):
        mask_overlaps(masks, masks, None, Masks.from_bitmaps([None] * 3))
    with pytest.raises(EvaluationError, match="2 predictions, 3 ground-truth frames; expected"):
        mask_overlaps(masks, Masks.from_bitmaps([None] * 3))
