"""pytest plugin for mutation runs (`-p mutation_order`; .ci/mutation_group.py puts it in the snapshot): a
mutant's tests run fastest first, by the durations mutmut measured (mutants/mutmut-stats.json), so a
killed mutant costs its quickest failing test. mutmut hands them over in no particular order."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    stats = Path("mutmut-stats.json")  # mutmut runs the tests from mutants/
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", "") or not stats.is_file():
        return
    durations = json.loads(stats.read_text())["duration_by_test"]
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
