"""What a scored result declares to its renderers (harness/metrics/fields.py): its JSON, the figures a
paper's table shows, its curves and where the headline figure is read off them, how figures are written
and ranked, and a profile's conventions in words. Values are worked by hand for a crafted sequence."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from harness.metrics import boxes
from harness.metrics.conventions import conventions
from harness.metrics.fields import Field, Terms, headline
from harness.metrics.ope.evaluate import SequenceInput, evaluate
from harness.metrics.ope.profiles import PROFILES
from harness.metrics.vot.evaluate import VOTResult
from harness.metrics.vot.profiles import PROFILES as VOT_PROFILES

# Two frames: the first exact, the second shifted 5 px right: IoU 50 / 150 = 1/3, centre error 5 px,
# normalized (by the 10 px size) 0.5.
GT = np.array([[0, 0, 10, 10]] * 2, float)
PRED = np.array([[0, 0, 10, 10], [5, 0, 10, 10]], float)
# the keys of a one-pass result's JSON besides its extras
FIGURES = ("success_auc", "precision", "norm_precision", "ao", "sr50", "sr75")
CURVES = ("success_curve", "success_thresholds", "precision_curve", "precision_thresholds",
          "norm_precision_curve", "norm_precision_thresholds")


def scored(profile: str):
    return evaluate([SequenceInput("a", PRED, GT, np.zeros(2, bool))], profile)


def test_pysot_json_holds_the_hand_worked_figures() -> None:
    got = scored("pysot").to_json()
    # IoU 1 passes every threshold below 1 (iou > t), IoU 1/3 those from 0 to 0.30: 7 of 21
    curve = [1.0] * 7 + [0.5] * 13 + [0.0]
    # abs=1e-15 here and below: a mean or trapezoid of 21 values summed in another order than 13.5 / 21
    assert got["success_curve"] == curve and got["success_auc"] == pytest.approx(13.5 / 21, abs=1e-15)
    assert got["per_sequence_auc"] == {"a": pytest.approx(13.5 / 21, abs=1e-15)}
    assert got["precision"] == 1.0 and got["per_sequence_precision"] == {"a": 1.0}  # 0 and 5 px <= 20
    assert got["norm_precision"] == 0.5  # 0.5 > 0.20 fails
    assert got["precision_curve"] == [0.5] * 5 + [1.0] * 46  # 5 px passes from threshold 5 on
    assert (got["ao"], got["sr50"], got["sr75"]) == (None, None, None)  # GOT-10k's figures: not pysot's
    assert (got["success_rate_at_0.5"], got["success_rate_at_0.75"]) == (0.5, 0.5)
    # the grids as the decimals they stand for (np.arange(0, 1.05, 0.05)[3] is 0.15000000000000002)
    assert got["success_thresholds"] == [round(0.05 * i, 2) for i in range(21)]
    assert got["precision_thresholds"] == [float(i) for i in range(51)]
    assert got["norm_precision_thresholds"] == [i / 100 for i in range(51)]
    assert set(got) == {*FIGURES, *CURVES, "per_sequence_auc", "per_sequence_precision",
                        "success_rate_at_0.5", "success_rate_at_0.75"}


def test_thresholds_are_written_to_twelve_decimals() -> None:
    grid = (0.0, 1 / 3, 0.5, 0.75, 1.0)
    custom = dataclasses.replace(PROFILES["pysot"], name="thirds", iou_thresholds=grid)
    got = evaluate([SequenceInput("a", PRED, GT, np.zeros(2, bool))], custom).to_json()
    assert got["success_thresholds"] == [0.0, 0.333333333333, 0.5, 0.75, 1.0]
    assert got["success_curve"] == [1.0, 0.5, 0.5, 0.5, 0.0]  # IoU 1/3 is not > 1/3


def test_got10k_json_reports_ao_and_no_normalized_precision() -> None:
    got = scored("got10k").to_json()
    assert got["ao"] == pytest.approx(1 / 3) and (got["sr50"], got["sr75"]) == (0.0, 0.0)  # frame 2 only
    assert got["norm_precision"] is None
    assert got["norm_precision_curve"] is None and got["norm_precision_thresholds"] is None
    assert scored("got10k").norm_precision_thresholds is None
    assert got["success_auc"] == pytest.approx(13.5 / 21, abs=1e-15)
    assert set(got) == {*FIGURES, *CURVES, "per_sequence_auc", "per_sequence_precision",
                        "success_rate_at_0.5", "success_rate_at_0.75"}


def test_trackingnet_reads_precision_off_the_trapezoid_and_says_so() -> None:
    result = scored("trackingnet")
    got = result.to_json()
    # 5 px fails thresholds 0 and 2.5 of 0, 2.5, ..., 50: the curve is 0.5, 0.5, then 1; trapezoid on [0, 1]
    assert got["precision"] == pytest.approx(0.05 * (0.25 + 0.5 + 18 + 0.5), abs=1e-15)
    assert got["precision_at_20px"] == 1.0 and got["norm_precision_at_0.20"] == 0.5
    assert got["precision_thresholds"] == [2.5 * i for i in range(21)]
    # no single threshold is the headline: the curves carry no mark
    assert [c.mark for c in result.curves()] == [None, None, None]


@pytest.mark.parametrize("profile, fields", [
    ("pysot", ("success_auc", "precision", "norm_precision")),
    ("lasot_matlab", ("success_auc", "precision", "norm_precision")),
    ("got10k", ("ao", "sr50", "sr75")),
    ("trackingnet", ("success_auc", "precision", "norm_precision")),
])
def test_table_fields_are_what_the_toolkit_reports(profile: str, fields: tuple) -> None:
    result = scored(profile)
    assert result.table_fields == fields
    assert all(result.values[name] is not None for name in fields)


def test_a_profile_without_normalized_precision_tables_the_other_two() -> None:
    custom = dataclasses.replace(PROFILES["pysot"], name="no_np", reports_norm_precision=False)
    result = evaluate([SequenceInput("a", PRED, GT, np.zeros(2, bool))], custom)
    assert result.table_fields == ("success_auc", "precision") and result.norm_precision is None


def test_ope_curves_say_where_their_headline_figure_is_read() -> None:
    result = scored("pysot")
    curves = {c.name: c for c in result.curves()}
    assert list(curves) == ["success_curve", "precision_curve", "norm_precision_curve"]
    success, precision, norm = curves.values()
    assert (success.mark, precision.mark, norm.mark) == (None, 20.0, 0.2)
    assert (success.field, precision.field, norm.field) == ("success_auc", "precision", "norm_precision")
    assert (success.x_name, precision.x_name, norm.x_name) == (
        "success_thresholds", "precision_thresholds", "norm_precision_thresholds")
    assert [(c.label, c.x_label) for c in curves.values()] == [
        ("success", "overlap threshold"), ("precision", "location error threshold (px)"),
        ("normalized precision", "normalized location error threshold")]
    np.testing.assert_array_equal(precision.x, np.arange(51.0))
    np.testing.assert_array_equal(precision.y, [0.5] * 5 + [1.0] * 46)
    for curve in curves.values():  # the same curve again from the sums over sequences
        np.testing.assert_allclose(curve.terms.curve(np.ones((1, 1)))[0], curve.y, rtol=0, atol=1e-15)
        assert curve.terms.sequences == ("a",)
    assert [c.name for c in scored("got10k").curves()] == ["success_curve", "precision_curve"]
    assert result.per_sequence() == {"success_auc": result.per_sequence_auc, "precision": {"a": 1.0}}


def test_terms_are_declared_only_for_figures_the_profile_reports() -> None:
    terms = scored("got10k").terms()
    assert set(terms) == {"success_auc", "precision", "ao", "sr50", "sr75"}  # no curves
    assert {t.sequences for t in terms.values()} == {("a",)}
    assert "ao" not in scored("pysot").terms() and "norm_precision" in scored("pysot").terms()


def test_field_writes_its_digits_and_a_dash_for_nothing() -> None:
    field = Field("f", "figure", "higher", digits=2)
    assert field.format(0.12567) == "0.13" and Field("g", "g", "lower").format(2.0) == "2.000"
    assert field.format(None) == "-" and field.format(math.nan) == "-"
    assert field.abbreviation == "figure" and Field("f", "figure", "higher", short="F").abbreviation == "F"


def test_field_ranks_best_first_and_missing_last() -> None:
    values = [0.3, None, 0.7, math.nan, 0.5]
    higher, lower = Field("h", "h", "higher"), Field("l", "l", "lower")
    assert sorted(values, key=higher.sort_key)[:3] == [0.7, 0.5, 0.3]
    assert sorted(values, key=lower.sort_key)[:3] == [0.3, 0.5, 0.7]
    assert higher.sort_key(None) == math.inf and lower.sort_key(math.nan) == math.inf


def test_headline_is_the_first_figure_reported() -> None:
    assert headline(scored("pysot")).name == "success_auc"
    vot = VOTResult("got10k", (100, 356), {"eao": None, "accuracy": 0.6, "tag_weighted_failures": 3.0}, None, {}, {})
    assert headline(vot).name == "accuracy"


def vot_result(values: dict, eao_curve=None, per_tag=None) -> VOTResult:
    per_sequence = {"bag": {"accuracy": 0.5, "failures": 1.0}, "ball": {"accuracy": 0.25, "failures": 0.0}}
    return VOTResult("p", (2, 4), values, eao_curve, per_sequence, per_tag or {}, extras={"frames": 9.0})


def test_vot_result_declarations() -> None:
    toolkit = vot_result({"eao": 0.3, "accuracy": 0.5, "ar_robustness": 0.8, "weighted_failures": 2.0},
                         eao_curve=np.array([1.0, 0.5, 0.25, 0.25, 0.2]))
    assert toolkit.table_fields == ("eao", "accuracy", "weighted_failures")
    # the toolkit's AR plot: exp(-30 F / L) and accuracy, both bounded
    assert [(s.x, s.y, s.x_range, s.y_range) for s in toolkit.scatters()] == [("ar_robustness", "accuracy", (0, 1), (0, 1))]
    (curve,) = toolkit.curves()
    assert (curve.name, curve.field, curve.shade) == ("eao_curve", "eao", (2.0, 4.0))
    assert (curve.label, curve.x_label) == ("expected average overlap", "sequence length")
    np.testing.assert_array_equal(curve.x, [0, 1, 2, 3, 4])
    assert toolkit.groups() == {}
    pysot = vot_result({"eao": None, "accuracy": 0.5, "failures_per_100_frames": 4.0},
                       per_tag={"all": {"accuracy": 0.5}})
    assert pysot.table_fields == ("accuracy", "failures_per_100_frames") and pysot.curves() == []
    assert [(s.x, s.y, s.x_range, s.y_range) for s in pysot.scatters()] == [
        ("failures_per_100_frames", "accuracy", None, (0, 1))]  # a failure rate: unbounded
    assert pysot.groups() == {"tag": {"all": {"accuracy": 0.5}}}
    assert pysot.per_sequence() == {"accuracy": {"bag": 0.5, "ball": 0.25}, "failures": {"bag": 1.0, "ball": 0.0}}
    assert toolkit.to_json() == {
        "eao": 0.3, "accuracy": 0.5, "ar_robustness": 0.8, "weighted_failures": 2.0,
        "eao_curve": [1.0, 0.5, 0.25, 0.25, 0.2], "eao_interval": [2, 4],
        "per_sequence": toolkit.per_sequence_figures, "per_tag": {}, "frames": 9.0}
    assert pysot.to_json()["eao_curve"] is None


def test_terms_json_keeps_seven_digits_integers_and_nan() -> None:
    # whole numbers below 2**53 (exact in a double) as integers, the rest in 7 significant digits
    numerator = np.array([[1 / 3, np.nan, 120.0], [2.0, 2.0**53, 5e20]])
    terms = Terms(("a", "b"), numerator, np.array([[3], [1]]))  # counts may come as integers
    data = terms.to_json()
    assert data == {"numerator": [[0.3333333, None, 120], [2, 9.007199e15, 5e20]], "denominator": [[3], [1]]}
    assert [type(v) for row in data["numerator"] for v in row] == [float, type(None), int, int, float, float]
    back = Terms.from_json(("a", "b"), data)
    assert back.sequences == ("a", "b")
    np.testing.assert_array_equal(back.numerator, [[0.3333333, np.nan, 120.0], [2.0, 9.007199e15, 5e20]])
    assert Terms.from_json((), {"numerator": [], "denominator": []}).numerator.shape == (0, 0)


def test_terms_points_without_any_sequence_are_nan_and_silent() -> None:
    terms = Terms(("a", "b"), np.array([[1.0, np.nan], [3.0, np.nan]]), np.array([[1.0], [2.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning reaches a report's reader
        curve = terms.curve(np.array([[1.0, 1.0], [0.0, 0.0]]))
        value = terms.value(np.array([[1.0, 1.0], [0.0, 0.0]]))
        empty = Terms(("a",), np.array([[2.0]]), np.array([[0.0]])).total()  # a zero denominator: inf, silently
    np.testing.assert_array_equal(curve, [[4.0 / 3.0, np.nan], [np.nan, np.nan]])
    np.testing.assert_array_equal(value, [4.0 / 3.0, np.nan])
    assert empty == np.inf


def test_conventions_in_words() -> None:
    pysot = conventions(PROFILES["pysot"])
    assert "name" not in pysot and "source" not in pysot
    assert pysot["iou_thresholds"] == "21 values, 0 to 1" and pysot["center_thresholds"] == "51 values, 0 to 50"
    assert (pysot["first_frame"], pysot["norm_eps"], pysot["reports_ao"]) == ("tracker", "1e-16", "False")
    vot = conventions(VOT_PROFILES["pysot"])
    assert vot["tags"] == "all, camera_motion, illum_change, motion_change, size_change, occlusion, empty"
    assert conventions(VOT_PROFILES["vot_toolkit"])["tags"] == "(none)"
    assert (vot["burnin"], vot["accuracy_bound"]) == ("10", "0")


@dataclasses.dataclass(frozen=True)
class Grids:
    three: tuple[float, ...]
    four: tuple[float, ...]
    mixed: tuple = (1.0, 2.0, 3.0, "4")


def test_conventions_summarise_grids_of_more_than_three_floats() -> None:
    assert conventions(Grids((0.0, 0.5, 1.0), (0.0, 0.25, 0.5, 1.0))) == {
        "three": "0.0, 0.5, 1.0", "four": "4 values, 0 to 1", "mixed": "1.0, 2.0, 3.0, 4"}


def test_pixel_iou_does_not_round_unless_asked() -> None:
    pred, gt = np.array([[0.0, 0.0, 10.0, 10.0]]), np.array([[4.6, 0.0, 10.0, 10.0]])
    # overlap 5.4 x 10 px: rounded, 5 x 10
    assert boxes.iou_pixel(pred, gt)[0] == pytest.approx(54 / 146, abs=1e-15)
    assert boxes.iou_pixel(pred, gt, round_intersection=True)[0] == pytest.approx(50 / 150, abs=1e-15)
