"""One cascade stage on numpy maps: the θ filter and the anchor refinement (C-RPN Sec. 3.3, Alg. 1).

Anchors stay in the anchor-major layout of `anchors.anchor_grid` through every stage: anchor i of
stage l is anchor i of stage 1 moved by the earlier stages' regressions, and is scored at the same
map cell. Dead anchors keep a row (moved like the rest, never used), so every array of every stage
has one row per map cell and anchor. The same code serves tracking and the training loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackers.siamese.anchors import decode_boxes, foreground_scores

MIN_ANCHOR_SIDE = 1.0  # px; a refined anchor never shrinks below this, so the next stage's targets stay finite


@dataclass(frozen=True)
class StageResult:
    """What one stage saw and left: `anchors` (N, 4) it scored (A_l), `alive` (N,) the anchors that
    entered it, `scores` (N,) its foreground probabilities, `survivors` (N,) the anchors passed on
    (A_{l+1}), `refined` (N, 4) every anchor moved by its regression, and whether the filter had to
    be skipped because it would have dropped every anchor."""

    anchors: np.ndarray
    alive: np.ndarray
    scores: np.ndarray
    survivors: np.ndarray
    refined: np.ndarray
    filter_skipped: bool


def refine(deltas: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Eq. 6 as intended (the printed one moves x_a^l by itself and scales w by r_x): the Faster
    R-CNN decoding of the stage's (4k, S, S) regression on its (N, 4) anchors, sides at least 1 px."""
    boxes = decode_boxes(deltas, anchors)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], MIN_ANCHOR_SIDE)
    return boxes


def stage_step(logits: np.ndarray, deltas: np.ndarray, anchors: np.ndarray, alive: np.ndarray, theta: float) -> StageResult:
    """Score the `alive` anchors with this stage's (2k, S, S) logits, drop those whose background
    probability exceeds `theta`, and move every anchor by the (4k, S, S) regression.

    When the filter would leave no anchor, it is skipped for this stage (the anchors that entered
    survive): the papers do not say what happens then, and a tracker must still answer.
    """
    scores = foreground_scores(logits)
    alive = np.asarray(alive, dtype=bool)
    survivors = alive & (1.0 - scores <= theta)
    skipped = not survivors.any()
    if skipped:
        survivors = alive.copy()
    return StageResult(anchors, alive, scores, survivors, refine(deltas, anchors), skipped)


def run_cascade(maps: list[tuple[np.ndarray, np.ndarray]], anchors: np.ndarray, theta: float) -> list[StageResult]:
    """Every stage in turn: stage 1 scores the predefined `anchors` (all alive), stage l the anchors
    stage l-1 refined, among its survivors. `maps` holds each stage's (logits, deltas)."""
    results: list[StageResult] = []
    alive = np.ones(len(anchors), dtype=bool)
    for logits, deltas in maps:
        result = stage_step(logits, deltas, anchors, alive, theta)
        results.append(result)
        anchors, alive = result.refined, result.survivors
    return results
