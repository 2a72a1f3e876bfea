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

_NAMES = {SKIPPED: "skipped", INITIALISED: "initialized", FAILED: "failed", TRACKED: "tracked"}
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
    status, boxes = (read_vot_binary_file if path.suffix == ".bin" else read_vot_result_file)(path)
    if boxes.shape[1] == 8 and not np.isnan(boxes[:, 4:]).all():
        raise ImportFormatError(f"{path}: polygon outputs cannot be stored; the store keeps x,y,w,h boxes")
    statuses = np.array([_NAMES[c] for c in status])
    return ShardFrames(boxes[:, :4], np.full(len(status), np.nan), statuses, np.full(len(status), np.nan))
