"""Comparison tables as papers print them: one row per tracker, one column group per benchmark with the
figures its results declare for tables (`table_fields`: AUC / P / NP, EAO / A / R, AO / SR), the top
three of each column marked, "–" where a tracker has no results on a benchmark, fps optional.

LaTeX: booktabs rules, `\\first{}`, `\\second{}`, `\\third{}` (red, blue, green), whose definitions are in
the comment above the table (or in the preamble of `--standalone`). Markdown: a real pipe table, the
first bold, the second italic, the third underlined (`<ins>`). Names are shown as written in both
(`latex_escape`, `harness.reports.tables.markdown_text`; docs/reports.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import groupby

from harness.evaluate import TrackerScore
from harness.metrics.fields import Field
from harness.reports.tables import cell, interval_notes, markdown_notes, markdown_text, one_line, ranked, value
from harness.reports.bootstrap import Bootstrap
from harness.reports.collect import Scored

MISSING = "–"
LATEX_MACROS = (r"\newcommand{\first}[1]{\textcolor{red}{\textbf{#1}}}",
                r"\newcommand{\second}[1]{\textcolor{blue}{#1}}",
                r"\newcommand{\third}[1]{\textcolor{green!50!black}{#1}}")
LATEX_PACKAGES = (r"\usepackage{booktabs}", r"\usepackage[table]{xcolor}")


@dataclass(frozen=True)
class Column:
    section: Scored
    field: Field

    def score(self, tracker: str) -> TrackerScore | None:
        return next((s for s in self.section.scores if s.tracker == tracker), None)


def _columns(sections: list[Scored]) -> list[Column]:
    out = []
    for section in sections:
        first = section.scores[0].result
        by_name = {f.name: f for f in first.fields}
        out += [Column(section, by_name[name]) for name in first.table_fields]
    return out


def _trackers(sections: list[Scored]) -> list[str]:
    """Ranked on the first benchmark, then those only on later ones, each benchmark's own order."""
    names: list[str] = []
    for section in sections:
        names += [s.tracker for s in ranked(section.scores) if s.tracker not in names]
    return names


def _ranks(column: Column, trackers: list[str]) -> dict[str, int]:
    """1, 2, 3 for the best three values of a column as printed (equal printed values share a rank)."""
    shown = {}
    for t in trackers:
        s = column.score(t)
        v = None if s is None else value(s, column.field)
        if v is not None and not math.isnan(v):
            shown[t] = float(column.field.format(v))
    distinct = sorted(set(shown.values()), reverse=column.field.better == "higher")
    return {t: distinct.index(v) + 1 for t, v in shown.items() if distinct.index(v) < 3}


def _fps(trackers: list[str], sections: list[Scored]) -> dict[str, float]:
    """Each tracker's frames per second, averaged over the benchmarks where it was recorded."""
    out = {}
    for t in trackers:
        recorded = [s.fps for sec in sections for s in sec.scores if s.tracker == t and not math.isnan(s.fps)]
        if recorded:
            out[t] = sum(recorded) / len(recorded)
    return out


def _cells(sections: list[Scored], with_fps: bool, bootstrap: Bootstrap | None):
    """(columns, trackers, cell text and rank per tracker and column, fps)."""
    columns, trackers = _columns(sections), _trackers(sections)
    table = {}
    for i, column in enumerate(columns):
        ranks = _ranks(column, trackers)
        for t in trackers:
            s = column.score(t)
            table[t, i] = (MISSING if s is None else cell(s, column.field, bootstrap), ranks.get(t, 0))
    return columns, trackers, table, _fps(trackers, sections) if with_fps else {}


def _groups(columns: list[Column]) -> list[tuple[Scored, int]]:
    groups: list[tuple[Scored, int]] = []
    for c in columns:
        if groups and groups[-1][0] is c.section:
            groups[-1] = (c.section, groups[-1][1] + 1)
        else:
            groups.append((c.section, 1))
    return groups


def _group_name(section: Scored) -> str:
    """A column group's name: the benchmark, and its experiment where it is not the benchmark's default."""
    record, chosen = section.record, section.experiment.name
    return record.name if chosen == record.default_experiment else f"{record.name} {chosen}"


def _caption(sections: list[Scored], bootstrap: Bootstrap | None = None) -> list[str]:
    """Each group's experiment and profile, and which of its figures have no interval, and why."""
    lines = []
    for s in sections:
        lines.append(f"{_group_name(s)}: {s.experiment.title}, profile {s.profile.name} ({s.profile.source})")
        by_name = {f.name: f for f in s.scores[0].result.fields}
        fields = [by_name[name] for name in s.scores[0].result.table_fields]
        lines += [f"{_group_name(s)}: {note}" for note in interval_notes(s.scores, bootstrap, fields)]
    return lines


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  # OT1 fonts have ¡, ¿ and — where <, > and | are; a row opening with [ would be read as \\[<length>].
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "[": "{[}", "]": "{]}"}
# Beyond ASCII, what pdflatex typesets with the kernel's default encodings (OT1, TS1), as probed one character
# at a time (TeX Live 2022; tests/test_reports_tables.py compiles them all): Latin-1 and Latin Extended-A
# but for those that need T1 (Ð, þ, «, », the ogonek letters, ...) or are in none of its fonts, and
# typographic punctuation.
_TYPESET = (frozenset(map(chr, range(0xA0, 0x180))) - frozenset("«»ÐÞðþĄąĐđĘęĦħĮįĸĿŀŉŊŋŦŧŲųſ")) \
    | frozenset("‘’“”–—…†‡•‰€™")


