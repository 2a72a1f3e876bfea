"""VOT short-term sequences in the VOT2018 layout.

``<root>/list.txt`` names sequence folders; each holds ``groundtruth.txt`` (8-value polygons or
4-value rectangles, one per frame), per-frame ``<tag>.tag`` files (0/1 lines, trailing zeros
may be left out), a ``sequence`` metadata file (``channels.color=color/%08d.jpg``, optional
``width``/``height``) and the frames. Ground truth is kept as (N, 8) polygons; a one-pass (OPE)
run initialises from and is scored against `axis_aligned_boxes` of them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.listfile import listed_folders
from benchmarks.sequence import FrameList, Sequence
from benchmarks.textio import read_key_values, read_flags, read_table

DEFAULT_CHANNEL = "color/%08d.jpg"
_PRINTF = re.compile(r"%0?(\d*)d")


def axis_aligned_boxes(regions: np.ndarray) -> np.ndarray:
    """(N, 8) polygons to (N, 4) ``x, y, w, h``: the smallest upright rectangle holding each.

    (N, 4) rectangles are returned as they are; NaN rows stay NaN.
    """
    regions = np.asarray(regions, dtype=np.float64)
    if regions.ndim == 2 and regions.shape[1] == 4:
        return regions.copy()
    polygons = regions.reshape(-1, 8)
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    left, top = xs.min(axis=1), ys.min(axis=1)
    return np.stack([left, top, xs.max(axis=1) - left, ys.max(axis=1) - top], axis=1)


def rectangles_to_polygons(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) ``x, y, w, h`` to (N, 8) corners, clockwise from the top-left (as the VOT toolkit)."""
    x, y, w, h = np.asarray(boxes, dtype=np.float64).T
    return np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)


def sequences_folder(root: Path | str) -> Path:
    """The folder holding list.txt: `root`, or ``<root>/sequences`` of a VOT workspace."""
    root = Path(root).expanduser()
    for folder in (root, root / "sequences"):
        if (folder / "list.txt").is_file():
            return folder
    raise MissingDataError(
        f"{root} is not a VOT sequences folder: looked for {root / 'list.txt'} "
        f"and {root / 'sequences' / 'list.txt'}"
    )


def load_vot(root: Path | str, benchmark: str = "vot2018") -> list[Sequence]:
    """Load every sequence named in list.txt."""
    root = Path(root).expanduser()
    return [load_vot_sequence(entry.folder, benchmark, root) for entry in listed_folders(sequences_folder(root), root)]


def load_vot_sequence(folder: Path, benchmark: str = "vot2018", root: Path | None = None) -> Sequence:
    """The sequence in `folder`; every file it reads must lie inside `root` (the benchmark root; by default
    `folder` itself)."""
    root = folder if root is None else root
    groundtruth = folder / "groundtruth.txt"
    if not groundtruth.is_file():
        raise MissingDataError(f"{folder}: no groundtruth.txt (is this a VOT sequence folder?)")
    polygons = read_regions(groundtruth, root)
    metadata = read_properties(folder / "sequence", root)
    frames = _frame_list(folder, metadata.get("channels.color", DEFAULT_CHANNEL), len(polygons))
    return Sequence(
        name=folder.name,
        benchmark=benchmark,
        ground_truth=polygons,
        frames=frames,
        frame_tags=read_tags(folder, len(polygons), root=root),
        image_size=_image_size(folder / "sequence", metadata, frames),
        fps=_fps(folder / "sequence", metadata),
    )


def read_regions(groundtruth: Path, root: Path) -> np.ndarray:
    """A VOT ground-truth file: each row a region (4 or 8 numbers) or, all NaN, a frame without the target."""
    # A rectangle stays a rectangle: the toolkit rasterises x,y,w,h over w pixels, its corner polygon over w + 1.
    polygons = read_table(groundtruth, columns=(4, 8), root=root)
    # A NaN among numbers would reach the supervised run's failure test as another shape (a polygon row
    # read as a rectangle).
    missing = np.isnan(polygons)
    unusable = np.flatnonzero(missing.any(axis=1) & ~missing.all(axis=1))
    if len(unusable):
        raise AnnotationError(groundtruth, int(unusable[0]) + 1, "expected finite numbers, or NaN in every column "
                              f"for a frame without the target; got {', '.join(map(str, polygons[unusable[0]]))}")
    return polygons


def read_properties(path: Path, root: Path | None = None) -> dict[str, str]:
    """``key=value`` lines of a VOT ``sequence`` file ({} when the file is absent)."""
    return read_key_values(path, "=", root)


def _frame_list(folder: Path, channel: str, count: int) -> FrameList:
    """A printf pattern such as ``color/%08d.jpg`` as a FrameList starting at frame 1."""
    relative = Path(channel)
    match = _PRINTF.search(relative.name)
    if match is None:
        raise AnnotationError(folder / "sequence", None,
                              f"expected channels.color like color/%08d.jpg; got {channel!r}")
    def literal(text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")

    number = f"{{:0{match[1]}d}}" if match[1] else "{:d}"
    pattern = literal(relative.name[:match.start()]) + number + literal(relative.name[match.end():])
    return FrameList(folder / relative.parent, pattern, 1, count)


def read_tags(folder: Path, length: int, suffixes: tuple[str, ...] = (".tag",), root: Path | None = None
              ) -> dict[str, np.ndarray]:
    """Per-frame 0/1 tag files; a file may stop at its last 1 (the rest of the frames are untagged). Each
    must lie inside `root` when given."""
    with os.scandir(folder) as scan:
        paths = sorted(Path(e.path) for e in scan if e.name.endswith(suffixes) and e.is_file())
    tags = {}
    for path in paths:
        flags = read_flags(path, root)
        if len(flags) > length:
            raise AnnotationError(path, length + 1, f"{len(flags)} lines, but the sequence has "
                                  f"{length} frames (groundtruth.txt lines)")
        tags[path.stem] = np.concatenate([flags, np.zeros(length - len(flags), dtype=bool)])
    return tags


def _fps(properties_file: Path, metadata: dict[str, str]) -> float | None:
    if "fps" not in metadata:
        return None
    try:
        fps = float(metadata["fps"])
    except ValueError:
        fps = 0.0
    if not fps > 0:
        raise AnnotationError(properties_file, None, f"fps={metadata['fps']!r}; expected a positive number")
    return fps


def _image_size(properties_file: Path, metadata: dict[str, str], frames: FrameList) -> tuple[int, int]:
    """(width, height) from the metadata, else from decoding the first frame."""
    if "width" in metadata and "height" in metadata:
        try:
            return int(metadata["width"]), int(metadata["height"])
        except ValueError:
            raise AnnotationError(properties_file, None, "width and height must be integers; got "
                                  f"{metadata['width']!r} and {metadata['height']!r}") from None
    return first_frame_size(frames)


def first_frame_size(frames: FrameList) -> tuple[int, int]:
    """(width, height) of the first frame, for layouts without that metadata."""
    import cv2  # decoding is rare here; loading the annotations alone never pays for OpenCV's import

    image = cv2.imread(str(frames[0]), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise MissingDataError(f"{frames[0]}: first frame missing or unreadable (needed for the image size)")
    return image.shape[1], image.shape[0]
