"""Matching sequence names to files whose names were spelled by someone else.

Toolkits and result archives disagree on case and on the character that separates a target
index (``Human4-2``, ``human4_2``, ``Human4.2``, ``Blurcar4``); comparing names with those
differences removed matches all of them without a table of aliases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from benchmarks.errors import BenchmarkError
from benchmarks.sequence import Sequence

_DROPPED = str.maketrans("", "", "-_.")


def normalize_name(name: str) -> str:
    """Lowercase and drop '-', '_' and '.', so spelling variants of one sequence compare equal."""
    return name.lower().translate(_DROPPED)


def file_key(path: Path | str) -> str:
    """The normalized sequence name a file stands for.

    The extension is dropped only when it is not a number: in ``Skating2.1.txt`` the ``.txt``
    goes, but in ``Human4.2`` the ``.2`` is the target index.
    """
    name = Path(path).name
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and not suffix.isdigit():
        name = stem
    return normalize_name(name)


def select_names(available: list[str], names: Iterable[str], benchmark: str) -> list[str]:
    """The `available` names asked for by `names` (any spelling), in their own order; an unknown name is an error."""
    wanted = {normalize_name(n): n for n in names}
    kept = [a for a in available if normalize_name(a) in wanted]
    unknown = [n for key, n in wanted.items() if key not in {normalize_name(k) for k in kept}]
    if unknown:
        raise BenchmarkError(f"{benchmark} has no sequence named {', '.join(unknown)}")
    return kept


def keep_named(sequences: list[Sequence], names: Iterable[str] | None, benchmark: str) -> list[Sequence]:
    """The loaded sequences named in `names` (all when None), for loaders that cannot select before reading."""
    if names is None:
        return sequences
    kept = set(select_names([s.name for s in sequences], names, benchmark))
    return [s for s in sequences if s.name in kept]


def listing(names: list[str], limit: int = 8) -> str:
    """``a, b, c and 5 more``: names for an error message, not a wall of them."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def match_names(
    files: Iterable[Path | str], sequence_names: Iterable[str]
) -> tuple[dict[str, Path], list[Path]]:
    """Pair each sequence with the file that names it.

    A file whose name equals a sequence's (ignoring case) is that sequence's. Otherwise names are
    compared ignoring case, '-', '_' and '.', but only where that spelling names one sequence:
    UAV123's ``car1_1`` and ``car11`` are different sequences and must be spelled as they are.
    Returns ``(mapping, unplaced)``: `mapping` goes from sequence name (as given) to its file;
    `unplaced` lists the files that match no sequence, in the order given. Sequences without a
    file are simply absent from `mapping`. Two files naming the same sequence raise
    BenchmarkError, since either could be the intended one.
    """
    names = list(sequence_names)
    exact = {name.lower(): name for name in names}
    keys = Counter(normalize_name(name) for name in names)
    loose = {normalize_name(name): name for name in names if keys[normalize_name(name)] == 1}
    mapping: dict[str, Path] = {}
    unplaced: list[Path] = []
    for given in files:
        file = Path(given)  # `given` itself is kept: an archive's member names its file through os.fspath
        stem = file.name[: -len(file.suffix)] if file.suffix and not file.suffix[1:].isdigit() else file.name
        name = exact.get(stem.lower()) or loose.get(file_key(file))
        if name is None:
            unplaced.append(given)
        elif name in mapping:
            raise BenchmarkError(
                f"both {mapping[name]} and {given} name sequence {name!r} "
                "(names are compared ignoring case, '-', '_' and '.'); remove one of them"
            )
        else:
            mapping[name] = given
    return mapping, unplaced
