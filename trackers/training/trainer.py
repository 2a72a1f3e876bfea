"""The training state of one worker: network, optimizer, phase; epoch set-up, steps, checkpoints.

Used the same way by the Ray Train workers (`harness.train`, with DistributedDataParallel) and
by a single process (tests, scripts). A checkpoint folder holds ``model.pth`` in our checkpoint
format (config + sha256; what `harness run --tracker-opt T.weights=...` loads) and ``trainer.pt``
(optimizer state and where training stands).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trackers.siamese.checkpoint import load_ours, read_file, save_checkpoint
from trackers.training.anchor_target import training_anchors
from trackers.training.config import TrainConfig
from trackers.training.dataset import PairMaker
from trackers.training.errors import TrainingError
from trackers.training.optim import backbone_trains, load_pretrained, make_optimizer, set_epoch_rates, set_trainable
from trackers.training.specs import LossContext, spec_for
from trackers.training.step import StepResult, loss_rng, to_device, train_step

MODEL_FILE = "model.pth"
STATE_FILE = "trainer.pt"


def synthetic_only(config: TrainConfig) -> bool:
    return all(d.kind == "synthetic" for d in config.data)


def check_recipe(config: TrainConfig) -> None:
    """TrainingError when the configuration cannot train as asked (before any worker starts)."""
    config.check()
    spec = spec_for(config.tracker)
    if config.neg > 0 and not spec.negative_pairs:
        raise TrainingError(f"{config.tracker}: neg={config.neg}, but its loss labels every pair against its box and has "
                            "no negative-pair path (its paper trains on pairs of one sequence): --set neg=0")
    backbone = config.backbone
    if backbone.pretrained and not Path(backbone.pretrained).expanduser().is_file():
        raise TrainingError(f"backbone.pretrained={backbone.pretrained}: no such file")
    if not backbone.pretrained and backbone.train_epoch > 0:
        raise TrainingError(
            f"{config.tracker}: the recipe freezes the backbone until epoch {backbone.train_epoch}, which needs "
            "ImageNet-pretrained backbone weights (pysot's pretrained_models/): --set backbone.pretrained=/path/to/file; "
            "or train the backbone from scratch: --set backbone.train_epoch=0 --set backbone.train_layers='*'")


def preflight(config: TrainConfig) -> dict[str, int]:
    """`check_recipe`, and every data source opened once, so that bad roots fail before Ray
    starts; returns the videos of each source."""
    check_recipe(config)
    return {source.name: len(source) for source in PairMaker(config).sampler.sources}


class Trainer:
    def __init__(self, config: TrainConfig, device: torch.device | str = "cpu", distributed: bool = False) -> None:
        check_recipe(config)
        self.config = config
        self.spec = spec_for(config.tracker)
        self.variant = self.spec.variant(config.width)
        self.device = torch.device(device)
        torch.manual_seed(config.seed)  # every worker builds the same initial network
        self.model: nn.Module = self.spec.build(self.variant).to(self.device)
        if config.backbone.pretrained:
            load_pretrained(getattr(self.model, self.spec.backbone), str(Path(config.backbone.pretrained).expanduser()))
        self.anchors = torch.as_tensor(training_anchors(self.variant.anchors, self.spec.output_size),
                                       dtype=torch.float32, device=self.device)
        self.distributed = distributed
        self.module: nn.Module = self.model
        self.optimizer: torch.optim.Optimizer | None = None
        self._phase: bool | None = None
        self.rates: dict[str, float] = {}

    def begin_epoch(self, epoch: int, optimizer_state: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Trainable set, optimizer (rebuilt when the set changes) and rates of `epoch`."""
        groups = set_trainable(self.model, self.config, epoch, self.spec.backbone)
        phase = backbone_trains(self.config, epoch)
        if phase != self._phase:
            self.optimizer = make_optimizer(groups, self.config)
            if optimizer_state is not None:
                self.optimizer.load_state_dict(optimizer_state)
            if self.distributed:
                ids = [self.device.index] if self.device.type == "cuda" else None
                self.module = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
            self._phase = phase
        self.rates = set_epoch_rates(self.optimizer, self.config, epoch)
        return self.rates

    def step(self, batch: Mapping[str, torch.Tensor], epoch: int, step: int, rank: int = 0) -> StepResult:
        context = LossContext(self.anchors, loss_rng(self.config.seed, epoch, step, rank),
                              self.config.cls_weight, self.config.loc_weight)
        return train_step(self.module, self.optimizer, to_device(batch, self.device), self.spec, context,
                          self.model.parameters(), self.config.grad_clip, self.config.micro_batch)

    def save(self, folder: Path, epoch: int, extra: Mapping[str, Any] | None = None) -> Path:
        """Checkpoint at the end of `epoch` into `folder`; returns the model file."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        training = {"tracker": self.config.tracker, "width": self.config.width, "epoch": epoch, "synthetic_data_only": synthetic_only(self.config),
                    "data": [d.name for d in self.config.data], "seed": self.config.seed, "config": self.config.to_dict(),
                    **dict(extra or {})}
        save_checkpoint(self.model, folder / MODEL_FILE, self.variant, training=training)
        torch.save({"epoch": epoch, "phase": self._phase,
                    "optimizer": self.optimizer.state_dict() if self.optimizer else None}, folder / STATE_FILE)
        return folder / MODEL_FILE

    def resume(self, folder: Path) -> int:
        """Load a checkpoint folder saved at the end of an epoch and set up the next epoch (with the
        optimizer's momentum when the trainable set stays the same); returns that epoch."""
        folder = Path(folder)
        # the weights only: the run's configuration is config.json's, and a tracking section belongs to
        # the tracker whose checkpoint this is (CRACT's is not SiamRPN's)
        path = folder / MODEL_FILE
        load_ours(self.model, read_file(path), path, self.variant.name, self.variant.to_dict()["model"])
        state = read_file(folder / STATE_FILE)
        following = int(state["epoch"]) + 1
        same_phase = state.get("phase") == backbone_trains(self.config, following)
        self.begin_epoch(following, state.get("optimizer") if same_phase else None)
        return following
