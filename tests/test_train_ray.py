"""`harness train` on Ray Train (the session's local Ray, 2 CPUs): two DDP workers take the same
step as one process on the combined batch, a run resumes from its checkpoint exactly where an
uninterrupted run would be, and its checkpoints load into the tracker plugin for `harness run`."""

from __future__ import annotations

import json
import xml.dom.minidom
from pathlib import Path

import pytest
import torch

from harness.cli import main
from harness.train.runfolder import RunFolder, records
from trackers.siamese.checkpoint import read_file
from trackers.training.config import from_dict, merge
from trackers.training.dataset import PairMaker, epoch_loader
from trackers.training.trainer import Trainer

pytestmark = pytest.mark.slow

# float32 gradients summed in another order (gloo's all-reduce against one process's accumulation)
# move the parameters by a few 1e-8 after these steps; 1e-6 is two orders of magnitude above that.
TOLERANCE = 1e-6

ARGS = ["train", "--tracker", "siamrpnpp-alex", "--data", "synthetic:1,videos=24", "--workers", "2", "--json",
        "--set", "width=0.0625", "--set", "batch=4", "--set", "pairs_per_epoch=16", "--set", "loader_workers=0",
        "--set", "backbone.train_epoch=0", "--set", "backbone.train_layers=*", "--set", "warmup=null",
        "--set", "base_lr=0.01", "--set", "lr.start=0.01", "--set", "lr.end=0.01", "--set", "neg=0.3"]


@pytest.fixture(scope="module")
def run(ray_address, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("train") / "run"
    assert main([*ARGS, "--set", "epochs=1", "--set", "lr.epochs=1", "-o", str(folder)]) == 0
    return folder


def reference(folder: Path, epochs: int) -> dict[str, torch.Tensor]:
    """One process, one worker, each step's 8 pairs in two micro-batches of 4: the workers' shares."""
    config = from_dict(json.loads((folder / "config.json").read_text()))
    config = merge(config, {"workers": 1, "batch": 8, "micro_batch": 4, "epochs": epochs, "lr": {"epochs": epochs}})
    torch.set_num_threads(1)
    trainer = Trainer(config)
    maker = PairMaker(config)
    for epoch in range(epochs):
        trainer.begin_epoch(epoch)
        for step, batch in enumerate(epoch_loader(maker, epoch)):
            trainer.step(batch, epoch, step)
    return {k: v.detach() for k, v in trainer.model.named_parameters()}


def assert_same(saved: Path, expected: dict[str, torch.Tensor]) -> None:
    state = read_file(saved)["state_dict"]
    worst = max(float((state[k] - v).abs().max()) for k, v in expected.items())
    assert worst < TOLERANCE, worst
    initial = Trainer(from_dict(json.loads((saved.parents[1] / "config.json").read_text()))).model
    moved = max(float((state[k] - v.detach()).abs().max()) for k, v in initial.named_parameters())
    assert moved > 100 * TOLERANCE  # the steps did change the network


def test_two_workers_step_as_one_process_on_the_combined_batch(run):
    folder = RunFolder(run)
    steps = list(records(folder.losses))
    assert [(s["epoch"], s["step"], s["pairs"]) for s in steps] == [(0, 0, 8), (0, 1, 16)]
    assert_same(folder.checkpoint(0), reference(run, 1))


def test_resume_continues_exactly_and_evaluates_through_the_harness(run):
    code = main(["train", "--resume", str(run), "--set", "epochs=2", "--set", "lr.epochs=2", "--json",
                 "--eval-bench", "synthetic", "--set", "eval.sequences=synthetic_001"])
    assert code == 0
    folder = RunFolder(run)
    assert [r["epoch"] for r in records(folder.epochs)] == [0, 1]
    assert [s["iteration"] for s in records(folder.losses)] == [0, 1, 2, 3]
    assert_same(folder.checkpoint(1), reference(run, 2))
    summary = json.loads(folder.summary.read_text())
    assert summary["pairs"] == 32 and summary["pairs_this_run"] == 16 and summary["synthetic_data_only"]
    xml.dom.minidom.parse(str(folder.plot))
    saved = read_file(folder.checkpoint(1))
    assert saved["training"]["synthetic_data_only"] and saved["config"]["model"]["width_mult"] == 0.0625
    (evaluation,) = records(folder.evaluations)
    assert evaluation["epoch"] == 1 and evaluation["benchmark"] == "synthetic" and 0 <= evaluation["auc"] <= 1
    assert summary["best"]["epoch"] == 1 and (folder.evaluation(1) / "synthetic").is_dir()


def test_checkpoint_runs_in_the_plugin(run, tmp_path, capsys):
    weights = RunFolder(run).checkpoints()[-1]
    code = main(["run", "--trackers", "siamrpnpp-alex", "--bench", "synthetic", "--sequences", "synthetic_001",
                 "--tracker-opt", f"siamrpnpp-alex.weights={weights}", "--results", str(tmp_path / "results"),
                 "--reports", str(tmp_path / "reports"), "--workers", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["run"]["shards"]["failed"] == 0
    assert 0 <= out["trackers"]["siamrpnpp-alex"]["success_auc"] <= 1


def test_existing_folder_is_not_overwritten(run, capsys):
    assert main([*ARGS, "--set", "epochs=1", "--set", "lr.epochs=1", "-o", str(run)]) == 1
    assert "--resume" in capsys.readouterr().out
