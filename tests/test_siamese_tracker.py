"""The trackers end to end on real frames, with random weights saved in our format.

Random weights prove the plumbing (crops, template, search, decoding, state, plugin, checkpoint),
not accuracy: no test here says where the target is, only that the box is where the network's
outputs and SiamRPN's update put it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.conftest import otb_images  # noqa: E402
from trackers.base import TrackerError, TrackerInfo  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402
from trackers.siamese.checkpoint import save_checkpoint  # noqa: E402
from trackers.siamese.config import VARIANTS  # noqa: E402
from trackers.siamese.model import build_model  # noqa: E402
from trackers.siamese.tracker import SiamRPNTracker  # noqa: E402

FRAMES = 6


@pytest.fixture(scope="module")
def crossing() -> tuple[list[np.ndarray], np.ndarray]:
    return otb_images("Crossing", FRAMES)


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every variant with seeded random weights, in our checkpoint format."""
    root = tmp_path_factory.mktemp("weights")
    paths = {}
    for name, variant in VARIANTS.items():
        torch.manual_seed(0)
        paths[name] = root / name / "model.pth"
        save_checkpoint(build_model(variant), paths[name], variant)
    return paths


def run(tracker, frames: list[np.ndarray], box: np.ndarray) -> list:
    tracker.initialize(frames[0], box)
    return [tracker.track(frame) for frame in frames[1:]]


@pytest.mark.parametrize(("name", "options"), [
    ("siamrpn", {}), ("siamrpnpp", {}), ("siamrpnpp", {"variant": "alex"}), ("siamrpnpp-mobilev2", {"instance_size": 271}),
])
def test_each_variant_tracks_real_frames(name: str, options: dict, crossing, random_weights):
    """Each frame's score is the network's softmax foreground probability of the anchor chosen on
    that frame's crop, and the box follows that choice by SiamRPN's update (Sec. 4.3): the centre
    moves by the proposal's offset, the size toward its size at lr x penalty x score, both mapped
    from crop pixels by the scale of Eq. 15 (127 over the side of the context square)."""
    frames, box = crossing
    plugin = get_plugin(name, {**options, "threads": 2})
    tracker = get_plugin(name, {**options, "threads": 2, "weights": str(random_weights[plugin.variant().name])}).create()
    assert tracker.info.device == "cpu" and tracker.info.deterministic
    lr = plugin.variant().track.lr
    height, width = frames[0].shape[:2]
    network_outputs = []
    forward = tracker.forward
    tracker.forward = lambda crops, template: network_outputs.append(forward(crops, template)) or network_outputs[-1]
    tracker.initialize(frames[0], box)
    centre, size = box[:2] + (box[2:] - 1) / 2, box[2:]
    for frame in frames[1:]:
        prediction = tracker.track(frame)
        choice = tracker.last_choice
        pairs = network_outputs[-1][0][0].double().reshape(2, -1)  # all background logits, then all foreground ones
        assert prediction.score == pytest.approx(float(torch.softmax(pairs, dim=0)[1, choice.index]), abs=1e-12)
        pad = size.sum() / 2
        per_crop_pixel = np.sqrt((size[0] + pad) * (size[1] + pad)) / 127
        centre = np.clip(centre + choice.box[:2] * per_crop_pixel, 0, [width, height])
        rate = lr * choice.penalty * prediction.score
        size = np.clip(size * (1 - rate) + choice.box[2:] * per_crop_pixel * rate, 10, [width, height])
        assert prediction.box.dtype == np.float64
        np.testing.assert_allclose(prediction.box, [*(centre - size / 2), *size], rtol=1e-12)


def test_runs_repeat_exactly_and_reinitialise_cleanly(crossing, random_weights):
    frames, box = crossing
    plugin = get_plugin("siamrpnpp-alex", {"weights": str(random_weights["siamrpnpp-alex"])})
    tracker = plugin.create()
    first = [p.box.tolist() for p in run(tracker, frames, box)]
    again = [p.box.tolist() for p in run(tracker, frames, box)]  # the same tracker, re-initialised
    fresh = [p.box.tolist() for p in run(plugin.create(), frames, box)]
    assert first == again == fresh


@pytest.mark.parametrize("variant", ["siamrpn", "siamrpnpp-mobilev2"])
def test_the_template_branch_stays_out_of_the_per_frame_work(variant: str, crossing):
    frames, box = crossing
    model = build_model(VARIANTS[variant])
    template_side = [
        m for n, m in model.rpn_head.named_modules() if n.endswith(("template_cls_conv", "template_loc_conv", "conv_kernel"))
    ]
    calls = {"template": 0, "backbone": []}
    for module in template_side:
        module.register_forward_hook(lambda *_: calls.__setitem__("template", calls["template"] + 1))
    model.backbone.register_forward_hook(lambda _m, inputs, _o: calls["backbone"].append(inputs[0].shape[-1]))
    info = TrackerInfo(name=variant, version="test", deterministic=True)
    tracker = SiamRPNTracker(model, VARIANTS[variant], VARIANTS[variant].track, torch.device("cpu"), info)
    run(tracker, frames, box)
    assert calls["template"] == len(template_side)  # each once, at initialize
    assert calls["backbone"] == [127] + [VARIANTS[variant].track.instance_size] * (FRAMES - 1)


def test_tracking_before_initialising_is_an_error(random_weights):
    tracker = get_plugin("siamrpnpp-alex", {"weights": str(random_weights["siamrpnpp-alex"])}).create()
    with pytest.raises(TrackerError, match="before initialize"):
        tracker.track(np.zeros((50, 50, 3), np.uint8))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the fallback of a CPU-only torch")
def test_a_gpu_worker_without_cuda_runs_on_the_cpu_and_says_so(random_weights):
    tracker = get_plugin("siamrpnpp-alex", {"weights": str(random_weights["siamrpnpp-alex"])}).create("cuda")
    assert tracker.info.device == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_gives_the_cpu_boxes(crossing, random_weights):
    frames, box = crossing
    plugin = get_plugin("siamrpnpp-mobilev2", {"weights": str(random_weights["siamrpnpp-mobilev2"])})
    gpu = plugin.create("cuda")
    assert gpu.info.device == "cuda"
    on_gpu, on_cpu = run(gpu, frames, box), run(plugin.create("cpu"), frames, box)
    for a, b in zip(on_gpu, on_cpu):
        np.testing.assert_allclose(a.box, b.box, atol=0.5)
