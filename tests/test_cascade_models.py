"""The cascaded networks: parameter counts, map sizes, the two fusion blocks, and a one-stage C-RPN
that is SiamRPN."""

from __future__ import annotations

import dataclasses
import math
import warnings

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.conftest import realdata_path  # noqa: E402
from trackers.base import TrackerInfo  # noqa: E402
from trackers.siamese.cascade.config import CASCADE_VARIANTS, CascadeConfig, CascadeModelConfig, CascadeVariant  # noqa: E402
from trackers.siamese.cascade.ftb import FTB  # noqa: E402
from trackers.siamese.cascade.model import CascadeRPN, build_cascade_model  # noqa: E402
from trackers.siamese.cascade.stn import STNFusion, affine_matrices, spatial_transform  # noqa: E402
from trackers.siamese.cascade.tracker import CascadeTracker  # noqa: E402
from trackers.siamese.config import VARIANTS, ModelConfig  # noqa: E402
from trackers.siamese.model import build_model  # noqa: E402
from trackers.siamese.tracker import SiamRPNTracker  # noqa: E402

K = 5
# Full-width parameter counts (weights, biases, bn affine; no bn running statistics).
PARAMETERS = {
    ("crpn", "up"): 109_805_612,
    ("sctrpn", "up"): 108_319_734,
    ("crpn", "dw"): 19_702_682,
    ("sctrpn", "dw"): 18_216_804,
}
PARTS = {  # full width, up-channel heads
    "backbone": 3_749_952, "rpn1": 18_882_980, "rpn2": 42_480_036, "rpn3": 42_480_036,
    "ftb2": 885_120, "ftb3": 1_327_488, "stn2": 246_533, "stn3": 480_197,
}


def conv(i: int, o: int, k: int, bias: bool = True) -> int:
    return i * o * k * k + (o if bias else 0)


def alexnet_count(w: float) -> int:
    c = [3] + [int(x * w) for x in (96, 256, 384, 384, 256)]
    return sum(conv(c[i], c[i + 1], k) + 2 * c[i + 1] for i, k in enumerate((11, 5, 3, 3, 3)))


def up_count(c: int) -> int:
    return conv(c, 2 * K * c, 3) + conv(c, 4 * K * c, 3) + 2 * conv(c, c, 3) + conv(4 * K, 4 * K, 1)


def dw_count(c: int) -> int:
    branch = lambda out: 2 * (conv(c, c, 3, bias=False) + 2 * c) + conv(c, c, 1, bias=False) + 2 * c + conv(c, out, 1)  # noqa: E731
    return branch(2 * K) + branch(4 * K)


