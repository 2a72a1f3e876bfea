"""Weights on disk: the authors' released checkpoints, and our own format.

Three layouts load, each strictly (every parameter present, none left over, shapes equal):

- pysot model zoo (``siamrpn_alex_dwxcorr``, ``siamrpn_r50_l234_dwxcorr``,
  ``siamrpn_mobilev2_l234_dwxcorr``): a state dict, maybe under ``state_dict`` and maybe with
  DataParallel's ``module.`` prefix; names equal ours.
- the up-channel SiamRPN models released with DaSiamRPN (``SiamRPNVOT.model``,
  ``SiamRPNOTB.model``): ``featureExtract.*``, ``conv_cls1`` ... renamed by `DASIAMRPN_NAMES`.
- ours: ``{"format": "harness-siamese", "version", "variant", "config", "training",
  "state_dict", "sha256"}``; the config carries the tracking hyper-parameters it was tuned with
  and the network's shape (which may be a thinner width of the variant, as `harness train`
  makes on CPUs), and the checksum covers every tensor's name, dtype, shape and bytes.

Batch-norm ``num_batches_tracked`` counters are optional: checkpoints older than PyTorch 0.4.1
lack them, and inference never reads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from trackers.base import TrackerError
from trackers.siamese.config import ModelConfig, TrackConfig, Variant, track_from_dict

FORMAT = "harness-siamese"
FORMAT_VERSION = 1
DASIAMRPN_NAMES = {
    "featureExtract.": "backbone.features.",
    "conv_cls1.": "rpn_head.template_cls_conv.",
    "conv_r1.": "rpn_head.template_loc_conv.",
    "conv_cls2.": "rpn_head.search_cls_conv.",
    "conv_r2.": "rpn_head.search_loc_conv.",
    "regress_adjust.": "rpn_head.loc_adjust.",
}
OPTIONAL_SUFFIX = "num_batches_tracked"
LISTED = 12  # names shown per kind of problem; the count says how many more


class CheckpointError(TrackerError):
    """A weights file is unreadable or does not fit the network it was given to."""


@dataclass(frozen=True)
class LoadedWeights:
    layout: str
    track: TrackConfig | None = None


def read_file(path: Path) -> Any:
    """torch.load with weights_only=True: tensors and plain containers, never arbitrary pickles."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"weights file {path} does not exist") from None
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{path} holds objects other than tensors and plain containers, so it is not loaded "
            f"(weights_only=True); re-save just its state_dict. torch said: {str(exc).splitlines()[0]}"
        ) from exc
    except (RuntimeError, EOFError, OSError) as exc:
        raise CheckpointError(f"{path} is not a readable PyTorch checkpoint: {exc}") from exc


def _listing(kind: str, names: list[str]) -> str:
    shown = ", ".join(names[:LISTED]) + (f" ... and {len(names) - LISTED} more" if len(names) > LISTED else "")
    return f"{len(names)} {kind}: {shown}"


