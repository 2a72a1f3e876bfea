"""A shard file counts as complete only when its footer, schema, row count, provenance and key check
out; a bad one is moved to the quarantine folder, and reading one is an error naming it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.errors import StoreError
from harness.store import ShardKey, is_complete, read_tracker, shard_path, write_shard
from tests.test_store import PROV, frames

KEY = ShardKey("trk", "bench", "seq", 1)


@pytest.fixture
def stored(tmp_path):
    write_shard(tmp_path, KEY, frames(20), PROV)
    return tmp_path, shard_path(tmp_path, KEY)


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _foreign(path):
    pq.write_table(pa.table({"a": [1, 2, 3]}), path)


def _short(path):
    table = pq.read_table(path)
    pq.write_table(table.slice(0, 12).replace_schema_metadata(table.schema.metadata), path)


def _no_provenance(path):
    pq.write_table(pq.read_table(path).replace_schema_metadata({}), path)


def _another_shard(path):
    other = write_shard(path.parents[4], ShardKey("trk", "bench", "other", 1), frames(20), PROV)
    shutil.copy(other, path)


DAMAGE = {"truncated": _truncate, "foreign schema": _foreign, "short": _short, "no provenance": _no_provenance,
          "another shard's file": _another_shard}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_shard_is_not_complete(stored, damage):
    root, path = stored
    assert is_complete(root, KEY, frames=20)
    DAMAGE[damage](path)
    assert not is_complete(root, KEY, frames=20)


def test_a_run_shard_with_the_expected_rows_only_is_complete(stored):
    root, _ = stored
    assert is_complete(root, KEY) and is_complete(root, KEY, frames=20) and not is_complete(root, KEY, frames=21)


@pytest.mark.parametrize("damage", ["truncated", "foreign schema"])
def test_reading_a_damaged_shard_is_an_error_naming_it(stored, damage):
    root, path = stored
    DAMAGE[damage](path)
    with pytest.raises(StoreError, match=str(path)):
        read_tracker(root, "bench", "ope", "trk", ["seq"])


def test_quarantine_moves_the_file_aside_with_the_reason(stored):
    from harness.store import QUARANTINE, quarantine, shard_problem

    root, path = stored
    _foreign(path)
    reason = shard_problem(root, KEY, frames=20)
    assert "columns" in reason
    moved = quarantine(root, KEY, reason)
    assert not path.exists() and moved.is_file() and (root / QUARANTINE) in moved.parents
    assert pq.read_table(moved).column_names == ["a"]
    why = json.loads(moved.with_suffix(".why.json").read_text())
    assert why == {"shard": str(KEY), "from": str(path), "reason": reason, "moved": why["moved"]}
    # A second bad file for the same shard does not overwrite the first.
    _foreign_again = write_shard(root, KEY, frames(20), PROV)
    _truncate(_foreign_again)
    again = quarantine(root, KEY, shard_problem(root, KEY, frames=20))
    assert again != moved and moved.is_file() and again.is_file()
    assert np.isfinite(len(list((root / QUARANTINE).glob("**/*.parquet"))))
