"""A training run's whole configuration as plain frozen dataclasses, written to and read from JSON.

Defaults are pysot's (pysot/core/config.py); each tracker's training spec overrides them with
its authors' recipe (`specs`), a config file and ``--set key=value`` override those in turn.
Keys are dotted field paths: ``epochs``, ``lr.end``, ``backbone.train_epoch``, ``search_aug.shift``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping

from trackers.training.augment import AugmentParams
from trackers.training.errors import TrainingError
from trackers.training.schedule import Phase
from trackers.training.sources import DataSpec


@dataclass(frozen=True)
class BackboneSchedule:
    """pysot's BACKBONE.PRETRAINED / TRAIN_EPOCH / TRAIN_LAYERS / LAYERS_LR: before `train_epoch`
    the whole backbone is frozen (batch norm in eval mode); from it, the modules named in
    `train_layers` (prefixes of backbone parameter names; ``*`` for all) train at `layers_lr` x
    the base rate with their batch norm in train mode."""

    pretrained: str = ""
    train_epoch: int = 10
    train_layers: tuple[str, ...] = ()
    layers_lr: float = 0.1


@dataclass(frozen=True)
class EvalConfig:
    """Evaluation of each epoch's checkpoint through the harness (empty `bench`: none)."""

    bench: str = ""
    root: str = ""
    every: int = 1
    sequences: str = ""  # comma list: only these sequences
    workers: int = 1


@dataclass(frozen=True)
class TrainConfig:
    tracker: str
    width: float = 1.0
    seed: int = 123456
    epochs: int = 20
    pairs_per_epoch: int = 600_000
    batch: int = 28  # pairs per worker and step
    micro_batch: int = 0  # split each worker's batch into micro-batches of this size (0: one)
    base_lr: float = 0.005
    warmup: Phase | None = Phase("step", 5, 0.001, 0.005, step=1)
    lr: Phase = Phase("log", 15, 0.005, 0.0005)
    momentum: float = 0.9
    weight_decay: float = 1e-4
    grad_clip: float = 10.0
    backbone: BackboneSchedule = BackboneSchedule()
    neg: float = 0.2
    gray: float = 0.0
    template_aug: AugmentParams = AugmentParams(shift=4, scale=0.05)
    search_aug: AugmentParams = AugmentParams(shift=64, scale=0.18, blur=0.2)
    cls_weight: float = 1.0
    loc_weight: float = 1.2
    data: tuple[DataSpec, ...] = ()
    workers: int = 1
    gpus_per_worker: float = 0.0
    cpus_per_worker: float = 1.0  # CPUs Ray reserves per worker (its data-loading processes share them)
    loader_workers: int = 2  # data-loading processes per training worker (0: in the training process)
    threads: int = 1  # torch CPU threads per training worker
    max_failures: int = 3  # worker-group restarts from the last checkpoint before the run fails
    eval: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict[str, Any]:
        return _plain(dataclasses.asdict(self))

    def check(self) -> "TrainConfig":
        """self, or TrainingError listing every value out of range."""
        problems = []
        for name in ("epochs", "pairs_per_epoch", "batch", "workers"):
            if getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)} must be >= 1")
        if self.micro_batch < 0 or (self.micro_batch and self.batch % self.micro_batch):
            problems.append(f"micro_batch={self.micro_batch} must divide batch={self.batch}")
        if not 0 < self.width <= 1:
            problems.append(f"width={self.width} must be within (0, 1]")
        scheduled = self.lr.epochs + (self.warmup.epochs if self.warmup else 0)
        if scheduled != self.epochs:
            problems.append(f"the learning-rate schedule covers {scheduled} epochs "
                            f"(warmup.epochs + lr.epochs) but epochs={self.epochs}")
        for name in ("neg", "gray"):
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name}={getattr(self, name)} must be a probability")
        if not self.data:
            problems.append("no training data (--data KIND:ROOT)")
        if problems:
            raise TrainingError("bad training config: " + "; ".join(problems))
        return self


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _is_dataclass_type(kind: Any) -> bool:
    return isinstance(kind, type) and dataclasses.is_dataclass(kind)


def _convert(kind: Any, value: Any, where: str) -> Any:
    """`value` (JSON-like, or a string from the command line) as the annotated `kind`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null", "")):
            return None
        return _convert(next(a for a in args if a is not type(None)), value, where)
    if origin is tuple:
        if isinstance(value, str):
            value = json.loads(value) if value.startswith("[") else [v for v in value.split(",") if v]
        if not isinstance(value, (list, tuple)):
            raise TrainingError(f"{where}: expected a list, got {value!r}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if _is_dataclass_type(kind):
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, Mapping):
            raise TrainingError(f"{where}: expected a table of {[f.name for f in dataclasses.fields(kind)]}")
        return build(kind, value, where)
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, bool):
            return value
        raise TrainingError(f"{where}: expected true or false, got {value!r}")
    try:
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        raise TrainingError(f"{where}: expected {kind.__name__}, got {value!r}") from None


def build(cls: type, values: Mapping[str, Any], where: str = "config") -> Any:
    """A `cls` from a mapping; unknown keys are an error, missing ones take the defaults."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise TrainingError(f"{where}: unknown keys {unknown}; known: {sorted(names)}")
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in values]
    if missing:
        raise TrainingError(f"{where}: missing keys {missing}")
    return cls(**{k: _convert(hints[k], v, f"{where}.{k}" if where != "config" else k) for k, v in values.items()})


def merge(config: Any, updates: Mapping[str, Any], where: str = "config") -> Any:
    """`config` with nested `updates` applied (a table replaces only the keys it names)."""
    hints = typing.get_type_hints(type(config))
    changes = {}
    for key, value in updates.items():
        if key not in hints:
            known = sorted(f.name for f in dataclasses.fields(config))
            raise TrainingError(f"{where}: unknown key {key!r}; known: {known}")
        current = getattr(config, key)
        path = key if where == "config" else f"{where}.{key}"
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            changes[key] = merge(current, value, path)
        else:
            changes[key] = _convert(hints[key], value, path)
    return dataclasses.replace(config, **changes)


def set_option(config: TrainConfig, assignment: str) -> TrainConfig:
    """Apply one ``key.sub=value`` assignment (the value parsed as JSON where it parses)."""
    key, eq, raw = assignment.partition("=")
    if not (eq and key.strip()):
        raise TrainingError(f"--set {assignment!r}: expected KEY=VALUE, e.g. epochs=5 or lr.end=0.001")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    nested: Any = value
    for part in reversed(key.strip().split(".")):
        nested = {part: nested}
    return merge(config, nested)


def from_dict(values: Mapping[str, Any]) -> TrainConfig:
    """A TrainConfig read back from its JSON (config.json of a run folder)."""
    return build(TrainConfig, values)
