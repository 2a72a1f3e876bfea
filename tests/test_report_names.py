"""Tracker, sequence and benchmark names in the Markdown and LaTeX reports: shown as written, whatever they
hold. Markdown is rendered with markdown-it-py's `commonmark` preset, which passes raw HTML through, so a
name written unescaped would be a live tag; LaTeX is compiled with pdflatex."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from harness.evaluate import TrackerScore
from harness.reports.tables import markdown, markdown_notes, notes, one_line
from harness.reports.paper import LATEX_MACROS, LATEX_PACKAGES, _TYPESET, latex_escape
from tests.conftest import realdata_path
from tests.report_stores import harness, import_otb, otb_anno, require_tool

IMG = "<img src=x onerror=alert(2)>"
# Each one would, written raw, be a tag, a link, emphasis, code, a block or a column break.
NAMES = [IMG, "a|b", "two\nlines", "[click](javascript:alert(1))", "*x* _y_ `z` ~~w~~", "# 1. - > heading",
         "1. item", "- item", "&lt;script&gt;", "ends with \\", "\\|", "<https://example.com>", "x\r\n\u2028y",
         "$x^2$", "===", "<!-- c -->", "a\tb"]
# Elements a table with its notes may hold; <ins> is the third place's mark.
STRUCTURE = {"p", "strong", "em", "ins", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}


class Page(HTMLParser):
    """What a rendered document holds: every element, the text of each table row's cells, of each list item
    and of each bold span."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self.items: list[str] = []
        self.bold: list[str] = []
        self._open: list[tuple[str, list[str]]] = []  # elements whose text is collected, innermost last

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th", "li", "strong"):
            self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            return
        text = "".join(self._open.pop()[1])
        if tag in ("td", "th"):
            self.rows[-1].append(text)
        else:
            (self.items if tag == "li" else self.bold).append(text)

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)


def rendered(text: str) -> Page:
    page = Page()
    page.feed(MarkdownIt("commonmark").enable("table").render(text))
    return page


def test_table_cells_and_notes_render_each_name_as_its_text() -> None:
    text = markdown(f"bench {IMG}", ["tracker", "AUC"], [[name, "0.500"] for name in NAMES])
    page = rendered(text + "\n\n" + "\n".join(markdown_notes(NAMES)))
    assert set(page.tags) <= STRUCTURE, set(page.tags) - STRUCTURE
    assert page.tags.count("table") == 1 and page.tags.count("ul") == 1
    assert page.rows == [["tracker", "AUC"], *([one_line(name), "0.500"] for name in NAMES)]
    assert page.items == [one_line(name) for name in NAMES]
    assert page.bold == ["bench " + IMG]


def test_notes_of_an_unranked_tracker_show_its_name_and_its_sequences() -> None:
    scores = [TrackerScore("# 1. [x](javascript:alert(1))", None, float("nan"), total=3, missing=("<b>x</b>", "s|t"))]
    (line,) = notes(scores)
    page = rendered("\n".join(markdown_notes(notes(scores))))
    assert set(page.tags) == {"ul", "li"} and page.items == [line]
    assert "<b>x</b>, s|t" in line


@pytest.fixture(scope="module")
def named(tmp_path_factory) -> Path:
    """Real published OTB-2015 results imported under names a renderer could take for markup."""
    results = tmp_path_factory.mktemp("named") / "results"
    import_otb(results, IMG, realdata_path("otb", "results", "SiamRPN++"))
    import_otb(results, "追踪器🚀 a|b", realdata_path("otb", "results", "SiamFC"))
    return results


def test_eval_markdown_report_shows_names_as_text(named, tmp_path) -> None:
    code, out = harness("eval", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                        str(named), "--reports", str(tmp_path))
    assert code == 0, out
    page = rendered((tmp_path / "otb-ope-pysot.md").read_text(encoding="utf-8"))
    assert "img" not in page.tags and "a" not in page.tags and set(page.tags) <= STRUCTURE
    assert page.rows == [["tracker", "success AUC", "precision@20px", "norm. precision"],
                         [IMG, "0.696", "0.905", "0.860"], ["追踪器🚀 a|b", "0.587", "0.772", "0.719"]]
    assert page.bold == ["otb · one-pass · profile pysot"]


def test_paper_markdown_table_shows_names_as_text(named) -> None:
    code, text = harness("table", "--bench", "otb", "--root", f"otb={otb_anno()}", "--profile", "otb=pysot",
                         "--results", str(named), "--format", "markdown")
    assert code == 0, text
    page = rendered(text)
    assert "img" not in page.tags and set(page.tags) <= STRUCTURE
    assert page.rows == [["tracker", "otb AUC", "otb P", "otb NP"], [IMG, "0.696", "0.905", "0.860"],
                         ["追踪器🚀 a|b", "0.587", "0.772", "0.719"]]
    assert page.tags.count("strong") == 4  # the three firsts, and the legend's **bold**


def _compile(folder: Path, tex: str) -> subprocess.CompletedProcess:
    pdflatex = require_tool(shutil.which("pdflatex"), "pdflatex", "texlive-latex-base texlive-latex-recommended")
    (folder / "table.tex").write_text(tex, encoding="utf-8")
    return subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "table.tex"], cwd=folder,
                          capture_output=True, text=True, errors="replace", timeout=120)


def test_latex_table_with_names_pdflatex_cannot_typeset_compiles(named, tmp_path) -> None:
    out = tmp_path / "table.tex"
    code, printed = harness("table", "--bench", "otb", "--root", f"otb={otb_anno()}", "--results", str(named),
                            "--format", "latex", "--standalone", "-o", str(out))
    assert code == 0, printed
    tex = out.read_text(encoding="utf-8")
    row = next(line for line in tex.splitlines() if line.startswith(r"\texttt{[U+8FFD"))
    assert row.startswith(r"\texttt{[U+8FFD U+8E2A U+5668 U+1F680]} a\textbar{}b & ")
    assert "% 追踪器🚀 a|b: written with code points" in tex
    assert r"\textless{}img src=x onerror=alert(2)\textgreater{} & " in tex
    run = _compile(tmp_path, tex)
    assert run.returncode == 0, run.stdout[-2000:]


def test_every_character_kept_as_written_compiles(tmp_path) -> None:
    """Names of every character `latex_escape` leaves as it is, and of those it cannot, as table rows."""
    kept = sorted(_TYPESET)
    chunks = ["".join(kept[i:i + 40]) for i in range(0, len(kept), 40)]
    assert all(latex_escape(chunk) == chunk for chunk in chunks)
    names = list(chunks)
    names += ["[x] opens the row", "追踪器", "🚀", "two\nlines\n\nparagraph", "tab\there", "\x00\x1b\u2028",
              "".join(map(chr, range(0x20, 0x7F))), IMG]
    rows = [latex_escape(name) + r" & 1 \\" for name in names]
    tex = "\n".join([r"\documentclass{article}", *LATEX_PACKAGES, *LATEX_MACROS, r"\begin{document}",
                     r"\begin{tabular}{lc}", r"\toprule", *rows, r"\bottomrule", r"\end{tabular}", r"\end{document}"])
    run = _compile(tmp_path, tex + "\n")
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Missing character" not in (tmp_path / "table.log").read_text(errors="replace")
