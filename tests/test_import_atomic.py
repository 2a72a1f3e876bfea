"""Imports are all or nothing: every file is read and checked before the first shard is written, so a
malformed line in the last file leaves the store as it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import Sequence
from benchmarks.errors import BenchmarkError
from harness.errors import ImportFormatError
from harness.formats.imported import import_results
from harness.formats.vot_import import import_vot_results

NAMES = [f"seq{i:02d}" for i in range(1, 6)]


def _sequences() -> list[Sequence]:
    return [Sequence(name, "bench", np.tile([1.0, 2.0, 10.0, 10.0], (4, 1))) for name in NAMES]


def _stored(results: Path) -> list[Path]:
    return sorted(results.glob("**/*.parquet"))


def test_pysot_import_writes_nothing_when_a_later_file_is_malformed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in NAMES:
        (raw / f"{name}.txt").write_text("1,2,10,10\n" * 4)
    (raw / "seq05.txt").write_text("1,2,10,10\n1,2,10\n1,2,10,10\n1,2,10,10\n")
    with pytest.raises(BenchmarkError, match=r"seq05.txt:2"):
        import_results(raw, "T", "bench", _sequences(), tmp_path / "results")
    assert _stored(tmp_path / "results") == []


def test_vot_import_writes_nothing_when_a_later_file_is_malformed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for name in NAMES:
        (raw / name).mkdir(parents=True)
        (raw / name / f"{name}_001.txt").write_text("1\n1,2,10,10\n1,2,10,10\n1,2,10,10\n")
    (raw / "seq05" / "seq05_002.txt").write_text("1\n1,2,10,10\nnot a number\n1,2,10,10\n")
    with pytest.raises(ImportFormatError, match=r"seq05_002.txt:3"):
        import_vot_results(raw, "T", "bench", _sequences(), tmp_path / "results", "baseline")
    assert _stored(tmp_path / "results") == []
