"""Stored results are scored only when they are what their path says: a shard file copied to another
sequence, benchmark or tracker, stripped of its provenance, cut short or reordered stops every command
that reads the store, naming the file; and a tracker's pack never serves rows its files no longer hold."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.registry import load_benchmark
from benchmarks.vot import axis_aligned_boxes
from harness.cli import main
from harness.errors import StoreError
from harness.store import (
    PROVENANCE_KEY, Provenance, ShardFrames, ShardKey, read_tracker, shard_path, stored_trackers, write_shard,
)
from harness.store_pack import PACK

PROV = Provenance("0.1.0", "abc", "def", "cpu", "host", "2026-01-01T00:00:00", "2026-01-01T00:00:01")
SEQUENCES = load_benchmark("synthetic", None)
LENGTHS = {s.name: len(s) for s in SEQUENCES}


def _frames(sequence, noise: float, seed: int) -> ShardFrames:
    """The ground truth moved by `noise` pixels: a tracker whose AUC falls as `noise` grows."""
    gt = axis_aligned_boxes(sequence.ground_truth)
    boxes = gt + np.random.default_rng(seed).normal(0, noise, gt.shape) * [1, 1, 0, 0]
    n = len(gt)
    return ShardFrames(boxes, np.full(n, np.nan), np.array(["initialized"] + ["tracked"] * (n - 1)), np.full(n, 5.0))


@pytest.fixture
def store(tmp_path):
    """Two trackers on the synthetic sequences, as `harness run` writes them; `good` tracks closely."""
    results = tmp_path / "results"
    for tracker, noise in (("good", 1.0), ("poor", 12.0)):
        for k, sequence in enumerate(SEQUENCES):
            write_shard(results, ShardKey(tracker, "synthetic", sequence.name), _frames(sequence, noise, k), PROV)
    return results


def _path(results, tracker: str, sequence: str):
    return shard_path(results, ShardKey(tracker, "synthetic", sequence))


def _eval(results, capsys, *extra: str) -> tuple[int, dict | None, str]:
    capsys.readouterr()
    code = main(["eval", "--bench", "synthetic", "--results", str(results), "--json", "--no-report", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out), out


def _auc(report: dict, tracker: str) -> float:
    return report["trackers"][tracker]["success_auc"]


def _strip_provenance(path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({}), path)


def _drop_last_row(path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows - 1), path)


def _reverse_rows(path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.take(pa.array(np.arange(table.num_rows)[::-1])), path)


def _copy_from(tracker: str, sequence: str, benchmark: str = "synthetic"):
    def plant(path) -> None:
        source = shard_path(path.parents[4], ShardKey(tracker, benchmark, sequence))
        shutil.copyfile(source, path)
    return plant


def _other_benchmark(path) -> None:
    results = path.parents[4]
    key = ShardKey("good", "otb", "synthetic_001")
    write_shard(results, key, _frames(SEQUENCES[0], 1.0, 0), PROV)
    shutil.copyfile(shard_path(results, key), path)


DEFECTS = {
    "another sequence's file": (_copy_from("good", "synthetic_003"), "sequence ['synthetic_003'] (expected 'synthetic_001')"),
    "another tracker's file": (_copy_from("poor", "synthetic_001"), "tracker ['poor'] (expected 'good')"),
    "another benchmark's file": (_other_benchmark, "benchmark ['otb'] (expected 'synthetic')"),
    "provenance stripped": (_strip_provenance, "no readable provenance"),
    "a row short": (_drop_last_row, "56 rows, but the sequence has 57 frames"),
    "rows out of order": (_reverse_rows, "frame column is not 0, 1, 2"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_eval_refuses_a_shard_that_is_not_what_its_path_says(store, capsys, defect):
    plant, why = DEFECTS[defect]
    code, before, _ = _eval(store, capsys)
    assert code == 0  # the store as written scores, and its pack is written
    path = _path(store, "good", "synthetic_001")
    plant(path)
    code, report, _ = _eval(store, capsys)
    assert code == 1 and report["type"] == "StoreError"
    assert report["error"].startswith(f"{path}: not the shard of good/synthetic/synthetic_001#1: ")
    assert why in report["error"] and "_quarantine" in report["error"]


def test_the_observed_copy_no_longer_scores_as_the_sequence_it_replaced(store, capsys):
    """The issue's case: the copy used to be scored as synthetic_001 (another AUC), exit 0."""
    _copy_from("poor", "synthetic_003")(_path(store, "poor", "synthetic_001"))
    with pytest.raises(StoreError, match="sequence"):
        read_tracker(store, "synthetic", "ope", "poor", list(LENGTHS), True, LENGTHS)


def test_a_tracker_folder_holding_another_trackers_files_is_listed_by_its_own_name(store, capsys):
    for sequence in LENGTHS:
        shutil.copyfile(_path(store, "poor", sequence), _path(store, "good", sequence))
    assert stored_trackers(store, "synthetic", "ope") == ["good", "poor"]  # not "poor" twice
    code, report, _ = _eval(store, capsys)
    assert code == 1 and "tracker ['poor'] (expected 'good')" in report["error"]


def test_a_renamed_tracker_folder_is_refused_though_its_pack_is_intact(store, capsys):
    assert _eval(store, capsys)[0] == 0
    os.rename(store / "synthetic" / "ope" / "good", store / "synthetic" / "ope" / "better")
    with pytest.raises(StoreError, match=r"tracker \['good'\] \(expected 'better'\)"):
        read_tracker(store, "synthetic", "ope", "better", list(LENGTHS), True, LENGTHS)


