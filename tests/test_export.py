"""Server submission archives (GOT-10k, TrackingNet), read back; server-scored splits refuse local metrics."""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.registry import load_benchmark
from harness.cli import main
from harness.errors import HarnessError
from harness.formats.submission import export_submission
from harness.store import Provenance, ShardFrames, ShardKey, write_shard
from tests.conftest import realdata_path

PROV = Provenance("0.1.0", "abc", "def", "cpu", "host", "2026-01-01T00:00:00", "2026-01-01T00:00:01")


def write_got10k(split: Path, name: str, n: int, first_only: bool) -> np.ndarray:
    folder = split / name
    folder.mkdir(parents=True)
    gt = np.column_stack([np.arange(n) * 3.0, np.arange(n) * 2.0, np.full(n, 20.0), np.full(n, 30.0)])
    rows = gt[:1] if first_only else gt
    (folder / "groundtruth.txt").write_text("".join(",".join(f"{v:.4f}" for v in r) + "\n" for r in rows))
    if not first_only:
        (folder / "meta_info.ini").write_text("[METAINFO]\nobject_class: ball\nresolution: (320, 240)\n")
        for label, value in (("absence", 0), ("cover", 8), ("cut_by_image", 0)):
            (folder / f"{label}.label").write_text(f"{value}\n" * n)
    for k in range(1, n + 1):
        (folder / f"{k:08d}.jpg").write_bytes(b"")
    with (split / "list.txt").open("a") as listing:
        listing.write(name + "\n")
    return gt


def store(results: Path, bench: str, name: str, boxes: np.ndarray, repetition: int = 1, provenance=PROV) -> None:
    n = len(boxes)
    frames = ShardFrames(boxes, np.full(n, np.nan), np.array(["initialized"] + ["tracked"] * (n - 1)),
                         np.full(n, 4.0 + repetition))
    write_shard(results, ShardKey("trk", bench, name, repetition), frames, provenance)


@pytest.fixture
def got10k(tmp_path: Path) -> Path:
    root = tmp_path / "GOT-10k"
    write_got10k(root / "val", "GOT-10k_Val_000001", 8, first_only=False)
    write_got10k(root / "val", "GOT-10k_Val_000002", 5, first_only=False)
    write_got10k(root / "test", "GOT-10k_Test_000001", 6, first_only=True)
    write_got10k(root / "test", "GOT-10k_Test_000002", 4, first_only=True)
    return root


def test_got10k_archive_scored_by_the_got10k_toolkit(got10k: Path, tmp_path: Path) -> None:
    """Export val results and let the official toolkit read the archive back: all three repetitions."""
    experiments = pytest.importorskip("got10k.experiments")
    results = tmp_path / "results"
    perfect = {s.name: s.ground_truth for s in load_benchmark("got10k", got10k)}
    for rep in (1, 2, 3):
        store(results, "got10k", "GOT-10k_Val_000001", perfect["GOT-10k_Val_000001"], rep)
    store(results, "got10k", "GOT-10k_Val_000002", perfect["GOT-10k_Val_000002"] + [5, 0, 0, 0])
    archive = export_submission(results, "got10k", "trk", load_benchmark("got10k", got10k), tmp_path / "trk.zip")
    zipfile.ZipFile(archive).extractall(tmp_path / "toolkit" / "GOT-10k" / "trk")
    experiment = experiments.ExperimentGOT10k(str(got10k), "val", str(tmp_path / "toolkit"), str(tmp_path / "reports"))
    performance = experiment.report(["trk"])["trk"]["seq_wise"]
    assert performance["GOT-10k_Val_000001"]["ao"] == pytest.approx(1.0)
    assert performance["GOT-10k_Val_000002"]["ao"] == pytest.approx(15 * 30 / (25 * 30))  # shifted 5 px
    # The toolkit averages per-frame fps over the time file's three columns (5, 6 and 7 ms).
    assert performance["GOT-10k_Val_000001"]["speed_fps"] == pytest.approx(np.mean([1e3 / 5, 1e3 / 6, 1e3 / 7]))