def fusion_count(kind: str, deep: int, shallow: int) -> int:
    if kind == "ftb":
        return conv(deep, shallow, 3)
    hidden = max(1, deep // 4)
    return conv(deep, hidden, 3) + hidden * 5 + 5 + conv(deep, shallow, 1)


def expected_count(fusion: str, head: str, w: float = 1.0, stages: int = 3) -> int:
    widths = [int(256 * w), int(384 * w), int(384 * w)]
    heads = sum((up_count if head == "up" else dw_count)(c) for c in widths[:stages])
    fusions = sum(fusion_count(fusion, widths[i], widths[i + 1]) for i in range(stages - 1))
    return alexnet_count(w) + heads + fusions


def cascade(fusion: str, width: float = 0.25, stages: int = 3, head: str = "up") -> CascadeVariant:
    name = "crpn" if fusion == "ftb" else "sctrpn"
    return dataclasses.replace(CASCADE_VARIANTS[name], model=CascadeModelConfig(fusion, stages, head, width))


def counts_by_part(model: torch.nn.Module) -> dict[str, int]:
    parts: dict[str, int] = {}
    for name, p in model.named_parameters():
        parts[name.split(".")[0]] = parts.get(name.split(".")[0], 0) + p.numel()
    return parts


@pytest.mark.parametrize(("name", "head"), sorted(PARAMETERS))
def test_full_width_parameter_counts_per_variant_and_part(name: str, head: str):
    variant = dataclasses.replace(CASCADE_VARIANTS[name], model=dataclasses.replace(CASCADE_VARIANTS[name].model, head=head))
    with torch.device("meta"):  # counted, never allocated: the up-channel heads hold 100 M parameters
        model = CascadeRPN(variant.model, K)
    parts = counts_by_part(model)
    assert sum(parts.values()) == PARAMETERS[name, head] == expected_count(variant.model.fusion, head)
    if head == "up":
        fusion = "ftb" if name == "crpn" else "stn"
        assert parts == {"backbone": PARTS["backbone"], "rpn1": PARTS["rpn1"], "rpn2": PARTS["rpn2"], "rpn3": PARTS["rpn3"],
                         "fuse2": PARTS[f"{fusion}2"], "fuse3": PARTS[f"{fusion}3"]}
        assert parts["backbone"] + parts["rpn1"] == 22_632_932  # the released SiamRPN's count


@pytest.mark.parametrize(("fusion", "width", "stages", "head"), [
    ("ftb", 0.25, 3, "up"), ("stn", 0.125, 3, "dw"), ("ftb", 0.5, 2, "dw"), ("stn", 0.25, 1, "up"),
])
def test_thin_parameter_counts_follow_the_width(fusion: str, width: float, stages: int, head: str):
    model = build_cascade_model(cascade(fusion, width, stages, head))
    assert sum(p.numel() for p in model.parameters()) == expected_count(fusion, head, width, stages)


@pytest.mark.parametrize(("fusion", "instance", "score"), [("ftb", 255, 17), ("stn", 255, 17), ("ftb", 287, 21)])
@torch.inference_mode()
def test_every_stage_gives_maps_of_one_size(fusion: str, instance: int, score: int):
    model = build_cascade_model(cascade(fusion))
    generator = torch.Generator().manual_seed(0)
    z, x = torch.rand(1, 3, 127, 127, generator=generator) * 255, torch.rand(2, 3, instance, instance, generator=generator) * 255
    layers = model.backbone(z)
    assert [tuple(f.shape[-2:]) for f in layers] == [(10, 10), (8, 8), (6, 6)]  # conv3, conv4, conv5
    stages = model(z, x)
    assert len(stages) == 3
    for cls, loc in stages:
        assert tuple(cls.shape) == (2, 2 * K, score, score) and tuple(loc.shape) == (2, 4 * K, score, score)
    assert len(model.track(x, model.template(z), stages=2)) == 2


def test_the_ftb_is_deconvolution_sum_and_relu_and_interpolates_only_when_sizes_differ():
    torch.manual_seed(0)
    block = FTB(6, 4)
    deep, shallow = torch.randn(2, 6, 5, 5), torch.randn(2, 4, 7, 7)
    out = block(deep, shallow)
    assert torch.equal(out, torch.relu(block.deconv(deep) + shallow))
    odd = torch.randn(2, 4, 9, 9)
    resized = torch.nn.functional.interpolate(block.deconv(deep), size=(9, 9), mode="bilinear", align_corners=False)
    assert torch.allclose(block(deep, odd), torch.relu(resized + odd))


def test_the_stn_with_zero_angle_and_identity_transform_is_the_identity():
    features = torch.randn(2, 3, 22, 22)
    raw = torch.zeros(2, 5)  # zero angle, unit scales, no shift
    same = spatial_transform(features, affine_matrices(raw, (22, 22), (22, 22)), (22, 22))
    assert torch.allclose(same, features, atol=1e-5)
    fusion = STNFusion(3, 3)  # a fresh module starts at the identity transform
    assert torch.allclose(fusion.matrices(features, (22, 22)), torch.eye(2, 3).expand(2, 2, 3))


def test_the_stn_puts_each_deep_cell_on_the_shallow_cell_with_the_same_centre():
    deep = torch.randn(1, 2, 6, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its settings are explicit: torch warns about defaults every call
        out = spatial_transform(deep, affine_matrices(torch.zeros(1, 5), (6, 6), (8, 8)), (8, 8))
    assert torch.allclose(out[..., 1:7, 1:7], deep, atol=1e-5)  # conv5 cell i under conv4 cell i + 1
    assert out[..., 0, :].abs().max() < 1e-5 and out[..., :, 7].abs().max() < 1e-5  # beyond the deep map: zero


def test_the_stn_rotation_is_clamped_to_ten_degrees():
    raw = torch.zeros(4, 5)
    raw[:, 0] = torch.tensor([1e4, -1e4, 0.3, 0.0])
    m = affine_matrices(raw, (8, 8), (8, 8))
    angles = torch.rad2deg(torch.atan2(m[:, 1, 0], m[:, 0, 0]))
    assert angles[0].item() == pytest.approx(10.0) and angles[1].item() == pytest.approx(-10.0)
    assert angles[2].item() == pytest.approx(10.0 * math.tanh(0.3), rel=1e-5) and angles[3].item() == 0.0
    raw[:, 1:] = torch.tensor([1e4, -1e4, 1e4, -1e4])  # scales and shifts saturate too: 2x and 1/2, half the map
    m = affine_matrices(raw, (8, 8), (10, 10))[0].double()  # output over input: 10 / 8
    c, s = math.cos(math.radians(10)), math.sin(math.radians(10))
    want = torch.tensor([[2 * c, -0.5 * s, 1.0], [2 * s, 0.5 * c, -1.0]], dtype=torch.float64) * 1.25
    assert torch.allclose(m, want, rtol=1e-6, atol=0)  # float32 sin and cos: 1e-7 relative


@pytest.fixture(scope="module")
def crossing() -> tuple[list[np.ndarray], np.ndarray]:
    seq = realdata_path("otb", "sequences", "Crossing")
    frames = [cv2.imread(str(p)) for p in sorted((seq / "img").glob("*.jpg"))[:8]]
    return frames, np.loadtxt(seq / "groundtruth_rect.txt", max_rows=1)


def run(tracker, frames: list[np.ndarray], box: np.ndarray) -> np.ndarray:
    tracker.initialize(frames[0], box)
    return np.array([tracker.track(frame).box for frame in frames[1:]])


@torch.inference_mode()
def test_a_one_stage_crpn_without_its_filter_is_siamrpn(crossing):
    frames, box = crossing
    siam_variant = dataclasses.replace(VARIANTS["siamrpn"], model=ModelConfig("alexnet", "up", width_mult=0.25, channels=64))
    torch.manual_seed(0)
    siam = build_model(siam_variant)
    siam.rpn_head.loc_adjust.weight.mul_(1e-3)  # random offsets this small keep the box inside the frame
    siam.rpn_head.loc_adjust.bias.mul_(1e-3)
    crpn_variant = cascade("ftb", 0.25, stages=1)
    crpn = build_cascade_model(crpn_variant)
    crpn.load_state_dict({k.replace("rpn_head.", "rpn1."): v for k, v in siam.state_dict().items()})

    generator = torch.Generator().manual_seed(0)
    z, x = torch.rand(1, 3, 127, 127, generator=generator) * 255, torch.rand(1, 3, 255, 255, generator=generator) * 255
    ((cls, loc),) = crpn(z, x)
    want_cls, want_loc = siam(z, x)
    assert torch.equal(cls, want_cls) and torch.equal(loc, want_loc)

    info = TrackerInfo(name="t", version="test", deterministic=True)
    cpu = torch.device("cpu")
    ours = CascadeTracker(crpn, crpn_variant, siam_variant.track, CascadeConfig(theta=1.0), cpu, info)
    theirs = SiamRPNTracker(siam, siam_variant, siam_variant.track, cpu, info)
    boxes = run(ours, frames, box)
    np.testing.assert_array_equal(boxes, run(theirs, frames, box))
    assert np.abs(boxes[-1] - box).max() > 1  # the box moved, and stayed in the frame
    assert (boxes[:, :2] > 0).all() and (boxes[:, 0] + boxes[:, 2] < frames[0].shape[1]).all()


@torch.inference_mode()
def test_the_template_side_runs_once_per_target(crossing):
    frames, box = crossing
    variant = cascade("stn", 0.125)
    model = build_cascade_model(variant)
    sizes: list[int] = []
    template_calls = []
    model.backbone.register_forward_hook(lambda _m, inputs, _o: sizes.append(inputs[0].shape[-1]))
    for stage in (1, 2, 3):
        getattr(model, f"rpn{stage}").template_cls_conv.register_forward_hook(lambda *_: template_calls.append(1))
    tracker = CascadeTracker(model, variant, variant.track, variant.cascade, torch.device("cpu"),
                             TrackerInfo(name="t", version="test", deterministic=True))
    run(tracker, frames, box)
    assert sizes == [127] + [255] * (len(frames) - 1) and len(template_calls) == 3
    assert len(tracker.last_stages) == 3 and tracker.last_choice is not None
    assert tracker.last_stages[-1].survivors[tracker.last_choice.index]


def test_the_papers_widths_are_the_default():
    for name in CASCADE_VARIANTS:
        model_config = CASCADE_VARIANTS[name].model
        assert (model_config.width_mult, model_config.stages, model_config.head) == (1.0, 3, "up")


def test_the_stn_scales_each_axis_by_its_own_size_ratio():
    m = affine_matrices(torch.zeros(1, 5), (6, 8), (8, 10))[0]  # in: 6 rows x 8 columns; out: 8 x 10
    assert torch.allclose(m, torch.tensor([[10 / 8, 0.0, 0.0], [0.0, 8 / 6, 0.0]]), rtol=1e-6, atol=0)


def test_the_stn_module_is_its_localisation_net_sampler_projection_sum_and_relu():
    """A trained-looking module (every weight random, the last layer no longer zero): the localisation
    net is 3x3 conv, ReLU, average pool, linear; the output ReLU(P(T(deep)) + shallow)."""
    torch.manual_seed(3)
    fusion = STNFusion(8, 4)
    with torch.no_grad():
        fusion.locnet[-1].weight.normal_(0, 0.5)
        fusion.locnet[-1].bias.normal_(0, 0.5)
    conv, linear = fusion.locnet[0], fusion.locnet[-1]
    deep, shallow = torch.randn(2, 8, 6, 6), torch.randn(2, 4, 8, 8)
    raw = torch.nn.functional.linear(torch.relu(torch.nn.functional.conv2d(deep, conv.weight, conv.bias)).mean((2, 3)),
                                     linear.weight, linear.bias)
    assert raw.abs().min() > 0.01  # the transform is not the identity
    matrices = affine_matrices(raw, (6, 6), (8, 8))
    assert torch.allclose(fusion.matrices(deep, (8, 8)), matrices, atol=1e-6)
    want = torch.relu(fusion.project(spatial_transform(deep, matrices, (8, 8))) + shallow)
    assert torch.allclose(fusion(deep, shallow), want, atol=1e-5)


def test_the_ftb_takes_one_unbatched_feature_as_a_batch_of_one():
    torch.manual_seed(0)
    block = FTB(6, 4)
    deep, shallow = torch.randn(1, 6, 5, 5), torch.randn(1, 4, 7, 7)
    assert torch.allclose(block(deep[0], shallow[0]), block(deep, shallow)[0])


def test_the_localisation_net_keeps_a_quarter_of_the_channels_and_at_least_one():
    # conv 3x3 to max(1, C // 4) channels, linear to 5, 1x1 projection: C=4 -> (36 + 1) + (5 + 5) + (16 + 4)
    assert sum(p.numel() for p in STNFusion(4, 4).parameters()) == 67
    assert sum(p.numel() for p in STNFusion(12, 4).parameters()) == (12 * 3 * 9 + 3) + (3 * 5 + 5) + (12 * 4 + 4)
