"""OTB loaders: the dataset layout and its quirks, the toolkit anno folder, the real data, the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.names import match_names, normalize_name
from benchmarks.otb import load_otb
from benchmarks.otb_table import ATTRIBUTES, OTB100, otb_entries
from benchmarks.registry import load_benchmark, resolve_root, unavailable_reason
from benchmarks.textio import read_table
from tests.conftest import realdata_path

TABLE = {e.name: e for e in OTB100}


def boxes(n: int, offset: float = 0.0) -> np.ndarray:
    return np.column_stack([np.arange(n) + offset, np.arange(n) + 1, np.full(n, 20), np.full(n, 30)])


def write_gt(path: Path, rows: np.ndarray, separator: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(separator.join(f"{v:g}" for v in r) + "\r\n" for r in rows))


def write_images(folder: Path, numbers: list[int], digits: int = 4, ext: str = "jpg") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        (folder / f"{number:0{digits}d}.{ext}").write_bytes(b"")


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Six folders in the official layout, each with one of the quirks."""
    root = tmp_path / "OTB100"
    write_gt(root / "Jogging" / "groundtruth_rect.1.txt", boxes(307), "\t")
    write_gt(root / "Jogging" / "groundtruth_rect.2.txt", boxes(307, 1000), "\t")
    write_images(root / "Jogging" / "img", [1, 307])
    (root / "Human4").mkdir()
    (root / "Human4" / "groundtruth_rect.1.txt").write_text("")  # shipped empty
    write_gt(root / "Human4" / "groundtruth_rect.2.txt", boxes(667), ",")
    write_gt(root / "David" / "groundtruth_rect.txt", boxes(471), ",")
    write_images(root / "David" / "img", [1, 300, 770])
    write_gt(root / "Board" / "groundtruth_rect.txt", boxes(698), " ")
    write_images(root / "Board" / "img", [1, 698], digits=5)
    write_gt(root / "Tiger1" / "groundtruth_rect.txt", boxes(354), ",")
    write_gt(root / "skating2" / "groundtruth_rect.1.txt", boxes(473), " ")  # lower-case folder
    write_gt(root / "skating2" / "groundtruth_rect.2.txt", boxes(473), "\t")
    return root


QUIRKY = ["Jogging-1", "Jogging-2", "Human4-2", "David", "Board", "Tiger1", "Skating2-1", "Skating2-2"]


def test_dataset_layout_quirks(dataset: Path) -> None:
    seqs = {s.name: s for s in load_otb(dataset, "otb100", names=QUIRKY)}
    assert sorted(seqs) == sorted(QUIRKY)
    jog1, jog2 = seqs["Jogging-1"], seqs["Jogging-2"]
    assert len(jog1) == len(jog2) == 307 and jog2.ground_truth[0, 0] == 1000 and jog1.ground_truth[0, 0] == 0
    assert jog1.frames[0] == dataset / "Jogging" / "img" / "0001.jpg" and jog1.frames[-1].name == "0307.jpg"
    assert len(seqs["Human4-2"]) == 667 and seqs["Human4-2"].frames.directory == dataset / "Human4" / "img"
    david = seqs["David"]
    assert len(david) == 471 and david.frames[0].name == "0300.jpg" and david.frames[-1].name == "0770.jpg"
    assert seqs["Board"].frames[0].name == "00001.jpg" and seqs["Board"].frames[-1].name == "00698.jpg"
    tiger = seqs["Tiger1"]
    assert len(tiger) == 349 and tiger.frames[0].name == "0006.jpg" and tiger.ground_truth[0, 0] == 5
    assert seqs["Skating2-1"].frames.directory == dataset / "skating2" / "img"
    assert all(s.benchmark == "otb100" and s.runnable for s in seqs.values())
    assert seqs["David"].attributes == TABLE["David"].attributes
    np.testing.assert_array_equal(seqs["Board"].ground_truth, boxes(698))