def typesettable(ch: str) -> bool:
    """Whether pdflatex typesets `ch` as it is (ASCII printable, or one of `_TYPESET`)."""
    return " " <= ch <= "~" or ch in _TYPESET


def latex_escape(text: str) -> str:
    """`text` for a LaTeX document: specials escaped, and each run of characters pdflatex cannot typeset (CJK,
    emoji, control characters) written as their code points, ``\\texttt{[U+8FFD U+8E2A]}``, so that the table
    compiles."""
    return "".join("".join(_LATEX_SPECIAL.get(ch, ch) for ch in run) if kept else
                   r"\texttt{[" + " ".join(f"U+{ord(ch):04X}" for ch in run) + "]}"
                   for kept, run in groupby(text, key=typesettable))


def _as_written(names: list[str]) -> list[str]:
    """Comment lines giving each name written with code points as it is."""
    return [f"% {one_line(n)}: written with code points for the characters pdflatex cannot typeset"
            for n in names if not all(map(typesettable, n))]


def _latex_cell(text: str, rank: int) -> str:
    if text == MISSING:
        return "--"
    figure, _, rest = text.partition(" ")  # "0.696 ± 0.012": only the figure is marked
    if rest.startswith("±"):
        rest = r"{\scriptsize$\pm$" + rest[1:].strip() + "}"
    marked = (r"\first{", r"\second{", r"\third{")[rank - 1] + figure + "}" if rank else figure
    return marked + (" " + rest if rest else "")


def latex(sections: list[Scored], with_fps: bool = False, bootstrap: Bootstrap | None = None,
          standalone: bool = False) -> str:
    columns, trackers, table, fps = _cells(sections, with_fps, bootstrap)
    spec = "l" + "".join(" " + "c" * n for _, n in _groups(columns)) + (" r" if with_fps else "")
    top = ["", *(rf"\multicolumn{{{n}}}{{c}}{{{latex_escape(_group_name(s))}}}" for s, n in _groups(columns))]
    rules, start = [], 2
    for _, n in _groups(columns):
        rules.append(rf"\cmidrule(lr){{{start}-{start + n - 1}}}")
        start += n
    names = ["Tracker", *(latex_escape(c.field.abbreviation) for c in columns), *(["FPS"] if with_fps else [])]
    lines = [*(f"% {one_line(line)}" for line in _caption(sections, bootstrap)), *_as_written(trackers),
             "% Top three of each column: \\first{}, \\second{}, \\third{}; needs, in the preamble:",
             *(f"% {line}" for line in (*LATEX_PACKAGES, *LATEX_MACROS)),
             rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(top) + (" & " if with_fps else "") + r" \\",
             " ".join(rules), " & ".join(names) + r" \\", r"\midrule"]
    for t in trackers:
        row = [latex_escape(t), *(_latex_cell(*table[t, i]) for i in range(len(columns)))]
        if with_fps:
            row.append(f"{fps[t]:.1f}" if t in fps else "--")
        lines.append(" & ".join(row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    body = "\n".join(lines)
    if not standalone:
        return body + "\n"
    return "\n".join([r"\documentclass{article}", *LATEX_PACKAGES, *LATEX_MACROS, r"\begin{document}",
                      r"\begin{table}[t]", r"\centering", body, r"\end{table}", r"\end{document}"]) + "\n"


def _markdown_cell(text: str, rank: int) -> str:
    text = markdown_text(text)
    if rank == 0 or text == MISSING:
        return text
    figure, space, rest = text.partition(" ")
    marked = ("**{}**", "*{}*", "<ins>{}</ins>")[rank - 1].format(figure)
    return marked + space + rest


def markdown(sections: list[Scored], with_fps: bool = False, bootstrap: Bootstrap | None = None) -> str:
    """Names escaped (`harness.reports.tables.markdown_text`): shown as written, whatever characters they hold."""
    columns, trackers, table, fps = _cells(sections, with_fps, bootstrap)
    header = ["tracker", *(f"{_group_name(c.section)} {c.field.abbreviation}" for c in columns),
              *(["fps"] if with_fps else [])]
    lines = ["| " + " | ".join(map(markdown_text, header)) + " |",
             "|" + "|".join([":---", *("---:" for _ in header[1:])]) + "|"]
    for t in trackers:
        row = [markdown_text(t), *(_markdown_cell(*table[t, i]) for i in range(len(columns)))]
        if with_fps:
            row.append(f"{fps[t]:.1f}" if t in fps else MISSING)
        lines.append("| " + " | ".join(row) + " |")
    notes = ["", "Best **bold**, second *italic*, third <ins>underlined</ins>; " + MISSING + ": no results.",
             *markdown_notes(_caption(sections, bootstrap))]
    return "\n".join(lines + notes) + "\n"
