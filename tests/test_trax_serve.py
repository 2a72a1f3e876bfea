"""`harness trax`: a harness plugin served over TraX. Run by the VOT toolkit's own `vot evaluate`, it gives frame
for frame what `harness run` gives, and `vot analysis` scores it as `harness eval` scores the harness's run; a
client asking for what the tracker cannot do ends the session with one line saying why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.registry import benchmark_record
from benchmarks.vot import load_vot, load_vot_sequence
from harness.cli import main
from harness.experiments import BASELINE, ONE_PASS, Experiment
from harness.experiments.one_pass import run_one_pass
from harness.formats.vot_workspace import export_workspace
from harness.store import read_results, read_tracker
from tests.conftest import first_frames, realdata_path
from trackers.registry import get_plugin

TRACKER = "harness_nano"  # the workspace's name for opencv-nano served over TraX
AHEAD = 60  # bag_ahead: from frame 21 on, bag's frames 60 later than its annotation

# vot-toolkit 0.9.0 cannot run its supervised experiment on any TraX tracker: the experiment calls its runtime
# with one object (initialize(frame, ObjectStatus), update(frame) -> ObjectStatus), its TraX runtime takes and
# returns lists of objects (the interface of OnlineTrackerRuntime.run, which the unsupervised and multistart
# experiments use). initialize raises "Tracker does not support multiple objects" (len() of the ObjectStatus
# tuple is 2) and update(frame) raises for a single-object tracker; a multi-object one fails on the list it
# returns. This adapts the number of objects only; the loop, failure test and files stay the toolkit's.
SUPERVISED_OVER_TRAX = """
from vot.tracker import ObjectStatus
from vot.tracker.trax import TraxTrackerRuntime as Runtime
from vot.utilities.cli import main
listed_initialize, listed_update = Runtime.initialize, Runtime.update

def initialize(self, frame, new=None, properties=None):
    if not isinstance(new, ObjectStatus):
        return listed_initialize(self, frame, new, properties)
    status, elapsed = listed_initialize(self, frame, [new], properties)
    return status[0], elapsed

def update(self, frame, new=None, properties=None):
    if new is not None:
        return listed_update(self, frame, new, properties)
    status, elapsed = listed_update(self, frame, [], properties)
    return status[0], elapsed

