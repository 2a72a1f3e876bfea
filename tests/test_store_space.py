"""Out of space: a shard or error record that cannot be written is reported once as out of space,
naming the file, leaves no temporary behind, and leaves complete shards as they were. The disk is
not filled: the write fails the way pyarrow fails on a full disk (part of the file written, then
OSError ENOSPC), or, where this process may mount one, on a real 64 KiB tmpfs."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harness.errors import HarnessError
from harness.store import ShardKey, error_path, is_complete, read_tracker, shard_path, write_error, write_shard
from tests.test_store import PROV, frames

FIRST, SECOND = ShardKey("trk", "bench", "one"), ShardKey("trk", "bench", "two")


@pytest.fixture
def full_disk(monkeypatch):
    """pyarrow's parquet writer and Python's file writes fail as on a full disk, after writing part of the file."""

    def write_table(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")

    real_write_text = Path.write_text

    def write_text(self, data, *args, **kwargs):
        real_write_text(self, data[:10], *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    def fill() -> None:
        monkeypatch.setattr(pq, "write_table", write_table)
        monkeypatch.setattr(Path, "write_text", write_text)

    return fill


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.glob("**/*") if p.is_file() and p.name.startswith(".")]


def test_shard_write_out_of_space_names_the_file_and_leaves_no_temporary(tmp_path, full_disk):
    write_shard(tmp_path, FIRST, frames(8), PROV)
    full_disk()
    with pytest.raises(HarnessError, match=rf"out of space writing {shard_path(tmp_path, SECOND)}"):
        write_shard(tmp_path, SECOND, frames(8), PROV)
    with pytest.raises(HarnessError, match=rf"out of space writing {error_path(tmp_path, SECOND)}"):
        write_error(tmp_path, SECOND, "boom", "Traceback ...")
    assert _leftovers(tmp_path) == []
    assert is_complete(tmp_path, FIRST) and not shard_path(tmp_path, SECOND).exists()
    assert len(read_tracker(tmp_path, "bench", "ope", "trk", ["one"])["one"][0].boxes) == 8


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A real 64 KiB file system, where this process may mount one (root on Linux); skipped elsewhere."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_out_of_space_on_a_real_file_system(tiny_tmpfs):
    written = []
    with pytest.raises(HarnessError, match="out of space writing"):
        for i in range(100):
            key = ShardKey("trk", "bench", f"s{i:03d}")
            write_shard(tiny_tmpfs, key, frames(400, seed=i), PROV)
            written.append(key)
    assert written and all(is_complete(tiny_tmpfs, k, frames=400) for k in written)
    assert _leftovers(tiny_tmpfs) == [] and os.listdir(tiny_tmpfs)
