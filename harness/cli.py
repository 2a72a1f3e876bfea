"""`harness`: run trackers on benchmarks through Ray, import published results, score them."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from benchmarks import BenchmarkError
from harness.cli_numbers import gpu_share, positive, whole
from harness.errors import HarnessError
from harness.experiments import EXPERIMENTS
from harness.formats.vot2020_import import VOT_IMPORTED
from harness.metrics.vot.stack import VOT_STACK
from harness.reports import cli as reports_cli
from harness.reports.regress import NOT_EVALUATED, OUTCOMES
from harness.train.command import add_train_parser, train
from harness.viewer.command import add_show_parser, show
from trackers import TrackerError

EPILOG = """\
examples:
  harness run --trackers all --bench synthetic            the embedded default, local Ray
  harness run --trackers opencv-nano --bench otb --root ~/data/OTB100
  harness import --format pysot --bench otb --root ~/data/OTB100 --tracker SiamRPN++ raw/SiamRPN++
  harness eval --bench otb --profile pysot --ci
  harness report --bench otb --profile pysot --profile got10k -o otb.html
  harness table --bench otb,lasot,vot2018 --format latex --fps
  harness leaderboard update --bench otb --profile pysot
  harness regress --bench otb --profile pysot            exit 1 when a tracker got worse, 2 when it cannot tell
  harness bench check --bench lasot --root ~/data/LaSOT
  harness export --submission --bench got10k_test --tracker opencv-nano
  harness trax --tracker siamrpnpp                       a plugin as a TraX tracker, for `vot evaluate` (trackers.ini)
  harness show --bench otb --sequence Couple --trackers SiamRPN++   a sequence's frames with the boxes drawn
  harness list

Results go to results/ (one parquet file per tracker x sequence), reports to reports/.
Every metric is printed with its profile: the reference toolkit whose conventions it reproduces
(pysot, pytracking, pytracking_exclude_invalid, got10k, trackingnet, lasot_matlab).
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--results", type=Path, default=Path("results"), help="results store folder (default: results/)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")