Runtime.initialize, Runtime.update = initialize, update
main()
"""


def _nano_option() -> str:
    return f"opencv-nano.weights_dir={realdata_path('models', 'nanotrack-v2')}"


def _copy_sequence(source: Path, target: Path, frames: list[int]) -> None:
    """A VOT sequence folder of `source`'s frames `frames` (0-based, in that order) under `source`'s first
    len(frames) annotation and tag lines."""
    (target / "color").mkdir(parents=True)
    for i, frame in enumerate(frames):
        shutil.copyfile(source / "color" / f"{frame + 1:08d}.jpg", target / "color" / f"{i + 1:08d}.jpg")
    for name in ["groundtruth.txt", *(p.name for p in source.glob("*.tag"))]:
        lines = (source / name).read_text().splitlines()
        (target / name).write_text("".join(line + "\n" for line in lines[: len(frames)]))
    shutil.copyfile(source / "sequence", target / "sequence")


@pytest.fixture(scope="module")
def sequences(tmp_path_factory) -> Path:
    """The real VOT2018 `bag`, and `bag_ahead`: bag's frames 1..20 and 81..196 under its annotation of frames
    1..136. From frame 21 the bag is where it is 60 frames later, away from its annotation; NanoTrack follows
    the bag and fails, is re-initialised on the annotation, fails again: the failures, skipped frames and
    re-initialisations that bag alone never has (NanoTrack's search region spans most of bag's frame, so a
    cut in the frames alone does not make it fail)."""
    bag = realdata_path("vot", "sequences", "bag")
    root = tmp_path_factory.mktemp("sequences")
    count = len((bag / "groundtruth.txt").read_text().splitlines())
    _copy_sequence(bag, root / "bag", list(range(count)))
    _copy_sequence(bag, root / "bag_ahead", [*range(20), *range(20 + AHEAD, count)])
    (root / "list.txt").write_text("bag\nbag_ahead\n")
    return root


@pytest.fixture(scope="module")
def harness_runs(sequences, tmp_path_factory, ray_address) -> Path:
    """`harness run` of opencv-nano on both sequences, baseline (one repetition: NanoTrack is deterministic)
    and one pass."""
    results = tmp_path_factory.mktemp("results")
    for protocol, profile in (("baseline", "vot_toolkit"), ("ope", "pysot")):
        assert main(["run", "--trackers", "opencv-nano", "--bench", "vot2018", "--root", str(sequences),
                     "--protocol", protocol, "--profile", profile, "--repetitions", "1", "--tracker-opt", _nano_option(),
                     "--results", str(results), "--address", ray_address, "--reports", str(results / "reports"),
                     "--json"]) == 0
    return results


def _workspace(results: Path, sequences: Path, experiment: Experiment, workspace: Path) -> Path:
    """The workspace `harness export --vot-workspace` writes for `experiment`, its results left out and the
    tracker to run named: opencv-nano served by `harness trax`, as trackers.ini would name it."""
    export_workspace(results, benchmark_record("vot2018"), experiment, sequences, load_vot(sequences), workspace,
                     ["opencv-nano"])
    shutil.rmtree(workspace / "results")
    command = f"{sys.executable} -m harness.cli trax --tracker opencv-nano --tracker-opt {_nano_option()}"
    (workspace / "trackers.ini").write_text(f"[{TRACKER}]\nlabel = {TRACKER}\nprotocol = trax\ncommand = {command}\n")
    return workspace


def _toolkit(*argv: str, workspace: Path, program: tuple[str, ...] = ("-m", "vot")) -> None:
    # Text trajectories (the toolkit writes .bin by default), read here as the toolkit's own files.
    env = {**os.environ, "VOT_RESULTS_BINARY": "false"}
    done = subprocess.run([sys.executable, *program, *argv, "--workspace", str(workspace)], capture_output=True,
                          text=True, timeout=300, cwd=workspace, env=env)
    # `vot evaluate` exits 0 when a tracker fails; it says so in its output.
    said = done.stdout + done.stderr
    assert done.returncode == 0 and "encountered an error" not in said and "interrupted" not in said, said[-3000:]


def _toolkit_trajectory(path: Path) -> tuple[list[str], np.ndarray]:
    """Statuses (as the store names them) and boxes (NaN where special) of a toolkit text trajectory."""
    statuses, boxes = [], []
    for line in path.read_text().splitlines():
        values = [float(v) for v in line.split(",")]
        special = len(values) == 1
        statuses.append({1: "initialized", 2: "failed", 0: "skipped"}[int(values[0])] if special else "tracked")
        boxes.append(np.full(4, np.nan) if special else values)
    return statuses, np.array(boxes)


def _scores(results: Path, protocol: str, sequence: str) -> np.ndarray:
    rows = read_results(results, "vot2018", ["opencv-nano"], ["sequence", "frame", "score"], protocol).to_pydict()
    mine = np.array(rows["sequence"]) == sequence
    return np.array(rows["score"], float)[mine][np.argsort(np.array(rows["frame"])[mine])]


@pytest.mark.slow
def test_vot_evaluate_over_trax_gives_the_harness_baseline_run_frame_for_frame(harness_runs, sequences, tmp_path,
                                                                                capsys):
    capsys.readouterr()
    assert main(["eval", "--bench", "vot2018", "--root", str(sequences), "--profile", "vot_toolkit", "--results",
                 str(harness_runs), "--json", "--no-report"]) == 0
    ours = json.loads(capsys.readouterr().out)["trackers"]["opencv-nano"]
    workspace = _workspace(harness_runs, sequences, replace(BASELINE, default_repetitions=1), tmp_path / "ws")
    _toolkit("evaluate", TRACKER, workspace=workspace, program=("-c", SUPERVISED_OVER_TRAX))
    _toolkit("analysis", TRACKER, "--format", "json", "--name", "check", workspace=workspace)

    stored = read_tracker(harness_runs, "vot2018", "baseline", "opencv-nano", ["bag", "bag_ahead"])
    for name, (shard,) in stored.items():
        folder = workspace / "results" / TRACKER / "baseline" / name
        statuses, boxes = _toolkit_trajectory(folder / f"{name}_001.txt")
        assert statuses == list(shard.statuses), name  # failures and re-initialisations at the same frames
        tracked = shard.statuses == "tracked"
        # Boxes cross TraX as text with 4 decimals; NanoTrack's are OpenCV's integer rects, so nothing is lost.
        np.testing.assert_allclose(boxes[tracked], shard.boxes[tracked], rtol=0, atol=1e-6)
        confidence = (folder / f"{name}_001_confidence.value").read_text().splitlines()
        # Sent as Python's repr of the float64: it comes back bit for bit.
        assert [float(confidence[i]) for i in np.flatnonzero(tracked)] == \
            list(_scores(harness_runs, "baseline", name)[tracked]), name
    codes = "".join({"initialized": "I", "tracked": ".", "failed": "F", "skipped": "_"}[s]
                    for s in stored["bag_ahead"][0].statuses)
    assert "." * 19 + "F____I" in codes, codes  # a failure where the frames run ahead, re-initialised 5 frames on

    report = json.loads((workspace / "analysis" / "check.json").read_text())
    ar, eao, _curve = report["results"]["baseline"]["results"]
    accuracy, weighted_failures, (robustness, _), _frames = ar[0]
    # The same overlaps summed over ~300 frames in another order: rounding far below 1e-9.
    assert ours["accuracy"] == pytest.approx(accuracy, abs=1e-9)
    assert ours["weighted_failures"] == pytest.approx(weighted_failures, abs=1e-9) and weighted_failures > 0
    assert ours["ar_robustness"] == pytest.approx(robustness, abs=1e-9)
    assert ours["eao"] == pytest.approx(eao[0][0], abs=1e-9)


@pytest.mark.slow
def test_the_toolkit_as_released_runs_the_served_tracker_one_pass(harness_runs, sequences, tmp_path):
    """The toolkit's unsupervised experiment talks to TraX trackers through the interface its TraX runtime
    implements: no adapter, the tracker served as it is."""
    workspace = _workspace(harness_runs, sequences, ONE_PASS, tmp_path / "ws")
    _toolkit("evaluate", TRACKER, workspace=workspace)
    stored = read_tracker(harness_runs, "vot2018", "ope", "opencv-nano", ["bag", "bag_ahead"])
    for name, (shard,) in stored.items():
        statuses, boxes = _toolkit_trajectory(workspace / "results" / TRACKER / "unsupervised" / name /
                                              f"{name}_001.txt")
        assert statuses == list(shard.statuses), name
        np.testing.assert_allclose(boxes[1:], shard.boxes[1:], rtol=0, atol=1e-6)  # integer rects, as above


class _Session:
    """`harness trax` answering in this process, on pipes, to a TraX client driven by the test."""

    def __init__(self, monkeypatch, *argv: str, client: bool = True) -> None:
        from trax.client import Client

        to_server, from_client = os.pipe()[::-1]
        from_server, to_client = os.pipe()
        self.fds = [to_server, from_client, from_server, to_client]
        monkeypatch.setenv("TRAX_IN", str(from_client))
        monkeypatch.setenv("TRAX_OUT", str(to_client))
        self.code: list[int] = []
        self.thread = threading.Thread(target=lambda: self.code.append(main(["trax", *argv])), daemon=True)
        self.thread.start()
        self.log: list[str] = []  # what the server wrote beside the protocol, as the toolkit logs it
        self.client = Client(stream=(to_server, from_server), log=self.log.append) if client else None

    def end(self) -> int:
        self.thread.join(30)
        for fd in self.fds:
            os.close(fd)
        return self.code[0]


def _frame(i: int):
    from trax.image import FileImage

    return {"color": FileImage.create(str(realdata_path("vot", "sequences", "bag", "color", f"{i + 1:08d}.jpg")))}


def test_a_session_answers_as_the_one_pass_loop_calls_the_tracker(monkeypatch):
    """A polygon in, the tracker's own start box and then its boxes and scores back, as `run_one_pass` gets them."""
    from trax.region import Polygon

    bag = load_vot_sequence(realdata_path("vot", "sequences", "bag"))
    nano = get_plugin("opencv-nano", {"weights_dir": str(realdata_path("models", "nanotrack-v2"))})
    expected = run_one_pass(nano.create(), first_frames(bag, 3), "opencv-nano")
    session = _Session(monkeypatch, "--tracker", "opencv-nano", "--tracker-opt", _nano_option())
    polygon = Polygon.create([(float(x), float(y)) for x, y in bag.ground_truth[0].reshape(4, 2)])
    answers = [session.client.initialize(_frame(0), [(polygon, {})], {})[0][0]]
    answers += [session.client.frame(_frame(i), {}, [])[0][0] for i in (1, 2)]
    session.client.quit()
    assert session.end() == 0
    # float32 on the wire: the start box (the polygon's bounds) to float32's 6e-5 at 480 px; NanoTrack's integers exact.
    np.testing.assert_allclose([r.bounds() for r, _ in answers], expected.boxes, rtol=0, atol=1e-4)
    assert [float(p["confidence"]) for _, p in answers[1:]] == list(expected.scores[1:])
    assert "confidence" not in answers[0][1]


