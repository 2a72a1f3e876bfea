"""VOT region overlaps at the edges of their inputs: crafted regions whose answers are known (worked by hand,
or from got10k's shapely `poly_iou`, the VOT toolkit's raster code, pysot's region.c written out below),
where random regions rarely land: degenerate and self-crossing polygons, vertices exactly on a clipping
line, slivers at the 1e-9 px^2 noise floor, coordinates at the float limit (`inf` in a result file becomes
the largest float when scored); for the rasterised overlaps, rectangles rounding to no width, columns past
int32 in very wide images."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from harness.metrics.vot.exact import exact_overlaps
from harness.metrics.vot.raster import rect_corners
from harness.metrics.vot.regions import prepare_raster, raster_overlaps
from tests.vot_reference import region

metrics = pytest.importorskip("got10k.utils.metrics")
vot_raster = pytest.importorskip("vot.region.raster")

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


# --- rasterised overlaps (harness/metrics/vot/pixels.py): pysot's region.c and the VOT toolkit's raster code


def _region_c_rasterise(xs: list, ys: list, width: int, height: int) -> np.ndarray:
    """region.c's rasterize_polygon (non-legacy), written out pixel by pixel: float32 vertices rounded half
    away from zero; a node per non-horizontal edge touching row y, (int)(x_i + (y - y_i) / r * k); bubble
    sort; a node equal to the next is skipped, one at or past the width stops the row, else fill
    between the pair (clamped to the window)."""
    f32 = np.float32
    px = [f32(np.copysign(np.floor(abs(float(f32(v))) + 0.5), float(v))) for v in xs]
    py = [f32(np.copysign(np.floor(abs(float(f32(v))) + 0.5), float(v))) for v in ys]
    mask = np.zeros((height, width), dtype=bool)
    n = len(px)
    for y in range(height):
        nodes = []
        j = n - 1
        for i in range(n):
            yi, yj = int(py[i]), int(py[j])
            if (yi <= y < yj) or (yj <= y < yi) or (yi < y <= yj) or (yj < y <= yi) or (yi == yj == y):
                r, k = float(f32(py[j] - py[i])), float(f32(px[j] - px[i]))
                if r != 0:
                    nodes.append(int(float(px[i]) + float(f32(y) - py[i]) / r * k))
            j = i
        nodes.sort()
        i = 0
        while i < len(nodes) - 1:
            if nodes[i] == nodes[i + 1]:
                i += 1
                continue
            if nodes[i] >= width:
                break
            if nodes[i + 1] >= 0:
                mask[y, max(nodes[i], 0) : min(nodes[i + 1], width - 1) + 1] = True
            i += 2
    return mask


def _region_c_overlap(p1: np.ndarray, p2: np.ndarray, right: float, bottom: float) -> float:
    """region.c's compute_polygon_overlap of two (8,) polygons within bounds (0, 0, right, bottom), as pysot's
    vot_overlap calls it (a rectangle x, y, w, h first made the polygon (x, y) .. (x + w, y + h))."""
    f32 = np.float32
    polys = [np.asarray(p if len(p) == 8 else rect_corners(np.array([p]))[0], dtype=np.float32) for p in (p1, p2)]
    boxes = []
    for p in polys:
        xs, ys = p[0::2], p[1::2]
        boxes.append([max(np.floor(xs.min()), f32(0)), max(np.floor(ys.min()), f32(0)),
                      min(np.ceil(xs.max()), f32(right)), min(np.ceil(ys.max()), f32(bottom))])
    (l1, t1, r1, b1), (l2, t2, r2, b2) = boxes
    x, y = min(l1, l2), min(t1, t2)
    width, height = int(max(r1, r2) - x) + 1, int(max(b1, b2) - y) + 1
    a1, a2 = float((r1 - l1) * (b1 - t1)), float((r2 - l2) * (b2 - t2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.float64(a1) / a2 < 1e-10 or np.float64(a2) / a1 < 1e-10 or width < 1 or height < 1:
            return 0.0
        inter = (min(r1, r2) - max(l1, l2)) * (min(b1, b2) - max(t1, t2))
        ratio = inter / ((r1 - l1) * (b1 - t1) + (r2 - l2) * (b2 - t2) - inter)
        if (f32(0) if f32(0) > ratio else ratio) == 0:
            return 0.0
    m1, m2 = (_region_c_rasterise(p[0::2] - x, p[1::2] - y, width, height) for p in polys)
    return float(f32(np.count_nonzero(m1 & m2)) / f32(np.count_nonzero(m1 | m2)))


def test_pysot_rectangles_rounding_to_no_width_or_height_have_no_pixels() -> None:
    """pysot makes a rectangle the polygon (x, y) .. (x + w, y + h) and rounds its corners: when both x's
    (or both y's) round to one value its two nodes on a row coincide and are skipped (or it has no
    non-horizontal edge), so it has no pixels; when they round one apart it covers two columns (rows).
    Against region.c written out pixel by pixel."""
    gt = np.array([[20.0, 8, 34, 20, 22, 34, 8, 22]])
    pred = np.array([[20.2, 12, 0.2, 10], [12, 14.6, 15, 0.3], [20.4, 12, 0.2, 10], [12, 14.4, 15, 0.2],
                     [20.2, 12, 0.2, 0.2], [15.5, 16.5, 9, 7.5]])
    truth = prepare_raster(gt, np.array([50.0]), np.array([40.0]), pysot=True, bound=-1)
    ours = raster_overlaps(truth, np.zeros(len(pred), dtype=np.int64), pred, np.ones(len(pred), dtype=bool))
    expected = [_region_c_overlap(p, gt[0], 49, 39) for p in pred]
    assert ours.tolist() == expected
    assert expected[0] == expected[1] == expected[4] == 0.0 and min(expected[2], expected[3], expected[5]) > 0


def test_rectangle_columns_past_the_int32_range_in_very_wide_images() -> None:
    """Pixel columns are counted in int32 where they fit: a rectangle reaching column 2^32 - 1 (an image
    2^32 px wide) counts the ground-truth pixels right of its left edge; one covering every span of a
    ground truth lying right of column 2^30 counts all of them. The first by counting pixels (the
    toolkit's window would be 2^32 px wide): the diamond's pixels at x >= 25 by its own rasteriser, the
    rectangle's 50 x (2^32 - 25); the second against the toolkit (float32 coordinates: multiples of 128
    there, so every sum it makes is exact)."""
    x = 2.0**30
    gt = np.array([[25.0, 10, 40, 25, 25, 40, 10, 25], [x, 10, x + 512, 10, x + 640, 20, x + 128, 20]])
    width, height = np.array([2.0**32, x + 512]), np.array([50.0, 30.0])
    pred = np.array([[25.0, 0, 2.0**33, 50], [x, 5, 512, 20]])
    truth = prepare_raster(gt, width, height, pysot=False, bound=-1)
    ours = raster_overlaps(truth, np.arange(2), pred, np.ones(2, dtype=bool))
    diamond = vot_raster.rasterize_polygon(gt[0].reshape(4, 2), (10, 0, 109, 49))
    inside, area_p = int(diamond[:, 15:].sum()), 50 * (2.0**32 - 25)
    assert ours[0] == inside / (area_p + diamond.sum() - inside)
    assert ours[1] == vot_raster.calculate_overlap(region(3, pred[1]), region(3, gt[1]), (int(width[1]), 30))
    assert 0.3 < ours[1] < 1


def test_a_lone_pair_and_pairs_over_several_row_chunks_score_as_the_toolkit() -> None:
    """Rows are summed in chunks of 2^16: 270 rectangles each crossing some 260 rows of a tall ground truth
    take two chunks, one scored alone takes one; each overlap is the toolkit's either way."""
    rng = np.random.default_rng(7)
    n = 270
    cx, cy = rng.uniform(100, 200, n), rng.uniform(140, 160, n)
    gt = np.stack([cx, cy - 130, cx + 90, cy, cx, cy + 130, cx - 90, cy], axis=1) + rng.normal(0, 3, (n, 8))
    pred = np.stack([cx + rng.uniform(-60, 20, n), cy - 140, rng.uniform(20, 60, n), np.full(n, 280.0)], axis=1)
    truth = prepare_raster(gt, np.full(n, 300.0), np.full(n, 300.0), pysot=False, bound=-1)
    ours = raster_overlaps(truth, np.arange(n), pred, np.ones(n, dtype=bool))
    expected = [vot_raster.calculate_overlap(region(3, p), region(3, g), (300, 300)) for p, g in zip(pred, gt)]
    assert ours.tolist() == expected
    alone = raster_overlaps(truth, np.array([5]), pred[5:6], np.ones(1, dtype=bool))
    assert alone.tolist() == [expected[5]]


