"""The values each training setting may take, and why: checked for every key of a training config
(recipe, ``--config`` file, ``--set``, command-line option, a resumed run's config.json) before
anything runs, so that a value no run can use fails in a second, naming where it came from,
instead of training on NaN, hanging, or failing inside Ray minutes later.

Bounds below the obvious ones (positive, a probability) are plausibility ceilings: values past them
are typing mistakes, not experiments (each says what it is set against).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_EPOCHS = 10_000  # pysot's recipes run 20-50; the per-epoch rate table is made of this many entries
MAX_PAIRS_PER_EPOCH = 10**9  # pysot's 600k; 1e9 pairs is ~40 days of an 8-GPU node at its 280 pairs/s
MAX_BATCH = 4096  # pairs per worker and step: 4096 pairs are 4.3 GB of float32 crops, prefetched 4x per loader
MAX_WORKERS = 4096  # training or evaluation workers: more than any cluster here has GPUs or cores
MAX_LOADER_WORKERS = 64  # a loader process makes ~200 pairs/s: 64 feed 45x the 8-GPU recipe's 280 pairs/s
MAX_THREADS = 256  # torch threads per worker: more than the cores of any node
MAX_GPUS_PER_WORKER = 16  # no node has more GPUs than this
MAX_CPUS_PER_WORKER = 1024  # nor more cores than this
MAX_FAILURES = 100  # Ray Train restarts; -1 (Ray's "forever") would retry a deterministic failure endlessly
MAX_SEED = 2**64 - 1  # torch.manual_seed takes 0 .. 2**64 - 1; numpy's default_rng any non-negative integer
MAX_SHARE = 10**7  # videos per round of picks (pysot's largest NUM_USE is 200k); a round is held in memory
MAX_SYNTHETIC_VIDEOS = 100_000  # scenes of a synthetic source, each laid out when the source opens (~1 ms)
MAX_FRAME_RANGE = 10**7  # list positions; longer than any video


@dataclass(frozen=True)
class Limit:
    """A closed or open interval; `whole` for integer settings."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self, whole: bool) -> str:
        if whole:
            return f"a whole number from {int(self.low)} to {'2**64 - 1' if self.high == MAX_SEED else int(self.high)}"
        if math.isinf(self.high):
            return f"a finite number {'>' if self.low_open else '>='} {self.low:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"a finite number in {left}{self.low:g}, {self.high:g}{right}"


POSITIVE_RATE = Limit(0, 1, low_open=True)  # SGD learning rates here run 1e-6 .. 1e-2
PROBABILITY = Limit(0, 1)

LIMITS: dict[tuple[str, str], Limit] = {
    ("TrainConfig", "width"): Limit(0, 1, low_open=True),
    ("TrainConfig", "seed"): Limit(0, MAX_SEED),
    ("TrainConfig", "epochs"): Limit(1, MAX_EPOCHS),
    ("TrainConfig", "pairs_per_epoch"): Limit(1, MAX_PAIRS_PER_EPOCH),
    ("TrainConfig", "batch"): Limit(1, MAX_BATCH),
    ("TrainConfig", "micro_batch"): Limit(0, MAX_BATCH),
    ("TrainConfig", "base_lr"): POSITIVE_RATE,
    ("TrainConfig", "momentum"): Limit(0, 1, high_open=True),  # 1 and above: the velocity never decays
    ("TrainConfig", "weight_decay"): Limit(0, 1, high_open=True),
    ("TrainConfig", "grad_clip"): Limit(0, math.inf, low_open=True, high_open=True),  # 0 or less stops or flips steps
    ("TrainConfig", "neg"): PROBABILITY,
    ("TrainConfig", "gray"): PROBABILITY,
    ("TrainConfig", "cls_weight"): Limit(0, math.inf, high_open=True),
    ("TrainConfig", "loc_weight"): Limit(0, math.inf, high_open=True),
    ("TrainConfig", "workers"): Limit(1, MAX_WORKERS),
    ("TrainConfig", "gpus_per_worker"): Limit(0, MAX_GPUS_PER_WORKER),
    ("TrainConfig", "cpus_per_worker"): Limit(0, MAX_CPUS_PER_WORKER, low_open=True),
    ("TrainConfig", "loader_workers"): Limit(0, MAX_LOADER_WORKERS),
    ("TrainConfig", "threads"): Limit(1, MAX_THREADS),
    ("TrainConfig", "max_failures"): Limit(0, MAX_FAILURES),
    ("BackboneSchedule", "train_epoch"): Limit(0, MAX_EPOCHS),
    ("BackboneSchedule", "layers_lr"): Limit(0, 10, low_open=True),  # a multiplier of base_lr (pysot: 0.1, 1)
    ("Phase", "epochs"): Limit(1, MAX_EPOCHS),
    ("Phase", "start"): POSITIVE_RATE,
    ("Phase", "end"): POSITIVE_RATE,
    ("Phase", "step"): Limit(1, MAX_EPOCHS),
    ("Phase", "mult"): Limit(0, 10, low_open=True),
    ("AugmentParams", "shift"): Limit(0, 511),  # pixels of the 511 crop
    ("AugmentParams", "scale"): Limit(0, 1, high_open=True),  # 1 + U(-1, 1) x scale must stay above 0
    ("AugmentParams", "blur"): PROBABILITY,
    ("AugmentParams", "flip"): PROBABILITY,
    ("AugmentParams", "color"): PROBABILITY,
    ("DataSpec", "frame_range"): Limit(0, MAX_FRAME_RANGE),
    ("DataSpec", "share"): Limit(-1, MAX_SHARE),  # -1: every video once a round
    ("DataSpec", "videos"): Limit(0, MAX_SYNTHETIC_VIDEOS),  # 0: the default 480
    ("DataSpec", "first"): Limit(0, 10**12),
    ("EvalConfig", "every"): Limit(1, MAX_EPOCHS),
    ("EvalConfig", "workers"): Limit(1, MAX_WORKERS),
}

# Ray places a share of one GPU (0.25: four workers on it) or whole GPUs, nothing in between.
SHARE_OR_WHOLE = {("TrainConfig", "gpus_per_worker")}

CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Phase", "kind"): ("step", "log"),
}


def problem(owner: str, name: str, value: object) -> str | None:
    """What `value` of setting `name` of dataclass `owner` should have been, or None when it is fine
    (a value of the right type, as `config` converts it)."""
    if (owner, name) in CHOICES:
        choices = CHOICES[owner, name]
        return None if value in choices else "one of " + ", ".join(choices)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        limit = LIMITS.get((owner, name))
        return limit.describe(False) if limit else "a finite number"
    limit = LIMITS.get((owner, name))
    if limit is not None and not limit.holds(value):
        return limit.describe(isinstance(value, int))
    if (owner, name) in SHARE_OR_WHOLE and value > 1 and not float(value).is_integer():
        return "a share of one GPU (0.25 puts four workers on each) or a whole number of GPUs"
    return None
