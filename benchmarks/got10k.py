"""The GOT-10k layout: ``<root>/<split>/list.txt`` naming folders of ``00000001.jpg...`` frames.

Each sequence folder holds ``groundtruth.txt`` (``x,y,w,h`` per frame), the per-frame labels
``absence.label`` (0/1), ``cover.label`` (visible fraction in eighths, 0-8) and
``cut_by_image.label`` (0/1), and ``meta_info.ini``. The test split annotates only the first
frame and has no labels. Indexing is lazy: frame folders are never listed, except for a
one-line ground truth, where one scan of that folder gives the frame count.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.listfile import listed_folders
from benchmarks.names import listing, select_names
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import Sources, listed_sources
from benchmarks.textio import read_key_values, read_labels, read_table

FRAME_PATTERN = "{:08d}.jpg"
_FRAME_NAME = re.compile(r"\d{8}\.jpg")
_RESOLUTION = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def split_folder(root: Path | str, split: str = "val") -> Path:
    """The folder holding list.txt: ``<root>/<split>``, or `root` itself when it is that folder."""
    root = Path(root).expanduser()
    for folder in (root / split, root):
        if (folder / "list.txt").is_file():
            return folder
    raise MissingDataError(
        f"{root} is not a GOT-10k root: looked for {root / split / 'list.txt'} "
        f"and {root / 'list.txt'}"
    )


def load_got10k(
    root: Path | str, split: str = "val", benchmark: str | None = None, names: Iterable[str] | None = None
) -> list[Sequence]:
    """Load the sequences listed in a GOT-10k split (root may be the dataset or the split folder);
    `names` selects some of them (any spelling) before anything else is read."""
    folder = split_folder(root, split)
    root = Path(root).expanduser()
    list_file = folder / "list.txt"
    listed = [entry.name for entry in listed_folders(folder, root)]
    label = benchmark or f"got10k-{split}"
    selected = listed if names is None else select_names(listed, names, label)
    missing = [n for n in selected if not (folder / n / "groundtruth.txt").is_file()]
    if missing:
        raise MissingDataError(
            f"{list_file} lists {len(missing)} sequences without a groundtruth.txt: {listing(missing)} "
            f"(looked for {folder / missing[0] / 'groundtruth.txt'})"
        )
    return [load_got10k_sequence(folder / name, label, root) for name in selected]


def got10k_sources(root: Path, benchmark: str, *, split: str) -> Sources:
    """What `bench check` reads: the sequences list.txt names."""
    return listed_sources(split_folder(root, split), "groundtruth.txt",
                          partial(load_got10k_sequence, benchmark=benchmark, root=root), root)


def load_got10k_sequence(folder: Path, benchmark: str, root: Path) -> Sequence:
    """One sequence folder: groundtruth.txt, the absence/cover/cut_by_image labels, meta_info.ini; each
    file must lie inside `root`, the benchmark root."""
    boxes = read_table(folder / "groundtruth.txt", root=root)
    if len(boxes) == 1:
        # Test split: only the first frame is annotated; the rest are unannotated (NaN) rows.
        count = _count_frames(folder)
        boxes = np.vstack([boxes, np.full((count - 1, 4), np.nan)])
    frame_tags: dict[str, np.ndarray] = {}
    absent = _labels(folder / "absence.label", len(boxes), 1, root)
    cover = _labels(folder / "cover.label", len(boxes), 8, root)
    cut = _labels(folder / "cut_by_image.label", len(boxes), 1, root)
    if cover is not None:
        frame_tags["cover"] = cover
    if cut is not None:
        frame_tags["cut_by_image"] = cut.astype(bool)
    meta = read_meta_info(folder / "meta_info.ini", root)
    return Sequence(
        name=folder.name,
        benchmark=benchmark,
        ground_truth=boxes,
        frames=FrameList(folder, FRAME_PATTERN, 1, len(boxes)),
        absent=None if absent is None else absent.astype(bool),
        attributes=tuple(a.strip() for a in meta.get("attributes", "").split(",") if a.strip()),
        frame_tags=frame_tags,
        image_size=_resolution(folder / "meta_info.ini", meta),
    )


def _count_frames(folder: Path) -> int:
    with os.scandir(folder) as scan:
        count = sum(1 for entry in scan if _FRAME_NAME.fullmatch(entry.name))
    if count == 0:
        raise MissingDataError(f"{folder}: no frames named like 00000001.jpg")
    return count


def _labels(path: Path, length: int, max_value: int, root: Path) -> np.ndarray | None:
    if not path.is_file():
        return None
    values = read_labels(path, max_value, root)
    if len(values) != length:
        raise AnnotationError(
            path, None, f"{len(values)} labels, but groundtruth.txt has {length} frames; "
            "expected one label per frame"
        )
    return values


def read_meta_info(path: Path, root: Path | None = None) -> dict[str, str]:
    """The ``key: value`` lines of a meta_info.ini ({} when there is none)."""
    return read_key_values(path, ":", root)


def _resolution(path: Path, meta: dict[str, str]) -> tuple[int, int] | None:
    """(width, height) from ``resolution: (1920, 1080)``."""
    if "resolution" not in meta:
        return None
    match = _RESOLUTION.fullmatch(meta["resolution"])
    if match is None:
        raise AnnotationError(path, None, f"expected 'resolution: (width, height)'; "
                              f"got {meta['resolution'][:40]!r}")
    return int(match[1]), int(match[2])
