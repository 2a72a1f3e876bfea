"""The CLI's sub-commands: parse nothing, print results, return an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from benchmarks.record import BenchmarkRecord
from benchmarks.registry import benchmark_record, load_benchmark, records, unavailable_reason
from benchmarks.roots import configured_roots
from harness.errors import HarnessError
from harness.experiments import ONE_PASS, Experiment
from harness.records import record_problems
from harness.reports.cli import bootstrap_of, write_reports
from harness.reports.tables import attributes_json, format_attribute_table, format_table, notes, report_stem, scores_json, title
from harness.runs import run_benchmark, use_weights
from harness.selection import breakdown_benchmark, choose_experiment, evaluate_benchmark
from harness.store import pack_tracker
from trackers.registry import get_plugin, plugin_names


def _experiment(args: argparse.Namespace, record: BenchmarkRecord) -> Experiment:
    """--protocol (else the benchmark's default experiment), with the real-time clock options."""
    return choose_experiment(record, getattr(args, "protocol", None), getattr(args, "fps", None),
                             getattr(args, "grace", None))


def _tracker_options(pairs: list[str]) -> dict[str, dict]:
    """`tracker.key=value` pairs; values read as JSON numbers/booleans where they parse, paths made absolute."""
    options: dict[str, dict] = {}
    for pair in pairs:
        name, dot, rest = pair.partition(".")
        key, eq, value = rest.partition("=")
        if not (dot and eq and name and key):
            raise HarnessError(f"--tracker-opt {pair!r}: expected TRACKER.KEY=VALUE, e.g. siamrpnpp.lr=0.4")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        if key in ("weights", "weights_dir"):
            parsed = os.path.abspath(os.path.expanduser(value))  # workers may start in another folder
        options.setdefault(name, {})[key] = parsed
    return options


def _print_scores(args: argparse.Namespace, scores, chosen: Experiment, profile, extra: dict | None = None) -> None:
    bootstrap = bootstrap_of(args)
    if args.json:
        print(json.dumps({**scores_json(scores, args.bench, chosen, profile, bootstrap), **(extra or {})}, indent=2))
    else:
        print(format_table(scores, title(args.bench, chosen.title, profile.name, default=args.profile is None),
                           bootstrap))


def run(args: argparse.Namespace) -> int:
    names = args.sequences.split(",") if args.sequences else None
    outcome = run_benchmark(
        args.trackers, args.bench, root=args.root, results=args.results, protocol=args.protocol, fps=args.fps,
        grace=args.grace, profile=args.profile, sequences=names, tracker_options=_tracker_options(args.tracker_opt),
        weights=args.weights, notify=lambda message: print(f"harness: {message}", file=sys.stderr),
        repetitions=args.repetitions, workers=args.workers, address=args.address,
        progress=not args.no_progress and not args.json and sys.stderr.isatty(), shard_timeout=args.shard_timeout,
        retries=args.retries, gpus_per_worker=args.gpus_per_worker, batch_sequences=args.batch_sequences)
    record, chosen, profile, summary, scores = (outcome.record, outcome.experiment, outcome.profile, outcome.summary,
                                                outcome.scores)
    if outcome.note:
        print(f"harness: note: {outcome.note}", file=sys.stderr)  # the run itself succeeded
    write_reports(args, record, chosen, profile, outcome.sequences, scores, complete=False)
    report = report_stem(args.reports, record.name, chosen, profile).with_suffix(".md") \
        if scores and not getattr(args, "no_report", False) else None
    run_info = outcome.info()
    if scores or args.json:
        _print_scores(args, scores, chosen, profile, {"run": run_info})
    if not args.json:
        root = f" --root {args.root}" if args.root else ""
        print(
            f"\n{len(summary.completed)} shards run, {len(summary.skipped)} already complete, "
            f"{len(summary.failed)} failed; results in {args.results}/"
            + (f", report in {report.with_suffix('.html')} (and .md, .json)" if report else "")
            + f"\nnext: harness eval --bench {record.name}{root} [--profile P] [--by-attribute]  to score them again, "
            f"harness report --bench {record.name}{root} --profile P --profile Q  to compare profiles",
            file=sys.stderr,
        )
    for outcome in summary.failed:
        print(f"harness: shard {outcome.key} failed: {outcome.error}", file=sys.stderr)
    return 1 if summary.failed else 0


def import_(args: argparse.Namespace) -> int:
    from harness.formats.imported import import_results

    record = benchmark_record(args.bench)
    subset = args.sequences.split(",") if args.sequences else None
    sequences = load_benchmark(record.name, args.root, subset)
    # With --sequences, files of the other sequences are left out as asked, not reported as unplaced.
    other = "" if subset is None else " (files of sequences not in --sequences are left out)"
    if args.format == "vot":
        from harness.formats.vot2020_import import VOT_IMPORTED, import_vot2020_results, trajectory_pattern
        from harness.formats.vot_import import import_vot_results

        chosen = _experiment(args, record)
        if chosen.kind not in VOT_IMPORTED:
            raise HarnessError(f"--format vot imports the VOT toolkit's {', '.join(VOT_IMPORTED)} experiments, not "
                               f"{record.name}'s {chosen.name} ({chosen.kind}); name one with --protocol, or import "
                               "one-pass results with --format pysot or got10k")
        if chosen.kind == "supervised":
            imported, unplaced = import_vot_results(args.directory, args.tracker, record.name, sequences,
                                                    args.results, chosen.name)
        else:
            imported, unplaced = import_vot2020_results(args.directory, args.tracker, record.name, sequences,
                                                        args.results, chosen)
        unplaced = unplaced if subset is None else []
        pack_tracker(args.results, record.name, chosen.name, args.tracker, chosen.shard_lengths(sequences),
                     chosen.first_repetition_only)
        missing = sorted({s.name for s in sequences} - set(imported))
        if args.json:
            print(json.dumps({"imported": imported, "unplaced": unplaced, "missing": missing}, indent=2))
            return 0
        print(f"imported {len(imported)} sequences of {args.tracker} into {args.results}/{record.name}/{chosen.name}/"
              f"{other}")
        for path in unplaced:
            print(f"  could not place {path}: no {record.name} sequence of that name, or no "
                  f"{trajectory_pattern(chosen)} inside")
        if missing:
            print(f"  no results for {len(missing)} sequences: {', '.join(missing)}")
        return 0
    report = import_results(args.directory, args.tracker, record.name, sequences, args.results, args.format)
    if subset is not None:
        report.unplaced = []
    pack_tracker(args.results, record.name, ONE_PASS.name, args.tracker, {s.name: len(s) for s in sequences},
                 ONE_PASS.first_repetition_only)
    if args.json:
        print(json.dumps(report.__dict__, indent=2, default=list))
        return 0
    print(f"imported {len(report.imported)} sequences of {args.tracker} into {args.results}/{record.name}/{other}")
    if report.repetitions:
        most = max(report.repetitions.values())
        print(f"  {len(report.repetitions)} sequences have several runs, stored as repetitions 1-{most}; the got10k "
              "profile's AO/SR pool every run's frames as its toolkit does, every other score is repetition 1's")
    for path in report.unplaced:
        print(f"  could not place {path}: no {record.name} sequence of that name")
    if report.missing:
        print(f"  no result file for {len(report.missing)} sequences: {', '.join(report.missing)}")
    for name, (got, want) in sorted(report.length_mismatch.items()):
        print(f"  {name}: {got} lines for {want} annotated frames (each profile applies its toolkit's rule)")
    return 0


def eval_(args: argparse.Namespace) -> int:
    trackers = args.trackers.split(",") if args.trackers else None
    names = args.sequences.split(",") if args.sequences else None
    if args.by_attribute:
        evaluation = breakdown_benchmark(args.results, args.bench, root=args.root, profile=args.profile,
                                         protocol=args.protocol, sequences=names, trackers=trackers)
        record, chosen, profile, breakdown = (evaluation.record, evaluation.experiment, evaluation.profile,
                                              evaluation.breakdown)
        header = title(record.name, chosen.title, profile.name, f"by {chosen.groups_by.rstrip('s')}",
                       default=args.profile is None)
        if args.json:
            out = attributes_json(breakdown.groups, breakdown.counts, record.name, chosen, profile, breakdown.unit)
            out["not_scored"] = {s.tracker: {"coverage": list(s.coverage)} for s in breakdown.unscored}
            print(json.dumps(out, indent=2))
        else:
            print("\n".join([format_attribute_table(breakdown.groups, breakdown.counts, header, breakdown.unit),
                             *notes(breakdown.unscored)]))
        return 0
    evaluation = evaluate_benchmark(args.results, args.bench, root=args.root, profile=args.profile,
                                    protocol=args.protocol, sequences=names, trackers=trackers, common=args.common,
                                    pad_missing=args.pad_missing)
    record, chosen, profile, scoring = evaluation.record, evaluation.experiment, evaluation.profile, evaluation.scoring
    subset = f"{len(scoring.sequences)} of {scoring.asked} sequences in common" if args.common else ""
    bootstrap = bootstrap_of(args)
    if args.json:
        print(json.dumps(evaluation.to_json(bootstrap), indent=2))
    else:
        print(format_table(scoring.scores, title(record.name, chosen.title, profile.name, subset,
                                                 default=args.profile is None),
                           bootstrap, len(scoring.sequences) if args.common else None))
    scored = [s for s in scoring.scores if s.result is not None]
    if not scored:
        print(f"harness: no tracker has results on all {scoring.asked} {record.name} sequences asked for: score "
              "the ones they all have with --common, or name the sequences you have with --sequences", file=sys.stderr)
        return 1
    write_reports(args, record, chosen, profile, scoring.sequences, scored,
                  complete=trackers is not None or len(scored) == len(scoring.scores))
    return 0


def list_(args: argparse.Namespace) -> int:
    use_weights(getattr(args, "weights", None))
    trackers = {}
    for name in plugin_names():
        try:
            trackers[name] = get_plugin(name).unavailable_reason()
        except Exception as exc:  # a broken third-party plugin is reported, not fatal to the listing
            trackers[name] = f"cannot be loaded: {exc}"
    benches = {name: "; ".join(record_problems(record)) or unavailable_reason(name) for name, record in records().items()}
    if args.json:
        print(json.dumps({"trackers": trackers, "benchmarks": benches}, indent=2))
        return 0
    config, roots = configured_roots()
    unset = _unset(roots)
    shown = {name: reason for name, reason in benches.items() if not (reason and name in unset)}
    width = max(map(len, [*trackers, *shown]))
    for heading, items in (("trackers", trackers), ("benchmarks", shown)):
        print(f"{heading}:")
        for name, reason in items.items():
            print(f"  {name:<{width}}  {'available' if reason is None else 'unavailable: ' + reason}")
    families = _families([name for name, reason in benches.items() if reason and name in unset])
    if families:
        here = config.relative_to(Path.cwd()) if config.is_relative_to(Path.cwd()) else config
        print(f"  without data here (--root PATH, HARNESS_<NAME>_ROOT=PATH or [roots] in {here}; details: --json):")
        for family in families:
            print(textwrap.fill(", ".join(family), 100, initial_indent="    ", subsequent_indent="      "))
    return 0


def _unset(roots: dict[str, Path]) -> set[str]:
    """Benchmarks no root is given for (no environment variable, no harness.toml entry, not generated) whose
    root HARNESS_<NAME>_ROOT and `<name> =` in harness.toml would give: `harness list` names them together."""
    return {name for name, record in records().items()
            if record.generated_root is None and not record_problems(record)
            and f"HARNESS_{name.upper()}_ROOT" in record.env_vars
            and not any(os.environ.get(v) for v in record.env_vars) and not any(k in roots for k in record.config_keys)}


def _families(names: list[str]) -> list[list[str]]:
    """`names` grouped by the loader that reads them (OTB's, VOT's, LaSOT's ...), in the registry's order."""
    groups: dict[str, list[str]] = {}
    for name in names:
        load = records()[name].load
        groups.setdefault(getattr(getattr(load, "func", load), "__qualname__", name), []).append(name)
    return list(groups.values())


def bench_check(args: argparse.Namespace) -> int:
    """`harness bench check`: every problem of a benchmark copy, one `file:line: message` each."""
    from benchmarks.check import check_benchmark

    problems = check_benchmark(args.bench, args.root)
    if args.json:
        print(json.dumps([{"file": str(p.file), "line": p.line, "message": p.message} for p in problems], indent=2))
    else:
        for problem in problems:
            print(problem)
        print(f"{args.bench}: {len(problems)} problem(s)" if problems else f"{args.bench}: no problems found",
              file=sys.stderr)
    return 1 if problems else 0


def export(args: argparse.Namespace) -> int:
    """`harness export`: a server's submission archive, or a VOT toolkit workspace."""
    from harness.formats.submission import export_submission, submission_format

    record = benchmark_record(args.bench)
    if args.format == "vot":
        if not args.output:
            raise HarnessError("--format vot needs --output: the workspace folder to write")
        args.vot_workspace = args.output
    if args.format and args.format != "vot":
        return _export_layout(args, record)
    if args.vot_workspace:
        from benchmarks.registry import resolve_root
        from harness.formats.vot_workspace import export_workspace

        chosen = _experiment(args, record)
        root = resolve_root(record.name, args.root)
        trackers = [t for t in args.trackers.split(",") if t] if args.trackers else None
        path = export_workspace(args.results, record, chosen, root, load_benchmark(record.name, root), args.vot_workspace,
                                trackers)
        print(json.dumps({"workspace": str(path)}) if args.json
              else f"wrote {path}; score it with: vot analysis --workspace {path}")
        return 0
    if args.trackers:
        raise HarnessError("--trackers is for --vot-workspace; --submission exports the one --tracker")
    if not args.tracker:
        raise HarnessError("--submission needs --tracker: the stored tracker to export")
    submission_format(record.name)  # refuse an unsupported benchmark before loading anything
    sequences = load_benchmark(record.name, args.root)
    output = args.output or Path(f"{args.tracker}_{record.name}_submission.zip")
    path = export_submission(args.results, record.name, args.tracker, sequences, output)
    if args.json:
        print(json.dumps({"archive": str(path), "sequences": len(sequences)}))
    else:
        print(f"wrote {path}: {len(sequences)} {record.name} sequences of {args.tracker}")
    return 0


def _export_layout(args: argparse.Namespace, record: BenchmarkRecord) -> int:
    """`harness export --format pysot|pytracking|got10k`: one tracker's one-pass results as that toolkit lays them out."""
    from harness.formats.exported import export_results

    if args.trackers or not args.tracker:
        raise HarnessError(f"--format {args.format} exports one stored tracker: name it with --tracker")
    if not args.output:
        raise HarnessError(f"--format {args.format} needs --output: the folder to write")
    sequences = load_benchmark(record.name, args.root)
    path, repetitions = export_results(args.results, record.name, args.tracker, sequences, args.output, args.format)
    if args.json:
        print(json.dumps({"folder": str(path), "format": args.format, "sequences": len(sequences),
                          "repetitions": repetitions}))
    else:
        print(f"wrote {path}: {len(sequences)} {record.name} sequences of {args.tracker} in {args.format}'s layout"
              f"{f', {repetitions} repetitions' if repetitions > 1 else ''}")
    return 0
