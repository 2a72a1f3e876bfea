"""A tracker's pack: one file read instead of its shard files while none of them changed, never stale,
and a cache only (a pack that cannot be written or read leaves the shard files to be read)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from harness.store import ShardKey, pack_tracker, read_shard, read_tracker, shard_path, write_shard
from harness.store_pack import PACK
from tests.test_store import PROV, frames

SEQUENCES = ["s1", "s2", "we/ird"]
LENGTHS = {"s1": 10, "s2": 11, "we/ird": 12}  # as _store writes them


def _store(root, reps: int = 1):
    for n, sequence in enumerate(SEQUENCES):
        for rep in range(1, reps + 1):
            write_shard(root, ShardKey("trk", "bench", sequence, rep), frames(10 + n, seed=n * 10 + rep), PROV)
    return root / "bench" / "ope" / "trk" / PACK


def _as_tuples(found):
    return {s: [(x.tracker, x.sequence, x.repetition, x.boxes.tolist(), x.status.tolist(), x.latency_ms.tolist(),
                 x.source, x.synthetic_weights) for x in shards] for s, shards in found.items()}


def test_a_full_read_writes_the_pack_and_the_next_read_equals_the_shard_files(tmp_path):
    pack = _store(tmp_path, reps=2)
    direct = {s: [read_shard(shard_path(tmp_path, ShardKey("trk", "bench", s, r)), ShardKey("trk", "bench", s, r))
                  for r in (1, 2)] for s in SEQUENCES}
    first = read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)
    assert pack.is_file()
    second = read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)
    assert _as_tuples(first) == _as_tuples(second) == _as_tuples(direct)
    assert list(second) == SEQUENCES
    only_first = read_tracker(tmp_path, "bench", "ope", "trk", ["s2"], first_only=True)
    assert _as_tuples(only_first) == {"s2": _as_tuples(direct)["s2"][:1]}


def test_unchanged_files_are_read_from_the_pack_not_opened(tmp_path, monkeypatch):
    _store(tmp_path)
    pack_tracker(tmp_path, "bench", "ope", "trk", LENGTHS, first_only=True)
    opened = []
    real = pq.ParquetFile
    monkeypatch.setattr(pq, "ParquetFile", lambda path, *a, **k: opened.append(Path(path).name) or real(path, *a, **k))
    found = read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES, first_only=True)
    assert opened == [PACK]
    np.testing.assert_array_equal(found["s1"][0].boxes, frames(10, seed=1).boxes)


def test_a_rewritten_added_or_removed_shard_is_read_from_the_files(tmp_path):
    pack = _store(tmp_path)
    read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)
    rewritten = frames(10, seed=99)
    write_shard(tmp_path, ShardKey("trk", "bench", "s1"), rewritten, replace(PROV, synthetic_weights=True))
    found = read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)
    np.testing.assert_array_equal(found["s1"][0].boxes, rewritten.boxes)
    assert found["s1"][0].synthetic_weights and not found["s2"][0].synthetic_weights
    write_shard(tmp_path, ShardKey("trk", "bench", "s2", 2), frames(3), PROV)
    assert [len(s.boxes) for s in read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)["s2"]] == [11, 3]
    shard_path(tmp_path, ShardKey("trk", "bench", "s2", 2)).unlink()
    shard_path(tmp_path, ShardKey("trk", "bench", "s2", 1)).unlink()
    assert list(read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)) == ["s1", "we/ird"]
    assert _packed(pack) == ["s1", "s2", "we_ird"]  # served from it: a removed file's rows are not read


def _packed(pack) -> list[str]:
    return sorted({e[0] for e in json.loads(pq.read_schema(pack).metadata[b"harness.pack"])["shards"]})


def test_a_partial_read_uses_the_pack_and_never_replaces_a_fuller_one(tmp_path):
    pack = _store(tmp_path)
    read_tracker(tmp_path, "bench", "ope", "trk", ["s1"])
    assert _packed(pack) == ["s1"]
    read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)
    assert _packed(pack) == ["s1", "s2", "we_ird"]
    stamp = os.stat(pack).st_mtime_ns
    assert len(read_tracker(tmp_path, "bench", "ope", "trk", ["s2"])["s2"][0].boxes) == 11
    write_shard(tmp_path, ShardKey("trk", "bench", "s2"), frames(5), PROV)
    assert len(read_tracker(tmp_path, "bench", "ope", "trk", ["s2"])["s2"][0].boxes) == 5
    assert os.stat(pack).st_mtime_ns == stamp  # s1 and we/ird are still there: kept for the next full read
    shard_path(tmp_path, ShardKey("trk", "bench", "we/ird")).unlink()
    assert list(read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)) == ["s1", "s2"]
    assert _packed(pack) == ["s1", "s2"]  # what it held of a removed shard is gone with the rewrite


def test_a_pack_that_does_not_read_or_cannot_be_written_changes_nothing(tmp_path):
    pack = _store(tmp_path)
    expected = _as_tuples(read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES))
    pack.write_bytes(b"not parquet")
    assert _as_tuples(read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)) == expected
    assert pack.read_bytes()[:4] == b"PAR1"  # written again
    pack.unlink()
    pack.mkdir()  # where the pack would go cannot be replaced by a file
    assert _as_tuples(read_tracker(tmp_path, "bench", "ope", "trk", SEQUENCES)) == expected
    assert [p.name for p in pack.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_import_writes_the_pack_and_eval_reads_it(tmp_path, capsys):
    """After `harness import` the first eval opens one file per tracker; its scores are the shard files'."""
    from harness.cli import main
    from tests.conftest import realdata_path

    anno, results = realdata_path("otb", "toolkit-anno", "OTB100"), tmp_path / "results"
    assert main(["import", "--bench", "otb", "--root", str(anno), "--tracker", "SiamFC",
                 str(realdata_path("otb", "results", "SiamFC")), "--results", str(results), "--json"]) == 0
    pack = results / "otb" / "ope" / "SiamFC" / PACK
    assert pack.is_file()
    argv = ["eval", "--bench", "otb", "--root", str(anno), "--results", str(results), "--json", "--no-report"]
    capsys.readouterr()
    assert main(argv) == 0
    from_pack = json.loads(capsys.readouterr().out)
    pack.unlink()
    pack.mkdir()  # no pack can be written: the shard files are read
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == from_pack
