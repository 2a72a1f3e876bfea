"""One optimisation step as pysot's train.py takes it, on one worker or many.

The batch is split into micro-batches whose gradients add up before the step (each micro-batch
loss divided by their number), and DistributedDataParallel averages gradients over workers; so
W workers x one micro-batch of b pairs and one worker x W micro-batches of b pairs take the
same step (each micro-batch is one GPU's loss in pysot's multi-GPU training: its batch norm
statistics and its positive/negative means are its own). pysot skips the step when a loss is NaN,
infinite or above 1e4; here every worker skips it if any worker's loss is, so they stay in step.
Gradients are clipped to norm `grad_clip` over all parameters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from trackers.training.specs import LossContext, TrainingSpec

MAX_LOSS = 1e4


@dataclass(frozen=True)
class StepResult:
    losses: dict[str, float]  # "total" and the spec's parts, averaged over micro-batches and workers
    skipped: bool


def _valid(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value) or value > MAX_LOSS)


def to_device(batch: Mapping[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


def _chunks(batch: Mapping[str, torch.Tensor], size: int) -> list[dict[str, torch.Tensor]]:
    total = len(next(iter(batch.values())))
    size = size or total
    return [{k: v[i:i + size] for k, v in batch.items()} for i in range(0, total, size)]


def train_step(module: nn.Module, optimizer: torch.optim.Optimizer, batch: Mapping[str, torch.Tensor],
               spec: TrainingSpec, context: LossContext, params: Iterable[nn.Parameter], grad_clip: float,
               micro_batch: int = 0) -> StepResult:
    """Forward, backward and (unless a loss is invalid) one optimizer step on `batch` (on the device)."""
    chunks = _chunks(batch, micro_batch)
    sums: dict[str, float] = {}
    valid = True
    distributed = isinstance(module, nn.parallel.DistributedDataParallel)
    optimizer.zero_grad(set_to_none=True)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        with module.no_sync() if distributed and not last else nullcontext():
            result = spec.loss(spec.forward(module, chunk), chunk, context)
            (result.total / len(chunks)).backward()
        values = {"total": float(result.total.detach()), **{k: float(v.detach()) for k, v in result.parts.items()}}
        valid = valid and _valid(values["total"])
        for k, v in values.items():
            sums[k] = sums.get(k, 0.0) + v / len(chunks)
    names = list(sums)
    summary = torch.tensor([sums[k] if math.isfinite(sums[k]) else 0.0 for k in names] + [0.0 if valid else 1.0],
                           dtype=torch.float64, device=chunks[0]["search"].device)
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(summary)
        summary[:-1] /= dist.get_world_size()
    skipped = bool(summary[-1] > 0)
    if not skipped:
        torch.nn.utils.clip_grad_norm_(list(params), grad_clip)
        optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return StepResult({k: float(v) for k, v in zip(names, summary.tolist())}, skipped)


def loss_rng(seed: int, epoch: int, step: int, rank: int) -> np.random.Generator:
    """The Generator a loss may sample from in one step of one worker."""
    return np.random.default_rng([seed, 2, epoch, step, rank])
