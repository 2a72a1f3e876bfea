"""Server archives read back by `harness import` where they lie: GOT-10k's and TrackingNet's zips as
`harness export --submission` writes them (and as the servers take them: at the top or in one folder,
or unzipped), each round trip giving the archive's numbers back; archives that are unsafe refused naming
the member."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from benchmarks.registry import load_benchmark
from harness.cli import main
from harness.store import read_tracker
from tests.test_export import got10k, store, write_got10k  # noqa: F401  (the fixture: a GOT-10k layout with val and test)

VAL = ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]


def _rezip(archive: Path, target: Path, folder: str) -> Path:
    """The archive's members under one folder, as a user zipping the tracker's folder makes it."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            out.writestr(f"{folder}/{info.filename}", source.read(info))
    return target


def _json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_got10k_submission_imported_from_its_zip_gives_its_boxes_and_figures(got10k, tmp_path, capsys):  # noqa: F811
    """Three repetitions at the archive's 3 decimals: read back bit for bit from the zip, from the zip of its
    folder and from the unzipped folder, and scored as the stored tracker is (AO pooling all three)."""
    results = tmp_path / "results"
    rng = np.random.default_rng(5)
    for seq in load_benchmark("got10k", got10k):
        for rep in (1, 2, 3):
            store(results, "got10k", seq.name, np.round(seq.ground_truth + rng.normal(0, 3, (len(seq), 4)), 3), rep)
    args = ["--bench", "got10k", "--root", str(got10k), "--results", str(results)]
    archive = tmp_path / "trk.zip"
    assert main(["export", "--submission", *args, "--tracker", "trk", "--output", str(archive)]) == 0
    wrapped = _rezip(archive, tmp_path / "wrapped.zip", "trk")
    zipfile.ZipFile(archive).extractall(tmp_path / "unzipped" / "trk")
    for tracker, source in (("zip", archive), ("wrapped", wrapped), ("folder", tmp_path / "unzipped")):
        report = _json(capsys, ["import", *args, "--format", "got10k", "--tracker", tracker, str(source)])
        assert report["repetitions"] == {name: 3 for name in VAL} and report["unplaced"] == []
    stored = {t: read_tracker(results, "got10k", "ope", t, VAL) for t in ("trk", "zip", "wrapped", "folder")}
    for tracker in ("zip", "wrapped", "folder"):
        for name in VAL:
            for ours, back in zip(stored["trk"][name], stored[tracker][name], strict=True):
                np.testing.assert_array_equal(back.boxes, ours.boxes)
                # the archive's times are seconds with 8 decimals: 5 ms is 0.00500000 exactly as written
                np.testing.assert_allclose(back.latency_ms, ours.latency_ms, rtol=1e-12)
    assert stored["zip"]["GOT-10k_Val_000001"][0].source == f"{archive.resolve()}:" \
                                                            "GOT-10k_Val_000001/GOT-10k_Val_000001_001.txt"
    scores = _json(capsys, ["eval", *args, "--profile", "got10k"])["trackers"]
    for tracker in ("zip", "wrapped", "folder"):
        for field in ("ao", "sr50", "sr75", "success_auc", "precision", "success_curve"):
            assert scores[tracker][field] == scores["trk"][field]


def test_trackingnet_submission_imported_from_its_zip(tmp_path, capsys):
    """TrackingNet's `<seq>.txt` files at 2 decimals, at the zip's top or in one folder, read as pysot's layout;
    --sequences picks one of them."""
    chunk = tmp_path / "TrackingNet" / "TEST"
    results, boxes = tmp_path / "results", {}
    for name, n in (("-3TIfnTSM6c_2", 5), ("a1qoB1eERn0_0", 3)):
        (chunk / "frames" / name).mkdir(parents=True)
        for k in range(n):
            (chunk / "frames" / name / f"{k}.jpg").write_bytes(b"")
        (chunk / "anno").mkdir(exist_ok=True)
        (chunk / "anno" / f"{name}.txt").write_text("1,2,3,4\n")
        boxes[name] = np.random.default_rng(n).uniform(0, 300, (n, 4))
        store(results, "trackingnet", name, boxes[name])
    args = ["--bench", "trackingnet", "--root", str(chunk.parent), "--results", str(results)]
    archive = tmp_path / "tn.zip"
    assert main(["export", "--submission", *args, "--tracker", "trk", "--output", str(archive)]) == 0
    wrapped = _rezip(archive, tmp_path / "wrapped.zip", "SiamFC")
    for tracker, source in (("zip", archive), ("wrapped", wrapped)):
        report = _json(capsys, ["import", *args, "--tracker", tracker, str(source)])
        assert sorted(report["imported"]) == sorted(boxes) and report["unplaced"] == []
        back = read_tracker(results, "trackingnet", "ope", tracker, list(boxes))
        for name, ours in boxes.items():
            as_written = np.vectorize(lambda v: float(f"{v:.2f}"))(ours)  # the archive's "%.2f"
            np.testing.assert_array_equal(back[name][0].boxes, as_written)
    report = _json(capsys, ["import", *args, "--tracker", "one", "--sequences", "a1qoB1eERn0_0", str(archive)])
    assert report["imported"] == ["a1qoB1eERn0_0"] and report["unplaced"] == []


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (0o120777 << 16)  # a symbolic link, as zip -y stores one
            archive.writestr(info, "../../etc/passwd")
    return path


GOOD = "1,2,3,4\n" * 8


@pytest.mark.parametrize("members, link, expected", [
    ({"GOT-10k_Val_000001.txt": GOOD, "../GOT-10k_Val_000002.txt": GOOD}, None,
     "bad.zip:../GOT-10k_Val_000002.txt: a member name leading out of the archive; not read"),
    ({"/abs/GOT-10k_Val_000002.txt": GOOD}, None, "bad.zip:/abs/GOT-10k_Val_000002.txt: a member name leading out"),
    ({"GOT-10k_Val_000001.txt": GOOD}, "GOT-10k_Val_000002.txt",
     "bad.zip:GOT-10k_Val_000002.txt: a symbolic link; result archives hold plain files"),
    ({"GOT-10k_Val_000001.txt": GOOD, "GOT-10k_Val_000002.txt": b"\0" * (64 * 2**20 + 1)}, None,
     "bad.zip:GOT-10k_Val_000002.txt: 67108865 bytes unpacked, over the 64 MiB limit on one result file"),
    ({"GOT-10k_Val_000001.txt": GOOD, "GOT-10k_Val_000002.txt": "1,2,3,4\n1,2,3\n"}, None,
     "bad.zip:GOT-10k_Val_000002.txt:2: expected 4 numbers x,y,w,h"),
])
def test_unsafe_or_malformed_archives_are_refused_naming_the_member(members, link, expected, got10k, tmp_path,  # noqa: F811
                                                                    capsys):
    archive = _zip(tmp_path / "bad.zip", members, link)
    results = tmp_path / "results"
    assert main(["import", "--bench", "got10k", "--root", str(got10k), "--results", str(results), "--tracker", "T",
                 str(archive)]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not list(results.glob("**/*.parquet"))  # nothing half-imported


def test_an_archive_of_another_layout_is_refused(got10k, tmp_path, capsys):  # noqa: F811
    archive = _zip(tmp_path / "runs.zip", {"dimp50_000/GOT-10k_Val_000001.txt": GOOD})
    assert main(["import", "--format", "pytracking", "--bench", "got10k", "--root", str(got10k), "--results",
                 str(tmp_path / "results"), "--tracker", "T", str(archive)]) == 1
    assert "runs.zip: a .zip archive is read for --format pysot and got10k" in capsys.readouterr().err
