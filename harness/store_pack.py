"""A tracker's shards packed into one file, so that scoring opens one file per tracker, not one per shard.

Opening a parquet file costs about a millisecond whatever its size (footer, schema, column chunks);
LaSOT's 280 sequences times six trackers make that most of `harness eval`'s time. The pack
(``<tracker folder>/_shards.pack``) holds the per-frame columns scoring reads of the tracker's shard
files last read from disk together (normally all of them: `store.read_tracker` says when it is written),
concatenated. Its footer says whose shards they are (benchmark, protocol, tracker), where each file's
rows are, the stamp each file had when it was read (size, modification and change times, inode) and a
digest of all of it. A shard is taken from the pack only while its file still has that stamp; the
change time (ctime) moves on every write, rename, truncation or `touch` and cannot be set back, so a
file changed by any means no longer matches. A pack whose rows or footer no longer match its digest
(damaged, or edited) is ignored and rewritten. It is a cache: writing it is best effort (a read-only or
full disk leaves the shards as they are) and deleting it loses nothing. The "_" prefix keeps it out of
pyarrow's dataset discovery, as for the error records.
"""

from __future__ import annotations

import hashlib
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
_FORMAT = "3"  # 3: the score column (long-term analyses read the confidences)
_KEY = b"harness.pack"
_COLUMNS = ("x", "y", "w", "h", "status", "latency_ms", "score")

Stamp = tuple[int, int, int, int]  # size, mtime in ns, ctime in ns, inode
Identity = tuple[str, str, str]  # benchmark, protocol, tracker: whose shards a pack holds


def stamp_of(status: os.stat_result) -> Stamp:
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino


@dataclass(frozen=True)
class PackedShard:
    """One shard file's rows as its columns, with where they came from."""

    stamp: Stamp
    boxes: np.ndarray  # (N, 4)
    status: np.ndarray  # (N,) int8 index into the store's STATUSES
    latency_ms: np.ndarray  # (N,)
    scores: np.ndarray  # (N,) the tracker's confidence per frame, NaN where it gave none
    source: str  # its provenance's source: "run", or "import:<format>:<result file>"
    synthetic_weights: bool
    masks: object = None  # benchmarks.masks.Masks of a tracker that outputs masks; such shards are never packed

    @property
    def imported(self) -> str:
        """The result file it was imported from; "" for a run's shard."""
        return self.source.split(":", 2)[2] if self.source.startswith("import:") else ""


ShardId = tuple[str, int]  # the sequence's folder name, the repetition


def _digest(identity: Identity, entries: list, columns: list[np.ndarray]) -> str:
    """What the pack holds, hashed: whose it is, its index and every row (sha1: a check against damage
    and edits, not against someone who recomputes it)."""
    digest = hashlib.sha1(json.dumps([list(identity), entries]).encode())
    for column in columns:
        digest.update(np.ascontiguousarray(column))
    return digest.hexdigest()


def load_pack(folder: Path, wanted: dict[ShardId, Stamp], identity: Identity,
              ) -> tuple[dict[ShardId, PackedShard] | None, list[ShardId]]:
    """The shards `wanted` from the pack in a tracker's `folder`, or None unless the pack is `identity`'s,
    holds every one of them with the same stamp and matches its digest (then the caller reads the shard
    files); and the other shards the pack holds."""
    path = folder / PACK
    try:
        parquet = pq.ParquetFile(path)
        index = json.loads((parquet.schema_arrow.metadata or {})[_KEY])
        if index["format"] != _FORMAT or tuple(index["identity"]) != identity:
            return None, []
        entries = {(e[0], e[1]): e for e in index["shards"]}
        others = [i for i in entries if i not in wanted]
        if any(i not in entries or tuple(entries[i][2]) != s for i, s in wanted.items()):
            return None, others
        table = parquet.read(columns=list(_COLUMNS), use_threads=False)
        columns = [table[c].to_numpy() for c in _COLUMNS]
        if _digest(identity, index["shards"], columns) != index["digest"]:
            return None, []
    except (OSError, pa.ArrowException, KeyError, IndexError, TypeError, ValueError):
        return None, []
    boxes, status, latency, scores = np.column_stack(columns[:4]), columns[4], columns[5], columns[6]
    starts = np.cumsum([0] + [e[3] for e in index["shards"]])
    if starts[-1] != table.num_rows:
        return None, []
    place = {(e[0], e[1]): (int(starts[k]), int(starts[k + 1]), e) for k, e in enumerate(index["shards"])}
    packed = {}
    for i in wanted:
        begin, end, entry = place[i]
        packed[i] = PackedShard(tuple(entry[2]), boxes[begin:end], status[begin:end], latency[begin:end],
                                scores[begin:end], entry[4], bool(entry[5]))
    return packed, others


def save_pack(folder: Path, shards: dict[ShardId, PackedShard], identity: Identity) -> None:
    """Write the pack of a tracker's `folder` holding `shards`; a failure to write leaves the pack that was there.
    A tracker with masks gets none: its shards are read from their files (the pack holds per-frame numbers)."""
    if any(s.masks is not None for s in shards.values()):
        return
    order = sorted(shards)
    rows = [shards[i] for i in order]
    boxes = np.concatenate([s.boxes for s in rows] or [np.zeros((0, 4))])
    columns = [np.ascontiguousarray(boxes[:, k]) for k in range(4)] + [
        np.concatenate([s.status for s in rows] or [np.zeros(0, np.int8)]).astype(np.int8),
        np.concatenate([s.latency_ms for s in rows] or [np.zeros(0)]).astype(np.float64),
        np.concatenate([s.scores for s in rows] or [np.zeros(0)]).astype(np.float64),
    ]
    entries = [[i[0], i[1], list(s.stamp), len(s.boxes), s.source, s.synthetic_weights] for i, s in zip(order, rows)]
    index = {"format": _FORMAT, "identity": list(identity), "shards": entries,
             "digest": _digest(identity, entries, columns)}
    table = pa.table(dict(zip(_COLUMNS, columns))).replace_schema_metadata({_KEY: json.dumps(index).encode()})
    try:
        write_atomic(folder / PACK, lambda temporary: pq.write_table(table, temporary, compression="zstd"))
    except (OSError, HarnessError, pa.ArrowException):
        return  # the shard files are still there and still read; only the next read's speed-up is lost
