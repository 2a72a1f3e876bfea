"""VOT short-term sequences in the layout of VOT2018 and later years.

``<root>/list.txt`` names sequence folders; each holds ``groundtruth.txt`` (one region per frame:
8-value polygons, 4-value rectangles, or from VOT2020 on RLE masks, `benchmarks.vot_regions`), per-frame
``<tag>.tag`` files (0/1 lines, trailing zeros may be left out), per-frame ``<name>.value`` files
(``anchor.value``), a ``sequence`` metadata file (``channels.color=color/%08d.jpg``, optional
``width``/``height``, ``groundtruth``) and the frames. Polygon ground truth is kept as (N, 8) polygons;
a one-pass (OPE) run initialises from and is scored against `axis_aligned_boxes` of them. Mask ground
truth is kept as `Sequence.masks`, with each mask's bounding box in `ground_truth`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.listfile import listed_folders
from benchmarks.masks import Masks
from benchmarks.sequence import FrameList, Sequence
from benchmarks.textio import read_key_values, read_flags, read_table
from benchmarks.vot_regions import has_special_lines, read_mask_lines, read_values

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
    unfinished = next((f for f in (root, root / "sequences") if (f / "description.json").is_file()), None)
    hint = "" if unfinished is None else (
        f"; {unfinished / 'description.json'} is there: vot-toolkit writes list.txt once every sequence it lists "
        "is downloaded, so the download did not finish (run `vot initialize` again)")
    raise MissingDataError(
        f"{root} is not a VOT sequences folder: looked for {root / 'list.txt'} "
        f"and {root / 'sequences' / 'list.txt'}{hint}"
    )


def load_vot(root: Path | str, benchmark: str = "vot2018") -> list[Sequence]:
    """Load every sequence named in list.txt."""
    root = Path(root).expanduser()
    return [load_vot_sequence(entry.folder, benchmark, root) for entry in listed_folders(sequences_folder(root), root)]


def load_vot_sequence(folder: Path, benchmark: str = "vot2018", root: Path | None = None) -> Sequence:
    """The sequence in `folder`; every file it reads must lie inside `root` (the benchmark root; by default
    `folder` itself)."""
    root = folder if root is None else root
    metadata = read_properties(folder / "sequence", root)
    groundtruth, ignore_file = ground_truth_files(folder, metadata)
    regions, masks = read_ground_truth(groundtruth, root)
    frames = _frame_list(folder, metadata.get("channels.color", DEFAULT_CHANNEL), len(regions))
    return Sequence(
        name=folder.name,
        benchmark=benchmark,
        ground_truth=regions,
        frames=frames,
        frame_tags=read_tags(folder, len(regions), root=root),
        image_size=_image_size(folder / "sequence", metadata, frames),
        fps=_fps(folder / "sequence", metadata),
        frame_values=read_values(folder, len(regions), root),
        masks=masks,
        ignore_masks=None if ignore_file is None else read_ignore_masks(ignore_file, len(regions), root),
    )


IGNORE_OBJECT = "_ignore"  # the object whose masks the toolkit's analyses leave out (their ignore_masks)


def ground_truth_files(folder: Path, metadata: dict[str, str]) -> tuple[Path, Path | None]:
    """The target's ground-truth file and the ignore masks' file, as vot/dataset/common.py picks them: when
    any ``groundtruth_<object>.txt`` exists, those (one object, and optionally ``_ignore``); else the
    ``groundtruth`` file the metadata names (``groundtruth.txt``)."""
    objects = sorted(folder.glob("groundtruth_*.txt"))
    if not objects:
        path = folder / metadata.get("groundtruth", "groundtruth.txt")
        if not path.is_file():
            raise MissingDataError(f"{folder}: no {path.name} (is this a VOT sequence folder?)")
        return path, None
    targets = [p for p in objects if not p.name[12:-4].startswith("_")]
    if len(targets) != 1:
        names = ", ".join(p.name for p in targets) or "none"
        raise AnnotationError(objects[0], None,
                              f"expected one target's groundtruth_<object>.txt (others starting with _); found "
                              f"{names}: sequences of several objects (VOTS) are not supported")
    ignore = folder / f"groundtruth_{IGNORE_OBJECT}.txt"
    return targets[0], ignore if ignore.is_file() else None


def read_ground_truth(path: Path, root: Path) -> tuple[np.ndarray, Masks | None]:
    """Regions as `read_regions` reads them, or, for a file with masks or special lines, by
    `benchmarks.vot_regions.read_mask_lines`."""
    if has_special_lines(path, root):
        return read_mask_lines(path, root)
    return read_regions(path, root), None


def read_ignore_masks(path: Path, length: int, root: Path) -> Masks:
    """The ignore object's masks, one line per frame up to `length` (the toolkit reads a shorter file's missing
    frames as special: nothing ignored)."""
    regions, masks = read_mask_lines(path, root)
    if masks is None:
        masks = Masks.from_runs([None] * len(regions))
        if not np.isnan(regions).all():
            raise AnnotationError(path, int(np.argmin(np.isnan(regions).all(axis=1))) + 1,
                                  "expected masks m... or special lines: ignore regions of other shapes are not supported")
    if len(masks) > length:
        raise AnnotationError(path, length + 1, f"{len(masks)} lines, but the sequence has {length} frames")
    return masks.padded(length)


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
    if not os.path.splitext(channel)[1]:  # a folder: the toolkit reads %08d.jpg in it (common.py _load_channel)
        channel = os.path.join(channel, "%08d.jpg")
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