def test_football1_frame_count_quirk(tmp_path: Path) -> None:
    write_gt(tmp_path / "Football1" / "groundtruth_rect.txt", boxes(74), ",")
    write_images(tmp_path / "Football1" / "img", list(range(1, 82)))
    (seq,) = load_otb(tmp_path, names=["football1"])
    assert len(seq) == 74 and seq.frames[-1].name == "0074.jpg"


def test_missing_frame_file_not_checked_at_indexing(dataset: Path) -> None:
    (seq,) = load_otb(dataset, names=["Human4-2"])  # no img folder at all
    assert not seq.frames[0].exists()


def test_malformed_ground_truth_line(dataset: Path) -> None:
    path = dataset / "David" / "groundtruth_rect.txt"
    lines = path.read_text().splitlines()
    lines[9] = "1,2,3"
    path.write_text("\n".join(lines))
    with pytest.raises(AnnotationError, match=rf"{path}:10: expected 4 numbers x,y,w,h .*got 3"):
        load_otb(dataset, names=["David"])


def test_wrong_line_count_names_the_range(dataset: Path) -> None:
    write_gt(dataset / "David" / "groundtruth_rect.txt", boxes(770), ",")
    with pytest.raises(AnnotationError, match=r"770 lines, but OTB evaluates images 300-770 .*471 lines"):
        load_otb(dataset, names=["David"])


def test_missing_sequences_and_roots(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match=r"of 100 sequences are missing: Basketball"):
        load_otb(dataset)
    with pytest.raises(MissingDataError, match="does not exist"):
        load_otb(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingDataError, match=r"not an OTB root: .*groundtruth_rect.txt.*anno folder"):
        load_otb(tmp_path / "empty")
    with pytest.raises(BenchmarkError, match="not OTB sequences of this version: Nemo"):
        load_otb(dataset, names=["Nemo"])
    with pytest.raises(BenchmarkError, match="not OTB sequences of this version: Human2"):
        load_otb(dataset, "otb2013", names=["Human2"])


def test_toolkit_anno_folder(tmp_path: Path) -> None:
    anno = tmp_path / "toolkit" / "anno"
    write_gt(anno / "david.txt", boxes(471), ",")
    write_gt(anno / "jogging-1.txt", boxes(307), "\t")
    write_gt(anno / "Human4.2.txt", boxes(667), "\t")
    (anno / "att").mkdir()
    (anno / "att" / "david.txt").write_text("1,0,0,0,0,0,0,0,0,0,1")  # IV and LR, file order
    (anno / "att" / "jogging-1.txt").write_text("1,1,1,1,1,1,1,0,0,0,0,0\n")  # a UAV123 file: ignored
    seqs = {s.name: s for s in load_otb(tmp_path / "toolkit", names=["David", "jogging_1", "Human4-2"])}
    assert [len(seqs[n]) for n in ("David", "Jogging-1", "Human4-2")] == [471, 307, 667]
    assert all(s.frames is None and not s.runnable for s in seqs.values())
    assert seqs["David"].attributes == ("IV", "LR")
    assert seqs["Jogging-1"].attributes == TABLE["Jogging-1"].attributes


def test_table_facts() -> None:
    assert len(otb_entries("otb100")) == 100 and len(otb_entries("otb2015")) == 100
    assert len(otb_entries("otb2013")) == 51 and len(otb_entries("tb50")) == 50
    facts = {"David": (300, 471), "Tiger1": (6, 349), "Football1": (1, 74), "Freeman3": (1, 460),
             "Freeman4": (1, 283), "Diving": (1, 215), "BlurCar1": (247, 742), "BlurCar3": (3, 357),
             "BlurCar4": (18, 380)}
    assert {n: (TABLE[n].first_frame, TABLE[n].length) for n in facts} == facts
    assert TABLE["Board"].pattern.format(1) == "00001.jpg" and TABLE["KiteSurf"].ext == "png"
    assert {a for e in OTB100 for a in e.attributes} == set(ATTRIBUTES)
    with pytest.raises(BenchmarkError, match="unknown OTB version"):
        otb_entries("otb99")


