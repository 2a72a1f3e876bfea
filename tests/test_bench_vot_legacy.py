"""VOT2016/VOT2017 folders (flat frames, *.label / *.tag), checked against the vot-toolkit's own reader."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.registry import load_benchmark
from benchmarks.vot_legacy import load_vot_folders, vot_folder_sequence

POLYGONS = np.array([[10.5, 20, 40, 18, 42.25, 50, 12, 52], [11, 21, 41, 19, 43, 51, 13, 53],
                     [12, 22, 42, 20, 44, 52, 14, 54], [13, 23, 43, 21, 45, 53, 15, 55]])


def write_flat_sequence(folder: Path, tag_suffix: str) -> None:
    """A VOT2016-style folder: 00000001.jpg ... beside groundtruth.txt, no `sequence` file."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for k in range(1, len(POLYGONS) + 1):
        cv2.imwrite(str(folder / f"{k:08d}.jpg"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    (folder / "groundtruth.txt").write_text("".join(",".join(f"{v:g}" for v in row) + "\n" for row in POLYGONS))
    (folder / f"occlusion{tag_suffix}").write_text("0\n1\n1\n")  # stops before the last frame
    (folder / f"camera_motion{tag_suffix}").write_text("1\n0\n0\n1\n")


@pytest.fixture
def vot2016(tmp_path: Path) -> Path:
    root = tmp_path / "vot2016"
    write_flat_sequence(root / "ball1", ".label")
    write_flat_sequence(root / "bag", ".tag")  # VOT2017 named its tag files *.tag
    (root / "list.txt").write_text("ball1\nbag\n")
    return root


def test_flat_layout(vot2016: Path) -> None:
    ball, bag = load_vot_folders(vot2016, "vot2016")
    assert (ball.name, len(ball), ball.benchmark, ball.image_size) == ("ball1", 4, "vot2016", (64, 48))
    np.testing.assert_array_equal(ball.ground_truth, POLYGONS)
    assert ball.frames[0] == vot2016 / "ball1" / "00000001.jpg" and ball.frames[-1].name == "00000004.jpg"
    assert ball.frame_tags["occlusion"].tolist() == [False, True, True, False]
    assert set(ball.frame_tags) == set(bag.frame_tags) == {"occlusion", "camera_motion"}
    assert [s.name for s in load_benchmark("vot2017", vot2016, names=["bag"])] == ["bag"]


@pytest.mark.parametrize("name", ["ball1", "bag"])
def test_agrees_with_vot_toolkit(vot2016: Path, name: str) -> None:
    common = pytest.importorskip("vot.dataset.common")
    ours = vot_folder_sequence(vot2016 / name, "vot2016")
    theirs = common.read_sequence_legacy(str(vot2016 / name))
    assert len(ours) == len(theirs) and ours.image_size == (theirs.width, theirs.height)
    polygons = np.array([np.ravel(theirs.groundtruth(i).points()) for i in range(len(theirs))])
    np.testing.assert_allclose(ours.ground_truth, polygons, atol=1e-4)  # the toolkit keeps float32
    for tag, flags in ours.frame_tags.items():
        assert flags.tolist() == [tag in theirs.tags(i) for i in range(len(theirs))], tag
    assert set(theirs.tags()) == set(ours.frame_tags)


def test_vot2018_layout_gets_label_tags(vot2016: Path) -> None:
    folder = vot2016 / "ball1"
    (folder / "color").mkdir()
    for frame in sorted(folder.glob("*.jpg")):
        frame.rename(folder / "color" / frame.name)
    (folder / "sequence").write_text("channels.color=color/%08d.jpg\nwidth=64\nheight=48\n")
    (folder / "size_change.tag").write_text("0\n0\n0\n1\n")
    seq = vot_folder_sequence(folder, "vot2016")
    assert seq.frames[0] == folder / "color" / "00000001.jpg"
    assert set(seq.frame_tags) == {"occlusion", "camera_motion", "size_change"}
    common = pytest.importorskip("vot.dataset.common")
    theirs = common.read_sequence(str(folder))
    assert set(theirs.tags()) == set(seq.frame_tags)


def test_errors(vot2016: Path) -> None:
    (vot2016 / "bag" / "occlusion.tag").write_text("0\n1\n0\n0\n0\n")
    with pytest.raises(AnnotationError, match=r"occlusion.tag:5: 5 lines, but the sequence has 4 frames"):
        load_vot_folders(vot2016, "vot2017")
    (vot2016 / "ball1" / "00000001.jpg").unlink()
    with pytest.raises(MissingDataError, match="00000001.jpg: first frame missing"):
        vot_folder_sequence(vot2016 / "ball1", "vot2016")
    (vot2016 / "ball1" / "groundtruth.txt").unlink()
    with pytest.raises(MissingDataError, match="no groundtruth.txt"):
        vot_folder_sequence(vot2016 / "ball1", "vot2016")
