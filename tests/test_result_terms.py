"""Figures declared as sums over sequences (`fields.Terms`) give the result's own figures back, on the real
OTB-2015 and VOT2018 results under every profile, and a subset's terms give what scoring that subset gives."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from benchmarks.otb import load_otb
from harness.metrics.fields import Terms
from harness.metrics.ope.evaluate import evaluate
from harness.metrics.ope.profiles import PROFILES
from tests.conftest import realdata_path
from tests.test_metrics_golden import _inputs
from tests.test_metrics_golden import _result as _ope
from tests.test_vot_golden import _result as _vot
from tests.vot_reference import TRACKERS as VOT_TRACKERS

OTB_TRACKERS = ["SiamRPN++", "SiamRPN", "DaSiamRPN", "SiamFC", "CFNet"]


@cache
def _attributes() -> dict[str, tuple[str, ...]]:
    return {s.name: tuple(s.attributes) for s in load_otb(realdata_path("otb", "toolkit-anno", "OTB100"))}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_ope_terms_give_every_figure_and_curve_back(profile: str) -> None:
    for tracker in OTB_TRACKERS:
        result = _ope(tracker, profile)
        terms = result.terms()
        assert set(terms) == {n for n, v in result.values.items() if v is not None}
        for name, t in terms.items():
            assert t.total() == pytest.approx(result.values[name], abs=2e-7), (tracker, name)
        for curve in result.curves():
            np.testing.assert_allclose(curve.terms.curve(np.ones((1, 100)))[0], curve.y, atol=2e-7)
        per_sequence = terms["success_auc"].per_sequence()
        np.testing.assert_allclose(per_sequence, [result.per_sequence_auc[s] for s in t.sequences], atol=1e-12)


@pytest.mark.parametrize("profile", ["pysot", "lasot_matlab", "got10k"])
def test_a_subset_of_the_terms_is_the_subset_scored(profile: str) -> None:
    """What per-attribute plots use: the terms weighted by an attribute's members equal scoring only them."""
    members = np.array(["OCC" in _attributes()[i.name] for i in _inputs("SiamFC")])
    result = _ope("SiamFC", profile)
    subset = evaluate([i for i, m in zip(_inputs("SiamFC"), members) if m], profile)
    for name, t in result.terms().items():
        assert t.value(members[None, :].astype(float))[0] == pytest.approx(subset.values[name], abs=2e-7), name
    curve = result.curves()[0]
    np.testing.assert_allclose(curve.terms.curve(members[None, :].astype(float))[0], subset.success_curve, atol=2e-7)


@pytest.mark.parametrize("profile", ["vot_toolkit", "pysot", "got10k"])
def test_vot_terms_give_the_figures_back(profile: str) -> None:
    for tracker in VOT_TRACKERS:
        result = _vot(tracker, profile)  # cached: shared with the golden tests
        terms = result.terms()
        want = {"vot_toolkit": {"eao", "accuracy", "weighted_failures"},
                "pysot": {"eao", "accuracy", "failures_per_100_frames"}, "got10k": set()}[profile]
        assert set(terms) == want
        for name, t in terms.items():
            assert t.total() == pytest.approx(result.values[name], abs=1e-6), (tracker, name)


def test_terms_survive_json_and_weigh_a_nan_point_only_where_its_sequence_is_weighted() -> None:
    t = Terms(("a", "b"), np.array([[1.0, np.nan], [3.0, 4.0]]), np.array([[1.0, 1.0], [1.0, 2.0]]))
    back = Terms.from_json(("a", "b"), t.to_json())
    np.testing.assert_array_equal(back.numerator, t.numerator)
    assert back.value(np.array([[0.0, 1.0]]))[0] == pytest.approx((3.0 + 2.0) / 2)
    assert t.value(np.array([[1.0, 1.0]]))[0] == pytest.approx(2.0)  # the NaN point is left out of the mean
    assert np.isnan(Terms(("a",), np.zeros((1, 0)), np.zeros((1, 0))).total())