def test_real_toolkit_anno_every_file_parses() -> None:
    folder = realdata_path("otb", "toolkit-anno", "OTB100")
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 100
    mapping, unplaced = match_names(files, TABLE)
    assert len(mapping) == 100 and not unplaced
    for name, path in mapping.items():
        assert read_table(path).shape == (TABLE[name].length, 4), name


def test_real_toolkit_anno_loads_every_version() -> None:
    folder = realdata_path("otb", "toolkit-anno", "OTB100")
    seqs = load_otb(folder)
    assert [s.name for s in seqs] == [e.name for e in OTB100]
    assert {s.name: s.attributes for s in seqs} == {e.name: e.attributes for e in OTB100}
    assert len(load_otb(folder, "otb2013")) == 51 and len(load_otb(folder, "otb50")) == 50
    assert len(load_benchmark("otb2015", folder)) == 100


def test_real_dataset_sequences_match_toolkit_anno() -> None:
    root = realdata_path("otb", "sequences")
    anno = realdata_path("otb", "toolkit-anno", "OTB100")
    seqs = load_otb(root, names=["Couple", "Crossing", "Football1"])
    truth = {s.name: s.ground_truth for s in load_otb(anno, names=["Couple", "Crossing", "Football1"])}
    for seq in seqs:
        np.testing.assert_array_equal(seq.ground_truth, truth[seq.name])
        assert all(path.is_file() for path in seq.frames)
    football = seqs[2]
    assert len(football) == 74 and len(list(football.frames.directory.glob("*.jpg"))) == 81


def test_real_result_file_names_match() -> None:
    results = realdata_path("otb", "results")
    for tracker in sorted(p for p in results.iterdir() if p.is_dir()):
        mapping, unplaced = match_names(sorted(tracker.glob("*.txt")), TABLE)
        assert len(mapping) == 100 and not unplaced, tracker.name


def test_normalize_name_variants() -> None:
    for a, b in [("Human4-2", "human4_2"), ("Human4-2", "Human4.2"), ("BlurCar4", "Blurcar4"),
                 ("jogging_1", "Jogging-1"), ("Skating2-1", "skating2.1")]:
        assert normalize_name(a) == normalize_name(b)
    files = ["x/Human4.2.txt", "x/readme.md", "x/jogging_1.txt"]
    mapping, unplaced = match_names(files, ["Human4-2", "Jogging-1"])
    assert mapping == {"Human4-2": "x/Human4.2.txt", "Jogging-1": "x/jogging_1.txt"}  # as given: names or paths
    assert unplaced == ["x/readme.md"]
    with pytest.raises(BenchmarkError, match="both .* name sequence 'Jogging-1'"):
        match_names(["a/jogging-1.txt", "a/Jogging_1.txt"], ["Jogging-1"])


def test_registry_roots(dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("HARNESS_OTB_ROOT", "HARNESS_OTB2013_ROOT", "HARNESS_OTB50_ROOT"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(MissingDataError, match="pass --root .* or set HARNESS_OTB_ROOT"):
        resolve_root("otb")
    assert "HARNESS_OTB_ROOT" in unavailable_reason("otb100")
    monkeypatch.setenv("HARNESS_OTB_ROOT", str(dataset))
    assert resolve_root("otb2013") == dataset and resolve_root("OTB") == dataset
    assert [s.name for s in load_benchmark("otb", None, names=["david"])] == ["David"]
    assert "missing" in unavailable_reason("otb")
    with pytest.raises(MissingDataError, match="does not exist"):
        resolve_root("otb", dataset / "nope")
    with pytest.raises(BenchmarkError, match="unknown benchmark .nosuchbench.; known benchmarks: synthetic, synthetic_full .synthetic-full., otb"):
        load_benchmark("nosuchbench", None)
