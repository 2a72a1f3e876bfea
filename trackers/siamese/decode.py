"""From one search crop's score and offset maps to the next target state (SiamRPN Sec. 4.2-4.3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackers.base import TrackerError
from trackers.siamese.anchors import decode_boxes, foreground_scores
from trackers.siamese.config import TrackConfig
from trackers.siamese.penalty import apply_window, scale_ratio_penalty, update_size

MIN_SIZE = 10.0  # pixels; the authors' trackers never let a side shrink below this


@dataclass(frozen=True)
class Choice:
    """The proposal picked in one crop; `box` is ``cx, cy, w, h`` in crop pixels around its centre."""

    index: int
    box: np.ndarray
    score: float
    penalty: float
    rate: float


@dataclass(frozen=True)
class TargetState:
    center: np.ndarray
    size: np.ndarray


@dataclass(frozen=True)
class Ranking:
    """Every anchor of one crop, in the anchor-major layout: its decoded box (``cx, cy, w, h`` in
    crop pixels around the centre), foreground probability, scale/ratio penalty, and the score the
    proposals are ranked by (penalised probability blended with the cosine window)."""

    boxes: np.ndarray
    scores: np.ndarray
    penalty: np.ndarray
    ranked: np.ndarray


def start_state(box: np.ndarray) -> TargetState:
    """The state of a start box ``x, y, w, h``: centre ``x + (w - 1) / 2``, as the authors' trackers."""
    x, y, w, h = (float(v) for v in box)
    if not (w > 0 and h > 0):
        raise TrackerError(f"initial box {list(box)} has no area")
    return TargetState(center=np.array([x + (w - 1) / 2, y + (h - 1) / 2]), size=np.array([w, h]))


def state_box(state: TargetState) -> np.ndarray:
    """The box a state is reported as: ``cx - w / 2, cy - h / 2, w, h`` (float64)."""
    (cx, cy), (w, h) = state.center, state.size
    return np.array([cx - w / 2, cy - h / 2, w, h], dtype=np.float64)


def rank(
    logits: np.ndarray, deltas: np.ndarray, anchors: np.ndarray, window: np.ndarray, target_wh: np.ndarray,
    penalty_k: float, window_influence: float,
) -> Ranking:
    """Decode every anchor, penalise size/ratio change from `target_wh` (in crop pixels) and blend
    with the cosine window (SiamRPN Sec. 4.3)."""
    scores = foreground_scores(logits)
    boxes = decode_boxes(deltas, anchors)
    penalty = scale_ratio_penalty(boxes[:, 2:], target_wh, penalty_k)
    return Ranking(boxes, scores, penalty, apply_window(penalty * scores, window, window_influence))


def choose(
    logits: np.ndarray,
    deltas: np.ndarray,
    anchors: np.ndarray,
    window: np.ndarray,
    target_wh: np.ndarray,
    track: TrackConfig,
    alive: np.ndarray | None = None,
) -> Choice:
    """The best of `rank`'s proposals. `rate` is how far the size moves toward the choice.

    `alive` (a boolean per anchor, at least one true) restricts the choice to those anchors: a
    cascade's survivors. Dead anchors are out of the running whatever their window weight."""
    ranking = rank(logits, deltas, anchors, window, target_wh, track.penalty_k, track.window_influence)
    ranked = ranking.ranked
    if alive is not None:
        alive = np.asarray(alive, dtype=bool)
        if alive.shape != ranked.shape or not alive.any():
            raise TrackerError(f"alive mask {alive.shape} with {int(alive.sum())} anchors alive; expected "
                             f"{ranked.shape} with at least one")
        ranked = np.where(alive, ranked, -np.inf)
    best = int(np.argmax(ranked))
    scores, penalty = ranking.scores, ranking.penalty
    rate = track.lr * penalty[best] * scores[best]
    return Choice(index=best, box=ranking.boxes[best].copy(), score=float(scores[best]), penalty=float(penalty[best]),
                  rate=float(rate))


def next_state(state: TargetState, choice: Choice, scale: float, image_hw: tuple[int, int]) -> TargetState:
    """`move_state` to the chosen proposal at the rate of the choice (lr x penalty x score), so an
    unsure or penalised proposal barely changes the size."""
    return move_state(state, choice.box, choice.rate, scale, image_hw)


def move_state(state: TargetState, box: np.ndarray, rate: float, scale: float, image_hw: tuple[int, int]) -> TargetState:
    """Move to `box` (``cx, cy, w, h`` in crop pixels around the crop centre), smooth the size at
    `rate`, and clip both to the image.

    `scale` is crop pixels per image pixel. The centre follows the box at once; only the size is
    smoothed.
    """
    box = box / scale
    center = state.center + box[:2]
    size = update_size(state.size, box[2:], rate)
    height, width = image_hw
    center = np.array([np.clip(center[0], 0, width), np.clip(center[1], 0, height)])
    size = np.array([max(MIN_SIZE, min(size[0], width)), max(MIN_SIZE, min(size[1], height))])
    return TargetState(center=center, size=size)
