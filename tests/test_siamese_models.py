"""The networks: output map sizes of the papers, batching, and translation equivariance."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from trackers.siamese.backbones import AlexNet  # noqa: E402
from trackers.siamese.config import VARIANTS  # noqa: E402
from trackers.siamese.model import SiameseRPN, build_model  # noqa: E402
from trackers.siamese.xcorr import xcorr_depthwise, xcorr_up  # noqa: E402

K = 5


@pytest.fixture(scope="module")
def resnet_model() -> SiameseRPN:
    """ResNet-50 is the slow one to build and run; once per module."""
    torch.manual_seed(0)
    return build_model(VARIANTS["siamrpnpp"])


def images(*sizes: int, batch: int = 1, seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.rand(batch, 3, s, s, generator=generator) * 255 for s in sizes]


@pytest.mark.parametrize(
    ("variant", "instance", "score"),
    [("siamrpn", 255, 17), ("siamrpn", 271, 19), ("siamrpnpp-alex", 287, 21), ("siamrpnpp-mobilev2", 255, 25)],
)
@torch.inference_mode()
def test_output_maps_have_the_papers_sizes(variant: str, instance: int, score: int):
    z, x = images(127, instance)
    cls, loc = build_model(VARIANTS[variant])(z, x)
    assert tuple(cls.shape) == (1, 2 * K, score, score) and tuple(loc.shape) == (1, 4 * K, score, score)


@torch.inference_mode()
def test_resnet_siamrpnpp_gives_25x25_maps_from_a_cropped_7x7_template(resnet_model: SiameseRPN):
    z, x = images(127, 255)
    conv3, conv4, conv5 = resnet_model.backbone(z)
    assert [tuple(f.shape[1:]) for f in (conv3, conv4, conv5)] == [(512, 15, 15), (1024, 15, 15), (2048, 15, 15)]
    adjusted = resnet_model.neck([conv3, conv4, conv5], template=True)
    assert all(tuple(f.shape[1:]) == (256, 7, 7) for f in adjusted)
    cls, loc = resnet_model(z, x)
    assert tuple(cls.shape) == (1, 10, 25, 25) and tuple(loc.shape) == (1, 20, 25, 25)
    fusion = torch.softmax(resnet_model.rpn_head.cls_weight, 0)
    assert fusion.tolist() == pytest.approx([1 / 3] * 3)


@pytest.mark.parametrize("variant", ["siamrpn", "siamrpnpp-alex"])
@torch.inference_mode()
def test_a_batch_gives_what_its_members_give_alone(variant: str):
    model = build_model(VARIANTS[variant])
    z, x = images(127, 255, batch=3)

    def same(a: torch.Tensor, b: torch.Tensor) -> bool:
        # The grouped and the plain convolution sum in different orders: equal to float32 rounding.
        return torch.allclose(a, b, rtol=1e-4, atol=1e-5 * float(b.abs().max()))

    one_template = model.template(z[:1])
    cls, loc = model.track(x, one_template)  # three crops against one template
    for i in range(3):
        alone_cls, alone_loc = model.track(x[i : i + 1], one_template)
        assert same(cls[i], alone_cls[0]) and same(loc[i], alone_loc[0])
    cls, _ = model.track(x, model.template(z))  # crop i against template i
    for i in range(3):
        assert same(cls[i], model(z[i : i + 1], x[i : i + 1])[0][0])


def test_correlations_match_their_definitions():
    search, kernel = torch.randn(2, 4, 9, 9, dtype=torch.float64), torch.randn(2, 4, 3, 3, dtype=torch.float64)
    dw = xcorr_depthwise(search, kernel)
    assert dw[1, 2, 5, 4] == pytest.approx(float((search[1, 2, 5:8, 4:7] * kernel[1, 2]).sum()))
    up_kernel = torch.randn(1, 3 * 4, 3, 3, dtype=torch.float64)  # three filters of four channels
    up = xcorr_up(search, up_kernel)
    assert up.shape == (2, 3, 7, 7)
    assert up[0, 1, 2, 6] == pytest.approx(float((search[0, :, 2:5, 6:9] * up_kernel[0, 4:8]).sum()))
    with pytest.raises(ValueError, match="kernel batch"):
        xcorr_depthwise(search, torch.randn(3, 4, 3, 3, dtype=torch.float64))


def shifted_views(network: torch.nn.Module, size: int, shift: int, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """Features of a crop, of the same crop moved by `shift` pixels right and down, and of the
    larger image holding both."""
    (image,) = images(size + shift)
    image = image.to(dtype)
    with torch.inference_mode():
        whole = network(image)[0]
        first = network(image[..., :size, :size])[0]
        moved = network(image[..., shift:, shift:])[0]
    return whole, first, moved


def test_the_no_padding_alexnet_is_strictly_translation_equivariant():
    # SiamRPN Eq. 1: h(L_{k tau} x) = L_tau h(x) for the total stride k = 8. In float64 the
    # shifted crop's features equal the whole image's, moved by one cell, to rounding.
    alexnet = AlexNet().double().eval()
    whole, first, moved = shifted_views(alexnet, 255, 8, torch.float64)
    n = first.shape[-1]
    assert n == 22 and whole.shape[-1] == 23
    assert torch.allclose(first, whole[..., :n, :n], rtol=0, atol=1e-9)
    assert torch.allclose(moved, whole[..., 1:, 1:], rtol=0, atol=1e-9)


def test_the_alexnet_score_map_follows_the_target_by_whole_cells():
    model = build_model(VARIANTS["siamrpnpp-alex"]).double()
    (z,) = images(127, seed=3)
    template = model.template(z.double())
    scores = shifted_views(lambda x: model.track(x, template), 255, 16, torch.float64)
    whole, first, moved = scores
    assert torch.allclose(moved, whole[..., 2:, 2:], rtol=0, atol=1e-8)
    assert torch.allclose(first, whole[..., :17, :17], rtol=0, atol=1e-8)


def test_the_padded_resnet_is_not_translation_equivariant(resnet_model: SiameseRPN):
    # SiamRPN++ Sec. 3.1: padding makes a border cell see zeros in one crop and image in the
    # other, so the same content gives different features once moved. The shift keeps every
    # stride aligned (stem 2, pool 2, conv3 2), so padding is the only cause.
    whole, first, moved = shifted_views(resnet_model.backbone, 255, 8, torch.float32)
    scale = whole.abs().max()
    assert (moved - whole[..., 1:, 1:]).abs().max() > 0.05 * scale
    assert (first - whole[..., :31, :31]).abs().max() > 0.05 * scale
    # Cells far from every crop border are still equivariant at conv3: the difference is padding's.
    assert torch.allclose(moved[..., 10:20, 10:20], whole[..., 11:21, 11:21], rtol=1e-4, atol=1e-3 * float(scale))
