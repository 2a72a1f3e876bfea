"""Annotation text files: delimiters, NaN, trailing blanks, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.textio import read_flags, read_labels, read_table


def write(tmp_path: Path, text: str | bytes, name: str = "gt.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("text", [
    "1,2,3,4\n5,6,7,8\n",
    "1\t2\t3\t4\n5\t6\t7\t8",
    "1 2 3 4\n5  6   7 8\n",
    "1, 2 ,3,\t4\r\n5\t6 7,8\r\n\r\n\n  \n",
    "1.0,2e0,+3,4.\n5,6,7,8.000\n",
])
def test_delimiters_and_line_endings(tmp_path: Path, text: str) -> None:
    np.testing.assert_array_equal(read_table(write(tmp_path, text)), [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_nan_rows_and_bom(tmp_path: Path) -> None:
    boxes = read_table(write(tmp_path, b"\xef\xbb\xbf1,2,3,4\nNaN,NaN,NaN,NaN\nnan,nan,nan,nan\n"))
    assert boxes.dtype == np.float64 and boxes.shape == (3, 4)
    assert np.isnan(boxes[1:]).all() and not np.isnan(boxes[0]).any()


def test_polygons_or_rectangles(tmp_path: Path) -> None:
    assert read_table(write(tmp_path, "1,2,3,4,5,6,7,8\n"), columns=(4, 8)).shape == (1, 8)
    assert read_table(write(tmp_path, "1,2,3,4\n"), columns=(4, 8)).shape == (1, 4)


@pytest.mark.parametrize("text, line, problem", [
    ("1,2,3,4\n1,2,3\n", 2, "expected 4 numbers x,y,w,h separated by commas, tabs or spaces; got 3"),
    ("1,2,3\n", 1, "expected 4 numbers x,y,w,h separated by commas, tabs or spaces; got 3"),
    ("1,2,3,4\n\n5,6,7,8\n", 2, "got a blank line"),
    ("1,2,3,4\n5,6,seven,8\n", 2, "got 'seven', which is not a number"),
    ("1,2,3,4\n1,,2,3\n", 2, "got an empty value"),
    ("1,2,3,4\n1,2,3,4,\n", 2, "got an empty value"),
    ("1,2,3,4\n1,2,3,4,5\n", 2, "got 5"),
    ("1,2,3,4\n1;2;3;4\n", 2, "not a number"),
    ("1,2,3,4\n1,2,3,inf\n", 2, "'inf', which is not a number"),
])
def test_malformed_line_names_file_and_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AnnotationError) as caught:
        read_table(path)
    assert caught.value.path == path and caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert problem in str(caught.value)


def test_column_count_fixed_by_first_line(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,3,4,5,6,7,8\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match=r":2: expected 8 numbers x1,y1,.* \(as on line 1\).*got 4"):
        read_table(path, columns=(4, 8))


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match="empty file") as caught:
        read_table(write(tmp_path, "\n \n"))
    assert caught.value.line is None
    with pytest.raises(MissingDataError, match="not found"):
        read_table(tmp_path / "absent.txt")


def test_flags_and_levels(tmp_path: Path) -> None:
    np.testing.assert_array_equal(read_flags(write(tmp_path, "0\n1\r\n 1 \n\n")), [False, True, True])
    np.testing.assert_array_equal(read_labels(write(tmp_path, "0\n8\n3\n"), max_value=8), [0, 8, 3])
    assert read_flags(write(tmp_path, "")).shape == (0,)
    with pytest.raises(AnnotationError, match=r"gt.txt:3: expected one label 0 or 1 per line; got '2'"):
        read_flags(write(tmp_path, "0\n1\n2\n"))
    with pytest.raises(AnnotationError, match=r":2: .*got a blank line"):
        read_flags(write(tmp_path, "0\n\n1\n"))
    with pytest.raises(AnnotationError, match=r":1: expected one label 0 to 8 per line; got '9'"):
        read_labels(write(tmp_path, "9\n"), max_value=8)


def test_large_clean_file_is_fast(tmp_path: Path) -> None:
    rows = np.random.default_rng(0).uniform(0, 500, (50_000, 4)).round(2)
    path = write(tmp_path, "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    np.testing.assert_allclose(read_table(path), rows)


_ALPHABET = st.sampled_from(list("0123456789,,,\t  \n\n.-+eENaN;x\r\x00\u00e9\u0663") + ["nan", "1e5"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_fuzz_only_annotation_errors(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text.encode("utf-8", errors="surrogatepass"))
    try:
        boxes = read_table(path)
    except AnnotationError as error:
        assert error.path == path and str(error).startswith(str(path))
        lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip().split("\n")
        assert error.line is None or 1 <= error.line <= len(lines)
        assert "expected" in error.problem
    else:
        assert boxes.dtype == np.float64 and boxes.ndim == 2 and boxes.shape[1] == 4


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.lists(st.floats(-1e6, 1e6) | st.just(float("nan")), min_size=4, max_size=4),
             min_size=1, max_size=20),
    st.lists(st.sampled_from([",", "\t", " ", ", ", " \t"]), min_size=1, max_size=3),
)
def test_fuzz_round_trip(tmp_path: Path, rows: list[list[float]], separators: list[str]) -> None:
    text = "".join(
        separators[i % len(separators)].join(repr(v) for v in row) + "\n" for i, row in enumerate(rows)
    )
    np.testing.assert_array_equal(read_table(write(tmp_path, text)), np.array(rows))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_fuzz_labels_only_annotation_errors(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text.encode("utf-8", errors="surrogatepass"))
    try:
        flags = read_flags(path)
    except AnnotationError as error:
        assert error.path == path and error.line is not None and error.line >= 1
    else:
        assert flags.dtype == bool
