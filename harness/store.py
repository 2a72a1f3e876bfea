"""The results store: one parquet file per shard, written atomically.

Layout: ``<results>/<benchmark>/<protocol>/<tracker>/<sequence>/rep<NNN>.parquet``, where ``<protocol>``
is the experiment's name (its store folder). A file is complete or absent: writers write a locked
``.<name>.tmp-<pid>-<random>`` beside it and rename; the lock says the writer is alive
(`harness.locks`), so a cleanup removes only temporaries whose writer is dead. A shard that raised
leaves ``_rep<NNN>.error.json`` with its traceback instead. A file at a shard's path counts as complete
only when `shard_problem` finds nothing wrong with it; a bad one is moved to ``<results>/_quarantine``.
The schema is documented in docs/store.md.

Reading for scoring goes tracker by tracker (`read_tracker`): only that tracker's files, each opened
once by its path, in frame order as written, so memory holds one tracker's rows and a tracker filter
reads nothing else. A tracker's shards are also cached in one file beside them (`harness.store_pack`),
read instead of the shard files while none of them has changed. `read_results` is one dataset scan of
a whole benchmark, for users' own analyses.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.masks import Masks
from harness.atomic import out_of_space, write_atomic
from harness.errors import StoreError
from harness.locks import Held, remove_if_abandoned, try_hold
from harness.store_pack import PackedShard, ShardId, Stamp, load_pack, save_pack, stamp_of

SCHEMA_VERSION = "1"
PROVENANCE_KEY = b"harness.provenance"
QUARANTINE = "_quarantine"  # under the results root: files found at a shard's path that are not complete shards

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


# A tracker that outputs segmentation masks (VOT2020+) has one more column: per frame the mask as the VOT
# toolkit's RLE, x, y, width, height and then the run lengths (0s first), or null where it gave none. The
# boxes are kept too, as the tracker gave them; box-only shards have no such column.
MASK_FIELD = pa.field("mask", pa.list_(pa.int64()))
MASK_SCHEMA = SCHEMA.append(MASK_FIELD)

_DICTIONARY_COLUMNS = [f.name for f in SCHEMA if pa.types.is_dictionary(f.type)]


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
    deterministic: bool | None = None  # the tracker's own claim; None for imports and older files
    synthetic_weights: bool = False  # the tracker's weights were trained on synthetic data only


@dataclass(frozen=True)
class ShardFrames:
    """Per-frame outputs of one shard, as arrays."""

    boxes: np.ndarray  # (N, 4) x, y, w, h exactly as the tracker gave them
    scores: np.ndarray  # (N,)
    statuses: np.ndarray  # (N,) strings from STATUSES
    latency_ms: np.ndarray  # (N,)
    masks: Masks | None = None  # the tracker's masks, for a tracker that outputs them (special: none there)


def _safe(name: str) -> str:
    """Folder names are the sequence/tracker names, with only path separators made harmless."""
    safe = re.sub(r"[/\\\0]", "_", name)
    return f"_{safe}" if safe in ("", ".", "..") else safe


def shard_path(root: Path, key: ShardKey) -> Path:
    return Path(root) / key.relpath()


def error_path(root: Path, key: ShardKey) -> Path:
    # The "_" prefix keeps error records out of pyarrow's dataset discovery, like the temporaries' ".".
    return Path(root) / key.relpath(".error.json", prefix="_")


def is_complete(root: Path, key: ShardKey, frames: int | None = None) -> bool:
    """A shard file is at `key`'s path and `shard_problem` finds nothing wrong with it."""
    return shard_path(root, key).is_file() and shard_problem(root, key, frames) is None


_KEY_COLUMNS = ("tracker", "benchmark", "sequence", "protocol", "repetition")
_CHECKED = [*_KEY_COLUMNS, "frame"]  # what says whose rows a file holds, and in which order


def schema_problem(schema: pa.Schema) -> str | None:
    """How `schema` differs from a shard's columns, or None."""
    have = [(f.name, f.type) for f in schema]
    if have in ([(f.name, f.type) for f in SCHEMA], [(f.name, f.type) for f in MASK_SCHEMA]):
        return None
    return (f"its columns are {', '.join(f'{n} ({t})' for n, t in have)}; a shard's are "
            f"{', '.join(f'{f.name} ({f.type})' for f in SCHEMA)}")


