"""A TraX tracker declared in a trackers.ini, behind the plugin contract (docs/formats.md, "TraX trackers in
the harness").

Each `TraxTracker` starts its process when built (`TraxPlugin.create`) and keeps one TraX session with it
across the shards its worker runs: every initialisation (a new sequence, or a re-initialisation after a
failure) is an initialize request on the same session, as `harness trax` answers them, unless the
declaration says `restart = true` or the tracker is the VOT legacy wrapper (then a new process, as the
toolkit does). The process ends with the tracker (`close`, or when it is garbage-collected).

Frames go by path, as the VOT toolkit sends them: the runner's loops name each frame's file before the call
(`Tracker.next_frame_file`); a caller that does not gets its image written to a lossless temporary PNG.
The start region goes as a polygon where the sequence gives one and the tracker declared polygons, else as
the rectangle `init_box` made (the upright bounds), as the toolkit would start it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo, TrackerPlugin
from trackers.trax_declarations import TraxDeclaration
from trackers.trax_session import TraxSession


class TraxTracker(Tracker):
    def __init__(self, declaration: TraxDeclaration) -> None:
        self.declaration = declaration
        self.info = TrackerInfo(name=declaration.name, version=declaration.version, deterministic=False)
        self._held = _Held(TraxSession(declaration))
        self._region: np.ndarray | None = None  # the region init_box was last given
        self._path: Path | None = None  # the file of the next call's frame, when the loop named it
        self._written = 0  # frames written to the scratch folder
        self._initialised = False
        self._finalizer = weakref.finalize(self, self._held.close)

    def init_box(self, region: np.ndarray) -> np.ndarray:
        self._region = np.asarray(region, np.float64).reshape(-1).copy()
        return super().init_box(self._region)

    def next_frame_file(self, path: Path) -> None:
        self._path = Path(os.path.abspath(path))

    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        if self._initialised and (self.declaration.restart or self._held.session.one_init_only):
            self._held.restart(self.declaration)
        self._initialised = True
        self._held.session.initialize(self._frame(image), self._start_region(np.asarray(box, np.float64)))

    def track(self, image: np.ndarray) -> Prediction:
        box, score, mask = self._held.session.frame(self._frame(image))
        return Prediction(box=box, score=score, mask=mask)

    def close(self) -> None:
        self._finalizer()

    def _start_region(self, box: np.ndarray) -> np.ndarray:
        """The polygon init_box was given when this box is its bounds and the tracker takes polygons, else the box."""
        region, self._region = self._region, None
        if (region is not None and region.shape == (8,) and self._held.session.polygons
                and np.array_equal(super().init_box(region), box)):
            return region
        return box

    def _frame(self, image: np.ndarray) -> Path:
        path, self._path = self._path, None
        if path is not None:
            return path
        import cv2  # only here: the registry imports this module for every command, scoring ones too

        self._written += 1
        path = self._held.scratch(self.declaration.name) / f"frame{self._written:08d}.png"
        if not cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            raise TrackerError(f"TraX tracker {self.info.name!r}: cannot write the frame to {path}")
        previous = path.with_name(f"frame{self._written - 1:08d}.png")
        previous.unlink(missing_ok=True)  # the tracker has answered for it
        return path


class _Held:
    """What a TraxTracker holds outside Python, for its finalizer: the session (its process) and the folder
    of frames it wrote, made at the first (the runner's loops name every frame's file: none there)."""

    def __init__(self, session: TraxSession) -> None:
        self.session, self.folder = session, None

    def scratch(self, name: str) -> Path:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix=f"trax-frames-{name}-"))
        return self.folder

    def restart(self, declaration: TraxDeclaration) -> None:
        self.session.close()
        self.session = TraxSession(declaration)

    def close(self) -> None:
        self.session.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class TraxPlugin(TrackerPlugin):
    """A tracker of a trackers.ini (`trackers/trax_declarations.py`); `config` is its declaration's, and
    takes no `--tracker-opt`: the file says everything."""

    label: str = ""
    source: str = ""  # file:line of its section
    problem: str | None = None

    @classmethod
    def of(cls, declaration: TraxDeclaration) -> TraxPlugin:
        return cls(name=declaration.name, config=declaration.config(), label=declaration.label,
                   source=declaration.source, problem=declaration.problem)

    def declaration(self) -> TraxDeclaration:
        return TraxDeclaration(name=self.name, label=self.label, source=self.source, problem=self.problem,
                               **self.config)

    def unavailable_reason(self) -> str | None:
        if self.problem is not None:
            return self.problem
        if importlib.util.find_spec("trax") is None:
            return "the TraX client library is not installed: pip install vot-trax"
        return None

    def create(self, device: str = "cpu") -> Tracker:
        # The process chooses its own device; the worker's CUDA_VISIBLE_DEVICES reaches it with the environment.
        reason = self.unavailable_reason()
        if reason is not None:
            raise TrackerError(f"TraX tracker {self.name!r} cannot run here: {reason}")
        return TraxTracker(self.declaration())

    def weights_files(self) -> list[Path]:
        return []

    @property
    def deterministic(self) -> bool:
        return False  # nothing in a declaration says so
