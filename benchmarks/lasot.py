"""LaSOT: the 280-sequence test set (protocol II), all 1,400 (protocol I) and the 150-sequence
extension, in the dataset layout.

``<root>/<class>/<class>-<n>/`` (or ``<root>/<class>-<n>/``) holds ``groundtruth.txt`` (``x,y,w,h``
per frame), ``full_occlusion.txt`` and ``out_of_view.txt`` (one line of comma-separated 0/1, one
per frame; their union makes a frame absent), ``nlp.txt`` (a sentence describing the target) and
``img/00000001.jpg...``. Attribute flags are not part of the dataset download: copy the evaluation
toolkit's ``annos/att`` folder to ``<root>/att`` to get them. A root holding the toolkit's ``annos``
folder instead is read as annotations only (lasot_anno.py).

Indexing reads the three annotation files of each sequence and nothing else (3.5 million frames
are never listed); the sequences are read on a small thread pool, since pyarrow's parser releases
the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from benchmarks.annotation_files import leads_outside, read_bytes
from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.fastread import read_boxes, read_flag_row
from benchmarks.names import listing
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import Problem, Source, Sources
from benchmarks.textio import read_attribute_flags
from benchmarks.lasot_anno import annos_folder, load_lasot_annos
from benchmarks.lasot_table import ATTRIBUTES, lasot_names

FRAME_PATTERN = "{:08d}.jpg"
_BENCHMARK = {"test": "lasot", "full": "lasot_full", "ext": "lasot_ext"}


def load_lasot(root: Path | str, subset: str = "test", names: Iterable[str] | None = None) -> list[Sequence]:
    """Load a LaSOT subset; `names` restricts loading to those sequences (exact names, any case)."""
    root = Path(root).expanduser()
    selected = _select(lasot_names(subset), names)
    if not root.is_dir():
        raise MissingDataError(f"LaSOT root {root} does not exist or is not a folder")
    annos = annos_folder(root)
    if annos is not None:
        return load_lasot_annos(annos, selected, _BENCHMARK[subset], root)
    folders = {name: sequence_folder(root, name) for name in selected}
    for folder in folders.values():
        outside = _outside_root(folder, root)
        if outside:
            raise MissingDataError(outside)
    missing = [n for n, folder in folders.items() if not (folder / "groundtruth.txt").is_file()]
    if missing:
        raise MissingDataError(
            f"{root}: {len(missing)} of {len(selected)} LaSOT {subset} sequences are missing: "
            f"{listing(missing)} (looked for {folders[missing[0]] / 'groundtruth.txt'}); "
            "name the sequences you have to load only those"
        )
    attributes = root / "att"
    benchmark = _BENCHMARK[subset]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda f: lasot_sequence(f, benchmark, root, attributes), folders.values()))


def sequence_folder(root: Path, name: str) -> Path:
    """``<root>/<class>/<name>``, or ``<root>/<name>`` where the download has no class folders."""
    nested = root / name.rpartition("-")[0] / name
    return nested if nested.is_dir() or not (root / name).is_dir() else root / name


def _outside_root(folder: Path, root: Path) -> str | None:
    """Why `folder` may not be read as a sequence of `root` (a link leading outside it), or None."""
    target = leads_outside(folder, root.resolve())
    if target is None:
        return None
    return f"{folder} leads outside the LaSOT root {root} (to {target}); sequence folders must be inside the root"


def lasot_sequence(folder: Path, benchmark: str, root: Path, attributes: Path | None = None) -> Sequence:
    """The sequence in `folder` of the LaSOT copy at `root` (every file it reads must lie inside it)."""
    boxes = read_boxes(folder / "groundtruth.txt", root)
    occluded = read_flag_row(folder / "full_occlusion.txt", len(boxes), root)
    out_of_view = read_flag_row(folder / "out_of_view.txt", len(boxes), root)
    codes = read_attributes(attributes / f"{folder.name}.txt", root) if attributes is not None else ()
    return Sequence(
        name=folder.name,
        benchmark=benchmark,
        ground_truth=boxes,
        frames=FrameList(folder / "img", FRAME_PATTERN, 1, len(boxes)),
        absent=occluded | out_of_view,
        attributes=codes,
        frame_tags={"full_occlusion": occluded, "out_of_view": out_of_view},
        description=read_nlp(folder, root) if (folder / "nlp.txt").is_file() else "",
    )


def read_attributes(path: Path, root: Path | None = None) -> tuple[str, ...]:
    """The codes flagged in a toolkit ``att/<seq>.txt`` file; () when there is none."""
    return read_attribute_flags(path, ATTRIBUTES, root)


def read_nlp(folder: Path, root: Path | None = None) -> str:
    """The sentence describing the target (``nlp.txt``); AnnotationError when empty."""
    path = folder / "nlp.txt"
    text = read_bytes(path, root, "sentence describing the target").decode(errors="replace").strip()
    if not text:
        raise AnnotationError(path, None, "empty; expected one sentence describing the target")
    return text


def _select(known: tuple[str, ...], names: Iterable[str] | None) -> tuple[str, ...]:
    if names is None:
        return known
    wanted = {n.strip().lower(): n for n in names}
    by_key = {n.lower() for n in known}
    unknown = [n for key, n in wanted.items() if key not in by_key]
    if unknown:
        raise BenchmarkError(f"not sequences of this LaSOT subset: {', '.join(unknown)} "
                             f"(names look like {', '.join(known[:3])}, ...)")
    return tuple(n for n in known if n.lower() in wanted)


def lasot_sources(root: Path, benchmark: str, *, subset: str) -> Sources:
    """What `bench check` reads: each sequence's three annotation files and its nlp.txt."""
    folders = [sequence_folder(root, n) for n in lasot_names(subset)]
    outside = {f: _outside_root(f, root) for f in folders}
    problems = [Problem(f, None, reason) for f, reason in outside.items() if reason]
    inside = [f for f, reason in outside.items() if not reason]
    return problems, [Source(f.name, f / "groundtruth.txt", partial(lasot_sequence, f, benchmark, root, root / "att"),
                             extra=((f / "nlp.txt", partial(read_nlp, f, root)),)) for f in inside]
