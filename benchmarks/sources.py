"""What `harness bench check` reads of a benchmark: the sequences to validate one by one, each with how to
load it and the file its problems name. Each loader module provides its benchmark's sources
(`<name>_sources(root, benchmark)`); `check.py` validates them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.errors import AnnotationError, BenchmarkError
from benchmarks.listfile import list_entries
from benchmarks.sequence import Sequence


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"

    @classmethod
    def from_error(cls, error: BenchmarkError, fallback: Path) -> Problem:
        """The problem a loading error describes: its own file and line, else `fallback`."""
        if isinstance(error, AnnotationError):
            return cls(error.path, error.line, error.problem)
        return cls(fallback, None, str(error).removeprefix(f"{fallback}: "))


@dataclass(frozen=True)
class Source:
    """One sequence to check: how to load it, and the file its whole-sequence problems name."""

    name: str
    annotation: Path
    load: Callable[[], Sequence]
    spare_frames: int | None = 0  # frame files allowed past the annotated ones; None: any (cut videos)
    extra: tuple[tuple[Path, Callable[[], object]], ...] = ()  # further files, and how to validate each
    first_line: int = 1  # the line of `annotation` holding the first frame's region


Sources = tuple[list[Problem], list[Source]]
# (root, benchmark name) -> the problems found while listing, and the sequences to check
CheckSources = Callable[[Path, str], Sources]


def listed_sources(folder: Path, annotation: str, load: Callable[[Path], Sequence], root: Path | None = None
                   ) -> Sources:
    """Sources named by ``folder/list.txt`` in the benchmark at `root` (by default `folder`); refused entries
    (`benchmarks.listfile`) and names without a folder are problems."""
    entries, refused = list_entries(folder, root)
    problems = [Problem(e.path, e.line, e.problem) for e in refused]
    sources = []
    for entry in entries:
        if not entry.folder.is_dir():
            problems.append(Problem(folder / "list.txt", entry.line,
                                    f"lists {entry.name!r}, but there is no folder {entry.folder}"))
            continue
        sources.append(Source(entry.folder.name, entry.folder / annotation, partial(load, entry.folder)))
    return sorted(problems, key=lambda p: p.line or 0), sources


def first(load: Callable[..., list[Sequence]], *args: object, **kwargs: object) -> Sequence:
    """The one sequence a name-filtered loader call returns."""
    return load(*args, **kwargs)[0]
