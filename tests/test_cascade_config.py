"""The cascades' settings: every limit of the network shape, the loss and the tracking options refused
just past its edge and accepted on it, yes/no spellings, a checkpoint's config read back field for
field, and what a built tracker says about itself (no network runs here but the thin ones)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from trackers.base import TrackerError
from trackers.registry import get_plugin
from trackers.siamese.cascade.config import (
    CASCADE_VARIANTS, CascadeConfig, CascadeLossConfig, CascadeModelConfig, cascade_variant_from_dict, with_cascade_overrides,
)
from trackers.siamese.config import AnchorConfig

CRPN = CASCADE_VARIANTS["crpn"]


@pytest.mark.parametrize(("fields", "complaint"), [
    ({"fusion": "sum"}, "fusion='sum' is not one of ftb, stn"),
    ({"head": "up2"}, "head='up2' is not one of up, dw"),
    ({"stages": 0}, "stages=0 must be 1, 2 or 3"),
    ({"stages": 4}, "stages=4 must be 1, 2 or 3"),
    ({"stages": 2.0}, "stages=2.0 must be 1, 2 or 3"),
    ({"backbone": "resnet50"}, "backbone='resnet50'; the cascades are built on the no-padding AlexNet only"),
    ({"width_mult": 0}, "width_mult=0 must be within \\(0, 1\\]"),
    ({"width_mult": 1.01}, "width_mult=1.01 must be within"),
    ({"width_mult": 0.0413}, "leave conv1 at least 4 channels"),  # int(96 x 0.0413) = 3
    ({"width_mult": "1"}, "width_mult='1' must be within"),
])
def test_a_network_shape_past_an_edge_is_refused(fields: dict, complaint: str):
    with pytest.raises(TrackerError, match=f"^cascade model config: .*{complaint}"):
        CascadeModelConfig(**{"fusion": "ftb", **fields})


def test_every_problem_of_a_shape_is_named_at_once():
    with pytest.raises(TrackerError) as caught:
        CascadeModelConfig(fusion="sum", head="x", stages=9, backbone="vgg", width_mult=2.0)
    for part in ("fusion='sum'", "; head='x'", "; stages=9", "; backbone='vgg'", "; width_mult=2.0"):
        assert part in str(caught.value)


@pytest.mark.parametrize("fields", [
    {"stages": 1}, {"stages": 3}, {"width_mult": 1.0}, {"width_mult": 4 / 96 + 1e-9}, {"head": "dw", "fusion": "stn"},
])
def test_a_network_shape_on_an_edge_is_accepted(fields: dict):
    config = CascadeModelConfig(**{"fusion": "ftb", **fields})
    assert {name: getattr(config, name) for name in fields} == fields


@pytest.mark.parametrize(("fields", "complaint"), [
    ({"cls_loss": "focal"}, "cls_loss='focal' is not one of ce, shrinkage"),
    ({"pos_iou": 0.6, "neg_iou": 0.61}, "neg 0.61, pos 0.6 must satisfy 0 <= neg <= pos <= 1"),
    ({"pos_iou": 0.6, "neg_iou": -0.01}, "neg -0.01, pos 0.6"),
    ({"pos_iou": 1.01}, "neg 0.3, pos 1.01"),
    ({"pos_iou": 0.6, "theta": 0.0}, "theta=0.0 must be within \\(0, 1\\]"),
    ({"pos_iou": 0.6, "theta": 1.01}, "theta=1.01 must be within"),
])
def test_a_loss_setting_past_an_edge_is_refused(fields: dict, complaint: str):
    with pytest.raises(TrackerError, match=complaint):
        CascadeLossConfig(**{"pos_iou": 0.6, **fields})


@pytest.mark.parametrize("fields", [
    {"pos_iou": 0.5, "neg_iou": 0.5}, {"pos_iou": 1.0, "neg_iou": 0.0}, {"pos_iou": 0.7, "theta": 1.0},
    {"pos_iou": 0.7, "cls_loss": "shrinkage"},
])
def test_a_loss_setting_on_an_edge_is_accepted(fields: dict):
    config = CascadeLossConfig(**fields)
    assert {name: getattr(config, name) for name in fields} == fields


@pytest.mark.parametrize(("options", "complaint"), [
    ({"theta": 0}, "theta=0.0 must be within \\(0, 1\\]"),
    ({"theta": "1.0001"}, "theta=1.0001 must be within"),
    ({"stages": 0}, "stages=0 must be within 1..3"),
    ({"rerank_top": 0}, "rerank_top=0 must be >= 1"),
    ({"nms_iou": 1.5}, "nms_iou=1.5 must be within \\(0, 1\\]"),
    ({"stages": "two"}, "option stages='two' is not an integer"),
    ({"theta": 0, "rerank_top": 0, "nms_iou": 0}, "crpn: theta=0.0 .*; rerank_top=0 .*; nms_iou=0.0"),
])
def test_tracking_options_past_an_edge_are_refused(options: dict, complaint: str):
    with pytest.raises(TrackerError, match=complaint):
        with_cascade_overrides(CRPN, options)


def test_tracking_options_on_an_edge_are_taken_from_text_and_numbers_alike():
    cascade = with_cascade_overrides(CRPN, {"theta": "1", "stages": "1", "rerank": "on", "rerank_top": "1", "nms_iou": 1})
    assert cascade == CascadeConfig(theta=1.0, stages=1, rerank=True, rerank_top=1, nms_iou=1.0)
    assert with_cascade_overrides(CRPN, {"stages": 3}).stages == 3
    cascade = with_cascade_overrides(CRPN, {"theta": "0.9", "stages": "2", "rerank_top": 7, "nms_iou": "0.5", "rerank": 0})
    assert cascade == CascadeConfig(theta=0.9, stages=2, rerank=False, rerank_top=7, nms_iou=0.5)
    assert with_cascade_overrides(CRPN, {"unrelated": 5}) == CRPN.cascade  # the SiamRPN options are not its


@pytest.mark.parametrize(("text", "flag"), [
    ("1", True), ("true", True), ("yes", True), ("on", True), (" True ", True), ("YES", True), (True, True),
    ("0", False), ("false", False), ("no", False), ("off", False), ("Off", False), (False, False), (0, False), (1, True),
])
def test_yes_no_options_take_each_spelling(text, flag: bool):
    assert with_cascade_overrides(CRPN, {"rerank": text}).rerank is flag


@pytest.mark.parametrize("text", ["maybe", "", "2", "y"])
def test_other_yes_no_values_are_refused(text: str):
    with pytest.raises(TrackerError, match=f"option rerank={text!r} is not a yes/no value"):
        with_cascade_overrides(CRPN, {"rerank": text})


@pytest.mark.parametrize("name", sorted(CASCADE_VARIANTS))
def test_a_checkpoints_config_reads_back_as_the_variant(name: str):
    variant = CASCADE_VARIANTS[name]
    thin = dataclasses.replace(variant, model=CascadeModelConfig(variant.model.fusion, 2, "dw", 0.25),
                               cascade=CascadeConfig(theta=0.9, stages=2, rerank=True, rerank_top=7, nms_iou=0.5),
                               anchors=AnchorConfig(stride=8, ratios=(0.5, 1.0, 2.0), scales=(8.0,)), pysot_name="ours")
    for original in (variant, thin):
        assert cascade_variant_from_dict(original.to_dict()) == original  # lists come back as tuples


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda c: c.pop("loss"), "checkpoint config has fields \\[.*\\]; a cascade checkpoint has"),
    (lambda c: c.update(extra=1), "checkpoint config has fields"),
    (lambda c: c["model"].pop("head"), "checkpoint model config has fields \\['backbone', 'fusion', 'stages', 'width_mult'\\]"),
    (lambda c: c["cascade"].update(gamma=1), "checkpoint cascade config has fields"),
    (lambda c: c.update(anchors=[8]), "checkpoint anchor config has fields list; expected \\['ratios', 'scales', 'stride'\\]"),
    (lambda c: c["loss"].pop("theta"), "checkpoint loss config has fields"),
    (lambda c: c["track"].pop("lr"), "checkpoint track config has fields"),
])
def test_a_checkpoint_config_missing_or_adding_a_field_is_refused(change, complaint: str):
    config = CRPN.to_dict()
    change(config)
    with pytest.raises(TrackerError, match=complaint):
        cascade_variant_from_dict(config)
    with pytest.raises(TrackerError, match="checkpoint config has fields list"):
        cascade_variant_from_dict([])


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("torch")
    from tests.test_cascade_plugins import thin_checkpoint

    root = tmp_path_factory.mktemp("cascade-config")
    return {name: thin_checkpoint(root / f"{name}.pth", name, stages=2) for name in CASCADE_VARIANTS}


@pytest.mark.parametrize("name", sorted(CASCADE_VARIANTS))
def test_a_built_tracker_says_what_it_runs_and_its_options_win(name: str, checkpoints):
    import numpy as np
    import torch

    from tests.test_cascade_wiring import IMAGE_HW, START, search, stage
    from tests.test_siamese_decode import RATIO_1, index

    fusion = CASCADE_VARIANTS[name].model.fusion
    # Of the two survivors, A (centre cell, background 0.85) outranks B (four cells out, 0.5) by the
    # window, 0.524 to 0.5, unless θ drops it.
    a, b = (RATIO_1, 8, 8), (RATIO_1, 8, 12)
    fg = np.full((5, 17, 17), 0.01)
    fg[a], fg[b] = 0.15, 0.5
    for options, chosen in (({"lr": 0.2}, a), ({"lr": 0.2, "theta": 0.8}, b)):
        tracker = get_plugin(name, {"weights": str(checkpoints[name]), "rerank": False, **options}).create()
        assert tracker.info.name == name and tracker.info.device == "cpu"
        assert tracker.info.version == f"{name}-{fusion}-up-x0.125-2stage/torch-{torch.__version__}"
        assert tracker.info.deterministic is True and tracker.info.synthetic_weights is False
        assert tracker.device == torch.device("cpu") and tracker.last_stages == [] and tracker.last_choice is None
        tracker.initialize(np.full((*IMAGE_HW, 3), 128, np.uint8), START)
        tracker.advance(search(), [stage(0.5), stage(fg)])
        choice = tracker.last_choice
        assert choice.index == index(*chosen) and choice.rate == pytest.approx(0.2 * choice.penalty * choice.score)


def test_a_checkpoint_of_the_right_name_but_the_other_fusion_is_refused(tmp_path: Path):
    pytest.importorskip("torch")
    from trackers.siamese.cascade.model import build_cascade_model
    from trackers.siamese.checkpoint import save_checkpoint

    # named sctrpn, built with C-RPN's FTB: neither plugin can load it as its own kind
    odd = dataclasses.replace(CASCADE_VARIANTS["sctrpn"], model=CascadeModelConfig("ftb", 1, "dw", 0.125))
    path = tmp_path / "odd.pth"
    save_checkpoint(build_cascade_model(odd), path, odd)
    for name in CASCADE_VARIANTS:
        with pytest.raises(TrackerError, match=f"holds a 'sctrpn' network \\(ftb fusion\\); {name} needs a {name} checkpoint"):
            get_plugin(name, {"weights": str(path)}).create()


def thin_model(name: str, width: float = 0.125):
    from trackers.siamese.cascade.model import build_cascade_model

    variant = dataclasses.replace(CASCADE_VARIANTS[name], model=CascadeModelConfig(CASCADE_VARIANTS[name].model.fusion, 1, "up", width))
    return build_cascade_model(variant), variant


def test_a_checkpoint_that_is_not_what_it_says_is_refused_naming_the_file(tmp_path: Path):
    pytest.importorskip("torch")
    import torch

    from trackers.siamese.checkpoint import save_checkpoint

    model, variant = thin_model("crpn")
    wider = dataclasses.replace(variant, model=dataclasses.replace(variant.model, width_mult=0.25))
    misfit = tmp_path / "misfit.pth"
    save_checkpoint(model, misfit, wider)  # the config says 1/4 width, the tensors are 1/8
    with pytest.raises(TrackerError, match=f"^{misfit} does not fit this network; 38 shape mismatches"):
        get_plugin("crpn", {"weights": str(misfit)}).create()
    edited = tmp_path / "edited.pth"
    save_checkpoint(model, edited, variant)
    raw = torch.load(edited, weights_only=True)
    raw["sha256"] = "0" * 64
    torch.save(raw, edited)
    with pytest.raises(TrackerError, match=f"^{edited}: .*checksum mismatch"):
        get_plugin("crpn", {"weights": str(edited)}).create()


def test_weights_trained_on_synthetic_data_say_so_and_fast_inference_runs_the_rewritten_network(tmp_path: Path):
    pytest.importorskip("torch")
    import numpy as np
    import torch

    from trackers.siamese.checkpoint import save_checkpoint
    from trackers.siamese.tracker import to_tensor

    model, variant = thin_model("sctrpn")
    path = tmp_path / "synthetic.pth"
    save_checkpoint(model, path, variant, training={"synthetic_data_only": True})
    exact = get_plugin("sctrpn", {"weights": str(path)}).create()
    fast = get_plugin("sctrpn", {"weights": str(path), "inference": "fast"}).create()
    assert exact.info.synthetic_weights is True and fast.info.version.endswith("/fast")
    image = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    maps = []
    for tracker in (exact, fast):
        tracker.initialize(image, np.array([150.0, 100.0, 60.0, 50.0]))
        with torch.inference_mode():
            maps.append(tracker.forward(to_tensor([tracker.search_crop(image).crop], torch.device("cpu")), tracker.template)[0][0])
    # Batch norm folded into the convolutions: the same maps to float32 rounding, not the same bits.
    assert torch.allclose(maps[0], maps[1], rtol=1e-3, atol=1e-3 * float(maps[0].abs().max()))
    assert not torch.equal(maps[0], maps[1])


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")
def test_a_tracker_built_for_cuda_says_so(checkpoints):
    tracker = get_plugin("crpn", {"weights": str(checkpoints["crpn"])}).create("cuda")
    assert tracker.info.device == "cuda" and tracker.device.type == "cuda"
