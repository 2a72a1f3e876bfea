"""LaSOT as its MATLAB evaluation toolkit holds it: annotations only, enough to score imported results.

``<toolkit>/annos/<seq>.txt`` (``x,y,w,h`` per frame), ``annos/absent/<seq>.txt`` (one 0/1 per line,
1 where the target is fully occluded or out of view) and, when present, ``annos/att/<seq>.txt`` (the
14 attribute flags). The root may be the toolkit folder or its ``annos`` folder.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.names import listing
from benchmarks.sequence import Sequence
from benchmarks.textio import read_attribute_flags, read_flags, read_table
from benchmarks.lasot_table import ATTRIBUTES


def annos_folder(root: Path) -> Path | None:
    """The toolkit's ``annos`` folder under `root` (or `root` itself), None for another layout."""
    for folder in (root / "annos", root):
        if (folder / "absent").is_dir():
            return folder
    return None


def load_lasot_annos(annos: Path, names: tuple[str, ...], benchmark: str, root: Path) -> list[Sequence]:
    """The sequences `names` from the toolkit's `annos` folder under `root` (its files must lie inside `root`)."""
    missing = [n for n in names if not (annos / f"{n}.txt").is_file()]
    if missing:
        raise MissingDataError(
            f"{annos}: {len(missing)} of {len(names)} sequences have no annotation file: {listing(missing)} "
            f"(looked for {annos / (missing[0] + '.txt')}); name the sequences you have to load only those"
        )
    return [_sequence(annos, name, benchmark, root) for name in names]


def _sequence(annos: Path, name: str, benchmark: str, root: Path) -> Sequence:
    path = annos / f"{name}.txt"
    boxes = read_table(path, root=root)
    absent_path = annos / "absent" / f"{name}.txt"
    if not absent_path.is_file():
        raise MissingDataError(f"{absent_path}: not found; the toolkit keeps one absent flag per frame there")
    absent = read_flags(absent_path, root)
    if len(absent) != len(boxes):
        raise AnnotationError(absent_path, None, f"{len(absent)} flags for the {len(boxes)} frames of {path}")
    return Sequence(name, benchmark, boxes, absent=absent,
                    attributes=read_attribute_flags(annos / "att" / f"{name}.txt", ATTRIBUTES, root))
