"""The results store: one parquet file per shard, written atomically; read back as one dataset scan.

Layout: ``<results>/<benchmark>/<protocol>/<tracker>/<sequence>/rep<NNN>.parquet``. A file is complete or
absent: writers write ``.<name>.tmp-<pid>`` beside it and rename. A shard that raised leaves
``_rep<NNN>.error.json`` with its traceback instead. The schema is documented in docs/store.md.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from harness.errors import StoreError

SCHEMA_VERSION = "1"
PROVENANCE_KEY = b"harness.provenance"

STATUSES = ("initialized", "tracked", "failed", "skipped")

SCHEMA = pa.schema(
    [
        pa.field("tracker", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("benchmark", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("sequence", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("protocol", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("repetition", pa.int16(), nullable=False),
        pa.field("frame", pa.int32(), nullable=False),
        pa.field("x", pa.float64()),
        pa.field("y", pa.float64()),
        pa.field("w", pa.float64()),
        pa.field("h", pa.float64()),
        pa.field("score", pa.float64()),
        pa.field("status", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("latency_ms", pa.float64()),
    ]
)


@dataclass(frozen=True)
class ShardKey:
    """The unit of scheduling, writing, resuming and retrying."""

    tracker: str
    benchmark: str
    sequence: str
    repetition: int = 1
    protocol: str = "ope"  # ope (one pass), baseline (VOT supervised, with resets), realtime

    def relpath(self, suffix: str = ".parquet", prefix: str = "") -> Path:
        name = f"{prefix}rep{self.repetition:03d}{suffix}"
        return Path(_safe(self.benchmark), _safe(self.protocol), _safe(self.tracker), _safe(self.sequence), name)

    def __str__(self) -> str:
        protocol = "" if self.protocol == "ope" else f"{self.protocol}/"
        return f"{self.tracker}/{self.benchmark}/{protocol}{self.sequence}#{self.repetition}"


@dataclass(frozen=True)
class Provenance:
    """What produced a shard: enough to trace every stored row back to code, config and weights."""

    code_version: str
    config_hash: str
    weights_sha256: str
    device: str
    host: str
    started: str
    finished: str
    source: str = "run"


@dataclass(frozen=True)
class ShardFrames:
    """Per-frame outputs of one shard, as arrays."""

    boxes: np.ndarray  # (N, 4) x, y, w, h exactly as the tracker gave them
    scores: np.ndarray  # (N,)
    statuses: np.ndarray  # (N,) strings from STATUSES
    latency_ms: np.ndarray  # (N,)


def _safe(name: str) -> str:
    """Folder names are the sequence/tracker names, with only path separators made harmless."""
    safe = re.sub(r"[/\\\0]", "_", name)
    return f"_{safe}" if safe in ("", ".", "..") else safe


def shard_path(root: Path, key: ShardKey) -> Path:
    return Path(root) / key.relpath()


def error_path(root: Path, key: ShardKey) -> Path:
    # The "_" prefix keeps error records out of pyarrow's dataset discovery, like the temporaries' ".".
    return Path(root) / key.relpath(".error.json", prefix="_")


def is_complete(root: Path, key: ShardKey) -> bool:
    return shard_path(root, key).is_file()


def to_table(key: ShardKey, frames: ShardFrames) -> pa.Table:
    n = len(frames.boxes)
    boxes = np.asarray(frames.boxes, dtype=np.float64).reshape(n, 4)
    statuses = [str(s) for s in frames.statuses]
    unknown = set(statuses) - set(STATUSES)
    if unknown:
        raise StoreError(f"shard {key}: unknown statuses {sorted(unknown)}; expected {STATUSES}")

    def constant(value: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))

    status_index = np.array([STATUSES.index(s) for s in statuses], dtype=np.int8)
    columns = [
        constant(key.tracker),
        constant(key.benchmark),
        constant(key.sequence),
        constant(key.protocol),
        pa.array(np.full(n, key.repetition, np.int16)),
        pa.array(np.arange(n, dtype=np.int32)),
        *(pa.array(boxes[:, i]) for i in range(4)),
        pa.array(np.asarray(frames.scores, np.float64)),
        pa.DictionaryArray.from_arrays(pa.array(status_index), pa.array(list(STATUSES))),
        pa.array(np.asarray(frames.latency_ms, np.float64)),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def write_shard(root: Path, key: ShardKey, frames: ShardFrames, provenance: Provenance) -> Path:
    """Write a shard atomically; an earlier error record for it is removed once it succeeds."""
    final = shard_path(root, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    meta = {PROVENANCE_KEY: json.dumps(asdict(provenance)).encode(), b"harness.schema": SCHEMA_VERSION.encode()}
    table = to_table(key, frames).replace_schema_metadata(meta)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, final)
    error_path(root, key).unlink(missing_ok=True)
    return final


def write_error(root: Path, key: ShardKey, message: str, traceback_text: str) -> Path:
    path = error_path(root, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"shard": str(key), "error": message, "traceback": traceback_text}, indent=2))
    os.replace(tmp, path)
    return path


def remove_stale_temporaries(root: Path) -> int:
    """Delete half-written files a killed run left behind; they never count as results."""
    removed = 0
    for tmp in Path(root).glob("**/.*.tmp-*"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def read_provenance(path: Path) -> Provenance:
    meta = pq.read_schema(path).metadata or {}
    if PROVENANCE_KEY not in meta:
        raise StoreError(f"{path}: no provenance in the file metadata; not written by this harness")
    return Provenance(**json.loads(meta[PROVENANCE_KEY]))


def read_results(
    root: Path,
    benchmark: str,
    trackers: Iterable[str] | None = None,
    columns: list[str] | None = None,
    protocol: str = "ope",
) -> pa.Table:
    """All stored rows of one benchmark and protocol (optionally some trackers) in one dataset scan."""
    folder = Path(root) / _safe(benchmark) / _safe(protocol)
    where = f"benchmark {benchmark!r} ({protocol})"
    if not folder.is_dir():
        raise StoreError(f"no results for {where} under {Path(root).resolve()}")
    dataset = ds.dataset(folder, schema=SCHEMA, format="parquet")
    if not dataset.files:
        raise StoreError(f"no results for {where} under {folder.resolve()}")
    filt = None
    if trackers is not None:
        filt = ds.field("tracker").isin(list(trackers))
    return dataset.to_table(columns=columns, filter=filt)


@dataclass(frozen=True)
class StoredShard:
    """One shard's rows read back, in frame order."""

    tracker: str
    sequence: str
    repetition: int
    boxes: np.ndarray  # (N, 4)
    statuses: np.ndarray  # (N,) strings from STATUSES
    latency_ms: np.ndarray  # (N,)


