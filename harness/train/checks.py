"""What `harness train` checks before Ray starts, beyond each setting's own range (`trackers.training.limits`):
the network builds at the asked width and its trainable layers exist, a pretrained backbone file fits
and holds finite numbers, the evaluation benchmark loads, and the workers fit on the machine or cluster.
Each failure is one line naming the setting; nothing has been written or started by then."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from benchmarks import BenchmarkError
from benchmarks.registry import benchmark_record, load_benchmark
from harness.experiments.one_pass import ONE_PASS
from trackers import TrackerError
from trackers.siamese.checkpoint import read_file
from trackers.training.config import TrainConfig
from trackers.training.errors import TrainingError
from trackers.training.optim import load_pretrained
from trackers.training.specs import spec_for


def check_network(config: TrainConfig) -> None:
    """The network at `config.width`, built on torch's meta device (shapes only, no memory): every layer
    has channels, every ``backbone.train_layers`` entry names backbone parameters, and the pretrained
    file (if any) fits the backbone and holds no NaN or infinity."""
    spec = spec_for(config.tracker)
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # meta tensors are not initialised: that is the point
            model = spec.build(spec.variant(config.width))
    except (ValueError, RuntimeError, TrackerError) as exc:
        raise TrainingError(f"width={config.width:g}: {config.tracker}'s network cannot be built that thin "
                            f"({exc})") from None
    empty = [name for name, p in model.named_parameters() if p.numel() == 0]
    if empty:
        raise TrainingError(f"width={config.width:g} leaves {config.tracker}'s {empty[0].rpartition('.')[0]} without "
                            "channels: choose a larger width")
    backbone = getattr(model, spec.backbone)
    names = [name for name, _ in backbone.named_parameters()]
    unknown = [p for p in config.backbone.train_layers
               if p != "*" and not any(n == p or n.startswith(p + ".") for n in names)]
    if unknown:
        layers = list(dict.fromkeys(n.rpartition(".")[0] for n in names))
        shown = ", ".join(layers[:12]) + (f" ... ({len(layers)} in all)" if len(layers) > 12 else "")
        raise TrainingError(f"backbone.train_layers: {', '.join(unknown)} names no layer of {config.tracker}'s backbone "
                            f"(at width {config.width:g}), so it would never train; its layers: {shown}, or * for all")
    if config.backbone.pretrained:
        _check_pretrained(backbone, Path(config.backbone.pretrained).expanduser())


def _check_pretrained(backbone: torch.nn.Module, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # copying into meta parameters is a no-op, as wanted
        load_pretrained(backbone, str(path))  # names and shapes only
    raw = read_file(path)
    state = raw.get("state_dict", raw) if isinstance(raw, dict) else raw
    for name, tensor in state.items():
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise TrainingError(f"backbone.pretrained={path}: {name} holds NaN or infinite values; training from it "
                                "would give NaN weights")


def check_evaluation(config: TrainConfig) -> None:
    """The benchmark that evaluates each epoch is known, has a one-pass profile, and loads (its root and
    the sequences asked for), so that a typo fails now and not after the first epoch."""
    settings = config.eval
    if not settings.bench:
        return
    try:
        record = benchmark_record(settings.bench)
        if ONE_PASS.name not in record.default_profiles:
            raise TrainingError(f"eval.bench={settings.bench}: it has no official one-pass profile to evaluate "
                                "epochs with")
        load_benchmark(settings.bench, settings.root or None, [n for n in settings.sequences.split(",") if n] or None)
    except BenchmarkError as exc:
        raise TrainingError(f"eval.bench={settings.bench} (--eval-bench): {exc}") from None


@dataclass(frozen=True)
class Node:
    cpus: float
    gpus: float


def local_node() -> Node:
    """This machine as Ray's local instance will count it (Ray's CPU count, which honours container
    limits; the GPUs torch sees, as CUDA_VISIBLE_DEVICES leaves them)."""
    from ray._private.utils import get_num_cpus

    return Node(float(get_num_cpus()), float(torch.cuda.device_count()))


def cluster_nodes() -> list[Node]:
    import ray

    return [Node(n["Resources"].get("CPU", 0.0), n["Resources"].get("GPU", 0.0)) for n in ray.nodes() if n.get("Alive")]


def _room(node: Node, cpus: float, gpus: float) -> int:
    """Workers of `cpus` CPUs and `gpus` GPUs one node holds (shares of a GPU pack onto it, as Ray places them).
    The 1e-9 absorbs the rounding of a quotient of decimal shares (0.7 / 0.1 is 6.999999999999999)."""
    by_cpu = math.floor(node.cpus / cpus + 1e-9)
    if gpus <= 0:
        return by_cpu
    if gpus <= 1:
        return min(by_cpu, math.floor(node.gpus + 1e-9) * math.floor(1 / gpus + 1e-9))
    return min(by_cpu, math.floor(node.gpus / gpus + 1e-9))


def check_fits(config: TrainConfig, nodes: list[Node], where: str) -> None:
    """TrainingError when the workers cannot all be placed (Ray Train would wait for them forever)."""
    room = sum(_room(n, config.cpus_per_worker, config.gpus_per_worker) for n in nodes)
    if config.workers <= room:
        return
    have = ", ".join(f"{n.cpus:g} CPUs and {n.gpus:g} GPUs" for n in nodes[:4]) + (" ..." if len(nodes) > 4 else "")
    each = f"cpus_per_worker={config.cpus_per_worker:g}" + (f", gpus_per_worker={config.gpus_per_worker:g}"
                                                           if config.gpus_per_worker else "")
    raise TrainingError(f"workers={config.workers} with {each} cannot be placed on {where} ({have}): room for "
                        f"{room}; lower --workers, cpus_per_worker or gpus_per_worker")
