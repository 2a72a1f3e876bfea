"""Third-party-style plugins that misbehave on purpose, to prove the runner contains the damage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackers import Prediction, Tracker, TrackerInfo, TrackerPlugin


class _Faulty(Tracker):
    def __init__(self, mode: str, at_frame: int) -> None:
        self.info = TrackerInfo("faulty", "1", deterministic=True)
        self.mode, self.at_frame = mode, at_frame

    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        self.box, self.frame = np.asarray(box, float), 1

    def track(self, image: np.ndarray) -> Prediction:
        self.frame += 1
        if self.frame == self.at_frame:
            if self.mode == "raise":
                raise RuntimeError(f"deliberate failure at frame {self.frame}")
            return Prediction(np.array([np.nan, 1.0, 2.0, 3.0]))
        return Prediction(self.box.copy())


@dataclass(frozen=True)
class FaultyPlugin(TrackerPlugin):
    """config: mode ('raise' or 'nan') and at_frame (1-based); holds the initial box otherwise."""

    def unavailable_reason(self) -> str | None:
        return None

    def create(self, device: str = "cpu") -> Tracker:
        return _Faulty(self.config["mode"], int(self.config["at_frame"]))

    def weights_files(self) -> list[Path]:
        return []

    @property
    def deterministic(self) -> bool:
        return True


class _Jittery(Tracker):
    def __init__(self) -> None:
        self.info = TrackerInfo("jittery", "1", deterministic=False)
        self.rng = np.random.default_rng()

    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        self.box = np.asarray(box, float)

    def track(self, image: np.ndarray) -> Prediction:
        return Prediction(self.box + np.r_[self.rng.normal(0, 2, 2), 0, 0])


@dataclass(frozen=True)
class JitteryPlugin(TrackerPlugin):
    """Holds the initial box with random jitter: no two runs agree, as for a stochastic tracker."""

    def unavailable_reason(self) -> str | None:
        return None

    def create(self, device: str = "cpu") -> Tracker:
        return _Jittery()

    def weights_files(self) -> list[Path]:
        return []

    @property
    def deterministic(self) -> bool:
        return False
