"""A run exported as a VOT toolkit workspace, so that the toolkit's own `vot analysis` can score it.

Layout written (vot-toolkit 0.9.0):

    <workspace>/config.yaml      stack: <workspace>/stack.yaml, registry: [trackers.ini], sequences: <root>
    <workspace>/stack.yaml       the benchmark's short-term stack, reduced to the exported experiment (no download)
    <workspace>/trackers.ini     one entry per tracker (never executed: analysis reads results only)
    <workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<rep:03d>.txt     1 / 2 / 0 / x,y,w,h per frame
    <workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<rep:03d>_time.value   seconds per frame

The stack's numbers come from where the harness keeps them: repetitions, skip and grace from the
experiment, the AR sensitivity from the VOT stack, the EAO interval from the benchmark's record.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks.record import BenchmarkRecord
from harness.errors import HarnessError
from harness.experiments import Experiment
from harness.metrics.vot.stack import VOT_STACK
from harness.store import read_tracker, stored_trackers

_CODES = {"initialized": "1", "failed": "2", "skipped": "0"}


def vot_identifier(name: str) -> str:
    """The toolkit accepts tracker ids of letters, digits, '-' and '_' only."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)


def _experiment_yaml(experiment: Experiment, record: BenchmarkRecord) -> str:
    """The experiment's entry of the stack, in the toolkit's vocabulary (its experiment types)."""
    if experiment.vot_type == "unsupervised":
        return f"    type: unsupervised\n    repetitions: {experiment.default_repetitions}\n" \
               "    analyses:\n      - type: average_accuracy\n"
    if record.eao_interval is None:
        raise HarnessError(f"benchmark {record.name} has no EAO interval; a VOT stack needs one")
    low, high = record.eao_interval
    realtime = f"    realtime:\n      grace: {experiment.grace}\n" if experiment.vot_type == "realtime" else ""
    return (f"    type: supervised\n    repetitions: {experiment.default_repetitions}\n"
            f"    skip_initialize: {experiment.skip_initialize}\n{realtime}    analyses:\n"
            f"      - type: supervised_average_ar\n        sensitivity: {VOT_STACK.sensitivity:g}\n"
            f"      - type: supervised_eao_score\n        low: {low}\n        high: {high}\n"
            f"      - type: supervised_eao_curve\n")


def trajectory_lines(statuses: np.ndarray, boxes: np.ndarray) -> list[str]:
    """One line per frame in the toolkit's text format; boxes written with full precision."""
    return [
        _CODES.get(status) or ",".join(repr(float(v)) for v in box)
        for status, box in zip(statuses, boxes)
    ]


def export_workspace(
    results_root: Path, record: BenchmarkRecord, experiment: Experiment, sequences_root: Path, sequences: list[str],
    workspace: Path,
) -> Path:
    """Write every stored shard of a benchmark's experiment on `sequences` into a fresh VOT workspace."""
    if not (Path(sequences_root) / "list.txt").is_file():
        raise HarnessError(f"{sequences_root} has no list.txt: point at the VOT sequences folder")
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    trackers = stored_trackers(results_root, record.name, experiment.name)
    (workspace / "stack.yaml").write_text(
        f"title: {record.name} short-term (exported by tracking-harness)\nexperiments:\n"
        f"  {experiment.vot_type}:\n{_experiment_yaml(experiment, record)}"
    )
    (workspace / "config.yaml").write_text(
        f"registry:\n- ./trackers.ini\nstack: {(workspace / 'stack.yaml').resolve()}\n"
        f"sequences: {Path(sequences_root).resolve()}\n"
    )
    (workspace / "trackers.ini").write_text(
        "".join(f"[{vot_identifier(t)}]\nlabel = {t}\nprotocol = trax\ncommand = false\n\n" for t in trackers)
    )
    for tracker in trackers:
        for sequence, shards in read_tracker(results_root, record.name, experiment.name, tracker, sequences).items():
            folder = workspace / "results" / vot_identifier(tracker) / experiment.vot_type / sequence
            folder.mkdir(parents=True, exist_ok=True)
            for shard in shards:
                stem = f"{sequence}_{shard.repetition:03d}"
                (folder / f"{stem}.txt").write_text("\n".join(trajectory_lines(shard.statuses, shard.boxes)) + "\n")
                seconds = np.nan_to_num(shard.latency_ms / 1e3, nan=0.0)
                (folder / f"{stem}_time.value").write_text("\n".join(repr(float(t)) for t in seconds) + "\n")
    return workspace
