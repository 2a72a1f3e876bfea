"""How many times a sequence is run: the VOT toolkit's early stop for deterministic trackers.

The toolkit runs a supervised experiment up to `repetitions` times, but stops after three when
those three trajectories are equal (vot-toolkit 0.9.0 `MultiRunExperiment._can_stop`): a
tracker whose output does not vary is deterministic, whatever it declares. Equal means: at every
frame both are special (initialised, failed, skipped) or their boxes overlap by at least 0.99999
(the toolkit's `Trajectory.equals`; the toolkit rasterises that overlap, we use the exact one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from harness.metrics.boxes import iou_continuous
from harness.store import ShardKey, shard_path

EARLY_STOP_AFTER = 3
EQUAL_OVERLAP = 0.99999


def _trajectory(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = pq.read_table(path, columns=["status", "x", "y", "w", "h"])
    special = np.asarray(table["status"].to_pylist()) != "tracked"
    return special, np.column_stack([table[c].to_numpy() for c in "xywh"])


def trajectories_equal(paths: list[Path]) -> bool:
    first_special, first_boxes = _trajectory(paths[0])
    for path in paths[1:]:
        special, boxes = _trajectory(path)
        if len(special) != len(first_special):
            return False
        both_special = special & first_special
        with np.errstate(invalid="ignore"):
            close = iou_continuous(boxes, first_boxes) >= EQUAL_OVERLAP
        if not np.all(both_special | (close & ~special & ~first_special)):
            return False
    return True


def needs_more(results_root: Path, key: ShardKey, repetitions: int) -> bool:
    """After the first three repetitions of a shard group: must the rest run too?"""
    if repetitions <= EARLY_STOP_AFTER:
        return False
    paths = [shard_path(results_root, ShardKey(key.tracker, key.benchmark, key.sequence, r, key.protocol))
             for r in range(1, EARLY_STOP_AFTER + 1)]
    if not all(p.is_file() for p in paths):
        return False  # a failed repetition: nothing more to learn by running the rest
    return not trajectories_equal(paths)
