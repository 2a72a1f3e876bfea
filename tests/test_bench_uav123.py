"""UAV123 / UAV20L: the dataset layout and its cut videos, the toolkit anno folder, the real annotations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.registry import load_benchmark
from benchmarks.textio import read_table
from benchmarks.uav123 import load_uav
from benchmarks.uav123_table import ATTRIBUTES, UAV20L, uav_entries
from tests.conftest import realdata_path

TABLE = {e.name: e for e in uav_entries("uav123")}


def write_anno(path: Path, n: int, nan_rows: tuple[int, ...] = ()) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = np.column_stack([np.arange(n), np.arange(n) + 1, np.full(n, 20.0), np.full(n, 30.0)])
    rows[list(nan_rows)] = np.nan
    path.write_text("".join(",".join("NaN" if np.isnan(v) else f"{v:g}" for v in r) + "\n" for r in rows))
    return rows


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Dataset_UAV123/UAV123 with three sequences of UAV123 and one of UAV20L."""
    root = tmp_path / "Dataset_UAV123" / "UAV123"
    anno = root / "anno" / "UAV123"
    write_anno(anno / "bird1_2.txt", 703, nan_rows=(5, 6))
    write_anno(anno / "car1_1.txt", 751)
    write_anno(anno / "car11.txt", 337)
    (anno / "att").mkdir()
    (anno / "att" / "bird1_2.txt").write_text("1,0,0,1,1,0,0,0,0,0,0,1\n")
    write_anno(root / "anno" / "UAV20L" / "bird1.txt", 2437)
    for video, numbers in (("bird1", (1, 775, 1477, 2437)), ("car1", (1, 751)), ("car11", (1, 337))):
        (root / "data_seq" / "UAV123" / video).mkdir(parents=True)
        for n in numbers:
            (root / "data_seq" / "UAV123" / video / f"{n:06d}.jpg").write_bytes(b"")
    return tmp_path / "Dataset_UAV123"


def test_table_facts() -> None:
    assert len(uav_entries("uav123")) == 123 and len(UAV20L) == 20
    assert sum(e.length for e in uav_entries("uav123")) == 112_578
    assert (TABLE["bird1_2"].start, TABLE["bird1_2"].end, TABLE["uav1_3"].start) == (775, 1477, 2473)
    assert TABLE["car1_2"].start == TABLE["car1_1"].end == 751  # pieces share their boundary frame
    assert {e.name: e.end for e in UAV20L}["group3"] == 5527 and all(e.start == 1 for e in UAV20L)


def test_dataset_layout_cut_videos(dataset: Path) -> None:
    seqs = {s.name: s for s in load_uav(dataset, "uav123", names=["bird1_2", "CAR1_1", "car11"])}
    bird = seqs["bird1_2"]
    assert len(bird) == 703 and bird.benchmark == "uav123" and bird.runnable
    assert bird.frames[0].name == "000775.jpg" and bird.frames[-1].name == "001477.jpg"
    assert bird.frames.directory == dataset / "UAV123" / "data_seq" / "UAV123" / "bird1"
    assert bird.absent.nonzero()[0].tolist() == [5, 6] and np.isnan(bird.ground_truth[5]).all()
    assert bird.attributes == ("SV", "FM", "FOC", "SOB")
    # car1_1 and car11 differ only by '_': matched exactly, never as spelling variants.
    assert (len(seqs["car1_1"]), len(seqs["car11"])) == (751, 337)
    assert seqs["car11"].frames.directory.name == "car11" and seqs["car1_1"].attributes == ()


def test_uav20l_whole_video(dataset: Path) -> None:
    (seq,) = load_uav(dataset / "UAV123", "uav20l", names=["bird1"])
    assert (len(seq), seq.benchmark, seq.frames[0].name, seq.frames[-1].name) == (
        2437, "uav20l", "000001.jpg", "002437.jpg")


def test_errors(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"120 of 123 uav123 annotation files are missing: bike1, "):
        load_uav(dataset, "uav123")
    with pytest.raises(BenchmarkError, match="names are exact"):
        load_uav(dataset, "uav123", names=["car1-1"])
    write_anno(dataset / "UAV123" / "anno" / "UAV123" / "car11.txt", 336)
    with pytest.raises(AnnotationError, match=r"car11.txt: 336 lines, .*frames 1-337 of car11: expected 337"):
        load_uav(dataset, "uav123", names=["car11"])
    (dataset / "UAV123" / "anno" / "UAV123" / "att" / "bird1_2.txt").write_text("1,0,1\n")
    with pytest.raises(AnnotationError, match=r"att/bird1_2.txt:1: expected 12 numbers"):
        load_uav(dataset, "uav123", names=["bird1_2"])
    with pytest.raises(MissingDataError, match="is not a uav123 root"):
        load_uav(tmp_path / "nowhere", "uav123")


def test_real_toolkit_annotations() -> None:
    folder = realdata_path("uav123", "toolkit-anno")
    seqs = load_uav(folder)
    assert len(seqs) == 123 and sum(len(s) for s in seqs) == 112_578
    for seq in seqs:
        assert len(seq) == TABLE[seq.name].length, seq.name  # lengths agree with the official ranges
        rows = read_table(folder / f"{seq.name}.txt")
        np.testing.assert_array_equal(seq.absent, np.isnan(rows).all(axis=1))
        assert not seq.runnable and set(seq.attributes) <= set(ATTRIBUTES)
    by_name = {s.name: s for s in seqs}
    assert by_name["bird1_3"].absent.sum() == 392 and not by_name["bike1"].absent.any()
    assert by_name["bike1"].attributes == ("SV", "ARC", "FM", "IV", "VC", "CM", "SOB")
    assert [s.name for s in load_benchmark("uav", folder, names=["uav1_3"])] == ["uav1_3"]
