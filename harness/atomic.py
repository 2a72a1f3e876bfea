"""Files written whole or not at all: written under a locked temporary name beside the final one and
renamed over it (`os.replace`, atomic on one file system). The lock (`harness.locks`) tells a cleanup
that the writer is alive; a full disk is one `OutOfSpaceError` naming the file."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import OutOfSpaceError
from harness.locks import hold_new


def write_atomic(final: Path, write: Callable[[Path], object]) -> None:
    """`write(temporary)` then rename it to `final`; the temporary is locked while written and removed
    if anything fails. A full disk is an OutOfSpaceError naming `final`."""
    with out_of_space(final):
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = hold_new(final.parent, f".{final.name}.tmp-")
        try:
            write(temporary.path)
            os.replace(temporary.path, final)
            temporary.release(remove=False)
        finally:
            temporary.release(remove=True)


@contextmanager
def out_of_space(path: Path) -> Iterator[None]:
    """An OSError for a full disk or quota inside becomes an OutOfSpaceError naming `path`."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise OutOfSpaceError(f"out of space writing {path} ({os.strerror(exc.errno)})") from None