@pytest.mark.slow
def test_a_siamese_tracker_starts_from_its_own_box_of_the_polygon(monkeypatch):
    """Polygons are declared, so the toolkit sends bag's rotated box as it is and SiamRPN (its shipped weights)
    starts from pysot's area-preserving box of it, not from the bounds a rectangle-only tracker would get; its
    float boxes come back to what the wire keeps."""
    pytest.importorskip("torch")
    from trax.region import Polygon

    bag = first_frames(load_vot_sequence(realdata_path("vot", "sequences", "bag")), 3)
    expected = run_one_pass(get_plugin("siamrpn").create(), bag, "siamrpn")
    session = _Session(monkeypatch, "--tracker", "siamrpn")
    polygon = Polygon.create([(float(x), float(y)) for x, y in bag.ground_truth[0].reshape(4, 2)])
    answers = [session.client.initialize(_frame(0), [(polygon, {})], {})[0][0]]
    answers += [session.client.frame(_frame(i), {}, [])[0][0] for i in (1, 2)]
    session.client.quit()
    assert session.end() == 0
    boxes = np.array([r.bounds() for r, _ in answers])
    # 4 decimals and float32 at up to ~600 px: 5e-5 + 3e-5.
    np.testing.assert_allclose(boxes, expected.boxes, rtol=0, atol=1e-4)
    assert abs(boxes[0][2] - np.ptp(bag.ground_truth[0][0::2])) > 1  # not the polygon's bounds


