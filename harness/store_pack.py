"""A tracker's shards packed into one file, so that scoring opens one file per tracker, not one per shard.

Opening a parquet file costs about a millisecond whatever its size (footer, schema, column chunks);
LaSOT's 280 sequences times six trackers make that most of `harness eval`'s time. The pack
(``<tracker folder>/_shards.pack``) holds the per-frame columns scoring reads of the tracker's shard
files last read from disk together (normally all of them: `store.read_tracker` says when it is written),
concatenated, and in its footer each file's place in the rows with the stamp the file
had when it was read: size, modification time and inode. A shard is taken from the pack only while
its file still has that stamp; any write (a run, an import, a re-run after quarantine) replaces the
file by a rename, which gives it a new inode, so a stale pack is never read. The pack is a cache:
writing it is best effort (a read-only or full disk leaves the shards as they are), a pack that does
not read is ignored, and deleting it loses nothing. The "_" prefix keeps it out of pyarrow's dataset
discovery, as for the error records.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from harness.atomic import write_atomic
from harness.errors import HarnessError

PACK = "_shards.pack"  # parquet inside; not named .parquet, so that a glob for shard files passes it by
_FORMAT = "1"
_KEY = b"harness.pack"

Stamp = tuple[int, int, int]  # size, mtime in ns, inode


def stamp_of(status: os.stat_result) -> Stamp:
    return status.st_size, status.st_mtime_ns, status.st_ino


@dataclass(frozen=True)
class PackedShard:
    """One shard file's rows as its columns, with where they came from."""

    stamp: Stamp
    boxes: np.ndarray  # (N, 4)
    status: np.ndarray  # (N,) int8 index into the store's STATUSES
    latency_ms: np.ndarray  # (N,)
    imported: str  # the result file it was imported from; "" for a run's shard
    synthetic_weights: bool


ShardId = tuple[str, int]  # the sequence's folder name, the repetition


def load_pack(folder: Path, wanted: dict[ShardId, Stamp]) -> tuple[dict[ShardId, PackedShard] | None, list[ShardId]]:
    """The shards `wanted` from the pack in a tracker's `folder`, or None unless every one of them is in
    it with the same stamp (then the caller reads the shard files); and the other shards the pack holds."""
    path = folder / PACK
    try:
        parquet = pq.ParquetFile(path)
        index = json.loads((parquet.schema_arrow.metadata or {})[_KEY])
        if index["format"] != _FORMAT:
            return None, []
        entries = {(e[0], e[1]): e for e in index["shards"]}
        others = [i for i in entries if i not in wanted]
        if any(i not in entries or tuple(entries[i][2]) != s for i, s in wanted.items()):
            return None, others
        table = parquet.read(use_threads=False)
    except (OSError, pa.ArrowException, KeyError, IndexError, TypeError, ValueError):
        return None, []
    boxes = np.column_stack([table[c].to_numpy() for c in "xywh"])
    status, latency = table["status"].to_numpy(), table["latency_ms"].to_numpy()
    starts = np.cumsum([0] + [e[3] for e in index["shards"]])
    if starts[-1] != table.num_rows:
        return None, []
    place = {(e[0], e[1]): (int(starts[k]), int(starts[k + 1]), e) for k, e in enumerate(index["shards"])}
    packed = {}
    for i in wanted:
        begin, end, entry = place[i]
        packed[i] = PackedShard(tuple(entry[2]), boxes[begin:end], status[begin:end], latency[begin:end],
                                entry[4], bool(entry[5]))
    return packed, others


def save_pack(folder: Path, shards: dict[ShardId, PackedShard]) -> None:
    """Write the pack of a tracker's `folder` holding `shards`; a failure to write leaves the pack that was there."""
    order = sorted(shards)
    rows = [shards[i] for i in order]
    boxes = np.concatenate([s.boxes for s in rows] or [np.zeros((0, 4))])
    table = pa.table({
        "x": boxes[:, 0], "y": boxes[:, 1], "w": boxes[:, 2], "h": boxes[:, 3],
        "status": np.concatenate([s.status for s in rows] or [np.zeros(0, np.int8)]),
        "latency_ms": np.concatenate([s.latency_ms for s in rows] or [np.zeros(0)]),
    })
    index = {"format": _FORMAT, "shards": [[i[0], i[1], list(s.stamp), len(s.boxes), s.imported, s.synthetic_weights]
                                           for i, s in zip(order, rows)]}
    table = table.replace_schema_metadata({_KEY: json.dumps(index).encode()})
    try:
        write_atomic(folder / PACK, lambda temporary: pq.write_table(table, temporary, compression="zstd"))
    except (OSError, HarnessError, pa.ArrowException):
        return  # the shard files are still there and still read; only the next read's speed-up is lost
