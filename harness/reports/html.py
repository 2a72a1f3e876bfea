"""The HTML report: one self-contained page of a benchmark's stored trackers under one or more profiles.

For each profile: the ranked table (with bootstrap intervals on request), every curve the results
declare, their pairs of figures (the AR plot), the headline curve per attribute (small multiples), the
figures per attribute and per declared group (VOT's tags), a heat map of each per-sequence figure and a
sortable, searchable per-sequence table. With several profiles, the same trackers side by side and the
conventions in which the profiles differ. Then the provenance. Everything is drawn from what results
declare (`metrics.fields`), so any result kind renders; every name is escaped."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from harness.metrics.conventions import conventions
from harness.metrics.fields import Field, headline
from harness.reports.tables import FPS, cell, columns, interval_notes, mark_notes, marked, ranked, title, value
from harness.reports import figures as fig
from harness.reports.bootstrap import Bootstrap
from harness.reports.collect import Scored
from harness.reports.gallery import Gallery
from harness.reports.page import page


def esc(text: object) -> str:
    return html.escape(str(text))


def _table(header: list[str], rows: list[list[str]], *, table_id: str = "", sortable: bool = False,
           header_rows: str = "") -> str:
    """Cells already escaped; `header_rows`: rows above the column names (groups)."""
    attrs = (f' id="{table_id}"' if table_id else "") + (' class="sortable"' if sortable else "")
    head = header_rows + "<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table{attrs}><thead>{head}</thead><tbody>{body}</tbody></table>"


class Builder:
    """Collects the body's parts and the figures, each figure in a div of its own id."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.figures: dict[str, dict] = {}

    def add(self, text: str) -> None:
        self.parts.append(text)

    def plot(self, figure: dict | None) -> None:
        """A card as tall as the figure (no blank band under a short heat map); one wider than the page scrolls."""
        if figure is None or not figure["data"]:
            return
        key = f"plot-{len(self.figures) + 1}"
        self.figures[key] = figure
        height = figure["layout"].get("height")
        sized = f' style="min-height:{height}px"' if height else ""
        wide = " wide" if figure["layout"].get("width") else ""
        self.add(f'<div class="plot{wide}" id="{key}"{sized}></div>')


def _summary(section: Scored, bootstrap: Bootstrap | None) -> str:
    fields = columns(section.scores)
    rows = [[esc(marked(s)), *(esc(cell(s, f, bootstrap)) for f in fields)] for s in ranked(section.scores)]
    note = "".join(f'<p class="note">{esc(line)}</p>' for line in mark_notes(section.scores))
    if bootstrap is not None:
        note += (f'<p class="note">Intervals: {bootstrap.level:.0%} bootstrap over sequences ({bootstrap.resamples:,} '
                f"resamples, seed {bootstrap.seed}), shown as {'± half the width' if bootstrap.style == 'pm' else '[low, high]'}"
                "; figures that do not decompose over sequences are shown without one.</p>")
        note += "".join(f'<p class="note">{esc(line)}</p>' for line in interval_notes(section.scores, bootstrap))
    return _table(["tracker", *(esc(f.label) for f in fields)], rows, sortable=True) + note


def _attribute_table(section: Scored) -> str:
    """The headline figure per attribute (rows, with sequence counts) and tracker, from the figure's terms."""
    attributes = section.attributes
    scores = ranked(section.scores)
    field = headline(scores[0].result)
    terms = {s.tracker: s.result.terms().get(field.name) for s in scores}
    if not attributes or not all(terms.values()):
        return ""
    order = next(iter(terms.values())).sequences
    rows = []
    for code, members in attributes.items():
        mask = np.array([[q in set(members) for q in order]], dtype=np.float64)
        rows.append([esc(code), str(len(members)), *(esc(field.format(float(terms[s.tracker].value(mask)[0])))
                                                     for s in scores)])
    return (f"<h3>{esc(field.label)} per attribute</h3>"
            + _table(["attribute", "sequences", *(esc(s.tracker) for s in scores)], rows, sortable=True))


def _group_tables(section: Scored) -> str:
    """Each declared group of figures (VOT's per-tag EAO, accuracy, failures): parts x (tracker, figure)."""
    scores = ranked(section.scores)
    kinds = sorted({kind for s in scores for kind in s.result.groups()})
    out = []
    for kind in kinds:
        parts = list(dict.fromkeys(p for s in scores for p in s.result.groups().get(kind, {})))
        names = list(dict.fromkeys(n for s in scores for p in s.result.groups().get(kind, {}).values() for n in p))
        labels = {f.name: f for f in scores[0].result.fields}
        groups_row = ('<tr><th></th>' + "".join(f'<th colspan="{len(names)}">{esc(s.tracker)}</th>' for s in scores)
                      + "</tr>")
        header = [esc(kind), *(esc(labels[n].label if n in labels else n) for _ in scores for n in names)]
        rows = []
        for part in parts:
            row = [esc(part)]
            for s in scores:
                figures = s.result.groups().get(kind, {}).get(part, {})
                row += [esc(_format(labels.get(n), figures.get(n))) for n in names]
            rows.append(row)
        out.append(f"<h3>figures per {esc(kind)}</h3>" + _table(header, rows, header_rows=groups_row))
    return "".join(out)


