"""What running OpenCV's MIL in a child process costs: the same frames tracked by cv2.TrackerMIL in this
process and through `trackers.opencv_trackers.MILProcess` (each frame pickled down a pipe, the box back).

    OMP_NUM_THREADS=1 python perf/mil_process.py [--rounds 3] [--json]

Frames are decoded before any clock starts; only `init`/`update` calls are timed. Rounds alternate the
two sides so that load from other processes falls on both alike; reported are the median per-frame
times over rounds and the difference, per sequence (three OTB sequences, VOT's bag).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tracker_fps import DEFAULT_SEQUENCES, read_sequence  # noqa: E402

from trackers.opencv_trackers import MILProcess, to_cv_rect  # noqa: E402


def per_frame_ms(tracker, frames: list[np.ndarray], box: np.ndarray) -> float:
    start = time.perf_counter()
    tracker.init(frames[0], to_cv_rect(box))
    for frame in frames[1:]:
        tracker.update(frame)
    return (time.perf_counter() - start) * 1e3 / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    child = MILProcess(seed=0)
    rows = {}
    for folder in DEFAULT_SEQUENCES:
        paths, box = read_sequence(folder)
        frames = [cv2.imread(str(p)) for p in paths]
        inside, outside = [], []
        for _ in range(args.rounds):
            inside.append(per_frame_ms(cv2.TrackerMIL.create(), frames, box))
            outside.append(per_frame_ms(child, frames, box))
        here, there = statistics.median(inside), statistics.median(outside)
        rows[folder.name] = {"frames": len(frames), "size": f"{frames[0].shape[1]}x{frames[0].shape[0]}",
                             "in_process_ms": round(here, 3), "child_process_ms": round(there, 3),
                             "difference_ms": round(there - here, 3)}
    child.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'sequence':<10} {'frames':>6} {'size':>8} {'in process':>11} {'child':>8} {'difference':>11}")
    for name, r in rows.items():
        print(f"{name:<10} {r['frames']:>6} {r['size']:>8} {r['in_process_ms']:>8.2f} ms {r['child_process_ms']:>5.2f} ms "
              f"{r['difference_ms']:>+8.2f} ms")


if __name__ == "__main__":
    main()
