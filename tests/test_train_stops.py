"""A training run whose numbers stop being finite ends with an error naming the epoch and step, and
writes no checkpoint of a NaN network (before, pysot's skip let it run on and save one, exit 0)."""

from __future__ import annotations

import json

import pytest
import torch

from harness.cli import main
from harness.train.guard import SKIPPED_IN_A_ROW, Guard
from trackers.training.step import StepResult
from trackers.training.specs import spec_for

TAKEN = StepResult({"total": 0.7}, skipped=False)
SKIPPED = StepResult({"total": 0.0}, skipped=True)


@pytest.fixture
def network() -> torch.nn.Module:
    spec = spec_for("siamrpnpp-alex")
    return spec.build(spec.variant(0.0625))


def test_nan_weights_or_statistics_stop_the_run_at_that_step(network):
    guard = Guard(steps=30)
    assert guard.before(network, 0) is None and guard.after(network, TAKEN, 0, 0, {"rpn_head": 0.01}) is None
    with torch.no_grad():
        network.rpn_head.cls.head[0].weight[0, 0, 0, 0] = float("nan")
    reason = guard.after(network, TAKEN, 2, 6, {"backbone": 0.001, "rpn_head": 0.01})
    assert reason.startswith("epoch 3, step 7 of 30: the network's weights or batch-norm statistics are no longer finite")
    assert "the checkpoints of epochs 1-2 are kept, nothing of epoch 3" in reason and "rpn_head 0.01" in reason
    assert guard.before(network, 2).startswith("the network's weights are not finite before epoch 3")


def test_a_skipped_step_that_poisoned_batch_norm_stops_the_run(network):
    """A skipped step leaves the weights, but its forward pass updated the running statistics."""
    network.backbone.features[1].running_var[0] = float("inf")
    reason = Guard(steps=5).after(network, SKIPPED, 0, 0, {})
    assert reason.startswith("epoch 1, step 1 of 5: ") and "after this skipped step; no checkpoint was written" in reason


def test_steps_skipped_in_a_row_stop_the_run_one_alone_does_not(network):
    guard = Guard(steps=100)
    verdicts = [guard.after(network, SKIPPED if i != 5 else TAKEN, 1, i, {}) for i in range(SKIPPED_IN_A_ROW + 5)]
    assert verdicts == [None] * (SKIPPED_IN_A_ROW + 5)
    assert guard.after(network, SKIPPED, 1, 99, {}).startswith(
        f"epoch 2, step 100 of 100: {SKIPPED_IN_A_ROW} steps in a row were skipped")


@pytest.mark.slow
def test_a_run_whose_network_overflows_stops_without_a_checkpoint(ray_address, network, tmp_path, capsys):
    """A pretrained backbone of finite but huge values (1e30) overflows float32 in the first forward pass:
    the loss is NaN (the step is skipped) and batch norm's running statistics turn NaN. The run stops
    there, exit 1, naming the step; no checkpoint, no summary."""
    path = tmp_path / "huge.pth"
    torch.save({k: torch.full_like(v, 1e30) if v.is_floating_point() else v
                for k, v in network.backbone.state_dict().items()}, path)
    folder = tmp_path / "run"
    code = main(["train", "--tracker", "siamrpnpp-alex", "--data", "synthetic:1,videos=12", "--set", "width=0.0625",
                 "--set", "backbone.train_epoch=0", "--set", "backbone.train_layers=*", "--set", "batch=2",
                 "--set", "pairs_per_epoch=4", "--set", "loader_workers=0", "--set", "epochs=1", "--set", "warmup=null",
                 "--set", "lr.epochs=1", "--set", f"backbone.pretrained={path}", "-o", str(folder)])
    err = capsys.readouterr().err
    assert code == 1
    assert ("harness: error: training stopped: epoch 1, step 1 of 2: the network's weights or batch-norm statistics "
            "are no longer finite (NaN or infinite) after this skipped step; no checkpoint was written") in err
    assert not (folder / "checkpoints").exists() and not (folder / "summary.json").exists()
    (step,) = [json.loads(line) for line in (folder / "losses.jsonl").read_text().splitlines()]
    assert step["skipped"] and step["total"] is None  # its loss was NaN: not written as a number


def test_the_loss_plot_leaves_out_skipped_steps():
    from harness.train.plot import loss_svg

    steps = [{"epoch": 0, "step": k, "iteration": k, "total": None if k == 1 else 1.0 / (k + 1), "skipped": k == 1}
             for k in range(3)]
    svg = loss_svg(steps, "run")
    raw = next(line for line in svg.splitlines() if 'stroke-opacity="0.25"' in line)
    assert "nan" not in svg.lower() and raw.count(",") == 2  # the two taken steps drawn, the skipped one not
