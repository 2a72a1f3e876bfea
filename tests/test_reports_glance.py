"""The HTML report reads at a glance (issue 21, part 2), on the real OTB-2015 and VOT2018 results: one colour per
tracker in every plot and in every report of the same trackers (the viewer's too), the † of synthetic-only weights
in legends, a one-tracker page that says what it shows, the VOT AR plot in the toolkit's unit square, and heat map
cards sized to their content with every sequence labelled (measured in Chromium)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from harness.reports.collect import score_profiles
from harness.reports.html import render
from tests.chromium import chromium_binary, load
from tests.report_pages import figures, tables
from tests.report_stores import VOT_TRACKERS, harness, otb_anno, otb_store, require_tool, vot_store, vot_truth


def _report(folder: Path, name: str, *argv: str) -> Path:
    out = folder / f"{name}.html"
    code, printed = harness("report", *argv, "-o", str(out))
    assert code == 0, printed
    return out


@pytest.fixture(scope="module")
def vot_pages(tmp_path_factory) -> tuple[Path, Path]:
    """The five VOT2018 trackers under three profiles, and alone under got10k's."""
    folder = tmp_path_factory.mktemp("glance-vot")
    common = ("--bench", "vot2018", "--root", str(vot_truth()), "--results", str(vot_store()))
    return (_report(folder, "three", *common, "--profile", "vot_toolkit,pysot,got10k"),
            _report(folder, "got10k", *common, "--profile", "got10k"))


def _colours(page: Path) -> dict[str, set[str]]:
    """Tracker -> every colour its lines and points are drawn in, over all of the page's plots."""
    colours: dict[str, set[str]] = {}
    for figure in figures(page):
        for trace in figure["data"]:
            if trace["type"] == "scatter":
                colour = (trace.get("line") or {}).get("color") or trace["marker"]["color"]
                colours.setdefault(trace.get("legendgroup", trace["name"]), set()).add(colour)
    return colours


def _ar_plots(page: Path) -> list[dict]:
    return [f for f in figures(page) if f["layout"]["title"]["text"] == "accuracy-robustness"]


def test_each_tracker_has_one_colour_in_every_plot_and_report_and_in_the_viewer(vot_pages) -> None:
    from harness.viewer.data import tracker_colour

    three, alone = vot_pages
    # what makes it a test: got10k's AR plot lists the trackers in another order than the EAO plots rank them
    orders = {tuple(t["name"] for t in f["data"]) for f in _ar_plots(three)}
    assert len(orders) > 1
    colours = _colours(three)
    assert sorted(colours) == sorted(VOT_TRACKERS) and all(len(c) == 1 for c in colours.values()), colours
    assert len({c for cs in colours.values() for c in cs}) == len(VOT_TRACKERS)
    assert _colours(alone) == colours  # another report of the same trackers
    assert {t: {tracker_colour(t, list(VOT_TRACKERS))} for t in VOT_TRACKERS} == colours  # `harness show`'s


def test_the_vot_ar_plot_is_the_toolkits_unit_square_under_vot_toolkit(vot_pages) -> None:
    toolkit, pysot, got10k = _ar_plots(vot_pages[0])
    x, y = toolkit["layout"]["xaxis"], toolkit["layout"]["yaxis"]
    assert x["title"]["text"] == "R (AR plot)"  # exp(-30 F / L), not the reported failure count
    assert x["range"] == pytest.approx([-0.02, 1.02]) and y["range"] == pytest.approx([-0.02, 1.02])
    summary = tables(vot_pages[0])[0]
    column = summary[0].index("R (AR plot)")
    plotted = {t["name"]: f"{t['x'][0]:.3f}" for t in toolkit["data"]}
    assert plotted == {row[0]: row[column] for row in summary[1:]}
    for figure in (pysot, got10k):  # failure rates: no upper bound, better lower; accuracy still 0..1
        x, y = figure["layout"]["xaxis"], figure["layout"]["yaxis"]
        assert x["autorange"] == "reversed" and "range" not in x
        assert y["range"] == pytest.approx([-0.02, 1.02])


