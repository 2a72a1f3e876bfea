"""The renderers read what a result declares; they know no result kind."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

import numpy as np
import pytest

from harness.evaluate import TrackerScore
from harness.metrics.fields import Curve, Field
from harness.metrics.vot.evaluate import FIELDS as VOT_FIELDS
from harness.reports.tables import format_table, markdown, ranked, scores_json, title


@dataclass(frozen=True)
class LatencyResult:
    """A kind of result no renderer was written for: lower is better for its first figure."""

    profile: str
    p95: float
    jitter: float | None
    fields: ClassVar[tuple[Field, ...]] = (
        Field("p95_ms", "p95 latency (ms)", "lower", digits=1),
        Field("jitter", "jitter", "lower"),
    )

    @property
    def values(self) -> dict:
        return {"p95_ms": self.p95, "jitter": self.jitter}

    def curves(self) -> list[Curve]:
        return [Curve("cdf", "latency cdf", "ms", np.array([1.0, 2.0]), np.array([0.5, 1.0]))]

    def per_sequence(self) -> dict:
        return {}

    def to_json(self) -> dict:
        return {**self.values, "cdf": [0.5, 1.0]}


def test_any_result_is_tabled_by_its_fields_best_first_in_its_own_direction() -> None:
    scores = [TrackerScore("slow", LatencyResult("toy", 40.0, None), math.nan),
              TrackerScore("fast", LatencyResult("toy", 12.5, None), 90.0)]
    table = format_table(scores, title("bench", "latency", "toy"))
    lines = table.splitlines()
    assert lines[0] == "bench · latency · profile toy"
    assert lines[1].split() == ["tracker", "p95", "latency", "(ms)", "fps"]  # jitter: reported by none
    assert lines[3].split() == ["fast", "12.5", "90.0"] and lines[4].split() == ["slow", "40.0", "-"]
    assert [s.tracker for s in ranked(scores)] == ["fast", "slow"]


def test_markdown_is_a_real_table_with_escaped_pipes() -> None:
    text = markdown("a|b", ["tracker", "AUC"], [["x|y", "0.500"]])
    assert text.splitlines() == ["**a\\|b**", "", "| tracker | AUC |", "|:---|---:|", "| x\\|y | 0.500 |"]


def test_json_carries_every_field_with_its_meaning() -> None:
    scores = [TrackerScore("fast", LatencyResult("toy", 12.5, 0.25), 90.0, total=3)]
    out = scores_json(scores, "bench", SimpleNamespace(title="latency", name="lat"),
                      SimpleNamespace(name="toy", source="made up"))
    assert out["fields"]["p95_ms"] == {"label": "p95 latency (ms)", "better": "lower", "description": ""}
    assert out["trackers"]["fast"] == {"p95_ms": 12.5, "jitter": 0.25, "cdf": [0.5, 1.0], "fps": 90.0, "coverage": [3, 3]}
    json.dumps(out)


def test_vot_robustness_is_three_figures_with_their_own_names_and_directions() -> None:
    by_name = {f.name: f for f in VOT_FIELDS}
    assert by_name["ar_robustness"].better == "higher"
    assert {by_name[n].better for n in ("weighted_failures", "failures_per_100_frames", "tag_weighted_failures")} == {"lower"}
    assert len({f.label for f in VOT_FIELDS}) == len(VOT_FIELDS)
    with pytest.raises(StopIteration):
        next(f for f in VOT_FIELDS if f.name == "robustness")
