"""Errors raised while reading benchmarks; each names the file (and line) at fault."""

from __future__ import annotations

from pathlib import Path


class BenchmarkError(Exception):
    """Base class for every problem with a benchmark on disk."""


class MissingDataError(BenchmarkError):
    """A data root, sequence folder or frame file that is not where it should be."""


class AnnotationError(BenchmarkError):
    """A malformed annotation file; the message names the file, the line and what was expected."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")