@pytest.mark.parametrize("command", ["report", "table", "leaderboard", "export"])
def test_every_command_reading_the_store_refuses_the_file(store, capsys, tmp_path, command):
    path = _path(store, "good", "synthetic_003")
    _copy_from("good", "synthetic_001")(path)
    argv = {
        "report": ["report", "--bench", "synthetic", "-o", str(tmp_path / "r.html")],
        "table": ["table", "--bench", "synthetic", "-o", str(tmp_path / "t.md")],
        "leaderboard": ["leaderboard", "update", "--bench", "synthetic", "-o", str(tmp_path / "board.json")],
        "export": ["export", "--vot-workspace", str(tmp_path / "ws"), "--bench", "synthetic", "--protocol", "ope"],
    }[command]
    capsys.readouterr()
    code = main([*argv, "--results", str(store)])
    assert code != 0
    assert f"{path}: not the shard of good/synthetic/synthetic_003#1" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in ("r.html", "t.md", "board.json"))


def _same_size_edit(path, old: float, new: float) -> None:
    """Change one stored float in place (its 8 bytes), put the modification time back: what an editor
    or a careless tool can do. The size stays the same."""
    before = os.stat(path)
    data = path.read_bytes()
    at = data.find(np.float64(old).tobytes())
    assert at > 0 and data.count(np.float64(old).tobytes()) == 1
    with open(path, "r+b") as handle:
        handle.seek(at)
        handle.write(np.float64(new).tobytes())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


def test_a_shard_rewritten_in_place_with_its_time_restored_is_not_served_from_the_pack(store, capsys):
    """The issue's case: the stale pack was scored (0.744 where the file said 0.340) and regress said
    "unchanged"; the change time moved with the edit, so the file is read."""
    assert _eval(store, capsys)[0] == 0
    pack = store / "synthetic" / "ope" / "good" / PACK
    assert pack.is_file()
    path = _path(store, "good", "synthetic_001")
    x = pq.read_table(path)["x"].to_numpy()[7]
    _same_size_edit(path, x, x + 1000.0)
    found = read_tracker(store, "synthetic", "ope", "good", list(LENGTHS), True, LENGTHS)
    assert found["synthetic_001"][0].boxes[7, 0] == x + 1000.0


def test_a_pack_edited_or_damaged_is_ignored_and_rewritten(store, capsys):
    code, before, _ = _eval(store, capsys)
    pack = store / "synthetic" / "ope" / "good" / PACK
    table = pq.read_table(pack)
    edited = table.set_column(0, "x", pa.array(table["x"].to_numpy() + 50.0))
    pq.write_table(edited, pack, compression="zstd")  # same footer, index and digest: other rows
    code, after, _ = _eval(store, capsys)
    assert code == 0 and after["trackers"] == before["trackers"]
    assert pq.read_table(pack)["x"].equals(table["x"])  # written again from the files


def test_a_pack_footer_pointing_rows_at_other_shards_is_ignored(store, capsys):
    _eval(store, capsys)
    pack = store / "synthetic" / "ope" / "good" / PACK
    table = pq.read_table(pack)
    index = json.loads(table.schema.metadata[b"harness.pack"])
    index["shards"][0][3], index["shards"][1][3] = index["shards"][1][3], index["shards"][0][3]
    pq.write_table(table.replace_schema_metadata({b"harness.pack": json.dumps(index).encode()}), pack)
    found = read_tracker(store, "synthetic", "ope", "good", list(LENGTHS), True, LENGTHS)
    assert [len(found[s][0].boxes) for s in LENGTHS] == list(LENGTHS.values())


def test_a_run_shard_of_a_sequence_whose_length_changed_is_refused_though_packed(store, capsys):
    _eval(store, capsys)
    longer = {**LENGTHS, "synthetic_001": LENGTHS["synthetic_001"] + 1}
    with pytest.raises(StoreError, match="57 rows, but the sequence has 58 frames"):
        read_tracker(store, "synthetic", "ope", "good", list(LENGTHS), True, longer)


def test_imported_results_of_another_length_are_left_to_the_profiles(store):
    """An import's length is what the published file had: each profile applies its toolkit's rule."""
    key = ShardKey("imported", "synthetic", "synthetic_001")
    write_shard(store, key, _frames(SEQUENCES[0], 1.0, 0), replace(PROV, source="import:pysot:/raw/x.txt"))
    found = read_tracker(store, "synthetic", "ope", "imported", ["synthetic_001"], True, {"synthetic_001": 99})
    assert len(found["synthetic_001"][0].boxes) == 57 and found["synthetic_001"][0].source == "/raw/x.txt"


def test_provenance_that_does_not_parse_is_refused(store):
    path = _path(store, "good", "synthetic_001")
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({PROVENANCE_KEY: b"{not json"}), path)
    with pytest.raises(StoreError, match="no readable provenance"):
        read_tracker(store, "synthetic", "ope", "good", ["synthetic_001"], True)


def test_regress_cannot_evaluate_a_store_with_a_misplaced_file(store, capsys, tmp_path):
    """The gate says "could not evaluate" (2), never "unchanged" (0) or "worse" (1), on a misplaced file."""
    board = tmp_path / "board.json"
    common = ["--bench", "synthetic", "--results", str(store)]
    assert main(["leaderboard", "update", *common, "-o", str(board)]) == 0
    assert main(["regress", *common, "--against", str(board), "--resamples", "200"]) == 0
    path = _path(store, "poor", "synthetic_006")
    _copy_from("good", "synthetic_006")(path)  # a better tracker's result in its place
    capsys.readouterr()
    assert main(["regress", *common, "--against", str(board), "--resamples", "200"]) == 2
    assert f"{path}: not the shard of poor/synthetic/synthetic_006#1" in capsys.readouterr().err
