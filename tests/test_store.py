"""The parquet store: atomic shard files, provenance, one-scan reads, error records."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from harness.errors import StoreError
from harness.store import (
    Provenance,
    ShardFrames,
    ShardKey,
    error_path,
    is_complete,
    list_errors,
    read_provenance,
    read_results,
    remove_stale_temporaries,
    shard_path,
    write_error,
    write_shard,
)

PROV = Provenance("0.1.0", "abc", "def", "cpu", "host", "2026-01-01T00:00:00", "2026-01-01T00:00:01")


def frames(n: int, seed: int = 0) -> ShardFrames:
    rng = np.random.default_rng(seed)
    boxes = rng.uniform(0, 100, (n, 4))
    statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
    return ShardFrames(boxes, rng.uniform(size=n), statuses, rng.uniform(1, 5, n))


def test_round_trip_keeps_boxes_exactly_and_provenance(tmp_path):
    key = ShardKey("trk", "otb", "Human4-2", 1)
    f = frames(50)
    path = write_shard(tmp_path, key, f, PROV)
    assert path == shard_path(tmp_path, key) and is_complete(tmp_path, key)
    table = read_results(tmp_path, "otb")
    boxes = np.column_stack([table[c].to_numpy() for c in "xywh"])
    np.testing.assert_array_equal(boxes, f.boxes)  # never rounded, never clipped
    assert table["frame"].to_pylist() == list(range(50))
    assert table["status"].to_pylist()[:2] == ["initialized", "tracked"]
    assert set(table["sequence"].to_pylist()) == {"Human4-2"}
    assert read_provenance(path) == PROV


def test_one_scan_reads_many_trackers_and_filters(tmp_path):
    for t in ("a", "b"):
        for s in ("s1", "s2", "s3"):
            write_shard(tmp_path, ShardKey(t, "bench", s), frames(10), PROV)
    assert read_results(tmp_path, "bench").num_rows == 60
    only_b = read_results(tmp_path, "bench", trackers=["b"])
    assert only_b.num_rows == 30 and set(only_b["tracker"].to_pylist()) == {"b"}


def test_success_clears_an_earlier_error_record(tmp_path):
    key = ShardKey("t", "b", "s")
    write_error(tmp_path, key, "ValueError: boom", "Traceback ...")
    assert list_errors(tmp_path)[0]["shard"] == str(key)
    write_shard(tmp_path, key, frames(3), PROV)
    assert not error_path(tmp_path, key).exists() and list_errors(tmp_path) == []


def test_stale_temporaries_are_removed_and_never_read(tmp_path):
    key = ShardKey("t", "b", "s")
    write_shard(tmp_path, key, frames(3), PROV)
    stale = shard_path(tmp_path, key).with_name(".rep002.parquet.tmp-999")
    stale.write_bytes(b"half a parquet file")
    assert read_results(tmp_path, "b").num_rows == 3
    assert remove_stale_temporaries(tmp_path) == 1 and not stale.exists()


def test_unknown_status_and_missing_benchmark_are_errors(tmp_path):
    bad = ShardFrames(np.zeros((2, 4)), np.zeros(2), np.array(["tracked", "lost"]), np.zeros(2))
    with pytest.raises(StoreError, match="unknown statuses"):
        write_shard(tmp_path, ShardKey("t", "b", "s"), bad, PROV)
    with pytest.raises(StoreError, match="no results for benchmark 'nope'"):
        read_results(tmp_path, "nope")


def test_foreign_parquet_file_has_no_provenance(tmp_path):
    key = ShardKey("t", "b", "s")
    path = write_shard(tmp_path, key, frames(3), PROV)
    pq.write_table(pq.read_table(path).replace_schema_metadata({}), path)
    with pytest.raises(StoreError, match="no provenance"):
        read_provenance(path)


def test_sequence_names_with_separators_stay_inside_the_store(tmp_path):
    key = ShardKey("t", "b", "a/../../evil")
    path = write_shard(tmp_path, key, frames(2), PROV)
    assert tmp_path in path.resolve().parents
    assert json.loads(json.dumps(str(key)))
