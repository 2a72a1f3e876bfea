"""Supervised (VOT) results: stored shards to trajectories, sequences to truth, raw files to shards."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.names import match_names
from harness.errors import EvaluationError, ImportFormatError
from harness.metrics.vot.evaluate import VOTResult, VOTSequenceTruth, VOTTrajectory, evaluate_vot
from harness.metrics.vot.profiles import EAO_INTERVALS, VOT_TAGS
from harness.formats.pysot_text import import_provenance
from harness.formats.vot_text import read_vot_result_file
from harness.metrics.vot.status import TRACKED
from harness.store import ShardFrames, ShardKey, read_results, split_shards, write_shard
from harness.formats.vot_binary import read_vot_binary_file

STATUS_CODES = {"skipped": 0, "initialized": 1, "failed": 2, "tracked": TRACKED}
_NAMES = {code: name for name, code in STATUS_CODES.items()}
_REPETITION = re.compile(r"^(?P<seq>.+)_(?P<rep>\d{3})\.(?P<ext>txt|bin)$")


def vot_truth(sequences: list[Sequence]) -> list[VOTSequenceTruth]:
    truth = []
    for s in sequences:
        if s.image_size is None:
            raise EvaluationError(f"sequence {s.name!r} has no image size; VOT overlaps are bounded by the image")
        width, height = s.image_size
        # A tag with no annotation file is an empty array: pysot's `empty` tag tells it from all-zero.
        tags = {name: np.zeros(0, bool) for name in VOT_TAGS}
        tags.update({name: np.asarray(flags, bool) for name, flags in s.frame_tags.items()})
        truth.append(VOTSequenceTruth(s.name, s.ground_truth, tags, int(width), int(height)))
    return truth


def stored_trajectories(
    results_root: Path, benchmark: str, protocol: str, trackers: list[str] | None = None
) -> dict[str, list[VOTTrajectory]]:
    """Every stored repetition, per tracker, in frame order."""
    out: dict[str, list[VOTTrajectory]] = {}
    for shard in split_shards(read_results(results_root, benchmark, trackers, protocol=protocol)):
        codes = np.array([STATUS_CODES[s] for s in shard.statuses], np.int8)
        boxes = np.where((codes == TRACKED)[:, None], shard.boxes, np.nan)
        out.setdefault(shard.tracker, []).append(VOTTrajectory(shard.sequence, shard.repetition, codes, boxes))
    return out


def score_vot(
    results_root: Path,
    benchmark: str,
    protocol: str,
    sequences: list[Sequence],
    profile: str,
    trackers: list[str] | None = None,
) -> dict[str, VOTResult]:
    year = benchmark if benchmark in EAO_INTERVALS else "vot2018"
    truth = vot_truth(sequences)
    return {
        name: evaluate_vot(trajectories, truth, profile, year)
        for name, trajectories in sorted(stored_trajectories(results_root, benchmark, protocol, trackers).items())
    }


def import_vot_results(
    directory: Path, tracker: str, benchmark: str, sequences: list[Sequence], results_root: Path, protocol: str = "baseline"
) -> tuple[list[str], list[str]]:
    """Load ``<dir>/<seq>/<seq>_<rep>.txt`` (or the toolkit's binary ``.bin``) files as shards.

    Returns (sequences imported, files that could not be placed).
    """
    directory = Path(directory)
    folders = sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    if not folders:
        raise ImportFormatError(f"{directory}: expected one folder per sequence holding <sequence>_001.txt ...")
    mapping, unplaced = match_names(folders, [s.name for s in sequences])
    for name, folder in sorted(mapping.items()):
        files = sorted(p for p in folder.iterdir() if _REPETITION.match(p.name))
        if not files:
            unplaced.append(folder)
            continue
        for path in files:
            status, boxes = (read_vot_binary_file if path.suffix == ".bin" else read_vot_result_file)(path)
            statuses = np.array([_NAMES[c] for c in status])
            if boxes.shape[1] == 8 and not np.isnan(boxes[:, 4:]).all():
                raise ImportFormatError(f"{path}: polygon outputs cannot be stored; the store keeps x,y,w,h boxes")
            frames = ShardFrames(boxes[:, :4], np.full(len(status), np.nan), statuses, np.full(len(status), np.nan))
            rep = int(_REPETITION.match(path.name)["rep"])
            write_shard(results_root, ShardKey(tracker, benchmark, name, rep, protocol), frames,
                        import_provenance(path, "vot"))
    return sorted(mapping), [str(p) for p in unplaced]

