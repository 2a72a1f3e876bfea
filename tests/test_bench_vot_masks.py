"""VOT 2020+ sequence folders (masks, special lines, values, anchors, ignore objects), read as vot-toolkit 0.9.0
reads them: every frame compared with the toolkit's own reader (vot/dataset/common.py ``read_sequence``) on
folders generated here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.check import check_benchmark
from benchmarks.errors import AnnotationError
from benchmarks.masks import Masks
from benchmarks.vot import load_vot, load_vot_sequence
from benchmarks.vot_regions import anchors, empty_regions

common = pytest.importorskip("vot.dataset.common")

WIDTH, HEIGHT = 40, 30


def _mask_line(bitmap: np.ndarray, x: int, y: int) -> str:
    flat = bitmap.ravel().astype(np.int8)
    edges = np.concatenate([[0], np.flatnonzero(np.diff(flat)) + 1, [flat.size]])
    runs = np.diff(edges).tolist()
    if flat[0]:
        runs = [0, *runs]
    return f"m{x},{y},{bitmap.shape[1]},{bitmap.shape[0]}," + ",".join(map(str, runs))


def _random_lines(rng: np.random.Generator, count: int) -> list[str]:
    lines = []
    for i in range(count):
        h, w = (int(v) for v in rng.integers(1, 9, 2))
        bitmap = rng.random((h, w)) < 0.5
        bitmap[rng.integers(h), rng.integers(w)] = True
        lines.append(_mask_line(bitmap, int(rng.integers(-4, WIDTH)), int(rng.integers(-4, HEIGHT))))
    return lines


def _write(folder: Path, lines: list[str], **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (folder / "sequence").write_text(f"channels.color=color/%08d.jpg\nfps=30\nwidth={WIDTH}\nheight={HEIGHT}\n"
                                     f"length={len(lines)}\n")
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder.parent / "list.txt").write_text(folder.name + "\n")
    return folder


def _pixels(bitmap: np.ndarray, offset: tuple[int, int]) -> np.ndarray:
    return np.argwhere(bitmap)[:, ::-1] + np.asarray(offset)  # x, y of each pixel, row-major


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random masks, special lines (0, NaN), an empty mask, a mask the toolkit drops (its pixels in column 0
    of its box), a one-row mask, values files shorter than the sequence, tags."""
    rng = np.random.default_rng(7)
    lines = _random_lines(rng, 24)
    lines[3] = "0"
    lines[5] = "m0,0,0,0,0"
    lines[6] = "nan,nan,nan,nan"
    lines[8] = "m3,4,3,2,0,1,2,1,2"  # pixels only in the box's column 0: read as empty
    lines[9] = "m2,2,4,3,4,3,5"  # one row: `is_empty` in the toolkit's sense, pixels all the same
    lines[10] = "m1,1,2,2,1,1,0,0,1,1"  # zero-length runs where a long run was split (maxstride)
    anchor = "1\n0\n0\n-1\n0\n0\n0\n2.5\n0\n-0.5\n"
    return _write(tmp_path_factory.mktemp("vot2020") / "seq", lines, **{
        "anchor.value": anchor, "other.value": "1e3\nnan\n", "occlusion.tag": "0\n1\n"})


def test_frames_agree_with_the_toolkit_reader(generated: Path) -> None:
    (ours,) = load_vot(generated.parent)
    theirs = common.read_sequence(str(generated))
    assert len(ours) == len(theirs) == 24 and ours.image_size == (theirs.width, theirs.height)
    assert ours.masks is not None and ours.ignore_masks is None
    for frame in range(len(theirs)):
        region = theirs.groundtruth(frame)
        bitmap, offset = ours.masks.decode(frame)
        if hasattr(region, "mask"):
            np.testing.assert_array_equal(_pixels(bitmap, offset), _pixels(region.mask, region.offset), str(frame))
            assert not ours.masks.special[frame]
        else:
            assert ours.masks.special[frame] and not bitmap.any(), frame
        assert empty_regions(ours)[frame] == region.is_empty(), frame
        box = ours.ground_truth[frame]
        if region.is_empty() and not bitmap.any():
            assert np.isnan(box).all(), frame
        else:
            left, top, right, bottom = region.bounds()
            assert box.tolist() == [left, top, right - left + 1, bottom - top + 1], frame
    assert set(ours.frame_values) == set(theirs.values()) == {"anchor", "other"}
    for name, values in ours.frame_values.items():
        expected = [theirs.values(i)[name] for i in range(len(theirs))]
        np.testing.assert_array_equal(values, expected)  # NaN == NaN here
    assert ours.frame_tags["occlusion"].tolist() == ["occlusion" in theirs.tags(i) for i in range(len(theirs))]


def test_anchors_as_find_anchors(generated: Path) -> None:
    multistart = pytest.importorskip("vot.experiment.multistart")
    sequence = load_vot_sequence(generated)
    forward, backward = anchors(sequence)
    assert (forward.tolist(), backward.tolist()) == multistart.find_anchors(common.read_sequence(str(generated)))
    assert (forward.tolist(), backward.tolist()) == ([0, 7], [3, 9])
    assert [a.tolist() for a in anchors(sequence, "missing")] == [[], []]


