"""A ``list.txt`` naming sequence folders, one per line, relative to the folder holding it (GOT-10k
splits, VOT sequence folders).

Each entry must name a folder inside that folder: an absolute path, a path that climbs out with
``..``, or a symbolic link whose target lies outside would have frames read from somewhere the
user never pointed at, and `bench check` vouch for them. A link whose target is inside is fine.
list.txt itself must lie inside the benchmark root, and is read as annotation files are
(`benchmarks.annotation_files`). Two entries must not end in the same folder name (``a/dup``, ``b/dup``): a sequence is known, and
stored, by its folder's name, so the two would overwrite each other's results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.annotation_files import leads_outside, read_bytes
from benchmarks.errors import AnnotationError


@dataclass(frozen=True)
class ListEntry:
    line: int
    name: str  # as written in list.txt
    folder: Path  # the list's folder / name


def list_entries(folder: Path, root: Path | None = None) -> tuple[list[ListEntry], list[AnnotationError]]:
    """The acceptable entries of ``folder/list.txt`` and one error per refused line; list.txt must lie inside
    `root`, the benchmark root (by default `folder`)."""
    list_file = folder / "list.txt"
    base = folder.resolve()
    entries: list[ListEntry] = []
    problems: list[AnnotationError] = []
    seen: dict[str, ListEntry] = {}
    text = read_bytes(list_file, folder if root is None else root, "list of sequence folders").decode(errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        name = line.strip()
        if not name:
            continue
        problem = _outside(name, folder, base)
        if problem is None:
            earlier = seen.get(Path(name).name)
            if earlier is not None:
                problem = (f"lists {name!r} again (first on line {earlier.line})" if earlier.name == name else
                           f"lists {name!r}, whose folder name is also that of {earlier.name!r} on line {earlier.line}; "
                           "a sequence is known by its folder's name, so the two would share one name and one results file")
        if problem is not None:
            problems.append(AnnotationError(list_file, number, problem))
            continue
        entry = ListEntry(number, name, folder / name)
        seen[Path(name).name] = entry
        entries.append(entry)
    if not entries and not problems:
        problems.append(AnnotationError(list_file, None, "no sequence names; expected one folder name per line"))
    return entries, problems


def listed_folders(folder: Path, root: Path | None = None) -> list[ListEntry]:
    """The entries of ``folder/list.txt``; the first refused line is an AnnotationError naming it."""
    entries, problems = list_entries(folder, root)
    if problems:
        raise problems[0]
    return entries


def _outside(name: str, folder: Path, base: Path) -> str | None:
    """Why the entry does not name a folder inside `folder`, or None."""
    if Path(name).is_absolute():
        return f"lists {name!r}, an absolute path; entries must name folders inside {folder}"
    target = leads_outside(folder / name, base)
    if target is not None:
        return f"lists {name!r}, which leads outside {folder} (to {target}); entries must name folders inside it"
    return None
