"""Where training pairs come from: the sources (benchmark loaders, pysot's crop511 layout, synthetic
scenes) and pysot's pair sampling (shares, frame range, negative pairs, never an absent frame)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.lasot_table import lasot_names
from benchmarks.sequence import FrameList, Sequence
from benchmarks.synthetic import SCENARIOS, draw_scene, load_synthetic, scene_ground_truth
from trackers.training.errors import TrainingError
from trackers.training.pairs import PairSampler
from trackers.training.sources import DataSpec, SequenceSource, SyntheticSource, open_source


def write_frames(folder: Path, count: int, boxes: np.ndarray) -> FrameList:
    folder.mkdir(parents=True)
    for i in range(count):
        frame = np.full((120, 160, 3), 60, np.uint8)
        if np.isfinite(boxes[i]).all():
            x, y, w, h = boxes[i].astype(int)
            frame[y:y + h, x:x + w] = (i * 9) % 256
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), frame)
    return FrameList(folder, "{:04d}.jpg", 0, count)


@pytest.fixture(scope="module")
def sequences(tmp_path_factory) -> list[Sequence]:
    root = tmp_path_factory.mktemp("seqs")
    made = []
    for k in range(3):
        boxes = np.array([[20 + i, 30, 30, 20] for i in range(12)], float)
        absent = np.zeros(12, bool)
        absent[[2, 3, 7]] = True
        boxes[9] = np.nan
        made.append(Sequence(f"seq{k}", "test", boxes, write_frames(root / f"seq{k}", 12, boxes), absent))
    return made


def test_pairs_never_use_an_absent_frame(sequences):
    source = SequenceSource("seqs", sequences, frame_range=2, share=-1)
    assert list(source.tracks(0)[0].frames) == [0, 1, 4, 5, 6, 8, 10, 11]
    sampler = PairSampler([source], seed=5, neg=0.3)
    for i in range(300):
        pair = sampler.pair(i, sampler.rng(i))
        for ref in (pair.template, pair.search):
            assert ref.frame not in (2, 3, 7, 9)
        if not pair.negative:
            frames = list(source.tracks(0)[0].frames)
            assert abs(frames.index(pair.search.frame) - frames.index(pair.template.frame)) <= 2


def test_a_pair_is_the_same_whoever_draws_it(sequences):
    a = PairSampler([SequenceSource("s", sequences, 100, -1)], seed=1, neg=0.2)
    b = PairSampler([SequenceSource("s", sequences, 100, -1)], seed=1, neg=0.2)
    order = [7, 3, 200, 3]
    assert [a.pair(i, a.rng(i)) for i in order] == [b.pair(i, b.rng(i)) for i in reversed(order)][::-1]


def test_shares_per_round_and_negative_rate(sequences):
    one = SequenceSource("a", sequences[:1], 100, share=4)
    three = SequenceSource("b", sequences, 100, share=-1)
    sampler = PairSampler([one, three], seed=0, neg=0.25)
    round_picks = [sampler.pick(i) for i in range(7)]
    assert sorted(round_picks) == [(0, 0)] * 4 + [(1, 0), (1, 1), (1, 2)]
    negatives = [sampler.pair(i, sampler.rng(i)).negative for i in range(2000)]
    assert np.mean(negatives) == pytest.approx(0.25, abs=0.03)


def test_crop511_layout(tmp_path):
    """pysot's layout: <video>/<frame:06d>.<track:02d>.x.jpg and train.json; empty boxes are dropped."""
    crops = tmp_path / "coco" / "crop511"
    meta = {}
    for v in range(2):
        video = f"train2017/{v:012d}"
        (crops / video).mkdir(parents=True)
        meta[video] = {"00": {}, "01": {"000000": [5, 5, 5, 40]}}  # track 01: zero width, dropped
        for f in range(3):
            cv2.imwrite(str(crops / video / f"{f:06d}.00.x.jpg"), np.full((511, 511, 3), 80 + f, np.uint8))
            meta[video]["00"][f"{f:06d}"] = [10, 10, 10 + 40 * (v + 1), 70]
    (tmp_path / "coco" / "train.json").write_text(json.dumps(meta))
    source = open_source(DataSpec("crop511", str(tmp_path / "coco"), frame_range=1))
    assert len(source) == 2 and len(source.tracks(0)) == 1 and list(source.tracks(1)[0].frames) == [0, 1, 2]
    view, box = source.crop(1, 0, 2)
    image = view.materialise()
    assert image.shape == (511, 511, 3) and image[0, 0, 0] == 82
    np.testing.assert_allclose((box[2] - box[0]) / (box[3] - box[1]), 80 / 60)
    assert ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) == (255, 255)
    with pytest.raises(TrainingError, match="train.json"):
        open_source(DataSpec("crop511", str(tmp_path / "nowhere")))


