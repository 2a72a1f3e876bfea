"""One-pass scoring at the edges of what it accepts: results given as plain lists (an empty one, nulls for
missing values), custom profiles whose grids are short or uneven, LaSOT's flat-sequence rule at its
boundary, and sequence terms holding numbers beyond what int64 holds. Every value is worked by hand."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from harness.errors import EvaluationError
from harness.metrics.fields import Terms
from harness.metrics.ope.evaluate import SequenceInput, evaluate
from harness.metrics.ope.profiles import get_profile

BOX = [10.0, 10.0, 20.0, 20.0]  # centre 19.5, 19.5 by the OTB form x + (w - 1) / 2


def test_a_result_with_no_boxes_given_as_an_empty_list_is_padded_like_any_short_result() -> None:
    gt = np.array([BOX, BOX])
    # pytracking pads a short result with zero boxes: frame 1 becomes the GT (IoU 1, passing the 20
    # thresholds below 1), frame 2 a zero box at the origin (IoU 0, centre -0.5, -0.5: 20 * sqrt(2) = 28.3 px off)
    for empty in ([], np.zeros(0), np.empty((0, 4))):
        r = evaluate([SequenceInput("a", empty, gt, np.zeros(2, bool))], "pytracking")
        assert r.success_curve.tolist() == [0.5] * 20 + [0.0]
        assert r.precision_curve.tolist() == [0.5] * 29 + [1.0] * 22  # frame 2 passes from 29 px on
        assert r.precision == 0.5


def test_boxes_given_as_nested_lists_with_null_score_as_nan_rows() -> None:
    """A result or ground truth read from JSON: null stands for a missing value, as NaN does."""
    missing = [None] * 4
    pred = [[0.0, 0.0, 5.0, 5.0], missing, BOX, BOX]
    gt = [BOX, BOX, missing, BOX]
    listed = evaluate([SequenceInput("a", pred, gt, [False] * 4)], "got10k")
    nan = np.full(4, np.nan)
    arrays = evaluate([SequenceInput("a", np.array([pred[0], nan, BOX, BOX]), np.array([BOX, BOX, nan, BOX]),
                                     np.zeros(4, bool))], "got10k")
    # got10k: frame 1 is the GT (IoU 1), frame 2 has no box (fails), frame 3 no annotation (not counted),
    # frame 4 exact: 2 of 3 annotated frames pass every threshold below 1
    assert listed.success_curve.tolist() == [2 / 3] * 20 + [0.0]
    assert listed.precision == 2 / 3
    # AO/SR pool frames 2 and 4 (the first frame and unannotated ones are left out): IoU 0 and 1
    assert (listed.ao, listed.sr50, listed.sr75) == (0.5, 0.5, 0.5)
    assert listed.to_json() == arrays.to_json()


def pysot_with(**grids: object):
    return dataclasses.replace(get_profile("pysot"), name="custom", **grids)


def two_frames(offset: float) -> list[SequenceInput]:
    """Frame 1 exact, frame 2 shifted `offset` px to the right (centre error exactly `offset`)."""
    gt = np.array([BOX, BOX])
    pred = np.array([BOX, [BOX[0] + offset, *BOX[1:]]])
    return [SequenceInput("a", pred, gt, np.zeros(2, bool))]


# A one-threshold grid's even spacing is 0 / 0 in numpy, which warns (a wart, not a wrong number)
@pytest.mark.filterwarnings("ignore:invalid value encountered in scalar divide:RuntimeWarning")
def test_a_profile_may_read_precision_off_a_single_threshold() -> None:
    r = evaluate(two_frames(30.0), pysot_with(center_thresholds=(20.0,), norm_center_thresholds=(0.2,)))
    # 0 px passes 20 px, 30 px fails it; normalized by the 20 px size: 0 passes 0.2, 1.5 fails it
    assert r.precision_curve.tolist() == [0.5] and r.precision == 0.5
    assert r.norm_precision_curve.tolist() == [0.5] and r.norm_precision == 0.5


def test_two_threshold_grids_score_without_numpy_warnings() -> None:
    profile = pysot_with(center_thresholds=(10.0, 20.0), norm_center_thresholds=(0.2, 0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = evaluate(two_frames(15.0), profile)
    # 15 px fails 10 px and passes 20 px; normalized 0.75 fails both
    assert r.precision_curve.tolist() == [0.5, 1.0] and r.norm_precision_curve.tolist() == [0.5, 0.5]


def test_an_uneven_grid_is_searched_exactly() -> None:
    """A grid whose third threshold lies a whole step (and a hair) off even spacing: an error of exactly
    1 px is above it, so the frame passes only the 3 px threshold (an arithmetic index estimate on a
    mean step of 1 px would place it one threshold too low)."""
    profile = pysot_with(center_thresholds=(0.0, 0.5, 0.9999999995, 3.0), precision_at=3.0)
    r = evaluate(two_frames(1.0), profile)
    assert r.precision_curve.tolist() == [0.5, 0.5, 0.5, 1.0]


def test_lasot_drops_a_sequence_whose_curve_sums_to_exactly_eps() -> None:
    """LaSOT's toolkit averages only sequences whose curve sums to more than eps. With len + eps chosen
    as 2**52 for two frames, a sequence passing one threshold in one frame has a success curve summing
    to 1 / 2**52 = eps exactly: it is left out."""
    profile = dataclasses.replace(get_profile("lasot_matlab"), name="big_eps", denominator_eps=2.0**52 - 2)
    gt = np.array([[1.0, 1.0, 10.0, 10.0]] * 2)
    # frame 1 absent (fails); frame 2 overlaps the GT by one pixel: IoU 1 / 199 passes only threshold 0
    flat = SequenceInput("flat", np.array([gt[0], [10.0, 10.0, 10.0, 10.0]]), gt, np.array([True, False]))
    exact = SequenceInput("exact", gt, gt, np.zeros(2, bool))  # IoU 1 twice: the 20 thresholds below 1
    r = evaluate([flat, exact], profile)
    assert r.extras["n_sequences_kept_success"] == 1
    assert r.success_curve.tolist() == [2.0**-51] * 20 + [0.0]


def test_terms_sum_integer_weights_and_counts_as_floats() -> None:
    """Bootstrap counts as weights and frame counts as denominators, both integers: 2 * 2**62 frames
    must not wrap around int64 to a negative total."""
    terms = Terms(("a", "b"), np.array([[2.0**62], [2.0**62]]), np.array([[2**62], [2**62]], dtype=np.int64))
    assert terms.value(np.array([[1, 1]])).tolist() == [1.0]


def test_terms_read_from_json_take_whole_numbers_of_any_size() -> None:
    terms = Terms.from_json(("a",), {"numerator": [[2**64]], "denominator": [[2**65]]})
    assert terms.total() == 0.5


def test_got10k_ao_clips_boxes_to_the_image_as_its_toolkit_does() -> None:
    """GOT-10k's experiment passes the image size to rect_iou as `bound`: both boxes' corners are clipped
    into the image, then their sizes to what is left (a box over the left edge is moved, not cut). Boxes
    over every edge and beyond the image, against got10k's own rect_iou; a sequence without a bound (as
    on OTB) is scored unclipped."""
    from got10k.utils.metrics import rect_iou

    rng = np.random.default_rng(11)
    n, size = 40, (64.0, 48.0)
    gt = np.column_stack([rng.uniform(-10, 60, n), rng.uniform(-10, 45, n), rng.uniform(1, 30, (n, 2))])
    pred = gt + rng.normal(0, 8, (n, 4))
    pred[3] = [70.0, 50.0, 5.0, 5.0]  # wholly outside: clipped to a zero box at the far corner
    pred[4] = [-30.0, -30.0, 100.0, 100.0]  # covers the image: moved to the origin, cut to 64 x 48
    absent = np.zeros(n, bool)
    bounded = evaluate([SequenceInput("a", pred, gt, absent, bound=size)], "got10k")
    toolkit = rect_iou(pred[1:].copy(), gt[1:].copy(), bound=size)
    assert bounded.ao == pytest.approx(toolkit.mean(), abs=1e-15)
    assert bounded.sr50 == np.count_nonzero(toolkit > 0.5) / (n - 1)
    free = evaluate([SequenceInput("b", pred, gt, absent)], "got10k")
    assert free.ao == pytest.approx(rect_iou(pred[1:], gt[1:]).mean(), abs=1e-15) and free.ao != bounded.ao
    both = evaluate([SequenceInput("a", pred, gt, absent, bound=size), SequenceInput("b", pred, gt, absent)], "got10k")
    assert both.ao == pytest.approx((bounded.ao + free.ao) / 2, abs=1e-15)


def test_got10k_ao_pools_every_repetition_of_a_sequence_as_its_toolkit_does() -> None:
    """ExperimentGOT10k concatenates the IoUs of every repetition of a sequence, then those of every sequence,
    and averages the whole: against got10k's rect_iou on a sequence with three runs (bounded by its image)
    beside one with a single run (unbounded, absent frames). The other figures stay repetition 1's, and a
    profile that does not pool (the got10k profile with the flag off) scores repetition 1's AO."""
    from got10k.utils.metrics import rect_iou

    rng = np.random.default_rng(12)
    size = (64.0, 48.0)
    gt_a = np.column_stack([rng.uniform(0, 40, 30), rng.uniform(0, 30, 30), rng.uniform(5, 25, (30, 2))])
    runs_a = [gt_a + rng.normal(0, s, gt_a.shape) for s in (2.0, 6.0, 12.0)]
    gt_b = np.column_stack([rng.uniform(0, 40, 20), rng.uniform(0, 30, 20), rng.uniform(5, 25, (20, 2))])
    pred_b = gt_b + rng.normal(0, 4, gt_b.shape)
    absent_b = np.zeros(20, bool)
    absent_b[[3, 7, 8]] = True
    a = SequenceInput("a", runs_a[0], gt_a, np.zeros(30, bool), bound=size, repetitions=tuple(runs_a[1:]))
    b = SequenceInput("b", pred_b, gt_b, absent_b)
    pooled = evaluate([a, b], "got10k")

    # copies: rect_iou clips the boxes it is given in place
    ious_a = np.concatenate([rect_iou(r[1:].copy(), gt_a[1:].copy(), bound=size) for r in runs_a])
    ious_b = rect_iou(pred_b[1:], gt_b[1:])[~absent_b[1:]]
    toolkit = np.concatenate([ious_a, ious_b])
    # the toolkit's np.mean and ours sum the same values in another order: 1e-15 is a few ulps of a mean of ~0.6
    assert pooled.ao == pytest.approx(toolkit.mean(), abs=1e-15)
    assert pooled.sr50 == np.mean(toolkit > 0.5) and pooled.sr75 == np.mean(toolkit > 0.75)
    assert pooled.sequence_terms["ao"].numerator[:, 0] == pytest.approx([ious_a.sum(), ious_b.sum()], abs=1e-13)
    assert pooled.sequence_terms["ao"].denominator[:, 0].tolist() == [3 * 29, 16]
    assert pooled.sequence_terms["sr75"].numerator[:, 0].tolist() == [np.sum(ious_a > 0.75), np.sum(ious_b > 0.75)]

    first = evaluate([dataclasses.replace(a, repetitions=()), b], "got10k")
    assert first.ao != pooled.ao
    assert first.auc == pooled.auc and first.per_sequence_auc == pooled.per_sequence_auc
    assert first.precision_curve.tolist() == pooled.precision_curve.tolist()
    not_pooling = dataclasses.replace(get_profile("got10k"), pools_repetitions=False)
    assert evaluate([a, b], not_pooling).ao == first.ao


