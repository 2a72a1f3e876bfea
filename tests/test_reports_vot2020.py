"""`harness report`, `table`, `leaderboard update` and `regress` on VOT 2020+ results (multistart,
multistart-realtime, unsupervised on `synthetic_vot`; long-term on `synthetic_votlt`), three generated
trackers written straight into the store: the figures the page draws hold the results' curves on the
toolkit's axes (the EAO plot over frames with the score's interval shaded, the AR plot and the PR curve
in the unit square, the F-score curve over the thresholds with each tracker's best marked), the tables
name each number's profile, and a long-term F-score, which is no sum over sequences, gets neither an
interval nor a gate verdict but the reason (exit 2: the gate cannot tell)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from benchmarks.vot import load_vot
from harness.evaluate import score_trackers
from harness.reports.regress import NOT_EVALUATED, PASSED, REGRESSED
from tests.report_pages import figures, tables
from tests.report_stores import harness
from tests.vot2020_stores import TRACKERS, roots, store, write_short_term

# Figures reach the page rounded to 5 decimals (figures._rounded); tables print 3.
PAGE = 1e-5


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vot2020")
    benchmark_roots = roots(folder)
    return benchmark_roots, store(folder / "results", benchmark_roots)


def _report(setting, tmp_path, bench: str, protocol: str, *extra: str):
    benchmark_roots, results = setting
    page = tmp_path / f"{protocol}.html"
    code, out = harness("report", "--bench", bench, "--root", str(benchmark_roots[bench]), "--protocol", protocol,
                        "--results", str(results), "-o", str(page), *extra)
    assert code == 0, out
    return page


def _results(setting, bench: str, protocol: str) -> dict:
    benchmark_roots, results = setting
    sequences = load_vot(benchmark_roots[bench], bench)
    return {s.tracker: s.result for s in score_trackers(results, bench, sequences, "vot_toolkit", experiment=protocol)}


def _plotly_accepts(page) -> None:
    import plotly.graph_objects as go

    for figure in figures(page):
        go.Figure(figure)  # raises on any property plotly does not know


def _covers_unit(axis: dict) -> bool:
    low, high = sorted(axis["range"])
    return low <= 0 < 1 <= high < 1.1


@pytest.mark.parametrize("protocol", ["multistart", "multistart-realtime"])
def test_multistart_page_has_the_eao_plot_shaded_on_the_stack_interval_and_the_ar_plot(setting, tmp_path, protocol):
    page = _report(setting, tmp_path, "synthetic_vot", protocol, "--ci", "--resamples", "1000")
    ours = _results(setting, "synthetic_vot", protocol)
    eao, ar = figures(page)[:2]
    assert eao["layout"]["xaxis"]["title"]["text"] == "sequence length (frames)"
    assert _covers_unit(eao["layout"]["yaxis"])
    (shade,) = eao["layout"]["shapes"]
    assert (shade["type"], shade["x0"], shade["x1"]) == ("rect", 115, 755)  # vot2022/shortterm.yaml low, high
    for line in eao["data"]:
        tracker, legend = line["name"].split(" [")
        result = ours[tracker]
        assert len(line["y"]) == 755 and line["x"][-1] == 754
        np.testing.assert_allclose(line["y"], result.eao_curve, atol=PAGE)
        # the legend's EAO is the mean of the plotted curve over the shaded points (115..754)
        assert legend == f"{np.mean(result.eao_curve[115:755]):.3f}]"
    assert [d["name"] for d in eao["data"]] == sorted((d["name"] for d in eao["data"]), key=lambda n: -float(n[-6:-1]))

    assert (ar["layout"]["xaxis"]["title"]["text"], ar["layout"]["yaxis"]["title"]["text"]) == ("robustness", "accuracy")
    assert _covers_unit(ar["layout"]["xaxis"]) and _covers_unit(ar["layout"]["yaxis"])
    assert {d["name"]: (d["x"][0], d["y"][0]) for d in ar["data"]} == {
        t: (r.values["robustness"], r.values["accuracy"]) for t, r in ours.items()}
    summary = tables(page)[0]
    assert summary[0][:4] == ["tracker", "EAO", "accuracy", "robustness"]
    assert all("±" in cell for row in summary[1:] for cell in row[1:4])  # all three decompose over sequences
    assert "profile vot_toolkit" in page.read_text()
    _plotly_accepts(page)


def test_realtime_and_offline_multistart_pages_draw_their_own_runs(setting, tmp_path):
    offline = _results(setting, "synthetic_vot", "multistart")
    realtime = _results(setting, "synthetic_vot", "multistart-realtime")
    assert all(offline[t].values["eao"] != realtime[t].values["eao"] for t in TRACKERS)  # the test above tells them apart
    page = _report(setting, tmp_path, "synthetic_vot", "multistart-realtime")
    assert ["experiment", "multistart-realtime"] in [row for table in tables(page) for row in table]


def test_unsupervised_page_ranks_average_accuracy_with_its_interval(setting, tmp_path):
    page = _report(setting, tmp_path, "synthetic_vot", "unsupervised", "--ci", "interval", "--resamples", "1000")
    ours = _results(setting, "synthetic_vot", "unsupervised")
    summary = tables(page)[0]
    assert summary[0][:2] == ["tracker", "accuracy"]
    ranked = sorted(ours, key=lambda t: -ours[t].values["accuracy"])
    assert [row[0] for row in summary[1:]] == ranked
    for row in summary[1:]:
        value, low, high = (float(v) for v in row[1].replace("[", "").replace(",", "").replace("]", "").split())
        assert low <= value <= high and value == pytest.approx(ours[row[0]].values["accuracy"], abs=5e-4)
    (heatmap,) = figures(page)  # no curve: accuracy per sequence only
    assert heatmap["data"][0]["type"] == "heatmap"


def test_longterm_page_has_the_pr_curve_in_the_unit_square_and_the_f_curve_over_thresholds(setting, tmp_path):
    page = _report(setting, tmp_path, "synthetic_votlt", "longterm", "--ci", "--resamples", "1000")
    ours = _results(setting, "synthetic_votlt", "longterm")
    pr, f = figures(page)[:2]
    assert (pr["layout"]["xaxis"]["title"]["text"], pr["layout"]["yaxis"]["title"]["text"]) == ("recall", "precision")
    assert _covers_unit(pr["layout"]["xaxis"]) and _covers_unit(pr["layout"]["yaxis"])
    lines = {d["name"].split(" [")[0]: d for d in pr["data"] if d["mode"] == "lines"}
    best = {d["name"].split(" [")[0]: d for d in pr["data"] if d["mode"] == "markers"}
    assert sorted(lines) == sorted(best) == sorted(TRACKERS)
    for tracker, result in ours.items():
        line = lines[tracker]
        np.testing.assert_allclose(line["x"], result.recall_curve, atol=PAGE)
        np.testing.assert_allclose(line["y"], result.precision_curve, atol=PAGE)
        assert (line["x"][0], line["y"][0]) == (0, 1)  # above every confidence: nothing reported, precision 1
        # the marked point is the table's precision and recall, and its F-score the legend's
        marked = (best[tracker]["x"][0], best[tracker]["y"][0])
        assert marked == pytest.approx((result.values["recall"], result.values["precision"]), abs=PAGE)
        recall, precision = marked
        assert f"{2 * precision * recall / (precision + recall):.3f}" == line["name"].split(" [")[1][:-1]

    assert f["layout"]["xaxis"]["title"]["text"].startswith("confidence threshold")
    assert _covers_unit(f["layout"]["yaxis"])
    assert f["layout"]["shapes"] == []  # each tracker's best threshold is its own: marked on its line
    for d in f["data"]:
        result = ours[d["name"].split(" [")[0]]
        if d["mode"] == "lines":
            assert d["x"] == list(range(len(result.thresholds)))
            # the F curve is the harmonic mean of the PR curve's points, threshold by threshold
            p, r = np.array(lines[d["name"].split(" [")[0]]["y"]), np.array(lines[d["name"].split(" [")[0]]["x"])
            with np.errstate(invalid="ignore"):
                np.testing.assert_allclose(np.array(d["y"], float), 2 * p * r / (p + r), atol=3 * PAGE)
        else:
            assert d["x"] == [result.best] and d["y"][0] == pytest.approx(np.nanmax(result.f_curve), abs=PAGE)

    summary = tables(page)[0]
    assert summary[0][:4] == ["tracker", "F-score", "precision", "recall"]
    assert not any("±" in cell for row in summary[1:] for cell in row)
    assert "no interval for F-score, precision, recall: read at one confidence threshold chosen over all sequences" \
        in page.read_text()
    _plotly_accepts(page)


def test_eval_ci_on_longterm_says_why_there_is_no_interval(setting):
    benchmark_roots, results = setting
    code, out = harness("eval", "--bench", "synthetic_votlt", "--root", str(benchmark_roots["synthetic_votlt"]),
                        "--results", str(results), "--ci", "--resamples", "1000", "--no-report")
    assert code == 0
    assert "±" not in out and "no interval for F-score, precision, recall" in out
    assert "cannot be bootstrapped over them" in out


def test_table_names_each_groups_experiment_and_profile(setting, tmp_path):
    """vot2018's published results beside the generated VOT 2020+ ones, in one store."""
    from tests.report_stores import copy_of, vot_store, vot_truth

    benchmark_roots, generated = setting
    results = copy_of(vot_store(), tmp_path)
    for bench in ("synthetic_vot", "synthetic_votlt"):
        shutil.copytree(generated / bench, results / bench)
    code, out = harness("table", "--bench", "vot2018,synthetic_vot,synthetic_votlt", "--root", f"vot2018={vot_truth()}",
                        "--root", f"synthetic_vot={benchmark_roots['synthetic_vot']}", "--root",
                        f"synthetic_votlt={benchmark_roots['synthetic_votlt']}", "--protocol",
                        "synthetic_vot=unsupervised", "--results", str(results), "--ci", "--resamples", "1000",
                        "--trackers", "alpha,beta,gamma,LightTrack")
    assert code == 0, out
    lines = out.splitlines()
    header, _, *rows = lines[next(i for i, line in enumerate(lines) if line.startswith("| tracker |")):]
    assert header == ("| tracker | vot2018 EAO | vot2018 A | vot2018 R | synthetic\\_vot unsupervised A | "
                      "synthetic\\_votlt F | synthetic\\_votlt Pr | synthetic\\_votlt Re |")
    notes = [line for line in rows if line.startswith("- ")]
    assert [n.split(":")[0] for n in notes] == ["- vot2018", "- synthetic\\_vot unsupervised", "- synthetic\\_votlt",
                                                "- synthetic\\_votlt"]
    assert "profile vot\\_toolkit" in notes[1] and "accuracy.py" in notes[1]
    assert "longterm.py" in notes[2] and "no interval for F-score, precision, recall" in notes[3]
    alpha = next(r for r in rows if r.startswith("| alpha |")).split(" | ")
    assert alpha[1:4] == ["–"] * 3 and "±" in alpha[4] and not any("±" in c for c in alpha[5:])


