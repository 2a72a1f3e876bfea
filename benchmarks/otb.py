"""OTB-2013, OTB-2015 (OTB100) and OTB-50 from either of the two forms they are shipped in.

* The dataset layout: ``<root>/<Seq>/img/0001.jpg`` and ``<root>/<Seq>/groundtruth_rect.txt``
  (``groundtruth_rect.<k>.txt`` for a second target). Ground truth files cover images
  ``start..end`` of the table, so David's first line is image 300.
* The MATLAB toolkit's ``anno/`` folder: one ``<seq>.txt`` per (sub)sequence, already cut to
  the evaluated frames, names spelled freely, plus ``att/<seq>.txt`` attribute flags. It has no
  images, so its sequences can be evaluated but not run.

Indexing reads the annotation files only; frame files are found (or found missing) when decoded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.names import file_key, listing, match_names, normalize_name
from benchmarks.otb_table import ATT_FILE_ORDER, ATTRIBUTES, VERSIONS, OTBEntry, otb_entries
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import Source, Sources, first
from benchmarks.textio import read_table


def load_otb(
    root: Path | str, version: str = "otb100", names: Iterable[str] | None = None
) -> list[Sequence]:
    """Load an OTB version from a dataset root or a toolkit ``anno`` folder (detected).

    `names` restricts loading to those sequences (any spelling normalize_name accepts);
    otherwise every sequence of the version must be present.
    """
    entries = _select(otb_entries(version), names)
    benchmark = VERSIONS[version.lower()]
    root = Path(root).expanduser()
    if not root.is_dir():
        raise MissingDataError(f"OTB root {root} does not exist or is not a folder")
    kind, folder = detect_layout(root)
    if kind == "dataset":
        return _load_dataset(folder, entries, benchmark, root)
    return _load_anno(folder, entries, benchmark, root)


def detect_layout(root: Path) -> tuple[Literal["dataset", "anno"], Path]:
    """("dataset", root) or ("anno", folder holding the <seq>.txt files); MissingDataError if neither."""
    for folder in (root, root / "anno"):
        if not folder.is_dir():
            continue
        with os.scandir(folder) as scan:
            children = list(scan)
        dirs = {normalize_name(c.name) for c in children if c.is_dir()}
        if any(normalize_name(e.folder) in dirs for e in otb_entries()):
            return "dataset", folder
        txts = {file_key(c.name) for c in children if c.name.endswith(".txt")}
        if any(normalize_name(e.name) in txts for e in otb_entries()):
            return "anno", folder
    raise MissingDataError(
        f"{root} is not an OTB root: looked for the dataset layout (<Seq>/groundtruth_rect.txt "
        f"beside <Seq>/img/0001.jpg, e.g. {root / 'Basketball' / 'groundtruth_rect.txt'}) and for "
        f"an OTB toolkit anno folder (basketball.txt, david.txt, ... in {root} or {root / 'anno'})"
    )


def _select(entries: tuple[OTBEntry, ...], names: Iterable[str] | None) -> tuple[OTBEntry, ...]:
    if names is None:
        return entries
    wanted = {normalize_name(n): n for n in names}
    known = {normalize_name(e.name) for e in entries}
    unknown = [n for key, n in wanted.items() if key not in known]
    if unknown:
        raise BenchmarkError(
            f"not OTB sequences of this version: {', '.join(unknown)} "
            f"(known names look like {', '.join(e.name for e in entries[:4])}, ...)"
        )
    return tuple(e for e in entries if normalize_name(e.name) in wanted)


def _missing_error(root: Path, missing: list[str], total: int, expected: Path) -> MissingDataError:
    return MissingDataError(
        f"{root}: {len(missing)} of {total} sequences are missing: {listing(missing)} "
        f"(looked for {expected}); name the sequences you have to load only those"
    )


def _load_dataset(root: Path, entries: tuple[OTBEntry, ...], benchmark: str, base: Path) -> list[Sequence]:
    """The sequence folders under `root`; every file read must lie inside `base`, the OTB root given."""
    with os.scandir(root) as scan:
        # Folder names differ in case between downloads (Skating2 / skating2).
        dirs = {normalize_name(c.name): Path(c.path) for c in scan if c.is_dir()}
    sequences, missing, first_missing = [], [], None
    for entry in entries:
        folder = dirs.get(normalize_name(entry.folder), root / entry.folder)
        annotation = folder / entry.annotation
        if not annotation.is_file():
            missing.append(entry.name)
            first_missing = first_missing or annotation
            continue
        sequences.append(_dataset_sequence(entry, folder, annotation, benchmark, base))
    if missing:
        raise _missing_error(root, missing, len(entries), first_missing)
    return sequences


def _dataset_sequence(entry: OTBEntry, folder: Path, annotation: Path, benchmark: str, base: Path) -> Sequence:
    boxes = read_table(annotation, root=base)
    expected = entry.end - entry.start + 1
    if len(boxes) != expected:
        raise AnnotationError(
            annotation, None,
            f"{len(boxes)} lines, but OTB evaluates images {entry.start}-{entry.end} of "
            f"{entry.name}: expected {expected} lines, one per image",
        )
    frames = FrameList(folder / "img", entry.pattern, entry.first_frame, entry.length)
    return Sequence(entry.name, benchmark, boxes[entry.init_omit:], frames=frames,
                    attributes=entry.attributes)


def _load_anno(folder: Path, entries: tuple[OTBEntry, ...], benchmark: str, base: Path) -> list[Sequence]:
    """The toolkit's files in `folder`; every file read must lie inside `base`, the OTB root given."""
    with os.scandir(folder) as scan:
        files = sorted(Path(c.path) for c in scan if c.name.endswith(".txt") and c.is_file())
    by_name = {e.name: e for e in entries}
    found, _ = match_names(files, by_name)
    missing = [e.name for e in entries if e.name not in found]
    if missing:
        raise _missing_error(folder, missing, len(entries), folder / f"{missing[0].lower()}.txt")
    attributes = _read_att(folder / "att", entries, base)
    sequences = []
    for entry in entries:
        path = found[entry.name]
        boxes = read_table(path, root=base)
        if len(boxes) != entry.length:
            raise AnnotationError(
                path, None,
                f"{len(boxes)} lines, but OTB evaluates {entry.length} frames of {entry.name} "
                f"(images {entry.first_frame}-{entry.end}); expected one line per frame",
            )
        sequences.append(Sequence(entry.name, benchmark, boxes,
                                  attributes=attributes.get(entry.name, entry.attributes)))
    return sequences


