"""The VOT toolkit's overlap of a run's outputs with its ground truth, whatever the ground truth is made of
(rectangles, polygons, masks), as `vot/region/raster.py` `calculate_overlaps` computes it: what the VOT
2020+ experiments score every frame with."""

from __future__ import annotations

import numpy as np

from benchmarks import Sequence
from benchmarks.masks import Masks
from harness.errors import EvaluationError
from harness.experiments.supervised import toolkit_overlap
from harness.metrics.vot.mask_overlap import mask_overlaps


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


def _without(masks: Masks, special: np.ndarray) -> Masks:
    """`masks` with the frames marked `special` emptied (no region: the initialisation's)."""
    counts = np.diff(masks.starts)
    keep = np.repeat(~special, counts)
    starts = np.concatenate([[0], np.cumsum(np.where(special, 0, counts))])
    return Masks(np.where(special[:, None], 0, masks.offsets), np.where(special[:, None], 0, masks.sizes),
                 masks.runs[keep], starts, masks.special | special)
