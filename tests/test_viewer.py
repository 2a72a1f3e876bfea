"""`harness show`: the viewer shows the stored boxes and the harness's overlaps, of every kind of run (one pass,
supervised with failures and resets, a multistart anchor run with masks), stays under 15 MB for 1,000 frames,
shows unreadable frames as missing, works in headless Chromium (slider, click on the overlap plot), and writes
videos OpenCV reads back."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.masks import Masks
from benchmarks.registry import load_benchmark
from benchmarks.vot import axis_aligned_boxes
from harness.experiments import experiment
from harness.experiments.multistart import anchor_runs, run_overlaps, run_view
from harness.experiments.regions import region_overlaps
from harness.experiments.supervised import toolkit_overlap
from harness.store import STATUSES, Provenance, ShardFrames, ShardKey, read_tracker, write_shard
from harness.viewer.data import TrackerView, gather
from harness.viewer.page import write_page
from harness.viewer.video import write_gif, write_video
from tests.chromium import chromium_binary, load
from tests.conftest import realdata_path
from tests.report_stores import harness, require_tool

PROVENANCE = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)
LOCAL = ("file:", "data:", "blob:", "about:")


def _page_data(page: Path) -> tuple[dict, list]:
    text = page.read_text(encoding="utf-8")
    data = re.search(r'<script id="viewer-data" type="application/json">(.*?)</script>', text, re.S).group(1)
    frames = re.search(r'<script id="viewer-frames" type="application/json">(.*?)</script>', text, re.S).group(1)
    figures = re.search(r'<script id="figures" type="application/json">(.*?)</script>', text, re.S).group(1)
    return {**json.loads(data), "figure": json.loads(figures)["overlap"]}, json.loads(frames)


def _nan(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


@pytest.fixture(scope="module")
def ope_results(tmp_path_factory) -> Path:
    """Two generated trackers' one-pass runs of two synthetic sequences."""
    results = tmp_path_factory.mktemp("ope") / "results"
    for seed, tracker in enumerate(("jitter", "drifter")):
        rng = np.random.default_rng(seed)
        for sequence in load_benchmark("synthetic", None, ["synthetic_001", "synthetic_003"]):
            n = len(sequence)
            boxes = sequence.ground_truth + rng.normal(0, 2 + 4 * seed, (n, 4))
            statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
            write_shard(results, ShardKey(tracker, "synthetic", sequence.name, 1, "ope"),
                        ShardFrames(boxes, rng.uniform(0, 1, n), statuses, np.full(n, 4.0)), PROVENANCE)
    return results


def test_one_pass_page_holds_the_stored_boxes_and_got10k_ious(ope_results, tmp_path) -> None:
    from got10k.utils.metrics import rect_iou

    view = gather(ope_results, "synthetic", "Synthetic-003", profile="got10k")
    page, _, _ = write_page(view, tmp_path / "v.html")
    data, images = _page_data(page)
    sequence = load_benchmark("synthetic", None, ["synthetic_003"])[0]
    assert [t["name"] for t in data["trackers"]] == ["drifter", "jitter"]
    assert len(images) == len(sequence) and all(images)
    for shown in data["trackers"]:
        stored = read_tracker(ope_results, "synthetic", "ope", shown["name"], [sequence.name])[sequence.name][0]
        assert np.array_equal(np.array(shown["boxes"]), stored.boxes)  # JSON keeps every float64 exactly
        expected = rect_iou(stored.boxes.copy(), sequence.ground_truth.copy())
        # the same formula, evaluated in another order: a few ulps apart
        assert _nan(shown["overlap"])[1:] == pytest.approx(expected[1:], abs=1e-12)
    assert data["truth"] == sequence.ground_truth.tolist()
    assert data["absent"] == sequence.absent.tolist()
    colours = {t["name"]: t["colour"] for t in data["trackers"]}
    assert colours["drifter"] != colours["jitter"]
    drifter_only = _page_data(write_page(gather(ope_results, "synthetic", "synthetic_003", trackers=["drifter"]),
                                         tmp_path / "d.html")[0])[0]
    assert drifter_only["trackers"][0]["colour"] == colours["drifter"]  # by name among the stored, not by rank


