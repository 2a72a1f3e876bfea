"""The first frames of pysot's own tracks (../shared/realdata/golden/pysot-parity), in the fast suite:
the same anchor chosen and the same box, frame by frame, from the same checkpoint. Every piece of the
per-frame work (crop geometry and padding, anchors, decoding, penalty, window, size rate, clipping)
has to agree with pysot's for this to hold, so a change to any of them shows here without the full
sequences of tests/test_pysot_parity.py (marked slow). Also the anchor grid against pysot's own.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

pytest.importorskip("torch")

from tests.conftest import realdata_path  # noqa: E402
from tests.test_pysot_parity import BOX_TOLERANCE, sequence_input  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402
from trackers.siamese.anchors import anchor_grid  # noqa: E402
from trackers.siamese.config import AnchorConfig  # noqa: E402

# Frames 1-4 of each: bag's box jumps 120 px, then grows by a quarter; Crossing's starts 17 px wide
# and moves 70 px a frame, so the penalty, the window, the size rate and the crop origin all decide.
FRAMES = 4


@pytest.fixture(scope="module")
def parity():
    folder = realdata_path("golden", "pysot-parity")
    meta = json.loads((folder / "siamrpn_alex_dwxcorr_pysot_tracks.json").read_text())
    tracks = dict(np.load(folder / "siamrpn_alex_dwxcorr_pysot_tracks.npz"))
    options = {"weights": str(folder / "siamrpn_alex_dwxcorr.pth"), "threads": 1, **meta["track_cfg"]}
    return get_plugin("siamrpnpp-alex", options).create(), tracks


@pytest.mark.parametrize("name", ["bag", "Crossing"])
def test_the_first_frames_are_pysots(name: str, parity):
    tracker, tracks = parity
    files, _, start = sequence_input(name)
    tracker.initialize(cv2.imread(str(files[0])), start)
    boxes, scores, anchors = [], [], []
    for path in files[1 : FRAMES + 1]:
        prediction = tracker.track(cv2.imread(str(path)))
        boxes.append(prediction.box)
        scores.append(prediction.score)
        anchors.append(tracker.last_choice.index)
    np.testing.assert_array_equal(anchors, tracks[f"{name}_anchor_index"][:FRAMES])
    np.testing.assert_allclose(boxes, tracks[f"{name}_boxes"][1 : FRAMES + 1], rtol=0, atol=BOX_TOLERANCE)
    np.testing.assert_allclose(scores, tracks[f"{name}_scores"][1 : FRAMES + 1], rtol=0, atol=1e-5)


@pytest.mark.parametrize(("config", "size"), [("alex", 17), ("r50", 25)])
def test_the_anchor_grid_is_pysots_centred_on_the_crop(config: str, size: int):
    """pysot's tracker builds its grid as its training code does, about 0 instead of the crop's pixel 127."""
    golden = np.load(realdata_path("golden", "training", "anchors.npz"))
    pysot = golden[f"{config}_anchors_center"].reshape(4, -1).T.astype(np.float64)
    pysot[:, :2] -= float(golden[f"{config}_im_c"])
    np.testing.assert_array_equal(anchor_grid(AnchorConfig(), size), pysot)
