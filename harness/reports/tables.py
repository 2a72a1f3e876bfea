"""Tables for people and JSON for machines, for any result: each renderer reads the fields a result
declares (`metrics.fields`), never its kind. A metric is never shown without its profile. With a
`Bootstrap`, each figure that decomposes over sequences is shown with its confidence interval
(`harness.reports.bootstrap`); the richer reports (HTML, paper tables, leaderboards) are in
`harness.reports`."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.names import listing
from harness.atomic import write_atomic
from harness.evaluate import TrackerScore
from harness.metrics.fields import Field, headline

if TYPE_CHECKING:
    from harness.reports.bootstrap import Bootstrap

FPS = Field("fps", "fps", "higher", digits=1, description="frames per second of the tracker's own calls")


def title(benchmark: str, experiment: str, profile: str, what: str = "", default: bool = False) -> str:
    """`default`: the profile was not asked for; the title says it is the benchmark's own, so that its figures
    are not compared unawares with those of a table under the profile asked for one command earlier."""
    named = f"profile {profile}" + (f" ({benchmark}'s default; --profile to choose)" if default else "")
    return " · ".join([benchmark, experiment, *([what] if what else []), named])


MARKS = {"padded": ("*", "results short of frames scored with zero boxes there (--pad-missing)"),
         "synthetic": ("†", "weights trained on synthetic data only: these figures say nothing of real-world accuracy")}
COVERAGE = "sequences"


def _scored(scores: list[TrackerScore]) -> list[TrackerScore]:
    return [s for s in scores if s.result is not None]


def columns(scores: list[TrackerScore]) -> list[Field]:
    """The fields any of these results reports, in their declared order, then fps where it was recorded."""
    scored = _scored(scores)
    if not scored:
        return []
    shown = [f for f in scored[0].result.fields if any(s.result.values.get(f.name) is not None for s in scored)]
    return shown + ([FPS] if any(not math.isnan(s.fps) for s in scored) else [])


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
    """The scored trackers best first by their headline figure, then those left unscored (partial coverage)."""
    scored = _scored(scores)
    if not scored:
        return list(scores)
    first = headline(scored[0].result)
    return sorted(scored, key=lambda s: first.sort_key(s.result.values.get(first.name))) + \
        [s for s in scores if s.result is None]


def marked(score: TrackerScore) -> str:
    """The tracker's name with the symbols of its marks (`MARKS`)."""
    return score.tracker + "".join(MARKS[m][0] for m in score.marks)


def mark_notes(scores: list[TrackerScore]) -> list[str]:
    """What the marks these scores carry mean, one line each."""
    return [f"{symbol} {meaning}" for mark, (symbol, meaning) in MARKS.items() if any(mark in s.marks for s in scores)]


def _sequences(score: TrackerScore, scored: int | None) -> str:
    """The sequences column: those a tracker's figures are over (`scored`, the common subset), else those it
    has results on, of those asked for."""
    return f"{scored if scored is not None and score.result is not None else score.coverage[0]}/{score.total}"


def _cells(scores: list[TrackerScore], bootstrap: Bootstrap | None = None,
           scored: int | None = None) -> tuple[list[str], list[list[str]]]:
    fields = columns(scores)
    partial = any(s.missing for s in scores)
    rows = []
    for s in ranked(scores):
        figures = [cell(s, f, bootstrap) if s.result is not None else "-" for f in fields]
        rows.append([marked(s), *figures, *([_sequences(s, scored)] if partial else [])])
    return ["tracker", *(f.label for f in fields), *([COVERAGE] if partial else [])], rows


def notes(scores: list[TrackerScore]) -> list[str]:
    """Lines under a table: what its marks mean, and why a tracker has no figures."""
    lines = mark_notes(scores)
    for s in scores:
        if s.result is None:
            lines.append(f"{s.tracker}: not ranked, no results on {len(s.missing)} of {s.total} sequences "
                         f"({listing(list(s.missing), limit=5)}); --common scores the sequences all trackers have, "
                         "--sequences names some")
    return lines


