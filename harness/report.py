"""Tables for people and JSON for machines, for any result: each renderer reads the fields a result
declares (`metrics.fields`), never its kind. A metric is never shown without its profile."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from harness.evaluate import TrackerScore
from harness.metrics.fields import Field, headline

FPS = Field("fps", "fps", "higher", digits=1, description="frames per second of the tracker's own calls")


def title(benchmark: str, experiment: str, profile: str, what: str = "") -> str:
    return " · ".join([benchmark, experiment, *([what] if what else []), f"profile {profile}"])


def columns(scores: list[TrackerScore]) -> list[Field]:
    """The fields any of these results reports, in their declared order, then fps where it was recorded."""
    if not scores:
        return []
    shown = [f for f in scores[0].result.fields if any(s.result.values.get(f.name) is not None for s in scores)]
    return shown + ([FPS] if any(not math.isnan(s.fps) for s in scores) else [])


def _value(score: TrackerScore, field: Field) -> float | None:
    return score.fps if field is FPS else score.result.values.get(field.name)


def ranked(scores: list[TrackerScore]) -> list[TrackerScore]:
    """Best first by the results' headline figure."""
    if not scores:
        return []
    first = headline(scores[0].result)
    return sorted(scores, key=lambda s: first.sort_key(s.result.values.get(first.name)))


def _cells(scores: list[TrackerScore]) -> tuple[list[str], list[list[str]]]:
    fields = columns(scores)
    rows = [[s.tracker, *(f.format(_value(s, f)) for f in fields)] for s in ranked(scores)]
    return ["tracker", *(f.label for f in fields)], rows


def aligned(header: str, cols: list[str], rows: list[list[str]]) -> str:
    """A header line, then columns aligned: the first to the left, the figures to the right."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(cols)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([header, line(cols), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def markdown(header: str, cols: list[str], rows: list[list[str]]) -> str:
    """A Markdown table under a bold caption: names left-aligned, figures right-aligned; pipes escaped."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [f"**{cell(header)}**", "", "| " + " | ".join(map(cell, cols)) + " |",
             "|" + "|".join([":---", *("---:" for _ in cols[1:])]) + "|"]
    lines += ["| " + " | ".join(map(cell, r)) + " |" for r in rows]
    return "\n".join(lines)


def format_table(scores: list[TrackerScore], header: str) -> str:
    return aligned(header, *_cells(scores))


def scores_json(scores: list[TrackerScore], benchmark: str, experiment: Any, profile: Any) -> dict[str, Any]:
    """Every figure of every tracker, with the fields' meaning, the experiment and the profile's source."""
    fields = list(scores[0].result.fields) + [FPS] if scores else []
    return {
        "benchmark": benchmark,
        "protocol": experiment.title,
        "experiment": experiment.name,
        "profile": profile.name,
        "profile_source": profile.source,
        "fields": {f.name: {"label": f.label, "better": f.better, "description": f.description} for f in fields},
        "trackers": {
            s.tracker: {**s.result.to_json(), "fps": None if math.isnan(s.fps) else s.fps} for s in scores
        },
    }


def write_report(directory: Path, scores: list[TrackerScore], benchmark: str, experiment: Any, profile: Any) -> Path:
    """reports/<benchmark>-<experiment>-<profile>.{md,json}; returns the Markdown path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"{benchmark}-{experiment.name}-{profile.name}"
    stem.with_suffix(".json").write_text(json.dumps(scores_json(scores, benchmark, experiment, profile), indent=2))
    md = stem.with_suffix(".md")
    md.write_text(markdown(title(benchmark, experiment.title, profile.name), *_cells(scores)) + "\n")
    return md


def format_attribute_table(groups: dict[str, list[TrackerScore]], counts: dict[str, int], header: str) -> str:
    """The headline figure per attribute (rows) and tracker (columns)."""
    trackers = sorted({s.tracker for scores in groups.values() for s in scores})
    cols = ["attribute", "sequences", *trackers]
    rows = []
    for code, scores in groups.items():
        by_tracker = {s.tracker: s.result for s in scores}
        field = headline(scores[0].result)
        rows.append([code, str(counts[code]), *(field.format(by_tracker[t].values.get(field.name)) for t in trackers)])
    return aligned(header, cols, rows)


def attributes_json(groups: dict[str, list[TrackerScore]], counts: dict[str, int], benchmark: str, experiment: Any,
                    profile: Any) -> dict:
    return {
        "benchmark": benchmark,
        "protocol": experiment.title,
        "experiment": experiment.name,
        "profile": profile.name,
        "attributes": {
            code: {"sequences": counts[code], "trackers": {s.tracker: dict(s.result.values) for s in scores}}
            for code, scores in groups.items()
        },
    }
