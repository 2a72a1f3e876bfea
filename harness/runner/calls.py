"""What every experiment's loop does around a tracker call: which frames it runs over, the start box,
the timed call that names the frame when the tracker raises, and the check of what it returned.

`timed_call` also notes the call in progress (`call_in_progress`): a worker asked why a shard is taking
too long answers from another thread with the sequence and frame its tracker is stuck on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks import Sequence
from benchmarks.masks import Masks
from harness.errors import HarnessError
from trackers import Prediction, Tracker

T = TypeVar("T")


class TrackerOutputError(HarnessError):
    """A tracker raised, or returned something that is not a finite x, y, w, h box."""


def usable_box(box: np.ndarray) -> bool:
    return bool(np.isfinite(box).all() and box[2] > 0 and box[3] > 0)


def start_box(tracker: Tracker, region: np.ndarray) -> np.ndarray | None:
    """The box `tracker` starts from at a frame whose ground truth is `region` (its own conversion of
    a polygon or rectangle, `Tracker.init_box`), or None when that is not a usable box."""
    box = np.asarray(tracker.init_box(np.array(region, dtype=np.float64)), dtype=np.float64).reshape(-1)
    return box if box.shape == (4,) and usable_box(box) else None


def frame_paths(sequence: Sequence) -> list[Path]:
    """The frames an experiment runs over: one per annotated frame."""
    if sequence.frames is None:
        raise HarnessError(
            f"sequence {sequence.name!r} has annotations only (no frames); point --root at the dataset's frames to run it"
        )
    return [sequence.frames[i] for i in range(len(sequence))]


@dataclass(frozen=True)
class CallInProgress:
    sequence: str
    frame: int  # 1-based
    since: float  # time.monotonic() when the call began


# One worker process runs one shard at a time; its other threads only read this.
_current: CallInProgress | None = None


def call_in_progress() -> CallInProgress | None:
    """The tracker call this process is making now, or its last one."""
    return _current


def timed_call(fn: Callable[[], T], tracker_name: str, sequence: str, index: int) -> tuple[T, float]:
    """(result, seconds) of one tracker call; an exception is re-raised naming the sequence and frame."""
    global _current
    _current = CallInProgress(sequence, index + 1, time.monotonic())
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:
        raise TrackerOutputError(
            f"tracker {tracker_name!r} raised at frame {index + 1} of sequence {sequence!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return result, time.perf_counter() - start


def checked_box(prediction: Prediction, tracker_name: str, sequence: str, index: int) -> np.ndarray:
    box = np.asarray(prediction.box, np.float64).reshape(-1)
    if box.shape != (4,) or not np.isfinite(box).all():
        raise TrackerOutputError(
            f"tracker {tracker_name!r} returned {box.tolist()} at frame {index + 1} of sequence "
            f"{sequence!r}; expected 4 finite numbers x, y, w, h"
        )
    return box


def checked_mask(prediction: Prediction, tracker_name: str, sequence: str, index: int
                 ) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The prediction's mask as a boolean bitmap and its (x, y) offset, or None when it gave none."""
    if prediction.mask is None:
        return None
    try:
        bitmap, (x, y) = prediction.mask
        bitmap = np.asarray(bitmap)
        offset = (int(x), int(y))
    except (TypeError, ValueError):
        bitmap, offset = np.zeros(0), (0, 0)
    if bitmap.ndim != 2 or bitmap.dtype.kind not in "bui" or not np.isin(bitmap, (0, 1)).all():
        raise TrackerOutputError(
            f"tracker {tracker_name!r} returned a mask that is not a 2-D 0/1 bitmap with an (x, y) offset at frame "
            f"{index + 1} of sequence {sequence!r}")
    return bitmap.astype(bool), offset


def tracked_masks(masks: list, tracker_name: str, sequence: str) -> Masks | None:
    """A run's masks (None at frames without one: the initialisation's, a reset's), or None for a tracker that
    gave none; a tracker that gave a mask on some tracked frames only is an error naming a frame without."""
    given = [m is not None for m in masks[1:]]
    if not any(given):
        return None
    if not all(given):
        frame = given.index(False) + 2
        raise TrackerOutputError(f"tracker {tracker_name!r} gave masks, but none at frame {frame} of sequence "
                                 f"{sequence!r}; a tracker that segments answers every frame with a mask")
    return Masks.from_bitmaps(masks)
