"""A training run's whole configuration as plain frozen dataclasses, written to and read from JSON.

Defaults are pysot's (pysot/core/config.py); each tracker's training spec overrides them with
its authors' recipe (`specs`), a config file and ``--set key=value`` override those in turn.
Keys are dotted field paths: ``epochs``, ``lr.end``, ``backbone.train_epoch``, ``search_aug.shift``.
Every value is checked as it comes in, against its type and the ranges in `limits`, and the error
names where it came from; `TrainConfig.check` then checks the settings against each other.
"""

from __future__ import annotations

import dataclasses
import json
import reprlib
import types
import typing
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping

import numpy as np

from trackers.training import limits
from trackers.training.augment import AugmentParams
from trackers.training.errors import TrainingError
from trackers.training.schedule import Phase, epoch_rates
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

    def check(self, origins: Mapping[str, str] | None = None) -> "TrainConfig":
        """self, or TrainingError listing every value out of range (`limits`) and every pair of
        settings that contradict each other; `origins` (dotted key to where it was set, as `merge`
        records it) names the source of the keys involved."""
        out_of_range = _walk(self, "")
        problems = list(out_of_range)
        said = partial(_origin, origins or {})
        scheduled = self.lr.epochs + (self.warmup.epochs if self.warmup else 0)
        if scheduled != self.epochs:
            problems.append(f"the learning-rate schedule covers {scheduled} epochs (warmup.epochs + lr.epochs) "
                            f"but epochs={self.epochs}{said('epochs', 'warmup.epochs', 'lr.epochs')}")
        if self.micro_batch and self.batch % self.micro_batch:
            problems.append(f"micro_batch={self.micro_batch} must divide batch={self.batch}{said('micro_batch', 'batch')}")
        if self.pairs_per_epoch < self.batch * self.workers:
            problems.append(f"pairs_per_epoch={self.pairs_per_epoch} is less than one step's batch x workers = "
                            f"{self.batch * self.workers} pairs{said('pairs_per_epoch', 'batch', 'workers')}")
        if self.cls_weight == 0 and self.loc_weight == 0:
            problems.append("cls_weight and loc_weight are both 0: nothing would be learnt"
                            + said("cls_weight", "loc_weight"))
        problems += self._schedule_problems(said, computable=not out_of_range)
        for i, spec in enumerate(self.data):
            if spec.anno and spec.kind != "crop511":
                problems.append(f"data[{i}] ({spec.name}): anno= is for crop511 sources only")
            if (spec.videos or spec.first) and spec.kind != "synthetic":
                problems.append(f"data[{i}] ({spec.name}): videos= and first= are for synthetic sources only")
        if not self.eval.bench:
            unused = [f"eval.{f.name}" for f in dataclasses.fields(EvalConfig)
                      if getattr(self.eval, f.name) != getattr(EvalConfig(), f.name)]
            if unused:
                problems.append(f"{', '.join(unused)} set but eval.bench (--eval-bench) is not{said(*unused)}")
        if not self.data:
            problems.append("no training data (--data KIND:ROOT)")
        if problems:
            raise TrainingError("bad training config: " + "; ".join(problems))
        return self

    def _schedule_problems(self, said: Callable[..., str], computable: bool) -> list[str]:
        """A phase the schedule cannot compute, or rates that are not positive and finite or above 1
        (computed only when every value is in range: `computable`)."""
        problems = []
        for name, phase in (("warmup", self.warmup), ("lr", self.lr)):
            if phase is None:
                continue
            if phase.kind == "log" and phase.end is None:
                problems.append(f"{name} is a log phase without an end rate ({name}.end){said(name + '.end')}")
            if phase.kind == "step" and phase.end is not None and phase.step > phase.epochs:
                problems.append(f"{name}.step={phase.step} is longer than the phase ({name}.epochs={phase.epochs}): "
                                f"a step warm-up reaches {name}.end one step after it"
                                + said(f"{name}.step", f"{name}.epochs"))
        if problems or not computable:
            return problems
        with np.errstate(all="ignore"):
            rates, start = epoch_rates(self.lr, self.warmup)
            scale = max(1.0, self.backbone.layers_lr)
            effective = rates * self.base_lr / start * scale
        bad = np.flatnonzero(~(np.isfinite(effective) & (effective > 0) & (effective <= 1)))
        if len(bad):
            epoch = int(bad[0])
            problems.append(f"the learning rate of epoch {epoch + 1} would be {effective[epoch]:.3g} (the schedule's "
                            f"{rates[epoch]:.3g} x base_lr {self.base_lr:g} / lr.start {start:g}"
                            f"{f' x backbone.layers_lr {scale:g}' if scale > 1 else ''}): expected a rate in (0, 1]"
                            f"{said('base_lr', 'lr.start', 'warmup.start', 'backbone.layers_lr')}")
        return problems