@pytest.fixture(scope="module")
def vot_results(tmp_path_factory) -> Path:
    """VOT2018's real `bag`: NanoTrack's published baseline run imported, and a generated tracker that fails twice
    (each failure followed by the toolkit's skipped frames and a re-initialisation), three repetitions."""
    results = tmp_path_factory.mktemp("vot") / "results"
    root = realdata_path("vot", "sequences")
    raw = realdata_path("vot", "results", "VOT2018", "NanoTrack", "baseline")
    code, out = harness("import", "--format", "vot", "--bench", "vot2018", "--root", str(root), "--tracker",
                        "NanoTrack", str(raw), "--results", str(results), "--sequences", "bag", "--json")
    assert code == 0, out
    bag = load_benchmark("vot2018", root, ["bag"])[0]
    n = len(bag)
    boxes = axis_aligned_boxes(bag.ground_truth) + 2.0
    statuses = np.array(["tracked"] * n, dtype=object)
    for start, failure in ((0, 40), (45, 120), (125, None)):
        statuses[start] = "initialized"
        if failure is not None:
            boxes[failure] += 300.0
            statuses[failure] = "failed"
            statuses[failure + 1:failure + 5] = "skipped"
            boxes[failure + 1:failure + 5] = np.nan
    for repetition in (1, 2, 3):
        write_shard(results, ShardKey("failer", "vot2018", "bag", repetition, "baseline"),
                    ShardFrames(boxes, np.full(n, np.nan), statuses.astype(str), np.full(n, 3.0)), PROVENANCE)
    return results


def test_supervised_page_marks_failures_and_resets_and_imported_runs_find_frames_through_root(vot_results, tmp_path
                                                                                              ) -> None:
    root = realdata_path("vot", "sequences")
    moved = Path(shutil.copytree(vot_results, tmp_path / "copied" / "results"))  # a cluster's folder, copied
    view = gather(moved, "vot2018", "bag", root=root, repetition=2)
    page, encoded, _ = write_page(view, tmp_path / "bag.html", max_frames=40)
    data, images = _page_data(page)
    assert all(images) and len(images) == 40 and data["shown"][0] == 0 and data["shown"][-1] == len(data["frames"]) - 1
    assert data["run"] == "repetition 2"
    assert [t["name"] for t in data["trackers"]] == ["failer"]  # NanoTrack has one repetition
    assert view.left_out == ["NanoTrack ('bag' has repetitions 1 stored, not 2)"]
    bag = load_benchmark("vot2018", root, ["bag"])[0]
    shard = read_tracker(vot_results, "vot2018", "baseline", "failer", ["bag"])["bag"][1]
    shown = data["trackers"][0]
    assert shown["status"] == shard.status.tolist()
    tracked = shard.status == STATUSES.index("tracked")
    overlaps = _nan(shown["overlap"])
    assert np.isnan(overlaps[~tracked]).all()
    assert overlaps[tracked] == pytest.approx(toolkit_overlap(shard.boxes[tracked], bag.ground_truth[tracked],
                                                              bag.image_size), abs=0)
    nano = _page_data(write_page(gather(moved, "vot2018", "bag", root=root, trackers=["NanoTrack"]),
                                 tmp_path / "nano.html", max_frames=3)[0])[0]
    imported = read_tracker(vot_results, "vot2018", "baseline", "NanoTrack", ["bag"])["bag"][0]
    assert nano["trackers"][0]["source"] == imported.source  # the published result file it came from
    marks = {t["name"]: sorted(t["x"]) for t in data["figure"]["data"] if t.get("showlegend") is False}
    assert marks == {"failer: failure": [41, 121], "failer: (re)initialised": [46, 126]}


