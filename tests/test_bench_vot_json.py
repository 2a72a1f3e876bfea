"""A pysot-style VOT json as an annotation-only source: the real VOT2018.json, and malformed ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.errors import AnnotationError, BenchmarkError
from benchmarks.registry import load_benchmark
from benchmarks.vot_json import load_vot_json
from benchmarks.vot_legacy import load_vot_folders
from tests.conftest import realdata_path

ENTRY = {"video_dir": "seq", "init_rect": [1, 2, 3, 4], "img_names": ["seq/color/00000001.jpg"] * 3,
         "gt_rect": [[1, 2, 3, 4], [0, 0, 10, 0, 10, 10, 0, 10], []], "width": 640, "height": 480,
         "occlusion": [0, 1, 0], "camera_motion": []}


def test_real_vot2018_json() -> None:
    seqs = load_vot_json(realdata_path("vot", "VOT2018.json"), "vot2018")
    assert len(seqs) == 60 and sum(len(s) for s in seqs) == 21_356
    by_name = {s.name: s for s in seqs}
    assert all(s.ground_truth.shape[1] == (4 if s.name == "conduction1" else 8) and not s.runnable for s in seqs)
    # conduction1 is annotated with x,y,w,h rectangles, kept as rectangles (the toolkit rasterises them so).
    assert by_name["conduction1"].ground_truth[0].tolist() == [712, 231, 22, 24]
    # Empty tag lists are tags VOT2018 never shipped a file for: left out, not all-zero.
    assert "occlusion" not in by_name["ball1"].frame_tags and "camera_motion" not in by_name["matrix"].frame_tags
    assert by_name["bag"].image_size == (480, 360) and by_name["ants1"].image_size == (1024, 1024)


def test_json_agrees_with_folder_and_vot_toolkit() -> None:
    """The bag sequence: harness (json and folder) and the vot-toolkit read identical polygons and tags."""
    (from_json,) = load_vot_json(realdata_path("vot", "VOT2018.json"), "vot2018", names=["bag"])
    (from_folder,) = load_vot_folders(realdata_path("vot", "sequences"), "vot2018")
    np.testing.assert_array_equal(from_json.ground_truth, from_folder.ground_truth)
    assert from_json.frame_tags.keys() == from_folder.frame_tags.keys()
    for tag, flags in from_json.frame_tags.items():
        np.testing.assert_array_equal(flags, from_folder.frame_tags[tag])
    common = pytest.importorskip("vot.dataset.common")
    theirs = common.read_sequence(str(realdata_path("vot", "sequences", "bag")))
    polygons = np.array([np.ravel(theirs.groundtruth(i).points()) for i in range(len(theirs))])
    np.testing.assert_allclose(from_json.ground_truth, polygons, atol=1e-4)
    for tag, flags in from_json.frame_tags.items():
        assert flags.tolist() == [tag in theirs.tags(i) for i in range(len(theirs))], tag
    assert from_json.image_size == (theirs.width, theirs.height)


def test_registry_takes_a_json_root() -> None:
    seqs = load_benchmark("vot2018", realdata_path("vot", "VOT2018.json"), names=["bag", "zebrafish1"])
    assert [s.name for s in seqs] == ["bag", "zebrafish1"] and seqs[0].benchmark == "vot2018"


def test_small_json(tmp_path: Path) -> None:
    path = tmp_path / "VOT2016.json"
    path.write_text(json.dumps({"seq": ENTRY}))
    (seq,) = load_vot_json(path, "vot2016")
    assert seq.ground_truth[0].tolist() == [1, 2, 4, 2, 4, 6, 1, 6] and np.isnan(seq.ground_truth[2]).all()
    assert seq.absent.tolist() == [False, False, True] and list(seq.frame_tags) == ["occlusion"]
    with pytest.raises(BenchmarkError, match="has no sequence named other"):
        load_vot_json(path, "vot2016", names=["other"])


@pytest.mark.parametrize("change, problem", [
    ({"gt_rect": [[1, 2, 3]]}, r"gt_rect frame 1: expected \[\] or 4 or 8 numbers"),
    ({"occlusion": [0, 1]}, r"tag 'occlusion': expected 3 values 0 or 1"),
    ({"width": "640"}, r"expected positive integers width and height, got '640'"),
    ({"gt_rect": []}, "expected an object with a non-empty gt_rect list"),
])
def test_malformed_entries_name_file_and_line(tmp_path: Path, change: dict, problem: str) -> None:
    path = tmp_path / "VOT2018.json"
    path.write_text(json.dumps({"first": ENTRY, "second": {**ENTRY, **change}}, indent=1))
    with pytest.raises(AnnotationError, match=problem) as caught:
        load_vot_json(path, "vot2018")
    lines = path.read_text().splitlines()
    assert caught.value.line is not None and lines[caught.value.line - 1].strip().startswith('"second"')


def test_syntax_error_line(tmp_path: Path) -> None:
    path = tmp_path / "VOT2018.json"
    path.write_text('{\n "seq": {\n  "gt_rect": [[1, 2, 3, 4]],\n }\n}\n')
    with pytest.raises(AnnotationError, match=r"VOT2018.json:4: not valid JSON"):
        load_vot_json(path, "vot2018")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=9) | st.dictionaries(
        st.sampled_from(["gt_rect", "width", "height", "occlusion", "img_names", "x"]), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["a", "b"]), _JSON | st.builds(dict, st.just(ENTRY)), max_size=2)
       | _JSON, st.booleans())
def test_fuzz_only_annotation_errors(tmp_path: Path, data: object, garble: bool) -> None:
    path = tmp_path / "fuzz.json"
    text = json.dumps(data)
    path.write_text(text[: len(text) // 2] if garble else text)
    try:
        seqs = load_vot_json(path, "vot2018")
    except AnnotationError as error:
        assert error.path == path and error.line is not None and error.line >= 1
    else:
        assert all(s.ground_truth.shape[1] == 8 for s in seqs)
