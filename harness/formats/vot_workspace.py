"""A run exported as a VOT toolkit workspace, so that the toolkit's own `vot analysis` can score it.

Layout written (vot-toolkit 0.9.0):

    <workspace>/config.yaml      stack: <workspace>/stack.yaml, registry: [trackers.ini], sequences: <root>
    <workspace>/stack.yaml       the year's short-term stack, without the dataset URL (no download)
    <workspace>/trackers.ini     one entry per tracker (never executed: analysis reads results only)
    <workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<rep:03d>.txt     1 / 2 / 0 / x,y,w,h per frame
    <workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<rep:03d>_time.value   seconds per frame
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from harness.errors import HarnessError
from harness.store import read_results, split_shards

EXPERIMENTS = {"baseline": "baseline", "realtime": "realtime", "ope": "unsupervised"}

# The interval of each year's EAO score; the rest of the stack is the same for 2016-2018.
EAO_INTERVALS = {"vot2016": (108, 371), "vot2017": (100, 356), "vot2018": (100, 356)}

_CODES = {"initialized": "1", "failed": "2", "skipped": "0"}


def vot_identifier(name: str) -> str:
    """The toolkit accepts tracker ids of letters, digits, '-' and '_' only."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)


def _stack(year: str, experiment: str) -> str:
    """The year's stack reduced to the exported experiment, so analysis asks for nothing missing."""
    low, high = EAO_INTERVALS[year]
    supervised = f"""    type: supervised
    repetitions: {15 if experiment == "baseline" else 1}
    skip_initialize: 5
{"    realtime:" + chr(10) + "      grace: 3" + chr(10) if experiment == "realtime" else ""}    analyses:
      - type: supervised_average_ar
        sensitivity: 30
      - type: supervised_eao_score
        low: {low}
        high: {high}
      - type: supervised_eao_curve
"""
    body = supervised if experiment != "unsupervised" else "    type: unsupervised\n    repetitions: 1\n    analyses:\n      - type: average_accuracy\n"
    return f"title: {year} short-term (exported by tracking-harness)\nexperiments:\n  {experiment}:\n{body}"


def trajectory_lines(statuses: np.ndarray, boxes: np.ndarray) -> list[str]:
    """One line per frame in the toolkit's text format; boxes written with full precision."""
    return [
        _CODES.get(status) or ",".join(repr(float(v)) for v in box)
        for status, box in zip(statuses, boxes)
    ]


def export_workspace(
    results_root: Path, benchmark: str, protocol: str, sequences_root: Path, workspace: Path, year: str = "vot2018"
) -> Path:
    """Write every stored shard of a benchmark/protocol into a fresh VOT workspace."""
    if year not in EAO_INTERVALS:
        raise HarnessError(f"no VOT stack for {year!r}; known: {', '.join(EAO_INTERVALS)}")
    if not (Path(sequences_root) / "list.txt").is_file():
        raise HarnessError(f"{sequences_root} has no list.txt: point at the VOT sequences folder")
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    shards = split_shards(read_results(results_root, benchmark, protocol=protocol))
    trackers = sorted({shard.tracker for shard in shards})
    experiment = EXPERIMENTS[protocol]
    (workspace / "stack.yaml").write_text(_stack(year, experiment))
    (workspace / "config.yaml").write_text(
        f"registry:\n- ./trackers.ini\nstack: {(workspace / 'stack.yaml').resolve()}\n"
        f"sequences: {Path(sequences_root).resolve()}\n"
    )
    (workspace / "trackers.ini").write_text(
        "".join(f"[{vot_identifier(t)}]\nlabel = {t}\nprotocol = trax\ncommand = false\n\n" for t in trackers)
    )
    for shard in shards:
        folder = workspace / "results" / vot_identifier(shard.tracker) / experiment / shard.sequence
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{shard.sequence}_{shard.repetition:03d}"
        (folder / f"{stem}.txt").write_text("\n".join(trajectory_lines(shard.statuses, shard.boxes)) + "\n")
        seconds = np.nan_to_num(shard.latency_ms / 1e3, nan=0.0)
        (folder / f"{stem}_time.value").write_text("\n".join(repr(float(t)) for t in seconds) + "\n")
    return workspace
