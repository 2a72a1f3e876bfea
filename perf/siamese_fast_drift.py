"""How far the `inference` modes move siamrpnpp-alex's boxes from pysot's on the parity data.

    python perf/siamese_fast_drift.py [--sequence bag] [--frames N]

pysot's own tracks with its seeded checkpoint (realdata/golden/pysot-parity, as
tests/test_pysot_parity.py reads them), tracked again with `inference=exact` and `inference=fast`:
the largest box difference from pysot's within the frames run, and the first frame whose chosen
anchor differs. Prints; docs/trackers.md quotes the figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from benchmarks.vot import load_vot_sequence
from trackers.registry import get_plugin
from trackers.siamese.region import pysot_init_box

GOLDEN = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "golden" / "pysot-parity"
VOT = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "vot" / "sequences"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequence", default="bag")
    parser.add_argument("--frames", type=int, default=0, help="0: all")
    args = parser.parse_args()

    meta = json.loads((GOLDEN / "siamrpn_alex_dwxcorr_pysot_tracks.json").read_text())
    tracks = dict(np.load(GOLDEN / "siamrpn_alex_dwxcorr_pysot_tracks.npz"))
    sequence = load_vot_sequence(VOT / args.sequence)
    files = sorted((VOT / args.sequence / "color").glob("*.jpg"))
    files = files[: args.frames] if args.frames else files
    start = pysot_init_box(sequence.ground_truth[0])
    want_boxes, want_anchors = tracks[f"{args.sequence}_boxes"], tracks[f"{args.sequence}_anchor_index"]
    for mode in ("exact", "fast"):
        options = {"weights": str(GOLDEN / "siamrpn_alex_dwxcorr.pth"), "threads": 1, "inference": mode, **meta["track_cfg"]}
        tracker = get_plugin("siamrpnpp-alex", options).create()
        tracker.initialize(cv2.imread(str(files[0])), start)
        worst, first_other = 0.0, None
        for i, path in enumerate(files[1:], start=1):
            box = tracker.track(cv2.imread(str(path))).box
            worst = max(worst, float(np.abs(box - want_boxes[i]).max()))
            if first_other is None and tracker.last_choice.index != want_anchors[i - 1]:
                first_other = i + 1
        print(f"{args.sequence} {mode}: {len(files)} frames, largest box difference from pysot {worst:.2e} px, "
              f"first frame with another anchor: {first_other or 'none'}", flush=True)


if __name__ == "__main__":
    main()
