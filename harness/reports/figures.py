"""Plotly figures, as the plain dicts plotly.js draws, of anything a result declares: its curves (legend
value from the curve's field, mark and shaded interval where declared), curves per attribute (small
multiples, from the curves' terms), pairs of figures (the AR plot) and per-sequence figures (heat maps).

Figures are dicts rather than `plotly.graph_objects` (whose validation costs more than the whole report
on large stores); tests check them with plotly's own validator. Every name shown goes through `text`:
plotly.js renders a few HTML tags in text, so names are escaped and appear as written."""

from __future__ import annotations

import html
import math

import numpy as np

from harness.evaluate import TrackerScore
from harness.metrics.fields import Curve, Field, Scatter
from harness.reports.tables import marked

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf")
DASHES = ("solid", "dash", "dot", "dashdot")


def text(name: str) -> str:
    return html.escape(name, quote=False)


def _place(name: str, all_names: list[str]) -> int:
    return sorted(set(all_names)).index(name)


def tracker_colour(name: str, all_names: list[str]) -> str:
    """One colour per tracker, by its place among `all_names` sorted: the same in every plot of a report, in every
    report and viewer of the same trackers, whatever a plot ranks first."""
    return COLORS[_place(name, all_names) % len(COLORS)]


def style(name: str, all_names: list[str]) -> dict:
    """Colour and dash of a tracker's lines: 40 distinguishable lines before any repeats."""
    return {"color": tracker_colour(name, all_names), "dash": DASHES[_place(name, all_names) // len(COLORS) % len(DASHES)]}


def _names(scores: list[TrackerScore], names: list[str] | None) -> list[str]:
    return names if names is not None else [s.tracker for s in scores]


def _field(score: TrackerScore, name: str) -> Field | None:
    return next((f for f in score.result.fields if f.name == name), None)


def _rounded(values: np.ndarray, digits: int = 5) -> list:
    return [None if not math.isfinite(v) else round(v, digits) for v in np.asarray(values, float).tolist()]


def _layout(title: str, x_title: str | None = None, y_title: str | None = None, **extra: object) -> dict:
    layout = {"title": {"text": text(title)}, "margin": {"t": 50, "r": 20, "b": 50, "l": 60},
              "legend": {"font": {"family": "monospace", "size": 11}}}
    if x_title is not None:
        layout["xaxis"] = {"title": {"text": text(x_title)}}
    if y_title is not None:
        layout["yaxis"] = {"title": {"text": text(y_title)}}
    return {**layout, **extra}


def order(scores: list[TrackerScore], field_name: str) -> list[TrackerScore]:
    """Best first by a field, trackers without it last."""
    def key(s: TrackerScore) -> float:
        f = _field(s, field_name)
        return f.sort_key(s.result.values.get(field_name)) if f else math.inf
    return sorted(scores, key=key)


def _legend(score: TrackerScore, field_name: str, value: float | None = None) -> str:
    f = _field(score, field_name)
    if f is None:
        return text(marked(score))
    shown = score.result.values.get(field_name) if value is None else value
    return f"{text(marked(score))} [{f.format(shown)}]"


def curve_figure(scores: list[TrackerScore], name: str, names: list[str] | None = None) -> dict:
    """One declared curve of every tracker, legend best first with the curve's field beside each name; each
    tracker in its colour among `names` (default: those of `scores`)."""
    first = _curve(scores[0], name)
    names = _names(scores, names)
    data = []
    for s in order(scores, first.field) if first.field else scores:
        c = _curve(s, name)
        if c is None:
            continue
        group = {"legendgroup": text(s.tracker)}
        data.append({"type": "scatter", "mode": "lines", "name": _legend(s, c.field), "x": _rounded(c.x),
                     "y": _rounded(c.y), "line": {"width": 2, **style(s.tracker, names)}, **group})
        if c.point is not None:
            data.append({"type": "scatter", "mode": "markers", "name": _legend(s, c.field), "showlegend": False,
                         "x": _rounded(c.x[c.point:c.point + 1]), "y": _rounded(c.y[c.point:c.point + 1]),
                         "marker": {"size": 9, "symbol": "circle-open", "line": {"width": 2}, "color": tracker_colour(s.tracker, names)},
                         **group})
    title = first.label + (f" (legend: {_field(scores[0], first.field).label})" if first.field else "")
    # shown even for one tracker (plotly hides a one-line legend): the title points the reader to its values
    layout = _layout(title, first.x_label, first.label, shapes=_marks(first), height=420, showlegend=True)
    _ranges(layout, first.x_range, first.y_range)
    return {"data": data, "layout": layout}


def _ranges(layout: dict, x: tuple[float, float] | None, y: tuple[float, float] | None,
            reversed_axes: tuple[str, ...] = ()) -> None:
    """The declared extents, 2% wider each side so that points on an edge (robustness 1) are drawn whole;
    a reversed axis runs from its high end."""
    for axis, extent in (("xaxis", x), ("yaxis", y)):
        if extent is None:
            continue
        low, high = extent
        pad = (high - low) * 0.02
        bounds = [low - pad, high + pad]
        layout[axis]["range"] = bounds[::-1] if axis in reversed_axes else bounds
        layout[axis].pop("autorange", None)


def _curve(score: TrackerScore, name: str) -> Curve | None:
    return next((c for c in score.result.curves() if c.name == name), None)


def _marks(curve: Curve) -> list[dict]:
    shapes = []
    if curve.mark is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": curve.mark, "x1": curve.mark, "y0": 0,
                       "y1": 1, "line": {"dash": "dot", "color": "#555", "width": 1}})
    if curve.shade is not None:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": curve.shade[0], "x1": curve.shade[1],
                       "y0": 0, "y1": 1, "fillcolor": "#999", "opacity": 0.15, "line": {"width": 0}})
    return shapes


