"""VOT supervised scoring (harness/metrics/vot/evaluate.py, frames.py, scores.py, regions.py) on inputs the
golden, protocol and property tests leave out: what a result declares to its renderers (the EAO curve,
the accuracy-robustness plot of each profile), the rasterised ground truth kept for the datasets last
scored, and crafted trajectories with figures worked by hand or computed by the reference toolkits.

References: vot-toolkit 0.9.0's analyses (tests/vot_reference.py), pysot's and got10k's formulas
written out plainly, values worked by hand.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from harness.errors import EvaluationError
from harness.metrics.fields import Scatter
from harness.metrics.vot.evaluate import VOTSequenceTruth, VOTTrajectory, evaluate_vot
from harness.metrics.vot.frames import raster_truth
from harness.metrics.vot.profiles import PYSOT_TAGS
from harness.metrics.vot.regions import prepare_raster, raster_overlaps
from tests.vot_reference import toolkit_analyses

INTERVAL = (2, 12)


def _rect_truth(name: str, n: int, seed: int, never: tuple[str, ...] = (), width: int = 100,
                height: int = 80) -> VOTSequenceTruth:
    """Rectangles inside the image; pysot's tags on some frames, those in `never` on none."""
    rng = np.random.default_rng(seed)
    gt = np.column_stack([rng.uniform(10, 40, (n, 2)), rng.uniform(15, 30, (n, 2))])
    tags = {tag: (rng.random(n) < 0.2) & (tag not in never) for tag in PYSOT_TAGS}
    return VOTSequenceTruth(name, gt, tags, width, height)


def _run(seq: VOTSequenceTruth, status: list[int], repetition: int = 1, shift: float = 2.0) -> VOTTrajectory:
    """The ground truth moved right by `shift` pixels on tracked frames; no region elsewhere."""
    status = np.array(status, dtype=np.int8)
    boxes = np.asarray(seq.gt, dtype=float) + [shift, 0, 0, 0]
    boxes[status != 3] = np.nan
    return VOTTrajectory(seq.name, repetition, status, boxes)


def _small_benchmark() -> tuple[list[VOTSequenceTruth], list[VOTTrajectory]]:
    """Two sequences; the first fails at frame 6 and is re-initialised at 11, the second never fails.
    The second never sets size_change, so pysot's 'empty' tag (which counts such tags) weighs something."""
    a, b = _rect_truth("a", 24, 1), _rect_truth("b", 18, 2, never=("size_change",))
    runs = [_run(a, [1, 3, 3, 3, 3, 2, 0, 0, 0, 0, 1] + [3] * 13), _run(b, [1] + [3] * 17)]
    return [a, b], runs


