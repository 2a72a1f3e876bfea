"""A run exported as a VOT toolkit workspace, so that the toolkit's own `vot analysis` can score it.

Layout written (vot-toolkit 0.9.0):

    <workspace>/config.yaml      stack: <workspace>/stack.yaml, registry: [trackers.ini], sequences: <root>
    <workspace>/sequences/       only for an annotation-only root (a pysot-style json): list.txt, and per
                                 sequence groundtruth.txt, <tag>.tag and a `sequence` file stating width,
                                 height and length, so the toolkit never looks for frames; for the redetection
                                 experiment, the generated sequences with their frames (0.9.0 cannot run its
                                 transformer from a stack: harness/experiments/redetection.py)
    <workspace>/stack.yaml       the benchmark's stack, reduced to the exported experiment (no download), with
                                 its analyses' per-sequence forms beside them (multistart_ar, accuracy,
                                 pr_curves) so that every sequence's figures can be compared too
    <workspace>/trackers.ini     one entry per tracker (never executed: analysis reads results only)
    <workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<rep:03d>.txt     1 / 2 / 0 / x,y,w,h per frame
    <workspace>/results/<tracker>/<experiment>/<seq>/<seq>_<rep:03d>_time.value   seconds per frame

The stack's numbers come from where the harness keeps them: repetitions, skip and grace from the
experiment, the AR sensitivity from the VOT stack, the EAO interval from the benchmark's record.

Only trackers with results on every sequence are written: `vot analysis` reports a tracker's missing
sequences as "Missing results" among its log lines and still exits 0, so a gap would pass unnoticed.
An incomplete tracker stops the export before anything is written, naming its missing sequences.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.masks import Masks
from benchmarks.record import BenchmarkRecord
from harness.errors import HarnessError
from harness.experiments import Experiment, Redetection
from harness.metrics.vot.stack import VOT_STACK
from harness.evaluate import missing_message
from harness.store import read_tracker, stored_sequences, stored_trackers

_CODES = {"initialized": "1", "failed": "2", "skipped": "0"}


def vot_identifier(name: str) -> str:
    """The toolkit accepts tracker ids of letters, digits, '-' and '_' only."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)


def _experiment_yaml(experiment: Experiment, record: BenchmarkRecord) -> str:
    """The experiment's entry of the stack, in the toolkit's vocabulary (its experiment types)."""
    if experiment.kind == "one-pass":
        return f"    type: unsupervised\n    repetitions: {experiment.default_repetitions}\n" \
               "    analyses:\n      - type: average_accuracy\n"
    if experiment.kind == "unsupervised":  # vot2020..2022 shortterm
        return "    type: unsupervised\n    repetitions: 1\n    analyses:\n      - type: average_accuracy\n" \
               "        name: accuracy\n        burnin: 1\n      - type: accuracy\n        name: accuracy_per_sequence\n" \
               "        burnin: 1\n"
    if experiment.kind == "long-term":  # vot2018..2022 longterm
        return "    type: unsupervised\n    repetitions: 1\n    analyses:\n      - type: average_tpr\n" \
               "        name: average_tpr\n      - type: pr_curve\n      - type: f_curve\n      - type: pr_curves\n"
    if record.eao_interval is None:
        raise HarnessError(f"benchmark {record.name} has no EAO interval; a VOT stack needs one")
    low, high = record.eao_interval
    realtime = f"    realtime:\n      grace: {experiment.grace}\n" if experiment.realtime_fps else ""
    if experiment.kind == "multistart":
        return (f"    type: multistart\n{realtime}    analyses:\n"
                f"      - type: multistart_eao_score\n        name: eaoscore\n        low: {low}\n        high: {high}\n"
                f"      - type: multistart_eao_curve\n        name: eaocurve\n        high: {high}\n"
                f"      - type: multistart_average_ar\n        name: ar\n"
                f"      - type: multistart_ar\n        name: ar_per_sequence\n")
    return (f"    type: supervised\n    repetitions: {experiment.default_repetitions}\n"
            f"    skip_initialize: {experiment.skip_initialize}\n{realtime}    analyses:\n"
            f"      - type: supervised_average_ar\n        sensitivity: {VOT_STACK.sensitivity:g}\n"
            f"      - type: supervised_eao_score\n        low: {low}\n        high: {high}\n"
            f"      - type: supervised_eao_curve\n")


def trajectory_lines(statuses: np.ndarray, boxes: np.ndarray, masks: Masks | None = None) -> list[str]:
    """One line per frame in the toolkit's text format; boxes written with full precision, a tracker's masks
    as the toolkit's `m<x>,<y>,<w>,<h>,<runs>` lines."""
    return [
        _CODES.get(status) or (mask_line(masks, i) if masks is not None and not masks.special[i] else
                               ",".join(repr(float(v)) for v in box))
        for i, (status, box) in enumerate(zip(statuses, boxes))
    ]


