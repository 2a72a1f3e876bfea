"""OpenCV's MIL tracker in a process of its own, so that its results depend on (seed, frames) alone.

Why: MIL draws its Haar features with libc ``rand()`` inside ``init`` (``CvHaarEvaluator::FeatureHaar::
generateRandomFeature``), and ``rand()`` has one state per process. In a Ray worker, gRPC's threads
call ``rand()`` too (``grpc_core::BdpEstimator::CompletePing`` and the channel idle filter in
``_raylet.so``, at their own times), so now and then a draw of theirs lands inside MIL's ``init`` and
shifts every feature after it: a run that differs from frame 1 on, with nothing in its provenance
to tell why. Seeding ``srand`` (and ``cv::theRNG``, per thread, which MIL's sampler copies in ``init``)
cannot help while other threads share the generator. Here no other thread exists.

This file is the child's program (``python mil_child.py``), importing only OpenCV, NumPy and the
standard library; `trackers.opencv_trackers` starts it and talks to it with `send`/`receive`:
``("init", seed, image, rect)`` -> ``None``; ``("update", image)`` -> ``(found, rect)``; a failure
comes back as ``("error", message)``.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import struct
import sys
from typing import Any, BinaryIO

_LENGTH = struct.Struct("<Q")


def send(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=5)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def receive(stream: BinaryIO) -> Any:
    """The next message, or EOFError when the other side is gone."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError
    size = _LENGTH.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def libc_srand() -> Any | None:
    """libc's `srand`, or None where the C runtime's symbols cannot be reached (Windows)."""
    try:
        return ctypes.CDLL(None).srand
    except (OSError, TypeError, AttributeError):
        return None


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    import cv2

    cv2.setNumThreads(1)
    srand = libc_srand()
    tracker = None
    while True:
        try:
            message = receive(requests)
        except EOFError:
            return  # the parent is gone (finished, or killed with its worker)
        try:
            if message[0] == "init":
                _, seed, image, rect = message
                cv2.setRNGSeed(seed)
                if srand is not None:
                    srand(seed)
                tracker = cv2.TrackerMIL.create()
                tracker.init(image, rect)
                reply: Any = ("ok", None)
            else:
                found, rect = tracker.update(message[1])
                reply = ("ok", (bool(found), tuple(int(v) for v in rect)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
            reply = ("error", f"{type(exc).__name__}: {exc}")
        send(replies, reply)


if __name__ == "__main__":
    # Replies go on a copy of stdout; anything else printed (OpenCV's warnings) goes to stderr.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, replies)
