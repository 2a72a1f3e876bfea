"""Checkpoints: the released models' exact names and shapes, strict loading, and our own format.

`released_shapes` writes down, independently of trackers/siamese, the parameter names and shapes
of the authors' public model definitions (pysot's model builder for the three model-zoo
checkpoints; DaSiamRPN's for the up-channel SiamRPN). The state dicts tested are built from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from trackers.siamese.checkpoint import CheckpointError, load_weights, save_checkpoint, strict_load  # noqa: E402
from trackers.siamese.config import VARIANTS  # noqa: E402
from trackers.siamese.model import build_model  # noqa: E402

Shapes = dict[str, tuple[int, ...]]
BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")
# Parameter counts (weights, biases, bn affine and fusion weights; no bn running statistics) of
# the released networks, summed from `released_shapes` below.
RELEASED_PARAMETERS = {
    "siamrpn": 22_632_932,
    "siamrpnpp": 53_950_624,
    "siamrpnpp-alex": 6_251_102,
    "siamrpnpp-mobilev2": 11_150_446,
}


def _bn(prefix: str, channels: int) -> Shapes:
    return {f"{prefix}.weight": (channels,), f"{prefix}.bias": (channels,), f"{prefix}.running_mean": (channels,),
            f"{prefix}.running_var": (channels,), f"{prefix}.num_batches_tracked": ()}


def _alexnet(prefix: str) -> Shapes:
    shapes: Shapes = {}
    layers = [(0, 96, 3, 11), (4, 256, 96, 5), (8, 384, 256, 3), (11, 384, 384, 3), (14, 256, 384, 3)]
    for index, out_c, in_c, k in layers:
        shapes |= {f"{prefix}.{index}.weight": (out_c, in_c, k, k), f"{prefix}.{index}.bias": (out_c,)}
        shapes |= _bn(f"{prefix}.{index + 1}", out_c)
    return shapes


def _resnet50() -> Shapes:
    shapes = {"backbone.conv1.weight": (64, 3, 7, 7), **_bn("backbone.bn1", 64)}
    in_c = 64
    for stage, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for b in range(blocks):
            p = f"backbone.layer{stage}.{b}"
            shapes |= {f"{p}.conv1.weight": (width, in_c, 1, 1), **_bn(f"{p}.bn1", width)}
            shapes |= {f"{p}.conv2.weight": (width, width, 3, 3), **_bn(f"{p}.bn2", width)}
            shapes |= {f"{p}.conv3.weight": (4 * width, width, 1, 1), **_bn(f"{p}.bn3", 4 * width)}
            if b == 0:
                k = 1 if stage == 1 else 3  # stride or dilation changes: a 3x3 shortcut
                shapes |= {f"{p}.downsample.0.weight": (4 * width, in_c, k, k), **_bn(f"{p}.downsample.1", 4 * width)}
            in_c = 4 * width
    return shapes


def _mobilenetv2() -> Shapes:
    shapes = {"backbone.layer0.0.weight": (44, 3, 3, 3), **_bn("backbone.layer0.1", 44)}
    in_c = 44
    for stage, (t, c, n) in enumerate([(1, 22, 1), (6, 33, 2), (6, 44, 3), (6, 89, 4), (6, 134, 3), (6, 224, 3), (6, 448, 1)], 1):
        for b in range(n):
            p, hidden = f"backbone.layer{stage}.{b}.conv", in_c * t
            shapes |= {f"{p}.0.weight": (hidden, in_c, 1, 1), **_bn(f"{p}.1", hidden)}
            shapes |= {f"{p}.3.weight": (hidden, 1, 3, 3), **_bn(f"{p}.4", hidden)}
            shapes |= {f"{p}.6.weight": (c, hidden, 1, 1), **_bn(f"{p}.7", c)}
            in_c = c
    return shapes


def _dw_rpn(prefix: str) -> Shapes:
    shapes: Shapes = {}
    for branch, out_c in (("cls", 10), ("loc", 20)):
        p = f"{prefix}.{branch}"
        for side in ("conv_kernel", "conv_search"):
            shapes |= {f"{p}.{side}.0.weight": (256, 256, 3, 3), **_bn(f"{p}.{side}.1", 256)}
        shapes |= {f"{p}.head.0.weight": (256, 256, 1, 1), **_bn(f"{p}.head.1", 256)}
        shapes |= {f"{p}.head.3.weight": (out_c, 256, 1, 1), f"{p}.head.3.bias": (out_c,)}
    return shapes


def _neck_and_rpns(in_channels: tuple[int, ...], weighted: bool) -> Shapes:
    shapes: Shapes = {}
    for level, in_c in enumerate(in_channels, start=2):
        neck = f"neck.downsample{level}.downsample"
        shapes |= {f"{neck}.0.weight": (256, in_c, 1, 1), **_bn(f"{neck}.1", 256)}
        shapes |= _dw_rpn(f"rpn_head.rpn{level}")
    if weighted:
        shapes |= {"rpn_head.cls_weight": (3,), "rpn_head.loc_weight": (3,)}
    return shapes


def released_shapes(variant: str) -> Shapes:
    """Names and shapes of the authors' released checkpoint for one variant (pysot names)."""
    if variant == "siamrpn":
        up = {"template_cls_conv": (2560, 256, 3, 3), "template_loc_conv": (5120, 256, 3, 3),
              "search_cls_conv": (256, 256, 3, 3), "search_loc_conv": (256, 256, 3, 3), "loc_adjust": (20, 20, 1, 1)}
        heads = {f"rpn_head.{n}.{kind}": (s if kind == "weight" else s[:1]) for n, s in up.items() for kind in ("weight", "bias")}
        return _alexnet("backbone.features") | heads
    if variant == "siamrpnpp-alex":
        return _alexnet("backbone.features") | _dw_rpn("rpn_head")
    if variant == "siamrpnpp":
        return _resnet50() | _neck_and_rpns((512, 1024, 2048), weighted=True)
    return _mobilenetv2() | _neck_and_rpns((44, 134, 448), weighted=False)


