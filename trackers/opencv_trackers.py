"""OpenCV's built-in MIL and NanoTrack trackers behind the plugin contract.

Threads: `create` calls ``cv2.setNumThreads(1)`` (a process-wide setting). The runner already
puts one worker per core; letting OpenCV also spread each frame over every core would
oversubscribe the CPU, slowing all workers down and making per-tracker fps depend on how many
neighbours happen to run.

MIL runs in a child process of its own (`trackers/mil_child.py` says why: its features come from
libc ``rand()``, which other threads of a Ray worker also call); each call sends the frame there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from trackers import mil_child
from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo, TrackerPlugin, WeightsMissingError

NANO_FILES = ("nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx")
NANO_ENV = "HARNESS_NANOTRACK_DIR"
WEIGHTS_ENV = "HARNESS_WEIGHTS"


def to_cv_rect(box: np.ndarray) -> tuple[int, int, int, int]:
    """The integer rect OpenCV's trackers need (OpenCV 5 refuses floats, even for Nano).

    The edges are rounded half-up, not the size: x1 = floor(x + .5), x2 = floor(x + w + .5),
    w = x2 - x1, so every edge moves by at most half a pixel and the rect keeps the box's
    extent; width and height are kept at least 1 pixel because OpenCV asserts on empty rects.
    """
    x, y, w, h = (float(v) for v in box)
    x1, y1 = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
    x2, y2 = int(np.floor(x + w + 0.5)), int(np.floor(y + h + 0.5))
    return x1, y1, max(1, x2 - x1), max(1, y2 - y1)


def _check_options(plugin: TrackerPlugin, allowed: set[str]) -> None:
    unknown = sorted(set(plugin.config) - allowed)
    if unknown:
        raise TrackerError(
            f"tracker {plugin.name!r} got unknown options {unknown}; it accepts {sorted(allowed) or 'none'}"
        )


class _OpenCVTracker(Tracker):
    """Adapts a cv2 tracker (or anything with its `init`/`update`); subclasses say how to score it."""

    def __init__(self, cv_tracker: Any, info: TrackerInfo) -> None:
        self._cv = cv_tracker
        self.info = info
        self._last = np.zeros(4)

    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        self._cv.init(image, to_cv_rect(box))
        self._last = np.asarray(box, dtype=np.float64).copy()

    def track(self, image: np.ndarray) -> Prediction:
        found, rect = self._cv.update(image)
        # When OpenCV reports the target lost its box is meaningless; repeat the last one so
        # every frame has a prediction. (MIL reports it when no candidate window fits in the
        # image around the last position; OpenCV's Nano always reports found.)
        if found:
            self._last = np.asarray(rect, dtype=np.float64)
        return Prediction(box=self._last.copy(), score=self._score())

    def _score(self) -> float:
        return float("nan")


class MILProcess:
    """cv2.TrackerMIL in its child process (`trackers/mil_child.py`), with OpenCV's `init`/`update`. Every
    `init` (a VOT re-initialisation too) builds a fresh MIL seeded with `seed` (``cv::theRNG`` and libc's
    ``srand``), so a run is a function of (seed, frames) alone. The child ends with this object, or when
    its parent process dies (its input closes)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._child = subprocess.Popen([sys.executable, mil_child.__file__], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE)

    def init(self, image: np.ndarray, rect: tuple[int, int, int, int]) -> None:
        self._call("init", self.seed, image, rect)

    def update(self, image: np.ndarray) -> tuple[bool, tuple[int, int, int, int]]:
        return self._call("update", image)

    def _call(self, *message: Any) -> Any:
        try:
            mil_child.send(self._child.stdin, message)
            status, value = mil_child.receive(self._child.stdout)
        except (EOFError, BrokenPipeError):
            raise TrackerError(f"OpenCV MIL's process ended (exit code {self._child.wait()})") from None
        if status == "error":
            raise TrackerError(f"OpenCV MIL: {value}")
        return value

    def close(self) -> None:
        if self._child.poll() is None:
            self._child.stdin.close()
            try:
                self._child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()

    def __del__(self) -> None:
        self.close()