def test_a_received_polygon_is_the_annotation_the_harness_reads():
    """libtrax holds a received coordinate as float32 (334.02 becomes 334.0200195...); read back as the 4
    decimals that were sent, bag's whole annotation is what `harness run` starts from, bit for bit."""
    from trax.region import Polygon

    from harness.trax_serve import region_values

    truth = load_vot_sequence(realdata_path("vot", "sequences", "bag")).ground_truth
    received = [region_values(Polygon.create([(float(x), float(y)) for x, y in row.reshape(4, 2)])) for row in truth]
    assert np.array_equal(np.array(received), truth)


def test_a_region_the_tracker_cannot_start_from_ends_the_session_saying_why(monkeypatch, capsys):
    from trax import TraxException
    from trax.region import Rectangle

    session = _Session(monkeypatch, "--tracker", "opencv-nano", "--tracker-opt", _nano_option())
    with pytest.raises(TraxException, match="cannot start from the region"):
        session.client.initialize(_frame(0), [(Rectangle.create(10, 20, 0, 30), {})], {})
    assert session.end() == 1
    err = capsys.readouterr().err
    assert err.startswith("harness: error: opencv-nano cannot start from the region [10.0, 20.0, 0.0, 30.0]")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_client_that_goes_away_ends_the_session_with_one_line(monkeypatch, capsys):
    session = _Session(monkeypatch, "--tracker", "opencv-nano", "--tracker-opt", _nano_option(), client=False)
    os.close(session.fds.pop(0))  # the client's end of the pipe to the server: the server reads end of input
    assert session.end() == 1
    err = capsys.readouterr().err
    assert err.startswith("harness: error: TraX session of opencv-nano ended:") and len(err.splitlines()) == 1


@pytest.mark.parametrize("argv, says", [
    (["--tracker", "opencv-nano", "--tracker-opt", "opencv-nano.weights_dir=/nonexistent"],
     "tracker 'opencv-nano' cannot run here: opencv-nano needs the NanoTrack v2 weights"),
    (["--tracker", "opencv-nano,opencv-mil"], "a TraX session serves one tracker"),
    (["--tracker", "no-such-tracker"], "unknown tracker 'no-such-tracker'"),
    (["--tracker", "opencv-mil", "--tracker-opt", "opencv-nano.weights_dir=x"],
     "--tracker-opt given for opencv-nano, but this session serves 'opencv-mil'"),
])
def test_a_tracker_that_cannot_be_served_is_refused_before_the_handshake(argv, says, capsys):
    assert main(["trax", *argv]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # nothing reached the TraX channel
    assert says in err and err.startswith("harness: error: ") and len(err.splitlines()) == 1