def strict_load(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Load `state` into `model`, or raise listing every missing, unexpected and misshapen name."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state and not k.endswith(OPTIONAL_SUFFIX)]
    unexpected = [k for k in state if k not in expected]
    misshapen = [
        f"{k} (file {tuple(v.shape)}, network {tuple(expected[k].shape)})"
        for k, v in state.items()
        if k in expected and tuple(v.shape) != tuple(expected[k].shape)
    ]
    if missing or unexpected or misshapen:
        problems = [_listing(kind, names) for kind, names in
                    (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", misshapen)) if names]
        raise CheckpointError(f"{source} does not fit this network; " + "; ".join(problems)
                              + ". Is it the checkpoint of another variant?")
    model.load_state_dict({**expected, **state}, strict=True)


def released_state(raw: Any, source: Path) -> tuple[str, dict[str, torch.Tensor]]:
    """(layout, state dict in our names) of a pysot or DaSiamRPN file."""
    state = raw.get("state_dict", raw) if isinstance(raw, dict) else raw
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{source}: expected a state dict (parameter name -> tensor), optionally under 'state_dict'")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if not any(k.startswith("featureExtract.") for k in state):
        return "pysot", state
    renamed = {}
    for key, value in state.items():
        prefix = next((p for p in DASIAMRPN_NAMES if key.startswith(p)), None)
        renamed[DASIAMRPN_NAMES[prefix] + key[len(prefix):] if prefix else key] = value
    return "dasiamrpn", renamed


def state_sha256(state: Mapping[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class OurCheckpoint:
    """A file in our format, its version and checksum verified."""

    variant: str
    config: dict[str, Any]
    state: dict[str, torch.Tensor]


def is_ours(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("format") == FORMAT


def synthetic_only(raw: Any) -> bool:
    """Whether a file's weights were trained on synthetic data only (our format's training record says so)."""
    training = raw.get("training") if is_ours(raw) else None
    return isinstance(training, dict) and training.get("synthetic_data_only") is True


def checked_ours(raw: dict[str, Any], path: Path) -> OurCheckpoint:
    """The contents of a file in our format, or an error naming what is wrong with it."""
    if raw.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: {FORMAT} version {raw.get('version')!r}; this code reads version {FORMAT_VERSION}")
    config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    state = raw.get("state_dict")
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: {FORMAT} file without a state_dict")
    if state_sha256(state) != raw.get("sha256"):
        raise CheckpointError(f"{path}: checksum mismatch (stored {raw.get('sha256')}, tensors hash to "
                              f"{state_sha256(state)}); the file is corrupt or was edited")
    return OurCheckpoint(str(raw.get("variant")), config, state)


def load_ours(model: nn.Module, raw: dict, path: Path, name: str, model_config: Any) -> dict:
    """Fill `model` from a file in our format made for the network `name` with `model_config`
    (its plain-dict form); returns the file's whole config."""
    ours = checked_ours(raw, path)
    if ours.variant != name or ours.config.get("model") != model_config:
        raise CheckpointError(f"{path} holds a {ours.variant!r} network; {name!r} needs its own weights")
    strict_load(model, ours.state, str(path))
    return ours.config


def stored_variant(raw: Any, variant: Variant) -> Variant:
    """`variant` with the network shape a checkpoint of our format stores, when that is the same
    backbone and head at another width (a thin network trained by `harness train`); else `variant`."""
    if not (is_ours(raw) and raw.get("variant") == variant.name):
        return variant
    stored = (raw.get("config") or {}).get("model")
    if not isinstance(stored, dict) or set(stored) != {f.name for f in dataclasses.fields(ModelConfig)}:
        return variant
    model = ModelConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()})
    if (model.backbone, model.head) != (variant.model.backbone, variant.model.head):
        return variant
    return dataclasses.replace(variant, model=model)


def load_weights(model: nn.Module, path: Path, variant: Variant, raw: Any = None) -> LoadedWeights:
    """Fill `model` from `path` in any of the three layouts; ours also returns its tracking config.
    `raw` is the file's content when the caller has read it already."""
    raw = read_file(path) if raw is None else raw
    if not is_ours(raw):
        layout, state = released_state(raw, path)
        strict_load(model, state, f"{path} ({layout} layout)")
        return LoadedWeights(layout)
    config = load_ours(model, raw, path, variant.name, variant.to_dict()["model"])
    try:
        return LoadedWeights("harness", track_from_dict(config.get("track", {})))
    except TrackerError as exc:
        raise CheckpointError(f"{path}: {exc}") from None


def save_ours(model: nn.Module, path: Path, name: str, config: dict, training: Mapping[str, Any] | None = None) -> str:
    """Write `model` in our format, for the network `name` described by `config` (plain values,
    with a "model" entry), atomically; returns the tensors' checksum."""
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    checksum = state_sha256(state)
    payload = {"format": FORMAT, "version": FORMAT_VERSION, "variant": name, "config": config,
               "training": dict(training or {}), "state_dict": state, "sha256": checksum}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    os.replace(partial, path)
    return checksum


def save_checkpoint(
    model: nn.Module, path: Path, variant: Variant, track: TrackConfig | None = None, training: Mapping[str, Any] | None = None
) -> str:
    """Write our format atomically; returns the tensors' checksum. `training` is free-form
    (plain values only) and records how the weights were made."""
    config = (variant if track is None else dataclasses.replace(variant, track=track)).to_dict()
    return save_ours(model, path, variant.name, config, training)
