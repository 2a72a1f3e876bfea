"""Annotation files are refused before they are read when they cannot be annotations: larger than any real
one (a sparse 10 GB file is refused by its size, in little memory), not a regular file (a FIFO would
block), or leading outside the benchmark root (a link to any file of the machine, whose content would be
quoted in the message and scored as ground truth). Each reader of every layout, when loading and in
`bench check`; the error names the file (and the link and where it leads) and why."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.annotation_files import MAX_BYTES
from benchmarks.check import check_benchmark
from benchmarks.errors import AnnotationError
from benchmarks.registry import load_benchmark
from benchmarks.roots import configured_roots
from harness.cli import main
from tests.bench_layouts import BOX_LAYOUTS, GOOD, GOOD_POLYGON, Layout, vot_json

SECRET = "root:x:0:0:root:/root:/bin/bash"


def _file(name: str) -> Callable[[Layout], Path]:
    """A file beside the sequence's annotation file."""
    return lambda layout: layout.annotation.parent / name


ANNOTATION: Callable[[Layout], Path] = lambda layout: layout.annotation
# (layout, which of its files): every reader the loaders use.
FILES = {
    "otb dataset ground truth": ("otb_dataset", ANNOTATION),
    "otb toolkit file": ("otb_anno", ANNOTATION),
    "otb attributes": ("otb_anno", lambda layout: layout.root / "att" / "tiger1.txt"),
    "uav123 ground truth": ("uav123", ANNOTATION),
    "uav123 attributes": ("uav123", lambda layout: layout.root / "att" / f"{layout.sequence}.txt"),
    "nfs annotation": ("nfs", ANNOTATION),
    "lasot ground truth": ("lasot", ANNOTATION),
    "lasot flags": ("lasot", _file("full_occlusion.txt")),
    "lasot sentence": ("lasot", _file("nlp.txt")),
    "lasot attributes": ("lasot", lambda layout: layout.root / "att" / "airplane-1.txt"),
    "got10k ground truth": ("got10k", ANNOTATION),
    "got10k label": ("got10k", _file("absence.label")),
    "got10k meta info": ("got10k", _file("meta_info.ini")),
    "got10k list": ("got10k", lambda layout: layout.root / "val" / "list.txt"),
    "trackingnet annotation": ("trackingnet", ANNOTATION),
    "vot ground truth": ("vot_folders", ANNOTATION),
    "vot tag": ("vot_folders", _file("occlusion.tag")),
    "vot properties": ("vot_folders", _file("sequence")),
    "vot list": ("vot_folders", lambda layout: layout.root / "list.txt"),
}
# Files a layout has only when present: written valid first, so that replacing them means something.
OPTIONAL = {"otb attributes": "0,0,0,0,0,0,0,0,0,0,0", "uav123 attributes": ",".join("0" * 12),
            "lasot attributes": ",".join("0" * 14), "got10k meta info": "resolution: (64, 48)"}


def _layout(tmp_path: Path, case: str) -> tuple[Layout, Path]:
    kind, which = FILES[case]
    layout = BOX_LAYOUTS[kind](tmp_path / "data", GOOD)
    path = which(layout)
    if case in OPTIONAL:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(OPTIONAL[case] + "\n")
    assert path.is_file(), path
    return layout, path


def _refusals(layout: Layout) -> tuple[AnnotationError, list]:
    """The loading error and `bench check`'s problems for the layout."""
    with pytest.raises(AnnotationError) as raised:
        load_benchmark(layout.bench, layout.root, names=[layout.sequence])
    return raised.value, [p for p in check_benchmark(layout.bench, layout.root) if "not read" in p.message]


def _sparse(path: Path, size: int) -> None:
    path.unlink(missing_ok=True)
    with open(path, "wb") as file:
        file.truncate(size)


def _traced_refusals(layout: Layout) -> tuple[AnnotationError, list, int]:
    """`_refusals`, and the most memory loading held while it refused."""
    with pytest.raises(AnnotationError):  # once untraced: modules a loader imports on first use are not reading
        load_benchmark(layout.bench, layout.root, names=[layout.sequence])
    tracemalloc.start()
    try:
        with pytest.raises(AnnotationError) as raised:
            load_benchmark(layout.bench, layout.root, names=[layout.sequence])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return raised.value, [p for p in check_benchmark(layout.bench, layout.root) if "not read" in p.message], peak


