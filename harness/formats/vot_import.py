"""Published supervised (VOT) results, ``<dir>/<seq>/<seq>_<rep>.txt`` (or the toolkit's binary ``.bin``),
loaded into the store as one shard per repetition."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.names import match_names
from harness.errors import ImportFormatError
from harness.formats.imported import import_provenance
from harness.formats.vot_binary import read_vot_binary_file
from harness.formats.vot_text import read_vot_result_file
from harness.metrics.vot.status import FAILED, INITIALISED, SKIPPED, TRACKED
from harness.store import ShardFrames, ShardKey, write_shard

STATUS_NAMES = {SKIPPED: "skipped", INITIALISED: "initialized", FAILED: "failed", TRACKED: "tracked"}
_REPETITION = re.compile(r"^(?P<seq>.+)_(?P<rep>\d{3})\.(?P<ext>txt|bin)$")


def import_vot_results(
    directory: Path, tracker: str, benchmark: str, sequences: list[Sequence], results_root: Path, experiment: str
) -> tuple[list[str], list[str]]:
    """Store every repetition file of every sequence folder under `experiment`'s store folder.

    Every file is read and checked before the first is stored: one bad line imports nothing.
    Returns (sequences imported, files that could not be placed).
    """
    directory = Path(directory)
    folders = sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    if not folders:
        raise ImportFormatError(f"{directory}: expected one folder per sequence holding <sequence>_001.txt ...")
    mapping, unplaced = match_names(folders, [s.name for s in sequences])
    shards: list[tuple[ShardKey, ShardFrames, Path]] = []
    imported = []
    for name, folder in sorted(mapping.items()):
        files = sorted(p for p in folder.iterdir() if _REPETITION.match(p.name))
        if not files:
            unplaced.append(folder)
            continue
        imported.append(name)
        for path in files:
            rep = int(_REPETITION.match(path.name)["rep"])
            shards.append((ShardKey(tracker, benchmark, name, rep, experiment), _frames(path), path))
    for key, frames, path in shards:
        write_shard(results_root, key, frames, import_provenance(path, "vot"))
    return imported, [str(p) for p in unplaced]


def _frames(path: Path) -> ShardFrames:
    statuses, boxes = read_trajectory(path)
    return ShardFrames(boxes, np.full(len(statuses), np.nan), statuses, np.full(len(statuses), np.nan))


def read_trajectory(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(statuses (N,) names from the store's STATUSES, boxes (N, 4)) of a VOT trajectory, text or binary.

    A polygon is refused naming its line (its frame, in a binary file): the toolkit overlaps the polygon
    itself, so its bounding box would change every overlap, and the store keeps x,y,w,h boxes."""
    binary = path.suffix == ".bin"
    status, boxes = (read_vot_binary_file if binary else read_vot_result_file)(path)
    polygons = np.flatnonzero(~np.isnan(boxes[:, 4:]).all(axis=1)) if boxes.shape[1] == 8 else []
    if len(polygons):
        where = f"{path}: frame {polygons[0] + 1}" if binary else f"{path}:{polygons[0] + 1}"
        raise ImportFormatError(f"{where}: a polygon region; the toolkit overlaps the polygon itself and the store "
                                "keeps x,y,w,h boxes: polygon outputs cannot be imported")
    return np.array([STATUS_NAMES[c] for c in status]), boxes[:, :4]