def shard_problem(root: Path, key: ShardKey, frames: int | None = None) -> str | None:
    """What is wrong with the file at `key`'s path, or None for a complete shard: its footer must read,
    its schema be a shard's, its provenance parse, its rows be `key`'s, in frame order, and (for a run's
    shard, when `frames` is given) number `frames`. The box columns are not decoded here; reading them
    names the file."""
    path = shard_path(root, key)
    try:
        parquet = pq.ParquetFile(path)
        problem = schema_problem(parquet.schema_arrow)
        if problem:
            return problem
        provenance = _provenance(parquet.schema_arrow.metadata or {})
        if provenance is None:
            return _NO_PROVENANCE
        table = parquet.read(columns=_CHECKED, use_threads=False)
    except (OSError, pa.ArrowException) as exc:
        return f"not a readable parquet file ({str(exc).strip()})"
    return rows_problem(table, key, provenance, frames)


_NO_PROVENANCE = "no readable provenance in its metadata; not written by this harness"


def rows_problem(table: pa.Table, key: ShardKey, provenance: Provenance, frames: int | None) -> str | None:
    """What says that `table` (a shard file's key and frame columns, at least) is not `key`'s shard: rows
    of another tracker, benchmark, sequence, protocol or repetition, rows out of frame order, or (for a
    run's shard, when `frames` is given) another number of rows than the sequence has frames."""
    for column in _CHECKED:
        if table[column].null_count:
            return f"its {column} column has empty (null) values"
    found = {c: _distinct(table[c]) for c in _KEY_COLUMNS}
    expected = {c: [str(getattr(key, c))] for c in _KEY_COLUMNS}
    if table.num_rows and found != expected:
        wrong = [f"{c} {found[c]} (expected {expected[c][0]!r})" for c in _KEY_COLUMNS if found[c] != expected[c]]
        return f"its rows belong to another shard: {'; '.join(wrong)}"
    if frames is not None and provenance.source == "run" and table.num_rows != frames:
        return f"{table.num_rows} rows, but the sequence has {frames} frames"
    if not np.array_equal(table["frame"].to_numpy(), np.arange(table.num_rows)):
        return "its frame column is not 0, 1, 2, ... (rows are scored in the order they are stored)"
    return None


def _distinct(column: pa.ChunkedArray) -> list[str]:
    """The values a column holds, sorted, as text; a dictionary column's without a string per row."""
    values: set = set()
    for chunk in column.chunks:
        if not len(chunk):
            continue
        if pa.types.is_dictionary(chunk.type):
            names = chunk.dictionary.to_pylist()
            used = range(1) if len(names) == 1 else np.unique(chunk.indices.to_numpy(zero_copy_only=False))
            values.update(names[i] for i in used)
        else:
            values.update(np.unique(chunk.to_numpy(zero_copy_only=False)).tolist())
    return sorted(str(v) for v in values)


def _provenance(meta: dict[bytes, bytes]) -> Provenance | None:
    known = {f.name for f in fields(Provenance)}
    try:
        values = json.loads(meta[PROVENANCE_KEY])
        return Provenance(**{k: v for k, v in values.items() if k in known})
    except (KeyError, ValueError, TypeError):
        return None


def quarantine(root: Path, key: ShardKey, reason: str) -> Path:
    """Move the file at `key`'s path to ``<root>/_quarantine/<its relative path with a UTC time>`` beside
    a ``.why.json`` saying what was wrong; returns where it went. Nothing is deleted."""
    source = shard_path(root, key)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    target = Path(root) / QUARANTINE / key.relpath().with_name(f"{source.stem}.{stamp}.parquet")
    target.parent.mkdir(parents=True, exist_ok=True)
    why = {"shard": str(key), "from": str(source), "reason": reason, "moved": stamp}
    write_atomic(target.with_suffix(".why.json"), lambda tmp: tmp.write_text(json.dumps(why, indent=2)))
    os.replace(source, target)
    return target


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
    if frames.masks is None:
        return pa.Table.from_arrays(columns, schema=SCHEMA)
    if len(frames.masks) != n:
        raise StoreError(f"shard {key}: {len(frames.masks)} masks for {n} frames")
    return pa.Table.from_arrays([*columns, _mask_column(frames.masks)], schema=MASK_SCHEMA)