def test_got10k_repetitions_of_another_length_are_cut_by_the_profiles_length_rule() -> None:
    """Each repetition goes through the length rule that repetition 1 does (the got10k profile truncates
    both to the shorter, as got10k's otb.py does): a run 4 frames short pools its first 21 frames, a run 3
    frames long pools the 25 annotated ones; against got10k's rect_iou on the cut arrays. A profile that
    refuses other lengths (raise) names the sequence for a repetition too."""
    from got10k.utils.metrics import rect_iou

    rng = np.random.default_rng(21)
    gt = np.column_stack([rng.uniform(0, 40, 25), rng.uniform(0, 30, 25), rng.uniform(5, 25, (25, 2))])
    first, short, long = (gt + rng.normal(0, 4, gt.shape) for _ in range(3))
    short, long = short[:21], np.concatenate([long, long[:3]])
    seq = SequenceInput("a", first, gt, np.zeros(25, bool), repetitions=(short, long))
    toolkit = np.concatenate([rect_iou(first[1:], gt[1:]), rect_iou(short[1:], gt[1:21]), rect_iou(long[1:25], gt[1:])])
    result = evaluate([seq], "got10k")
    # the same values summed in another order: 1e-15 is a few ulps of a mean of ~0.6
    assert result.ao == pytest.approx(toolkit.mean(), abs=1e-15)
    assert result.sequence_terms["ao"].denominator[:, 0].tolist() == [24 + 20 + 24]
    strict = dataclasses.replace(get_profile("got10k"), name="got10k_strict", length_mismatch="raise")
    with pytest.raises(EvaluationError, match="r.txt: sequence a has 21 predicted boxes for 25 ground-truth frames"):
        evaluate([dataclasses.replace(seq, source="r.txt")], strict)
