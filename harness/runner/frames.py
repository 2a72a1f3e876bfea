"""Frames decoded ahead of the tracker in a background thread.

cv2.imdecode releases the GIL, so decoding the next frames overlaps the tracker's work on the
current one; the queue is bounded so memory stays a few frames deep.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence as Seq
from pathlib import Path

import cv2
import numpy as np

from harness.errors import HarnessError

_DONE = object()


class FrameReadError(HarnessError):
    """A frame file that is missing or is not a decodable image."""


def read_frame(path: Path, sequence: str, index: int) -> np.ndarray:
    """Decode one frame as BGR uint8, or say which sequence and frame could not be read."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise FrameReadError(f"sequence {sequence!r} frame {index + 1}: cannot read {path}: {exc.strerror}") from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise FrameReadError(f"sequence {sequence!r} frame {index + 1}: {path} is not a decodable image")
    return image


def prefetch_frames(paths: Seq[Path], sequence: str, depth: int = 8) -> Iterator[np.ndarray]:
    """Yield decoded frames in order while a thread decodes the ones after them."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for i, path in enumerate(paths):
                if not put(read_frame(path, sequence, i)):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            put(exc)
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name=f"decode-{sequence}", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
