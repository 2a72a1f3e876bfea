"""A result archive read where it lies: the members of a ``.zip`` (a server submission as uploaded or
downloaded) walked like a folder, each read into memory when its reader asks, never extracted to disk.

Every member is checked before any is read: a name leading out of the archive (``..``, an absolute or
drive path), a symbolic link, two members of one name, a member over the size limit on annotation files
or an archive over `MAX_TOTAL` declared bytes is refused naming the archive and the member. zipfile
stops reading a member at its declared size (and checks its CRC), so a member cannot inflate past it.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from benchmarks.annotation_files import MAX_BYTES
from benchmarks.textio import parse_table, read_table
from harness.errors import ImportFormatError

MAX_TOTAL = 2**30  # declared bytes of every member together: ~30x the largest real submission (LaSOT's)
_IGNORED = "__MACOSX"  # macOS's resource forks, beside the files a Mac user zipped


@dataclass(frozen=True)
class Archive:
    path: Path
    zip: zipfile.ZipFile
    files: frozenset[str]
    folders: frozenset[str]


@dataclass(frozen=True)
class Member:
    """A file or folder of an `Archive`, with the few `Path` methods the layout readers use."""

    archive: Archive
    member: str  # posix path inside the archive; "" for its top

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.member).suffix

    @property
    def stem(self) -> str:
        return PurePosixPath(self.member).stem

    def __truediv__(self, name: str) -> Member:
        return Member(self.archive, f"{self.member}/{name}" if self.member else name)

    def __str__(self) -> str:
        return f"{self.archive.path}:{self.member}"

    def __fspath__(self) -> str:  # name matching reads a file's name through Path(): the member's last part
        return f"{self.archive.path}/{self.member}"

    def is_file(self) -> bool:
        return self.member in self.archive.files

    def is_dir(self) -> bool:
        return self.member == "" or self.member in self.archive.folders

    def iterdir(self) -> Iterator[Member]:
        prefix = f"{self.member}/" if self.member else ""
        children = {m[len(prefix):].split("/")[0] for m in self.archive.files | self.archive.folders
                    if m.startswith(prefix) and m != self.member}
        return (self / child for child in sorted(children))

    def read_bytes(self) -> bytes:
        return self.archive.zip.read(self.member)

    def resolve(self) -> str:
        return f"{self.archive.path.resolve()}:{self.member}"


def open_results(path: Path) -> Path | Member:
    """`path` itself when a folder; the top of the archive when a zip file; else an error naming it."""
    if path.is_dir():
        return path
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise ImportFormatError(f"{path}: not a folder of result files nor a .zip archive of them")
    archive = zipfile.ZipFile(path)
    files, folders, total = set(), set(), 0
    for info in archive.infolist():
        name = info.filename.rstrip("/")
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
            raise ImportFormatError(f"{path}:{info.filename}: a member name leading out of the archive; not read")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ImportFormatError(f"{path}:{info.filename}: a symbolic link; result archives hold plain files")
        if name in files or name in folders:
            raise ImportFormatError(f"{path}:{info.filename}: two members of this name; which is meant is unclear")
        if info.file_size > MAX_BYTES:
            raise ImportFormatError(f"{path}:{info.filename}: {info.file_size} bytes unpacked, over the "
                                    f"{MAX_BYTES // 2**20} MiB limit on one result file; not read")
        total += info.file_size
        if total > MAX_TOTAL:
            raise ImportFormatError(f"{path}: over {MAX_TOTAL // 2**30} GiB unpacked (at {info.filename}); not read")
        if not name or parts[0] == _IGNORED:
            continue
        (folders if info.is_dir() else files).add(name)
        folders.update(str(p) for p in PurePosixPath(name).parents if str(p) != ".")
    return Member(Archive(path, archive, frozenset(files), frozenset(folders)), "")


def unwrap(top: Path | Member, holds_results: Callable[[Path | Member], bool]) -> Path | Member:
    """The folder holding the results: `top`, or the one folder it wraps them in (a zipped tracker folder),
    however deep."""
    while not holds_results(top):
        entries = [p for p in top.iterdir() if p.name != _IGNORED]
        if len(entries) != 1 or not entries[0].is_dir():
            break
        top = entries[0]
    return top


def read_rows(path: Path | Member, columns: tuple[int, ...] = (4,)) -> np.ndarray:
    """A result file's rows (`benchmarks.textio` grammar, errors naming `archive.zip:member:line`)."""
    if isinstance(path, Member):
        return parse_table(path.read_bytes(), str(path), columns)
    return read_table(path, columns)
