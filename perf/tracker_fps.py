"""Bare-loop tracker speed: cv2.imread each frame and call the tracker, nothing else.

The baseline the harness's runner is compared against (the runner adds scheduling, result
storage and per-frame bookkeeping on top of exactly this work).

    python perf/tracker_fps.py [SEQUENCE_DIR ...] [--tracker opencv-nano] [--weights-dir DIR]

A sequence folder is OTB style (img/*.jpg + groundtruth_rect.txt) or VOT style
(color/*.jpg + groundtruth.txt, boxes or polygons); only the first annotation is read.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import cv2
import numpy as np

from trackers.base import TrackerPlugin
from trackers.registry import get_plugin

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
DEFAULT_SEQUENCES = [
    *sorted((REALDATA / "otb" / "sequences").glob("*")),
    REALDATA / "vot" / "sequences" / "bag",
]


def bare_loop_fps(plugin: TrackerPlugin, frame_paths: list[Path], init_box: np.ndarray) -> float:
    """Frames per second over the whole sequence, decoding included.

    Building the tracker (model loading) happens before the clock starts; the first frame's
    decode and `initialize` are inside it and count as one frame.
    """
    tracker = plugin.create()
    start = time.perf_counter()
    tracker.initialize(cv2.imread(str(frame_paths[0])), init_box)
    for path in frame_paths[1:]:
        tracker.track(cv2.imread(str(path)))
    return len(frame_paths) / (time.perf_counter() - start)


def read_sequence(folder: Path) -> tuple[list[Path], np.ndarray]:
    """Frame paths and the first annotation as x, y, w, h (a polygon becomes its bounding box)."""
    for frames_dir, truth_name in (("img", "groundtruth_rect.txt"), ("color", "groundtruth.txt")):
        if (folder / truth_name).is_file():
            frames = sorted((folder / frames_dir).glob("*.jpg"))
            first = (folder / truth_name).read_text().splitlines()[0]
            values = np.array([float(v) for v in re.split(r"[,\s]+", first.strip())])
            if len(values) == 8:
                xs, ys = values[0::2], values[1::2]
                values = np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])
            return frames, values
    raise SystemExit(f"{folder}: no groundtruth_rect.txt (OTB) or groundtruth.txt (VOT) found")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sequences", nargs="*", type=Path, default=DEFAULT_SEQUENCES)
    parser.add_argument("--tracker", default="opencv-nano")
    default_weights = REALDATA / "models" / "nanotrack-v2"
    parser.add_argument("--weights-dir", default=default_weights if default_weights.is_dir() else None)
    args = parser.parse_args()

    options = {"weights_dir": str(args.weights_dir)} if args.tracker == "opencv-nano" and args.weights_dir else {}
    plugin = get_plugin(args.tracker, options)
    total_frames, total_seconds = 0, 0.0
    for folder in args.sequences:
        frames, init_box = read_sequence(folder)
        fps = bare_loop_fps(plugin, frames, init_box)
        total_frames += len(frames)
        total_seconds += len(frames) / fps
        print(f"{folder.name:<12} {len(frames):>5} frames {fps:8.1f} fps")
    print(f"{'all':<12} {total_frames:>5} frames {total_frames / total_seconds:8.1f} fps "
          f"({args.tracker}, OpenCV {cv2.__version__}, 1 thread, decode included)")


if __name__ == "__main__":
    main()