def test_benchmark_sources():
    """GOT-10k's loader gives the training videos (here the synthetic benchmark, in GOT-10k layout)."""
    from benchmarks.synthetic import synthetic_root

    root = synthetic_root(0)
    source = SequenceSource("got", load_synthetic(0), 100, -1)
    view, box = source.crop(0, 0, int(source.tracks(0)[0].frames[5]))
    assert view.materialise().shape == (511, 511, 3)
    assert ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) == (255, 255)
    assert len(set(lasot_names("full")) - set(lasot_names("test"))) == 1120
    with pytest.raises(TrainingError, match="got10k"):
        open_source(DataSpec("got10k", str(root)))  # no train split there


def test_synthetic_scenes_are_the_benchmarks_recipe():
    """Scene i of seed s is the benchmark's sequence i of seed s; the evaluation seed is refused."""
    sequences = load_synthetic(0)
    for i in (0, 9):
        truth, absent = scene_ground_truth(SCENARIOS[i], np.random.default_rng([0, i]))
        np.testing.assert_array_equal(truth, sequences[i].ground_truth)
        np.testing.assert_array_equal(absent, sequences[i].absent)
        scene = draw_scene(SCENARIOS[i], np.random.default_rng([0, i]))
        decoded = cv2.imread(str(sequences[i].frames[3]))
        assert np.abs(scene.frame(3).astype(int) - decoded).mean() < 3  # JPEG quality 90
    with pytest.raises(TrainingError, match="seed 0"):
        SyntheticSource("synthetic:0", 0, 10, 0, 100, -1)
    source = SyntheticSource("synthetic:1", 1, 24, 0, 100, -1)
    assert all(len(source.tracks(v)[0].frames) for v in range(len(source)))


def test_training_splits_of_got10k_lasot_and_trackingnet(tmp_path):
    """GOT-10k's train split, LaSOT's training sequences present (never a test-set one), and
    TrackingNet's TRAIN_<k> chunks, each read by the benchmark's own loader."""
    boxes = np.array([[30, 40, 20, 25]] * 4, float)
    got = tmp_path / "got" / "train"
    for name in ("GOT-10k_Train_000001", "GOT-10k_Train_000002"):
        write_frames(got / name / "frames", 4, boxes)
        for i in range(4):
            (got / name / "frames" / f"{i:04d}.jpg").rename(got / name / f"{i + 1:08d}.jpg")
        (got / name / "groundtruth.txt").write_text("30,40,20,25\n" * 4)
        (got / name / "absence.label").write_text("0\n1\n0\n0\n")
    (got / "list.txt").write_text("GOT-10k_Train_000001\nGOT-10k_Train_000002\n")
    source = open_source(DataSpec("got10k", str(tmp_path / "got")))
    assert len(source) == 2 and list(source.tracks(0)[0].frames) == [0, 2, 3]

    for name in ("airplane-1", "airplane-2", "airplane-3"):  # airplane-1 is in the test set
        folder = tmp_path / "lasot" / "airplane" / name
        write_frames(folder / "frames", 4, boxes)
        (folder / "frames").rename(folder / "img")
        for i in range(4):
            (folder / "img" / f"{i:04d}.jpg").rename(folder / "img" / f"{i + 1:08d}.jpg")
        (folder / "groundtruth.txt").write_text("30,40,20,25\n" * 4)
        for flags in ("full_occlusion.txt", "out_of_view.txt"):
            (folder / flags).write_text("0,0,0,0\n")
        (folder / "nlp.txt").write_text("a plane\n")
    source = open_source(DataSpec("lasot", str(tmp_path / "lasot")))
    assert len(source) == 2 and source.name == f"lasot:{tmp_path / 'lasot'}"

    chunk = tmp_path / "trackingnet" / "TRAIN_0"
    (chunk / "anno").mkdir(parents=True)
    for name in ("a_1", "b_2"):
        write_frames(chunk / "frames" / name / "tmp", 4, boxes)
        for i in range(4):
            (chunk / "frames" / name / "tmp" / f"{i:04d}.jpg").rename(chunk / "frames" / name / f"{i}.jpg")
        (chunk / "anno" / f"{name}.txt").write_text("30,40,20,25\n" * 4)
    source = open_source(DataSpec("trackingnet", str(tmp_path / "trackingnet")))
    view, box = source.crop(1, 0, 3)
    assert len(source) == 2 and view.materialise().shape == (511, 511, 3)
    with pytest.raises(TrainingError, match="training sequences"):
        open_source(DataSpec("lasot", str(tmp_path)))
