"""Weights shipped with the package: thin networks trained on synthetic data only.

`synthetic/<name>.pth` holds one checkpoint in our format per deep tracker the registry lists, the
last fallback of the weights lookup (`trackers.siamese.plugins.SiamesePlugin.weights_path`), so that
``harness run --trackers all --bench synthetic`` runs every tracker out of the box. Each file's
``training`` record holds the command, seed and whole configuration that made it
(`synthetic/<name>.toml` is that configuration file) and ``"synthetic_data_only": true``: these
weights show that the code paths track, never real-world accuracy (docs/training.md).
"""

from __future__ import annotations

from pathlib import Path

SYNTHETIC = Path(__file__).resolve().with_name("synthetic")


def synthetic_weights(name: str) -> Path | None:
    """The shipped synthetic-trained checkpoint of the network `name` (a variant name), or None."""
    path = SYNTHETIC / f"{name}.pth"
    return path if path.is_file() else None