def _mask_column(masks: Masks) -> pa.Array:
    rows = [None if masks.special[i] else [*masks.offsets[i].tolist(), *masks.sizes[i].tolist(),
                                           *masks.runs[masks.starts[i]:masks.starts[i + 1]].tolist()]
            for i in range(len(masks))]
    return pa.array(rows, type=MASK_FIELD.type)


def _masks(column: pa.ChunkedArray) -> Masks:
    """The mask column read back (the toolkit's view of each mask, as its reader of text files holds it)."""
    return Masks.from_runs([None if row is None else (*row[:4], np.asarray(row[4:], np.int64))
                            for row in column.to_pylist()])


def write_shard(root: Path, key: ShardKey, frames: ShardFrames, provenance: Provenance) -> Path:
    """Write a shard atomically; an earlier error record for it is removed once it succeeds."""
    final = shard_path(root, key)
    meta = {PROVENANCE_KEY: json.dumps(asdict(provenance)).encode(), b"harness.schema": SCHEMA_VERSION.encode()}
    table = to_table(key, frames).replace_schema_metadata(meta)
    # Dictionary pages only for the name columns: the per-frame numbers read back faster without them.
    write_atomic(final, lambda tmp: pq.write_table(table, tmp, use_dictionary=_DICTIONARY_COLUMNS))
    error_path(root, key).unlink(missing_ok=True)
    return final


def write_error(root: Path, key: ShardKey, message: str, traceback_text: str) -> Path:
    path = error_path(root, key)
    record = json.dumps({"shard": str(key), "error": message, "traceback": traceback_text}, indent=2)
    write_atomic(path, lambda tmp: tmp.write_text(record))
    return path


