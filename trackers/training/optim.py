"""Which parameters train, at which rate, epoch by epoch (pysot's `build_opt_lr` in tools/train.py).

Before `backbone.train_epoch` the backbone is frozen with its batch norm in eval mode (running
statistics from the pretrained weights); from that epoch its `train_layers` train at
`layers_lr` x the base rate, their batch norm in train mode. Every other top-level module trains
at the base rate throughout. pysot rebuilds the SGD optimizer when the backbone joins, dropping
the momentum of the head; the trainer does the same at every change of the trainable set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trackers.siamese.checkpoint import OPTIONAL_SUFFIX, read_file
from trackers.training.config import TrainConfig
from trackers.training.errors import TrainingError
from trackers.training.schedule import epoch_rates, group_rate


@dataclass(frozen=True)
class Group:
    name: str
    params: list[nn.Parameter]
    scale: float  # initial lr = base_lr x scale


def _selected(name: str, layers: tuple[str, ...]) -> bool:
    return any(p == "*" or name == p or name.startswith(p + ".") for p in layers)


def backbone_trains(config: TrainConfig, epoch: int) -> bool:
    return epoch >= config.backbone.train_epoch


def set_trainable(model: nn.Module, config: TrainConfig, epoch: int, backbone: str = "backbone") -> list[Group]:
    """Set requires_grad and batch-norm modes for `epoch`; the parameter groups, pysot's order
    (backbone first, then the other modules as the model declares them)."""
    model.train()
    trunk = getattr(model, backbone)
    active = config.backbone.train_layers if backbone_trains(config, epoch) else ()
    trainable = []
    for name, param in trunk.named_parameters():
        param.requires_grad_(_selected(name, active))
        if param.requires_grad:
            trainable.append(param)
    for name, module in trunk.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.train(_selected(name, active))
    groups = [Group(backbone, trainable, config.backbone.layers_lr)]
    for name, child in model.named_children():
        if name != backbone:
            params = list(child.parameters())
            for param in params:
                param.requires_grad_(True)
            if params:
                groups.append(Group(name, params, 1.0))
    return groups


def make_optimizer(groups: list[Group], config: TrainConfig) -> torch.optim.SGD:
    """SGD over the non-empty groups; each param group carries its `name` and `initial_lr`."""
    entries = [{"params": g.params, "lr": config.base_lr * g.scale, "initial_lr": config.base_lr * g.scale, "name": g.name}
               for g in groups if g.params]
    return torch.optim.SGD(entries, lr=config.base_lr, momentum=config.momentum, weight_decay=config.weight_decay)


def learning_rates(config: TrainConfig) -> tuple[np.ndarray, float]:
    return epoch_rates(config.lr, config.warmup)


def set_epoch_rates(optimizer: torch.optim.Optimizer, config: TrainConfig, epoch: int) -> dict[str, float]:
    """Set every group's rate for `epoch`; returns them by group name."""
    rates, start = learning_rates(config)
    for group in optimizer.param_groups:
        group["lr"] = group_rate(rates, start, epoch, group["initial_lr"])
    return {g["name"]: g["lr"] for g in optimizer.param_groups}


def load_pretrained(module: nn.Module, path: str) -> None:
    """ImageNet weights into the backbone (pysot's pretrained_models/*.pth): names may carry
    ``module.`` or ``backbone.``; entries the backbone lacks (a classifier) are ignored, but every
    backbone tensor must be in the file with its shape."""
    raw = read_file(path)
    state = raw.get("state_dict", raw) if isinstance(raw, dict) else raw
    if not isinstance(state, dict):
        raise TrainingError(f"{path}: expected a state dict of the backbone")
    state = {k.removeprefix("module.").removeprefix("backbone."): v for k, v in state.items()}
    expected = module.state_dict()
    missing = [k for k in expected if k not in state and not k.endswith(OPTIONAL_SUFFIX)]
    misshapen = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or misshapen:
        raise TrainingError(f"{path} does not fit this backbone: {len(missing)} missing ({', '.join(missing[:6])}), "
                            f"{len(misshapen)} of another shape ({', '.join(misshapen[:6])}); "
                            "is it the backbone of another variant or width?")
    module.load_state_dict({**expected, **{k: v for k, v in state.items() if k in expected}})
