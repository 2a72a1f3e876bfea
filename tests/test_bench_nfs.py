"""NfS: 240 fps annotations in both versions, every 8th for 30 fps, the one-frame-short quirk, VATIC lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.nfs import load_nfs, read_nfs_annotation
from benchmarks.registry import load_benchmark


def vatic_lines(n: int, occluded: tuple[int, ...] = (), lost: tuple[int, ...] = ()) -> str:
    """NfS annotation lines for 240 fps frames 1..n: the box moves 1 px a frame."""
    return "".join(
        f'1 {10 + i} {20 + i} {50 + i} {80 + i} {i + 1} {int(i in lost)} {int(i in occluded)} 0 "ball"\n'
        for i in range(n)
    )


def write_sequence(root: Path, name: str, n240: int, frames30: int, **flags: tuple[int, ...]) -> None:
    for fps, count in ((240, n240), (30, frames30)):
        folder = root / name / str(fps)
        (folder / name).mkdir(parents=True)
        (folder / f"{name}.txt").write_text(vatic_lines(n240, **flags))
        for k in range(1, count + 1):
            (folder / name / f"{k:05d}.jpg").write_bytes(b"")


@pytest.fixture
def nfs(tmp_path: Path) -> Path:
    root = tmp_path / "NfS"
    write_sequence(root, "Gymnastics", 41, 6, occluded=(8, 16), lost=(16,))
    write_sequence(root, "bee", 40, 4)  # 40 annotations imply 5 frames at 30 fps; the folder has 4
    (root / "readme_folder").mkdir()  # not a sequence: no annotation file
    return root


def test_30fps_uses_every_8th_annotation(nfs: Path) -> None:
    gym, bee = load_nfs(nfs, 30)
    assert (gym.name, len(gym), gym.benchmark) == ("Gymnastics", 6, "nfs30")
    # Lines 1, 9, 17, ... of the 240 fps file; xmax/ymax become width/height.
    np.testing.assert_array_equal(gym.ground_truth[:3], [[10, 20, 40, 60], [18, 28, 40, 60], [26, 36, 40, 60]])
    assert gym.frame_tags["occlusion"].tolist() == [False, True, True, False, False, False]
    assert gym.absent.tolist() == [False, False, True, False, False, False]
    assert gym.attributes == ("OCC", "OV")
    assert gym.frames[0] == nfs / "Gymnastics" / "30" / "Gymnastics" / "00001.jpg"
    assert (len(bee), bee.frames[-1].name, bee.attributes) == (4, "00004.jpg", ())


def test_240fps(nfs: Path) -> None:
    (gym,) = load_nfs(nfs, 240, names=["Gymnastics"])
    assert len(gym) == 41 and gym.frames[-1].name == "00041.jpg" and gym.benchmark == "nfs240"
    assert gym.frame_tags["occlusion"].nonzero()[0].tolist() == [8, 16]
    assert [s.name for s in load_benchmark("nfs", nfs)] == ["Gymnastics", "bee"]


def test_errors(nfs: Path, tmp_path: Path) -> None:
    path = nfs / "bee" / "30" / "bee.txt"
    path.write_text(vatic_lines(3) + '1 10 20 30 "ball"\n')
    with pytest.raises(AnnotationError, match=rf"{path}:4: expected 'track_id xmin .*got '1 10 20 30"):
        load_nfs(nfs, 30)
    with pytest.raises(BenchmarkError, match="no NfS sequence named Bee"):
        load_nfs(nfs, 240, names=["Bee"])
    with pytest.raises(MissingDataError, match="is not an NfS root"):
        load_nfs(tmp_path / "NfS" / "bee", 30)
    with pytest.raises(BenchmarkError, match="30 or 240 fps, not 60"):
        load_nfs(nfs, 60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('0123456789 \t\n\r."-x') + ['"ball"', "1 2 3 4 5 6 0 1 0"]), max_size=60))
def test_fuzz_only_annotation_errors(tmp_path: Path, tokens: list[str]) -> None:
    path = tmp_path / "seq.txt"
    path.write_text("".join(tokens), newline="")
    try:
        rows = read_nfs_annotation(path)
    except AnnotationError as error:
        assert error.path == path and str(error).startswith(str(path))
        assert error.line is None or error.line >= 1
    else:
        assert rows.dtype == np.float64 and rows.shape[1] == 9