def _read_att(folder: Path, entries: tuple[OTBEntry, ...], base: Path) -> dict[str, tuple[str, ...]]:
    """Attributes from the toolkit's att/ flag files, where present and OTB's."""
    if not folder.is_dir():
        return {}
    with os.scandir(folder) as scan:
        files = sorted(Path(c.path) for c in scan if c.name.endswith(".txt") and c.is_file())
    # Files of other benchmarks (UAV123's, 12 flags) share the folder and are left unplaced.
    found, _ = match_names(files, [e.name for e in entries])
    attributes = {}
    for name, path in found.items():
        flags = read_table(path, columns=(len(ATT_FILE_ORDER), len(ATT_FILE_ORDER) + 1), root=base)
        if flags.shape[1] != len(ATT_FILE_ORDER):
            continue  # a UAV123 file whose name collides with an OTB sequence's
        if len(flags) != 1 or not np.isin(flags, (0, 1)).all():
            raise AnnotationError(path, None, "expected one line of 11 flags 0 or 1 "
                                  f"({','.join(ATT_FILE_ORDER)})")
        present = {code for code, flag in zip(ATT_FILE_ORDER, flags[0], strict=True) if flag}
        attributes[name] = tuple(code for code in ATTRIBUTES if code in present)
    return attributes


def otb_sources(root: Path, benchmark: str, *, version: str) -> Sources:
    """What `bench check` reads: each sequence's annotation file, in either layout."""
    kind, folder = detect_layout(root)
    entries = otb_entries(version)
    if kind == "dataset":
        files = {e.name: folder / e.folder / e.annotation for e in entries}
    else:  # toolkit anno files are named freely: find each one as the loader does
        files, _ = match_names(sorted(folder.glob("*.txt")), [e.name for e in entries])
    return [], [Source(e.name, files.get(e.name, folder / f"{e.name.lower()}.txt"),
                       partial(first, load_otb, root, version, [e.name]), spare_frames=None,
                       # A dataset file may begin before the evaluated frames (Tiger1's first 5 lines).
                       first_line=e.init_omit + 1 if kind == "dataset" else 1) for e in entries]
