"""The tracker plugin contract.

Images are H x W x 3 uint8 arrays in **BGR** channel order (what OpenCV decodes, and what the
pysot-family trackers were trained on). Boxes are ``x, y, w, h`` float64 pixels, top-left origin.
"""

from __future__ import annotations

import abc
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.vot import axis_aligned_boxes


class TrackerError(Exception):
    """A tracker plugin could not be built or used."""


class WeightsMissingError(TrackerError):
    """Weights a tracker needs are not on disk; the message says where to put them."""


@dataclass(frozen=True)
class Prediction:
    """A tracker's answer for one frame: its box, its confidence (NaN: none), and, for a tracker that segments,
    its mask as a boolean bitmap and the bitmap's top-left pixel (x, y) in the frame (VOT2020+ scores it)."""

    box: np.ndarray
    score: float = float("nan")
    mask: tuple[np.ndarray, tuple[int, int]] | None = None


@dataclass(frozen=True)
class TrackerInfo:
    name: str
    version: str
    deterministic: bool
    device: str = "cpu"
    synthetic_weights: bool = False  # its weights were trained on synthetic data only (results say so)


class Tracker(abc.ABC):
    """One target followed through the frames of one sequence."""

    info: TrackerInfo

    @abc.abstractmethod
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        """Start following the target `box` (x, y, w, h) in `image` (BGR)."""

    @abc.abstractmethod
    def track(self, image: np.ndarray) -> Prediction:
        """Return the target's box in the next frame."""

    def next_frame_file(self, path: Path) -> None:
        """Told by the runner's loops, before each `initialize` or `track`, the file that call's image was
        decoded from. The default ignores it; a tracker that reads frames itself keeps it (a TraX tracker's
        process is sent frames by path, as the VOT toolkit sends them)."""

    def init_box(self, region: np.ndarray) -> np.ndarray:
        """The ``x, y, w, h`` box this tracker starts from, given the region as the benchmark gives it:
        4 values (a rectangle ``x, y, w, h``) or 8 (a polygon, e.g. VOT's rotated boxes).

        The runners call it at initialisation and at every re-initialisation, pass its answer to
        `initialize` and store it as the frame's box. The default is the VOT toolkit's convention,
        the smallest upright rectangle around the region; a tracker whose authors converted
        differently (pysot's area-preserving box) overrides it so its published numbers reproduce.
        """
        return axis_aligned_boxes(np.asarray(region, dtype=np.float64).reshape(1, -1))[0]


@dataclass(frozen=True)
class TrackerPlugin(abc.ABC):
    """A factory the registry knows by name; `config` is what the run is reproducible from."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)

    @abc.abstractmethod
    def unavailable_reason(self) -> str | None:
        """None when the tracker can be built here, else why not (and how to fix it)."""

    @abc.abstractmethod
    def create(self, device: str = "cpu") -> Tracker:
        """Build a ready tracker; raises WeightsMissingError or TrackerError."""

    @abc.abstractmethod
    def weights_files(self) -> list[Path]:
        """The files whose checksum goes into provenance (empty when there are none)."""

    @property
    @abc.abstractmethod
    def deterministic(self) -> bool: ...

    @property
    def wants_gpu(self) -> bool:
        return False

    def config_hash(self) -> str:
        blob = json.dumps({"name": self.name, "config": self.config}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def weights_checksum(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.weights_files()):
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        return digest.hexdigest() if self.weights_files() else ""