def dasiamrpn_shapes() -> Shapes:
    """SiamRPNVOT.model / SiamRPNOTB.model names (pre-0.4.1 PyTorch: no num_batches_tracked)."""
    renames = {"conv_cls1": "template_cls_conv", "conv_r1": "template_loc_conv", "conv_cls2": "search_cls_conv",
               "conv_r2": "search_loc_conv", "regress_adjust": "loc_adjust"}
    shapes = {}
    for key, shape in released_shapes("siamrpn").items():
        if key.endswith("num_batches_tracked"):
            continue
        key = key.replace("backbone.features.", "featureExtract.")
        for theirs, ours in renames.items():
            key = key.replace(f"rpn_head.{ours}.", f"{theirs}.")
        shapes[key] = shape
    return shapes


def random_state(shapes: Shapes, seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {k: (torch.tensor(7) if not s else torch.rand(s, generator=generator)) for k, s in shapes.items()}


@pytest.mark.parametrize("variant", list(RELEASED_PARAMETERS))
def test_parameter_names_shapes_and_counts_match_the_released_models(variant: str):
    model = build_model(VARIANTS[variant])
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert ours == released_shapes(variant)
    released = sum(torch.Size(s).numel() for k, s in released_shapes(variant).items() if not k.endswith(BN_BUFFERS))
    assert released == RELEASED_PARAMETERS[variant]
    assert sum(p.numel() for p in model.parameters()) == RELEASED_PARAMETERS[variant]


def test_a_pysot_checkpoint_loads_strictly_with_its_wrappers(tmp_path: Path):
    state = random_state(released_shapes("siamrpnpp-mobilev2"))
    path = tmp_path / "siamrpn_mobilev2_l234_dwxcorr.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}, "epoch": 20}, path)
    model = build_model(VARIANTS["siamrpnpp-mobilev2"])
    assert load_weights(model, path, VARIANTS["siamrpnpp-mobilev2"]).layout == "pysot"
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())


