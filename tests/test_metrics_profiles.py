"""Crafted sequences that isolate each convention on which the profiles differ (docs/metrics.md)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from got10k.utils import metrics as got10k_metrics

from benchmarks.registry import benchmark_record
from harness.errors import EvaluationError, ShortResultError
from harness.metrics import boxes
from harness.metrics.ope.evaluate import OPEResult, SequenceInput, evaluate
from harness.metrics.ope.profiles import PROFILES, get_profile

BOX = [10.0, 10.0, 20.0, 20.0]


def run(profile: str, pred: list, gt: list, absent: list | None = None) -> OPEResult:
    gt_arr = np.array(gt, float)
    flags = np.zeros(len(gt_arr), bool) if absent is None else np.array(absent)
    return evaluate([SequenceInput("seq", np.array(pred, float).reshape(-1, 4), gt_arr, flags, "res/seq.txt")], profile)


def test_strict_and_inclusive_success_threshold() -> None:
    # frame 2 has IoU exactly 0.5 in both the continuous and the '+1 pixel' forms
    gt, pred = [[1, 1, 10, 10]] * 2, [[1, 1, 10, 10], [1, 1, 10, 20]]
    for profile in ("pysot", "pytracking", "got10k", "lasot_matlab"):
        assert run(profile, pred, gt).success_curve[10] == 0.5, profile  # iou > 0.5 fails
    assert run("trackingnet", pred, gt).success_curve[10] == 1.0  # iou >= 0.5 passes
    missed = [[1, 1, 10, 10], [500, 500, 10, 10]]
    assert run("trackingnet", missed, gt).success_curve[0] == 1.0  # IoU 0 >= 0
    assert run("got10k", missed, gt).success_curve[0] == 0.5


def test_an_uneven_custom_grid_counts_as_the_profile_compares() -> None:
    # IoU 1 and 1/3 on thresholds 0, 0.3, 0.5, 0.75, 1: 1/3 passes 0 and 0.3; 1 passes 1 only with >=
    grid = (0.0, 0.3, 0.5, 0.75, 1.0)
    gt, pred = [[0, 0, 10, 10]] * 2, [[0, 0, 10, 10], [5, 0, 10, 10]]
    strict = dataclasses.replace(PROFILES["pysot"], name="uneven", iou_thresholds=grid)
    inclusive = dataclasses.replace(strict, name="uneven_inclusive", success_inclusive=True)
    np.testing.assert_array_equal(run_profile(strict, pred, gt).success_curve, [1, 1, 0.5, 0.5, 0])
    np.testing.assert_array_equal(run_profile(inclusive, pred, gt).success_curve, [1, 1, 0.5, 0.5, 0.5])


def test_got10k_ao_leaves_out_unannotated_frames_and_uses_its_eps() -> None:
    gt = [BOX, BOX, [np.nan] * 4, BOX]
    pred = [BOX, [20, 10, 20, 20], BOX, BOX]  # frame 2: IoU 1/3
    r = run("got10k", pred, gt)
    assert (r.ao, r.sr50) == (pytest.approx((1 / 3 + 1) / 2, abs=1e-15), 0.5)  # frames 2 and 4 (sum of two)
    # boxes of 1e-8 px: got10k adds float eps to the union (1e-16), so identical boxes score 0.31, not 1
    tiny = np.array([[0, 0, 1e-8, 1e-8]] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and scoring stays silent
        r = evaluate([SequenceInput("t", tiny, tiny, np.zeros(3, bool))], "got10k")
    assert r.ao == got10k_metrics.rect_iou(tiny[1:].copy(), tiny[1:].copy()).mean()


def test_first_frame_is_scored_only_by_pysot() -> None:
    gt, pred = [BOX] * 4, [[200, 200, 5, 5]] + [BOX] * 3
    assert run("pysot", pred, gt).success_curve[0] == 0.75
    for profile in ("pytracking", "got10k", "trackingnet", "lasot_matlab"):
        assert run(profile, pred, gt).success_curve[0] == 1.0, profile


@pytest.mark.parametrize(
    "profile, expected",
    [  # (success at IoU 0, precision at 20 px, normalized precision at 0.20) for frames 2 and 3 below
        ("pysot", (2 / 3, 1.0, 1.0)),  # only w, h <= 0 masks IoU; the 0-box centre is <= 0: distance -1, precise
        ("pytracking", (1 / 3, 1 / 3, 1.0)),  # any value <= 0 invalid: IoU fails, centre Inf, normalized -1
        ("pytracking_exclude_invalid", (1.0, 1.0, 3.0)),  # same numerators over 1 valid frame
        ("got10k", (2 / 3, 1.0, None)),  # no mask: 0-box IoU is 0, centres still compared
        ("lasot_matlab", (1 / 3, 1.0, 1.0)),  # IoU -1 fails, centre -1 is precise
    ],
)
def test_invalid_ground_truth(profile: str, expected: tuple) -> None:
    gt = [BOX, [10, -5, 20, 20], [0, 0, 0, 0]]
    r = run(profile, gt, gt)  # perfect predictions
    norm = None if r.norm_precision_curve is None else r.norm_precision_curve[20]
    assert (r.success_curve[0], r.precision_curve[20], norm) == pytest.approx(expected, abs=1e-7)


def test_trackingnet_integrates_with_trapezoids() -> None:
    r = run("trackingnet", [[0, 0, 10, 10], [0, 0, 10, 20]], [[0, 0, 10, 10]] * 2)
    np.testing.assert_array_equal(r.success_curve, [1.0] * 11 + [0.5] * 10)
    assert r.auc == pytest.approx(0.05 * (10 + 0.75 + 4.5))  # end points weigh half
    assert r.auc != pytest.approx(r.success_curve.mean())
    assert r.precision == pytest.approx(float(np.trapezoid(r.precision_curve, np.linspace(0, 1, 21))))
    assert r.extras["precision_at_20px"] == r.precision_curve[8]
    assert run("got10k", [[0, 0, 10, 10]] * 2, [[0, 0, 10, 10]] * 2).auc == pytest.approx(20 / 21)


def test_trackingnet_rounds_boxes() -> None:
    r = run("trackingnet", [BOX, [10.4, 10.4, 19.6, 19.6]], [BOX, BOX])
    assert r.success_curve[-1] == 1.0  # both frames are exactly BOX once rounded


@pytest.mark.parametrize("profile", ["pysot", "lasot_matlab"])
def test_toolkits_that_fail_on_a_short_result_raise(profile: str) -> None:
    with pytest.raises(EvaluationError, match=r"res/seq\.txt.*seq.* 2 predicted boxes for 3"):
        run(profile, [BOX] * 2, [BOX] * 3)


def test_a_short_result_is_told_apart_from_a_long_one() -> None:
    """harness eval offers --pad-missing for a short result (ShortResultError), not for a long one."""
    with pytest.raises(ShortResultError, match="profile pysot follows its toolkit, which cannot score a shorter result"):
        run("pysot", [BOX] * 2, [BOX] * 3)
    with pytest.raises(EvaluationError, match="which cannot score a different result") as long:
        run("pysot", [BOX] * 4, [BOX] * 3)
    assert not isinstance(long.value, ShortResultError)
    with pytest.raises(ShortResultError, match="seq has 2 predicted boxes for 3 ground-truth frames; profile lasot_matlab"):
        run("lasot_matlab", [BOX] * 2, [BOX] * 3)
    unnamed = SequenceInput("seq", np.array([BOX] * 2), np.array([BOX] * 3), np.zeros(3, bool))  # no source
    with pytest.raises(ShortResultError, match="^unknown source: sequence seq has 2"):
        evaluate([unnamed], "pysot")


def test_length_rules() -> None:
    gt = [BOX] * 3
    with pytest.raises(EvaluationError, match="4 predicted boxes for 3"):
        run("pysot", [BOX] * 4, gt)
    assert run("lasot_matlab", [BOX] * 3 + [[0, 0, 1, 1]], gt).success_curve[0] == 1.0  # truncated
    assert run("pytracking", [BOX] * 2, gt).success_curve[0] == pytest.approx(2 / 3)  # zero row pads
    assert run("got10k", [BOX] * 2, gt).success_curve[0] == 1.0  # both cut to 2 frames
    assert run("trackingnet", [BOX] * 2, gt).success_curve[0] == pytest.approx(2 / 3)  # NaN row fails
    assert run("trackingnet", [BOX] * 5, gt).success_curve[0] == 1.0


def test_prediction_repairs() -> None:
    gt = [BOX] * 3
    zero_width = [BOX, BOX, [50, 50, 0, 10]]
    assert run("pytracking", zero_width, gt).success_curve[0] == 1.0  # copies frame 2
    assert run("got10k", zero_width, gt).success_curve[0] == pytest.approx(2 / 3)
    for broken in ([np.nan] * 4, [10, 10, -20, 20]):
        assert run("lasot_matlab", [BOX, BOX, broken], gt).success_curve[0] == 1.0
        with pytest.raises(EvaluationError, match=r"res/seq\.txt.*box 3"):
            run("pytracking", [BOX, BOX, broken], gt)
    assert run("pysot", [BOX, BOX, [np.nan] * 4], gt).success_curve[0] == pytest.approx(2 / 3)


@pytest.mark.parametrize("profile", ["pytracking", "lasot_matlab"])
def test_runs_of_broken_boxes_take_the_last_good_one_as_the_toolkits_loop_does(profile: str) -> None:
    from harness.metrics.ope.frames import align, repair_predictions

    rng = np.random.default_rng(5)
    inputs = []
    for n in (40, 1, 25):
        pred = rng.uniform(1, 50, (n, 4))
        pred[rng.random(n) < 0.4, 2] = 0.0  # runs of zero widths, some at a sequence's first frame
        gt = rng.uniform(1, 50, (n, 4))
        gt[rng.random(n) < 0.1] = np.nan
        inputs.append(SequenceInput(f"s{n}", pred, gt, np.zeros(n, bool)))
    prof = get_profile(profile)
    frames = align(inputs, prof)
    repair_predictions(frames, prof)
    expected = []
    for s in inputs:  # the toolkits: frame by frame, a broken box becomes the previous (maybe copied) one
        pred = s.pred.copy()
        for i in range(1, len(pred)):
            if (pred[i, 2:] == 0).any() if prof.pred_repair == "zero_size_previous" else \
                    (np.isnan(pred[i]).any() or (pred[i, 2:] <= 0).any()):
                if not np.isnan(s.gt[i]).any():
                    pred[i] = pred[i - 1]
        if prof.first_frame == "gt":
            pred[0] = s.gt[0]
        expected.append(pred)
    np.testing.assert_array_equal(frames.pred, np.concatenate(expected))


def test_absent_frames() -> None:
    gt, absent = [BOX] * 4, [False, False, True, True]
    for profile in ("pysot", "pytracking", "lasot_matlab"):
        assert run(profile, gt, gt, absent).success_curve[0] == 0.5, profile  # fail, still counted
    assert run("pytracking_exclude_invalid", gt, gt, absent).success_curve[0] == 1.0  # not counted
    for profile in ("got10k", "trackingnet"):
        assert run(profile, gt, gt, absent).success_curve[0] == 1.0, profile  # ignored: scored as usual


def test_unannotated_rows() -> None:
    gt = [BOX, [np.nan] * 4, BOX, BOX]
    assert run("got10k", gt, gt).success_curve[0] == 1.0  # row left out, denominator 3
    pysot = run("pysot", gt, gt)
    assert (pysot.success_curve[0], pysot.precision_curve[0]) == (0.75, 1.0)  # IoU fails; distance -1
    with pytest.raises(EvaluationError, match="no frame"):
        run("got10k", [BOX], [[np.nan] * 4])


def test_lasot_with_no_sequence_left_has_no_curve() -> None:
    nothing = run("lasot_matlab", [[500, 500, 1, 1]] * 3, [BOX] * 3, absent=[True] * 3)  # absent: all fail
    assert nothing.extras["n_sequences_kept_success"] == 0 and np.isnan(nothing.success_curve).all()


def test_an_identical_box_scores_iou_one_not_a_hair_above() -> None:
    # x + w - x is not w in floating point: unclipped, this box's IoU with itself is 1.0000000000000004
    box = [[494.005755328642, 522.2200279508085, 479.03351539818726, 541.1410533042088]]
    assert boxes.iou_continuous(np.array(box), np.array(box))[0] == 1.0
    assert run("pysot", box * 2, box * 2).success_curve[-1] == 0.0  # IoU 1 is not > 1


def test_box_measures_default_to_the_otb_forms() -> None:
    pred, gt = np.array([[0.0, 0.0, 10.0, 10.0]]), np.array([[5.0, 0.0, 10.0, 10.0]])
    assert boxes.iou_continuous(pred, gt)[0] == 50 / 150  # no eps in the union unless asked
    # 5 px over a 10 px side, no eps; each centre divided first (9.5 / 10 - 4.5 / 10 is a hair under 0.5)
    assert boxes.normalized_center_error(pred, gt)[0] == 9.5 / 10 - 4.5 / 10
    assert boxes.center_error(pred, gt)[0] == 5.0


def test_lasot_drops_sequences_that_never_succeed() -> None:
    a = SequenceInput("a", np.array([BOX, [0, 0, 10, 10]]), np.array([BOX, BOX]), np.zeros(2, bool))
    b = SequenceInput("b", np.array([BOX] * 2), np.array([BOX] * 2), np.ones(2, bool))
    lasot, pysot = evaluate([a, b], "lasot_matlab"), evaluate([a, b], "pysot")
    assert lasot.success_curve[0] == 0.5 and lasot.extras["n_sequences_kept_success"] == 1
    assert pysot.success_curve[0] == 0.25 and lasot.per_sequence_auc["b"] == 0.0


def test_pytracking_keeps_float32_rates() -> None:
    r = run("pytracking", [BOX, BOX, [200, 200, 5, 5]], [BOX] * 3)
    assert r.per_sequence_precision["seq"] == float(np.float32(2) / np.float32(3))
    # ... and its mean curve as float32 percent: 66.66666 %, not 2/3
    assert r.precision_curve[20] == float(np.float32(np.float32(2) / np.float32(3)) * np.float32(100)) / 100
    assert r.precision_curve[20] != 2 / 3
    assert run("pysot", [BOX, BOX, [200, 200, 5, 5]], [BOX] * 3).per_sequence_precision["seq"] == 2 / 3


def test_an_empty_result_is_padded_by_the_profiles_rule() -> None:
    gt = [BOX] * 3
    # TrackingNet fills NaN rows, which fail every threshold; frame 1 is the GT (first_frame gt)
    np.testing.assert_array_equal(run("trackingnet", np.zeros((0, 4)), gt).precision_curve, [1 / 3] * 21)
    # pytracking pads zero boxes, whose centre (-0.5, -0.5) is 28.3 px from BOX's (19.5, 19.5)
    pt = run("pytracking", [], gt)
    assert (pt.precision_curve[28], pt.precision_curve[29]) == (pytest.approx(1 / 3), 1.0)
    with pytest.raises(EvaluationError, match="has no frame to score under profile got10k"):
        run("got10k", [], gt)  # got10k cuts both to the shorter: nothing left


def test_absent_flags_read_as_numbers_are_flags() -> None:
    flags = np.array([0.0, 0.0, 1.0, 1.0])  # as np.loadtxt reads an absence file
    seq = SequenceInput("seq", np.array([BOX] * 4, float), np.array([BOX] * 4, float), flags)
    assert evaluate([seq], "pytracking_exclude_invalid").success_curve[0] == 1.0  # 2 present frames, both hit
    assert evaluate([seq], "pysot").success_curve[0] == 0.5


def test_padded_rows_count_as_the_profiles_pad() -> None:
    gt = [BOX] * 3
    # pytracking's zero row is 28.3 px away: within 50 px; TrackingNet's NaN row is nowhere
    assert run("pytracking", [BOX] * 2, gt).precision_curve[50] == 1.0
    assert run("trackingnet", [BOX] * 2, gt).precision_curve[-1] == pytest.approx(2 / 3)


# pysot scores a distance of -1 (passing every threshold) where the GT centre x + (w - 1) / 2 (or y) is
# <= 0, and a normalized one where that centre over w + 1e-16 is <= 0. GT centres x below: 0; 0.5; 7 but
# 7 / -5 < 0; 9.5 for a zero-size box predicted exactly (normalized 0 thanks to the 1e-16; 0 / 0 without).
CENTRE_GT = [[-1, 5, 3, 3], [0, 5, 2, 3], [10, 10, -5, 20], [10, 10, 0, 0]]
CENTRE_PRED = [[100, 100, 3, 3], [100, 100, 3, 3], [100, 100, 3, 3], [10, 10, 0, 0]]


def test_pysot_masks_centres_at_or_left_of_the_image_edge() -> None:
    r = run("pysot", CENTRE_PRED, CENTRE_GT)
    assert r.precision_curve[0] == 0.5  # frames 1 (masked) and 4 (exact)
    assert r.norm_precision_curve[0] == 0.75  # frames 1 and 3 (masked) and 4 (exact)


def test_a_pysot_like_profile_without_eps_masks_by_the_divided_centre() -> None:
    no_eps = dataclasses.replace(PROFILES["pysot"], name="pysot_no_eps", norm_eps=0.0)
    gt, pred = CENTRE_GT + [[0.5, 5, 0, 3]], CENTRE_PRED + [[100, 100, 3, 3]]  # centre 0 over w 0: 0 / 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dividing by a zero size is expected here, and silent
        r = run_profile(no_eps, pred, gt)
    # frame 4's centre over 0 is inf > 0, so it is scored: inf - inf fails; frame 5's 0 / 0 is masked
    assert r.norm_precision_curve[0] == pytest.approx(3 / 5)  # frames 1, 3 and 5


def test_an_inclusive_pysot_like_profile_masks_boxes_without_area() -> None:
    """pysot scores IoU only where the GT has w > 0 and h > 0: with `>=` thresholds an IoU of 0 would pass."""
    inclusive = dataclasses.replace(PROFILES["pysot"], name="pysot_inclusive", success_inclusive=True)
    gt = [BOX, [10, 10, 20, 0], [10, 10, 0, 20], [10, 10, 0.5, 20], [10, 10, 20, 0.5]]
    pred = [BOX, BOX, BOX, gt[3], gt[4]]  # IoU 0 with the boxes without area, 1 with the thin ones
    assert run_profile(inclusive, pred, gt).success_curve[0] == pytest.approx(3 / 5)


def test_tiny_boxes_show_which_profiles_add_eps_to_the_union() -> None:
    tiny = [[0, 0, 1e-8, 1e-8]] * 2  # area 1e-16, close to float eps (2.2e-16)
    assert run("pysot", tiny, tiny).success_curve[-2] == 1.0  # IoU 1 > 0.95
    got10k = run("got10k", tiny, tiny).success_curve  # IoU 1e-16 / (1e-16 + eps) = 0.31
    assert (got10k[6], got10k[7]) == (1.0, 0.0)  # passes 0.30, fails 0.35


def test_a_pixel_rounded_profile_rounds_the_intersection_of_unrounded_boxes() -> None:
    unrounded = dataclasses.replace(PROFILES["trackingnet"], name="tn_unrounded", round_boxes=False)
    gt, pred = [[0, 0, 10, 10]] * 2, [[0, 0, 10, 10], [4.6, 0, 10, 10]]
    # frame 2: a 5.4 px overlap rounds to 5: IoU 50 / 150 fails 0.35 (unrounded, 54 / 146 = 0.37 passes)
    assert run_profile(unrounded, pred, gt).success_curve[7] == 0.5


def test_centre_offsets_are_the_profiles() -> None:
    # TrackingNet's centres x + (w + 1) / 2 in floating point: this pair is 5.000000000000002 px apart
    # (x + (w - 1) / 2 would make it exactly 5), so it fails the 5 px threshold of an unrounded profile
    unrounded = dataclasses.replace(PROFILES["trackingnet"], name="tn_unrounded", round_boxes=False)
    gt = [[39.2, 38.7, 44.3, 42.2]] * 2
    assert run_profile(unrounded, [gt[0], [42.2, 42.7, 44.3, 42.2]], gt).precision_curve[2] == 0.5
    # a pysot-like profile with TrackingNet's offset masks by that centre: x = -0.5 + (1 + 1) / 2 > 0
    plus = dataclasses.replace(PROFILES["pysot"], name="pysot_plus_one", centre_offset=1.0)
    assert run_profile(plus, [[100, 100, 3, 3]], [[-0.5, 5, 1, 3]]).precision_curve[0] == 0.0  # scored: far


def test_the_refused_box_is_numbered_within_its_sequence() -> None:
    a = SequenceInput("a", np.array([BOX] * 3), np.array([BOX] * 3), np.zeros(3, bool), "a.txt")
    b = SequenceInput("b", np.array([BOX, [10, 10, -1, 5]]), np.array([BOX] * 2), np.zeros(2, bool), "b.txt")
    with pytest.raises(EvaluationError, match=r"^b\.txt: sequence b, box 2 is \[10\.0, 10\.0, -1\.0, 5\.0\]"):
        evaluate([a, b], "pytracking")


def test_pytracking_repairs_only_zero_sizes() -> None:
    # with NaN boxes let through (pytracking itself refuses them), a NaN box is scored as NaN, not repaired
    scoring = dataclasses.replace(PROFILES["pytracking"], name="pytracking_scoring", invalid_pred="score")
    r = run_profile(scoring, [BOX, [5, 5, 0, 3], [np.nan] * 4, BOX], [BOX] * 4)
    assert r.success_curve[0] == 0.75  # the zero-width box copies frame 1; the NaN one fails


def test_lasot_repairs_each_broken_box_from_the_last_good_one() -> None:
    far = [60, 60, 20, 20]
    # frame 2 is broken right after the first frame; frame 3 is good but far; frame 4 broken: copies frame 3
    r = run("lasot_matlab", [BOX, [np.nan] * 4, far, [np.nan] * 4], [BOX] * 4)
    assert r.success_curve[0] == 0.5
    # a 0.5 px wide box is a box: overlap 0.5 x 20 of 400 + 10 - 10 px: IoU 0.025 passes 0, fails 0.05
    thin = run("lasot_matlab", [BOX, [10, 10, 0.5, 20]], [BOX] * 2).success_curve
    assert (thin[0], thin[1]) == (1.0, 0.5)


def test_a_sequence_with_no_frame_to_count_is_refused() -> None:
    a = SequenceInput("a", np.array([BOX] * 2), np.array([BOX] * 2), np.zeros(2, bool))
    gone = SequenceInput("gone", np.array([BOX] * 2), np.array([BOX] * 2), np.ones(2, bool))  # absent throughout
    with pytest.raises(EvaluationError, match="^unknown source: sequence gone has no frame that profile "
                                               "pytracking_exclude_invalid can score \\(valid frames\\)"):
        evaluate([a, gone], "pytracking_exclude_invalid")


def test_scoring_is_silent() -> None:
    """NaN and inf are meaningful values here (failed frames, empty boxes): no numpy warning reaches the user."""
    gt = [BOX, [np.nan] * 4, [0, 0, 0, 0], BOX]
    pred = [BOX, [np.nan] * 4, [5, 5, 0, 3], [-10, 10, -5, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for profile in PROFILES:
            if profile.startswith("pytracking"):  # refuses NaN and negative sizes
                run(profile, [BOX, BOX, [5, 5, 0, 3], [300, 10, 1e-9, 4]], gt)
            else:
                run(profile, pred, gt)


def test_inputs_are_not_modified() -> None:
    pred, gt = np.array([[0, 0, 1, 1], BOX, [5, 5, 0, 3]]), np.array([BOX] * 3)
    for profile in PROFILES:
        evaluate([SequenceInput("s", pred, gt, np.zeros(3, bool))], profile)
    np.testing.assert_array_equal(pred, [[0, 0, 1, 1], BOX, [5, 5, 0, 3]])


def test_registry() -> None:
    with pytest.raises(EvaluationError, match="pysot.*trackingnet"):
        get_profile("otb-official")

    def default(name: str) -> str:
        return benchmark_record(name).default_profiles["ope"]

    assert {default(b) for b in ("otb", "otb100", "uav123", "nfs", "lasot")} == {"lasot_matlab"}
    assert (default("got10k"), default("trackingnet"), default("synthetic")) == ("got10k", "trackingnet", "lasot_matlab")
    with pytest.raises(dataclasses.FrozenInstanceError):
        PROFILES["pysot"].first_frame = "gt"  # type: ignore[misc]
    custom = dataclasses.replace(PROFILES["pysot"], name="pysot_gt_first", first_frame="gt")
    assert run_profile(custom).success_curve[0] == 1.0


def run_profile(profile: object, pred: list | None = None, gt: list | None = None) -> OPEResult:
    pred = [[200, 200, 5, 5], BOX] if pred is None else pred
    gt = [BOX] * 2 if gt is None else gt
    seq = SequenceInput("s", np.array(pred, float), np.array(gt, float), np.zeros(len(gt), bool))
    return evaluate([seq], profile)  # type: ignore[arg-type]


def test_bad_inputs() -> None:
    seq = SequenceInput("s", np.array([BOX]), np.array([BOX]), np.zeros(1, bool))
    with pytest.raises(EvaluationError, match=r"^s: expected pred \(M, 4\), gt \(N, 4\) and absent \(N,\), "
                                              r"got \(1, 4\), \(1, 4\), \(2,\)"):
        evaluate([dataclasses.replace(seq, absent=np.zeros(2, bool))], "got10k")
    with pytest.raises(EvaluationError, match=r"got \(1, 4\), \(1, 5\), \(1,\)"):
        evaluate([dataclasses.replace(seq, gt=np.zeros((1, 5)))], "got10k")
    with pytest.raises(EvaluationError, match=r"got \(4,\), \(1, 4\), \(1,\)"):
        evaluate([dataclasses.replace(seq, pred=np.ones(4))], "got10k")
    with pytest.raises(EvaluationError, match="duplicate"):
        evaluate([seq, seq], "got10k")
    with pytest.raises(EvaluationError, match="no sequences"):
        evaluate([], "got10k")
    with pytest.raises(EvaluationError, match=r"\(M, 4\)"):
        evaluate([dataclasses.replace(seq, pred=np.zeros((1, 5)))], "got10k")
