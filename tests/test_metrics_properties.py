"""Property tests: our box measures and curves against the got10k package's own functions, on random
boxes including degenerate ones (zero or negative size, NaN, far outside any image).

Where got10k has no counterpart (the '+1 pixel' IoU, normalized centre errors: pip got10k 0.1.3 has no
normalized_center_error) the check is against a scalar transcription of our documented formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from got10k.experiments.got10k import ExperimentGOT10k
from got10k.experiments.otb import ExperimentOTB
from got10k.experiments.uav123 import ExperimentUAV123
from got10k.utils import metrics as got10k_metrics
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from harness.metrics import boxes
from harness.metrics.ope.evaluate import SequenceInput, evaluate

# integer coordinates make IoU and distances land exactly on thresholds, where comparisons matter
coordinate = st.one_of(
    st.integers(-20, 400).map(float),
    st.floats(-1e4, 1e4, allow_nan=False),
    st.sampled_from([0.0, -1.0, 0.5, 1e6, -1e6, 1e9]),
    st.just(math.nan),
)
box_rows = st.integers(1, 30).flatmap(lambda n: st.tuples(*[arrays(np.float64, (n, 4), elements=coordinate)] * 2))
clean_rows = st.integers(2, 40).flatmap(
    lambda n: st.tuples(*[arrays(np.float64, (n, 4), elements=st.integers(-5, 120).map(float))] * 2)
)
SETTINGS = settings(max_examples=60, deadline=None)
SEQUENCE_SETTINGS = settings(max_examples=30, deadline=None)


def _got10k_otb() -> ExperimentOTB:
    # the report methods only need the bin counts, not a dataset on disk
    exp = object.__new__(ExperimentUAV123)
    exp.nbins_iou, exp.nbins_ce = 21, 51
    return exp


@SETTINGS
@given(box_rows)
def test_iou_matches_got10k_rect_iou(pair: tuple[np.ndarray, np.ndarray]) -> None:
    pred, gt = pair
    with np.errstate(all="ignore"):
        expected = got10k_metrics.rect_iou(pred.copy(), gt.copy())
    np.testing.assert_array_equal(boxes.iou_continuous(pred, gt, np.finfo(float).eps), expected)


@SETTINGS
@given(box_rows)
def test_center_error_matches_got10k(pair: tuple[np.ndarray, np.ndarray]) -> None:
    pred, gt = pair
    with np.errstate(all="ignore"):
        expected = got10k_metrics.center_error(pred, gt)
    np.testing.assert_array_equal(boxes.center_error(pred, gt), expected)


def _div(a: float, b: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.float64(a) / b)  # IEEE division, as numpy does it elementwise


def _pixel_iou(p: list[float], g: list[float], rounded: bool) -> float:
    """Scalar '+1 pixel' IoU as documented: NaN-skipping min/max, optional rounding of the overlap."""
    fmax = lambda a, b: b if math.isnan(a) else a if math.isnan(b) else max(a, b)  # noqa: E731
    fmin = lambda a, b: b if math.isnan(a) else a if math.isnan(b) else min(a, b)  # noqa: E731
    sides = []
    for i in (0, 1):
        side = fmin(p[i] + p[i + 2] - 1.0, g[i] + g[i + 2] - 1.0) - fmax(p[i], g[i]) + 1.0
        side = float(np.round(side)) if rounded else side
        sides.append(side if math.isnan(side) else max(side, 0.0))
    inter = sides[0] * sides[1]
    return _div(inter, p[2] * p[3] + g[2] * g[3] - inter)


@SETTINGS
@given(box_rows, st.booleans())
def test_pixel_iou_matches_its_definition(pair: tuple[np.ndarray, np.ndarray], rounded: bool) -> None:
    pred, gt = pair
    with np.errstate(all="ignore"):
        ours = boxes.iou_pixel(pred, gt, round_intersection=rounded)
        expected = [_pixel_iou(p, g, rounded) for p, g in zip(pred.tolist(), gt.tolist())]
    np.testing.assert_array_equal(ours, expected)


@SETTINGS
@given(box_rows, st.sampled_from([0.0, 1e-16]))
def test_normalized_center_error_matches_its_definition(pair: tuple[np.ndarray, np.ndarray], eps: float) -> None:
    pred, gt = pair
    expected = []
    for p, g in zip(pred.tolist(), gt.tolist()):
        d = [
            _div(p[i] + (p[i + 2] - 1) / 2, g[i + 2] + eps) - _div(g[i] + (g[i + 2] - 1) / 2, g[i + 2] + eps)
            for i in (0, 1)
        ]
        expected.append(float(np.sqrt(d[0] * d[0] + d[1] * d[1])))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(boxes.normalized_center_error(pred, gt, eps), expected)


@SETTINGS
@given(clean_rows)
def test_trackingnet_normalized_error_matches_its_definition(pair: tuple[np.ndarray, np.ndarray]) -> None:
    pred, gt = pair
    expected = []
    for p, g in zip(pred.tolist(), gt.tolist()):
        d = [(g[i] + (g[i + 2] + 1.0) / 2.0) - (p[i] + (p[i + 2] + 1.0) / 2.0) for i in (0, 1)]
        terms = [_div(_div(d[i], g[i + 2]) * d[i], g[i + 2]) for i in (0, 1)]
        expected.append(float(np.sqrt(terms[0] + terms[1])))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(boxes.normalized_center_error_trackingnet(pred, gt), expected)


def _with_nan_rows(gt: np.ndarray, rows: list[int]) -> np.ndarray:
    gt = gt.copy()
    gt[[r % len(gt) for r in rows]] = np.nan
    return gt


@SEQUENCE_SETTINGS
@given(st.lists(st.tuples(box_rows, st.lists(st.integers(0, 100), max_size=3)), min_size=1, max_size=4))
def test_got10k_profile_curves_match_got10k_report(seqs: list) -> None:
    exp, inputs, succ, prec = _got10k_otb(), [], [], []
    for i, ((pred, gt), nan_rows) in enumerate(seqs):
        gt = _with_nan_rows(gt, nan_rows)
        if np.isnan(gt).any(axis=1).all():
            continue  # got10k cannot score a sequence without annotation; tested separately below
        inputs.append(SequenceInput(f"s{i}", pred, gt, np.zeros(len(gt), bool)))
        pred = pred.copy()
        pred[0] = gt[0]
        with np.errstate(all="ignore"):
            s, p = exp._calc_curves(*exp._calc_metrics(pred, gt))
        succ.append(s)
        prec.append(p)
    if not inputs:
        return
    with np.errstate(all="ignore"):
        ours = evaluate(inputs, "got10k")
    np.testing.assert_allclose(ours.success_curve, np.mean(succ, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.precision_curve, np.mean(prec, axis=0), rtol=0, atol=1e-12)
    assert ours.auc == pytest.approx(np.mean(np.mean(succ, axis=0)), abs=1e-12)
    assert ours.precision == pytest.approx(np.mean(prec, axis=0)[20], abs=1e-12)
    assert list(ours.per_sequence_auc.values()) == pytest.approx([np.mean(s) for s in succ], abs=1e-12)


@SEQUENCE_SETTINGS
@given(st.lists(st.tuples(clean_rows, arrays(bool, 40)), min_size=1, max_size=4))
def test_ao_and_success_rates_match_got10k_experiment(seqs: list) -> None:
    exp = object.__new__(ExperimentGOT10k)
    inputs, ious = [], []
    for i, ((pred, gt), absent) in enumerate(seqs):
        absent = absent[: len(gt)]
        inputs.append(SequenceInput(f"s{i}", pred, gt, absent))
        with np.errstate(all="ignore"):
            ious.append(got10k_metrics.rect_iou(pred[1:].copy(), gt[1:].copy())[~absent[1:]])
    ious = np.concatenate(ious)
    ours = evaluate(inputs, "got10k")
    if len(ious) == 0:
        assert math.isnan(ours.ao)
        return
    ao, sr50, _, _ = exp._evaluate(ious, [])
    assert ours.ao == pytest.approx(ao, abs=1e-12)
    assert ours.sr50 == pytest.approx(sr50, abs=1e-12)
    assert ours.sr75 == pytest.approx(np.mean(ious > 0.75), abs=1e-12)


@SETTINGS
@given(clean_rows, st.sampled_from(["pysot", "pytracking", "got10k", "trackingnet", "lasot_matlab"]))
def test_curves_are_monotone_and_bounded(pair: tuple[np.ndarray, np.ndarray], profile: str) -> None:
    pred, gt = pair
    pred[:, 2:] = np.abs(pred[:, 2:])  # pytracking refuses negative sizes
    with np.errstate(all="ignore"):
        r = evaluate([SequenceInput("s", pred, gt, np.zeros(len(gt), bool))], profile)
    if r.extras.get("n_sequences_kept_success") == 0:  # LaSOT drops a sequence that never succeeds
        assert np.isnan(r.success_curve).all()
        return
    for curve, rising in ((r.success_curve, False), (r.precision_curve, True)):
        assert ((curve >= 0) & (curve <= 1)).all()
        steps = np.diff(curve)
        assert (steps >= 0).all() if rising else (steps <= 0).all()


grids = st.integers(2, 12).flatmap(lambda n: st.one_of(
    # evenly spaced (the profiles' grids), from anywhere, or jittered, or arbitrary
    st.tuples(st.floats(-5, 5), st.floats(1e-6, 3)).map(lambda a: a[0] + a[1] * np.arange(n)),
    st.tuples(st.floats(-5, 5), st.floats(1e-6, 3), st.floats(0, 0.99)).map(
        lambda a: a[0] + a[1] * (np.arange(n) + a[2] * np.sin(np.arange(n) * 7.0))),
    arrays(np.float64, n, elements=st.floats(-1e3, 1e3), unique=True).map(np.sort),
    arrays(np.float64, n, elements=st.floats(0, 1), unique=True).map(lambda g: np.sort(g) * 1e-5),
))


def _assert_grid_positions(grid: np.ndarray, extra: list | np.ndarray = ()) -> None:
    """The arithmetic placement on a threshold grid (`_searchsorted`) against numpy's binary search, on
    values at, one ulp either side of, and between the grid's points."""
    from harness.metrics.ope.evaluate import _searchsorted

    values = np.concatenate([grid, np.nextafter(grid, -np.inf), np.nextafter(grid, np.inf),
                             (grid[:-1] + grid[1:]) / 2, extra, [-np.inf, np.inf]])
    for side in ("left", "right"):
        np.testing.assert_array_equal(_searchsorted(grid, values, side), np.searchsorted(grid, values, side=side))


@SETTINGS
@given(grids, st.lists(st.floats(-2e3, 2e3), max_size=20))
def test_grid_positions_are_numpys_searchsorted(grid: np.ndarray, extra: list) -> None:
    _assert_grid_positions(np.unique(grid), extra)


def test_grid_positions_on_the_profiles_grids() -> None:
    """Every shipped grid, and even grids whose arithmetic estimate lands one past a point just below it."""
    from harness.metrics.ope.profiles import PROFILES

    for prof in PROFILES.values():
        for grid in (prof.iou_thresholds, prof.center_thresholds, prof.norm_center_thresholds):
            _assert_grid_positions(np.array(grid))
    _assert_grid_positions(0.01 * np.arange(59))
    _assert_grid_positions(-2.302132862361297 + 0.05 * np.arange(51))