def test_synthetic_only_weights_are_marked_in_every_legend(tmp_path) -> None:
    """Scores marked as `harness eval` marks a tracker run with the shipped weights (tests/test_synthetic_weights.py
    checks that mark from a real run): the legends carry its † as the tables do."""
    from benchmarks.registry import benchmark_record, load_benchmark
    from harness.experiments import OnePass
    from harness.selection import choose_experiment

    record = benchmark_record("otb")
    sequences = load_benchmark("otb", otb_anno())
    (section,) = score_profiles(otb_store(), record, choose_experiment(record, None), sequences, ["pysot"],
                                ["SiamRPN++", "SiamFC"])
    assert isinstance(section.experiment, OnePass)
    marked = [dataclasses.replace(s, marks=("synthetic",)) if s.tracker == "SiamFC" else s for s in section.scores]
    provenance = {"code_version": "0", "date": "today", "trackers": {},
                  "profiles": {"pysot": {"source": "pysot", "conventions": {}}}}
    page = tmp_path / "marked.html"
    page.write_text(render([dataclasses.replace(section, scores=marked)], provenance))
    names = [t["name"] for f in figures(page) for t in f["data"] if t.get("showlegend", True) and "name" in t]
    assert "SiamFC† [0.587]" in names and "SiamRPN++ [0.696]" in names  # success, with its AUC
    assert not [n for n in names if n.startswith("SiamFC") and not n.startswith("SiamFC†")]
    heat = next(f for f in figures(page) if f["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["y"] == ["SiamRPN++", "SiamFC†"]


@pytest.fixture(scope="module")
def one_tracker_page(tmp_path_factory) -> Path:
    return _report(tmp_path_factory.mktemp("glance-one"), "one", "--bench", "otb", "--root", str(otb_anno()),
                   "--results", str(otb_store()), "--trackers", "SiamRPN++", "--profile", "pysot,got10k,lasot_matlab")


def test_a_one_tracker_page_says_what_it_shows(one_tracker_page) -> None:
    text = one_tracker_page.read_text()
    assert re.search(r"<h1>otb · one-pass · 1 tracker, 100 sequences</h1>", text)
    success = figures(one_tracker_page)[0]
    assert success["layout"]["title"]["text"] == "success (legend: success AUC)"
    assert success["layout"]["showlegend"] is True and success["data"][0]["name"] == "SiamRPN++ [0.696]"
    # LaSOT's MATLAB kit divides by the length plus eps: named, not printed to 16 digits
    assert "machine epsilon (2.2e-16)" in text and "2.220446049250313e-16" not in text


def test_differences_between_profiles_are_those_of_the_printed_figures(one_tracker_page) -> None:
    side = next(t for t in tables(one_tracker_page) if len(t) > 1 and t[1][:2] == ["tracker", "pysot"])
    row = side[2]
    assert len(row) == 7  # the tracker, then (AUC, precision) x three profiles
    zeros = 0
    for first, other in ((row[1], row[2]), (row[1], row[3]), (row[4], row[5]), (row[4], row[6])):
        shown, bracket = re.fullmatch(r"(\d\.\d{3}) \((.*)\)", other).groups()
        difference = round(float(shown) - float(first), 3)
        assert bracket == (f"{difference:+.3f}" if difference else "0.000"), (first, other)
        zeros += not difference
    assert zeros >= 2  # SiamRPN++'s precision is 0.905 under all three, where -0.000 used to be printed


def test_heat_map_cards_fit_their_figures_and_label_every_sequence(tmp_path, one_tracker_page) -> None:
    require_tool(chromium_binary(), "chromium", "chromium")
    five = _report(tmp_path, "five", "--bench", "otb", "--root", str(otb_anno()), "--results", str(otb_store()),
                   "--profile", "pysot")
    measure = """JSON.stringify(Array.from(document.querySelectorAll('.plot')).map(d => ({
        card: d.getBoundingClientRect().height, figure: d.querySelector('.main-svg').getBoundingClientRect().height,
        heat: d.querySelector('.colorbar') !== null,
        labels: Array.from(d.querySelectorAll('.xtick text')).filter(t => t.textContent).length,
        scrolls: d.scrollWidth > d.clientWidth})))"""
    heights = []
    for page in (one_tracker_page, five):
        found: dict = {}
        loaded = load(page, interact=lambda tab: found.update(cards=json.loads(tab.evaluate(measure))))
        assert loaded.ready == "drawn", loaded.console_errors + loaded.exceptions
        heat = [c for c in found["cards"] if c["heat"]]
        assert len(heat) >= 2
        for card in found["cards"]:
            assert card["card"] - card["figure"] <= 2, card  # the card's two border pixels, no blank band
        for card in heat:
            assert card["labels"] == 100 and card["scrolls"], card  # every OTB sequence named; the card scrolls
        heights.append({c["figure"] for c in heat})
    # a row of 22 px per tracker (one tracker's heat maps no taller than they need)
    assert [len(h) for h in heights] == [1, 1] and heights[1].pop() - heights[0].pop() == pytest.approx(4 * 22, abs=1)
