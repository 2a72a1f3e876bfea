"""`harness bench check`: every planted defect is found and named with its file (and line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.check import Problem, check_benchmark
from harness.cli import main
from tests.conftest import realdata_path


def write_got10k_sequence(folder: Path, annotated: int, frames: int, bad_line: int | None = None) -> None:
    folder.mkdir(parents=True)
    rows = [f"{i},{i},10,10" if i + 1 != bad_line else f"{i},{i},10" for i in range(annotated)]
    (folder / "groundtruth.txt").write_text("\n".join(rows) + "\n")
    for label in ("absence", "cut_by_image"):
        (folder / f"{label}.label").write_text("0\n" * annotated)
    (folder / "cover.label").write_text("8\n" * annotated)
    for k in range(1, frames + 1):
        (folder / f"{k:08d}.jpg").write_bytes(b"")


@pytest.fixture
def got10k(tmp_path: Path) -> Path:
    """A GOT-10k val split with one clean sequence and four planted defects."""
    val = tmp_path / "GOT-10k" / "val"
    write_got10k_sequence(val / "clean", 5, 5)
    write_got10k_sequence(val / "gap", 5, 5)
    (val / "gap" / "00000003.jpg").unlink()  # a missing frame
    write_got10k_sequence(val / "short", 4, 6)  # the annotation stops two frames early
    write_got10k_sequence(val / "three", 5, 5, bad_line=3)  # a line with three numbers
    (val / "list.txt").write_text("clean\ngap\nshort\nghost\nthree\n")  # ghost has no folder
    return tmp_path / "GOT-10k"


def test_finds_and_names_every_planted_defect(got10k: Path) -> None:
    val = got10k / "val"
    problems = check_benchmark("got10k", got10k)
    assert [(p.file, p.line) for p in problems] == [
        (val / "list.txt", 4),
        (val / "gap" / "00000003.jpg", None),
        (val / "short" / "groundtruth.txt", None),
        (val / "three" / "groundtruth.txt", 3),
    ]
    listed, gap, short, three = (p.message for p in problems)
    assert "lists 'ghost', but there is no folder" in listed
    assert "missing frame 00000003.jpg of gap (frame 3 of 5)" in gap
    assert "annotation too short: 4 annotated frames" in short and "2 more frames (up to 00000006.jpg)" in short
    assert "expected 4 numbers x,y,w,h" in three and "got 3" in three
    assert str(problems[3]).startswith(f"{val / 'three' / 'groundtruth.txt'}:3: ")


def test_cli_exit_codes_and_json(got10k: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "check", "--bench", "got10k_val", "--root", str(got10k)]) == 1
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 4 and "got10k: 4 problem(s)" in err
    assert f"{got10k / 'val' / 'list.txt'}:4: lists 'ghost'" in out
    assert main(["bench", "check", "--bench", "got10k", "--root", str(got10k), "--json"]) == 1
    assert [p["line"] for p in json.loads(capsys.readouterr().out)] == [4, None, None, 3]
    (got10k / "val" / "list.txt").write_text("clean\n")
    assert main(["bench", "check", "--bench", "got10k", "--root", str(got10k)]) == 0
    assert "no problems found" in capsys.readouterr().err


def test_runs_of_missing_frames_and_missing_folders(tmp_path: Path) -> None:
    root = tmp_path / "LaSOT"
    folder = root / "airplane" / "airplane-1"
    (folder / "img").mkdir(parents=True)
    (folder / "groundtruth.txt").write_text("1,2,3,4\n" * 6)
    for name in ("full_occlusion", "out_of_view"):
        (folder / f"{name}.txt").write_text("0,0,0,0,0,0")
    for k in (1, 5):
        (folder / "img" / f"{k:08d}.jpg").write_bytes(b"")
    problems = check_benchmark("lasot_full", root)
    mine = [p for p in problems if folder in p.file.parents]
    assert [str(p.file.relative_to(folder)) for p in mine] == ["nlp.txt", "img/00000002.jpg", "img/00000006.jpg"]
    assert "00000002.jpg to 00000004.jpg (3 files)" in mine[1].message
    others = [p for p in problems if folder not in p.file.parents]
    assert len(others) == 1399 and all("annotation file of" in p.message for p in others)


def test_trackingnet_and_nfs_rules(tmp_path: Path) -> None:
    chunk = tmp_path / "TrackingNet" / "TEST"
    (chunk / "anno").mkdir(parents=True)
    (chunk / "frames" / "seq").mkdir(parents=True)
    (chunk / "anno" / "seq.txt").write_text("1,2,3,4\n")
    for k in range(3):
        (chunk / "frames" / "seq" / f"{k}.jpg").write_bytes(b"")
    assert check_benchmark("trackingnet", chunk.parent) == []
    nfs = tmp_path / "NfS" / "bee" / "30"
    (nfs / "bee").mkdir(parents=True)
    (nfs / "bee.txt").write_text("".join(f'1 1 2 3 4 {i} 0 0 0 "bee"\n' for i in range(16)))  # 2 frames at 30 fps
    for k in range(1, 4):  # one spare frame is the download's quirk, not a defect
        (nfs / "bee" / f"{k:05d}.jpg").write_bytes(b"")
    assert check_benchmark("nfs30", tmp_path / "NfS") == []
    (nfs / "bee" / "00004.jpg").write_bytes(b"")
    (problem,) = check_benchmark("nfs30", tmp_path / "NfS")
    assert problem.file == nfs / "bee.txt" and "2 more frames" in problem.message


def test_missing_root_is_one_problem(tmp_path: Path) -> None:
    assert check_benchmark("got10k_test", tmp_path) == [
        Problem(tmp_path, None, f"{tmp_path} is not a GOT-10k root: looked for {tmp_path / 'test' / 'list.txt'} "
                                f"and {tmp_path / 'list.txt'}")]


def test_real_copies_have_no_problems() -> None:
    assert check_benchmark("uav123", realdata_path("uav123", "toolkit-anno")) == []
    assert check_benchmark("otb", realdata_path("otb", "toolkit-anno", "OTB100")) == []
    assert check_benchmark("vot2018", realdata_path("vot", "VOT2018.json")) == []
    assert check_benchmark("vot2018", realdata_path("vot", "sequences")) == []
