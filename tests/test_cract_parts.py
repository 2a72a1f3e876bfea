"""CRACT's network parts: the dilated ResNet-18, parameter counts per part, pyramid RoIAlign.

The ResNet-18 shapes are written down here from pysot's ``resnet_atrous.resnet18`` (BasicBlock,
[2, 2, 2, 2], 3x3 shortcuts where stride or dilation change), independently of our code; the
head counts from the layer formulas. RoIAlign is checked against a direct bilinear computation in
float64 loops.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trackers.cract.config import VARIANTS  # noqa: E402
from trackers.cract.model import build_model  # noqa: E402
from trackers.cract.online import parameter_count  # noqa: E402
from trackers.cract.roi_align import crop_to_cells, pyramid_roi_align, roi_align  # noqa: E402
from trackers.siamese.backbones import build_backbone  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
Shapes = dict[str, tuple[int, ...]]
BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")
# Learned parameters per part (no bn running statistics), as docs/trackers.md lists them.
PARTS = {
    "cract": {"backbone": 12_552_768, "fusion": 197_120, "adjust": 131_584, "rpn_head": 2_501_150,
              "regressor": 8_523_012, "identifier": 8_521_986},
    "cract-thin": {"backbone": 788_112, "fusion": 12_416, "adjust": 8_320, "rpn_head": 158_366,
                   "regressor": 533_316, "identifier": 533_058},
}
ONLINE = {"cract": (49_152, 147_585), "cract-thin": (6_144, 36_929)}  # (PCA projection, fc layers)


def _bn(prefix: str, channels: int) -> Shapes:
    return {f"{prefix}.weight": (channels,), f"{prefix}.bias": (channels,), f"{prefix}.running_mean": (channels,),
            f"{prefix}.running_var": (channels,), f"{prefix}.num_batches_tracked": ()}


def pysot_resnet18() -> Shapes:
    shapes = {"conv1.weight": (64, 3, 7, 7), **_bn("bn1", 64)}
    in_c = 64
    for stage, width in enumerate([64, 128, 256, 512], start=1):
        for b in range(2):
            p = f"layer{stage}.{b}"
            shapes |= {f"{p}.conv1.weight": (width, in_c if b == 0 else width, 3, 3), **_bn(f"{p}.bn1", width)}
            shapes |= {f"{p}.conv2.weight": (width, width, 3, 3), **_bn(f"{p}.bn2", width)}
            if b == 0 and stage > 1:  # layer1 keeps 64 channels and stride 1: no shortcut conv
                shapes |= {f"{p}.downsample.0.weight": (width, in_c, 3, 3), **_bn(f"{p}.downsample.1", width)}
        in_c = width
    return shapes


def learned(shapes: Shapes) -> int:
    return sum(math.prod(s) for k, s in shapes.items() if not k.endswith(BN_BUFFERS))


def test_resnet18_has_pysots_names_and_shapes_and_stride_8_maps():
    backbone = build_backbone("resnet18").eval()
    assert {k: tuple(v.shape) for k, v in backbone.state_dict().items()} == pysot_resnet18()
    assert sum(p.numel() for p in backbone.parameters()) == learned(pysot_resnet18()) == PARTS["cract"]["backbone"]
    with torch.inference_mode():
        for size, cells in ((127, 15), (255, 31), (271, 33)):
            maps = backbone(torch.zeros(1, 3, size, size))
            assert [tuple(m.shape[1:]) for m in maps] == [(128, cells, cells), (256, cells, cells), (512, cells, cells)]


def _centre_map(module: torch.nn.Module, centre: tuple[float, float]) -> tuple[float, float]:
    """Compose x_in = stride * x_out - padding + dilation * (kernel - 1) / 2 as (scale, offset)."""
    def pair(v):
        return v[0] if isinstance(v, tuple) else v
    k, s, p, d = (pair(getattr(module, a)) for a in ("kernel_size", "stride", "padding", "dilation"))
    scale, offset = centre
    return scale * s, scale * (-p + d * (k - 1) / 2) + offset


def test_cell_m_of_the_maps_sits_on_pixel_8m_plus_7():
    # The RoI mapping (crop pixel -> cell) rests on this; derived here from the layers' own geometry.
    backbone = build_backbone("resnet18")
    centre = _centre_map(backbone.maxpool, _centre_map(backbone.conv1, (1.0, 0.0)))
    for layer in (backbone.layer1, backbone.layer2, backbone.layer3, backbone.layer4):
        for block in layer:
            main = _centre_map(block.conv2, _centre_map(block.conv1, centre))
            if block.downsample is not None:
                assert _centre_map(block.downsample[0], centre) == main  # the shortcut stays aligned
            centre = main
    assert centre == (8.0, 7.0)
    boxes = crop_to_cells(torch.tensor([[7.0, 7.0, 127.0, 247.0]]))
    assert boxes.tolist() == [[0.0, 0.0, 15.0, 30.0]]


@pytest.mark.parametrize("name", list(PARTS))
def test_parameter_counts_per_part(name: str):
    variant = VARIANTS[name]
    model = build_model(variant)
    counts = {n: sum(p.numel() for p in part.parameters()) for n, part in model.named_children()}
    assert counts == PARTS[name]
    # The relation heads from the layer formulas: conv 3x3 on the concatenated pair, fc, fc, fc.
    m = variant.model
    roi, pool = m.roi_channels, max(m.pool_sizes)
    for part, outputs in (("regressor", 4), ("identifier", 2)):
        conv = 2 * roi * m.head_conv * 9 + m.head_conv
        fcs = (m.head_conv * pool * pool + 1) * m.head_fc + (m.head_fc + 1) * m.head_fc + (m.head_fc + 1) * outputs
        assert counts[part] == conv + fcs
    # Fusion 1x1 conv-bn of concat(block 3, block 4); RPN adjust 1x1 conv-bn of block 4.
    block3, block4 = round(256 * m.width_mult), round(512 * m.width_mult)
    assert counts["fusion"] == (block3 + block4) * m.channels + 2 * m.channels
    assert counts["adjust"] == block4 * m.channels + 2 * m.channels
    # The discriminator is learned per sequence and not saved: its 1x1 projection and two fc layers.
    online = variant.online
    dim = min(online.projection, roi)
    assert (dim * roi, parameter_count(dim * pool * pool, online.hidden)) == ONLINE[name]


def bilinear(fmap: np.ndarray, x: float, y: float) -> np.ndarray:
    """The map at (x, y), zero outside its cells, by the four-neighbour formula."""
    _, height, width = fmap.shape
    x0, y0 = math.floor(x), math.floor(y)
    value = np.zeros(fmap.shape[0])
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < height and 0 <= xx < width:
                value += wy * wx * fmap[:, yy, xx]
    return value


def direct_roi_align(fmap: np.ndarray, box: list[float], size: int, ratio: int) -> np.ndarray:
    x1, y1, x2, y2 = box
    bin_w, bin_h = (x2 - x1) / size, (y2 - y1) / size
    out = np.zeros((fmap.shape[0], size, size))
    for i in range(size):
        for j in range(size):
            points = [bilinear(fmap, x1 + (j + (b + 0.5) / ratio) * bin_w, y1 + (i + (a + 0.5) / ratio) * bin_h)
                      for a in range(ratio) for b in range(ratio)]
            out[:, i, j] = np.mean(points, axis=0)
    return out


BOXES = {
    "inside": [2.3, 1.7, 9.6, 8.2],
    "partly outside, left and top": [-3.5, -2.25, 4.4, 5.1],
    "partly outside, right and bottom": [8.5, 9.2, 14.75, 13.6],
    "sub-cell": [4.1, 6.3, 4.4, 6.5],
    "sub-cell on the edge": [-0.2, 10.8, 0.1, 11.05],
    "covering the map": [-1.0, -1.0, 12.0, 12.0],
    "wholly outside": [14.0, 15.0, 20.0, 22.0],
}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_roi_align_matches_direct_bilinear_sampling(dtype: torch.dtype):
    generator = torch.Generator().manual_seed(0)
    maps = torch.randn(2, 3, 11, 12, generator=generator, dtype=dtype)
    boxes = torch.tensor(list(BOXES.values()), dtype=torch.float64)
    index = torch.tensor([i % 2 for i in range(len(boxes))])
    for size, ratio in ((6, 2), (3, 4), (1, 12), (7, 1)):
        ours = roi_align(maps, boxes, index, size, ratio).double().numpy()
        for n, box in enumerate(BOXES.values()):
            expected = direct_roi_align(maps[index[n]].double().numpy(), box, size, ratio)
            assert np.abs(ours[n] - expected).max() < 1e-5, list(BOXES)[n]
    assert not roi_align(maps, boxes[-1:], index[-1:], 6, 2).any()  # wholly outside pools zeros
    # The smallest map it takes, 2x2, and no boxes at all.
    small = maps[:, :, :2, :2].contiguous()
    box = [-0.3, 0.2, 1.4, 0.9]
    pooled = roi_align(small, torch.tensor([box], dtype=torch.float64), index[:1], 3, 2).double().numpy()
    assert np.abs(pooled[0] - direct_roi_align(small[0].double().numpy(), box, 3, 2)).max() < 1e-5
    assert tuple(roi_align(maps, boxes[:0], index[:0], 6, 2).shape) == (0, 3, 6, 6)


def test_pyramid_levels_are_roi_aligns_at_6_3_1_repeated_to_6x6():
    generator = torch.Generator().manual_seed(1)
    maps = torch.randn(1, 4, 15, 15, generator=generator, dtype=torch.float64)
    boxes = torch.tensor([[3.2, 2.9, 11.5, 9.8], [-2.0, 12.5, 3.0, 16.5]], dtype=torch.float64)
    index = torch.zeros(2, dtype=torch.long)
    pyramid = pyramid_roi_align(maps, boxes, index, (6, 3, 1), 2).numpy()
    assert pyramid.shape == (2, 12, 6, 6)
    for n, box in enumerate(boxes.tolist()):
        fmap = maps[0].numpy()
        for level, (size, ratio) in enumerate(((6, 2), (3, 4), (1, 12))):
            expected = np.kron(direct_roi_align(fmap, box, size, ratio), np.ones((1, 6 // size, 6 // size)))
            assert np.abs(pyramid[n, 4 * level : 4 * level + 4] - expected).max() < 1e-10


def test_roi_align_passes_gradients_to_the_map_and_refuses_bad_input():
    maps = torch.randn(1, 2, 9, 9, requires_grad=True)
    pooled = pyramid_roi_align(maps, torch.tensor([[1.0, 1.0, 6.0, 5.0]]), torch.zeros(1, dtype=torch.long), (6, 3, 1), 2)
    pooled.sum().backward()
    assert maps.grad[0, :, 1:7, 1:7].abs().sum() > 0 and maps.grad[0, :, 8, 8].abs().sum() == 0
    for height, width in ((1, 5), (5, 1)):
        with pytest.raises(ValueError, match=f"at least 2x2 cells, got {height}x{width}"):
            roi_align(torch.zeros(1, 2, height, width), torch.zeros(1, 4), torch.zeros(1, dtype=torch.long), 2, 2)
    for boxes, index in ((torch.zeros(3), torch.zeros(3)), (torch.zeros(3, 5), torch.zeros(3)),
                         (torch.zeros(3, 4), torch.zeros(2)), (torch.zeros(3, 4), torch.zeros(3, 1))):
        with pytest.raises(ValueError, match=r"boxes must be \(N, 4\) with one batch index each"):
            roi_align(torch.zeros(1, 2, 5, 5), boxes, index.long(), 2, 2)
    with pytest.raises(ValueError, match="divide the largest"):
        pyramid_roi_align(torch.zeros(1, 2, 5, 5), torch.zeros(1, 4), torch.zeros(1, dtype=torch.long), (6, 4), 2)


@torch.inference_mode()
def test_the_thin_network_gives_the_papers_maps_and_a_batch_equals_its_members():
    torch.manual_seed(0)
    model = build_model(VARIANTS["cract-thin"])
    generator = torch.Generator().manual_seed(0)
    z, x = torch.rand(2, 3, 127, 127, generator=generator) * 255, torch.rand(2, 3, 255, 255, generator=generator) * 255
    z_boxes = torch.tensor([[63.0, 63.0, 60.0, 40.0], [63.0, 63.0, 30.0, 70.0]])
    template, search = model(z, z_boxes, x)
    assert tuple(template.roi.shape) == (2, 192, 6, 6)
    assert tuple(search.features.shape) == (2, 64, 31, 31)
    assert tuple(search.cls.shape) == (2, 10, 25, 25) and tuple(search.loc.shape) == (2, 20, 25, 25)
    one_template, one_search = model(z[1:], z_boxes[1:], x[1:])
    assert torch.allclose(template.roi[1], one_template.roi[0], atol=1e-4)
    assert torch.allclose(search.cls[1], one_search.cls[0], rtol=1e-4, atol=1e-4 * float(one_search.cls.abs().max()))
    boxes = torch.tensor([[127.0, 127.0, 50.0, 40.0], [100.0, 140.0, 30.0, 30.0]])
    offsets = model.regress(model.pool(one_search.features, boxes), one_template.roi)
    logits = model.identify(model.pool(one_search.features, boxes), one_template.roi)
    assert tuple(offsets.shape) == (2, 4) and tuple(logits.shape) == (2, 2)
    assert offsets.abs().max() < 0.1  # the regressor starts near zero: proposals stay put
