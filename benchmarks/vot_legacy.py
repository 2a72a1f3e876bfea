"""VOT short-term folders of every year: the VOT2016/VOT2017 layout beside VOT2018's.

VOT2016 and VOT2017 were shipped with the frames flat in the sequence folder
(``<seq>/00000001.jpg``), no ``sequence`` metadata file, and per-frame tags in ``<tag>.label``
files (VOT2017: ``.tag``). The vot-toolkit reads such a folder with ``read_sequence_legacy``:
frames ``%08d.jpg``, tags from ``*.tag`` and ``*.label``, image size from the first frame; this
module reads it the same way. A folder with a ``sequence`` file or a ``color/`` folder is the
VOT2018 layout and goes to `benchmarks.vot.load_vot_sequence`, with any ``.label`` tags added, as
the toolkit reads those in every layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from benchmarks.errors import MissingDataError
from benchmarks.listfile import listed_folders
from benchmarks.names import select_names
from benchmarks.sequence import FrameList, Sequence
from benchmarks.vot import first_frame_size, load_vot_sequence, read_ground_truth, read_tags, sequences_folder
from benchmarks.vot_regions import read_values

FLAT_PATTERN = "{:08d}.jpg"


def load_vot_folders(root: Path | str, benchmark: str, names: Iterable[str] | None = None) -> list[Sequence]:
    """Every sequence named in list.txt (or those of `names`, any spelling), whichever layout each folder has."""
    root = Path(root).expanduser()
    folder = sequences_folder(root)
    listed = [entry.name for entry in listed_folders(folder, root)]
    selected = listed if names is None else select_names(listed, names, benchmark)
    return [vot_folder_sequence(folder / name, benchmark, root) for name in selected]


def vot_folder_sequence(folder: Path, benchmark: str, root: Path | None = None) -> Sequence:
    """The sequence in `folder`, in either layout; every file it reads must lie inside `root` (the benchmark
    root; by default `folder` itself)."""
    root = folder if root is None else root
    if (folder / "sequence").is_file() or (folder / "color").is_dir():
        sequence = load_vot_sequence(folder, benchmark, root)
        labels = read_tags(folder, len(sequence), (".label",), root)
        return dataclasses.replace(sequence, frame_tags={**labels, **sequence.frame_tags}) if labels else sequence
    groundtruth = folder / "groundtruth.txt"
    if not groundtruth.is_file():
        raise MissingDataError(f"{folder}: no groundtruth.txt (is this a VOT sequence folder?)")
    regions, masks = read_ground_truth(groundtruth, root)
    frames = FrameList(folder, FLAT_PATTERN, 1, len(regions))
    return Sequence(folder.name, benchmark, regions, frames=frames,
                    frame_tags=read_tags(folder, len(regions), (".tag", ".label"), root),
                    image_size=first_frame_size(frames), frame_values=read_values(folder, len(regions), root),
                    masks=masks)

