"""The report commands (`report`, `table`, `leaderboard update`, `regress`), the `--ci` options every table
takes, and the reports `run` and `eval` write: arguments and what each command does."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from harness.cli_numbers import checked, non_negative, number, whole
from harness.errors import HarnessError
from harness.experiments import EXPERIMENTS
from harness.reports.bootstrap import LEVEL, RESAMPLES, SEED, Bootstrap
from harness.reports.regress import TOLERANCE
from harness.selection import choose_experiment, choose_profile, server_scored

Handler = Callable[[argparse.Namespace], int]


def add_ci_options(p: argparse.ArgumentParser) -> None:
    """--ci [pm|interval], --resamples, --seed, --level: bootstrap intervals over sequences in the table."""
    p.add_argument("--ci", nargs="?", const="pm", choices=["pm", "interval"],
                   help="show bootstrap confidence intervals over sequences: pm (0.696 ± 0.012, the default) or "
                        "interval ([0.684, 0.708])")
    _bootstrap_options(p)


def _bootstrap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resamples", type=checked(whole(1), lambda n: Bootstrap(resamples=n)), default=RESAMPLES,
                   help=f"bootstrap resamples (default {RESAMPLES:,})")
    p.add_argument("--seed", type=whole(0), default=SEED, help=f"bootstrap seed, 0 or more (default {SEED})")
    p.add_argument("--level", type=checked(number, lambda level: Bootstrap(level=level)), default=LEVEL,
                   help=f"confidence level, in [0.5, 1) (default {LEVEL})")


def bootstrap_of(args: argparse.Namespace, always: bool = False) -> Bootstrap | None:
    """The bootstrap the options ask for; None when no interval is wanted."""
    if not always and not getattr(args, "ci", None):
        return None
    return Bootstrap(args.resamples, args.seed, args.level, getattr(args, "ci", None) or "pm")


def add_report_options(p: argparse.ArgumentParser) -> None:
    """What `eval` takes to write its reports (`run` has --reports already)."""
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder (default: reports/)")
    p.add_argument("--no-report", action="store_true", help="print only; write no report files")
    add_viewers_option(p)
    add_ci_options(p)


def add_viewers_option(p: argparse.ArgumentParser) -> None:
    from harness.reports.gallery import VIEWERS

    p.add_argument("--viewers", choices=VIEWERS, default="gallery",
                   help="which sequences get a viewer (harness show's page) in <report>-viewers/, linked from the "
                        "report: those of the failure gallery (default), all (every sequence with frames on disk: "
                        "large on big benchmarks, docs/reports.md), or none")


def _protocol(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protocol", choices=list(EXPERIMENTS),
                   help="which stored runs (default: the benchmark's experiment, baseline for VOT, else ope)")


def add_parsers(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    rep = sub.add_parser("report", help="an interactive HTML report of every stored tracker of a benchmark",
                         description="One self-contained page (plotly inlined, no network): curves, per-attribute "
                                     "plots, AR plot and EAO curve, per-sequence heat map and table, several profiles "
                                     "side by side, provenance.")
    rep.add_argument("--bench", required=True, help="benchmark name (see `harness list`)")
    rep.add_argument("--root", type=Path, help="benchmark data folder (else HARNESS_<BENCH>_ROOT)")
    rep.add_argument("--profile", action="append", default=[], metavar="P",
                     help="metric profile; repeat it (or give a comma list) to put profiles side by side "
                          "(default: the benchmark's official one)")
    rep.add_argument("--trackers", help="comma list (default: every tracker stored for the benchmark)")
    rep.add_argument("-o", "--output", type=Path, help="HTML file (default: reports/<bench>-<experiment>-<profile>.html)")
    add_viewers_option(rep)
    _protocol(rep)
    add_ci_options(rep)
    common(rep)

    tab = sub.add_parser("table", help="a paper's comparison table (LaTeX or Markdown) over several benchmarks",
                         description="One row per tracker, one column group per benchmark (AUC / P / NP, EAO / A / R, "
                                     "AO / SR as its results report them), top three marked, '–' where a tracker has "
                                     "no results. Each benchmark is scored under its default experiment unless "
                                     "--protocol names one.")
    tab.add_argument("--bench", dest="benches", required=True, help="comma list of benchmarks, e.g. otb,lasot,vot2018")
    tab.add_argument("--root", action="append", default=[], metavar="[BENCH=]PATH",
                     help="a benchmark's data folder (repeatable; BENCH= may be left out with one benchmark)")
    tab.add_argument("--profile", default="", metavar="P|BENCH=P,...",
                     help="one profile for every benchmark, or BENCH=PROFILE pairs (default: each one's official)")
    tab.add_argument("--protocol", default="", metavar="P|BENCH=P,...",
                     help="one experiment for every benchmark, or BENCH=EXPERIMENT pairs, e.g. synthetic_vot=unsupervised "
                          "(default: each one's default experiment)")
    tab.add_argument("--format", choices=["latex", "markdown"], default="markdown", help="default: markdown")
    tab.add_argument("--fps", action="store_true", help="add a frames-per-second column")
    tab.add_argument("--trackers", help="comma list (default: every tracker stored for any of the benchmarks)")
    tab.add_argument("--standalone", action="store_true", help="LaTeX: a whole document (preamble included)")
    tab.add_argument("-o", "--output", type=Path, help="write the table to this file (default: print it)")
    add_ci_options(tab)
    common(tab)

    board = sub.add_parser("leaderboard", help="leaderboards kept under results/leaderboards/")
    up = board.add_subparsers(dest="leaderboard_command", required=True).add_parser(
        "update", help="rewrite a leaderboard from the stored results",
        description="Scores every stored tracker (or --trackers) and writes results/leaderboards/"
                    "<bench>-<experiment>-<profile>.json: figures, per-sequence figures, their sums over "
                    "sequences (for the regression gate's bootstrap), provenance.")
    up.add_argument("--bench", required=True, help="benchmark name (see `harness list`)")
    up.add_argument("--root", type=Path, help="benchmark data folder (else HARNESS_<BENCH>_ROOT)")
    up.add_argument("--profile", help="metric profile (default: the benchmark's official one)")
    up.add_argument("--trackers", help="comma list (default: every tracker stored for the benchmark)")
    up.add_argument("--leaderboards", type=Path, default=Path("results/leaderboards"),
                    help="leaderboard folder (default: results/leaderboards/)")
    up.add_argument("-o", "--output", type=Path, help="leaderboard file (default: in --leaderboards, named by "
                                                      "benchmark, experiment and profile)")
    _protocol(up)
    common(up)

    reg = sub.add_parser("regress", help="compare stored results with a leaderboard; exit 1 when a tracker got worse, "
                                         "2 when the gate could not evaluate",
                         description="Worse means: the headline figure (AUC, EAO, ...) dropped by more than\n"
                                     "--tolerance AND the paired bootstrap over sequences puts the whole confidence\n"
                                     "interval of the difference below zero. Improvements are reported, not failures.",
                         epilog="exit codes (for CI):\n"
                                "  0  no tracker got worse\n"
                                "  1  a tracker got worse: a regression (the table names it and its sequences)\n"
                                "  2  the gate could not evaluate: no stored results, a missing, malformed or other\n"
                                "     leaderboard, a bad shard file, results short of frames, a bad option; a broken\n"
                                "     job, which says nothing about the trackers (--json: \"outcome\" says which)",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    reg.add_argument("--bench", required=True, help="benchmark name (see `harness list`)")
    reg.add_argument("--root", type=Path, help="benchmark data folder (else HARNESS_<BENCH>_ROOT)")
    reg.add_argument("--profile", help="metric profile (default: the benchmark's official one)")
    reg.add_argument("--against", type=Path, help="leaderboard file (default: results/leaderboards/"
                                                   "<bench>-<experiment>-<profile>.json)")
    reg.add_argument("--trackers", help="comma list (default: every tracker of the leaderboard that is stored)")
    reg.add_argument("--tolerance", type=non_negative, default=TOLERANCE,
                     help=f"smallest drop that fails, 0 or more (default {TOLERANCE})")
    _bootstrap_options(reg)
    _protocol(reg)
    common(reg)


def handlers() -> dict[str, Handler]:
    return {"report": report, "table": table, "leaderboard": leaderboard_update, "regress": regress}


def _names(text: str | None) -> list[str] | None:
    return [t for t in text.split(",") if t] if text else None


def _setting(args: argparse.Namespace):
    """(record, experiment, sequences, root) of --bench/--protocol/--root, refusing server-scored data."""
    from benchmarks.registry import benchmark_record, load_benchmark, resolve_root

    record = benchmark_record(args.bench)
    chosen = choose_experiment(record, args.protocol)
    root = resolve_root(record.name, args.root)
    sequences = load_benchmark(record.name, root)
    server = server_scored(record, sequences)
    if server is not None:
        raise server
    return record, chosen, sequences, root


def _profiles(args: argparse.Namespace, record, chosen) -> list[str]:
    names = [n for given in args.profile for n in given.split(",") if n] if isinstance(args.profile, list) else \
        _names(args.profile) or []
    if not names:
        return [choose_profile(record, chosen).name]
    return list(dict.fromkeys(chosen.profile(n).name for n in names))


def report(args: argparse.Namespace) -> int:
    from harness.reports.tables import report_stem
    from harness.reports.collect import provenance, score_profiles
    from harness.reports.gallery import build_gallery
    from harness.reports.html import write_html

    record, chosen, sequences, root = _setting(args)
    profiles = _profiles(args, record, chosen)
    sections = score_profiles(args.results, record, chosen, sequences, profiles, _names(args.trackers))
    output = args.output or Path("reports") / (report_stem(Path(), record.name, chosen, sections[0].profile).name
                                               + ("-" + "-".join(profiles[1:]) if len(profiles) > 1 else "") + ".html")
    gallery = build_gallery(args.results, sections[0], output, args.viewers)
    path = write_html(output, sections, provenance(args.results, sections, root), bootstrap_of(args), gallery)
    shown = {"report": str(path), "losses": len(gallery.losses), "viewers": [str(v) for v in gallery.viewers]}
    print(json.dumps(shown) if args.json else f"wrote {path}" + (
        f" and {len(gallery.viewers)} viewer{'s' if len(gallery.viewers) != 1 else ''} in "
        f"{gallery.viewers[0].parent}/" if gallery.viewers else ""))
    return 0


def write_reports(args: argparse.Namespace, record, chosen, profile, sequences, scores, complete: bool) -> None:
    """What `run` and `eval` leave in --reports: the Markdown and JSON of `scores`, and the HTML report of
    every stored tracker (`scores` reused), or of `scores` alone when `complete` (they are every stored
    tracker already, or the ones `eval --trackers` was asked for: scoring the others would make a
    one-tracker eval of a 100-tracker store take ten times as long)."""
    if getattr(args, "no_report", False) or not scores:
        return
    from benchmarks.registry import resolve_root
    from harness.reports.tables import report_stem, write_report
    from harness.reports.collect import provenance, score_profiles
    from harness.reports.gallery import build_gallery
    from harness.reports.html import write_html

    bootstrap = bootstrap_of(args)
    write_report(args.reports, scores, record.name, chosen, profile, bootstrap,
                 len(sequences) if getattr(args, "common", False) else None)
    known = {profile.name: scores}
    trackers = [s.tracker for s in scores] if complete else None
    sections = score_profiles(args.results, record, chosen, sequences, [profile.name], trackers, known)
    root = resolve_root(record.name, args.root)
    output = report_stem(args.reports, record.name, chosen, profile).with_suffix(".html")
    gallery = build_gallery(args.results, sections[0], output, args.viewers)
    write_html(output, sections, provenance(args.results, sections, root), bootstrap, gallery)


def _pairs(values: list[str], what: str, benches: list[str]) -> dict[str, str]:
    """BENCH=VALUE pairs (a bare VALUE applies to a single benchmark, or to all for profiles and protocols)."""
    out = {}
    for v in values:
        bench, eq, rest = v.partition("=")
        if eq:
            out[bench] = rest
        elif what != "root":  # a bare profile or protocol applies to every benchmark
            out.update({b: v for b in benches if b not in out})
        elif len(benches) == 1:
            out[benches[0]] = v
        else:
            raise HarnessError(f"--root {v}: with several benchmarks, name the benchmark: --root BENCH=PATH")
    return out


def _profiles_line(sections: list, asked: dict[str, str]) -> str:
    """Each benchmark's profile, those not asked for named as its default: the columns read alike under every
    profile, and their figures do not (VOT2018's R is 0.328 under pysot, 1.35 under vot_toolkit)."""
    named = [f"{s.record.name} under {s.profile.name}" + ("" if s.record.name in asked else " (its default)")
             for s in sections]
    return f"profiles: {', '.join(named)}" + ("" if len(asked) >= len(sections) else
                                              "; --profile BENCH=P chooses another")


def table(args: argparse.Namespace) -> int:
    from benchmarks.registry import benchmark_record, load_benchmark
    from harness.reports import paper
    from harness.reports.collect import score_profiles
    from harness.store import stored_trackers

    benches = [benchmark_record(b).name for b in _names(args.benches) or []]
    if not benches:
        raise HarnessError("--bench: give at least one benchmark, e.g. --bench otb,lasot,vot2018")
    roots = {benchmark_record(k).name: Path(v) for k, v in _pairs(args.root, "root", benches).items()}
    profiles = {benchmark_record(k).name: v for k, v in _pairs(_names(args.profile) or [], "profile", benches).items()}
    protocols = {benchmark_record(k).name: v for k, v in _pairs(_names(args.protocol) or [], "protocol", benches).items()}
    wanted = _names(args.trackers)
    sections = []
    for bench in benches:
        record = benchmark_record(bench)
        chosen = choose_experiment(record, protocols.get(bench))
        profile = choose_profile(record, chosen, profiles.get(bench))
        stored = stored_trackers(args.results, record.name, chosen.name)
        trackers = [t for t in stored if wanted is None or t in wanted]
        if not trackers:
            print(f"harness: note: no results for {bench} ({chosen.name}) under {args.results}", file=sys.stderr)
            continue
        sequences = load_benchmark(record.name, roots.get(bench))
        server = server_scored(record, sequences)
        if server is not None:
            raise server
        # Trackers not named: one whose results do not cover the benchmark is left out, with a note.
        scored = score_profiles(args.results, record, chosen, sequences, [profile.name], None if wanted is None else trackers)
        for section in scored:
            for tracker, reason in section.left_out.items():
                print(f"harness: note: {tracker} left out of {bench}: {reason}", file=sys.stderr)
        sections += scored
    if not sections:
        raise HarnessError(f"no stored results for any of {', '.join(benches)} under {args.results}")
    bootstrap = bootstrap_of(args)
    text = (paper.latex(sections, args.fps, bootstrap, args.standalone) if args.format == "latex"
            else paper.markdown(sections, args.fps, bootstrap))
    # On the terminal, above the table; the table itself names each profile in its caption.
    print(f"harness: {_profiles_line(sections, profiles)}", file=sys.stderr)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(json.dumps({"table": str(args.output)}) if args.json else f"wrote {args.output}")
    else:
        print(text, end="")
    return 0


def leaderboard_update(args: argparse.Namespace) -> int:
    from harness.reports import leaderboard
    from harness.metrics.fields import headline
    from harness.reports.collect import provenance, score_profiles

    record, chosen, sequences, root = _setting(args)
    profile = _profiles(args, record, chosen)[0]
    section = score_profiles(args.results, record, chosen, sequences, [profile], _names(args.trackers))[0]
    command = shlex.join(["harness", "leaderboard", "update", "--bench", record.name, "--protocol", chosen.name,
                          "--profile", profile, *(["--trackers", args.trackers] if args.trackers else [])])
    board = leaderboard.build(section, provenance(args.results, [section], root), command)
    path = args.output or leaderboard.leaderboard_path(args.leaderboards, record.name, chosen.name, profile)
    leaderboard.write(path, board)
    for tracker, reason in section.left_out.items():
        print(f"harness: note: {tracker} left out: {reason}", file=sys.stderr)
    head = next((headline(s.result) for s in section.scores if s.result is not None), None)
    if head is not None and head.no_terms:
        print(f"harness: note: `harness regress` cannot gate on this leaderboard: its {head.label} is {head.no_terms}",
              file=sys.stderr)
    print(json.dumps({"leaderboard": str(path), "trackers": list(board["trackers"])}) if args.json
          else f"wrote {path}: {len(board['trackers'])} trackers on {len(sequences)} sequences, profile {profile}")
    return 0


def regress(args: argparse.Namespace) -> int:
    from benchmarks.registry import benchmark_record, load_benchmark, resolve_root
    from harness.reports import leaderboard
    from harness.reports import regress as gate
    from harness.reports.collect import score_profiles
    from harness.store import stored_trackers

    record = benchmark_record(args.bench)
    chosen = choose_experiment(record, args.protocol)
    profile = _profiles(args, record, chosen)[0]
    path = args.against or leaderboard.leaderboard_path(leaderboard.DIRECTORY, record.name, chosen.name, profile)
    board = leaderboard.read(path)
    if (board.benchmark, board.experiment, board.profile) != (record.name, chosen.name, profile):
        raise leaderboard.LeaderboardError(
            f"{path} is the leaderboard of {board.benchmark} ({board.experiment}) under profile {board.profile}, not "
            f"of {record.name} ({chosen.name}) under {profile}; pass --bench, --protocol and --profile to match")
    root = resolve_root(record.name, args.root)
    sequences = load_benchmark(record.name, root, list(board.sequences))
    stored = stored_trackers(args.results, record.name, chosen.name)
    wanted = _names(args.trackers) or [t for t in stored if t in board.entries]
    if not wanted:
        raise HarnessError(f"none of the {len(board.entries)} trackers of {path} has stored results under "
                           f"{args.results}; run or import them first")
    section = score_profiles(args.results, record, chosen, sequences, [profile], wanted)[0]
    bootstrap = bootstrap_of(args, always=True)
    checks = gate.regress(section, board, args.tolerance, bootstrap, _names(args.trackers))
    print(json.dumps(gate.checks_json(checks, board, args.tolerance, bootstrap), indent=2) if args.json
          else gate.format_checks(checks, board, args.tolerance, bootstrap))
    return gate.exit_code(checks)