def test_repetition_the_tracker_lacks_is_refused(vot_results) -> None:
    code, out = harness("show", "--bench", "vot2018", "--root", str(realdata_path("vot", "sequences")), "--results",
                        str(vot_results), "--sequence", "bag", "--trackers", "NanoTrack", "--repetition", "2", "--json")
    assert code == 1
    assert json.loads(out)["error"] == "tracker 'NanoTrack': 'bag' has repetitions 1 stored, not 2"


@pytest.fixture(scope="module")
def multistart_results(tmp_path_factory) -> tuple[Path, object]:
    """synthetic_vot (mask ground truth, anchors both ways): a box tracker and a tracker answering masks (the
    ground truth's own), every anchor run of one sequence."""
    results = tmp_path_factory.mktemp("multistart") / "results"
    sequence = load_benchmark("synthetic_vot", None, ["synthetic_001"])[0]
    rng = np.random.default_rng(3)
    for k, run in enumerate(anchor_runs(sequence), start=1):
        view = run_view(sequence, run)
        n = len(view)
        truth = np.nan_to_num(axis_aligned_boxes(view.ground_truth), nan=20.0)
        statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
        write_shard(results, ShardKey("boxer", "synthetic_vot", sequence.name, k, "multistart"),
                    ShardFrames(truth + rng.normal(0, 2, (n, 4)), rng.uniform(0, 1, n), statuses, np.full(n, 2.0)),
                    PROVENANCE)
        masks = Masks.from_runs([None] + [None if view.masks.special[i] else
                                          (*view.masks.offsets[i], *view.masks.sizes[i],
                                           view.masks.runs[view.masks.starts[i]:view.masks.starts[i + 1]])
                                          for i in range(1, n)])
        write_shard(results, ShardKey("segmenter", "synthetic_vot", sequence.name, k, "multistart"),
                    ShardFrames(truth, rng.uniform(0, 1, n), statuses, np.full(n, 2.0), masks), PROVENANCE)
    return results, sequence


def test_multistart_page_shows_one_anchor_run_in_run_order_with_masks(multistart_results, tmp_path) -> None:
    results, sequence = multistart_results
    runs = anchor_runs(sequence)
    k = next(i for i, r in enumerate(runs, start=1) if r.backward)
    view = gather(results, "synthetic_vot", "synthetic_001", protocol="multistart", repetition=k)
    data, _ = _page_data(write_page(view, tmp_path / "m.html")[0])
    anchor = runs[k - 1].anchor
    assert data["run"] == f"anchor run {k} of {len(runs)}: from frame {anchor + 1} backward to frame 1"
    assert data["frames"] == list(range(anchor + 1, 0, -1))
    assert data["figure"]["layout"]["xaxis"]["autorange"] == "reversed"
    run = run_view(sequence, runs[k - 1])
    assert data["truthMasks"][1] == [*run.masks.offsets[1], *run.masks.sizes[1],
                                     *run.masks.runs[run.masks.starts[1]:run.masks.starts[2]]]
    for shown in data["trackers"]:
        shard = read_tracker(results, "synthetic_vot", "multistart", shown["name"], [sequence.name],
                             frames={sequence.name: {k: len(run)}})[sequence.name][k - 1]
        overlaps = run_overlaps(run, shard)
        assert _nan(shown["overlap"])[1:] == pytest.approx(overlaps[1:], abs=0)
        assert shown["overlap"][0] is None  # the anchor frame: the tracker is initialised there
    segmenter = next(t for t in data["trackers"] if t["name"] == "segmenter")
    assert segmenter["masks"][0] is None and segmenter["masks"][1:] == data["truthMasks"][1:]
    assert _nan(segmenter["overlap"])[1:][~np.array(data["absent"][1:])] == pytest.approx(1.0)