def _format(field: Field | None, number: float | None) -> str:
    if field is not None:
        return field.format(number)
    return "-" if number is None or (isinstance(number, float) and math.isnan(number)) else f"{number:g}"


def _per_sequence_table(section: Scored, table_id: str, gallery: Gallery | None) -> str:
    """Sequences x (tracker, per-sequence figure), sortable by any column, searchable by sequence name; each name
    links to its sequence's viewer where the gallery wrote one."""
    scores = ranked(section.scores)
    known = {f.name: f for f in scores[0].result.fields}
    names = [n for n in scores[0].result.per_sequence() if n in known]
    if not names:
        return ""
    per = {s.tracker: s.result.per_sequence() for s in scores}
    attributes = {q.name: " ".join(q.attributes) for q in section.sequences}
    with_attributes = any(attributes.values())
    header = ["sequence", *(["attributes"] if with_attributes else []),
              *(f"{esc(s.tracker)}<br>{esc(known[n].label)}" for s in scores for n in names)]
    rows = []
    for q in section.sequences:
        link = gallery.links.get(q.name) if gallery else None
        name = f'<a href="{esc(link)}">{esc(q.name)}</a>' if link else esc(q.name)
        row = [name, *([esc(attributes[q.name])] if with_attributes else [])]
        row += [esc(known[n].format(per[s.tracker].get(n, {}).get(q.name))) for s in scores for n in names]
        rows.append(row)
    search = f'<input class="search" data-table="{table_id}" placeholder="search sequences" aria-label="search sequences">'
    return (f"<h3>per sequence</h3>{search}<div class=\"scroll\">"
            + _table(header, rows, table_id=table_id, sortable=True) + "</div>"
            + (f'<p class="note">{gallery.note}</p>' if gallery else ""))


def section_figures(section: Scored, names: list[str] | None = None) -> dict[str, dict]:
    """The plotly figures (as dicts) of one profile's section, by name, in the order the page shows them:
    each curve, each scatter, `by_attribute`, then `heatmap_<figure>` for each per-sequence figure. Each tracker
    has its colour among `names` (default: the section's trackers; a report passes all of its own)."""
    scores = ranked(section.scores)
    result = scores[0].result
    names = names if names is not None else [s.tracker for s in section.scores]
    figures: dict[str, dict | None] = {c.name: fig.curve_figure(scores, c.name, names) for c in result.curves()}
    figures.update((s.name, fig.scatter_figure(scores, s, names)) for s in result.scatters())
    with_terms = next((c for c in result.curves() if c.terms is not None), None)
    if with_terms is not None and section.attributes:
        figures["by_attribute"] = fig.group_figure(scores, with_terms.name, section.attributes, names=names)
    known = {f.name: f for f in result.fields}
    figures.update((f"heatmap_{name}", fig.heatmap_figure(scores, known[name]))
                   for name in result.per_sequence() if name in known)
    return {name: figure for name, figure in figures.items() if figure is not None and figure["data"]}


def _profile_section(b: Builder, section: Scored, index: int, bootstrap: Bootstrap | None, names: list[str],
                     gallery: Gallery | None) -> None:
    b.add(f'<h2 id="profile-{index}">{esc(title(section.record.name, section.experiment.title, section.profile.name))}</h2>')
    b.add(f'<p class="note">profile {esc(section.profile.name)}: {esc(section.profile.source)}</p>')
    b.add(_summary(section, bootstrap))
    for tracker, reason in section.left_out.items():
        b.add(f'<p class="note">left out: {esc(tracker)}: {esc(reason)}</p>')
    figures = section_figures(section, names)
    for name, figure in figures.items():
        if not name.startswith("heatmap_"):
            b.plot(figure)
    b.add(_attribute_table(section))
    b.add(_group_tables(section))
    for name, figure in figures.items():
        if name.startswith("heatmap_"):
            b.plot(figure)
    b.add(_per_sequence_table(section, f"sequences-{index}", gallery))


