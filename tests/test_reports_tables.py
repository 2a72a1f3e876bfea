"""Paper tables over OTB-2015 and VOT2018 (real published results): a Markdown table a Markdown renderer
renders as a table, LaTeX a real TeX engine compiles, top three marked, '–' where a tracker has no
results; and bootstrap intervals in the terminal table."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from markdown_it import MarkdownIt

from tests.report_stores import harness, otb_anno, otb_store, require_tool, vot_store, vot_truth


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One store with both benchmarks' results: the OTB trackers never ran on VOT2018, and the other way round."""
    results = tmp_path_factory.mktemp("both") / "results"
    shutil.copytree(otb_store(), results)
    shutil.copytree(vot_store(), results, dirs_exist_ok=True)
    return results


def _table(both, *extra: str) -> str:
    code, out = harness("table", "--bench", "otb,vot2018", "--root", f"otb={otb_anno()}", "--root",
                        f"vot2018={vot_truth()}", "--profile", "otb=pysot", "--results", str(both), *extra)
    assert code == 0, out
    return out


def test_markdown_renders_as_a_table_with_the_top_three_marked(both) -> None:
    text = _table(both, "--format", "markdown", "--fps")
    assert "```" not in text
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert rendered.count("<table>") == 1
    assert rendered.count("<tr>") == 11  # header + 10 trackers
    header = text.splitlines()[0]
    assert header == "| tracker | otb AUC | otb P | otb NP | vot2018 EAO | vot2018 A | vot2018 R | fps |"
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines()[2:12]}
    assert rows["SiamRPN++"].split(" | ")[1] == "**0.696**" and rows["DaSiamRPN"].split(" | ")[1] == "*0.658*"
    assert rows["SiamRPN"].split(" | ")[1] == "<ins>0.629</ins>"
    assert rows["SiamRPN++"].split(" | ")[4:7] == ["–", "–", "–"]  # no VOT2018 results
    assert rows["LightTrack"].split(" | ")[4] == "**0.422**"  # best EAO of the five
    assert rows["SiamRPN++"].endswith("| – |")  # imported results: no fps recorded
    assert "<strong>0.696</strong>" in rendered and "<em>0.658</em>" in rendered


def test_latex_compiles_with_a_real_tex_engine(both, tmp_path) -> None:
    pdflatex = require_tool(shutil.which("pdflatex"), "pdflatex", "texlive-latex-base texlive-latex-recommended")
    code, out = harness("table", "--bench", "otb,vot2018", "--root", f"otb={otb_anno()}", "--root",
                        f"vot2018={vot_truth()}", "--profile", "otb=pysot", "--results", str(both), "--format", "latex",
                        "--ci", "--standalone", "--fps", "-o", str(tmp_path / "table.tex"))
    assert code == 0, out
    table = (tmp_path / "table.tex").read_text()
    assert r"\first{0.696}" in table and r"\second{0.658}" in table and r"\third{0.629}" in table
    assert r"\toprule" in table and r"\cmidrule(lr){2-4}" in table and r"\multicolumn{3}{c}{vot2018}" in table
    assert r"{\scriptsize$\pm$" in table and r"\newcommand{\first}" in table
    run = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "table.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "table.pdf").stat().st_size > 1000


def test_latex_escapes_names() -> None:
    from harness.reports.paper import latex_escape

    assert latex_escape("a_b & c% $x$ #1 {y} ~^\\") == (r"a\_b \& c\% \$x\$ \#1 \{y\} \textasciitilde{}"
                                                         r"\textasciicircum{}\textbackslash{}")


def test_eval_prints_intervals_that_hold_the_figure_and_repeat_with_the_seed(capsys) -> None:
    argv = ["eval", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results", str(otb_store()),
            "--no-report", "--json", "--ci"]
    code, out = harness(*argv)
    assert code == 0
    report = json.loads(out)
    assert report["bootstrap"] == {"resamples": 10_000, "seed": 0, "level": 0.95, "over": "sequences"}
    for entry in report["trackers"].values():
        for name, (low, high) in entry["intervals"].items():
            assert low < entry[name] < high, name
        low, high = entry["intervals"]["success_auc"]
        assert 0.01 < high - low < 0.15  # 100 sequences: a few hundredths either way
    assert json.loads(harness(*argv)[1]) == report
    code, table = harness(*argv[:-2], "--ci")
    row = next(line for line in table.splitlines() if line.startswith("SiamRPN++"))
    assert row.split()[1:4] == ["0.696", "±", f"{(report['trackers']['SiamRPN++']['intervals']['success_auc'][1] - report['trackers']['SiamRPN++']['intervals']['success_auc'][0]) / 2:.3f}"]
    code, table = harness(*argv[:-2], "--ci", "interval")
    assert "0.696 [0." in table
