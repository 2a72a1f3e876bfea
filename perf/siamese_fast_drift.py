"""How far the `inference` modes move a Siamese tracker's boxes: from pysot's on the parity data, and
from each other with trained weights.

    python perf/siamese_fast_drift.py [--sequence bag] [--frames N]
    python perf/siamese_fast_drift.py --trained [--frames N]

Default: pysot's own tracks with its seeded random checkpoint (realdata/golden/pysot-parity, as
tests/test_pysot_parity.py reads them), tracked again by siamrpnpp-alex with `inference=exact` and
`inference=fast`: the largest box difference from pysot's within the frames run, and the first frame
whose chosen anchor differs.

`--trained`: siamrpnpp-alex and siamrpnpp with their shipped synthetic-trained weights on the real
OTB sequences of the parity data (Couple, Crossing, Football1) and VOT bag, `fast` against `exact`
with every 3x3 and 5x5 stride-1 layer as Winograd (the shipped networks are thin, under the width
where `fast` would choose it): the largest box difference and how many frames chose another anchor.
Prints; docs/trackers.md quotes the figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from benchmarks.sequence import Sequence
from benchmarks.vot import load_vot_sequence
from trackers.registry import get_plugin
from trackers.siamese import inference
from trackers.siamese.region import pysot_init_box

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
GOLDEN = REALDATA / "golden" / "pysot-parity"
VOT = REALDATA / "vot" / "sequences"


def images(sequence: Sequence, frames: int) -> list[np.ndarray]:
    count = min(frames or len(sequence), len(sequence))
    found = sequence.frames
    return [cv2.imread(str(found.directory / found.pattern.format(found.first + i))) for i in range(count)]


def track(name: str, options: dict, frames: list[np.ndarray], start: np.ndarray) -> tuple[np.ndarray, list[int]]:
    tracker = get_plugin(name, options).create()
    tracker.initialize(frames[0], start)
    steps = [(tracker.track(image).box, tracker.last_choice.index) for image in frames[1:]]
    return np.array([b for b, _ in steps]), [a for _, a in steps]


def parity(sequence_name: str, frames: int) -> None:
    meta = json.loads((GOLDEN / "siamrpn_alex_dwxcorr_pysot_tracks.json").read_text())
    tracks = dict(np.load(GOLDEN / "siamrpn_alex_dwxcorr_pysot_tracks.npz"))
    sequence = load_vot_sequence(VOT / sequence_name)
    files = images(sequence, frames)
    start = pysot_init_box(sequence.ground_truth[0])
    want_boxes, want_anchors = tracks[f"{sequence_name}_boxes"], tracks[f"{sequence_name}_anchor_index"]
    for mode in ("exact", "fast"):
        options = {"weights": str(GOLDEN / "siamrpn_alex_dwxcorr.pth"), "threads": 1, "inference": mode, **meta["track_cfg"]}
        boxes, anchors = track("siamrpnpp-alex", options, files, start)
        worst = float(np.abs(boxes - want_boxes[1:len(files)]).max())
        other = [i + 2 for i, (a, b) in enumerate(zip(anchors, want_anchors)) if a != b]
        print(f"{sequence_name} {mode}: {len(files)} frames, largest box difference from pysot {worst:.2e} px, "
              f"first frame with another anchor: {other[0] if other else 'none'}", flush=True)


def trained(frames: int) -> None:
    from benchmarks.otb import load_otb

    inference.WINOGRAD_MIN = 0
    sequences = load_otb(REALDATA / "otb" / "sequences", names=["Couple", "Crossing", "Football1"])
    sequences.append(load_vot_sequence(VOT / "bag"))
    for name in ("siamrpnpp-alex", "siamrpnpp"):
        for sequence in sequences:
            files = images(sequence, frames)
            start = pysot_init_box(sequence.ground_truth[0])
            exact = track(name, {"threads": 1}, files, start)
            fast = track(name, {"threads": 1, "inference": "fast"}, files, start)
            differ = sum(a != b for a, b in zip(exact[1], fast[1]))
            print(f"{name} {sequence.name}: {len(files)} frames, fast vs exact: largest box difference "
                  f"{np.abs(exact[0] - fast[0]).max():.2e} px, frames with another anchor: {differ}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequence", default="bag")
    parser.add_argument("--frames", type=int, default=0, help="0: all")
    parser.add_argument("--trained", action="store_true", help="fast against exact with the shipped trained weights")
    args = parser.parse_args()
    if args.trained:
        trained(args.frames)
    else:
        parity(args.sequence, args.frames)


if __name__ == "__main__":
    main()