def test_window_dependent_rows_of_a_self_crossing_ground_truth_with_a_horizontal_edge() -> None:
    """A self-crossing ground truth (its edge (70, 40) - (20, 90) crosses its horizontal edge y = 83 at
    x = 27): the rows whose nodes depend on the window's left edge are redone for rectangles starting
    left of it, vertex rows included (an edge touches its end rows; a horizontal edge gives the VOT
    toolkit a node, pysot none), without numpy's warnings (a horizontal edge divides by zero). Against
    the toolkit and region.c written out."""
    gt = np.array([[20.0, 83, 94, 83, 70, 40, 20, 90]] * 2)
    pred = np.array([[17.0, 39, 75, 53], [13.0, 39, 75, 53]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vot = raster_overlaps(prepare_raster(gt, np.full(2, 120.0), np.full(2, 110.0), pysot=False, bound=-1),
                              np.arange(2), pred, np.ones(2, dtype=bool))
        pysot = raster_overlaps(prepare_raster(gt, np.full(2, 120.0), np.full(2, 110.0), pysot=True, bound=-1),
                                np.arange(2), pred, np.ones(2, dtype=bool))
    assert vot.tolist() == [vot_raster.calculate_overlap(region(3, p), region(3, gt[0]), (120, 110)) for p in pred]
    assert pysot.tolist() == [_region_c_overlap(p, gt[0], 119, 109) for p in pred]


def test_pysot_rows_whose_nodes_lie_past_2_to_31_add_no_pixels() -> None:
    """A pysot ground truth with one corner at the image's left edge and the rest far past its right edge
    (columns past 2^31): on its vertex rows 10 and 20 the three nodes all lie past the window, the first
    not repeated, so region.c stops the row before filling; the row must not come back inside the image
    once its columns are stored in int32. No pixel of it lies in the image: 0 against region.c written
    out (vertices multiples of 2^20: exact in float32)."""
    corner = 3 * 2.0**31 + 3 * 2.0**20
    gt = np.array([[0.0, 0, 2.0**33, 10, 2.0**33, 20, corner, 30]])
    pred = np.array([[0.0, 5, 100, 10], [0.0, 0, 100, 40]])
    truth = prepare_raster(gt, np.array([100.0]), np.array([40.0]), pysot=True, bound=-1)
    ours = raster_overlaps(truth, np.zeros(2, dtype=np.int64), pred, np.ones(2, dtype=bool))
    assert ours.tolist() == [_region_c_overlap(p, gt[0], 99, 39) for p in pred] == [0.0, 0.0]
    assert truth.raster.area.tolist() == [0.0]


def test_window_dependent_rows_with_a_second_span_of_a_self_crossing_ground_truth() -> None:
    """A self-crossing ground truth whose window-dependent rows have two spans: redone for predictions
    starting left of it, each span's pixels inside the prediction are counted again (the second span's
    too). Rectangles and a polygon against the toolkit; a rectangle against region.c written out."""
    gt = np.array([[14.0, 97, 6, 3, 64, 90, 85, 26]])
    boxes = np.array([[-1.0, -1, 81.43908832572947, 97], [-1.0, 1, 85.75793373594755, 97]])
    poly = np.array([[9.0, 98, -3, 2, 56, 90, 76, 25]])
    vot_truth = prepare_raster(gt, np.array([120.0]), np.array([110.0]), pysot=False, bound=-1)
    frames = np.zeros(2, dtype=np.int64)
    vot = raster_overlaps(vot_truth, frames, boxes, np.ones(2, dtype=bool)).tolist()
    vot += raster_overlaps(vot_truth, frames[:1], poly, np.ones(1, dtype=bool)).tolist()
    pysot_truth = prepare_raster(gt, np.array([120.0]), np.array([110.0]), pysot=True, bound=-1)
    pysot = raster_overlaps(pysot_truth, frames[:1], boxes[1:], np.ones(1, dtype=bool))
    assert vot == [vot_raster.calculate_overlap(region(3, p), region(3, gt[0]), (120, 110))
                   for p in [*boxes, *poly]]
    assert pysot.tolist() == [_region_c_overlap(boxes[1], gt[0], 119, 109)]


def test_window_dependent_second_spans_cut_by_the_prediction_within_a_pixel() -> None:
    """A self-crossing ground truth whose window-dependent rows have a second span that the prediction
    covers by under two pixels (found by random search over integer quadrilaterals): the redone rows'
    pixels are counted exactly, not just their change. A rectangle and a polygon starting left of it,
    against the toolkit."""
    gt = np.array([[26.0, 78, 34, 9, 28, 75, 48, 34]])
    preds = [np.array([[23.0, 9, 24.33305748299095, 72]]), np.array([[24.0, 79, 29, 9, 24, 73, 47, 36]])]
    truth = prepare_raster(gt, np.array([120.0]), np.array([110.0]), pysot=False, bound=-1)
    ours = [raster_overlaps(truth, np.zeros(1, dtype=np.int64), p, np.ones(1, dtype=bool))[0] for p in preds]
    assert ours == [vot_raster.calculate_overlap(region(3, p[0]), region(3, gt[0]), (120, 110)) for p in preds]


def test_ground_truth_vertices_past_2_to_63_warn_nothing() -> None:
    """A ground-truth vertex at x = +-1e19 (finite in float32) puts nodes past the int64 range on the rows
    of its edges: they are clipped before any integer cast, so no numpy warning. Against the toolkit: with
    the vertex at -1e19 as given; at +1e19 with the vertex moved to 1000, which leaves the same pixels in
    the image (every node its two edges put on rows 11..29 lies past the right edge either way; the
    toolkit's own nodes overflow at 1e19)."""
    far = np.array([[10.0, 10, 1e19, 20, 40, 30, 10, 30], [40.0, 10, -1e19, 20, 10, 30, 40, 30]])
    reference = far.copy()
    reference[0, 2] = 1000.0
    preds = np.array([[0.0, 0, 50, 40], [5.0, 12, 30, 15]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        truth = prepare_raster(far, np.full(2, 50.0), np.full(2, 40.0), pysot=False, bound=-1)
        ours = [raster_overlaps(truth, np.arange(2), np.array([p, p]), np.ones(2, dtype=bool)).tolist() for p in preds]
    assert ours == [[vot_raster.calculate_overlap(region(3, p), region(3, g), (50, 40)) for g in reference]
                    for p in preds]


@pytest.mark.parametrize("pysot", [False, True])
def test_no_ground_truth_frames_rasterise_to_nothing(pysot: bool) -> None:
    """No frames at all (a dataset whose sequences are all empty): nothing to rasterise, no overlap, no
    error."""
    truth = prepare_raster(np.zeros((0, 8)), np.zeros(0), np.zeros(0), pysot=pysot, bound=-1)
    assert truth.raster.area.shape == (0,)
    ours = raster_overlaps(truth, np.zeros(0, dtype=np.int64), np.zeros((0, 4)), np.zeros(0, dtype=bool))
    assert ours.shape == (0,)


def test_pysot_ground_truths_with_edges_one_row_tall_or_horizontal() -> None:
    """region.c gives no node for a horizontal edge and two for an edge one row tall (one on each of its
    rows), which a neighbouring vertex's node may repeat. Small integer quadrilaterals with such edges
    (found by random search: the ones where dropping or adding those nodes changes the pixels), scored
    against a rectangle covering them, against region.c written out."""
    gt = np.array([[11.0, 20, 3, 26, 10, 25, 16, 26], [23.0, 27, 9, 27, 26, 2, 25, 28],
                   [4.0, 11, 23, 18, 10, 18, 16, 28], [23.0, 20, 12, 0, 22, 5, 24, 4], [9.0, 6, 16, 6, 7, 1, 29, 6]])
    n = len(gt)
    pred = np.tile([[1.0, 0, 30, 35]], (n, 1))
    truth = prepare_raster(gt, np.full(n, 40.0), np.full(n, 40.0), pysot=True, bound=-1)
    ours = raster_overlaps(truth, np.arange(n), pred, np.ones(n, dtype=bool))
    assert ours.tolist() == [_region_c_overlap(p, g, 39, 39) for p, g in zip(pred, gt)]
