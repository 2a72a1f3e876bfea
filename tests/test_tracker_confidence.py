"""What each in-repo tracker reports as its per-frame confidence (Prediction.score), which the long-term
analyses threshold (docs/trackers.md, "Confidence (for long-term stacks)"): the Siamese and cascade trackers
the chosen proposal's softmax foreground probability, before the penalty and window; CRACT Eq. 10's
value; NanoTrack OpenCV's tracking score; MIL none (NaN)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.conftest import realdata_path  # noqa: E402
from tests.siamese_thin import save_thin  # noqa: E402
from trackers.cract.checkpoint import save  # noqa: E402
from trackers.cract.config import VARIANTS as CRACT_VARIANTS  # noqa: E402
from trackers.cract.model import build_model  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402
from trackers.siamese.anchors import foreground_scores  # noqa: E402
from trackers.siamese.tracker import sample, to_tensor  # noqa: E402

SIAMESE = ["siamrpn", "siamrpnpp", "siamrpnpp-alex", "siamrpnpp-mobilev2", "crpn", "sctrpn"]


def frames(count: int = 3) -> tuple[list[np.ndarray], np.ndarray]:
    """A textured patch moving over a noisy background."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 255, (180, 240, 3)).astype(np.uint8)
    patch = rng.integers(0, 255, (30, 40, 3)).astype(np.uint8)
    images = []
    for i in range(count):
        image = background.copy()
        image[60 + 2 * i:90 + 2 * i, 80 + 3 * i:120 + 3 * i] = patch
        images.append(image)
    return images, np.array([80.0, 60.0, 40.0, 30.0])


@pytest.mark.parametrize("name", SIAMESE)
def test_siamese_and_cascade_trackers_report_the_chosen_proposals_foreground_probability(name, tmp_path):
    tracker = get_plugin(name, {"weights": str(save_thin(name, tmp_path)), "threads": 1}).create()
    images, box = frames()
    tracker.initialize(images[0], tracker.init_box(box))
    for image in images[1:]:
        score = tracker.track(image).score
        choice = tracker.last_choice
        assert np.isfinite(score) and 0.0 <= score <= 1.0
        # the softmax probability itself, not the penalised and windowed value that picked the proposal
        assert score == choice.score and choice.rate == pytest.approx(tracker._track.lr * choice.penalty * score)


def test_siamese_score_is_the_softmax_of_the_chosen_anchor(tmp_path):
    tracker = get_plugin("siamrpn", {"weights": str(save_thin("siamrpn", tmp_path)), "threads": 1}).create()
    images, box = frames(2)
    tracker.initialize(images[0], tracker.init_box(box))
    search = tracker.search_crop(images[1])
    maps = sample(tracker.forward(to_tensor([search.crop], tracker.device), tracker.template), 0)
    score = tracker.advance(search, maps).score
    assert score == foreground_scores(maps[0])[tracker.last_choice.index]


def test_cract_reports_eq10s_value(tmp_path):
    variant = CRACT_VARIANTS["cract-thin"]
    torch.manual_seed(0)
    path = tmp_path / "cract-thin.pth"
    save(build_model(variant), path, variant, training={"note": "random"})
    small = {"online_init_pos": 20, "online_init_neg": 50, "online_init_gn": 1}  # a short first training
    tracker = get_plugin("cract", {"variant": "thin", "weights": str(path), "threads": 1, **small}).create()
    images, box = frames()
    tracker.initialize(images[0], box)
    for image in images[1:]:
        score = tracker.track(image).score
        assert np.isfinite(score) and score == tracker.last.selection.scores[tracker.last.index]


def test_nano_reports_opencvs_tracking_score():
    weights = realdata_path("models", "nanotrack-v2")
    tracker = get_plugin("opencv-nano", {"weights_dir": str(weights)}).create()
    images, box = frames()
    tracker.initialize(images[0], box)
    values = [tracker.track(image).score for image in images[1:]]
    assert all(np.isfinite(v) and 0.0 <= v <= 1.0 for v in values)


def test_mil_reports_no_confidence():
    tracker = get_plugin("opencv-mil").create()
    images, box = frames()
    tracker.initialize(images[0], box)
    assert all(np.isnan(tracker.track(image).score) for image in images[1:])