def interval_notes(scores: list[TrackerScore], bootstrap: Bootstrap | None,
                   fields: list[Field] | None = None) -> list[str]:
    """Under a table with intervals: the figures shown (`fields`, default every column) without one, and why
    (the reason their field declares)."""
    if bootstrap is None:
        return []
    scored = _scored(scores)
    reasons: dict[str, list[str]] = {}
    for f in columns(scores) if fields is None else fields:
        if f is not FPS and any(s.result.values.get(f.name) is not None and f.name not in s.result.terms()
                                for s in scored):
            reasons.setdefault(f.no_terms or "not a sum over sequences under this profile", []).append(f.label)
    return [f"no interval for {', '.join(labels)}: {reason}" for reason, labels in reasons.items()]


def aligned(header: str, cols: list[str], rows: list[list[str]]) -> str:
    """A header line, then columns aligned: the first to the left, the figures to the right."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(cols)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([header, line(cols), line(["-" * w for w in widths]), *(line(r) for r in rows)])


# Characters Markdown gives a meaning inline (emphasis, code, links, raw HTML, entities, table cells,
# GitHub's strikethrough and math); CommonMark shows any ASCII punctuation escaped with a backslash as itself.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>&|~$]")
# What starts a block when it opens a line: heading, quote, list item, setext underline or rule.
_BLOCK_START = re.compile(r"([ \t]*)([#>+=-]|\d{1,9}[.)])")


def _visible(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch


def one_line(text: str) -> str:
    """`text` with its control characters and line or paragraph separators written as escapes (``\\n``)."""
    return "".join(map(_visible, text))


def markdown_text(text: str, line_start: bool = False) -> str:
    """`text` as Markdown that renders as exactly that text, on one line and in one table cell: no tag, link,
    emphasis or column break a name could carry (a tracker named ``<img src=x onerror=...>`` is shown, not
    loaded); control characters are shown as their escapes. `line_start`: the text opens a line, where
    ``#``, ``>``, ``-``, ``1.`` would start a block."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\g<0>", one_line(text))
    if line_start and (block := _BLOCK_START.match(escaped)):
        marker = block[2]
        escaped = block[1] + marker[:-1] + "\\" + marker[-1] + escaped[block.end():]
    return escaped


def markdown(header: str, cols: list[str], rows: list[list[str]]) -> str:
    """A Markdown table under a bold caption: names left-aligned, figures right-aligned; every cell escaped
    (`markdown_text`)."""
    lines = [f"**{markdown_text(header)}**", "", "| " + " | ".join(map(markdown_text, cols)) + " |",
             "|" + "|".join([":---", *("---:" for _ in cols[1:])]) + "|"]
    lines += ["| " + " | ".join(map(markdown_text, r)) + " |" for r in rows]
    return "\n".join(lines)


def markdown_notes(lines: list[str]) -> list[str]:
    """Notes under a Markdown table, one list item each, escaped."""
    return [f"- {markdown_text(line, line_start=True)}" for line in lines]


def format_table(scores: list[TrackerScore], header: str, bootstrap: Bootstrap | None = None,
                 scored: int | None = None) -> str:
    """`scored`: how many sequences the figures are over, where that is a subset of those asked for (--common)."""
    return "\n".join([aligned(header, *_cells(scores, bootstrap, scored)), *notes(scores),
                      *interval_notes(scores, bootstrap)])