def split_shards(table: pa.Table) -> list[StoredShard]:
    """A scanned table cut into its shards, ordered by tracker, sequence, repetition, then frame."""
    if table.num_rows == 0:
        return []

    def strings(column: str) -> np.ndarray:
        return pc.cast(table[column], pa.string()).to_numpy(zero_copy_only=False)

    tracker, sequence, repetition = strings("tracker"), strings("sequence"), table["repetition"].to_numpy()
    order = np.lexsort((table["frame"].to_numpy(), repetition, sequence, tracker))
    tracker, sequence, repetition = tracker[order], sequence[order], repetition[order]
    boxes = np.column_stack([table[c].to_numpy()[order] for c in "xywh"])
    statuses, latency = strings("status")[order], table["latency_ms"].to_numpy()[order]
    change = (tracker[1:] != tracker[:-1]) | (sequence[1:] != sequence[:-1]) | (repetition[1:] != repetition[:-1])
    starts = np.flatnonzero(np.r_[True, change])
    return [
        StoredShard(str(tracker[a]), str(sequence[a]), int(repetition[a]), boxes[a:b], statuses[a:b], latency[a:b])
        for a, b in zip(starts, np.r_[starts[1:], len(order)])
    ]


def list_errors(root: Path, benchmark: str | None = None) -> list[dict]:
    base = Path(root) / _safe(benchmark) if benchmark else Path(root)
    return [json.loads(p.read_text()) for p in sorted(base.glob("**/_rep*.error.json"))]