def group_figure(scores: list[TrackerScore], name: str, groups: dict[str, list[str]], columns: int = 4,
                 names: list[str] | None = None) -> dict | None:
    """Small multiples: a curve recomputed on each group's sequences (an attribute's), from the curve's terms;
    each panel titled with the group and its sequence count; hovering a line shows the group's figure (the
    legend has plain names: its values would be those of one panel only)."""
    first = _curve(scores[0], name)
    if first is None or first.terms is None or not groups:
        return None
    sequences = first.terms.sequences
    names = _names(scores, names)
    masks = np.array([[s in set(members) for s in sequences] for members in groups.values()], dtype=np.float64)
    rows = -(-len(groups) // columns)
    layout = _layout(f"{first.label} per attribute (sequences in brackets)", height=230 * rows + 90, annotations=[])
    gap_x, gap_y = 0.05, 0.3 / rows
    data = []
    for g, (group, members) in enumerate(groups.items()):
        row, col = divmod(g, columns)
        axis = "" if g == 0 else str(g + 1)
        x0, x1 = col / columns + gap_x / 2, (col + 1) / columns - gap_x / 2
        y0, y1 = 1 - (row + 1) / rows + gap_y / 2, 1 - row / rows - gap_y / 2
        layout[f"xaxis{axis}"] = {"domain": [x0, x1], "anchor": f"y{axis}"}
        layout[f"yaxis{axis}"] = {"domain": [y0, y1], "anchor": f"x{axis}", "range": [0, 1.02]}
        layout["annotations"].append({"text": f"{text(group)} ({len(members)})", "x": (x0 + x1) / 2, "y": y1,
                                      "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                                      "showarrow": False})
        for s in scores:
            c, terms = _curve(s, name), s.result.terms().get(first.field)
            if c is None or c.terms is None:
                continue
            value = terms.value(masks[g][None])[0] if terms is not None else None
            data.append({"type": "scatter", "mode": "lines", "x": _rounded(c.x),
                         "y": _rounded(c.terms.curve(masks[g][None])[0]), "name": _legend(s, first.field, value),
                         "legendgroup": text(s.tracker), "showlegend": False, "line": {"width": 1.5, **style(s.tracker, names)},
                         "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
    for s in scores:  # the legend: one plain entry per tracker for all panels
        data.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None], "name": text(marked(s)),
                     "legendgroup": text(s.tracker), "line": {"width": 2, **style(s.tracker, names)}})
    return {"data": data, "layout": layout}


def scatter_figure(scores: list[TrackerScore], scatter: Scatter, names: list[str] | None = None) -> dict:
    """Two fields of each tracker against each other; an axis whose field is better lower runs reversed."""
    fx, fy = _field(scores[0], scatter.x), _field(scores[0], scatter.y)
    names = _names(scores, names)
    data = []
    for s in scores:
        x, y = s.result.values.get(scatter.x), s.result.values.get(scatter.y)
        if x is None or y is None:
            continue
        data.append({"type": "scatter", "mode": "markers+text", "x": [x], "y": [y], "name": text(marked(s)),
                     "text": [text(marked(s))], "textposition": "top center",
                     "marker": {"size": 11, "color": tracker_colour(s.tracker, names)}})
    layout = _layout(scatter.label, fx.label, fy.label)
    backwards = tuple(axis for axis, f in (("xaxis", fx), ("yaxis", fy)) if f.better == "lower")
    for axis in backwards:
        layout[axis]["autorange"] = "reversed"
    _ranges(layout, scatter.x_range, scatter.y_range, backwards)
    return {"data": data, "layout": layout}


# Heat map geometry, in CSS pixels: a 10 px label fits a 13 px column upright, and plotly drops labels that
# do not fit, so with many sequences the figure is widened (the card scrolls) rather than its labels thinned.
COLUMN_PX, ROW_PX, CHAR_PX = 13, 22, 6.5
PAGE_PX = 1180  # the report's content width (page.py: 1280 px less padding): wider figures scroll


def heatmap_figure(scores: list[TrackerScore], field: Field) -> dict | None:
    """A per-sequence figure of every tracker (rows, best first) over the sequences (columns), sized to its
    content: a row per tracker, every sequence labelled, as wide as its columns need."""
    rows = [s for s in scores if field.name in s.result.per_sequence()]
    if not rows:
        return None
    sequences = list(rows[0].result.per_sequence()[field.name])
    z = [_rounded([s.result.per_sequence()[field.name].get(q, np.nan) for q in sequences], 4) for s in rows]
    labels = [text(marked(s)) for s in rows]
    left = round(CHAR_PX * max(map(len, labels))) + 20
    bottom = round(CHAR_PX * max(map(len, sequences))) + 20
    top, right = 100, 20  # the title, then the colour bar across, on the left: in view however the card scrolls
    area = ROW_PX * len(rows)
    natural = left + COLUMN_PX * len(sequences) + right
    height = top + area + bottom
    layout = _layout(f"{field.label} per sequence (trackers best first)", height=height,
                     margin={"t": top, "r": right, "b": bottom, "l": left},
                     xaxis={"tickangle": -90, "tickfont": {"size": 10}, "tickmode": "linear", "tick0": 0, "dtick": 1,
                            "automargin": True},
                     yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 11}})
    layout["title"].update(x=0.01, xanchor="left")
    if natural > PAGE_PX:
        layout["width"] = natural
    return {"data": [{"type": "heatmap", "z": z, "x": [text(q) for q in sequences], "y": labels,
                      "colorscale": "Viridis", "reversescale": field.better == "lower",
                      "colorbar": {"title": {"text": text(field.label), "side": "right"}, "orientation": "h",
                                   "thickness": 12, "len": 300, "lenmode": "pixels", "x": 0, "xanchor": "left",
                                   "yref": "container", "y": 1 - 45 / height, "yanchor": "top"},
                      "hovertemplate": "%{y} on %{x}: %{z}<extra></extra>"}],
            "layout": layout}
