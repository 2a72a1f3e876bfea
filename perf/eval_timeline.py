"""Where one `harness eval` process spends its wall time: marks printed to stderr at the end of the
imports, of loading the benchmark, of scoring (two trackers at a time on two threads),
of printing the table and of writing the reports.

    python perf/eval_timeline.py eval --bench lasot --root DIR --results DIR --json >/dev/null

Run it outside a checkout with PYTHONPATH pointing at the code to time (see perf/eval_speed.py).
"""

from __future__ import annotations

import sys
import time

START = time.perf_counter()


def mark(what: str) -> None:
    print(f"{time.perf_counter() - START:6.3f} s  {what}", file=sys.stderr)


def wrapped(function, before: str | None, after: str | None):
    def call(*args, **kwargs):
        if before:
            mark(before)
        result = function(*args, **kwargs)
        if after:
            mark(after)
        return result
    return call


def main() -> int:
    import harness.commands as commands
    from harness.cli import main as cli

    mark("imports done")
    commands.load_benchmark = wrapped(commands.load_benchmark, None, "benchmark loaded")
    commands.score_stored = wrapped(commands.score_stored, None, "scored (two trackers at a time, each read then scored on its own thread)")
    commands.write_reports = wrapped(commands.write_reports, "table printed", "reports written")
    return cli(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