def test_eao_curve_declared_to_renderers_is_the_toolkits() -> None:
    """The plotted EAO curve is vot-toolkit's EAOCurve on the same trajectories, shaded over the interval."""
    truth, runs = _small_benchmark()
    result = evaluate_vot(runs, truth, "vot_toolkit", INTERVAL)
    expected = toolkit_analyses(truth, runs, *INTERVAL)["eao_curve"]
    (curve,) = result.curves()
    np.testing.assert_allclose(np.asarray(curve.y, dtype=float), expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(curve.x, np.arange(len(expected)))
    assert curve.shade == (2.0, 12.0)


@pytest.mark.parametrize(
    ("profile", "robustness"),
    [("vot_toolkit", "ar_robustness"), ("pysot", "failures_per_100_frames"), ("got10k", "tag_weighted_failures")],
)
def test_accuracy_robustness_plot_uses_each_toolkits_robustness(profile: str, robustness: str) -> None:
    """The AR plot's x axis is the toolkit's AR-plot robustness where it has one (VOT toolkit; both axes 0..1
    as the toolkit draws them), else the robustness the profile reports, unbounded (pysot's failures per 100
    frames even though pysot also reports an EAO); accuracy is 0..1 under every profile."""
    truth, runs = _small_benchmark()
    result = evaluate_vot(runs, truth, profile, INTERVAL)
    x_range = (0.0, 1.0) if robustness == "ar_robustness" else None
    assert result.scatters() == [Scatter("ar_plot", "accuracy-robustness", x=robustness, y="accuracy",
                                         x_range=x_range, y_range=(0.0, 1.0))]


def _copy(truth: list[VOTSequenceTruth]) -> list[VOTSequenceTruth]:
    return [VOTSequenceTruth(s.name, s.gt.copy(), dict(s.tags), s.width, s.height) for s in truth]


def test_rasterised_truth_is_kept_for_the_four_datasets_last_scored() -> None:
    """Scoring several trackers on one dataset rasterises it once: equal ground truth (another copy of
    the arrays) is served the same rasterisation while it is among the four datasets last used; a fifth
    pushes out the one used longest ago; an edited array is rasterised anew."""
    datasets = [[_rect_truth("a", 5, seed)] for seed in range(10, 15)]
    a, b, c, d, e = datasets
    first = raster_truth(a, False, -1)
    assert raster_truth(_copy(a), False, -1) is first
    held = {id(x): raster_truth(x, False, -1) for x in (b, c, d)}
    assert raster_truth(_copy(a), False, -1) is first  # four datasets: all kept, b now the oldest
    raster_truth(e, False, -1)  # a fifth: b goes
    assert raster_truth(_copy(b), False, -1) is not held[id(b)]
    assert raster_truth(_copy(d), False, -1) is held[id(d)]
    edited = _copy(a)
    edited[0].gt[0, 0] += 1
    assert raster_truth(edited, False, -1) is not first
    assert raster_truth(a, True, -1) is not first and raster_truth(a, False, 0) is not first


def _supervised(n: int, failures: list[int], unknown: tuple[int, ...] = ()) -> np.ndarray:
    """Status of a supervised run: 1 at frame 0, 2 at each failure, four 0s after it and a
    re-initialisation (if the sequence has frames left); `unknown` frames mid-track are 0."""
    status = np.full(n, 3, dtype=np.int8)
    status[0] = 1
    for f in failures:
        status[f] = 2
        status[f + 1 : f + 5] = 0
        if f + 5 < n:
            status[f + 5] = 1
    status[list(unknown)] = 0
    return status


def _integer_truth(name: str, n: int, seed: int, never: tuple[str, ...] = ()) -> VOTSequenceTruth:
    """20 x 10 rectangles at integer positions, 15 px or more inside a 100 x 80 image; tags as `_rect_truth`'s."""
    rng = np.random.default_rng(seed)
    gt = np.column_stack([rng.integers(15, 60, n), rng.integers(5, 50, n), np.full(n, 20), np.full(n, 10)])
    tags = {tag: (rng.random(n) < 0.3) & (tag not in never) for tag in PYSOT_TAGS}
    return VOTSequenceTruth(name, gt.astype(float), tags, 100, 80)


# Repetition k (1-based) of each sequence: its failures, and a shift of k - 1 pixels, to the left for even k
# (the window then starts at the prediction and ends at the ground truth).
FAILURES = {"a": {1: [], 2: [1], 3: [12, 29], 4: [25]}, "b": {1: [7], 2: [], 3: [3, 9], 4: []}}


def _pysot_runs(truth: list[VOTSequenceTruth], repetitions: int) -> list[VOTTrajectory]:
    runs = []
    for seq in truth:
        for k in range(1, repetitions + 1):
            status = _supervised(len(seq.gt), FAILURES[seq.name].get(k, []), unknown=(15,) if k == 2 else ())
            runs.append(_run(seq, status.tolist(), repetition=k, shift=(k - 1.0) * (-1) ** k))
    return runs


def _pysot_by_hand(truth: list[VOTSequenceTruth], runs: list[VOTTrajectory]) -> dict:
    """pysot's AccuracyRobustnessBenchmark on rectangles 20 px wide shifted by s whole pixels: region.c
    draws a rectangle as the polygon on its corners, 21 columns, so the overlap is (21 - |s|) / (21 + |s|),
    a float in C (float32: the correctly rounded quotient, the pixel counts being small integers).
    A frame's overlap is NaN in the burn-in (10 frames from each initialisation) and where there is no
    region; per frame the nanmean over repetitions, accuracy the nanmean over every frame; failures summed
    over sequences per repetition, then averaged over repetitions (per 100 frames: over all frames)."""
    per_frame, failures = [], {}
    for seq in truth:
        mine = [r for r in runs if r.sequence == seq.name]
        rows = []
        for r in mine:
            ov = np.full(len(seq.gt), np.nan)
            for i, s in enumerate(r.status):
                last_init = max(j for j in range(i + 1) if r.status[j] == 1)
                if s == 3 and i - last_init >= 10:
                    shift = abs(r.boxes[i, 0] - seq.gt[i, 0])
                    ov[i] = np.float32((21 - shift) / (21 + shift))
            rows.append(ov)
            failures[r.repetition] = failures.get(r.repetition, 0) + int(np.sum(r.status == 2))
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # frames with no overlap in any repetition
            per_frame.append(np.nanmean(rows, axis=0))
    total = sum(len(s.gt) for s in truth)
    lost = list(failures.values())
    return {"accuracy": float(np.nanmean(np.concatenate(per_frame))), "failures": float(np.mean(lost)),
            "failures_per_100_frames": float(np.mean(np.array(lost) / total) * 100)}


@pytest.mark.parametrize("repetitions", [15, 2])
def test_pysot_reads_all_fifteen_repetitions_or_only_the_first(repetitions: int) -> None:
    """pysot scores every repetition only when there are exactly 15 (VOTVideo.load_tracker), otherwise the
    first; failures right after an initialisation, at the last frame, and an unknown frame mid-track."""
    truth = [_integer_truth("a", 30, 3), _integer_truth("b", 22, 4, never=("illum_change",))]
    runs = _pysot_runs(truth, repetitions)
    scored = runs if repetitions == 15 else [r for r in runs if r.repetition == 1]
    expected = _pysot_by_hand(truth, scored)
    result = evaluate_vot(runs, truth, "pysot", INTERVAL)
    # the same sums in another order: a few float64 ulps
    assert result.accuracy == pytest.approx(expected["accuracy"], rel=1e-12)
    assert result.failures == pytest.approx(expected["failures"], rel=1e-12)
    assert result.values["failures_per_100_frames"] == pytest.approx(expected["failures_per_100_frames"], rel=1e-12)
    assert result.extras["total_frames"] == 52


def _got10k_report(truth: list[VOTSequenceTruth], runs: list[VOTTrajectory], tags: tuple[str, ...]) -> dict:
    """got10k 0.1.3's ExperimentVOT.report written out on our trajectories: records as its files read
    ([status] or the region), the 10 records from each [1] replaced by [0] for the IoUs, poly_iou against
    the annotation within the image, NaN for a record that is not a region; per frame the nanmean over
    repetitions of IoUs and failure flags; per tag (and 'empty': frames with no tag of the annotated
    ones) the nanmean IoU and the failure sum, weighted by the tag's frame count."""
    from got10k.utils.metrics import poly_iou

    ious, failures, masks = [], [], []
    for seq in truth:
        rows_iou, rows_fail = [], []
        for r in sorted((r for r in runs if r.sequence == seq.name), key=lambda r: r.repetition):
            records = [[float(s)] if s != 3 else b[~np.isnan(b)].tolist() for s, b in zip(r.status, r.boxes)]
            burned = list(records)
            for i in [i for i, rec in enumerate(records) if rec == [1.0]]:
                burned[i : i + 10] = [[0]] * 10
            rows_iou.append([poly_iou(np.array(a), g, (seq.width, seq.height))[0] if len(a) > 1 else np.nan
                             for a, g in zip(burned, seq.gt)])
            rows_fail.append([len(a) == 1 and a[0] == 2 for a in records])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ious.append(np.nanmean(rows_iou, axis=0))
            failures.append(np.nanmean(np.array(rows_fail, dtype=float), axis=0))
        annotated = [np.asarray(v, dtype=bool) for v in seq.tags.values() if len(v)]
        mask = np.zeros((len(tags), len(seq.gt)), dtype=bool)
        for i, tag in enumerate(tags):
            if tag == "empty":
                mask[i] = ~np.logical_or.reduce(annotated, axis=0)
            elif len(seq.tags.get(tag, ())):
                mask[i] = seq.tags[tag]
        masks.append(mask)
    ious, failures, masks = np.concatenate(ious), np.concatenate(failures), np.concatenate(masks, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tag_ious = np.array([np.nanmean(ious[m]) for m in masks])
    tag_failures = np.array([np.nansum(failures[m]) for m in masks])
    tag_frames = masks.sum(axis=1)
    tag_ious[np.isnan(tag_ious)] = 0.0
    weights = tag_frames / tag_frames.sum()
    return {"accuracy": float(np.sum(tag_ious * weights)), "robustness": float(np.sum(tag_failures * weights)),
            "per_tag": {t: (a, f, n) for t, a, f, n in zip(tags, tag_ious, tag_failures, tag_frames)},
            "failures": float(failures.sum())}


def test_got10k_report_over_repetitions_tags_and_polygons() -> None:
    """got10k averages each frame over the repetitions (IoU and failure flag), then weighs tags by their
    frame counts; a tag no sequence annotates counts 0 frames, 'empty' the frames without any annotated tag.
    Repetitions with different failures (one at the last frame), an unknown frame, a polygon prediction,
    a prediction partly outside the image; one sequence without an occlusion file."""
    a, b = _integer_truth("a", 30, 5), _integer_truth("b", 22, 6)
    b = VOTSequenceTruth("b", b.gt, {**b.tags, "occlusion": np.zeros(0, dtype=bool)}, b.width, b.height)
    runs = []
    for seq in (a, b):
        for k in (1, 2, 3):
            status = _supervised(len(seq.gt), FAILURES[seq.name].get(k, []), unknown=(15,) if k == 2 else ())
            runs.append(_run(seq, status.tolist(), repetition=k, shift=2.5 * k))
    corners = runs[0].boxes[20]
    polygon = np.array([corners[0], corners[1], corners[0] + 25, corners[1] + 3, corners[0] + 22,
                        corners[1] + 12, corners[0] - 2, corners[1] + 9])  # a convex quadrilateral
    boxes = np.pad(runs[0].boxes, ((0, 0), (0, 4)), constant_values=np.nan)
    boxes[20] = polygon
    boxes[21, :4] = [-8.0, 70.0, 20.0, 15.0]  # partly outside the 100 x 80 image
    runs[0] = VOTTrajectory("a", 1, runs[0].status, boxes)
    tags = ("camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty")
    expected = _got10k_report([a, b], runs, tags)
    result = evaluate_vot(runs, [a, b], "got10k", INTERVAL)
    # exact polygon clipping vs shapely's: float64 rounding in another order
    assert result.accuracy == pytest.approx(expected["accuracy"], abs=1e-12)
    assert result.values["tag_weighted_failures"] == pytest.approx(expected["robustness"], abs=1e-12)
    assert result.failures == pytest.approx(expected["failures"], abs=1e-12)
    for tag, (acc, fails, frames) in expected["per_tag"].items():
        assert result.per_tag[tag]["accuracy"] == pytest.approx(acc, abs=1e-12), tag
        assert (result.per_tag[tag]["failures"], result.per_tag[tag]["frames"]) == pytest.approx((fails, frames)), tag


def test_got10k_sequences_without_any_tag_file_count_as_empty() -> None:
    """A sequence with no tag annotation at all (no tags, or every list empty): each of its frames is
    'empty' and no other tag's, as got10k's mask (the complement of an OR over no tags) makes it."""
    a = _integer_truth("a", 30, 7)
    b = VOTSequenceTruth("b", _integer_truth("b", 22, 8).gt, {}, 100, 80)
    c = VOTSequenceTruth("c", _integer_truth("c", 14, 9).gt, {t: np.zeros(0, dtype=bool) for t in PYSOT_TAGS}, 100, 80)
    runs = [_run(s, _supervised(len(s.gt), f).tolist(), shift=1.5) for s, f in ((a, [4]), (b, [12]), (c, []))]
    tags = ("camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty")
    expected = _got10k_report([a, b, c], runs, tags)
    result = evaluate_vot(runs, [a, b, c], "got10k", INTERVAL)
    empty = int(np.count_nonzero(~np.logical_or.reduce(list(a.tags.values())))) + 22 + 14
    assert result.per_tag["empty"]["frames"] == expected["per_tag"]["empty"][2] == empty
    assert result.accuracy == pytest.approx(expected["accuracy"], abs=1e-12)  # float64 sums in another order
    assert result.values["tag_weighted_failures"] == pytest.approx(expected["robustness"], abs=1e-12)


def test_vot_toolkit_accuracy_of_a_trajectory_with_one_frame_past_the_burn_in() -> None:
    """A sequence of 11 frames tracked from its first: only frame 11 is past the 10-frame burn-in, and the
    trajectory's accuracy is that frame's overlap (vot-toolkit's AccuracyRobustness)."""
    short, long = _rect_truth("short", 11, 21), _rect_truth("long", 16, 22)
    runs = [_run(short, [1] + [3] * 10, shift=3.0), _run(long, [1] + [3] * 15, shift=1.0)]
    expected = toolkit_analyses([short, long], runs, *INTERVAL)
    result = evaluate_vot(runs, [short, long], "vot_toolkit", INTERVAL)
    assert result.per_sequence_figures["short"]["n_valid_frames"] == 1
    assert 0 < expected["per_sequence"]["short"]["accuracy"] < 1
    assert result.per_sequence_figures["short"]["accuracy"] == expected["per_sequence"]["short"]["accuracy"]
    assert result.accuracy == pytest.approx(expected["accuracy"], abs=1e-15)  # the same sums, maybe reordered


def _pysot_overlap(gt: list[float], pred: list[float], width: int, height: int) -> float:
    """One rectangle against one ground-truth rectangle as pysot's vot_overlap (bound: the EAO's w - 1, h - 1)."""
    rows = np.pad(np.array([gt], dtype=float), ((0, 0), (0, 4)), constant_values=np.nan)
    truth = prepare_raster(rows, np.array([float(width)]), np.array([float(height)]), pysot=True, bound=-1)
    return float(raster_overlaps(truth, np.array([0]), np.array([pred], dtype=float), np.array([True]))[0])


def test_pysot_exits_on_the_bounds_of_float32_vertices() -> None:
    """region.c holds vertices as C floats and returns 0 when the floored/ceiled bound boxes do not overlap.
    A ground truth ending 1e-8 px past column 10 (10 in float32) merely touches a prediction starting at
    10, although both rasterise column 10: 0. Ending at 10.001, the boxes overlap: the pixel count decides,
    the shared column's 7 pixels over 9 x 7 + 6 x 7 - 7 = 98."""
    assert _pysot_overlap([2, 2, 8 + 1e-8, 6], [10, 2, 5, 6], 40, 30) == 0.0
    assert _pysot_overlap([2, 2, 8.001, 6], [10, 2, 5, 6], 40, 30) == np.float32(7 / 98)


@pytest.mark.parametrize("tiny_is_prediction", [True, False])
def test_pysot_area_ratio_exit_compares_float32_areas(tiny_is_prediction: bool) -> None:
    """region.c returns 0 when one bound box's area is below 1e-10 of the other's, its areas being C
    floats: 357641 x 27961 = 1e10 + 1 px is 1e10 in float32, so a 1 x 1 px box against it (ratio exactly
    1e-10) is scored, whichever is the ground truth: its 2 x 2 pixels (pysot draws w + 1 columns) over the
    large one's 357642 x 27962."""
    tiny, large = [5.0, 5.0, 1.0, 1.0], [0.0, 0.0, 357641.0, 27961.0]
    gt, pred = (large, tiny) if tiny_is_prediction else (tiny, large)
    assert _pysot_overlap(gt, pred, 400000, 30000) == np.float32(4 / (357642 * 27962))


def test_pysot_clips_a_prediction_at_the_last_column_of_a_tall_image() -> None:
    """The raster window ends at the right of both bound boxes, the prediction's cut at column w - 1 = 99
    (the EAO's bound) even where the ground truth's bottom row (170) is further: ground truth columns
    70..95 x rows 150..170 (546 px), prediction 80..99 of its 80..130 x the same rows (420 px), 336 shared."""
    assert _pysot_overlap([70, 150, 25, 20], [80, 150, 50, 20], 100, 200) == np.float32(336 / 630)


def test_pysot_terms_give_its_figures_back_with_sequences_without_valid_frames() -> None:
    """pysot's EAO, accuracy and failures as sums over sequences give the figures back on every sequence
    once, also where a sequence has no frame past the burn-in (it fails within every burn-in) or just one;
    lost_number is the failures' mean over repetitions."""
    truth = [_integer_truth("a", 30, 3), _integer_truth("b", 22, 4, never=("illum_change",)),
             _integer_truth("c", 12, 5), _integer_truth("d", 11, 6)]
    status_c = [1, 3, 2, 0, 0, 0, 0, 1, 3, 3, 3, 3]  # no frame past the burn-in
    reps = range(1, 16)  # 15: pysot reads them all, and a fragment weighs 1 / 15
    runs = _pysot_runs(truth[:2], 15) + [_run(truth[2], status_c, repetition=k, shift=k % 4) for k in reps]
    runs += [_run(truth[3], [1] + [3] * 10, repetition=k, shift=k % 3) for k in reps]  # one valid frame
    result = evaluate_vot(runs, truth, "pysot", INTERVAL)
    expected = _pysot_by_hand(truth, runs)
    assert result.accuracy == pytest.approx(expected["accuracy"], rel=1e-12)
    assert result.extras["lost_number"] == result.failures == pytest.approx(expected["failures"], rel=1e-12)
    terms = result.terms()
    # sums over sequences in another order (float64), the EAO's points from float32 curves
    assert terms["accuracy"].total() == pytest.approx(result.accuracy, rel=1e-12)
    assert terms["failures_per_100_frames"].total() == pytest.approx(result.values["failures_per_100_frames"], rel=1e-12)
    assert terms["eao"].total() == pytest.approx(result.eao, abs=1e-6)


def test_pysot_refuses_sequences_with_unequal_repetitions() -> None:
    truth = [_integer_truth("a", 30, 3), _integer_truth("b", 22, 4)]
    runs = _pysot_runs(truth, 15)[:-1]  # b's repetition 15 missing: 15 of a, 14 of b
    with pytest.raises(EvaluationError, match=r"as many repetitions of every sequence, got \[1, 15\]"):
        evaluate_vot(runs, truth, "pysot", INTERVAL)


def test_pysot_exits_on_bound_boxes_cut_inside_out_by_the_image() -> None:
    """region.c cuts each bound box to the image before its exits, so a region past the image's left,
    right or bottom edge gets a box with left > right or top > bottom, and a segment a flat one. Its float
    arithmetic then decides: two negative extents make a positive area (and intersection), a 0 / 0 area
    or overlap ratio is NaN and takes no exit, a window of one row is rasterised. A pair passing the exits
    with no pixel in the window is 0 / 0 pixels: NaN. Scored in one batch (a pair with a window of no
    columns among them), against region.c written out pair by pair, without floating-point warnings."""
    from tests.test_vot_region_overlap_edges import _region_c_overlap

    nan = np.nan
    pairs = [  # ground truth (polygon or x, y, w, h), image width, height, predicted x, y, w, h
        ([-10, 1.5, 39, 1.5, -7, 1.5, 4, 1.5], 3, 3, [36, 6.5, 5, 40]),  # both boxes inside out: NaN
        ([-5.5, -15, -5.5, 44, -5.5, 40, -5.5, 27], 3, 10, [36.5, -4.5, 0.5, 5]),  # negative areas, ratio > 0
        ([2.5, 5, 2.5, 14, 2.5, 16, 2.5, 15], 3, 7, [37, 42, 2, 0]),  # ground truth of area 0: exits
        ([1.5, -7, 0.5, 0.5], 3, 3, [-10, -7, 0.5, 20]),  # positive intersection, negative ratio: exits
        ([28, 50.5, 0.5, 2], 3, 3, [22, 28.5, 5, 0.5]),  # window of no columns or rows: exits
        ([8, 40.5, 27, 26, 19, 2.5, 7, 10], 12, 3, [8, 20, 0, 0]),  # 0 / 0 ratios, a one-row window: NaN
    ]
    gt = np.array([g + [nan] * (8 - len(g)) for g, *_ in pairs], dtype=float)
    width, height = np.array([p[1] for p in pairs], dtype=float), np.array([p[2] for p in pairs], dtype=float)
    pred = np.array([p[3] for p in pairs], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        truth = prepare_raster(gt, width, height, pysot=True, bound=-1)
        ours = raster_overlaps(truth, np.arange(len(pairs)), pred, np.ones(len(pairs), dtype=bool))
    with np.errstate(invalid="ignore"):  # region.c's own 0 / 0 pixels
        expected = [_region_c_overlap(p, np.array(g, dtype=float), w - 1, h - 1) for g, w, h, p in pairs]
    np.testing.assert_array_equal(ours, expected)
    assert np.isnan(expected).tolist() == [True, True, False, False, False, True]


def test_vot_ground_truth_rectangles_one_pixel_wide_or_tall_keep_their_pixels() -> None:
    """The VOT toolkit draws a rectangle x, y, w, h on columns x .. x + w - 1 once w and h round to 1 or
    more: a ground truth one pixel wide (w 1, or 0.8 rounding to 1) or tall has that column (row) of
    pixels, so a 5 x 5 prediction covering the 5 x 1 one scores 5 / 25, not 0.
    Against vot-toolkit's rasterised overlap on the same image."""
    from vot.region.raster import calculate_overlaps
    from vot.region.shapes import Rectangle

    gts = [[10, 10, 1, 5], [10.4, 10, 0.8, 5], [10, 10, 5, 1], [10, 10, 1.2, 1]]
    preds = [[8, 10, 5, 5], [10, 10, 1, 5], [10, 10, 5, 1], [9, 9, 3, 3]]
    gt = np.array([g + [np.nan] * 4 for g in gts for _ in preds])
    pred = np.array(preds * len(gts), dtype=float)
    size = np.full(len(gt), 40.0), np.full(len(gt), 30.0)
    truth = prepare_raster(gt, *size, pysot=False, bound=-1)
    ours = raster_overlaps(truth, np.arange(len(gt)), pred, np.ones(len(gt), dtype=bool))
    expected = [calculate_overlaps([Rectangle(*p)], [Rectangle(*g)], (40, 30))[0] for g in gts for p in preds]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-15)  # pixel counts; one division each
    assert ours[0] == ours[4] == 0.2 and min(ours) > 0


def test_special_frames_score_as_an_empty_region_in_each_toolkit() -> None:
    """A frame with no region: the VOT toolkit bounds the empty region by (0, 0, 0, 0) and scores 1 where
    the union with the ground truth's bounds has no width or height (a ground truth one pixel wide in
    column 0, or one tall in row 0), else 0, as vot-toolkit computes; pysot's vot_overlap gives NaN."""
    from vot.region import Special
    from vot.region.raster import calculate_overlaps
    from vot.region.shapes import Rectangle

    gts = [[0, 5, 1, 10], [1, 5, 1, 10], [3, 0, 4, 1], [3, 1, 4, 1], [0, 0, 1, 1], [3, 3, 4, 4]]
    gt = np.array([g + [np.nan] * 4 for g in gts], dtype=float)
    size, frame, absent = (np.full(6, 40.0), np.full(6, 30.0)), np.arange(6), np.zeros(6, dtype=bool)
    vot = raster_overlaps(prepare_raster(gt, *size, pysot=False, bound=-1), frame, np.zeros((6, 4)), absent)
    assert vot.tolist() == [calculate_overlaps([Special(0)], [Rectangle(*g)], (40, 30))[0] for g in gts]
    assert vot.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    pysot = raster_overlaps(prepare_raster(gt, *size, pysot=True, bound=-1), frame, np.zeros((6, 4)), absent)
    assert pysot.dtype == np.float64 and np.isnan(pysot).all()


def test_vot_overlap_of_a_single_visible_pixel_with_that_pixel_is_one() -> None:
    """A ground-truth triangle (-10, 10), (10, -10), (-10, -10) shows only pixel (0, 0) of the image, yet
    its bounds make a raster window of 11 x 11 pixels with a 1 x 1 prediction on that pixel: both regions
    are that one pixel, a union of 1 pixel, overlap 1 as vot-toolkit computes (a triangle showing
    three pixels: 1 / 3)."""
    from vot.region.raster import calculate_overlaps
    from vot.region.shapes import Polygon, Rectangle

    gts = [[-10, 10, 10, -10, -10, -10, -10, -10], [-10, 11, 11, -10, -10, -10, -10, -10]]
    truth = prepare_raster(np.array(gts, dtype=float), np.full(2, 20.0), np.full(2, 20.0), pysot=False, bound=-1)
    ours = raster_overlaps(truth, np.arange(2), np.array([[0.0, 0, 1, 1]] * 2), np.ones(2, dtype=bool))
    expected = [calculate_overlaps([Rectangle(0, 0, 1, 1)], [Polygon(list(zip(g[0::2], g[1::2])))], (20, 20))[0]
                for g in gts]
    assert ours.tolist() == expected == [1.0, 1 / 3]


def _polygon_runs(bad_row: list[float]) -> tuple[list[VOTSequenceTruth], list[VOTTrajectory]]:
    """The small benchmark with 8-column regions (rectangles padded with NaN), frame 3 of b set to `bad_row`."""
    truth, runs = _small_benchmark()
    for run in runs:
        object.__setattr__(run, "boxes", np.pad(run.boxes, ((0, 0), (0, 4)), constant_values=np.nan))
    runs[1].boxes[2] = bad_row
    return truth, runs


@pytest.mark.parametrize(
    "bad_row",
    [[np.nan] * 8, [1, 2, 3, 4, np.nan, 5, 6, 7], [1, 2, 3, 4, 5, np.nan, np.nan, np.nan],
     [np.nan, 2, 3, 4, 5, 6, 7, 8]],
)
def test_tracked_regions_must_be_finite_polygons_or_padded_rectangles(bad_row: list[float]) -> None:
    """An 8-column region is a polygon (8 finite values) or a rectangle (4 finite, then NaN x 4); any
    other mix on a tracked frame is refused, naming the trajectory and frame."""
    truth, runs = _polygon_runs(bad_row)
    with pytest.raises(EvaluationError, match=r"sequence b, repetition 1\): frame 3 is tracked \(status 3\) but "
                       r"its region is not finite"):
        evaluate_vot(runs, truth, "vot_toolkit", INTERVAL)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a, b: object.__setattr__(b, "boxes", b.boxes[:-1]), r"expected status \(18,\) and boxes \(18, 4\)"),
        (lambda a, b: object.__setattr__(b, "status", b.status[:-1]), r"got \(17,\) and \(18, 4\)"),
        (lambda a, b: object.__setattr__(b, "status", np.array([1, 3, 2, 3, 2] + [3] * 13, dtype=np.int8)),
         r"sequence b, repetition 1\): frame 5 \(status 2\) breaks the supervised protocol: the first frame is 1, "
         r"then failures \(2\) and re-initialisations \(1\) alternate$"),
    ],
)
def test_malformed_second_trajectory_is_refused_naming_it(change, message: str) -> None:
    """Shapes and markers are checked on every trajectory, not only the first: boxes one row short,
    status one frame short, two failures without a re-initialisation between them."""
    truth, runs = _small_benchmark()
    change(*runs)
    with pytest.raises(EvaluationError, match=message):
        evaluate_vot(runs, truth, "vot_toolkit", INTERVAL)


