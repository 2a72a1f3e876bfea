"""Learning rates per epoch as pysot's `build_lr_scheduler` gives them (pysot/utils/lr_scheduler.py).

The rate is constant within an epoch: train.py steps the scheduler once, at each epoch's first
iteration. A schedule is a warm-up phase (optional) then a main phase; each phase is ``step``
(start x mult^(epoch // step); for a warm-up the multiplier reaches `end` one step after the
phase ends) or ``log`` (log-spaced from start to end inclusive). Every parameter group runs at
``rate[epoch] x its initial lr / the main phase's first rate``: with the initial lr equal to that
first rate a group follows the schedule; otherwise it is scaled (pysot's AlexNet config runs at
half its schedule for this reason).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Phase:
    kind: str  # "step" or "log"
    epochs: int
    start: float
    end: float | None = None
    step: int = 10
    mult: float = 0.1


def phase_rates(phase: Phase) -> np.ndarray:
    if phase.kind == "log":
        if phase.end is None:
            raise ValueError("a log learning-rate phase needs an end rate")
        return np.logspace(math.log10(phase.start), math.log10(phase.end), phase.epochs)
    if phase.kind == "step":
        mult = phase.mult
        if phase.end is not None:  # a warm-up: the multiplier that reaches `end` after the phase
            mult = math.pow(phase.end / phase.start, 1.0 / (phase.epochs // phase.step))
        return phase.start * (mult ** (np.arange(phase.epochs) // phase.step))
    raise ValueError(f"unknown learning-rate phase {phase.kind!r}; known: step, log")


def epoch_rates(main: Phase, warmup: Phase | None = None) -> tuple[np.ndarray, float]:
    """(rate of every epoch, the main phase's first rate) of a warm-up + main schedule."""
    rates = phase_rates(main)
    if warmup is None:
        return rates, float(rates[0])
    return np.concatenate([phase_rates(warmup), rates]), float(rates[0])


def group_rate(rates: np.ndarray, start: float, epoch: int, initial_lr: float) -> float:
    """The learning rate of a parameter group with `initial_lr` during `epoch`."""
    return float(rates[epoch] * initial_lr / start)
