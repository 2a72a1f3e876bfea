"""The VOT toolkit's overlap of a run's outputs with its ground truth, whatever the ground truth is made of
(rectangles, polygons, masks), as `vot/region/raster.py` `calculate_overlaps` computes it: what the VOT
2020+ experiments score every frame with; and pysot's (`pysot_overlaps`), which the long-term `pysot`
profile scores with."""

from __future__ import annotations

import numpy as np

from benchmarks import Sequence
from benchmarks.masks import Masks
from harness.errors import EvaluationError
from harness.experiments.supervised import toolkit_overlap
from harness.metrics.vot.mask_overlap import mask_overlaps
from harness.metrics.vot.regions import prepare_raster, raster_overlaps


def region_overlaps(truth: Sequence, boxes: np.ndarray, present: np.ndarray, masks: Masks | None = None
                    ) -> np.ndarray:
    """(N,) overlap of each frame's output (x, y, w, h, or the tracker's `masks` where it gave them; `present`
    False: a special region, none) with `truth`'s ground truth, bounded by the image, leaving out its ignore
    masks. Rectangles and polygons go through the toolkit's rasteriser (`toolkit_overlap`); a frame whose
    ground truth is a special line (no region), every frame of mask ground truth and every mask output through
    `mask_overlaps`."""
    if truth.image_size is None:
        raise EvaluationError(f"sequence {truth.name!r} has no image size; VOT overlaps are bounded by the image")
    size = (int(truth.image_size[0]), int(truth.image_size[1]))
    if masks is not None:
        if truth.ground_truth.shape[1] == 8 and truth.masks is None:
            raise EvaluationError(f"sequence {truth.name!r}: masks against polygon ground truth are not scored "
                                  "(the toolkit's rasteriser is reproduced for rectangles and masks)")
        truth_side = truth.masks if truth.masks is not None else truth.ground_truth
        return mask_overlaps(_without(masks, ~present), truth_side, size, truth.ignore_masks)
    outputs = np.where(present[:, None], boxes, np.nan)
    if truth.masks is not None:
        return mask_overlaps(outputs, truth.masks, size, truth.ignore_masks)
    special = np.isnan(truth.ground_truth).any(axis=1)
    overlaps = np.empty(len(boxes))
    if (~special).any():
        overlaps[~special] = toolkit_overlap(boxes[~special], truth.ground_truth[~special], size, present[~special])
    if special.any():
        none = Masks.from_runs([None] * int(special.sum()))
        overlaps[special] = mask_overlaps(outputs[special], none, size)
    return overlaps


def pysot_overlaps(truth: Sequence, boxes: np.ndarray, present: np.ndarray, masks: Masks | None = None
                   ) -> np.ndarray:
    """(N,) overlap of each frame's output with `truth` as pysot's F1Benchmark computes it: `calculate_accuracy`
    with bound=(width, height) (toolkit/utils/statistics.py lines 20-55) -> region.pyx `vot_overlap` (lines
    145-189): region.c's overlap of the corners (x, y) .. (x + w, y + h) within [0, width] x [0, height]; NaN
    where either side has no region (a `nan` ground-truth line, read as [0] by VOTLTVideo; `present` False:
    the initialisation's line "1")."""
    if truth.image_size is None:
        raise EvaluationError(f"sequence {truth.name!r} has no image size; pysot bounds overlaps by it")
    if masks is not None or truth.masks is not None:
        raise EvaluationError(f"sequence {truth.name!r}: pysot scores rectangles and polygons, not masks")
    gt = np.asarray(truth.ground_truth, np.float64)
    visible = ~np.isnan(gt).any(axis=1)
    if gt.shape[1] == 4:  # prepare_raster takes rectangles as x, y, w, h with NaN in the polygon columns
        gt = np.pad(gt, ((0, 0), (0, 4)), constant_values=np.nan)
    overlaps = np.full(len(gt), np.nan)
    m = int(visible.sum())
    if m:
        prepared = prepare_raster(gt[visible], np.full(m, truth.image_size[0]), np.full(m, truth.image_size[1]),
                                  pysot=True, bound=0)
        overlaps[visible] = raster_overlaps(prepared, np.arange(m), np.asarray(boxes, np.float64)[visible],
                                            present[visible])
    return overlaps


def _without(masks: Masks, special: np.ndarray) -> Masks:
    """`masks` with the frames marked `special` emptied (no region: the initialisation's)."""
    counts = np.diff(masks.starts)
    keep = np.repeat(~special, counts)
    starts = np.concatenate([[0], np.cumsum(np.where(special, 0, counts))])
    return Masks(np.where(special[:, None], 0, masks.offsets), np.where(special[:, None], 0, masks.sizes),
                 masks.runs[keep], starts, masks.special | special)
