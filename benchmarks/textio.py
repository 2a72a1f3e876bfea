"""Numeric annotation text files (boxes, polygons, attribute rows) and per-frame label files.

One grammar, applied to every line: numbers separated by a comma (with optional spaces or tabs
around it) or by spaces/tabs; ``NaN`` in any case is a number. Trailing blank lines are ignored,
a blank line anywhere else is an error. The whole file is validated with a single regular
expression and converted in one numpy call; only when that fails is the file walked line by
line, to name the first bad line. Files are opened by `benchmarks.annotation_files.read_bytes`: a file
over its size limit, or leading outside the `root` a loader gives, is refused before it is read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from benchmarks.annotation_files import read_bytes
from benchmarks.errors import AnnotationError

# Atomic groups keep the validation linear even on long garbage lines.
_NUMBER = r"(?>[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?|[-+]?[nN][aA][nN])"
_SEPARATOR = r"(?>[ \t]*+,[ \t]*+|[ \t]++)"
_TOKEN_SPLIT = re.compile(r"[ \t]*,[ \t]*|[ \t]+")
# ASCII: `\d` would otherwise accept digits of other scripts that numpy cannot convert.
_NUMBER_RE = re.compile(_NUMBER, re.ASCII)

COLUMN_MEANINGS = {
    4: "x,y,w,h",
    8: "x1,y1,x2,y2,x3,y3,x4,y4",
    11: "attribute flags",
}


def _line_pattern(columns: int) -> str:
    return rf"[ \t]*+{_NUMBER}(?:{_SEPARATOR}{_NUMBER}){{{columns - 1}}}[ \t]*+"


@functools.cache
def _compiled(columns: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The pattern for one line and for a whole file of such lines."""
    line = _line_pattern(columns)
    return re.compile(line, re.ASCII), re.compile(rf"(?:{line}\n)*+{line}", re.ASCII)


def _read_text(path: Path, root: Path | None) -> str:
    return _text(read_bytes(path, root))


def _text(data: bytes) -> str:
    # Undecodable bytes become U+FFFD so the bad line is reported, not a UnicodeDecodeError.
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _describe(columns: Iterable[int]) -> str:
    parts = [f"{n} numbers {COLUMN_MEANINGS[n]}" if n in COLUMN_MEANINGS else f"{n} numbers"
             for n in columns]
    return " or ".join(parts) + " separated by commas, tabs or spaces"


def _problem(line: str) -> str:
    """What is wrong with one line, for the error message (the count when all are numbers)."""
    stripped = line.strip(" \t")
    if not stripped:
        return "got a blank line"
    tokens = _TOKEN_SPLIT.split(stripped)
    for token in tokens:
        if not _NUMBER_RE.fullmatch(token):
            shown = token if len(token) <= 30 else token[:27] + "..."
            return f"got {shown!r}, which is not a number" if token else "got an empty value"
    return f"got {len(tokens)}"


def _locate_error(path: Path, lines: list[str], columns: int, expected: str) -> AnnotationError:
    line_re, _ = _compiled(columns)
    # The file pattern is the line pattern repeated, so some line must fail it here.
    number, line = next((i, ln) for i, ln in enumerate(lines, start=1) if not line_re.fullmatch(ln))
    return AnnotationError(path, number, f"expected {expected}; {_problem(line)}")


def read_table(path: Path | str, columns: tuple[int, ...] = (4,), root: Path | None = None) -> np.ndarray:
    """Read an (N, C) float64 array; C is one of `columns`, fixed by the first line.

    Raises AnnotationError (file, 1-based line, what was expected) for any malformed line or an
    empty file, or a file refused unread (too large, or leading outside `root` when given), and
    MissingDataError when the file is absent.
    """
    return parse_table(read_bytes(Path(path), root), path, columns)


def parse_table(data: bytes, path: Path | str, columns: tuple[int, ...] = (4,)) -> np.ndarray:
    """`read_table` of a file's bytes already in memory (an archive's member); `path` names it in errors."""
    body = _text(data)
    if not body:
        raise AnnotationError(path, None, f"empty file; expected lines of {_describe(columns)}")
    lines = body.split("\n")
    first = lines[0].strip(" \t")
    count = len(_TOKEN_SPLIT.split(first)) if first else 0
    if count not in columns:
        raise AnnotationError(path, 1, f"expected {_describe(columns)}; {_problem(lines[0])}")
    expected = _describe((count,))
    if len(columns) > 1:
        expected += " (as on line 1)"
    _, file_re = _compiled(count)
    if not file_re.fullmatch(body):
        raise _locate_error(path, lines, count, expected)
    flat = body.replace(",", " ").replace("\t", " ").split()
    return np.array(flat, dtype=np.float64).reshape(len(lines), count)


def read_labels(path: Path | str, max_value: int = 1, root: Path | None = None) -> np.ndarray:
    """Read one integer label in 0..max_value per line (0/1 flags, GOT-10k cover levels) as int64.

    An empty file gives an empty array: callers compare the length with the frame count.
    """
    path = Path(path)
    body = _read_text(path, root)
    if not body:
        return np.zeros(0, dtype=np.int64)
    values = np.char.strip(np.array(body.split("\n")), " \t")
    allowed = np.array([str(v) for v in range(max_value + 1)])
    valid = np.isin(values, allowed)
    if not valid.all():
        number = int(np.argmin(valid)) + 1
        shown = str(values[number - 1])[:30]
        wanted = "0 or 1" if max_value == 1 else f"0 to {max_value}"
        got = "a blank line" if not shown else repr(shown)
        raise AnnotationError(path, number, f"expected one label {wanted} per line; got {got}")
    return values.astype(np.int64)


def read_flags(path: Path | str, root: Path | None = None) -> np.ndarray:
    """Read a one-flag-per-line 0/1 file as a bool array."""
    return read_labels(path, max_value=1, root=root).astype(bool)


def read_key_values(path: Path, separator: str, root: Path | None = None) -> dict[str, str]:
    """``key<separator>value`` lines ({} when the file is absent); ``[section]`` lines are skipped."""
    if not path.is_file():
        return {}
    values = {}
    for number, line in enumerate(read_bytes(path, root).decode(errors="replace").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("["):
            continue
        key, found, value = line.partition(separator)
        if not found or not key.strip():
            raise AnnotationError(path, number, f"expected 'key{separator}value'; got {line[:40]!r}")
        values[key.strip()] = value.strip()
    return values


def read_attribute_flags(path: Path, codes: tuple[str, ...], root: Path | None = None) -> tuple[str, ...]:
    """The codes flagged in a toolkit ``att/<seq>.txt`` file (one line of 0/1 flags); () when absent."""
    if not path.is_file():
        return ()
    flags = read_table(path, columns=(len(codes),), root=root)
    if len(flags) != 1 or not np.isin(flags, (0, 1)).all():
        raise AnnotationError(path, None, f"expected one line of {len(codes)} flags 0 or 1 ({','.join(codes)})")
    return tuple(code for code, flag in zip(codes, flags[0], strict=True) if flag)
