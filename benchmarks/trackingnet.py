"""TrackingNet: the 511-sequence TEST split and the training chunks TRAIN_0 ... TRAIN_11.

Each chunk folder holds ``anno/<seq>.txt`` (``x,y,w,h`` per frame, commas) and
``frames/<seq>/0.jpg, 1.jpg, ...`` (numbered from 0, no padding). TEST annotates only the first
frame and is scored by the TrackingNet server; its frame count comes from one scan of the
sequence's frame folder. There is no list file: the sequences are the ``anno/*.txt`` files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.errors import BenchmarkError, MissingDataError
from benchmarks.fastread import read_boxes
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import Source, Sources

FRAME_PATTERN = "{:d}.jpg"
TRAIN_CHUNKS = tuple(f"TRAIN_{k}" for k in range(12))
_FRAME_NAME = re.compile(r"\d+\.jpg")


def chunk_folders(root: Path | str, split: str = "test") -> list[Path]:
    """The chunk folders of `split` under `root` (or `root` itself when it is one chunk)."""
    root = Path(root).expanduser()
    if split not in ("test", "train"):
        raise BenchmarkError(f"unknown TrackingNet split {split!r}; known: test, train")
    if (root / "anno").is_dir() and (root / "frames").is_dir():
        return [root]
    chunks = ("TEST",) if split == "test" else TRAIN_CHUNKS
    found = [root / c for c in chunks if (root / c / "anno").is_dir()]
    if not found:
        raise MissingDataError(
            f"{root} is not a TrackingNet root: looked for {root / chunks[0] / 'anno'}"
            + (" (and the other TRAIN_<k>)" if split == "train" else "")
            + f" and for {root / 'anno'} beside {root / 'frames'}"
        )
    return found


def trackingnet_annotations(root: Path | str, split: str = "test") -> list[Path]:
    """Every ``anno/<seq>.txt`` of the split, chunk by chunk, sorted within a chunk."""
    files = []
    for chunk in chunk_folders(root, split):
        with os.scandir(chunk / "anno") as scan:
            files += sorted(Path(c.path) for c in scan if c.name.endswith(".txt") and c.is_file())
    return files


def load_trackingnet(root: Path | str, split: str = "test", names: Iterable[str] | None = None,
                     benchmark: str | None = None) -> list[Sequence]:
    """Load a split; `names` restricts loading to those sequences (exact names)."""
    files = trackingnet_annotations(root, split)
    if not files:
        raise MissingDataError(f"{root}: no annotation files in the TrackingNet {split} anno folders")
    if names is not None:
        wanted = set(names)
        unknown = wanted - {f.stem for f in files}
        if unknown:
            raise BenchmarkError(f"TrackingNet {split} has no sequence named {', '.join(sorted(unknown))}")
        files = [f for f in files if f.stem in wanted]
    label = benchmark or ("trackingnet" if split == "test" else "trackingnet_train")
    return [trackingnet_sequence(f, label, Path(root).expanduser()) for f in files]


def trackingnet_sequence(annotation: Path, benchmark: str, root: Path) -> Sequence:
    """The sequence `annotation` names, in the TrackingNet copy at `root` (the file must lie inside it)."""
    frames = annotation.parent.parent / "frames" / annotation.stem
    boxes = read_boxes(annotation, root)
    if len(boxes) == 1:
        # TEST: the first frame only; the others are unannotated (NaN) rows.
        boxes = np.vstack([boxes, np.full((count_frames(frames) - 1, 4), np.nan)])
    return Sequence(annotation.stem, benchmark, boxes, frames=FrameList(frames, FRAME_PATTERN, 0, len(boxes)))


def count_frames(folder: Path) -> int:
    try:
        with os.scandir(folder) as scan:
            count = sum(1 for entry in scan if _FRAME_NAME.fullmatch(entry.name))
    except FileNotFoundError:
        raise MissingDataError(f"{folder}: frame folder not found") from None
    if count == 0:
        raise MissingDataError(f"{folder}: no frames named like 0.jpg")
    return count


def trackingnet_sources(root: Path, benchmark: str, *, split: str) -> Sources:
    """What `bench check` reads: every ``anno/<seq>.txt`` of the split."""
    return [], [Source(f.stem, f, partial(trackingnet_sequence, f, benchmark, root))
                for f in trackingnet_annotations(root, split)]
