"""When a training run must stop instead of going on: its network's numbers are no longer finite, or
its steps keep being skipped. pysot skips a step whose loss is NaN, infinite or above 1e4 and goes on,
which is right for a stray batch; but once the weights (or the batch-norm statistics, which a skipped
step's forward pass still updates) hold a NaN, every later loss is NaN, every step is skipped, and each
epoch's checkpoint would save the NaN network with the run ending in success."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from trackers.training.step import StepResult

SKIPPED_IN_A_ROW = 20  # one skipped step is pysot's stray batch; 20 in a row is a broken run


def finite(model: torch.nn.Module) -> bool:
    """Whether every floating parameter and buffer of `model` is finite (one device sync)."""
    tensors = [t for t in [*model.parameters(), *model.buffers()] if t.is_floating_point()]
    return bool(torch.stack([torch.isfinite(t).all() for t in tensors]).all()) if tensors else True


def _kept(epoch: int) -> str:
    """What a stop at 0-based `epoch` leaves: the checkpoints of the epochs before it."""
    if epoch == 0:
        return "no checkpoint was written"
    return "the checkpoint of epoch 1 is kept" if epoch == 1 else f"the checkpoints of epochs 1-{epoch} are kept"


@dataclass
class Guard:
    """Follows one worker's steps. Under DDP every worker holds the same weights and the same skip flag,
    so every worker reaches the same verdict at the same step, and none waits on the others."""

    steps: int  # steps per epoch, for messages
    skipped: int = 0  # steps skipped in a row

    def before(self, model: torch.nn.Module, epoch: int) -> str | None:
        if finite(model):
            return None
        return f"the network's weights are not finite before epoch {epoch + 1}; {_kept(epoch)}"

    def after(self, model: torch.nn.Module, result: StepResult, epoch: int, step: int,
              rates: dict[str, float]) -> str | None:
        """Why the run must stop after this step, or None."""
        self.skipped = self.skipped + 1 if result.skipped else 0
        where = f"epoch {epoch + 1}, step {step + 1} of {self.steps}"
        if not finite(model):
            return (f"{where}: the network's weights or batch-norm statistics are no longer finite (NaN or infinite)"
                    f"{' after this skipped step' if result.skipped else ' after this step'}; {_kept(epoch)}, "
                    f"nothing of epoch {epoch + 1}; check the learning rates (this epoch's: "
                    f"{', '.join(f'{k} {v:.3g}' for k, v in rates.items())}) and backbone.pretrained")
        if self.skipped >= SKIPPED_IN_A_ROW:
            return (f"{where}: {self.skipped} steps in a row were skipped, each with a loss that was NaN, infinite "
                    f"or above 1e4 on some worker (losses.jsonl); {_kept(epoch)}, nothing of epoch {epoch + 1}")
        return None