def _side_by_side(sections: list[Scored]) -> str:
    """The same trackers under each profile, each figure's difference from the first profile, and the
    conventions in which the profiles differ."""
    base = sections[0]
    trackers = [s.tracker for s in ranked(base.scores)]
    by_profile = [{s.tracker: s for s in section.scores} for section in sections]
    fields = [f for f in columns(base.scores) if f is not FPS]
    fields = [f for f in fields if all(any(value(s, f) is not None for s in sec.scores) for sec in sections)]
    groups_row = "<tr><th></th>" + "".join(f'<th colspan="{len(sections)}">{esc(f.label)}</th>' for f in fields) + "</tr>"
    header = ["tracker", *(esc(sec.profile.name) for _ in fields for sec in sections)]
    rows = []
    for tracker in trackers:
        row = [esc(tracker)]
        for f in fields:
            first = value(by_profile[0][tracker], f) if tracker in by_profile[0] else None
            for i, scores in enumerate(by_profile):
                v = value(scores[tracker], f) if tracker in scores else None
                shown = f.format(v)
                if i and v is not None and first is not None:
                    shown += f" ({_difference(v, first, f.digits)})"
                row.append(esc(shown))
        rows.append(row)
    rules = [conventions(sec.profile) for sec in sections]
    differ = [k for k in rules[0] if len({r.get(k) for r in rules}) > 1]
    convention_rows = [[esc(k), *(esc(r.get(k, "")) for r in rules)] for k in differ]
    return ("<h2 id=\"profiles\">profiles side by side</h2>"
            f'<p class="note">The same stored results scored under {len(sections)} profiles; in brackets, the '
            f"difference from {esc(base.profile.name)}. The toolkits differ in these conventions:</p>"
            + _table(header, rows, header_rows=groups_row)
            + _table(["convention", *(esc(sec.profile.name) for sec in sections)], convention_rows))


def _difference(v: float, first: float, digits: int) -> str:
    """The difference of the two figures as printed, so that it agrees with them: 0.695 beside 0.695 differs by
    0.000, never -0.000."""
    shown = round(v, digits) - round(first, digits)
    return f"{shown:+.{digits}f}" if round(shown, digits) else f"{0:.{digits}f}"


def _provenance(data: dict) -> str:
    general = [[esc(k.replace("_", " ")), esc(v)] for k, v in data.items() if not isinstance(v, dict)]
    profiles = "".join(
        f"<details><summary>profile {esc(name)}: {esc(p['source'])}</summary>"
        + _table(["convention", "value"], [[esc(k), esc(v)] for k, v in p["conventions"].items()]) + "</details>"
        for name, p in data["profiles"].items())
    keys = list(dict.fromkeys(k for t in data["trackers"].values() for k in t))
    trackers = _table(["tracker", *map(esc, keys)],
                      [[esc(t), *(esc(p.get(k, "")) for k in keys)] for t, p in data["trackers"].items()])
    return ('<h2 id="provenance">provenance</h2>' + _table(["", ""], general) + profiles
            + "<h3>where each tracker's results come from</h3>" + trackers)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(sections: list[Scored], provenance: dict, bootstrap: Bootstrap | None = None,
           gallery: Gallery | None = None) -> str:
    """The page for `sections` (one per profile, same benchmark and experiment), with `gallery` (failures, viewer
    links) after them."""
    b = Builder()
    first = sections[0]
    heading = (f"{first.record.name} · {first.experiment.title} · {_count(len(first.scores), 'tracker')}, "
               f"{_count(len(first.sequences), 'sequence')}")
    b.add(f"<h1>{esc(heading)}</h1>")
    b.add(f'<p class="note">{esc(first.record.description)}. Generated {esc(provenance["date"])} by harness '
          f'{esc(provenance["code_version"])}. Every figure is shown with its profile.</p>')
    links = [f'<a href="#profile-{i}">{esc(s.profile.name)}</a>' for i, s in enumerate(sections)]
    links += ['<a href="#profiles">profiles side by side</a>'] if len(sections) > 1 else []
    links += ['<a href="#gallery">failure gallery</a>'] if gallery else []
    b.add("<nav>" + "".join(links) + '<a href="#provenance">provenance</a></nav>')
    names = list(dict.fromkeys(s.tracker for section in sections for s in section.scores))
    for i, section in enumerate(sections):
        _profile_section(b, section, i, bootstrap, names, gallery)
    if len(sections) > 1:
        b.add(_side_by_side(sections))
    if gallery:
        b.add(gallery.html)
    b.add(_provenance(provenance))
    return page(heading, "\n".join(b.parts), b.figures)


def write_html(path: Path, sections: list[Scored], provenance: dict, bootstrap: Bootstrap | None = None,
               gallery: Gallery | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(sections, provenance, bootstrap, gallery), encoding="utf-8")
    return path
