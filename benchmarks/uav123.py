"""UAV123 and UAV20L, from the dataset layout or from a toolkit annotation folder.

* The dataset layout (``Dataset_UAV123/UAV123``): ``data_seq/UAV123/<video>/000001.jpg...`` and
  ``anno/<UAV123|UAV20L>/<seq>.txt`` (``x,y,w,h`` per evaluated frame, ``NaN,NaN,NaN,NaN`` where
  the target is fully occluded or out of view), with ``att/<seq>.txt`` beside them (12 flags).
* An annotation folder on its own (``<seq>.txt`` + ``att/``): evaluated, not run.

Sequences are cut from longer videos by the toolkit's frame ranges (`uav123_table`); each
annotation file must have exactly one line per frame of its range. NaN rows become absent frames.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.names import listing
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import Source, Sources, first
from benchmarks.textio import read_attribute_flags, read_table
from benchmarks.uav123_table import ATTRIBUTES, FRAME_PATTERN, UAVEntry, uav_entries

_ANNO_FOLDER = {"uav123": "UAV123", "uav20l": "UAV20L"}


def load_uav(root: Path | str, version: str = "uav123", names: Iterable[str] | None = None) -> list[Sequence]:
    """Load UAV123 or UAV20L; `names` restricts loading to those sequences (any spelling)."""
    version = version.lower()
    entries = _select(uav_entries(version), names)
    anno, frames_root = find_layout(Path(root).expanduser(), version)
    with os.scandir(anno) as scan:
        # Exact names (any case): ignoring '_' as names.normalize_name does would make car1_1 car11.
        files = {c.name[:-4].lower(): Path(c.path) for c in scan if c.name.endswith(".txt") and c.is_file()}
    found = {e.name: files[e.name.lower()] for e in entries if e.name.lower() in files}
    missing = [e.name for e in entries if e.name not in found]
    if missing:
        raise MissingDataError(
            f"{anno}: {len(missing)} of {len(entries)} {version} annotation files are missing: "
            f"{listing(missing)} (looked for {anno / (missing[0] + '.txt')}); name the sequences "
            "you have to load only those"
        )
    return [uav_sequence(entry, found[entry.name], frames_root, version, Path(root).expanduser()) for entry in entries]


def find_layout(root: Path, version: str) -> tuple[Path, Path | None]:
    """(annotation folder, frames root or None for an annotation-only folder)."""
    sub = _ANNO_FOLDER[version]
    for base in (root, root / "UAV123"):
        if (base / "anno" / sub).is_dir():
            frames = base / "data_seq" / "UAV123"
            return base / "anno" / sub, frames if frames.is_dir() else None
    if any((root / f"{e.name}.txt").is_file() for e in uav_entries(version)[:5]):
        return root, None
    raise MissingDataError(
        f"{root} is not a {version} root: looked for {root / 'anno' / sub} (the dataset layout, "
        f"frames in {root / 'data_seq' / 'UAV123'}) and for an annotation folder holding "
        f"{uav_entries(version)[0].name}.txt"
    )


def uav_sequence(entry: UAVEntry, annotation: Path, frames_root: Path | None, version: str, root: Path) -> Sequence:
    """`entry`'s sequence from its annotation file in the UAV123 copy at `root` (its files must lie inside it)."""
    boxes = read_table(annotation, root=root)
    if len(boxes) != entry.length:
        raise AnnotationError(
            annotation, None,
            f"{len(boxes)} lines, but the toolkit evaluates frames {entry.start}-{entry.end} of "
            f"{entry.video}: expected {entry.length} lines, one per frame (NaN where the target is absent)",
        )
    frames = None
    if frames_root is not None:
        frames = FrameList(frames_root / entry.video, FRAME_PATTERN, entry.start, entry.length)
    return Sequence(entry.name, version, boxes, frames=frames,
                    attributes=read_attributes(annotation.parent / "att" / annotation.name, root))


def read_attributes(path: Path, root: Path | None = None) -> tuple[str, ...]:
    """The codes flagged in a toolkit ``att/<seq>.txt`` file; () when there is none."""
    return read_attribute_flags(path, ATTRIBUTES, root)


def _select(entries: tuple[UAVEntry, ...], names: Iterable[str] | None) -> tuple[UAVEntry, ...]:
    if names is None:
        return entries
    wanted = {n.strip().lower(): n for n in names}
    known = {e.name.lower() for e in entries}
    unknown = [n for key, n in wanted.items() if key not in known]
    if unknown:
        raise BenchmarkError(f"not sequences of this UAV version: {', '.join(unknown)} "
                             f"(names are exact, as car1_1 and car11 are different sequences; "
                             f"known names look like {', '.join(e.name for e in entries[:4])}, ...)")
    return tuple(e for e in entries if e.name.lower() in wanted)


def uav_sources(root: Path, benchmark: str, *, version: str) -> Sources:
    """What `bench check` reads: each sequence's annotation file (sequences are cut from longer videos,
    so frames past an annotation's end are expected)."""
    anno, _ = find_layout(root, version)
    return [], [Source(e.name, anno / f"{e.name}.txt", partial(first, load_uav, root, version, [e.name]),
                       spare_frames=None) for e in uav_entries(version)]