@pytest.mark.parametrize("case", FILES)
def test_a_file_over_the_limit_is_refused_by_its_size_unread(tmp_path, case: str) -> None:
    layout, path = _layout(tmp_path, case)
    _sparse(path, 10 * 2**30)
    error, problems, peak = _traced_refusals(layout)
    assert peak < 4 * 2**20  # nothing near the file's size was ever held
    assert (error.path, error.line) == (path, None)
    assert error.problem.startswith("not read: 10,737,418,240 bytes, over the 64 MiB limit on annotation files (")
    assert "LaSOT's longest sequences have about 10,000 frames" in error.problem
    assert [(p.file, p.line, p.message) for p in problems] == [(path, None, error.problem)]


def test_one_byte_over_the_limit_is_refused(tmp_path) -> None:
    layout, path = _layout(tmp_path, "got10k ground truth")
    _sparse(path, MAX_BYTES + 1)
    error, _, peak = _traced_refusals(layout)
    assert peak < 4 * 2**20 and error.problem.startswith(f"not read: {MAX_BYTES + 1:,} bytes, over the 64 MiB limit")


def test_the_dataset_json_and_the_configuration_are_bounded_too(tmp_path, monkeypatch) -> None:
    layout = vot_json(tmp_path, GOOD_POLYGON)
    _sparse(layout.root, 10 * 2**30)
    with pytest.raises(AnnotationError, match=r"not read: 10,737,418,240 bytes, over the 64 MiB limit .* the right "
                                              r"dataset json\?$"):
        load_benchmark("vot2018", layout.root)
    (problem,) = check_benchmark("vot2018", layout.root)
    assert (problem.file, problem.line) == (layout.root, None) and problem.message.startswith("not read: 10,737")
    config = tmp_path / "harness.toml"
    _sparse(config, 10 * 2**30)
    monkeypatch.setenv("HARNESS_CONFIG", str(config))
    with pytest.raises(AnnotationError, match=r"harness.toml: not read: 10,737,418,240 bytes"):
        configured_roots()


def test_cli_refuses_a_sparse_ground_truth_in_one_line(tmp_path, capsys) -> None:
    layout, path = _layout(tmp_path, "got10k ground truth")
    _sparse(path, 2**30)
    assert main(["bench", "check", "--bench", "got10k", "--root", str(layout.root)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: not read: 1,073,741,824 bytes, over the 64 MiB limit") and "Traceback" not in err
    assert main(["eval", "--bench", "got10k", "--root", str(layout.root), "--results", str(tmp_path / "r")]) != 0
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and f"{path}: not read: 1,073,741,824 bytes" in err and "Traceback" not in err


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path) -> None:
    layout, path = _layout(tmp_path, "lasot flags")
    path.unlink()
    os.mkfifo(path)
    error, problems = _refusals(layout)
    assert (error.path, error.problem) == (path, "not read: not a regular file (annotation file expected)")
    assert [(p.file, p.message) for p in problems] == [(path, error.problem)]


@pytest.mark.parametrize("case", FILES)
def test_a_link_leading_outside_the_root_is_refused_unread(tmp_path, case: str) -> None:
    layout, path = _layout(tmp_path, case)
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n")
    path.unlink()
    path.symlink_to(secret)
    error, problems = _refusals(layout)
    assert (error.path, error.line) == (path, None)
    assert error.problem == (f"not read: it leads to {secret}, outside the benchmark root {layout.root}; "
                             "annotation files must be inside the root")
    assert [(p.file, p.message) for p in problems] == [(path, error.problem)]


def test_a_sequence_folder_linked_from_outside_is_named(tmp_path) -> None:
    layout, path = _layout(tmp_path, "otb dataset ground truth")
    folder = path.parent
    moved = folder.rename(tmp_path / "elsewhere")
    folder.symlink_to(moved)
    error, problems = _refusals(layout)
    assert error.path == path and error.problem.startswith(
        f"not read: its folder {folder} is a link to {moved}, outside the benchmark root {layout.root};")
    assert [(p.file, p.message) for p in problems] == [(path, error.problem)]


def test_a_link_inside_the_root_is_read(tmp_path) -> None:
    layout, path = _layout(tmp_path, "got10k ground truth")
    shared = layout.root / "shared" / "groundtruth.txt"
    shared.parent.mkdir()
    path.rename(shared)
    path.symlink_to(shared)
    (sequence,) = load_benchmark(layout.bench, layout.root)
    assert sequence.ground_truth.tolist() == [list(GOOD)] * 3
    assert [p for p in check_benchmark(layout.bench, layout.root) if p.file == path] == []
