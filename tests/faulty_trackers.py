"""Third-party-style plugins that misbehave on purpose, to prove the runner contains the damage."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackers import Prediction, Tracker, TrackerInfo, TrackerPlugin


class _Faulty(Tracker):
    def __init__(self, config: dict, device: str) -> None:
        self.info = TrackerInfo("faulty", "1", deterministic=True, device=device)
        self.mode, self.at_frame = config.get("mode", "hold"), int(config.get("at_frame", 0))
        self.delay, self.marker = float(config.get("delay", 0.0)), config.get("marker")

    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        self.box, self.frame = np.asarray(box, float), 1

    def track(self, image: np.ndarray) -> Prediction:
        self.frame += 1
        time.sleep(self.delay)
        if self.frame == self.at_frame:
            if self.mode == "raise":
                raise RuntimeError(f"deliberate failure at frame {self.frame}")
            if self.mode == "nan":
                return Prediction(np.array([np.nan, 1.0, 2.0, 3.0]))
            if self.mode == "hang":
                while True:  # never returns, as a tracker stuck in a loop
                    time.sleep(0.05)
            if self.mode == "exit" or (self.mode == "exit_once" and not Path(self.marker).exists()):
                if self.marker:
                    Path(self.marker).touch()
                os._exit(3)  # the worker process dies, as on a crash in native code
        return Prediction(self.box.copy())


@dataclass(frozen=True)
class FaultyPlugin(TrackerPlugin):
    """config: mode, at_frame (1-based), delay (seconds slept per frame), marker (a file path); holds the
    initial box. Modes: 'raise', 'nan' (returns a NaN box), 'hang' (never returns), 'exit' (the process
    dies), 'exit_once' (dies the first time, when `marker` does not exist yet), 'hold' (no fault). With
    config gpu=True it asks for a GPU, and reports the device it was given."""

    def unavailable_reason(self) -> str | None:
        return None

    def create(self, device: str = "cpu") -> Tracker:
        if self.config.get("gpu"):  # which GPU Ray gave this actor, and which actor it is
            device = f"{device}:{os.environ.get('CUDA_VISIBLE_DEVICES')}:{os.getpid()}"
        return _Faulty(self.config, device)

    @property
    def wants_gpu(self) -> bool:
        return bool(self.config.get("gpu"))

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