def test_redetection_page_shows_the_generated_sequence(tmp_path, monkeypatch) -> None:
    """The re-detection run goes over the toolkit's generated sequence (padded first frame, then the target's
    crop on a 3x canvas): its frames, ground truth and overlaps are the page's, not the original sequence's."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    sequence = load_benchmark("synthetic_votlt", None, ["synthetic_001"])[0]
    redetection = experiment("redetection")
    generated = redetection.generated(sequence, redetection.build(sequence))
    n = len(generated)
    results = tmp_path / "results"
    boxes = np.nan_to_num(generated.ground_truth, nan=0.0) + 1.5
    write_shard(results, ShardKey("mover", "synthetic_votlt", sequence.name, 1, "redetection"),
                ShardFrames(boxes, np.full(n, 0.5), np.array(["initialized"] + ["tracked"] * (n - 1)), np.ones(n)),
                PROVENANCE)
    view = gather(results, "synthetic_votlt", "synthetic_001", protocol="redetection")
    assert [str(p) for p in view.paths] == [str(generated.frames[i]) for i in range(n)]
    np.testing.assert_array_equal(view.truth, generated.ground_truth)
    assert view.image_size == generated.image_size != sequence.image_size
    (shown,) = view.trackers
    shard = read_tracker(results, "synthetic_votlt", "redetection", "mover", [sequence.name])[sequence.name][0]
    expected = region_overlaps(generated, shard.boxes, shard.status != 0, None)
    np.testing.assert_array_equal(shown.overlaps[1:], expected[1:])


def test_a_thousand_frames_stay_under_15_mb(tmp_path) -> None:
    """Football1 (OTB), the most detailed real sequence measured: its frames over and over, 1,000 in all."""
    folder = realdata_path("otb", "sequences", "Football1", "img")
    frames = sorted(folder.iterdir())
    paths = [frames[i % len(frames)] for i in range(1000)]
    rng = np.random.default_rng(0)
    boxes = np.column_stack([rng.uniform(0, 300, 1000), rng.uniform(0, 200, 1000), np.full((1000, 2), 40.0)])
    trackers = [TrackerView(name, colour, boxes + i, np.ones(1000, np.int8), rng.uniform(0, 1, 1000),
                            rng.uniform(0, 1, 1000), None, "generated")
                for i, (name, colour) in enumerate((("a", "#1f77b4"), ("b", "#d62728"), ("c", "#2ca02c")))]
    view = replace(_empty_view(), order=np.arange(1000), paths=paths, truth=boxes, absent=np.zeros(1000, bool),
                   image_size=(352, 288), trackers=trackers)
    page, encoded, _ = write_page(view, tmp_path / "long.html")
    assert encoded.side == 256 and encoded.quality == 50
    assert page.stat().st_size < 15e6, page.stat().st_size


def _empty_view():
    from harness.viewer.data import SequenceView

    return SequenceView("otb", "ope", "long", "repetition 1", "IoU", np.arange(0), [], np.zeros((0, 4)), None,
                        np.zeros(0, bool), None, None, [])


def _broken_copy(tmp_path: Path) -> tuple[Path, int]:
    """synthetic_001's frames copied elsewhere (a root of its own, given with --root), frame 5 replaced by a file
    OpenCV cannot decode."""
    sequence = load_benchmark("synthetic", None, ["synthetic_001"])[0]
    source = sequence.frames.directory.parent
    root = tmp_path / "root"
    (root / "val").mkdir(parents=True)
    shutil.copytree(source / sequence.name, root / "val" / sequence.name)
    (root / "val" / "list.txt").write_text(f"{sequence.name}\n")
    (root / "val" / sequence.name / "00000005.jpg").write_bytes(b"not a jpeg")
    return root, 4


def test_unreadable_frame_is_shown_as_missing_and_the_page_works_in_chromium(ope_results, tmp_path) -> None:
    root, broken = _broken_copy(tmp_path)
    page = tmp_path / "v.html"
    code, out = harness("show", "--bench", "synthetic", "--root", str(root), "--results", str(ope_results),
                        "--sequence", "synthetic_001", "-o", str(page))
    assert code == 0, out
    assert "1 could not be read (shown as missing)" in out
    data, images = _page_data(page)
    assert images[broken] is None and data["missing"][broken].endswith("00000005.jpg")
    require_tool(chromium_binary(), "chromium", "chromium")
    seen = {}

    def act(tab) -> None:
        painted = "new Promise(r=>{const f=()=>viewer.painted===viewer.index?r(true):requestAnimationFrame(f);f();})"
        tab.evaluate(painted)
        seen["first"] = tab.evaluate("JSON.stringify([viewer.frame, viewer.drawn])")
        tab.evaluate("const s=document.getElementById('slider');s.value=20;s.dispatchEvent(new Event('input'))")
        tab.evaluate(painted)
        seen["slid"] = tab.evaluate("JSON.stringify([viewer.frame, viewer.drawn])")
        tab.evaluate(f"viewer.goTo({broken})")
        tab.evaluate(painted)
        seen["grey"] = tab.evaluate("Array.from(document.getElementById('frame').getContext('2d')"
                                    ".getImageData(3,3,1,1).data)")
        seen["missing"] = tab.evaluate("JSON.stringify([viewer.frame, viewer.drawn.map(d=>d.name)])")
        tab.evaluate("document.getElementById('overlap').scrollIntoView()")
        x, y = json.loads(tab.evaluate(
            "(()=>{const gd=document.getElementById('overlap'),fl=gd._fullLayout,r=gd.getBoundingClientRect(),"
            "t=gd._fullData[0],i=32;return JSON.stringify([r.left+fl._size.l+fl.xaxis.l2p(t.x[i]),"
            "r.top+fl._size.t+fl.yaxis.l2p(t.y[i])]);})()"))
        tab.click(x, y)
        tab.evaluate(painted)
        seen["clicked"] = tab.evaluate("viewer.frame")
        tab.evaluate("document.getElementById('play').click()")
        seen["played"] = tab.evaluate("new Promise(r=>setTimeout(()=>{document.getElementById('play').click();"
                                      "r(viewer.frame);},400))")

    loaded = load(page, interact=act)
    assert loaded.ready == "drawn" and loaded.console_errors == [] and loaded.exceptions == []
    assert [r for r in loaded.requests if not r.startswith(LOCAL)] == []
    stored = {t["name"]: np.array(t["boxes"]) for t in data["trackers"]}
    for key, frame in (("first", 1), ("slid", 21)):
        number, drawn = json.loads(seen[key])
        assert number == frame
        boxes = {d["name"]: d["values"] for d in drawn if d["name"] != "ground truth"}
        assert {n: np.array(b) for n, b in boxes.items()}.keys() == stored.keys()
        for name, values in boxes.items():
            assert values == stored[name][frame - 1].tolist()
    assert seen["grey"] == [136, 136, 136, 255]  # the missing frame's placeholder
    assert json.loads(seen["missing"]) == [broken + 1, ["ground truth", "drifter", "jitter"]]  # boxes still drawn
    assert seen["clicked"] == 33  # the plot's 33rd point: frame 33
    assert seen["played"] > 33  # 25 fps for 0.4 s


def test_video_and_gif_have_every_shown_frame(ope_results, tmp_path) -> None:
    view = gather(ope_results, "synthetic", "synthetic_001")
    steps = np.arange(0, len(view.order), 4)
    video = write_video(view, steps, tmp_path / "v.mp4", None, 10.0)
    capture = cv2.VideoCapture(str(video))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == len(steps) and capture.get(cv2.CAP_PROP_FRAME_WIDTH) == 320
    gif = write_gif(view, steps, tmp_path / "v.gif", 160, 10.0)
    ok, animation = cv2.imreadanimation(str(gif))
    assert ok and len(animation.frames) == len(steps) and animation.frames[0].shape[1] == 160
