"""Tables for people and JSON for machines, for any result: each renderer reads the fields a result
declares (`metrics.fields`), never its kind. A metric is never shown without its profile. With a
`Bootstrap`, each figure that decomposes over sequences is shown with its confidence interval
(`harness.reports.bootstrap`); the richer reports (HTML, paper tables, leaderboards) are in
`harness.reports`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.evaluate import TrackerScore
from harness.metrics.fields import Field, headline

if TYPE_CHECKING:
    from harness.reports.bootstrap import Bootstrap

FPS = Field("fps", "fps", "higher", digits=1, description="frames per second of the tracker's own calls")


def title(benchmark: str, experiment: str, profile: str, what: str = "") -> str:
    return " · ".join([benchmark, experiment, *([what] if what else []), f"profile {profile}"])


def columns(scores: list[TrackerScore]) -> list[Field]:
    """The fields any of these results reports, in their declared order, then fps where it was recorded."""
    if not scores:
        return []
    shown = [f for f in scores[0].result.fields if any(s.result.values.get(f.name) is not None for s in scores)]
    return shown + ([FPS] if any(not math.isnan(s.fps) for s in scores) else [])


def value(score: TrackerScore, field: Field) -> float | None:
    """A field's value for a tracker; fps included."""
    return score.fps if field is FPS else score.result.values.get(field.name)


def interval(score: TrackerScore, field: Field, bootstrap: Bootstrap) -> tuple[float, float] | None:
    """The bootstrap interval of a field, where the result declares how it decomposes over sequences."""
    terms = score.result.terms().get(field.name) if field is not FPS else None
    return None if terms is None else bootstrap.interval(terms)


def cell(score: TrackerScore, field: Field, bootstrap: Bootstrap | None = None) -> str:
    """A field's value as a table shows it, with its interval when a bootstrap is given."""
    if bootstrap is None:
        return field.format(value(score, field))
    return bootstrap.format(field, value(score, field), interval(score, field, bootstrap))


def ranked(scores: list[TrackerScore]) -> list[TrackerScore]:
    """Best first by the results' headline figure."""
    if not scores:
        return []
    first = headline(scores[0].result)
    return sorted(scores, key=lambda s: first.sort_key(s.result.values.get(first.name)))


def _cells(scores: list[TrackerScore], bootstrap: Bootstrap | None = None) -> tuple[list[str], list[list[str]]]:
    fields = columns(scores)
    rows = [[s.tracker, *(cell(s, f, bootstrap) for f in fields)] for s in ranked(scores)]
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


def format_table(scores: list[TrackerScore], header: str, bootstrap: Bootstrap | None = None) -> str:
    return aligned(header, *_cells(scores, bootstrap))


def scores_json(scores: list[TrackerScore], benchmark: str, experiment: Any, profile: Any,
                bootstrap: Bootstrap | None = None) -> dict[str, Any]:
    """Every figure of every tracker, with the fields' meaning, the experiment and the profile's source;
    with a bootstrap, each tracker's `intervals` (field -> [low, high])."""
    fields = list(scores[0].result.fields) + [FPS] if scores else []
    intervals = {} if bootstrap is None else {
        s.tracker: {"intervals": {f.name: list(bootstrap.interval(t)) for f in fields
                                  if (t := s.result.terms().get(f.name)) is not None}} for s in scores}
    return {
        "benchmark": benchmark,
        "protocol": experiment.title,
        "experiment": experiment.name,
        "profile": profile.name,
        "profile_source": profile.source,
        "fields": {f.name: {"label": f.label, "better": f.better, "description": f.description} for f in fields},
        "trackers": {
            s.tracker: {**s.result.to_json(), "fps": None if math.isnan(s.fps) else s.fps,
                        **intervals.get(s.tracker, {})} for s in scores
        },
        **({} if bootstrap is None else {"bootstrap": {"resamples": bootstrap.resamples, "seed": bootstrap.seed,
                                                       "level": bootstrap.level, "over": "sequences"}}),
    }


def report_stem(directory: Path, benchmark: str, experiment: Any, profile: Any) -> Path:
    """reports/<benchmark>-<experiment>-<profile>: every report of one scoring shares it (.md, .json, .html)."""
    return Path(directory) / f"{benchmark}-{experiment.name}-{profile.name}"


def write_report(directory: Path, scores: list[TrackerScore], benchmark: str, experiment: Any, profile: Any,
                 bootstrap: Bootstrap | None = None) -> Path:
    """reports/<benchmark>-<experiment>-<profile>.{md,json}; returns the Markdown path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = report_stem(directory, benchmark, experiment, profile)
    data = scores_json(scores, benchmark, experiment, profile, bootstrap)
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2))
    md = stem.with_suffix(".md")
    md.write_text(markdown(title(benchmark, experiment.title, profile.name), *_cells(scores, bootstrap)) + "\n")
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
