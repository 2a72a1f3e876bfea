"""pytest plugin for mutation runs (`-p mutation_plugin`; .ci/mutation_group.py puts it beside the tests).

mutmut runs each mutant against only the tests its stats run saw reach the mutated function. Work shared
between tests hides that reach: a module- or session-scoped fixture runs within the first test that asks
for it, and a cached function (functools.cache, a module's `*_CACHE` dict) computes within the first test
that calls it; the later tests that read the result were not seen to reach the functions behind it, so a
mutant there would skip the tests best placed to catch it (a golden-value test whose scores another test
computed first). In the stats run this plugin therefore credits every test with what its fixtures' set-up
reached, and empties the caches after each test. In a mutant's run it empties the caches filled before
the mutant was switched on (at import) and runs the tests fastest first, by the durations mutmut measured,
so a killed mutant costs its quickest failing test.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

_OURS = ("harness", "trackers", "benchmarks", "tests")
_reached: dict[object, set[str]] = {}  # fixture definition -> functions its set-up reached


def _mode() -> str:
    return os.environ.get("MUTANT_UNDER_TEST", "")


def _empty_caches() -> None:
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in _OURS:
            continue
        for attribute, value in list(vars(module).items()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
            elif isinstance(value, dict) and attribute.endswith("_CACHE"):
                value.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    if _mode() != "stats":
        yield
        return
    from mutmut.state import state

    outer, state()._stats = state()._stats, set()
    try:
        yield
    finally:
        _reached[fixturedef] = set(state()._stats)
        state()._stats = outer | _reached[fixturedef]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Before mutmut files the functions this test reached: add those of the fixtures it used, whoever
    set them up."""
    if _mode() != "stats":
        return
    from mutmut.state import state

    for definitions in getattr(item, "_fixtureinfo").name2fixturedefs.values():
        for definition in definitions:
            state()._stats |= _reached.get(definition, set())


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish() -> None:
    if _mode() == "stats":
        _empty_caches()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if "__mutmut_" not in _mode():
        return
    _empty_caches()
    stats = Path("mutmut-stats.json")  # mutmut runs the tests from mutants/
    if stats.is_file():
        durations = json.loads(stats.read_text())["duration_by_test"]
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