def test_boxes_and_absent_frames(generated: Path) -> None:
    sequence = load_vot_sequence(generated)
    assert sequence.ground_truth.shape == (24, 4)
    assert sequence.absent[[3, 5, 6, 8]].all() and not sequence.absent[[0, 9, 10]].any()
    assert sequence.ground_truth[9].tolist() == [2, 3, 3, 1] and sequence.ground_truth[10].tolist() == [2, 1, 1, 2]


def test_ignore_object_and_objects(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    lines = _random_lines(rng, 6)
    folder = _write(tmp_path / "objects" / "seq", lines)
    (folder / "groundtruth.txt").write_text("1,2,3,4\n" * 6)  # the toolkit reads groundtruth_<object>.txt instead
    (folder / "groundtruth_target.txt").write_text("\n".join(lines) + "\n")
    (folder / "groundtruth__ignore.txt").write_text("\n".join(_random_lines(rng, 4)) + "\n")
    ours = load_vot_sequence(folder)
    theirs = common.read_sequence(str(folder))
    ignore = theirs.object("_ignore")
    assert len(ours.ignore_masks) == len(ignore) == 6
    for frame in range(6):
        target = theirs.groundtruth(frame)
        np.testing.assert_array_equal(_pixels(*ours.masks.decode(frame)), _pixels(target.mask, target.offset))
        if hasattr(ignore[frame], "mask"):
            np.testing.assert_array_equal(_pixels(*ours.ignore_masks.decode(frame)),
                                          _pixels(ignore[frame].mask, ignore[frame].offset))
        else:
            assert ours.ignore_masks.special[frame]
    (folder / "groundtruth_second.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(AnnotationError, match="several objects"):
        load_vot_sequence(folder)


@pytest.mark.parametrize(("line", "message"), [
    ("m1,2,3,2,1,2", r":2: mask runs sum to 3 pixels; expected width x height = 3 x 2 = 6"),
    ("m1,2,3,2,7,-1", r":2: .*not negative"),
    ("m1,2,3,2,1.5,4.5", r":2: expected a mask m<x>,<y>,<width>,<height>,<runs...> of integers"),
    ("m1,2,3", r":2: .*got 3 numbers"),
    ("m1,2,3,2,6,", r":2: expected a mask"),
    ("1,2,3,4", r":2: a rectangle among masks \(line 1\).*not supported"),
    ("1,2", r":2: .*a point, which is not supported"),
    ("1,2,3,4,5,6", r":2: .*6 numbers, which is not supported"),
    ("nan", r":2: a special code must be a finite number"),
    ("", r":2: expected numbers separated by commas"),
])
def test_bad_lines_named_with_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    folder = _write(tmp_path / "bad" / "seq", ["m0,0,2,2,1,3", line, "0"])
    with pytest.raises(AnnotationError, match=message):
        load_vot_sequence(folder)


def test_values_files(tmp_path: Path) -> None:
    folder = _write(tmp_path / "values" / "seq", ["m0,0,2,2,1,3", "0", "0"], **{"anchor.value": "1\nx\n"})
    with pytest.raises(AnnotationError, match=r"anchor.value:2: expected one number per line; got 'x'"):
        load_vot_sequence(folder)
    (folder / "anchor.value").write_text("1\n0\n0\n1\n")
    with pytest.raises(AnnotationError, match=r"anchor.value:4: 4 lines, but the sequence has 3 frames"):
        load_vot_sequence(folder)
    (folder / "anchor.value").write_text("1\n\n0\n")
    with pytest.raises(AnnotationError, match=r"anchor.value:2: expected one number per line; got a blank line"):
        load_vot_sequence(folder)


def test_masks_round_trip_bitmaps() -> None:
    rng = np.random.default_rng(11)
    frames = [None if i % 5 == 0 else (rng.random((3, 4)) < 0.5, (i, -i)) for i in range(20)]
    masks = Masks.from_bitmaps(frames)
    for i, item in enumerate(frames):
        bitmap, offset = masks.decode(i)
        if item is None:
            assert masks.special[i] and bitmap.size == 0
        elif item[0][:, 1:].any():
            np.testing.assert_array_equal(bitmap, item[0])
            assert offset == item[1]
        else:  # only column 0: the toolkit's reader drops the pixels
            assert not bitmap.any()


def test_bench_check_names_mask_defects(tmp_path: Path) -> None:
    folder = _write(tmp_path / "check" / "seq", ["m1,1,3,2,1,5", "m38,2,4,1,0,4", "0", "m1,2,3,2,1,2"],
                    **{"anchor.value": "1\n0\n"})
    (folder / "color").mkdir()
    for i in range(1, 5):
        (folder / "color" / f"{i:08d}.jpg").write_bytes(b"")
    problems = [str(p) for p in check_benchmark("vot2018", folder.parent)]
    assert problems == [f"{folder / 'groundtruth.txt'}:4: mask runs sum to 3 pixels; expected width x height = "
                        "3 x 2 = 6"]
    (folder / "groundtruth.txt").write_text("m1,1,3,2,1,5\nm37,2,4,1,0,4\n0\nm-1,2,3,2,1,5\n")
    problems = [str(p) for p in check_benchmark("vot2018", folder.parent)]
    assert problems == [
        f"{folder / 'groundtruth.txt'}:2: frame 2 of seq: mask pixels x 37..40, y 2..2 reach outside the 40x30 "
        "image; expected masks inside it",
        f"{folder / 'groundtruth.txt'}:4: frame 4 of seq: mask pixels x -1..1, y 2..3 reach outside the 40x30 "
        "image; expected masks inside it"]


def test_vot2019_record_takes_its_stack_interval() -> None:
    """VOT2019 short-term: the 2018 protocol with the EAO interval of the toolkit's vot2019 stack."""
    yaml = pytest.importorskip("yaml")
    from benchmarks.registry import benchmark_record

    stack = Path(common.__file__).parent.parent / "stack" / "vot2019" / "shortterm.yaml"
    baseline = yaml.safe_load(stack.read_text())["experiments"]["baseline"]
    eao = next(a for a in baseline["analyses"] if a["type"] == "supervised_eao_score")
    record = benchmark_record("vot2019")
    assert record.eao_interval == (eao["low"], eao["high"]) == (46, 291)
    assert record.experiments == benchmark_record("vot2018").experiments


def test_unfinished_download_is_named(tmp_path: Path) -> None:
    from benchmarks.errors import MissingDataError

    (tmp_path / "description.json").write_text("{}")
    with pytest.raises(MissingDataError, match="download did not finish"):
        load_vot(tmp_path)


def test_masks_taken_keep_their_pixels_decoded_once():
    """`Masks.take` (a multistart run's view) hands its frames' spans over instead of decoding again: the same
    spans as decoding the taken masks afresh, in any order, with repeats and empty frames."""
    rng = np.random.default_rng(5)
    frames = [None if rng.random() < 0.2 else (rng.random((rng.integers(1, 7), rng.integers(1, 7))) < 0.5,
                                               (int(rng.integers(0, 9)), int(rng.integers(0, 9)))) for _ in range(30)]
    masks = Masks.from_bitmaps(frames)
    for order in (np.arange(30)[::-1], rng.integers(0, 30, 50), np.array([], dtype=np.int64)):
        taken = masks.take(order)
        fresh = Masks(taken.offsets, taken.sizes, taken.runs, taken.starts, taken.special)
        for name in ("frame", "row", "x0", "x1"):
            np.testing.assert_array_equal(getattr(taken.spans(), name), getattr(fresh.spans(), name))
        np.testing.assert_array_equal(taken.bounds(), fresh.bounds())


def test_a_view_of_some_frames_reads_as_those_frames_taken():
    """`Masks.frames` (an anchor run's view, runs copied only when read) reads exactly as `Masks.take`."""
    rng = np.random.default_rng(6)
    frames = [None if rng.random() < 0.2 else (rng.random((rng.integers(1, 7), rng.integers(1, 7))) < 0.5,
                                               (int(rng.integers(-3, 9)), int(rng.integers(-3, 9)))) for _ in range(25)]
    masks = Masks.from_bitmaps(frames)
    for order in (np.arange(25)[::-1], rng.integers(0, 25, 40)):
        view, taken = masks.frames(order), masks.take(order)
        for name in ("frame", "row", "x0", "x1"):
            np.testing.assert_array_equal(getattr(view.spans(), name), getattr(taken.spans(), name))
        for read in (lambda m: m.bounds(), lambda m: m.pixels(), lambda m: m.pixels((5, 4)), lambda m: m.empty,
                     lambda m: m.is_empty(), lambda m: m.boxes(), lambda m: m.runs, lambda m: m.starts,
                     lambda m: m.offsets, lambda m: m.sizes, lambda m: m.special):
            np.testing.assert_array_equal(read(view), read(taken))
        assert len(view) == len(order)
        bitmap, offset = view.decode(3)
        assert offset == taken.decode(3)[1] and np.array_equal(bitmap, taken.decode(3)[0])
        inner = rng.integers(0, len(order), 7)
        np.testing.assert_array_equal(view.take(inner).bounds(), taken.take(inner).bounds())


def test_pixels_inside_an_image_are_counted_as_a_bitmap_would():
    rng = np.random.default_rng(8)
    frames = [(rng.random((6, 7)) < 0.5, (int(rng.integers(-4, 6)), int(rng.integers(-4, 6)))) for _ in range(20)]
    masks = Masks.from_bitmaps(frames)
    for i in range(20):
        bitmap, (x, y) = masks.decode(i)
        image = np.zeros((30, 30), bool)
        image[y + 10:y + 10 + bitmap.shape[0], x + 10:x + 10 + bitmap.shape[1]] = bitmap
        assert masks.pixels((8, 5))[i] == image[10:15, 10:18].sum()
        assert masks.pixels()[i] == bitmap.sum()
