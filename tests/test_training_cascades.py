"""Training C-RPN, SCTRPN and CRACT through the same trainer: their specs call the trackers' own losses,
refuse negative pairs, fit a fixed batch, and save checkpoints their plugins track with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trackers.cract.config import VARIANTS as CRACT_VARIANTS
from trackers.registry import get_plugin
from trackers.siamese.cascade.config import CASCADE_VARIANTS
from trackers.training.config import TrainConfig, merge
from trackers.training.dataset import PairMaker
from trackers.training.errors import TrainingError
from trackers.training.probe import probe
from trackers.training.schedule import Phase
from trackers.training.specs import spec_for
from trackers.training.trainer import Trainer

SYNTHETIC = [{"kind": "synthetic", "root": "1", "videos": 24}]
SCRATCH = {"backbone": {"train_epoch": 0, "train_layers": ["*"], "layers_lr": 1.0}, "warmup": None}
WIDTHS = {"crpn": 0.0625, "sctrpn": 0.0625, "cract": 0.0625}


def config(tracker: str, **changes) -> TrainConfig:
    base = merge(TrainConfig(tracker=tracker), spec_for(tracker).recipe)
    return merge(base, {"data": SYNTHETIC, "width": WIDTHS[tracker], **SCRATCH, **changes})


def batch_of(maker: PairMaker, count: int) -> dict[str, torch.Tensor]:
    items = [maker(i) for i in range(count)]
    return {k: torch.as_tensor(np.stack([it[k] for it in items])) for k in items[0]}


def test_full_width_is_each_papers_network_and_thin_ones_keep_the_maps():
    assert spec_for("crpn").variant(1.0) == CASCADE_VARIANTS["crpn"]
    assert spec_for("sctrpn").variant(1.0) == CASCADE_VARIANTS["sctrpn"]
    assert spec_for("cract").variant(1.0) == CRACT_VARIANTS["cract"]
    thin = spec_for("cract").variant(0.25)
    assert thin.name == "cract" and thin.model == CRACT_VARIANTS["cract-thin"].model
    assert thin.online == CRACT_VARIANTS["cract-thin"].online
    assert spec_for("sctrpn").variant(0.125).model.fusion == "stn"
    z, x = torch.zeros(2, 3, 127, 127), torch.zeros(2, 3, 255, 255)
    boxes = torch.tensor([[40.0, 40.0, 87.0, 87.0]] * 2)
    with torch.no_grad():
        for name in ("crpn", "sctrpn"):
            spec = spec_for(name)
            stages = spec.forward(spec.build(spec.variant(0.0625)), {"template": z, "search": x})
            assert [tuple(cls.shape) for cls, _ in stages] == [(2, 10, 17, 17)] * 3
        spec = spec_for("cract")
        _, _, search = spec.forward(spec.build(spec.variant(0.0625)), {"template": z, "template_box": boxes, "search": x})
        assert tuple(search.cls.shape) == (2, 10, 25, 25) == (2, 10, spec.output_size, spec.output_size)


@pytest.mark.parametrize("tracker", ["crpn", "sctrpn", "cract"])
def test_negative_pairs_are_refused_by_losses_without_them(tracker):
    """Their losses label every pair against its box: an unrelated object's box would be taught as the
    target. Their recipes draw none; asking for some is an error that says what to set."""
    assert spec_for(tracker).recipe["neg"] == 0.0 and not spec_for(tracker).negative_pairs
    recipe = merge(merge(TrainConfig(tracker=tracker), spec_for(tracker).recipe), {"data": SYNTHETIC})
    with pytest.raises(TrainingError, match="no negative-pair path.*--set neg=0"):
        Trainer(merge(recipe, {"neg": 0.2}))


@pytest.mark.parametrize(("tracker", "pairs", "steps", "factor", "falling"), [
    ("crpn", 4, 24, 0.5, {"stage1": 0.2}),
    ("sctrpn", 4, 24, 0.5, {"stage1": 0.2}),
    ("cract", 4, 24, 0.7, {"cls": 1.0, "loc": 1.0, "reg": 1.0}),
])
def test_fits_a_fixed_batch_through_its_own_loss(tracker, pairs, steps, factor, falling):
    """Fixed pairs at width 1/16: over the last 5 steps the median total loss is below `factor` x the
    first step's, each `falling` part's median below its factor x its first value, and every module of
    the network has moved.

    Why medians and why not lower: the cascades' later stages label the anchors the earlier stages
    moved, so while stage 1's regression is young, anchors confidently rejected become positives and
    stages 2-3 spike for a step (to 20-200 here, from logits of untrained up-channel heads on raw
    pixels); stage 1 falls steadily. CRACT's identifier starts at log 2 and barely moves in so few
    steps (its last layer starts at std 0.01, and it learns from proposals the untrained regressor
    refines)."""
    torch.set_num_threads(1)
    cfg = config(tracker, batch=pairs, epochs=2, base_lr=0.005, lr=Phase("log", 2, 0.005, 0.0025))
    trainer = Trainer(cfg)
    batch = batch_of(PairMaker(cfg), pairs)
    assert set(batch) >= {"template", "template_box", "search", "box", "negative"}
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    history = []
    for step in range(steps):
        epoch = step * 2 // steps
        if step in (0, steps // 2):
            trainer.begin_epoch(epoch)
        history.append(trainer.step(batch, epoch, step).losses)
    first, last = history[0], {k: float(np.median([h[k] for h in history[-5:]])) for k in history[0]}
    assert last["total"] < factor * first["total"], (first, last)
    assert all(last[p] < f * first[p] for p, f in falling.items()), (first, last)
    moved = {n.split(".")[0] for n, p in trainer.model.named_parameters() if not torch.equal(p, before[n])}
    assert moved == {name for name, module in trainer.model.named_children() if any(True for _ in module.parameters())}


@pytest.mark.parametrize("tracker", ["crpn", "sctrpn", "cract"])
def test_a_checkpoint_probes_tracks_with_its_plugin_and_resumes(tracker, tmp_path):
    """A checkpoint of the trainer is what `harness run` loads: the plugin builds the thin shape it holds
    and reports weights trained on synthetic data only; the held-out probe scores its top proposal; a
    new trainer resumes from it (`harness train --resume`) with the same weights."""
    torch.set_num_threads(1)
    cfg = config(tracker, batch=2, epochs=2, lr=Phase("log", 2, 0.01, 0.001))
    trainer = Trainer(cfg)
    trainer.begin_epoch(0)
    maker = PairMaker(cfg)
    trainer.step(batch_of(maker, 2), 0, 0)
    path = trainer.save(tmp_path, 0)
    saved = torch.load(path, weights_only=True)
    assert saved["training"]["config"]["tracker"] == tracker and saved["training"]["synthetic_data_only"]
    found = probe(trainer.model, trainer.spec, [maker(i) for i in range(3)], trainer.anchors, 1.0, 1.0, batch=3)
    assert 0 <= found["iou"] <= 1 and np.isfinite(found["loss"])
    tracker_ = get_plugin(tracker, {"weights": str(path)}).create()
    assert tracker_.info.synthetic_weights
    frame = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    tracker_.initialize(frame, np.array([140.0, 100.0, 40.0, 30.0]))
    box = tracker_.track(frame).box
    assert box.shape == (4,) and np.isfinite(box).all()  # a network of another shape would not have loaded
    resumed = Trainer(cfg)
    assert resumed.resume(path.parent) == 1
    for name, tensor in trainer.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], tensor), name
