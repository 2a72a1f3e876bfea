"""GOT-10k layout: labels, meta_info, the one-line test split, roots, and errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.got10k import load_got10k, read_meta_info

META = """[METAINFO]
url: https://youtu.be/example
begin: 00:00:01
object_class: ctenophore
motion_class: swimming
resolution: (1920, 1080)
"""


def write_sequence(folder: Path, n: int, labels: bool = True) -> np.ndarray:
    folder.mkdir(parents=True)
    gt = np.column_stack([np.arange(n), np.arange(n) * 2, np.full(n, 10.5), np.full(n, 20)])
    (folder / "groundtruth.txt").write_text("".join(",".join(f"{v:g}" for v in row) + "\n" for row in gt))
    if labels:
        (folder / "absence.label").write_text("".join("1\n" if i == 2 else "0\n" for i in range(n)))
        (folder / "cover.label").write_text("".join(f"{i % 9}\n" for i in range(n)))
        (folder / "cut_by_image.label").write_text("".join("1\n" if i == 3 else "0\n" for i in range(n)))
        (folder / "meta_info.ini").write_text(META)
    return gt


@pytest.fixture
def got10k(tmp_path: Path) -> Path:
    root = tmp_path / "GOT-10k"
    val = root / "val"
    write_sequence(val / "GOT-10k_Val_000001", 12)
    write_sequence(val / "GOT-10k_Val_000002", 5)
    (val / "list.txt").write_text("GOT-10k_Val_000001\nGOT-10k_Val_000002\n\n")
    test = root / "test" / "GOT-10k_Test_000001"
    write_sequence(test, 1, labels=False)
    for i in range(1, 8):
        (test / f"{i:08d}.jpg").write_bytes(b"")
    (root / "test" / "list.txt").write_text("GOT-10k_Test_000001\n")
    return root


def test_val_split_with_labels(got10k: Path) -> None:
    first, second = load_got10k(got10k, "val")
    assert (first.name, len(first), len(second)) == ("GOT-10k_Val_000001", 12, 5)
    assert first.benchmark == "got10k-val" and first.image_size == (1920, 1080)
    assert first.ground_truth[4].tolist() == [4, 8, 10.5, 20]
    assert first.absent.tolist() == [i == 2 for i in range(12)]
    assert first.frame_tags["cover"].tolist() == [i % 9 for i in range(12)]
    assert first.frame_tags["cut_by_image"].dtype == bool and first.frame_tags["cut_by_image"][3]
    assert first.frames[0] == got10k / "val" / "GOT-10k_Val_000001" / "00000001.jpg"
    assert first.frames[-1].name == "00000012.jpg"


def test_split_folder_as_root(got10k: Path) -> None:
    assert [s.name for s in load_got10k(got10k / "val", "val", benchmark="mine")] == [
        "GOT-10k_Val_000001", "GOT-10k_Val_000002"]


def test_indexing_never_lists_frame_folders(got10k: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a frame folder was listed")

    monkeypatch.setattr(os, "scandir", forbidden)
    monkeypatch.setattr(os, "listdir", forbidden)
    assert len(load_got10k(got10k, "val")) == 2  # the val fixture has no frame files at all


def test_test_split_counts_frames(got10k: Path) -> None:
    (seq,) = load_got10k(got10k, "test")
    assert len(seq) == 7 and len(seq.frames) == 7
    assert not np.isnan(seq.init_box).any() and np.isnan(seq.ground_truth[1:]).all()
    assert seq.image_size is None and seq.frame_tags == {}


def test_missing_root_and_sequence(got10k: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"not a GOT-10k root: looked for .*train/list.txt"):
        load_got10k(got10k, "train")
    with pytest.raises(MissingDataError, match="not a GOT-10k root"):
        load_got10k(tmp_path / "nowhere")
    (got10k / "val" / "list.txt").write_text("GOT-10k_Val_000001\nGOT-10k_Val_000009\n")
    with pytest.raises(MissingDataError, match=r"lists 1 sequences without a groundtruth.txt: .*_000009"):
        load_got10k(got10k)


def test_malformed_files_name_file_and_line(got10k: Path) -> None:
    folder = got10k / "val" / "GOT-10k_Val_000002"
    (folder / "groundtruth.txt").write_text("1,2,3,4\n1,2,3,4\n1,2,x,4\n1,2,3,4\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match=rf"{folder / 'groundtruth.txt'}:3: .*got 'x'"):
        load_got10k(got10k)
    write_sequence(got10k / "val" / "fresh", 4)
    (got10k / "val" / "list.txt").write_text("fresh\n")
    (got10k / "val" / "fresh" / "cover.label").write_text("8\n9\n8\n8\n")
    with pytest.raises(AnnotationError, match=r"cover.label:2: expected one label 0 to 8"):
        load_got10k(got10k)
    (got10k / "val" / "fresh" / "cover.label").write_text("8\n8\n")
    with pytest.raises(AnnotationError, match=r"cover.label: 2 labels, but groundtruth.txt has 4 frames"):
        load_got10k(got10k)


def test_meta_info(tmp_path: Path) -> None:
    path = tmp_path / "meta_info.ini"
    path.write_text(META + "attributes: SV, FOC\n")
    meta = read_meta_info(path)
    assert meta["object_class"] == "ctenophore" and meta["url"] == "https://youtu.be/example"
    assert meta["attributes"] == "SV, FOC"
    path.write_text("[METAINFO]\nno colon here\n")
    with pytest.raises(AnnotationError, match=r"meta_info.ini:2: expected 'key:value'"):
        read_meta_info(path)
