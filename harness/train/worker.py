"""The loop every Ray Train worker runs: its share of each step's pairs, DDP gradients, and at the
end of every epoch a checkpoint through Ray Train's API (rank 0 also writes it in our format to
the run folder). After a crash or a killed worker, Ray Train restarts the loop and
`ray.train.get_checkpoint()` hands back the last epoch's checkpoint; pairs are numbered, so the
resumed run sees the very pairs an uninterrupted one would have.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import ray.train
import torch
from ray.train import Checkpoint
from ray.train.torch import get_device

from harness.train.guard import Guard
from harness.train.runfolder import RunFolder, append_line, keep_before, write_json
from trackers.training.config import from_dict
from trackers.training.dataset import PairMaker, epoch_loader, steps_per_epoch
from trackers.training.trainer import Trainer


def train_loop(loop_config: dict[str, Any]) -> None:
    config = from_dict(loop_config["config"])
    folder = RunFolder(Path(loop_config["run_dir"]))
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    torch.set_num_threads(config.threads)
    trainer = Trainer(config, get_device(), distributed=world > 1)
    start = 0
    checkpoint = ray.train.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as path:
            start = trainer.resume(Path(path))
    if rank == 0:
        for path in (folder.losses, folder.epochs):
            keep_before(path, start)
    maker = PairMaker(config)
    steps = steps_per_epoch(config, world)
    pairs_per_step = config.batch * world
    began = time.time()
    guard = Guard(steps)
    if reason := guard.before(trainer.model, start):
        return _stop(folder, rank, reason)
    for epoch in range(start, config.epochs):
        if epoch != start or checkpoint is None:
            trainer.begin_epoch(epoch)
        sums: dict[str, list[float]] = {}
        for step, batch in enumerate(epoch_loader(maker, epoch, rank, world)):
            result = trainer.step(batch, epoch, step, rank)
            # A skipped step's losses were not finite on some worker: recorded as null, not averaged in.
            losses = {name: None if result.skipped else value for name, value in result.losses.items()}
            for name, value in losses.items():
                sums.setdefault(name, [])
                if value is not None:
                    sums[name].append(value)
            if rank == 0:
                append_line(folder.losses, {"epoch": epoch, "step": step, "iteration": epoch * steps + step,
                                            "pairs": (epoch * steps + step + 1) * pairs_per_step,
                                            "seconds": round(time.time() - began, 3), "lr": trainer.rates,
                                            **losses, "skipped": result.skipped})
            if reason := guard.after(trainer.model, result, epoch, step, trainer.rates):
                return _stop(folder, rank, reason)
        means = {name: float(np.mean(values)) if values else float("nan") for name, values in sums.items()}
        with tempfile.TemporaryDirectory() as scratch:
            saved = None
            if rank == 0:
                saved = Checkpoint.from_directory(scratch)
                model = trainer.save(Path(scratch), epoch, {"steps_per_epoch": steps, "workers": world,
                                                            "command": loop_config.get("command", "")})
                target = folder.checkpoint(epoch)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(model, target.with_name(target.name + ".partial"))
                target.with_name(target.name + ".partial").replace(target)
                append_line(folder.epochs, {"epoch": epoch, "steps": steps, "pairs": steps * pairs_per_step,
                                            "seconds": round(time.time() - began, 3), "lr": trainer.rates, **means,
                                            "checkpoint": str(target)})
            ray.train.report({"epoch": epoch, **means}, checkpoint=saved)


def _stop(folder: RunFolder, rank: int, reason: str) -> None:
    """End the loop on every worker without a checkpoint; the driver reports `reason` and exits non-zero.
    (Raising would make Ray Train restart the workers from the last checkpoint, to the same end.)"""
    if rank == 0:
        write_json(folder.stopped, {"reason": reason})
