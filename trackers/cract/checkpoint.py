"""CRACT weights on disk, in our format (`trackers.siamese.checkpoint`: config + sha256).

The file's config holds the network shape (checked against the variant's), and the tracking and
online settings the weights were tuned with, which replace the variant's defaults on load. No
released CRACT weights exist (the authors published none), so our format is the only layout.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping

from trackers.base import TrackerError
from trackers.cract.config import CRACTModelConfig, CRACTVariant, settings_from_dict
from trackers.cract.model import CRACTNet
from trackers.siamese.checkpoint import FORMAT, CheckpointError, is_ours, load_ours, read_file, save_ours


def save(model: CRACTNet, path: Path, variant: CRACTVariant, training: Mapping[str, Any] | None = None) -> str:
    """Write `model` with the variant's config (its tracking/online settings included); returns
    the tensors' checksum. `training` is free-form (plain values) and records how they were made."""
    return save_ours(model, path, variant.name, variant.to_dict(), training)


def stored_variant(raw: Any, variant: CRACTVariant) -> CRACTVariant:
    """`variant` with the network shape a checkpoint of ours made for it stores (another width, as
    `harness train --set width=...` makes), so that the plugin builds the network the file holds."""
    if not (is_ours(raw) and raw.get("variant") == variant.name):
        return variant
    stored = (raw.get("config") or {}).get("model")
    if not isinstance(stored, dict) or set(stored) != {f.name for f in dataclasses.fields(CRACTModelConfig)}:
        return variant
    return dataclasses.replace(variant, model=CRACTModelConfig(**{k: tuple(v) if isinstance(v, list) else v
                                                                  for k, v in stored.items()}))


def load(model: CRACTNet, path: Path, variant: CRACTVariant) -> CRACTVariant:
    """Fill `model` from `path`; returns the variant with the file's tracking and online settings."""
    raw = read_file(path)
    if not is_ours(raw):
        raise CheckpointError(
            f"{path} is not a {FORMAT!r} checkpoint; CRACT has no released weights, so it loads only files "
            f"written by trackers.cract.checkpoint.save"
        )
    config = load_ours(model, raw, path, variant.name, variant.to_dict()["model"])
    try:
        return settings_from_dict(variant, config)
    except TrackerError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