def test_regress_gates_multistart_and_cannot_tell_on_longterm(setting, tmp_path):
    benchmark_roots, generated = setting
    results = tmp_path / "results"
    shutil.copytree(generated / "synthetic_vot", results / "synthetic_vot")
    shutil.copytree(generated / "synthetic_votlt", results / "synthetic_votlt")
    boards = tmp_path / "boards"
    vot = ("--bench", "synthetic_vot", "--root", str(benchmark_roots["synthetic_vot"]), "--results", str(results))
    code, out = harness("leaderboard", "update", *vot, "--protocol", "unsupervised", "--leaderboards", str(boards))
    assert code == 0, out
    gate = (*vot, "--protocol", "unsupervised", "--against", str(boards / "synthetic_vot-unsupervised-vot_toolkit.json"),
            "--resamples", "1000", "--json")
    code, out = harness("regress", *gate)
    assert (code, json.loads(out)["outcome"]) == (PASSED, "no regression")
    # alpha again, its boxes 6 px to the right on every frame: worse on every sequence
    shutil.rmtree(results / "synthetic_vot" / "unsupervised" / "alpha")
    write_short_term(results, benchmark_roots["synthetic_vot"], "unsupervised", "alpha", seed=20, shift=6.0)
    code, out = harness("regress", *gate)
    verdict = json.loads(out)
    assert (code, verdict["failed"]) == (REGRESSED, ["alpha"]), out
    assert verdict["trackers"]["alpha"]["interval"][1] < 0 and verdict["trackers"]["beta"]["verdict"] == "unchanged"

    lt = ("--bench", "synthetic_votlt", "--root", str(benchmark_roots["synthetic_votlt"]), "--results", str(results))
    code, out = harness("leaderboard", "update", *lt, "--leaderboards", str(boards))
    assert code == 0, out
    code, out = harness("regress", *lt, "--against", str(boards / "synthetic_votlt-longterm-vot_toolkit.json"), "--json")
    answer = json.loads(out)
    assert (code, answer["outcome"], answer["exit_code"]) == (NOT_EVALUATED, "not evaluated", 2)
    assert "cannot tell whether its F-score" in answer["error"] and "cannot be bootstrapped" in answer["error"]