def test_got10k_test_split_via_cli(got10k: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results, output = tmp_path / "results", tmp_path / "out" / "submission.zip"
    rng = np.random.default_rng(0)
    boxes = {"GOT-10k_Test_000001": rng.uniform(0, 300, (6, 4)), "GOT-10k_Test_000002": rng.uniform(0, 300, (4, 4))}
    for name, b in boxes.items():
        store(results, "got10k_test", name, b)
    argv = ["export", "--submission", "--bench", "got10k_test", "--tracker", "trk", "--root", str(got10k),
            "--results", str(results), "--output", str(output)]
    assert main(argv) == 0 and "2 got10k_test sequences of trk" in capsys.readouterr().out
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == [
            "GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt",
            "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt", "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"]
        for name, b in boxes.items():
            back = np.loadtxt(archive.open(f"{name}/{name}_001.txt"), delimiter=",")
            np.testing.assert_allclose(back, b, atol=5e-4)
            times = np.loadtxt(archive.open(f"{name}/{name}_time.txt"), delimiter=",")
            np.testing.assert_allclose(times, np.full(len(b), 0.005))
    assert not list(output.parent.glob(".*tmp*"))  # written under a temporary name, then renamed


def test_eval_of_a_server_scored_split_points_at_export(got10k: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results"
    for seq in load_benchmark("got10k_test", got10k):
        store(results, "got10k_test", seq.name, np.tile(seq.init_box, (len(seq), 1)))
    assert main(["eval", "--bench", "got10k_test", "--root", str(got10k), "--results", str(results)]) == 1
    err = capsys.readouterr().err
    assert "got10k_test is scored by the benchmark's server" in err
    assert "harness export --submission --bench got10k_test" in err


def test_trackingnet_archive(tmp_path: Path) -> None:
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
    sequences = load_benchmark("trackingnet", chunk.parent)
    with zipfile.ZipFile(export_submission(results, "trackingnet", "trk", sequences, tmp_path / "tn.zip")) as archive:
        assert sorted(archive.namelist()) == ["-3TIfnTSM6c_2.txt", "a1qoB1eERn0_0.txt"]
        for name, b in boxes.items():  # as the TrackingNet devkit reads a result file
            np.testing.assert_allclose(np.loadtxt(archive.open(f"{name}.txt"), delimiter=","), b, atol=5e-3)


def test_refusals(got10k: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    sequences = load_benchmark("got10k_test", got10k)
    store(results, "got10k_test", "GOT-10k_Test_000001", np.zeros((6, 4)))
    imported = replace(PROV, source="import:pysot:/raw/GOT-10k_Test_000002.txt")
    store(results, "got10k_test", "GOT-10k_Test_000002", np.zeros((3, 4)), provenance=imported)  # one frame short
    with pytest.raises(HarnessError, match=r"no complete result .* 1 of 2 got10k_test sequences \(GOT-10k_Test_000002\)"):
        export_submission(results, "got10k_test", "trk", sequences, tmp_path / "x.zip")
    store(results, "got10k_test", "GOT-10k_Test_000002", np.zeros((3, 4)))  # a run's shard cannot be short
    with pytest.raises(HarnessError, match=r"GOT-10k_Test_000002/rep001.parquet: not the shard .* 3 rows, but the "
                                           r"sequence has 4 frames"):
        export_submission(results, "got10k_test", "trk", sequences, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()
    with pytest.raises(HarnessError, match="no server submission format for benchmark 'otb'"):
        export_submission(results, "otb", "trk", sequences, tmp_path / "x.zip")


@pytest.mark.slow
def test_run_on_a_server_scored_split_then_export(tmp_path: Path, ray_address: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Runs work on GOT-10k test (first frame only); metrics defer to the server; the archive is complete."""
    bag = realdata_path("vot", "sequences", "bag", "color")
    test = tmp_path / "GOT-10k" / "test"
    (test / "GOT-10k_Test_000001").mkdir(parents=True)
    for k in range(1, 11):
        shutil.copy(bag / f"{k:08d}.jpg", test / "GOT-10k_Test_000001" / f"{k:08d}.jpg")
    (test / "GOT-10k_Test_000001" / "groundtruth.txt").write_text("190,110,120,140\n")
    (test / "list.txt").write_text("GOT-10k_Test_000001\n")
    common = ["--bench", "got10k_test", "--root", str(test.parent), "--results", str(tmp_path / "results")]
    assert main(["run", "--trackers", "opencv-mil", "--address", ray_address,
                 "--reports", str(tmp_path / "reports"), *common]) == 0
    assert "scored by the benchmark's server" in capsys.readouterr().err
    export = ["export", "--submission", "--tracker", "opencv-mil", "--output", str(tmp_path / "s.zip")]
    assert main([*export, *common]) == 0
    with zipfile.ZipFile(tmp_path / "s.zip") as archive:
        boxes = np.loadtxt(archive.open("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt"), delimiter=",")
    assert boxes.shape == (10, 4) and boxes[0].tolist() == [190, 110, 120, 140]