@pytest.mark.parametrize("interval", [(0, 12), (5, 5), (12, 2)])
def test_eao_interval_must_be_two_lengths_from_one_up(interval: tuple[int, int]) -> None:
    truth, runs = _small_benchmark()
    with pytest.raises(EvaluationError, match=r"EAO interval .* must be two sequence lengths, low < high"):
        evaluate_vot(runs, truth, "vot_toolkit", interval)


def test_profile_object_and_interval_from_length_one_are_accepted() -> None:
    """A VOTProfile object scores as its name does; an interval starting at length 1 is valid."""
    from harness.metrics.vot.profiles import get_profile

    truth, runs = _small_benchmark()
    by_object = evaluate_vot(runs, truth, get_profile("pysot"), (1, 12))
    assert by_object.profile == "pysot" and by_object.eao_interval == (1, 12)
    assert by_object.values == evaluate_vot(runs, truth, "pysot", (1, 12)).values


@pytest.mark.parametrize("gt", [np.full(24, 10.0), np.full((24, 5), 10.0)])
def test_ground_truth_of_other_shapes_is_refused(gt: np.ndarray) -> None:
    truth, runs = _small_benchmark()
    truth[0] = VOTSequenceTruth("a", gt, truth[0].tags, 100, 80)
    with pytest.raises(EvaluationError, match=r"ground truth of a: expected finite \(N, 8\) or \(N, 4\) values"):
        evaluate_vot(runs, truth, "vot_toolkit", INTERVAL)


def test_integer_rectangles_alongside_8_column_trajectories_score_as_floats() -> None:
    """Regions given as integers (a tracker reporting whole pixels) beside another sequence's 8-column
    regions (rectangles padded with NaN): the integer rectangles are padded with NaN to 8 columns and
    score exactly as the same values in float."""
    truth, runs = _small_benchmark()
    b = runs[1]
    padded = np.pad(np.round(b.boxes), ((0, 0), (0, 4)), constant_values=np.nan)
    b_float = VOTTrajectory(b.sequence, 1, b.status, padded)
    a = runs[0]
    a_int = VOTTrajectory(a.sequence, 1, a.status, np.where(np.isnan(a.boxes), 0, np.round(a.boxes)).astype(np.int64))
    a_float = VOTTrajectory(a.sequence, 1, a.status, a_int.boxes.astype(float))
    as_int = evaluate_vot([a_int, b_float], truth, "vot_toolkit", INTERVAL)
    assert as_int.values == evaluate_vot([a_float, b_float], truth, "vot_toolkit", INTERVAL).values
