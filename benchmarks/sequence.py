"""The plain data every benchmark loader produces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.masks import MaskFrames, Masks


@dataclass(frozen=True)
class FrameList:
    """Frame paths described by a pattern, so indexing a benchmark never lists its folders.

    `pattern` is a `str.format` template applied to the frame number, e.g. ``"{:04d}.jpg"``;
    frame `i` (0-based) of the sequence is file number `first + i`.
    """

    directory: Path
    pattern: str
    first: int
    count: int

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> Path:
        if not -self.count <= index < self.count:
            raise IndexError(f"frame {index} out of range for {self.count} frames in {self.directory}")
        return self.directory / self.pattern.format(self.first + (index % self.count))

    def __iter__(self) -> Iterator[Path]:
        return (self[i] for i in range(self.count))


@dataclass(frozen=True)
class Sequence:
    """One annotated target in one video.

    `ground_truth` is (N, 4) ``x, y, w, h`` float64 in pixels with a top-left origin (or (N, 8)
    polygons for VOT); rows of NaN are frames without annotation. `absent` marks frames where
    the target is not visible (full occlusion, out of view, NaN rows). `frames` is empty for
    annotation-only sources (toolkit `anno/` folders, dataset jsons): those evaluate imported
    results but cannot be run.

    VOT 2020+ folders add `frame_values` (``<name>.value`` files: float64 per frame, 0 past a file's
    last line; ``anchor`` marks the multistart anchors, `benchmarks.vot_regions.anchors`) and, where the
    ground truth is masks, `masks` (`benchmarks.masks.Masks`), with `ground_truth` then holding each
    mask's bounding box (NaN where a frame has no pixels); `ignore_masks` are the pixels the toolkit's
    analyses leave out (its ``_ignore`` object). Other sequences keep `masks` and `ignore_masks` None.
    """

    name: str
    benchmark: str
    ground_truth: np.ndarray
    frames: FrameList | None = None
    absent: np.ndarray | None = None
    attributes: tuple[str, ...] = ()
    frame_tags: dict[str, np.ndarray] = field(default_factory=dict)
    image_size: tuple[int, int] | None = None  # (width, height)
    description: str = ""  # the target in words, where the benchmark gives one (LaSOT's nlp.txt)
    fps: float | None = None  # the capture frame rate, where the benchmark states it (VOT's `sequence` file)
    frame_values: dict[str, np.ndarray] = field(default_factory=dict)
    masks: Masks | MaskFrames | None = None
    ignore_masks: Masks | MaskFrames | None = None

    def __post_init__(self) -> None:
        gt = np.asarray(self.ground_truth, dtype=np.float64)
        if gt.ndim != 2 or gt.shape[1] not in (4, 8):
            raise ValueError(f"{self.name}: ground truth must be (N, 4) or (N, 8), got {gt.shape}")
        object.__setattr__(self, "ground_truth", gt)
        absent = np.isnan(gt).any(axis=1) if self.absent is None else np.asarray(self.absent, bool)
        if absent.shape != (len(gt),):
            raise ValueError(f"{self.name}: absent flags {absent.shape} do not match {len(gt)} frames")
        object.__setattr__(self, "absent", absent)
        for name, values in self.frame_values.items():
            if np.shape(values) != (len(gt),):
                raise ValueError(f"{self.name}: values {name!r} {np.shape(values)} do not match {len(gt)} frames")
        for name in ("masks", "ignore_masks"):
            masks = getattr(self, name)
            if masks is not None and len(masks) != len(gt):
                raise ValueError(f"{self.name}: {len(masks)} {name.replace('_', ' ')} for {len(gt)} frames")
        if self.frames is not None and len(self.frames) < len(gt):
            raise ValueError(
                f"{self.name}: {len(gt)} annotated frames but only {len(self.frames)} frame files"
            )

    def __len__(self) -> int:
        return len(self.ground_truth)

    @property
    def runnable(self) -> bool:
        return self.frames is not None

    @property
    def init_box(self) -> np.ndarray:
        return self.ground_truth[0]
