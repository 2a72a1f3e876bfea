"""Deterministic trackers give bit-identical results run after run.

OpenCV's MIL draws its features from libc's process-wide ``rand()``; in a Ray worker gRPC's threads
call it too, so a run now and then diverged from frame 1 (trackers/mil_child.py). The first test makes
that collision certain, with a thread of this process calling ``rand()`` without pause as gRPC's do
now and then; the second runs each deterministic tracker three times through Ray and compares the
parquet files' contents, every column but the wall-clock latency, and the provenance but its times.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.otb import load_otb
from harness.experiments.one_pass import run_one_pass
from harness.runner.dispatch import run_shards
from harness.store import PROVENANCE_KEY
from tests.conftest import first_frames, realdata_path
from trackers.registry import get_plugin


def test_mil_gives_the_same_boxes_while_other_threads_draw_from_rand():
    (sequence,) = load_otb(realdata_path("otb", "sequences"), names=["Football1"])
    tracker = get_plugin("opencv-mil").create()
    rand, stop = ctypes.CDLL(None).rand, threading.Event()

    def draw() -> None:  # bursts of draws, a few every half millisecond: MIL's init lasts milliseconds
        while not stop.is_set():
            for _ in range(20):
                rand()
            time.sleep(0.0005)

    noise = threading.Thread(target=draw, daemon=True)
    noise.start()
    try:
        digests = {hashlib.sha256(run_one_pass(tracker, sequence, "mil").boxes.tobytes()).hexdigest() for _ in range(3)}
    finally:
        stop.set()
        noise.join()
    assert len(digests) == 1


def _contents(root):
    """Every shard's rows but the latency, and its provenance but the times, by path."""
    found = {}
    for path in sorted(root.glob("**/rep*.parquet")):
        table = pq.read_table(path)
        provenance = json.loads(table.schema.metadata[PROVENANCE_KEY])
        for moment in ("started", "finished"):
            provenance.pop(moment)
        found[str(path.relative_to(root))] = (table.drop(["latency_ms"]).replace_schema_metadata(None), provenance)
    return found


@pytest.mark.slow
def test_three_runs_of_each_deterministic_tracker_are_bit_identical(tmp_path, ray_address):
    pytest.importorskip("torch")
    # siamrpn with the weights it falls back to, the shipped synthetic-trained thin network
    plugins = [get_plugin("opencv-mil"),
               get_plugin("opencv-nano", {"weights_dir": str(realdata_path("models", "nanotrack-v2"))}),
               get_plugin("siamrpn")]
    assert all(p.deterministic for p in plugins)
    sequences = [first_frames(s, 20) for s in load_otb(realdata_path("otb", "sequences"), names=["Football1"])]
    runs = []
    for i in range(3):
        summary = run_shards(plugins, "otb", sequences, tmp_path / f"run{i}", address=ray_address, workers=1)
        assert not summary.failed and len(summary.completed) == 3
        runs.append(_contents(tmp_path / f"run{i}"))
    for later in runs[1:]:
        assert later.keys() == runs[0].keys()
        for path, (table, provenance) in later.items():
            first_table, first_provenance = runs[0][path]
            assert table.schema == first_table.schema and provenance == first_provenance
            assert provenance["deterministic"] is True
            for column in table.column_names:  # bit for bit, NaN scores included
                ours, theirs = table[column].combine_chunks(), first_table[column].combine_chunks()
                if pa.types.is_floating(ours.type):
                    assert ours.to_numpy().tobytes() == theirs.to_numpy().tobytes(), f"{path}: {column} differs"
                else:
                    assert ours.equals(theirs), f"{path}: {column} differs"
