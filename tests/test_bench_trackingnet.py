"""TrackingNet: the TEST chunk (first frame only, frames counted), TRAIN chunks, roots, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.registry import benchmark_record, load_benchmark
from benchmarks.trackingnet import load_trackingnet


def write_sequence(chunk: Path, name: str, annotated: int, frames: int) -> None:
    (chunk / "anno").mkdir(parents=True, exist_ok=True)
    (chunk / "frames" / name).mkdir(parents=True)
    (chunk / "anno" / f"{name}.txt").write_text(
        "".join(f"{10.5 + i},{20 + i},{30},{40.25}\n" for i in range(annotated)))
    for k in range(frames):  # numbered from 0, no padding: 0.jpg ... 10.jpg sort wrongly as text
        (chunk / "frames" / name / f"{k}.jpg").write_bytes(b"")


@pytest.fixture
def trackingnet(tmp_path: Path) -> Path:
    root = tmp_path / "TrackingNet"
    write_sequence(root / "TEST", "-3TIfnTSM6c_2", 1, 12)
    write_sequence(root / "TEST", "a1qoB1eERn0_0", 1, 3)
    write_sequence(root / "TRAIN_0", "__1gRh6LWd0_0", 5, 5)
    write_sequence(root / "TRAIN_3", "zzzzzzzzzzz_1", 2, 2)
    return root


def test_test_split_first_frame_only(trackingnet: Path) -> None:
    first, second = load_trackingnet(trackingnet, "test")
    assert (first.name, len(first), len(second), first.benchmark) == ("-3TIfnTSM6c_2", 12, 3, "trackingnet")
    assert first.init_box.tolist() == [10.5, 20, 30, 40.25] and np.isnan(first.ground_truth[1:]).all()
    assert first.frames[0] == trackingnet / "TEST" / "frames" / "-3TIfnTSM6c_2" / "0.jpg"
    assert first.frames[-1].name == "11.jpg" and first.absent[1:].all()
    assert benchmark_record("trackingnet").server_scored and benchmark_record("trackingnet_test").name == "trackingnet"


def test_train_chunks(trackingnet: Path) -> None:
    seqs = load_benchmark("trackingnet_train", trackingnet)
    assert [(s.name, len(s)) for s in seqs] == [("__1gRh6LWd0_0", 5), ("zzzzzzzzzzz_1", 2)]
    assert not np.isnan(seqs[0].ground_truth).any() and seqs[0].benchmark == "trackingnet_train"
    assert not benchmark_record("trackingnet_train").server_scored
    # A chunk folder on its own is a root too.
    assert [s.name for s in load_trackingnet(trackingnet / "TRAIN_3", "train")] == ["zzzzzzzzzzz_1"]


def test_errors(trackingnet: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"not a TrackingNet root: looked for .*TEST/anno"):
        load_trackingnet(tmp_path, "test")
    with pytest.raises(BenchmarkError, match="has no sequence named nope"):
        load_trackingnet(trackingnet, "test", names=["nope"])
    (trackingnet / "TEST" / "anno" / "a1qoB1eERn0_0.txt").write_text("1,2,3\n")
    with pytest.raises(AnnotationError, match=r"a1qoB1eERn0_0.txt:1: expected 4 numbers"):
        load_trackingnet(trackingnet, "test")
    (trackingnet / "TEST" / "anno" / "a1qoB1eERn0_0.txt").write_text("1,2,3,4\n")
    for frame in (trackingnet / "TEST" / "frames" / "a1qoB1eERn0_0").iterdir():
        frame.unlink()
    with pytest.raises(MissingDataError, match="no frames named like 0.jpg"):
        load_trackingnet(trackingnet, "test")
