"""VOT2018 layout: polygons, tags and image size, checked against the vot-toolkit's own reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.registry import load_benchmark
from benchmarks.vot import axis_aligned_boxes, load_vot, load_vot_sequence, rectangles_to_polygons
from tests.conftest import realdata_path


def test_real_bag_agrees_with_vot_toolkit() -> None:
    common = pytest.importorskip("vot.dataset.common")
    from vot.region.shapes import Rectangle

    folder = realdata_path("vot", "sequences", "bag")
    (ours,) = load_vot(folder.parent)
    theirs = common.read_sequence(str(folder))
    assert (ours.name, len(ours), ours.benchmark) == ("bag", len(theirs), "vot2018")
    assert ours.image_size == (theirs.width, theirs.height) == (480, 360)
    polygons = np.array([np.ravel(theirs.groundtruth(i).points()) for i in range(len(theirs))])
    np.testing.assert_allclose(ours.ground_truth, polygons, atol=1e-4)  # the toolkit keeps float32
    tags = {"camera_motion", "illum_change", "motion_change", "occlusion", "size_change"}
    assert set(ours.frame_tags) == tags
    for name, flags in ours.frame_tags.items():
        assert flags.tolist() == [name in theirs.tags(i) for i in range(len(theirs))], name
    boxes = [Rectangle.convert(theirs.groundtruth(i)) for i in range(len(theirs))]
    expected = np.array([[r.x, r.y, r.width, r.height] for r in boxes])
    np.testing.assert_allclose(axis_aligned_boxes(ours.ground_truth), expected, atol=1e-4)
    assert ours.frames[0] == folder / "color" / "00000001.jpg" and all(p.is_file() for p in ours.frames)


def test_registry_loads_vot2018() -> None:
    root = realdata_path("vot", "sequences")
    assert [s.name for s in load_benchmark("vot2018", root)] == ["bag"]


@pytest.fixture
def sequences(tmp_path: Path) -> Path:
    """A workspace with one rectangle-annotated sequence, frames copied from the real bag."""
    bag = realdata_path("vot", "sequences", "bag", "color")
    folder = tmp_path / "workspace" / "sequences" / "boxes"
    (folder / "color").mkdir(parents=True)
    shutil.copy(bag / "00000001.jpg", folder / "color" / "00000001.jpg")
    (folder / "groundtruth.txt").write_text("10,20,30,40\n11,21,30,40\nNaN,NaN,NaN,NaN\n")
    (folder / "sequence").write_text("channels.color=color/%08d.jpg\nfps=30\n")
    (folder / "occlusion.tag").write_text("0\n1\n")  # stops at its last 1
    (folder.parent / "list.txt").write_text("boxes\n")
    return folder


def test_rectangles_stay_rectangles(sequences: Path) -> None:
    (seq,) = load_vot(sequences.parent.parent)  # workspace root
    assert seq.ground_truth.shape == (3, 4)
    assert seq.ground_truth[0].tolist() == [10, 20, 30, 40]
    assert seq.absent.tolist() == [False, False, True]
    assert seq.frame_tags["occlusion"].tolist() == [False, True, False]
    boxes = axis_aligned_boxes(seq.ground_truth)
    np.testing.assert_array_equal(boxes[:2], [[10, 20, 30, 40], [11, 21, 30, 40]])
    assert np.isnan(boxes[2]).all()
    assert seq.image_size == (480, 360)


def test_image_size_from_metadata_without_decoding(sequences: Path) -> None:
    (sequences / "sequence").write_text("channels.color=color/%08d.jpg\nwidth=640\nheight=480\n")
    (sequences / "color" / "00000001.jpg").unlink()
    assert load_vot_sequence(sequences).image_size == (640, 480)


def test_errors(sequences: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="not a VOT sequences folder"):
        load_vot(tmp_path / "nowhere")
    (sequences / "occlusion.tag").write_text("0\n1\n0\n0\n")
    with pytest.raises(AnnotationError, match=r"occlusion.tag:4: 4 lines, but the sequence has 3 frames"):
        load_vot_sequence(sequences)
    (sequences / "occlusion.tag").unlink()
    (sequences / "groundtruth.txt").write_text("1,2,3,4,5,6,7,8\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match=rf"{sequences / 'groundtruth.txt'}:2: expected 8 numbers"):
        load_vot_sequence(sequences)
    (sequences / "groundtruth.txt").write_text("1,2,3,4,5,6\n")
    with pytest.raises(AnnotationError, match=r":1: expected 4 numbers x,y,w,h or 8 numbers .*got 6"):
        load_vot_sequence(sequences)
    # A NaN among numbers: not a frame without the target (all NaN), and the supervised failure test
    # would read that polygon as a rectangle.
    for line, bad in ((2, "10,10,30,10,NaN,30,10,30"), (1, "10,10,30,NaN,30,10,30,10")):
        rows = ["1,2,3,4,5,6,7,8"] * (line - 1) + [bad, "NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN"]
        (sequences / "groundtruth.txt").write_text("\n".join(rows) + "\n")
        with pytest.raises(AnnotationError, match=rf"groundtruth.txt:{line}: expected finite numbers, or NaN in every"):
            load_vot_sequence(sequences)
    (sequences / "groundtruth.txt").write_text("1,2,3,4\n")
    (sequences / "color" / "00000001.jpg").unlink()
    with pytest.raises(MissingDataError, match="first frame missing or unreadable"):
        load_vot_sequence(sequences)


def test_polygon_helpers() -> None:
    boxes = np.array([[1.5, 2.0, 3.0, 4.0], [0, 0, 1, 1]])
    np.testing.assert_array_equal(axis_aligned_boxes(rectangles_to_polygons(boxes)), boxes)
    rotated = np.array([[0, 5, 5, 0, 10, 5, 5, 10]])
    np.testing.assert_array_equal(axis_aligned_boxes(rotated), [[0, 0, 10, 10]])