def test_the_dasiamrpn_release_of_siamrpn_loads_under_our_names(tmp_path: Path):
    state = random_state(dasiamrpn_shapes())
    torch.save(state, tmp_path / "SiamRPNVOT.model")
    model = build_model(VARIANTS["siamrpn"])
    assert load_weights(model, tmp_path / "SiamRPNVOT.model", VARIANTS["siamrpn"]).layout == "dasiamrpn"
    assert torch.equal(model.rpn_head.template_loc_conv.weight, state["conv_r1.weight"])
    assert torch.equal(model.backbone.features[15].running_var, state["featureExtract.15.running_var"])


def test_missing_unexpected_and_misshapen_keys_are_each_named():
    model = build_model(VARIANTS["siamrpnpp-alex"])
    state = random_state(released_shapes("siamrpnpp-alex"))
    del state["rpn_head.loc.head.3.bias"]
    state["rpn_head.mask.head.0.weight"] = torch.zeros(3)
    state["backbone.features.4.weight"] = torch.zeros(256, 48, 5, 5)
    with pytest.raises(CheckpointError) as error:
        strict_load(model, state, "alex.pth")
    message = str(error.value)
    assert "1 missing keys: rpn_head.loc.head.3.bias" in message
    assert "1 unexpected keys: rpn_head.mask.head.0.weight" in message
    assert "backbone.features.4.weight (file (256, 48, 5, 5), network (256, 96, 5, 5))" in message


def test_another_variants_checkpoint_is_refused_with_a_short_listing(tmp_path: Path):
    torch.save(random_state(released_shapes("siamrpnpp-alex")), tmp_path / "alex.pth")
    with pytest.raises(CheckpointError, match=r"\d+ missing keys: .*\.\.\. and \d+ more.*another variant"):
        load_weights(build_model(VARIANTS["siamrpnpp-mobilev2"]), tmp_path / "alex.pth", VARIANTS["siamrpnpp-mobilev2"])


class Pickled:
    """Not a tensor: weights_only loading must refuse it."""


def test_files_with_arbitrary_objects_or_garbage_are_refused(tmp_path: Path):
    torch.save({"state_dict": {}, "extra": Pickled()}, tmp_path / "objects.pth")
    with pytest.raises(CheckpointError, match="weights_only=True"):
        load_weights(build_model(VARIANTS["siamrpnpp-alex"]), tmp_path / "objects.pth", VARIANTS["siamrpnpp-alex"])
    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="garbage.pth"):
        load_weights(build_model(VARIANTS["siamrpnpp-alex"]), tmp_path / "garbage.pth", VARIANTS["siamrpnpp-alex"])


def test_our_format_round_trips_with_its_config_and_checksum(tmp_path: Path):
    import dataclasses

    variant = VARIANTS["siamrpnpp-alex"]
    torch.manual_seed(1)
    trained = build_model(variant)
    tuned = dataclasses.replace(variant.track, penalty_k=0.2, lr=0.25)
    path = tmp_path / "model.pth"
    checksum = save_checkpoint(trained, path, variant, tuned, training={"epochs": 20, "data": ["VID", "COCO"]})
    raw = torch.load(path, weights_only=True)
    assert raw["sha256"] == checksum and raw["config"]["model"]["backbone"] == "alexnet" and raw["training"]["epochs"] == 20

    fresh = build_model(variant)
    loaded = load_weights(fresh, path, variant)
    assert loaded.layout == "harness" and loaded.track == tuned
    assert all(torch.equal(a, b) for a, b in zip(trained.state_dict().values(), fresh.state_dict().values()))

    raw["state_dict"]["rpn_head.cls.head.3.bias"][0] += 1.0
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load_weights(fresh, path, variant)

    with pytest.raises(CheckpointError, match="holds a 'siamrpnpp-alex' network; 'siamrpn' needs"):
        save_checkpoint(trained, path, variant)
        load_weights(build_model(VARIANTS["siamrpn"]), path, VARIANTS["siamrpn"])
