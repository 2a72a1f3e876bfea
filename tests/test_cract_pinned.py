"""CRACT's boxes on the first 30 frames of OTB Crossing with the shipped synthetic-trained weights,
pinned: a rewrite of the tracker must keep them (tests/test_cract_wiring.py checks each step against
the paper's equations).

The pinned run leaves the online discriminator out of the choice (alpha = 1: Eq. 9's score is the
identifier's alone), since its fit cannot be pinned across machines: five Gauss-Newton steps of ten
conjugate-gradient iterations on a ReLU network turn a change of 1e-15 in the features into 1e-2 in
the weights (docs/trackers.md), so a float32 convolution that rounds differently on another CPU
(AVX-512 or AVX2 oneDNN kernels, torch's vectorised or plain loops) gives other discriminator scores,
other choices and boxes pixels away within a few frames. Without it, a run is a smooth function of
the network's float32 outputs.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from tests.conftest import otb_images  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402
from trackers.weights import synthetic_weights  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# The plugin's boxes on Crossing frames 2-30 and its chosen proposals. Boxes within 2e-3 px, the pysot
# parity test's tolerance: float32 convolutions round differently on other CPUs and the centre
# carries that from frame to frame (tests/test_pysot_parity.py saw 1.6e-3 px by the end of bag; this
# run moved 2e-5 px under oneDNN's AVX2 and SSE4.1 kernels and torch's plain loops). The choices must
# not change: the smallest gap between the best and second-best Eq. 10 scores is 1.1e-3.
PINNED_BOXES = [
    [224.2240, 121.7133, 18.5709, 48.2800], [193.9662, 107.2115, 20.4895, 46.3573],
    [212.1639, 86.9776, 24.2224, 42.0496], [210.4590, 87.5586, 27.3593, 38.5612],
    [207.6473, 88.8357, 30.4515, 35.0810], [205.0141, 90.4515, 32.9513, 31.8440],
    [203.3678, 91.2961, 34.7985, 29.5379], [201.7084, 92.1246, 36.0320, 27.7928],
    [200.4423, 92.6481, 36.8457, 26.4372], [199.0737, 93.1679, 37.0346, 25.4932],
    [198.6861, 93.8800, 37.3203, 24.7312], [198.9138, 93.9571, 37.2093, 24.2071],
    [197.6131, 94.1515, 37.1891, 23.8980], [197.9273, 93.9633, 36.9353, 23.6291],
    [197.9506, 94.2589, 36.6434, 23.4143], [197.3893, 94.8997, 36.5496, 23.2333],
    [197.0992, 94.3018, 35.9665, 23.2222], [197.0106, 94.8097, 35.7771, 23.1216],
    [197.6489, 94.2842, 35.7615, 23.2823], [188.3079, 93.6482, 35.7202, 23.8908],
    [200.6444, 95.4070, 35.9937, 24.0250], [201.7976, 94.0059, 36.5715, 24.0402],
    [202.5313, 93.2072, 36.9778, 24.0268], [192.3609, 95.2372, 37.2109, 24.3801],
    [181.2894, 118.5363, 36.8568, 24.9163], [182.0979, 119.1244, 36.1497, 25.6307],
    [183.2908, 119.7435, 35.0606, 26.2751], [184.7465, 120.4775, 33.8057, 26.6951],
    [187.1642, 120.6944, 32.1345, 27.1312],
]
PINNED_CHOICES = [4, 4, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 9, 0, 0, 0, 0]


def test_the_plugins_boxes_on_crossing_are_pinned():
    """Twice with one tracker: `initialize` starts a sequence afresh (samples, learner, its memory)."""
    images, gt = otb_images("Crossing", 30)
    tracker = get_plugin("cract", {"weights": str(synthetic_weights("cract")), "alpha": 1.0}).create()
    learned = []
    for _ in range(2):
        tracker.initialize(images[0], gt)
        boxes, choices, scores = [], [], []
        for image in images[1:]:
            boxes.append(tracker.track(image).box)
            choices.append(tracker.last.index)
            scores.append(tracker.last.discrimination)
        assert choices == PINNED_CHOICES
        np.testing.assert_allclose(boxes, PINNED_BOXES, rtol=0, atol=2e-3)
        learned.append(([(r.frame, r.kind, r.before, r.after) for r in tracker.learner.history], scores))
    # The discriminator, not pinned, learns the same on this machine the second time (its samples'
    # generator reseeded, its memory emptied).
    assert learned[0][0] == learned[1][0]
    np.testing.assert_array_equal(learned[0][1], learned[1][1])
