"""File locks that say whether their holder is alive.

A lock taken with ``flock`` is released by the kernel when the process holding it exits, however it
exits (killed, out of memory, its node's Ray worker torn down), so "is the writer of this file
still running?" becomes "can I lock it?", with no process ids, host names or clocks to compare.
On NFS, Linux maps ``flock`` to POSIX locks held through the NFS lock manager, which every client
sees; a file system without working locks makes every lock look free (docs/operations.md).

Each lock is taken on a file that may be removed and created again by others meanwhile, so after
locking, the path is checked to still name the locked file; otherwise the lock is on an orphan and
is taken again.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
from pathlib import Path

from harness.errors import HarnessError


class Held:
    """A lock this process holds on `path` until `release`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    def release(self, remove: bool) -> None:
        """Let go; with `remove`, delete the file first (while still holding it, so no one locks it stale)."""
        if self._fd < 0:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = -1


def _same_file(path: Path, fd: int) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _lock(path: Path, flags: int) -> int | None:
    """Open `path` with `flags` and lock it; None when another live process holds it."""
    while True:
        fd = os.open(path, flags, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP):
                raise HarnessError(f"{path}: its file system does not support file locks ({exc.strerror}), which "
                                   "the results folder needs (docs/operations.md); mount it with locking enabled") from None
            raise
        if _same_file(path, fd):
            return fd
        os.close(fd)
        if flags & os.O_EXCL:
            return None


def try_hold(path: Path) -> Held | None:
    """Lock `path` (created if absent) unless a live process holds it."""
    fd = _lock(path, os.O_CREAT | os.O_RDWR)
    return None if fd is None else Held(path, fd)


def hold_new(folder: Path, prefix: str) -> Held:
    """Create and lock a new file ``<prefix><pid>-<random>`` in `folder` (a temporary being written)."""
    while True:
        path = folder / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            fd = _lock(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            continue
        if fd is not None:
            return Held(path, fd)


def try_hold_existing(path: Path) -> Held | None:
    """Lock an existing file unless a live process holds it; FileNotFoundError when it is gone."""
    fd = _lock(path, os.O_RDWR)
    return None if fd is None else Held(path, fd)


def remove_if_abandoned(path: Path) -> bool:
    """Delete `path` when no live process holds its lock; True when it was deleted."""
    try:
        held = try_hold_existing(path)
    except FileNotFoundError:
        return False
    if held is None:
        return False
    held.release(remove=True)
    return True
