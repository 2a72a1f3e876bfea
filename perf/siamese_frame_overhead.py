"""The per-frame work of a Siamese tracker outside its network, on CPU: what stays per sequence
when search forwards are batched on a GPU.

    python perf/siamese_frame_overhead.py [--frames 30]

Per variant, CPU time of `search_crop` (the search crop around the last state, OpenCV) plus
`advance` (decoding, penalties, window, selection, state update in numpy), median over decoded
frames of OTB Crossing; the network's forward runs outside the clock. Full-width networks with
random (seeded) weights: the decoding's cost does not depend on the weights. Prints.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from trackers.base import TrackerInfo
from trackers.siamese.config import VARIANTS
from trackers.siamese.model import build_model
from trackers.siamese.tracker import SiamRPNTracker, sample, to_tensor

from crossing import crossing


@torch.inference_mode()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    frames, box = crossing(args.frames)
    for name, variant in VARIANTS.items():
        torch.manual_seed(0)
        tracker = SiamRPNTracker(build_model(variant), variant, variant.track, torch.device("cpu"),
                                 TrackerInfo(name=name, version="perf", deterministic=True))
        tracker.initialize(frames[0], box)
        spent = []
        for frame in frames[1:]:
            start = time.thread_time()
            search = tracker.search_crop(frame)
            before = time.thread_time() - start
            maps = sample(tracker.forward(to_tensor([search.crop], tracker.device), tracker.template), 0)
            start = time.thread_time()
            tracker.advance(search, maps)
            spent.append(before + time.thread_time() - start)
        print(f"{name}: crop + decoding {statistics.median(spent[1:]) * 1e3:.2f} ms per frame (median of "
              f"{len(spent) - 1}, CPU time)", flush=True)


if __name__ == "__main__":
    main()