class _Bad(ValueError):
    """A value that does not fit its key; the public functions add where it came from."""


def _origin(origins: Mapping[str, str], *keys: str) -> str:
    """`` (epochs: --set epochs=3; lr.epochs: the siamrpn recipe)`` for the keys whose source is known."""
    found = []
    for key in keys:
        parts = key.split(".")
        source = next((origins[".".join(parts[:n])] for n in range(len(parts), 0, -1)
                       if ".".join(parts[:n]) in origins), None)
        if source:
            found.append(f"{key}: {source}")
    return f" ({'; '.join(found)})" if found else ""


def _show(value: Any) -> str:
    return reprlib.repr(value)  # bounded: a value may be a table nested thousands deep


def _walk(value: Any, path: str) -> list[str]:
    """Every field of a dataclass (and of those inside it) outside its `limits`."""
    problems = []
    owner = type(value).__name__
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        where = f"{path}.{f.name}" if path else f.name
        items = list(enumerate(item)) if isinstance(item, tuple) else [(None, item)]
        for i, one in items:
            at = where if i is None else f"{where}[{i}]"
            if dataclasses.is_dataclass(one):
                problems += _walk(one, at)
            elif (expected := limits.problem(owner, f.name, one)) is not None:
                problems.append(f"{at} = {_show(one)}: expected {expected}")
    return problems


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _is_dataclass_type(kind: Any) -> bool:
    return isinstance(kind, type) and dataclasses.is_dataclass(kind)


def _convert(kind: Any, value: Any, where: str) -> Any:
    """`value` (JSON-like, or a string from the command line) as the annotated `kind`; no coercion
    between kinds (a float is no int, a number no string), and a dataclass comes out checked."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null", "")):
            return None
        return _convert(next(a for a in args if a is not type(None)), value, where)
    if origin is tuple:
        if isinstance(value, str):
            value = _json(value, where) if value.startswith("[") else [v for v in value.split(",") if v]
        if not isinstance(value, (list, tuple)):
            raise _Bad(f"{where}: expected a list, got {_show(value)}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if _is_dataclass_type(kind):
        if isinstance(value, kind):
            problems = _walk(value, where)
            if problems:
                raise _Bad(problems[0])
            return value
        if isinstance(value, str):
            value = _json(value, where)
        if not isinstance(value, Mapping):
            raise _Bad(f"{where}: expected a table of {[f.name for f in dataclasses.fields(kind)]}, got {_show(value)}")
        return build(kind, value, where)
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, bool):
            return value
        raise _Bad(f"{where}: expected true or false, got {_show(value)}")
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, str):
        return value
    name = {int: "int (a whole number)", float: "a number", str: "text"}.get(kind, getattr(kind, "__name__", str(kind)))
    raise _Bad(f"{where}: expected {name}, got {_show(value)}")


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _Bad(f"{where}: not valid JSON ({type(exc).__name__}: {str(exc)[:80]})") from None


def _field(owner: type, name: str, kind: Any, value: Any, where: str) -> Any:
    converted = _convert(kind, value, where)
    expected = limits.problem(owner.__name__, name, converted)
    if expected is not None:
        raise _Bad(f"{where} = {_show(value)}: expected {expected}")
    return converted


def build(cls: type, values: Mapping[str, Any], where: str = "") -> Any:
    """A `cls` from a mapping; unknown keys are an error, missing ones take the defaults."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(str(k) for k in set(values) - names)
    if unknown:
        raise _Bad(f"{where or 'config'}: unknown keys {unknown}; known: {sorted(names)}")
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in values]
    if missing:
        raise _Bad(f"{where or 'config'}: missing keys {missing}")
    return cls(**{k: _field(cls, k, hints[k], v, f"{where}.{k}" if where else k) for k, v in values.items()})


