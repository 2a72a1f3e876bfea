"""The viewer's overlays drawn into the frames with OpenCV, for slides: an MP4 (OpenCV's VideoWriter, mp4v) or an
animated GIF (OpenCV's `imwriteanimation`, OpenCV 4.11 and later; else Pillow where installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from benchmarks.masks import Masks
from harness.errors import HarnessError
from harness.store import STATUSES
from harness.viewer.data import SequenceView
from harness.viewer.frames import read_frame
from harness.viewer.page import image_size

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE, _BLACK, _GREY = (255, 255, 255), (0, 0, 0), (128, 128, 128)


def _bgr(colour: str) -> tuple[int, int, int]:
    return int(colour[5:7], 16), int(colour[3:5], 16), int(colour[1:3], 16)


def frame_size(view: SequenceView, side: int | None) -> tuple[int, int]:
    """(width, height) of the video's frames: the sequence's, or with the longest side `side` (even sizes: the
    codecs want them)."""
    width, height = image_size(view)
    factor = 1.0 if side is None else min(1.0, side / max(width, height))
    return max(2, round(width * factor) // 2 * 2), max(2, round(height * factor) // 2 * 2)


def _region(image: np.ndarray, values: np.ndarray, colour: tuple[int, int, int], factor: float, thick: int) -> None:
    finite = values[np.isfinite(values)]
    if len(finite) == 4:
        x, y, w, h = finite
        corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    elif len(finite) == 8:
        corners = finite.reshape(4, 2)
    else:
        return
    points = [np.round(corners * factor * 16).astype(np.int32)]  # 4 fractional bits: sub-pixel corners
    cv2.polylines(image, points, True, _BLACK, thick + 2, cv2.LINE_AA, shift=4)
    cv2.polylines(image, points, True, colour, thick, cv2.LINE_AA, shift=4)


def _mask(image: np.ndarray, masks: Masks | None, frame: int, colour: tuple[int, int, int],
          original: tuple[int, int]) -> None:
    if masks is None or masks.special[frame]:
        return
    bitmap, (x, y) = masks.decode(frame)
    if not bitmap.any():
        return
    height, width = image.shape[:2]
    full = np.zeros((original[1], original[0]), np.uint8)
    bottom, right = min(full.shape[0], y + bitmap.shape[0]), min(full.shape[1], x + bitmap.shape[1])
    if bottom <= y or right <= x:
        return
    full[y:bottom, x:right] = bitmap[: bottom - y, : right - x]
    covered = cv2.resize(full, (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
    image[covered] = (0.55 * image[covered] + 0.45 * np.array(colour)).astype(np.uint8)


def _text(image: np.ndarray, text: str, origin: tuple[int, int], colour: tuple[int, int, int], scale: float) -> None:
    cv2.putText(image, text, origin, _FONT, scale, _BLACK, 2 if scale < 0.6 else 3, cv2.LINE_AA)  # thin at small sizes
    cv2.putText(image, text, origin, _FONT, scale, colour, 1, cv2.LINE_AA)


def draw_regions(image: np.ndarray, view: SequenceView, step: int, thick: int) -> None:
    """The ground truth (white) and every tracker's region of run step `step` in its colour, drawn into `image` (the
    frame at any size: regions are scaled to its width)."""
    original = image_size(view)
    factor = image.shape[1] / original[0]
    if not view.absent[step]:
        _mask(image, view.truth_masks, step, _WHITE, original)
        _region(image, view.truth[step], _WHITE, factor, thick)
    for t in view.trackers:
        if STATUSES[t.status[step]] != "skipped":
            _mask(image, t.masks, step, _bgr(t.colour), original)
            _region(image, t.boxes[step], _bgr(t.colour), factor, thick)


def drawn_frames(view: SequenceView, steps: np.ndarray, side: int | None) -> Iterator[np.ndarray]:
    """Each shown run step's frame with the ground truth (white) and every tracker's region in its colour, the
    frame number, and each tracker's state where it failed or was re-initialised."""
    width, height = frame_size(view, side)
    scale = max(0.35, width / 900)
    thick = max(1, round(width / 400))
    line = round(28 * scale)
    for step in steps:
        frame = read_frame(view.paths[step])
        if frame is None:
            image = np.full((height, width, 3), _GREY, np.uint8)
            _text(image, f"frame missing: {view.paths[step] or 'no frame file'}", (8, height - 12), _WHITE, scale * 0.8)
        else:
            image = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        draw_regions(image, view, step, thick)
        _text(image, f"frame {view.order[step] + 1}", (8, line), _WHITE, scale)
        if view.absent[step]:
            _text(image, "target absent", (8, 2 * line), _WHITE, scale)
        for i, t in enumerate(view.trackers):
            status = STATUSES[t.status[step]]
            state = {"failed": " failed", "skipped": " skipped"}.get(status, "")
            if status == "initialized" and step > 0 and not view.experiment.startswith("multistart"):
                state = " re-initialised"
            _text(image, t.name + state, (8, height - 10 - (len(view.trackers) - 1 - i) * line), _bgr(t.colour), scale)
        yield image


def write_video(view: SequenceView, steps: np.ndarray, output: Path, side: int | None, fps: float) -> Path:
    """An MP4 (mp4v) of the shown frames with their overlays."""
    width, height = frame_size(view, side)
    output.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(output), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise HarnessError(f"{output}: OpenCV cannot write an mp4v video here (its FFmpeg backend is missing)")
    try:
        for image in drawn_frames(view, steps, side):
            writer.write(image)
    finally:
        writer.release()
    return output


def write_gif(view: SequenceView, steps: np.ndarray, output: Path, side: int | None, fps: float) -> Path:
    """An animated GIF of the shown frames with their overlays, looping."""
    images = list(drawn_frames(view, steps, side))
    duration = max(20, round(1000 / fps))
    output.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(cv2, "imwriteanimation"):
        animation = cv2.Animation()
        animation.frames, animation.durations = images, [duration] * len(images)
        if not cv2.imwriteanimation(str(output), animation):
            raise HarnessError(f"{output}: OpenCV could not write the GIF")
        return output
    return gif_with_pillow(images, output, duration)


def gif_with_pillow(images: list[np.ndarray], output: Path, duration: int) -> Path:
    """The GIF through Pillow, for an OpenCV older than 4.11."""
    try:
        from PIL import Image
    except ImportError:
        raise HarnessError(f"{output}: writing a GIF needs OpenCV 4.11 or later, or Pillow (pip install pillow); "
                           "--video writes an MP4") from None
    frames = [Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)) for image in images]
    frames[0].save(output, save_all=True, append_images=frames[1:], duration=duration, loop=0)
    return output