class _NanoTracker(_OpenCVTracker):
    def _score(self) -> float:
        # OpenCV's value at the chosen box: target probability after the scale/ratio penalty,
        # blended with a Hann window (0..1); it is not a calibrated confidence.
        return float(self._cv.getTrackingScore())


@dataclass(frozen=True)
class OpenCVMIL(TrackerPlugin):
    """OpenCV's MIL tracker (Babenko et al.): online boosting, no weights. Option: `seed` (int)."""

    def __post_init__(self) -> None:
        _check_options(self, {"seed"})

    def unavailable_reason(self) -> str | None:
        return None if hasattr(cv2, "TrackerMIL") else f"this OpenCV {cv2.__version__} has no TrackerMIL"

    def create(self, device: str = "cpu") -> Tracker:
        # CPU only, whatever `device` says: a worker placed on a GPU for another tracker
        # still runs this one, and TrackerInfo.device records where it really ran.
        info = TrackerInfo(name=self.name, version=f"opencv-{cv2.__version__}", deterministic=self.deterministic)
        return _OpenCVTracker(MILProcess(int(self.config.get("seed", 0))), info)

    def weights_files(self) -> list[Path]:
        return []

    @property
    def deterministic(self) -> bool:
        # Only when libc's srand is reachable to seed the Haar feature draw (trackers/mil_child.py).
        return mil_child.libc_srand() is not None


@dataclass(frozen=True)
class OpenCVNano(TrackerPlugin):
    """NanoTrack v2 run by OpenCV's dnn module. Option: `weights_dir` (folder of the two ONNX files)."""

    def __post_init__(self) -> None:
        _check_options(self, {"weights_dir"})

    def weights_dir(self) -> tuple[Path, str]:
        """The folder searched for the ONNX files, and which setting chose it."""
        if self.config.get("weights_dir"):
            return Path(self.config["weights_dir"]).expanduser().resolve(), "option weights_dir"
        if os.environ.get(NANO_ENV):
            return Path(os.environ[NANO_ENV]).expanduser().resolve(), f"${NANO_ENV}"
        if os.environ.get(WEIGHTS_ENV):
            return (Path(os.environ[WEIGHTS_ENV]).expanduser() / "nanotrack-v2").resolve(), f"${WEIGHTS_ENV}"
        return Path("weights/nanotrack-v2").resolve(), "default ./weights/nanotrack-v2"

    def unavailable_reason(self) -> str | None:
        if not hasattr(cv2, "TrackerNano"):
            return f"this OpenCV {cv2.__version__} has no TrackerNano (it needs the dnn module)"
        folder, source = self.weights_dir()
        missing = [p.name for p in self.weights_files() if not p.is_file()]
        if not missing:
            return None
        return (
            f"{self.name} needs the NanoTrack v2 weights; {', '.join(missing)} not found in {folder} "
            f"({source}). Pass --tracker-opt {self.name}.weights_dir=<folder>, or set ${NANO_ENV}=<folder> "
            f"(or ${WEIGHTS_ENV}=<root> holding nanotrack-v2/), or copy {' and '.join(NANO_FILES)} to {folder}."
        )

    def create(self, device: str = "cpu") -> Tracker:
        # CPU only, as for MIL: OpenCV 5's new dnn engine has no GPU targets.
        reason = self.unavailable_reason()
        if reason is not None:
            raise WeightsMissingError(reason)
        cv2.setNumThreads(1)
        params = cv2.TrackerNano_Params()
        params.backbone, params.neckhead = (str(p) for p in self.weights_files())
        try:
            cv_tracker = cv2.TrackerNano.create(params)
        except cv2.error as exc:
            raise TrackerError(f"{self.name}: OpenCV could not load {self.weights_files()}: {exc}") from exc
        info = TrackerInfo(name=self.name, version=f"opencv-{cv2.__version__}", deterministic=True)
        return _NanoTracker(cv_tracker, info)

    def weights_files(self) -> list[Path]:
        folder, _ = self.weights_dir()
        return [folder / name for name in NANO_FILES]

    @property
    def deterministic(self) -> bool:
        # Fixed weights, no sampling; single-threaded CPU inference gives the same floats each run.
        return True
