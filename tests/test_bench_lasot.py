"""LaSOT: subsets, visibility flags, attributes, nlp, lazy indexing; the fast annotation readers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.fastread import read_boxes, read_flag_row
from benchmarks.lasot import load_lasot, read_nlp
from benchmarks.lasot_table import lasot_names
from benchmarks.registry import load_benchmark
from benchmarks.textio import read_table


def write_sequence(folder: Path, n: int, occluded: tuple[int, ...] = (), out: tuple[int, ...] = ()) -> None:
    folder.mkdir(parents=True)
    (folder / "groundtruth.txt").write_text("".join(f"{i},{2 * i},30,40\n" for i in range(n)))
    (folder / "full_occlusion.txt").write_text(",".join("1" if i in occluded else "0" for i in range(n)))
    (folder / "out_of_view.txt").write_text(",".join("1" if i in out else "0" for i in range(n)) + "\n")
    (folder / "nlp.txt").write_text("white airplane landing on the runway\n")


@pytest.fixture
def lasot(tmp_path: Path) -> Path:
    root = tmp_path / "LaSOTBenchmark"
    write_sequence(root / "airplane" / "airplane-1", 6, occluded=(1, 2), out=(2, 3))
    write_sequence(root / "airplane" / "airplane-9", 4)
    write_sequence(root / "zebra-10", 3)  # a download without the class folder
    (root / "att").mkdir()
    (root / "att" / "airplane-1.txt").write_text("1,0,0,0,1,0,0,0,1,1,0,1,0,0\n")
    return root


def test_subset_sizes_and_test_list() -> None:
    assert (len(lasot_names("test")), len(lasot_names("full")), len(lasot_names("ext"))) == (280, 1400, 150)
    assert set(lasot_names("test")) < set(lasot_names("full")) and "rubicCube-19" in lasot_names("test")
    assert not set(lasot_names("ext")) & set(lasot_names("full"))
    got10k = pytest.importorskip("got10k.datasets.lasot")
    splits = json.loads((Path(got10k.__file__).parent / "lasot.json").read_text())
    assert sorted(splits["test"]) == sorted(lasot_names("test"))  # the published testing set


def test_sequences(lasot: Path) -> None:
    one, nine, zebra = load_lasot(lasot, "test", names=["airplane-1", "AIRPLANE-9", "zebra-10"])
    assert (one.name, len(one), one.benchmark) == ("airplane-1", 6, "lasot")
    assert one.absent.tolist() == [False, True, True, True, False, False]  # occlusion | out of view
    assert one.frame_tags["full_occlusion"].tolist() == [False, True, True, False, False, False]
    assert one.frame_tags["out_of_view"].nonzero()[0].tolist() == [2, 3]
    assert one.attributes == ("IV", "CM", "SV", "FOC", "OV") and nine.attributes == ()
    assert one.ground_truth[5].tolist() == [5, 10, 30, 40]
    assert one.frames[0] == lasot / "airplane" / "airplane-1" / "img" / "00000001.jpg"
    assert zebra.frames.directory == lasot / "zebra-10" / "img" and len(zebra.frames) == 3
    assert read_nlp(lasot / "airplane" / "airplane-1") == "white airplane landing on the runway"
    assert one.description == "white airplane landing on the runway"
    (full,) = load_benchmark("lasot_full", lasot, names=["airplane-9"])
    assert full.benchmark == "lasot_full"


def test_indexing_never_lists_folders(lasot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a folder was listed")

    monkeypatch.setattr(os, "scandir", forbidden)
    monkeypatch.setattr(os, "listdir", forbidden)
    assert len(load_lasot(lasot, "full", names=["airplane-1", "airplane-9"])) == 2


def test_errors(lasot: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"277 of 280 LaSOT test sequences are missing: airplane-13, "):
        load_lasot(lasot, "test")
    with pytest.raises(BenchmarkError, match="not sequences of this LaSOT subset: atv-1"):
        load_lasot(lasot, "test", names=["atv-1"])
    folder = lasot / "airplane" / "airplane-9"
    (folder / "out_of_view.txt").write_text("0,0,2,0")
    with pytest.raises(AnnotationError, match=r"out_of_view.txt:1: expected 0 or 1 for frame 3; got '2'"):
        load_lasot(lasot, "test", names=["airplane-9"])
    (folder / "out_of_view.txt").write_text("0,0,0")
    with pytest.raises(AnnotationError, match=r"out_of_view.txt:1: 3 flags, but groundtruth.txt has 4 frames"):
        load_lasot(lasot, "test", names=["airplane-9"])
    (folder / "out_of_view.txt").write_text("0,0\n0,0")
    with pytest.raises(AnnotationError, match=r"out_of_view.txt:2: expected one line"):
        load_lasot(lasot, "test", names=["airplane-9"])
    (folder / "groundtruth.txt").write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(AnnotationError, match=rf"{folder / 'groundtruth.txt'}:2: expected 4 numbers.*got 3"):
        load_lasot(lasot, "test", names=["airplane-9"])
    (folder / "nlp.txt").write_text("  \n")
    with pytest.raises(AnnotationError, match="nlp.txt: empty"):
        read_nlp(folder)


_PLAIN_TOKENS = st.sampled_from(["0", "1", "12", "-3", ".5", "5.", "-.5", "-", ".", "", "1.25", "007", "1e5",
                                 " 2", "nan", "99999999999999999999", "0.1000000000000000055511151231257827"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_PLAIN_TOKENS, min_size=1, max_size=6).map(",".join), max_size=5),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_fast_boxes_equal_read_table(tmp_path: Path, lines: list[str], newline: str, trailing: bool) -> None:
    path = tmp_path / "groundtruth.txt"
    path.write_text(newline.join(lines) + (newline if trailing else ""), newline="")

    def outcome(read):
        try:
            return read(path)
        except AnnotationError as error:
            return str(error)

    fast, reference = outcome(read_boxes), outcome(read_table)
    if isinstance(reference, str):
        assert fast == reference  # same file, line and message
    else:
        np.testing.assert_array_equal(fast, reference)
        assert fast.dtype == np.float64 and fast.shape == reference.shape


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list("01,, \n\r2x") + ["\u00e9"]), max_size=30), st.integers(1, 12))
def test_fuzz_flag_row_only_annotation_errors(tmp_path: Path, chars: list[str], length: int) -> None:
    path = tmp_path / "full_occlusion.txt"
    path.write_bytes("".join(chars).encode())
    try:
        flags = read_flag_row(path, length)
    except AnnotationError as error:
        assert error.path == path and error.line in (1, 2)
    else:
        assert flags.dtype == bool and flags.shape == (length,)


def test_indexing_all_1400_sequences(tmp_path: Path) -> None:
    """Every sequence of protocol I is found and read (its speed is measured by perf/index_lasot.py, not here)."""
    for name in lasot_names("full"):
        write_sequence(tmp_path / name.rpartition("-")[0] / name, 20, occluded=(3,))
    seqs = load_lasot(tmp_path, "full")
    assert len(seqs) == 1400 and all(s.absent.sum() == 1 for s in seqs)
