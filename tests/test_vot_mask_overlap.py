"""Overlaps with masks against vot-toolkit 0.9.0's own ``vot.region.calculate_overlaps`` on the same regions
(masks parsed by its ``parse_region`` from the lines our reader reads), with and without image bounds and
ignore masks: equal to 1e-12 (both divide the same integer pixel counts in float64, so equal counts give the
same bits; the tolerance only keeps the comparison honest should a count differ by nothing)."""

from __future__ import annotations

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


@pytest.mark.parametrize("bounds", [(WIDTH, HEIGHT), None])
@pytest.mark.parametrize("with_ignore", [False, True])
@pytest.mark.parametrize("prediction", ["rects", "pred_masks"])
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
