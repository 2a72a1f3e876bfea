"""Need for Speed (NfS), 100 sequences in its 30 fps and 240 fps versions.

Layout: ``<root>/<seq>/<fps>/<seq>/00001.jpg...`` with ``<root>/<seq>/<fps>/<seq>.txt``. Every
annotation line is VATIC's ``track_id xmin ymin xmax ymax frame lost occluded generated "label"``,
separated by spaces. Both versions ship the annotations made at 240 fps: the 30 fps frames are
every 8th of them, so the 30 fps sequence uses annotation lines 1, 9, 17, ... Some folders hold one
frame fewer than the annotation implies; the sequence then ends at the last frame (as the got10k
toolkit does). ``lost`` marks the target out of view (an absent frame), ``occluded`` becomes the
per-frame ``occlusion`` tag; sequences where either happens get the OV / OCC attribute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.annotation_files import read_bytes
from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import Source, Sources

FPS = (30, 240)
FRAME_PATTERN = "{:05d}.jpg"
_STEP = {30: 8, 240: 1}
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_LINE = re.compile(rf"[ \t]*(\d+)((?:[ \t]+{_NUMBER}){{4}})[ \t]+(\d+)[ \t]+([01])[ \t]+([01])[ \t]+([01])"
                   r'(?:[ \t]+"[^"\n]*")?[ \t]*', re.ASCII)
_EXPECTED = 'expected \'track_id xmin ymin xmax ymax frame lost occluded generated "label"\''


def nfs_names(root: Path | str, fps: int = 30) -> list[str]:
    """The sequences under `root` that have a `fps` annotation file, sorted."""
    root = Path(root).expanduser()
    _check_fps(fps)
    if not root.is_dir():
        raise MissingDataError(f"NfS root {root} does not exist or is not a folder")
    with os.scandir(root) as scan:
        names = sorted(c.name for c in scan if c.is_dir() and (Path(c.path) / str(fps) / f"{c.name}.txt").is_file())
    if not names:
        raise MissingDataError(f"{root} is not an NfS root: no <seq>/{fps}/<seq>.txt annotation "
                               f"(e.g. {root / 'Gymnastics' / str(fps) / 'Gymnastics.txt'})")
    return names


def load_nfs(root: Path | str, fps: int = 30, names: Iterable[str] | None = None) -> list[Sequence]:
    """Load the `fps` version; `names` restricts loading to those sequences (exact folder names)."""
    root = Path(root).expanduser()
    available = nfs_names(root, fps)
    if names is not None:
        wanted = list(names)
        unknown = [n for n in wanted if n not in available]
        if unknown:
            raise BenchmarkError(f"{root} has no NfS sequence named {', '.join(unknown)}")
        available = [n for n in available if n in set(wanted)]
    return [nfs_sequence(root / name, fps, root) for name in available]


def nfs_annotation(folder: Path, fps: int) -> Path:
    return folder / str(fps) / f"{folder.name}.txt"


def nfs_sequence(folder: Path, fps: int, root: Path) -> Sequence:
    """The sequence in `folder` of the NfS copy at `root` (its annotation must lie inside that root)."""
    path = nfs_annotation(folder, fps)
    rows = read_nfs_annotation(path, root)[:: _STEP[fps]]
    frames = folder / str(fps) / folder.name
    count = len(rows)
    # Only the end is probed: listing every frame folder would defeat lazy indexing.
    if count > 1 and not (frames / FRAME_PATTERN.format(count)).exists() \
            and (frames / FRAME_PATTERN.format(count - 1)).exists():
        count -= 1
    rows = rows[:count]
    boxes = np.column_stack([rows[:, 1], rows[:, 2], rows[:, 3] - rows[:, 1], rows[:, 4] - rows[:, 2]])
    lost, occluded = rows[:, 6].astype(bool), rows[:, 7].astype(bool)
    attributes = tuple(code for code, flags in (("OCC", occluded), ("OV", lost)) if flags.any())
    return Sequence(folder.name, f"nfs{fps}", boxes, frames=FrameList(frames, FRAME_PATTERN, 1, count),
                    absent=lost, attributes=attributes, frame_tags={"occlusion": occluded})


def read_nfs_annotation(path: Path, root: Path | None = None) -> np.ndarray:
    """(N, 9) float64: track_id, xmin, ymin, xmax, ymax, frame, lost, occluded, generated."""
    text = read_bytes(path, root).decode("utf-8", errors="replace")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip().split("\n")
    if lines == [""]:
        raise AnnotationError(path, None, f"empty file; {_EXPECTED}")
    rows = []
    for number, line in enumerate(lines, start=1):
        match = _LINE.fullmatch(line)
        if match is None:
            shown = line.strip()[:50]
            raise AnnotationError(path, number, f"{_EXPECTED}; got {shown!r}" if shown else
                                  f"{_EXPECTED}; got a blank line")
        rows.append([match[1], *match[2].split(), *match.groups()[2:]])
    return np.array(rows, dtype=np.float64)


def _check_fps(fps: int) -> None:
    if fps not in FPS:
        raise BenchmarkError(f"NfS comes at 30 or 240 fps, not {fps}")


def nfs_sources(root: Path, benchmark: str, *, fps: int) -> Sources:
    """What `bench check` reads: every sequence with an annotation at `fps`."""
    # One frame fewer than the annotation implies is a known quirk of the download.
    return [], [Source(n, nfs_annotation(root / n, fps), partial(nfs_sequence, root / n, fps, root), spare_frames=1)
                for n in nfs_names(root, fps)]