def _merge(config: Any, updates: Any, where: str, source: str, origins: dict[str, str] | None) -> Any:
    if not isinstance(updates, Mapping):
        raise _Bad(f"{where or 'the config'}: expected a table of keys, got {_show(updates)}")
    hints = typing.get_type_hints(type(config))
    changes = {}
    for key, value in updates.items():
        if key not in hints:
            known = sorted(f.name for f in dataclasses.fields(config))
            raise _Bad(f"unknown key {key!r}{f' in {where}' if where else ''}; known: {known}")
        current = getattr(config, key)
        path = f"{where}.{key}" if where else key
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            changes[key] = _merge(current, value, path, source, origins)
        else:
            changes[key] = _field(type(config), key, hints[key], value, path)
            if origins is not None:
                origins[path] = source
    return dataclasses.replace(config, **changes)


def _from(source: str, bad: _Bad) -> TrainingError:
    return TrainingError(f"{source}: {bad}" if source else str(bad))


def merge(config: Any, updates: Mapping[str, Any], source: str = "", origins: dict[str, str] | None = None) -> Any:
    """`config` with nested `updates` applied (a table replaces only the keys it names), each value
    checked against its type and `limits`; errors start with `source` (the file or option the
    updates came from), and `origins` records the source of each key set."""
    try:
        return _merge(config, updates, "", source, origins)
    except _Bad as bad:
        raise _from(source, bad) from None


def _kind_of(config: Any, parts: list[str]) -> Any:
    """The annotated type at a dotted path (None where the path names no key)."""
    kind: Any = type(config)
    for part in parts:
        kind = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
        if not _is_dataclass_type(kind) or part not in typing.get_type_hints(kind):
            return None
        kind = typing.get_type_hints(kind)[part]
    return kind


def set_option(config: TrainConfig, assignment: str, origins: dict[str, str] | None = None) -> TrainConfig:
    """Apply one ``key.sub=value`` assignment (the value parsed as JSON where it parses, except for
    keys that hold text, which take it as written)."""
    key, eq, raw = assignment.partition("=")
    source = f"--set {assignment}"
    if not (eq and key.strip()):
        raise TrainingError(f"{source}: expected KEY=VALUE, e.g. epochs=5 or lr.end=0.001")
    parts = key.strip().split(".")
    value: Any = raw
    kind = _kind_of(config, parts)
    if kind not in (str, tuple[str, ...]):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            if kind is float and raw.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
                value = float(raw)  # said as Python writes it: refused as not finite, not as not a number
    return merge(config, nested(key.strip(), value), source, origins)


def nested(key: str, value: Any) -> dict[str, Any]:
    """``{"lr": {"end": value}}`` for the dotted key ``lr.end``."""
    table: Any = value
    for part in reversed(key.split(".")):
        table = {part: table}
    return table


def from_dict(values: Mapping[str, Any], source: str = "") -> TrainConfig:
    """A TrainConfig read back from its JSON (config.json of a run folder)."""
    if not isinstance(values, Mapping):
        raise _from(source, _Bad(f"expected a table of training settings, got {_show(values)}"))
    try:
        return build(TrainConfig, values)
    except _Bad as bad:
        raise _from(source, bad) from None
