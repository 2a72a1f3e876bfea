"""The HTML report on the real OTB-2015 and VOT2018 results: what it shows, that plotly accepts every
figure, that names are escaped, that several profiles sit side by side, and that a result kind no
renderer was written for renders from its declarations alone."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

import numpy as np
import pytest

from harness.evaluate import TrackerScore
from harness.metrics.fields import Curve, Field, Scatter, Terms
from harness.reports.collect import Scored
from harness.reports.html import render
from tests.conftest import realdata_path
from tests.report_pages import figures, tables
from tests.report_stores import harness, import_otb, otb_anno, otb_store, vot_store, vot_truth

EVIL = "<script>alert(1)</script>"


def _report(tmp_path, *argv: str):
    out = tmp_path / "report.html"
    code, printed = harness("report", *argv, "-o", str(out))
    assert code == 0, printed
    return out


@pytest.fixture(scope="module")
def otb_page(tmp_path_factory):
    return _report(tmp_path_factory.mktemp("otb"), "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot",
                   "--results", str(otb_store()))


def test_otb_page_shows_the_five_trackers_with_their_published_pysot_aucs(otb_page) -> None:
    summary = tables(otb_page)[0]
    assert summary[0][:2] == ["tracker", "success AUC"]
    assert [row[:2] for row in summary[1:4]] == [["SiamRPN++", "0.696"], ["DaSiamRPN", "0.658"], ["SiamRPN", "0.629"]]
    assert sorted(row[1] for row in summary[4:]) == ["0.587", "0.587"] and len(summary) == 6
    success = figures(otb_page)[0]
    assert success["layout"]["title"]["text"].startswith("success")
    assert [t["name"] for t in success["data"]][:3] == ["SiamRPN++ [0.696]", "DaSiamRPN [0.658]", "SiamRPN [0.629]"]
    precision = figures(otb_page)[1]
    assert [s["x0"] for s in precision["layout"]["shapes"]] == [20.0]  # the 20 px mark


def test_otb_page_has_attributes_heat_maps_and_a_per_sequence_table(otb_page) -> None:
    figs = figures(otb_page)
    per_attribute = next(f for f in figs if "per attribute" in f["layout"]["title"]["text"])
    assert {a["text"] for a in per_attribute["layout"]["annotations"]} >= {"OCC (49)", "LR (9)", "SV (64)"}
    heat = next(f for f in figs if f["data"][0]["type"] == "heatmap")
    assert np.shape(heat["data"][0]["z"]) == (5, 100) and heat["data"][0]["y"][0] == "SiamRPN++"
    per_sequence = next(t for t in tables(otb_page) if t[0][0] == "sequence")
    assert len(per_sequence) == 101 and per_sequence[0][1] == "attributes"
    attribute_rows = next(t for t in tables(otb_page) if t[0][0] == "attribute")
    assert dict((r[0], r[1]) for r in attribute_rows[1:])["OCC"] == "49"


@pytest.fixture(scope="module")
def vot_page(tmp_path_factory):
    return _report(tmp_path_factory.mktemp("vot"), "--bench", "vot2018", "--root", str(vot_truth()), "--profile",
                   "vot_toolkit,pysot,got10k", "--results", str(vot_store()))


def test_every_figure_is_one_plotly_accepts(otb_page, vot_page) -> None:
    import plotly.graph_objects as go

    for figure in figures(otb_page) + figures(vot_page):
        go.Figure(figure)  # raises on any property plotly does not know


def test_page_is_self_contained_and_small(otb_page) -> None:
    text = otb_page.read_text()
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    assert otb_page.stat().st_size < 5_000_000


def test_names_are_escaped(tmp_path) -> None:
    results = tmp_path / "results"
    import_otb(results, EVIL, realdata_path("otb", "results", "SiamFC"))
    import_otb(results, "CFNet")
    page = _report(tmp_path, "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results", str(results))
    text = page.read_text()
    assert EVIL not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert any(row[0] == EVIL for row in tables(page)[0])  # shown as written


def test_vot_page_has_the_ar_plot_the_shaded_eao_interval_tags_and_failures(vot_page) -> None:
    page = vot_page
    figs = figures(page)
    eao = next(f for f in figs if f["layout"]["title"]["text"].startswith("expected average overlap"))
    assert [(s["x0"], s["x1"]) for s in eao["layout"]["shapes"]] == [(100.0, 356.0)]
    ar = next(f for f in figs if f["layout"]["title"]["text"] == "accuracy-robustness")
    assert {t["name"] for t in ar["data"]} == {"NanoTrack", "LightTrack", "SiamAPN", "SiamAPN++", "SiamTPN"}
    assert any(f["data"][0]["type"] == "heatmap" and f["data"][0]["colorbar"]["title"]["text"] == "failures"
               for f in figs)
    tag_table = next(t for t in tables(page) if t[1][0] == "tag")
    assert {r[0] for r in tag_table[2:]} >= {"camera_motion", "occlusion", "all"}
    side = next(t for t in tables(page) if t[1][:4] == ["tracker", "vot_toolkit", "pysot", "got10k"])
    assert len(side) == 7  # two header rows, five trackers


def test_profiles_side_by_side_show_differences_and_conventions(tmp_path) -> None:
    page = _report(tmp_path, "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--profile", "got10k",
                   "--results", str(otb_store()))
    all_tables = tables(page)
    side = next(t for t in all_tables if len(t) > 1 and t[1][:3] == ["tracker", "pysot", "got10k"])
    siamrpn = next(r for r in side if r[0] == "SiamRPN")
    assert siamrpn[1] == "0.629" and siamrpn[2].startswith("0.632 (+0.00")  # frame 1 replaced by ground truth
    rules = next(t for t in all_tables if t[0][:3] == ["convention", "pysot", "got10k"])
    assert ["first_frame", "tracker", "gt"] in rules


def test_eval_writes_markdown_json_and_html_reports(tmp_path) -> None:
    reports = tmp_path / "reports"
    code, _ = harness("eval", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                      str(otb_store()), "--reports", str(reports), "--trackers", "SiamFC")
    assert code == 0
    assert sorted(p.name for p in reports.iterdir()) == ["otb-ope-pysot.html", "otb-ope-pysot.json", "otb-ope-pysot.md"]
    assert len(tables(reports / "otb-ope-pysot.html")[0]) == 2  # header and the tracker asked for
    code, _ = harness("eval", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                      str(otb_store()), "--reports", str(reports))
    assert code == 0 and len(tables(reports / "otb-ope-pysot.html")[0]) == 6  # every stored tracker
    assert (reports / "otb-ope-pysot.md").read_text().splitlines()[2].startswith("| tracker |")


@dataclass(frozen=True)
class LatencyResult:
    """A kind of result no renderer was written for."""

    profile: str
    p95: float
    per_sequence_ms: dict
    fields: ClassVar[tuple[Field, ...]] = (Field("p95_ms", "p95 latency (ms)", "lower", digits=1),
                                           Field("mean_ms", "mean latency (ms)", "lower", digits=1))

    @property
    def values(self) -> dict:
        return {"p95_ms": self.p95, "mean_ms": float(np.mean(list(self.per_sequence_ms.values())))}

    def _terms(self) -> Terms:
        names = tuple(self.per_sequence_ms)
        return Terms(names, np.array([[v] for v in self.per_sequence_ms.values()]), np.ones((len(names), 1)))

    def curves(self) -> list[Curve]:
        return [Curve("cdf", "latency cdf", "ms", np.array([0.0, self.p95]), np.array([0.5, 0.95]), field="p95_ms")]

    def per_sequence(self) -> dict:
        return {"mean_ms": self.per_sequence_ms}

    def to_json(self) -> dict:
        return dict(self.values)

    @property
    def table_fields(self) -> tuple[str, ...]:
        return ("p95_ms",)

    def terms(self) -> dict:
        return {"mean_ms": self._terms()}

    def scatters(self) -> list[Scatter]:
        return [Scatter("speed", "mean against p95", x="p95_ms", y="mean_ms")]

    def groups(self) -> dict:
        return {"device": {"cpu": {"p95_ms": self.p95}}}


def test_a_result_kind_no_renderer_knows_renders_from_its_declarations() -> None:
    @dataclass(frozen=True)
    class ToyProfile:
        name: str = "toy"
        source: str = "made up"
        clock: str = "monotonic"

    sequences = [SimpleNamespace(name=n, attributes=a) for n, a in (("a", ("X",)), ("b", ()), ("c", ("X",)))]
    scores = [TrackerScore("slow", LatencyResult("toy", 40.0, {"a": 30.0, "b": 35.0, "c": 20.0}), math.nan),
              TrackerScore("fast", LatencyResult("toy", 12.5, {"a": 10.0, "b": 11.0, "c": 9.0}), 90.0)]
    section = Scored(SimpleNamespace(name="bench", description="a toy"), SimpleNamespace(name="lat", title="latency"),
                     ToyProfile(), scores, sequences)
    provenance = {"code_version": "0", "date": "today", "profiles": {"toy": {"source": "made up", "conventions": {}}},
                  "trackers": {}}
    text = render([section], provenance)
    assert "p95 latency (ms)" in text and "mean against p95" in text and "figures per device" in text
    assert "latency cdf" in text and "mean latency (ms) per sequence" in text


def test_packed_plotly_is_kept_in_the_cache_and_unpacks_to_plotly_js(tmp_path, monkeypatch):
    """The page embeds plotly.js gzip-compressed; the packing is done once per machine and plotly
    version, and what is read back is the same stream."""
    import base64
    import gzip

    from plotly.offline import get_plotlyjs

    from harness.reports.page import plotly_gzip_base64

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    plotly_gzip_base64.cache_clear()
    try:
        packed = plotly_gzip_base64()
        kept = list(tmp_path.glob("plotly-*.js.gz.b64"))
        assert len(kept) == 1 and kept[0].read_text() == packed and not list(tmp_path.glob("*.partial"))
        assert gzip.decompress(base64.b64decode(packed)).decode() == get_plotlyjs()
        kept[0].write_text(base64.b64encode(gzip.compress(b"kept")).decode())
        plotly_gzip_base64.cache_clear()
        assert gzip.decompress(base64.b64decode(plotly_gzip_base64())) == b"kept"  # read back, not packed again
    finally:
        plotly_gzip_base64.cache_clear()
