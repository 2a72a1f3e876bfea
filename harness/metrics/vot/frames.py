"""The trajectories of one evaluation as one frame array, the ground truth as one array, and per-frame
overlaps computed for all of them at once (rectangles and polygons apart)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.vot.pixels import PreparedTruth
from harness.metrics.vot.regions import prepare_raster, raster_overlaps
from harness.metrics.vot.status import INITIALISED, TRACKED

if TYPE_CHECKING:
    from harness.metrics.vot.evaluate import VOTSequenceTruth

_RASTER_CACHE: OrderedDict[tuple[bool, int, bytes], PreparedTruth] = OrderedDict()
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Frames:
    """All scored trajectories, concatenated; trajectory t holds frames start[t] .. start[t] + length[t] - 1."""

    status: np.ndarray
    boxes: np.ndarray
    gt_frame: np.ndarray  # index into the concatenated ground truth of the frame scored
    traj_sequence: np.ndarray  # sequence index of each trajectory
    start: np.ndarray
    length: np.ndarray
    n_repetitions: np.ndarray  # per sequence

    @property
    def traj(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.start)), self.length)

    def burn_in(self, frames: int) -> np.ndarray:
        """Frames within `frames` of the last (re)initialisation (every trajectory starts with one)."""
        index = np.arange(len(self.status))
        last_init = np.maximum.accumulate(np.where(self.status == INITIALISED, index, 0))
        return index - last_init < frames


def truth_arrays(truth: list[VOTSequenceTruth]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every sequence's ground truth as (F, 8) rows (rectangles padded with NaN), and each frame's image size."""
    rows = []
    for seq in truth:
        gt = np.asarray(seq.gt, dtype=np.float64)
        if gt.ndim != 2 or gt.shape[1] not in (4, 8) or not np.isfinite(gt).all():
            raise EvaluationError(f"ground truth of {seq.name}: expected finite (N, 8) or (N, 4) values, {gt.shape}")
        rows.append(gt if gt.shape[1] == 8 else np.concatenate([gt, np.full((len(gt), 4), np.nan)], axis=1))
    sizes = [len(s.gt) for s in truth]
    width = np.repeat([float(s.width) for s in truth], sizes)
    height = np.repeat([float(s.height) for s in truth], sizes)
    return np.concatenate(rows), width, height


def raster_truth(truth: list[VOTSequenceTruth], pysot: bool, bound: int) -> PreparedTruth:
    """Rasterised ground truth, kept for the last few datasets seen: scoring several trackers on one dataset
    rasterises it once (keyed by content, so edited arrays are never served stale)."""
    gt, width, height = truth_arrays(truth)
    digest = hashlib.blake2b(gt.tobytes() + width.tobytes() + height.tobytes(), digest_size=16).digest()
    key = (pysot, bound, digest)
    with _CACHE_LOCK:
        prepared = _RASTER_CACHE.get(key)
    if prepared is None:
        prepared = prepare_raster(gt, width, height, pysot, bound)
    with _CACHE_LOCK:
        _RASTER_CACHE[key] = prepared
        _RASTER_CACHE.move_to_end(key)
        while len(_RASTER_CACHE) > 4:
            _RASTER_CACHE.popitem(last=False)
    return prepared


def by_kind(
    overlap: Callable[[np.ndarray, np.ndarray], np.ndarray], boxes: np.ndarray, scored: np.ndarray
) -> np.ndarray:
    """overlap(rows, regions) separately for rectangles and polygons (rows of NaN x 4 after x, y, w, h)."""
    polygon = scored & ~np.isnan(boxes[:, -1]) if boxes.shape[1] == 8 else np.zeros(len(boxes), dtype=bool)
    out = np.empty(len(boxes))
    for rows, regions in ((np.flatnonzero(~polygon), boxes[~polygon, :4]), (np.flatnonzero(polygon), boxes[polygon])):
        if len(rows):
            out[rows] = overlap(rows, regions)
    return out


def raster(frames: Frames, truth: PreparedTruth) -> np.ndarray:
    """Rasterised overlap of every frame with its ground truth (special frames: the empty region's)."""
    present = frames.status == TRACKED

    def overlap(rows: np.ndarray, regions: np.ndarray) -> np.ndarray:
        return raster_overlaps(truth, frames.gt_frame[rows], regions, present[rows])

    return by_kind(overlap, frames.boxes, present)