def scores_json(scores: list[TrackerScore], benchmark: str, experiment: Any, profile: Any,
                bootstrap: Bootstrap | None = None) -> dict[str, Any]:
    """Every figure of every tracker, with the fields' meaning, the experiment and the profile's source;
    with a bootstrap, each tracker's `intervals` (field -> [low, high])."""
    scored = _scored(scores)
    fields = list(scored[0].result.fields) + [FPS] if scored else []
    intervals = {} if bootstrap is None else {
        s.tracker: {"intervals": {f.name: list(bootstrap.interval(t)) for f in fields
                                  if (t := s.result.terms().get(f.name)) is not None}} for s in scored}
    return {
        "benchmark": benchmark,
        "protocol": experiment.title,
        "experiment": experiment.name,
        "profile": profile.name,
        "profile_source": profile.source,
        "fields": {f.name: {"label": f.label, "better": f.better, "description": f.description} for f in fields},
        "trackers": {s.tracker: {**_tracker_json(s), **intervals.get(s.tracker, {})} for s in scores},
        **({} if bootstrap is None else {"bootstrap": {"resamples": bootstrap.resamples, "seed": bootstrap.seed,
                                                       "level": bootstrap.level, "over": "sequences"}}),
    }


def _tracker_json(score: TrackerScore) -> dict[str, Any]:
    coverage = {"coverage": list(score.coverage), **({"missing": list(score.missing)} if score.missing else {})}
    if score.result is None:
        return {"scored": False, **coverage}
    return {**score.result.to_json(), "fps": None if math.isnan(score.fps) else score.fps, **coverage,
            **({"marks": list(score.marks)} if score.marks else {})}


def report_stem(directory: Path, benchmark: str, experiment: Any, profile: Any) -> Path:
    """reports/<benchmark>-<experiment>-<profile>: every report of one scoring shares it (.md, .json, .html)."""
    return Path(directory) / f"{benchmark}-{experiment.name}-{profile.name}"


def write_report(directory: Path, scores: list[TrackerScore], benchmark: str, experiment: Any, profile: Any,
                 bootstrap: Bootstrap | None = None, scored: int | None = None) -> Path:
    """reports/<benchmark>-<experiment>-<profile>.{md,json}; returns the Markdown path. `scored` as
    `format_table`'s."""
    stem = report_stem(directory, benchmark, experiment, profile)
    data = json.dumps(scores_json(scores, benchmark, experiment, profile, bootstrap), indent=2)
    common = "" if scored is None or not scores else f"{scored} of {scores[0].total} sequences in common"
    text = "\n".join([markdown(title(benchmark, experiment.title, profile.name, common),
                               *_cells(scores, bootstrap, scored)), "",
                      *markdown_notes(notes(scores) + interval_notes(scores, bootstrap))]).rstrip() + "\n"
    md = stem.with_suffix(".md")
    for path, content in ((stem.with_suffix(".json"), data), (md, text)):
        write_atomic(path, lambda temporary, content=content: temporary.write_text(content, encoding="utf-8"))
    return md


def format_attribute_table(groups: dict[str, list[TrackerScore]], counts: dict[str, int], header: str,
                           unit: str = "sequences") -> str:
    """The headline figure per attribute or tag (rows) and tracker (columns)."""
    trackers = sorted({s.tracker for scores in groups.values() for s in scores})
    cols = ["attribute" if unit == "sequences" else "tag", unit, *trackers]
    rows = []
    for code, scores in groups.items():
        by_tracker = {s.tracker: s.result for s in scores}
        field = headline(scores[0].result)
        rows.append([code, str(counts[code]), *(field.format(by_tracker[t].values.get(field.name)) for t in trackers)])
    return aligned(header, cols, rows)


def _figures(score: TrackerScore) -> dict[str, Any]:
    """A result's scalar figures: its fields and any other number it reports (no curves, no per-sequence)."""
    scalars = {k: v for k, v in score.result.to_json().items() if not isinstance(v, (list, dict))}
    return {**scalars, **score.result.values}


def attributes_json(groups: dict[str, list[TrackerScore]], counts: dict[str, int], benchmark: str, experiment: Any,
                    profile: Any, unit: str = "sequences") -> dict:
    return {
        "benchmark": benchmark,
        "protocol": experiment.title,
        "experiment": experiment.name,
        "profile": profile.name,
        "attributes": {
            code: {unit: counts[code], "trackers": {s.tracker: _figures(s) for s in scores}}
            for code, scores in groups.items()
        },
    }
