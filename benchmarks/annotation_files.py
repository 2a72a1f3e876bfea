"""Opening an annotation file: inside the benchmark root, a regular file, of a size an annotation can have.

Every reader of the package goes through `read_bytes`, so each refusal comes before a byte is read:

* A file whose path, links followed, leads outside the benchmark root is not read (its content, which
  could be any file of the machine, would otherwise be quoted in error messages and scored as ground
  truth); the error names the link and where it leads. `benchmarks.listfile` confines list.txt entries
  the same way.
* A file over `MAX_BYTES` is refused by its size (a sparse or runaway file would otherwise be read
  whole: a 1 GB ``groundtruth.txt`` took 2.2 GB of memory and minutes before its first line was
  refused), and so is anything that is not a regular file (a FIFO would block, ``/dev/zero`` never
  ends). At most `MAX_BYTES` + 1 bytes are ever read, even from a file that grows meanwhile.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from benchmarks.errors import AnnotationError, MissingDataError

MAX_BYTES = 64 * 2**20
# Far above any real annotation file: the largest, a dataset json, is 28 times smaller.
WHY = ("the largest real ones are about 1 MB: LaSOT's longest sequences have about 10,000 frames, a VOT "
       "polygon line is about 100 bytes, the VOT2018 json is 2.3 MB")


def leads_outside(path: Path, base: Path) -> Path | None:
    """Where `path` really leads (links followed) when that is not inside the resolved `base`, else None."""
    target = path.resolve()
    return target if target == base or not target.is_relative_to(base) else None


def outside_root(path: Path, root: Path) -> AnnotationError | None:
    """Why `path` may not be read as part of the benchmark at `root` (it leads outside it), or None.

    The error names the link that leads out: the file itself, or the folder on its way that is one.
    """
    if _plainly_inside(os.fspath(path.absolute()), os.fspath(root.absolute())):
        return None
    base = root.resolve()
    target = leads_outside(path, base)
    if target is None:
        return None
    absolute = path.absolute()
    on_the_way = [p for p in (*reversed(absolute.parents), absolute) if p.is_relative_to(root.absolute())]
    link = next((p for p in on_the_way if p.is_symlink() and leads_outside(p, base)), None)
    if link is None or link == absolute:
        return AnnotationError(path, None, f"not read: it leads to {target}, outside the benchmark root {root}; "
                               "annotation files must be inside the root")
    return AnnotationError(path, None, f"not read: its folder {link} is a link to {link.resolve()}, outside the "
                           f"benchmark root {root}; annotation files must be inside the root")


def _plainly_inside(path: str, root: str) -> bool:
    """Whether `path` is written below `root` with no ``..`` and no link on its way down: then it is inside.

    One lstat per part below the root: resolving the file and the root instead took five times as long,
    and made indexing LaSOT's 1,400 sequences (5,600 files) about 30% slower.
    """
    if not path.startswith(root.rstrip(os.sep) + os.sep):
        return False
    parts = path[len(root.rstrip(os.sep)) + 1:].split(os.sep)
    if ".." in parts:
        return False
    current = root.rstrip(os.sep)
    for part in parts:
        current += os.sep + part
        if os.path.islink(current):
            return False
    return True


def read_bytes(path: Path, root: Path | None = None, what: str = "annotation file") -> bytes:
    """The bytes of `path`, refused unless it lies inside `root` (when given; links followed), is a regular
    file and holds at most `MAX_BYTES`: AnnotationError naming the file and why, before it is read.
    MissingDataError when it is absent or unreadable."""
    if root is not None and (error := outside_root(path, root)) is not None:
        raise error
    try:
        # O_NONBLOCK: opening a FIFO returns at once (to be refused below) instead of waiting for a writer.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise MissingDataError(f"{path}: {what} not found") from None
    except OSError as error:
        raise MissingDataError(f"{path}: cannot read {what} ({error.strerror})") from None
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise AnnotationError(path, None, f"not read: not a regular file ({what} expected)")
        if info.st_size > MAX_BYTES:
            raise _too_large(path, what, f"{info.st_size:,} bytes")
        try:
            # Sized to the file (a read of MAX_BYTES + 1 would allocate that much for every file).
            data = file.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since: read on, within the limit
                data += file.read(MAX_BYTES + 1 - len(data))
        except OSError as error:
            raise MissingDataError(f"{path}: cannot read {what} ({error.strerror})") from None
    if len(data) > MAX_BYTES:
        raise _too_large(path, what, f"more than {MAX_BYTES:,} bytes")
    return data


def _too_large(path: Path, what: str, size: str) -> AnnotationError:
    return AnnotationError(path, None, f"not read: {size}, over the {MAX_BYTES // 2**20} MiB limit on "
                           f"annotation files ({WHY}); is this the right {what}?")