def test_leaderboard_of_longterm_results_says_the_gate_cannot_use_it(setting, tmp_path, capsys):
    benchmark_roots, results = setting
    code, _ = harness("leaderboard", "update", "--bench", "synthetic_votlt", "--root",
                      str(benchmark_roots["synthetic_votlt"]), "--results", str(results), "--leaderboards", str(tmp_path))
    assert code == 0
    assert "`harness regress` cannot gate on this leaderboard: its F-score is read at one" in capsys.readouterr().err


def test_a_bounded_axis_whose_figure_is_better_lower_runs_from_its_high_end():
    """A declared extent replaces plotly's autorange, so it must carry the reversal itself."""
    from types import SimpleNamespace

    from harness.evaluate import TrackerScore
    from harness.metrics.fields import Field, Scatter
    from harness.reports.figures import scatter_figure

    result = SimpleNamespace(fields=(Field("misses", "miss rate", "lower"), Field("hits", "hit rate", "higher")),
                             values={"misses": 0.2, "hits": 0.9})
    figure = scatter_figure([TrackerScore("t", result, float("nan"))],
                            Scatter("rates", "rates", x="misses", y="hits", x_range=(0.0, 1.0), y_range=(0.0, 1.0)))
    x, y = figure["layout"]["xaxis"], figure["layout"]["yaxis"]
    assert x["range"] == pytest.approx([1.02, -0.02]) and "autorange" not in x
    assert y["range"] == pytest.approx([-0.02, 1.02])