def mask_line(masks: Masks, frame: int) -> str:
    runs = masks.runs[masks.starts[frame]:masks.starts[frame + 1]]
    return "m" + ",".join(str(int(v)) for v in (*masks.offsets[frame], *masks.sizes[frame], *runs))


def write_sequences(sequences: list[Sequence], folder: Path) -> Path:
    """The sequences' annotations in the toolkit's layout, without frames (their count and size stated)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "list.txt").write_text("".join(f"{s.name}\n" for s in sequences))
    for s in sequences:
        if s.image_size is None:
            raise HarnessError(f"sequence {s.name!r} has no image size; the VOT toolkit bounds overlaps by it")
        seq = folder / s.name
        seq.mkdir(exist_ok=True)
        rows = (",".join(repr(float(v)) for v in row[~np.isnan(row)]) for row in s.ground_truth)
        (seq / "groundtruth.txt").write_text("\n".join(rows) + "\n")
        for tag, flags in s.frame_tags.items():
            (seq / f"{tag}.tag").write_text("".join("1\n" if f else "0\n" for f in np.asarray(flags, bool)))
        width, height = s.image_size
        fps = f"fps={int(s.fps)}\n" if s.fps and float(s.fps).is_integer() else ""
        (seq / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\n{fps}"
                                      f"width={width}\nheight={height}\nlength={len(s)}\n")
    return folder


def complete_trackers(results_root: Path, record: BenchmarkRecord, experiment: Experiment,
                      sequences: list[Sequence], trackers: list[str] | None) -> list[str]:
    """`trackers` (default: every stored one), each with results on every one of `sequences`; else an
    error naming each incomplete tracker and its missing sequences, and the complete ones to export."""
    names = stored_trackers(results_root, record.name, experiment.name) if trackers is None else trackers
    if not names:
        raise HarnessError(f"no results for benchmark {record.name!r} ({experiment.name}) under "
                           f"{Path(results_root).resolve()}; run or import some first")
    wanted = [s.name for s in sequences]
    covered = {t: set(stored_sequences(results_root, record.name, experiment.name, t, wanted)) for t in names}
    missing = {t: [s for s in wanted if s not in covered[t]] for t in names}
    gaps = [missing_message(t, m, len(wanted), record.name) for t, m in missing.items() if m]
    if gaps:
        complete = [t for t in names if not missing[t]]
        hint = (f"; export the complete ones alone with --trackers {','.join(complete)}" if complete else
                f"; no tracker asked for has results on every {record.name} sequence")
        raise HarnessError(f"VOT workspace not written: {'; '.join(gaps)} (`vot analysis` would only log "
                           f"\"Missing results\" and exit 0){hint}")
    return names


def export_workspace(
    results_root: Path, record: BenchmarkRecord, experiment: Experiment, sequences_root: Path,
    sequences: list[Sequence], workspace: Path, trackers: list[str] | None = None,
) -> Path:
    """Write every stored shard of `trackers` (default: every stored tracker) of a benchmark's experiment on
    `sequences` into a fresh VOT workspace; a tracker without results on some of them is an error
    (`complete_trackers`), raised before anything is written.

    `sequences_root` is the benchmark's root: a sequences folder (holding list.txt) is referred to as
    it is; an annotation-only root (a json) is written into the workspace as annotations."""
    trackers = complete_trackers(results_root, record, experiment, sequences, trackers)
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    if isinstance(experiment, Redetection):
        sequences_root = experiment.write_generated(sequences, workspace / "sequences")
    elif not (Path(sequences_root) / "list.txt").is_file():
        sequences_root = write_sequences(sequences, workspace / "sequences")
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
    by_name = {s.name: s for s in sequences}
    for tracker in trackers:
        names = [s.name for s in sequences]
        stored = read_tracker(results_root, record.name, experiment.name, tracker, names,
                              frames=experiment.shard_lengths(sequences))
        for sequence, shards in stored.items():
            folder = workspace / "results" / vot_identifier(tracker) / experiment.vot_type / sequence
            folder.mkdir(parents=True, exist_ok=True)
            for shard, stem in zip(shards, experiment.trajectory_names(by_name[sequence], shards)):
                (folder / f"{stem}.txt").write_text(
                    "\n".join(trajectory_lines(shard.statuses, shard.boxes, shard.masks)) + "\n")
                seconds = np.nan_to_num(shard.latency_ms / 1e3, nan=0.0)
                (folder / f"{stem}_time.value").write_text("\n".join(repr(float(t)) for t in seconds) + "\n")
                if experiment.kind == "long-term" and shard.scores is not None:
                    (folder / f"{stem}_confidence.value").write_text(
                        "\n".join("" if np.isnan(c) else repr(float(c)) for c in shard.scores) + "\n")
    return workspace