def claim_shard(root: Path, key: ShardKey) -> Held | None:
    """Claim `key` for this process (``.rep<NNN>.claim`` beside its file, locked until released), or None
    when a live process, such as a concurrent run into the same folder, holds it."""
    path = shard_path(root, key)
    with out_of_space(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        return try_hold(path.with_name(f".{path.stem}.claim"))


def remove_stale_temporaries(root: Path) -> int:
    """Delete half-written files and shard claims whose writer is dead (a killed run's); those of a live
    writer, such as a concurrent run into the same folder, are left alone. Temporaries never count as
    results."""
    removed = 0
    for pattern in ("**/.*.tmp-*", "**/.*.claim"):
        for leftover in Path(root).glob(pattern):
            removed += remove_if_abandoned(leftover)
    return removed


def read_provenance(path: Path) -> Provenance:
    provenance = _provenance(pq.read_schema(path).metadata or {})
    if provenance is None:
        raise StoreError(f"{path}: no provenance in the file metadata; not written by this harness")
    return provenance


def read_results(
    root: Path,
    benchmark: str,
    trackers: Iterable[str] | None = None,
    columns: list[str] | None = None,
    protocol: str = "ope",
) -> pa.Table:
    """All stored rows of one benchmark and protocol (optionally some trackers) in one dataset scan."""
    import pyarrow.dataset as ds  # for users' own analyses; the harness's commands never load it

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
    """One shard's rows read back, in frame order (a shard file is written in frame order)."""

    tracker: str
    sequence: str
    repetition: int
    boxes: np.ndarray  # (N, 4)
    status: np.ndarray  # (N,) int8: index into STATUSES
    latency_ms: np.ndarray  # (N,)
    source: str  # what a user recognises: the imported result file, else the shard file itself
    synthetic_weights: bool = False  # made with weights trained on synthetic data only
    scores: np.ndarray | None = None  # (N,) the tracker's confidence per frame (NaN where it gave none)
    masks: Masks | None = None  # the tracker's masks, where it outputs them (the mask column)

    @property
    def statuses(self) -> np.ndarray:
        """(N,) status names."""
        return np.asarray(STATUSES)[self.status]


_READ = ["x", "y", "w", "h", "status", "latency_ms", "score"]


def _status_codes(column: pa.ChunkedArray) -> np.ndarray:
    """Dictionary-encoded status names to indices into STATUSES, without building a string per row."""
    codes = []
    for chunk in column.chunks:
        names = chunk.dictionary.to_pylist()
        unknown = set(names) - set(STATUSES)
        if unknown:
            raise StoreError(f"unknown statuses {sorted(unknown)}; expected {STATUSES}")
        lookup = np.array([STATUSES.index(n) for n in names], dtype=np.int8)
        codes.append(lookup[chunk.indices.to_numpy(zero_copy_only=False)])
    return np.concatenate(codes) if codes else np.zeros(0, np.int8)


_REMEDY = ("`harness run` moves such a file to the results' _quarantine folder and runs the shard again; "
           "or move it away yourself and run or import it again")


def read_shard(path: Path, key: ShardKey, frames: int | None = None) -> StoredShard:
    """The file at `path` as `key`'s shard; a file that is not a readable shard, or not `key`'s (see
    `rows_problem`: `frames` is the sequence's length, for a run's shard), is a StoreError naming it."""
    return _stored(_read_file(path, key, frames, stamp=(0, 0, 0, 0)), key, path)


def _read_file(path: Path, key: ShardKey, frames: int | None, stamp: Stamp) -> PackedShard:
    """A shard file's columns, once it is found to be `key`'s shard."""
    try:
        parquet = pq.ParquetFile(path)
        problem = schema_problem(parquet.schema_arrow)
        if problem:
            raise StoreError(f"{path}: not a shard file: {problem}; {_REMEDY}")
        provenance = _provenance(parquet.schema_arrow.metadata or {})
        masked = parquet.schema_arrow.get_field_index(MASK_FIELD.name) >= 0
        table = parquet.read(columns=_READ + _CHECKED + ([MASK_FIELD.name] if masked else []), use_threads=False)
    except FileNotFoundError:
        raise StoreError(f"{path}: no such shard file") from None
    except (OSError, pa.ArrowException, KeyError) as exc:
        raise StoreError(f"{path}: not a readable shard file ({str(exc).strip()}); {_REMEDY}") from None
    problem = _NO_PROVENANCE if provenance is None else rows_problem(table, key, provenance, frames)
    if problem:
        raise StoreError(f"{path}: not the shard of {key}: {problem}; {_REMEDY}")
    boxes = np.empty((table.num_rows, 4))
    for i, c in enumerate("xywh"):
        boxes[:, i] = table[c].to_numpy()
    try:
        status = _status_codes(table["status"])
    except StoreError as error:
        raise StoreError(f"{path}: {error}") from None
    return PackedShard(stamp, boxes, status, table["latency_ms"].to_numpy(), table["score"].to_numpy(),
                       provenance.source, bool(provenance.synthetic_weights),
                       _masks(table[MASK_FIELD.name]) if masked else None)


def _stored(shard: PackedShard, key: ShardKey, path: Path) -> StoredShard:
    return StoredShard(key.tracker, key.sequence, key.repetition, shard.boxes, shard.status, shard.latency_ms,
                       shard.imported or str(path), shard.synthetic_weights, shard.scores, shard.masks)


def shard_file(root: Path, key: ShardKey) -> StoredShard:
    """The stored shard of `key`."""
    return read_shard(shard_path(root, key), key)


def stored_trackers(root: Path, benchmark: str, protocol: str) -> list[str]:
    """The trackers with any shard of a benchmark and protocol, sorted, named as stored (folder names lose
    '/' and similar). A folder whose first shard names a tracker of another folder is listed by its own
    name: reading it then names the misplaced file."""
    folder = Path(root) / _safe(benchmark) / _safe(protocol)
    if not folder.is_dir():
        return []
    names = []
    with os.scandir(folder) as trackers:
        for entry in sorted(trackers, key=lambda e: e.name):
            first = _first_shard(Path(entry.path)) if entry.is_dir() else None
            if first is not None:
                stored = _stored_name(first, "tracker", entry.name)
                names.append(stored if _safe(stored) == entry.name else entry.name)
    return sorted(names)


def _first_shard(tracker_folder: Path) -> Path | None:
    """A shard file of the tracker, the first sequence folder holding one (in name order), or None."""
    for sequence in sorted(_names(tracker_folder)):
        shards = sorted(n for n in _names(tracker_folder / sequence) if _REP.fullmatch(n))
        if shards:
            return tracker_folder / sequence / shards[0]
    return None


def _stored_name(path: Path, column: str, fallback: str) -> str:
    """The name a shard file holds in a constant dictionary column."""
    try:
        dictionary = pq.ParquetFile(path).read(columns=[column])[column].chunk(0).dictionary
        return str(dictionary[0]) if len(dictionary) else fallback
    except (OSError, pa.ArrowException, KeyError, IndexError):
        return fallback


def read_tracker(
    root: Path, benchmark: str, protocol: str, tracker: str, sequences: Iterable[str], first_only: bool = False,
    frames: Mapping[str, int | Mapping[int, int]] | None = None,
) -> dict[str, list[StoredShard]]:
    """One tracker's stored shards of the named sequences: sequence -> shards by increasing repetition
    (only repetition 1 when `first_only`). Every shard is checked to be what its path says (`rows_problem`;
    `frames`: each sequence's length, for the row count of a run's shards, or its length by repetition
    where an experiment's repetitions differ in length, as multistart's anchor runs do): one that is not is a
    StoreError naming its file, never scored. Only that tracker's folder is looked at: its pack when it
    is this tracker's and holds every shard asked for unchanged (`harness.store_pack`), else its shard
    files, each opened once, by path, with no scan of the store and no sort, and then written as its pack,
    unless the pack there holds other shards that still exist. Sequences without a shard are left out."""
    base = Path(root) / _safe(benchmark) / _safe(protocol) / _safe(tracker)
    if not base.is_dir():
        return {}
    names = {_safe(s): s for s in sequences}
    files = _shard_stamps(base, names, first_only)
    if not files:
        return {}
    identity = (benchmark, protocol, tracker)
    lengths = {f: frames.get(s) for f, s in names.items()} if frames else {}

    def length(shard: ShardId) -> int | None:
        expected = lengths.get(shard[0])
        return expected.get(shard[1]) if isinstance(expected, Mapping) else expected

    def key(shard: ShardId) -> ShardKey:
        return ShardKey(tracker, benchmark, names[shard[0]], shard[1], protocol)

    shards, others = load_pack(base, files, identity)
    if shards is not None and any(s.source == "run" and length(i) not in (None, len(s.boxes))
                                  for i, s in shards.items()):
        shards = None  # the sequence's length changed: the files say which ones no longer fit
    if shards is None:
        shards = {i: _read_file(_rep_path(base, i), key(i), length(i), stamp) for i, stamp in files.items()}
        unchanged = _shard_stamps(base, names, first_only) == files  # none written while it was read
        if unchanged and not any(_rep_path(base, i).is_file() for i in others):  # a subset read keeps a fuller pack
            save_pack(base, shards, identity)
    found: dict[str, list[StoredShard]] = {}
    for shard in sorted(shards, key=lambda i: i[1]):
        found.setdefault(names[shard[0]], []).append(_stored(shards[shard], key(shard), _rep_path(base, shard)))
    return {s: found[s] for s in names.values() if s in found}


def pack_tracker(root: Path, benchmark: str, protocol: str, tracker: str, sequences: Mapping[str, int],
                 first_only: bool = False) -> None:
    """Write `tracker`'s pack of `sequences` (name -> length) now (after an import), so that the first
    `harness eval` opens one file."""
    read_tracker(root, benchmark, protocol, tracker, list(sequences), first_only, sequences)


def _rep_path(base: Path, shard: ShardId) -> Path:
    return base / shard[0] / f"rep{shard[1]:03d}.parquet"


def _shard_stamps(base: Path, folders: Iterable[str], first_only: bool) -> dict[ShardId, Stamp]:
    """The shard files in a tracker's sequence `folders` (repetition 1 only when `first_only`) and their stamps."""
    stamps = {}
    for folder in folders:
        if first_only:
            reps = [1]
        else:
            reps = [int(m[1]) for m in map(_REP.fullmatch, _names(base / folder)) if m]
        for rep in reps:
            try:
                stamps[folder, rep] = stamp_of(os.stat(_rep_path(base, (folder, rep))))
            except (FileNotFoundError, NotADirectoryError):
                continue
    return stamps


def stored_sequences(root: Path, benchmark: str, protocol: str, tracker: str, sequences: Iterable[str]) -> list[str]:
    """Those of `sequences` for which `tracker` has a first repetition stored (files are looked up, not read)."""
    base = Path(root) / _safe(benchmark) / _safe(protocol) / _safe(tracker)
    return [s for s in sequences if (base / _safe(s) / "rep001.parquet").is_file()]


_REP = re.compile(r"rep(\d+)\.parquet")


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def list_errors(root: Path, benchmark: str | None = None) -> list[dict]:
    base = Path(root) / _safe(benchmark) if benchmark else Path(root)
    return [json.loads(p.read_text()) for p in sorted(base.glob("**/_rep*.error.json"))]
