"""Profiles are refused when they are defined, not when a typo would fall through at scoring time; a
profile that cannot score the chosen experiment is named with those that can."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

import numpy as np
import pytest

from harness.cli import main
from harness.errors import ProfileError
from harness.experiments import experiment
from harness.metrics.conventions import check_conventions, check_grid, define
from harness.metrics.ope.profiles import PROFILES, Profile
from harness.metrics.vot.profiles import PROFILES as VOT_PROFILES
from harness.metrics.vot.profiles import VOTProfile


def fields_of(profile: object) -> dict:
    return {f.name: getattr(profile, f.name) for f in dataclasses.fields(profile)}


def test_a_misspelt_convention_is_an_error_naming_the_field_and_the_choices() -> None:
    values = {**fields_of(PROFILES["pysot"]), "name": "mine", "gt_valid": "all_positve"}
    with pytest.raises(ProfileError, match="profile mine: gt_valid='all_positve' is not a known convention; "
                                           "expected one of 'none', 'wh_positive', 'all_positive'"):
        define(Profile, **values)
    with pytest.raises(ProfileError, match="iou_form='continous'"):
        dataclasses.replace(PROFILES["pysot"], iou_form="continous")
    with pytest.raises(ProfileError, match="reduction='vot-toolkit'"):
        dataclasses.replace(VOT_PROFILES["vot_toolkit"], reduction="vot-toolkit")


def test_unknown_and_missing_fields_are_named() -> None:
    values = fields_of(PROFILES["got10k"])
    with pytest.raises(ProfileError, match="^profile got10k: unknown field\\(s\\) denominater"):
        define(Profile, **{**values, "denominater": "all"})
    del values["absent"]
    with pytest.raises(ProfileError, match="^profile got10k: missing field\\(s\\) absent"):
        define(Profile, **values)


@pytest.mark.parametrize("grid", [(), (0.0, 0.5, 0.5, 1.0), (0.0, float("nan")), [0.0, 0.5, 1.0], (0, 1)])
def test_threshold_grids_must_be_finite_increasing_tuples_of_floats(grid) -> None:
    with pytest.raises(ProfileError, match="^profile pysot: iou_thresholds must be a non-empty tuple of finite floats"):
        dataclasses.replace(PROFILES["pysot"], iou_thresholds=grid)


def test_reported_thresholds_must_lie_on_the_grids() -> None:
    with pytest.raises(ProfileError, match="must be on its grids"):
        dataclasses.replace(PROFILES["pysot"], precision_at=20.5)
    with pytest.raises(ProfileError, match="must be on its grids"):
        dataclasses.replace(PROFILES["pysot"], iou_thresholds=tuple(np.linspace(0.01, 0.99, 7).tolist()))


def test_a_vot_profile_takes_exactly_the_bounds_its_analysis_reads() -> None:
    with pytest.raises(ProfileError, match="the got10k analysis takes no pixel bound"):
        dataclasses.replace(VOT_PROFILES["got10k"], eao_bound=0)
    with pytest.raises(ProfileError, match="the pysot analysis takes eao_bound and accuracy_bound"):
        dataclasses.replace(VOT_PROFILES["pysot"], accuracy_bound=None)
    with pytest.raises(ProfileError, match="the vot_toolkit analysis takes eao_bound;"):
        dataclasses.replace(VOT_PROFILES["vot_toolkit"], accuracy_bound=0)
    with pytest.raises(ProfileError, match="burnin=-1 must be >= 0"):
        dataclasses.replace(VOT_PROFILES["pysot"], burnin=-1)
    assert dataclasses.replace(VOT_PROFILES["pysot"], burnin=0).burnin == 0  # no burn-in is a burn-in


@dataclasses.dataclass(frozen=True)
class Unnamed:
    """A profile-like class without a `name`: its errors name the class."""

    form: Literal["a", "b"]
    strict: bool
    grid: tuple[float, ...] = (0.0, 1.0)
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)


def test_errors_name_the_profile_or_else_its_class() -> None:
    with pytest.raises(ProfileError, match="^profile Unnamed: form='c' is not a known convention; expected one of 'a', 'b'$"):
        check_conventions(Unnamed("c", True))
    with pytest.raises(ProfileError, match="^profile Unnamed: strict=1 must be True or False$"):
        check_conventions(Unnamed("a", 1))  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="^profile mine: float32=0 must be True or False$"):
        define(Profile, **{**fields_of(PROFILES["pysot"]), "name": "mine", "float32": 0})
    check_conventions(Unnamed("b", False))  # a valid one passes
    with pytest.raises(ProfileError, match="^profile Unnamed: grid must be a non-empty tuple"):
        check_grid(Unnamed("a", True, grid=(1.0, 0.5)), "grid")
    check_grid(Unnamed("a", True, grid=(0.0, 0.5, 1.0)), "grid")
    with pytest.raises(ProfileError, match="^profile Unnamed: missing field\\(s\\) form, strict$"):
        define(Unnamed)  # the fields with a default or a default factory are not missing
    assert define(Unnamed, form="a", strict=True) == Unnamed("a", True)
    with pytest.raises(ProfileError, match="^profile Unnamed: unknown field\\(s\\) a, z; Unnamed has form, strict, grid, tags$"):
        define(Unnamed, z=1, a=2, form="a", strict=True)


def test_every_field_of_a_profile_is_read() -> None:
    """No field that nothing reads: each one is the name of a convention the metrics interpret."""
    import harness.metrics.ope.evaluate as ope_evaluate
    import harness.metrics.ope.frames as ope_frames
    import harness.metrics.vot.evaluate as vot_evaluate
    import harness.metrics.vot.eao as vot_eao
    import harness.metrics.vot.scores as vot_scores
    import harness.reports.tables as report
    from inspect import getsource

    ope = getsource(ope_evaluate) + getsource(ope_frames) + getsource(report)
    vot = getsource(vot_evaluate) + getsource(vot_scores) + getsource(vot_eao) + getsource(report)
    for cls, code in ((Profile, ope), (VOTProfile, vot)):
        unread = [f.name for f in dataclasses.fields(cls)
                  if f"prof.{f.name}" not in code and f"profile.{f.name}" not in code and f.name != "name"]
        assert unread == [], cls.__name__


def test_eval_with_a_profile_of_another_experiment_names_those_that_can(capsys) -> None:
    assert main(["eval", "--bench", "vot2018", "--root", ".", "--profile", "lasot_matlab", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert error == ("profile 'lasot_matlab' cannot score the baseline experiment (supervised results); "
                     "profiles that can: vot_toolkit, pysot, got10k")
    with pytest.raises(ProfileError, match="profiles that can: pysot, pytracking"):
        experiment("ope").profile("vot_toolkit")


def test_an_experiment_the_benchmark_is_not_run_under_is_refused(capsys) -> None:
    assert main(["eval", "--bench", "otb", "--root", ".", "--protocol", "baseline"]) == 1
    assert "otb is not run under the baseline experiment; it is run under: ope" in capsys.readouterr().err
