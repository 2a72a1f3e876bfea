"""The main job's time: `harness run --trackers all --bench synthetic` from an empty folder.

    python perf/main_job.py [--rounds 2] [--write-docs]

Each round is a fresh shell (`bash -c "time harness run --trackers all --bench synthetic"`) in a new
empty folder, with the environment a new user has: no $HARNESS_WEIGHTS and no ./weights (so the deep
trackers run with the shipped synthetic-trained weights), NanoTrack's files absent. The first round
uses an empty $HARNESS_CACHE, so it includes drawing the benchmark (the first run on a machine); the
others reuse it. Reported: the wall time of the whole command (installation excluded), what ran,
and each tracker's frames per second as the run measured it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import tempfile
import time
from pathlib import Path

import ray
import torch

from docs_section import cpu_model, publish

HEADING = "## The main job: `harness run --trackers all --bench synthetic`"
COMMAND = "harness run --trackers all --bench synthetic"


def one_run(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    env["HARNESS_CACHE"] = str(cache)
    with tempfile.TemporaryDirectory() as folder:
        load = os.getloadavg()[0]
        began = time.perf_counter()
        done = subprocess.run(["bash", "-c", f"time {COMMAND} --json"], cwd=folder, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"the main job failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    shell = re.search(r"real\s+(\d+)m([\d.]+)s", done.stderr)
    skipped = [line for line in done.stderr.splitlines() if line.startswith("harness: skipping")]
    return {"wall": wall, "real": int(shell[1]) * 60 + float(shell[2]), "load_before": load, "load_after": os.getloadavg()[0],
            "shards": report["run"]["shards"], "workers": report["run"]["workers"], "skipped": skipped,
            "trackers": {t: (v["success_auc"], v["fps"]) for t, v in report["trackers"].items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        rounds = [one_run(Path(cache)) for _ in range(args.rounds)]
    for r in rounds:
        print(json.dumps(r), flush=True)
    lines = ["| round | benchmark cache | `time` real (s) | 1-minute load before / after | shards | workers |",
             "|---|---|---|---|---|---|"]
    for i, r in enumerate(rounds, 1):
        lines.append(f"| {i} | {'empty (draws the 312 frames)' if i == 1 else 'warm'} | {r['real']:.1f} | "
                     f"{r['load_before']:.2f} / {r['load_after']:.2f} | {r['shards']['run']} | {r['workers']} |")
    last = rounds[-1]
    fps = ", ".join(f"{t} {v[1]:.1f}" for t, v in sorted(last["trackers"].items(), key=lambda kv: -kv[1][1]))
    body = "\n".join([
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        f"- machine: `nproc` {os.cpu_count()}, {cpu_model()}, no GPU; shared with other engineers' work (load "
        "averages in the table; 2 means both cores busy)",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `python perf/main_job.py --rounds {args.rounds} --write-docs` (each round: `time {COMMAND}`)",
        f"- torch {torch.__version__}, Ray {ray.__version__}, Python {platform.python_version()}",
        f"- trackers run: {', '.join(sorted(last['trackers']))}; skipped: "
        f"{'; '.join(s.removeprefix('harness: skipping ') for s in last['skipped']) or 'none'}",
        "",
        *lines,
        "",
        f"Frames per second of each tracker's own calls in the last round (one torch thread per worker): {fps}.",
    ])
    publish(HEADING, body, args.write_docs)


if __name__ == "__main__":
    main()
