"""list.txt entries must name folders inside the list's folder, and name each sequence once: an entry
that leads outside (`..`, an absolute path, a symbolic link) or two entries ending in one folder name
are errors naming the line, when loading and in `bench check`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.check import check_benchmark
from benchmarks.errors import AnnotationError
from benchmarks.got10k import load_got10k
from benchmarks.vot import load_vot
from benchmarks.vot_legacy import load_vot_folders
from tests.test_bench_check import write_got10k_sequence


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A GOT-10k val split beside a sequence folder outside it."""
    val = tmp_path / "GOT-10k" / "val"
    write_got10k_sequence(val / "inside", 3, 3)
    write_got10k_sequence(tmp_path / "elsewhere" / "outside", 3, 3)
    return tmp_path / "GOT-10k", val


def _entry_problem(val: Path, entry: str) -> tuple[AnnotationError, list]:
    (val / "list.txt").write_text(f"inside\n{entry}\n")
    with pytest.raises(AnnotationError) as raised:
        load_got10k(val.parent, "val")
    return raised.value, check_benchmark("got10k", val.parent)


@pytest.mark.parametrize("kind", ["climbs", "absolute", "symlink"])
def test_entries_leading_outside_the_list_folder_are_refused(layout, kind: str) -> None:
    root, val = layout
    outside = root.parent / "elsewhere" / "outside"
    entry = {"climbs": "../../elsewhere/outside", "absolute": str(outside), "symlink": "linked"}[kind]
    if kind == "symlink":
        os.symlink(outside, val / "linked")
    error, problems = _entry_problem(val, entry)
    assert (error.path, error.line) == (val / "list.txt", 2)
    assert f"lists {entry!r}" in error.problem and "inside" in error.problem
    assert [(p.file, p.line) for p in problems] == [(val / "list.txt", 2)]
    assert problems[0].message == error.problem


def test_a_symlink_inside_the_folder_is_fine(layout) -> None:
    root, val = layout
    os.symlink(val / "inside", val / "alias")
    (val / "list.txt").write_text("alias\n")
    (sequence,) = load_got10k(root, "val")
    assert sequence.name == "alias" and check_benchmark("got10k", root) == []


def test_two_entries_with_one_folder_name_are_refused_naming_both(layout) -> None:
    root, val = layout
    write_got10k_sequence(val / "a" / "dup", 3, 3)
    write_got10k_sequence(val / "b" / "dup", 3, 3)
    error, problems = _entry_problem(val, "a/dup\nb/dup")
    assert (error.path, error.line) == (val / "list.txt", 3)
    assert "'b/dup'" in error.problem and "'a/dup' on line 2" in error.problem
    assert [(p.file, p.line) for p in problems] == [(val / "list.txt", 3)]


def test_vot_loaders_apply_the_same_rules(tmp_path: Path) -> None:
    (tmp_path / "seqs").mkdir()
    (tmp_path / "seqs" / "list.txt").write_text("../escape\n")
    for load in (lambda: load_vot(tmp_path / "seqs"), lambda: load_vot_folders(tmp_path / "seqs", "vot2016")):
        with pytest.raises(AnnotationError, match=r"list.txt:1: lists '../escape', which leads outside"):
            load()


def test_lasot_sequence_folder_linked_from_outside_is_refused(tmp_path: Path) -> None:
    from benchmarks.errors import MissingDataError
    from benchmarks.lasot import load_lasot
    from tests.test_bench_lasot import write_sequence

    root = tmp_path / "LaSOT"
    write_sequence(root / "airplane" / "airplane-9", 4)
    write_sequence(tmp_path / "elsewhere" / "airplane-1", 4)
    os.symlink(tmp_path / "elsewhere" / "airplane-1", root / "airplane" / "airplane-1")
    with pytest.raises(MissingDataError, match="airplane-1 leads outside the LaSOT root"):
        load_lasot(root, "test", names=["airplane-1", "airplane-9"])
    problems = check_benchmark("lasot", root)
    assert [p.message for p in problems if p.file == root / "airplane" / "airplane-1"] == [
        f"{root / 'airplane' / 'airplane-1'} leads outside the LaSOT root {root} "
        f"(to {tmp_path / 'elsewhere' / 'airplane-1'}); sequence folders must be inside the root"
    ]