def _bench(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bench", required=True, help="benchmark name (see `harness list`)")
    p.add_argument("--root", type=Path, help="benchmark data folder (else HARNESS_<BENCH>_ROOT)")
    p.add_argument("--profile", help="metric profile (default: the benchmark's official kit)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Benchmark evaluation for single-object visual tracking.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run trackers over a benchmark, store per-frame results, print metrics",
                         description="Shards (tracker x sequence) run on Ray worker actors; complete shards are skipped, so an interrupted run resumes.")
    run.add_argument("--trackers", default="all", help="comma list of tracker names, or `all` (those whose weights are found)")
    _bench(run)
    run.add_argument("--sequences", help="comma list: run only these sequences (any spelling of their names)")
    run.add_argument("--workers", type=whole(1), help="worker actors (default: one per GPU, else one per CPU)")
    run.add_argument("--address", help="join a running Ray cluster: HOST:PORT of its head, or auto (RAY_ADDRESS, else "
                                        "the cluster `ray start` started here); default: start a local one")
    run.add_argument("--gpus-per-worker", type=gpu_share, metavar="G",
                     help="GPU share of each worker actor, e.g. 0.25 for four per GPU (default: 1 when a tracker wants "
                          "a GPU and the cluster has one, else 0)")
    run.add_argument("--shard-timeout", type=positive, metavar="SECONDS",
                     help="time limit of each shard; past it the worker is stopped and the shard recorded as failed "
                          "(default: 120 s + 2 s per frame)")
    run.add_argument("--batch-sequences", type=whole(1), default=1, metavar="N",
                     help="one-pass shards of one Siamese tracker (not cract) that each worker tracks together, "
                          "their search forwards batched; same results (default 1: one at a time; docs/operations.md)")
    run.add_argument("--retries", type=whole(0), default=1,
                     help="runs again of a shard whose worker process died (default 1); tracker errors are not retried")
    run.add_argument("--protocol", choices=list(EXPERIMENTS),
                     help="the experiment (default: the benchmark's own, baseline for VOT, else ope). ope: one pass "
                          "(VOT's unsupervised); baseline: VOT supervised, re-initialised 5 frames after each failure; "
                          "realtime: baseline with frames arriving at --fps")
    run.add_argument("--repetitions", type=whole(1),
                     help=f"runs per sequence (default {VOT_STACK.repetitions} for baseline, stopping after "
                          f"{VOT_STACK.early_stop_after} identical runs as the VOT toolkit does; 1 otherwise)")
    run.add_argument("--fps", type=positive,
                     help=f"frame rate of the realtime protocol when a sequence states none (default {VOT_STACK.realtime_fps:g})")
    run.add_argument("--grace", type=whole(0),
                     help=f"slow calls forgiven after each initialisation in realtime (default {VOT_STACK.grace})")
    run.add_argument("--tracker-opt", action="append", default=[], metavar="TRACKER.KEY=VALUE",
                     help="a tracker option, e.g. siamrpnpp.penalty_k=0.05, siamrpn.weights=model.pth or "
                          "siamrpnpp.inference=fast (Siamese networks: exact, the default, or fast; docs/trackers.md) "
                          "(repeatable)")
    run.add_argument("--weights", type=Path, help="folder holding tracker weights (else HARNESS_WEIGHTS or ./weights)")
    run.add_argument("--reports", type=Path, default=Path("reports"), help="report folder (default: reports/)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    reports_cli.add_viewers_option(run)
    reports_cli.add_ci_options(run)
    _common(run)

    imp = sub.add_parser("import", help="load published raw results into the store",
                         description="pysot: one x,y,w,h file per sequence (one pass; also LaSOT's toolkit's layout "
                                     "and TrackingNet's server archive, zipped or not). pytracking: <param>/<seq>.txt "
                                     "(tab or comma; nfs_/uav_ prefixes dropped) with <seq>_time.txt, or a tracker "
                                     "folder of <param>_000, <param>_001 ... runs (repetitions 1, 2 ...). got10k: the "
                                     "got10k toolkit's <seq>/<seq>_001.txt ... with <seq>_time.txt (also GOT-10k's "
                                     "server archive, zipped or not). vot: the VOT toolkit's and pysot's supervised "
                                     "layout, <seq>/<seq>_001.txt with 1 (initialised), 2 (failure), 0 (skipped) or x,y,w,h per "
                                     "line (stored as --protocol); VOT2020+: a tracker's results/<tracker>/<experiment>/ "
                                     "folder as the toolkit writes it, <seq>/<seq>_<anchor:08d>.txt per anchor "
                                     "(multistart) or <seq>_001.txt (unsupervised, longterm), with _time.value and "
                                     "_confidence.value.")
    imp.add_argument("--format", default="pysot", choices=["pysot", "pytracking", "got10k", "vot"],
                     help="raw result format (default: pysot)")
    imp.add_argument("--sequences", help="comma list: import only these sequences (any spelling of their names)")
    imp.add_argument("--protocol", choices=[n for n, e in EXPERIMENTS.items() if e.kind in VOT_IMPORTED],
                     help="for --format vot: the protocol the results were produced under (default: the benchmark's "
                          "first, baseline for VOT2016-2019, multistart for VOT2020+, longterm for VOT-LT)")
    imp.add_argument("--tracker", required=True, help="name to store the results under")
    imp.add_argument("directory", type=Path, help="folder of result files in --format's layout, or (pysot, got10k) "
                                                  "a server's .zip archive of them, read in place")
    _bench(imp)
    _common(imp)

    ev = sub.add_parser("eval", help="score stored results under a named profile",
                        description="Every stored tracker of the benchmark is scored on its sequences. A tracker with "
                                    "results on only some of them is listed with its coverage and not ranked; "
                                    "--common scores every tracker on the sequences they all have.")
    ev.add_argument("--trackers", help="comma list (default: every tracker stored for the benchmark)")
    ev.add_argument("--sequences", help="comma list: score only these sequences (any spelling of their names)")
    ev.add_argument("--common", action="store_true",
                    help="score every tracker on the sequences all of them have results on")
    ev.add_argument("--pad-missing", action="store_true",
                    help="score a result missing trailing frames with zero boxes there (failures), as pytracking "
                         "does, where the profile's own toolkit would stop (pysot, lasot_matlab); such trackers "
                         "are marked")
    ev.add_argument("--by-attribute", action="store_true",
                    help="success AUC per sequence attribute (OTB's 11, UAV123's 12, LaSOT's 14), same profile")
    ev.add_argument("--protocol", choices=list(EXPERIMENTS),
                    help="which stored runs to score (default: the benchmark's experiment, baseline for VOT, else "
                         "ope); baseline/realtime are scored with the VOT profiles vot_toolkit, pysot, got10k")
    _bench(ev)
    reports_cli.add_report_options(ev)
    _common(ev)

    ls = sub.add_parser("list", help="trackers and benchmarks known here, and why any is unavailable")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.add_argument("--weights", type=Path, help="folder holding tracker weights")

    bench = sub.add_parser("bench", help="benchmark data tools").add_subparsers(dest="bench_command", required=True)
    check = bench.add_parser("check", help="validate a benchmark copy on disk; every problem with file and line",
                             description="Missing frames, annotation length against frame count, malformed lines, "
                                         "list.txt names without a folder. Exit code 1 if any problem is found.")
    check.add_argument("--bench", required=True, help="benchmark name (see `harness list`)")
    check.add_argument("--root", type=Path, help="benchmark data folder (else HARNESS_<BENCH>_ROOT or harness.toml)")
    check.add_argument("--json", action="store_true", help="print the problems as JSON")

    exp = sub.add_parser("export", help="write stored results for another tool: a server submission, a VOT workspace, "
                                        "another toolkit's result layout",
                         description="--format pysot|pytracking|got10k --tracker T --output DIR: T's one-pass results "
                                     "in that toolkit's layout under DIR (pysot: DIR/<seq>.txt; pytracking: DIR/T/<seq>.txt "
                                     "with _time.txt, or DIR/T_000/ ... one folder per repetition; got10k: "
                                     "DIR/<seq>/<seq>_001.txt ... with _time.txt), for its own analysis; --format vot is "
                                     "--vot-workspace. "
                                     "--submission: the archive a benchmark server accepts (GOT-10k, TrackingNet). "
                                     "--vot-workspace DIR: every stored tracker of a VOT benchmark (or --trackers) as a "
                                     "VOT toolkit workspace, scored there with `vot analysis --workspace DIR`; a tracker "
                                     "without results on every sequence is refused, naming them (the toolkit would "
                                     "only log \"Missing results\" and exit 0).")
    what = exp.add_mutually_exclusive_group(required=True)
    what.add_argument("--submission", action="store_true",
                      help="the archive the server accepts (got10k*: GOT-10k, trackingnet*: TrackingNet)")
    what.add_argument("--vot-workspace", type=Path, metavar="DIR", help="write a VOT toolkit workspace to DIR")
    what.add_argument("--format", choices=["pysot", "pytracking", "got10k", "vot"],
                      help="another toolkit's result layout, written to --output (vot: a workspace)")
    exp.add_argument("--protocol", choices=list(EXPERIMENTS), default="baseline",
                     help="with --vot-workspace: which stored runs (default baseline)")
    exp.add_argument("--tracker", help="stored tracker to export (required with --submission and --format)")
    exp.add_argument("--trackers", help="with --vot-workspace: comma list of stored trackers to export (default: "
                                        "every one; each needs results on every sequence)")
    exp.add_argument("--output", type=Path, help="archive path (default: <tracker>_<bench>_submission.zip); with "
                                                  "--format: the folder to write (required)")
    exp.add_argument("--bench", required=True, help="benchmark name, e.g. got10k_test or trackingnet")
    exp.add_argument("--root", type=Path, help="benchmark data folder (else HARNESS_<BENCH>_ROOT or harness.toml)")
    _common(exp)
    trax = sub.add_parser("trax", help="serve a tracker plugin over the TraX protocol, for the VOT toolkit",
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          description="Serves one tracker over TraX on stdin/stdout, so that the VOT toolkit's "
                                      "`vot evaluate`\nruns it in a VOT workspace like any TraX tracker. The tracker is "
                                      "built once and re-initialised\non each region the toolkit sends (a polygon "
                                      "arrives as a polygon: the tracker makes its own\nstart box, as in `harness "
                                      "run`); frames are decoded as `harness run` decodes them. Each\nanswer is the "
                                      "tracker's box as a TraX rectangle, with its score as the property\n`confidence` "
                                      "where finite. Not for a terminal: the toolkit starts it.",
                          epilog="trackers.ini of the workspace (docs/formats.md):\n"
                                 "  [siamrpnpp]\n"
                                 "  label = siamrpnpp\n"
                                 "  protocol = trax\n"
                                 "  command = /abs/path/.venv/bin/harness trax --tracker siamrpnpp --weights /abs/path/weights\n"
                                 "then: vot evaluate --workspace WS siamrpnpp && vot analysis --workspace WS siamrpnpp\n"
                                 "(absolute paths: the toolkit starts the command in a temporary folder). vot-toolkit "
                                 "0.9.0 cannot run\nits supervised experiments (VOT2013-2019 baseline) on any TraX "
                                 "tracker: docs/formats.md says why\nand what runs.")
    trax.add_argument("--tracker", required=True, help="the tracker to serve (one name; see `harness list`)")
    trax.add_argument("--tracker-opt", action="append", default=[], metavar="TRACKER.KEY=VALUE",
                      help="a tracker option as for `harness run`, e.g. opencv-nano.weights_dir=DIR (repeatable)")
    trax.add_argument("--weights", type=Path, help="folder holding tracker weights (else HARNESS_WEIGHTS or ./weights, "
                                                   "relative to the folder the toolkit starts it in: a temporary one)")
    reports_cli.add_parsers(sub, _common)
    add_train_parser(sub)
    add_show_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from harness import commands, trax_serve

    handler = {"run": commands.run, "import": commands.import_, "eval": commands.eval_, "list": commands.list_,
               "bench": commands.bench_check, "export": commands.export, "train": train, "trax": trax_serve.command,
               "show": show,
               **reports_cli.handlers()}
    try:
        if getattr(args, "bench", None):
            from benchmarks.registry import benchmark_record
            from harness.records import record_problems

            record = benchmark_record(args.bench)
            problems = record_problems(record)
            if problems:
                raise HarnessError(f"benchmark {record.name}: its record is incomplete: {'; '.join(problems)}")
            # Aliases (otb100, OTB2015) share one store folder and one default profile.
            args.bench = record.name
        return handler[args.command](args)
    except (HarnessError, BenchmarkError, TrackerError) as exc:
        return _failed(args, str(exc), type(exc).__name__)
    except KeyboardInterrupt:
        print("harness: interrupted; complete shards are kept and the next run resumes", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.command != "regress":
            raise
        # A crash exits 1, which CI reads as "a tracker got worse": the gate says it could not evaluate instead.
        traceback.print_exc()
        return _failed(args, f"unexpected {type(exc).__name__}: {exc}", type(exc).__name__)


def _failed(args: argparse.Namespace, message: str, kind: str) -> int:
    """Print the error (JSON with --json) and return the exit code: 1, or regress's NOT_EVALUATED, so that
    a gate that could not run is never read as a regression."""
    regress = args.command == "regress"
    code = NOT_EVALUATED if regress else 1
    if getattr(args, "json", False):
        outcome = {"outcome": OUTCOMES[code], "exit_code": code} if regress else {}
        print(json.dumps({"error": message, "type": kind, **outcome}))
    else:
        print(f"harness: error: {message}" + (" (the gate could not evaluate: exit 2)" if regress else ""),
              file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
