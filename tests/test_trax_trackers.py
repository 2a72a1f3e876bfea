"""TraX trackers declared in a trackers.ini and run by the harness: the declarations read as the VOT toolkit
reads them, frames sent by path and regions as the toolkit would send them, the example tracker
(docs/examples/trax_tracker.py, OpenCV's MIL behind trax's Server) giving the boxes of the harness's own
opencv-mil on OTB one pass and on VOT2018 baseline with its failures and re-initialisations, and a tracker
that crashes, hangs or answers garbage failing its shard alone, with one line, no process left behind."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.otb import load_otb
from benchmarks.vot import load_vot_sequence
from harness.cli import main
from harness.experiments.one_pass import run_one_pass
from harness.experiments.supervised import run_supervised, toolkit_overlap
from harness.runner.calls import TrackerOutputError
from harness.runner.dispatch import run_shards
from harness.store import read_tracker
from tests.conftest import PROJECT, first_frames, realdata_path
from tests.test_trax_serve import _copy_sequence
from trackers import TrackerError
from trackers.registry import get_plugin

TEST_TRACKER = Path(__file__).with_name("trax_test_tracker.py")
EXAMPLE = PROJECT / "docs" / "examples"


def _tracker(mode: str, *args: str, **keys: str) -> dict[str, str]:
    """A section running tests/trax_test_tracker.py (protocol trax: a command line of this Python)."""
    command = shlex.join([sys.executable, str(TEST_TRACKER), mode, *args])
    return {"protocol": "trax", "command": command, **keys}


def _write(folder: Path, sections: dict[str, dict[str, str]]) -> Path:
    """A trackers.ini whose [DEFAULT] gives every tracker the variable naming the requests' log."""
    text = f"[DEFAULT]\nenv_TRAX_TEST_LOG = {folder / 'requests.jsonl'}\n"
    for name, keys in sections.items():
        text += f"\n[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items())
    (folder / "trackers.ini").write_text(text)
    return folder / "trackers.ini"


SECTIONS = {
    # The example as its docstring declares it: a module on `paths`, run by the traxpython adapter.
    "mil_trax": {"label": "MIL over TraX", "protocol": "traxpython", "command": "trax_tracker", "paths": str(EXAMPLE)},
    "mil_socket": {"protocol": "traxpython", "command": "trax_tracker", "paths": str(EXAMPLE), "socket": "true"},
    "hold": _tracker("hold"),
    "hold_rect": _tracker("hold-rect"),
    "hold_restart": _tracker("hold", restart="yes"),
    "hang_briefly": _tracker("hang", "3", timeout="1"),
    "crash": _tracker("exit", "4"),
    "garbage": _tracker("garbage", "4"),
    "hang": _tracker("hang", "4", "Crossing"),  # only on Crossing: its Couple shard completes
    "matlab": {"protocol": "traxmatlab", "command": "mytracker"},
    "elsewhere": {"protocol": "trax", "command": "/nonexistent/tracker --fast"},
}


@pytest.fixture(scope="module")
def declared(tmp_path_factory) -> Path:
    """The folder of a trackers.ini declaring every tracker of these tests; its requests.jsonl is what the
    test trackers were sent."""
    folder = tmp_path_factory.mktemp("declared")
    _write(folder, SECTIONS)
    return folder


@pytest.fixture
def trax_env(declared, monkeypatch) -> Path:
    monkeypatch.setenv("HARNESS_TRAX_TRACKERS", str(declared))
    log = declared / "requests.jsonl"
    log.unlink(missing_ok=True)
    return log


def _requests(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; reaping it is its parent's business


def _wait_all_ended(pids: set[int], seconds: float = 15.0) -> set[int]:
    """The pids still alive after up to `seconds` (a killed worker's guard kills its tracker at once)."""
    deadline = time.monotonic() + seconds
    while (alive := {pid for pid in pids if _alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _pids(log: Path) -> set[int]:
    entries = _requests(log)
    return {e["pid"] for e in entries} | {e["helper"] for e in entries if "helper" in e}


def test_declarations_are_read_as_the_vot_toolkit_reads_them(declared, tmp_path):
    """vot-toolkit's own Registry and runtimes on the same file: the same command lines, environment and
    settings (but LD_LIBRARY_PATH, which the toolkit empties when no `linkpaths` is given; the harness leaves
    the inherited one)."""
    from vot.tracker import Registry
    import vot.tracker.trax  # noqa: F401 - registers the trax protocols

    from trackers.trax_declarations import read_declarations

    linked = {"label": "Linked %(env_trax_test_log)s", "protocol": "trax", "command": 'sleep "1 2" 3',
              "linkpaths": f"lib{os.pathsep}/abs/lib", "env_LD_LIBRARY_PATH": "/first", "env_where": "$HOME/x",
              "meta_author": "someone", "tags": "a,b"}
    code = {"protocol": "traxpython", "command": 'import tracker; tracker.run("fast")', "python": "/usr/bin/python3",
            "paths": os.pathsep.join(["one", "../two", "/abs/three"])}
    path = _write(tmp_path, {**{k: SECTIONS[k] for k in ("mil_trax", "mil_socket", "hold_restart", "hang_briefly")},
                             "linked": linked, "code": code})
    ours = {d.name: d for d in read_declarations(path)}
    toolkit = {t.identifier: t for t in Registry([str(path)])}
    assert sorted(ours) == sorted(toolkit)
    for name, theirs in toolkit.items():
        runtime = theirs.runtime()
        env = dict(runtime._envvars)
        if env.get("LD_LIBRARY_PATH") == "":
            del env["LD_LIBRARY_PATH"]
        mine = ours[name]
        assert (mine.label, mine.protocol, mine.argv(), mine.env) == \
            (theirs.label, theirs.protocol, shlex.split(runtime._command), env), name
        assert (mine.timeout, mine.socket, mine.restart) == (runtime._timeout, runtime._socket, runtime._restart)
        assert mine.problem is None
    assert ours["linked"].env["LD_LIBRARY_PATH"] == f"/first:{tmp_path / 'lib'}:/abs/lib"


def test_list_shows_the_declared_trackers_and_why_one_cannot_run(trax_env, declared, capsys):
    assert main(["list", "--json"]) == 0
    trackers = json.loads(capsys.readouterr().out)["trackers"]
    ini = declared / "trackers.ini"
    assert trackers["mil_trax"] is None and trackers["opencv-mil"] is None
    lines = ini.read_text().splitlines()
    assert trackers["matlab"] == (f"{ini}:{lines.index('[matlab]') + 1}: protocol 'traxmatlab': the harness runs "
                                  "only trax and traxpython trackers")
    assert trackers["elsewhere"].startswith(f"{ini}:{lines.index('[elsewhere]') + 1}: command '/nonexistent/tracker' "
                                            "not found")


@pytest.mark.parametrize("text, says", [
    ("[ok]\nprotocol = trax\ncommand\n", ":3: not a `key = value` line of an INI file: 'command'"),
    ("command = x\n", ":1: a key before any [tracker] section"),
    ("[a b]\nprotocol = trax\ncommand = x\n", ":1: [a b] is not a tracker name the VOT toolkit accepts"),
    ("[x]\nprotocol = trax\ncommand = %(nothing)s\n", ":1: [x]: Bad value substitution"),
])
def test_a_file_that_cannot_be_read_is_one_line_naming_file_and_line(text, says, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # ./trackers.ini: where `vot` reads a workspace's
    (tmp_path / "trackers.ini").write_text(text)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"harness: error: {tmp_path / 'trackers.ini'}{says}") and len(err.splitlines()) == 1


def test_a_name_taken_twice_or_given_options_is_refused(tmp_path, monkeypatch, declared):
    lines = _write(tmp_path, {"opencv-mil": SECTIONS["hold"], "hold": SECTIONS["hold"]}).read_text().splitlines()
    monkeypatch.setenv("HARNESS_TRAX_TRACKERS", f"{tmp_path}{os.pathsep}{declared / 'trackers.ini'}")
    with pytest.raises(TrackerError, match=rf"tracker 'opencv-mil' is declared more than once: .*trackers.ini:"
                                           rf"{lines.index('[opencv-mil]') + 1}, trackers.opencv_trackers:OpenCVMIL"):
        get_plugin("opencv-mil")
    with pytest.raises(TrackerError, match=rf"'hold' is declared more than once: .*:{lines.index('[hold]') + 1}, "
                                           r".*:\d+; rename one"):
        get_plugin("hold")
    with pytest.raises(TrackerError, match=r"TraX tracker 'mil_trax' takes no options \(seed given\)"):
        get_plugin("mil_trax", {"seed": 1})
    monkeypatch.setenv("HARNESS_TRAX_TRACKERS", str(tmp_path / "nowhere"))
    with pytest.raises(TrackerError, match=r"\$HARNESS_TRAX_TRACKERS names .*nowhere, which is neither"):
        get_plugin("hold")


def test_the_example_gives_opencv_mils_boxes_by_path_by_written_frame_and_over_a_socket(trax_env):
    """The example wraps cv2.TrackerMIL seeded as the harness's opencv-mil seeds it: frames named by the loop
    (paths), frames it is handed without a path (written as lossless PNG) and a session over TRAX_SOCKET all
    give opencv-mil's boxes on the same real frames."""
    couple = first_frames(load_otb(realdata_path("otb", "sequences"), names=["Couple"])[0], 8)
    expected = run_one_pass(get_plugin("opencv-mil").create(), couple, "opencv-mil").boxes
    assert len({tuple(b) for b in expected}) == 8  # MIL moves: equal boxes are not a held start box
    for name in ("mil_trax", "mil_socket"):
        tracker = get_plugin(name).create()
        np.testing.assert_array_equal(run_one_pass(tracker, couple, name).boxes, expected)
        tracker.close()
    import cv2

    tracker = get_plugin("mil_trax").create()
    tracker.initialize(cv2.imread(str(couple.frames[0])), tracker.init_box(couple.ground_truth[0]))
    boxes = [tracker.track(cv2.imread(str(couple.frames[i]))).box for i in range(1, 8)]
    np.testing.assert_array_equal(boxes, expected[1:])
    tracker.close()


def test_what_a_tracker_is_sent_and_what_is_read_back(trax_env):
    """Frames by their own absolute path; a VOT polygon as a polygon to a tracker declaring polygons (the
    annotation's decimals, what the wire keeps), its bounds as a rectangle to one declaring rectangles only;
    a re-initialisation on the same process unless `restart = yes`; the answer's box read back as the decimals
    that crossed the wire, its `confidence` as the score."""
    bag = realdata_path("vot", "sequences", "bag")
    truth = load_vot_sequence(bag).ground_truth[[0, 2]]
    bounds = np.c_[truth[:, 0::2].min(1), truth[:, 1::2].min(1), np.ptp(truth[:, 0::2], 1), np.ptp(truth[:, 1::2], 1)]
    frames = [bag / "color" / f"{i:08d}.jpg" for i in (1, 2, 3)]
    sent = {}
    for name in ("hold", "hold_rect", "hold_restart"):
        tracker = get_plugin(name).create()
        for start, region in zip((0, 2), truth):  # initialise, track, initialise again
            tracker.next_frame_file(frames[start])
            tracker.initialize(None, tracker.init_box(region))
            if start == 0:
                tracker.next_frame_file(frames[1])
                answer = tracker.track(None)
        tracker.close()
        # The hold tracker answers its start box: 4 decimals of text, float32 at the client, then read back
        # as those decimals (float32 alone is 3e-5 px off at 440 px).
        np.testing.assert_allclose(answer.box, bounds[0], rtol=0, atol=1e-9)
        assert answer.score == 0.5
        sent[name] = [r for r in _requests(trax_env) if r["request"] in ("initialize", "frame")]
        trax_env.unlink()
        assert [r["path"] for r in sent[name]] == [str(frames[i]) for i in (0, 1, 2)]
    polygons = [r["region"] for r in sent["hold"] if "region" in r]
    assert [p["type"] for p in polygons] == ["polygon", "polygon"]
    np.testing.assert_allclose([p["values"] for p in polygons], truth, rtol=0, atol=5e-5)  # float32 at ~440 px
    rectangles = [r["region"] for r in sent["hold_rect"] if "region" in r]
    assert [r["type"] for r in rectangles] == ["rectangle", "rectangle"]
    np.testing.assert_allclose([r["values"] for r in rectangles], bounds, rtol=0, atol=5e-5)
    assert len({r["pid"] for r in sent["hold"]}) == 1 and len({r["pid"] for r in sent["hold_restart"]}) == 2


def test_the_loops_name_every_frame_file(trax_env):
    """One pass and the supervised loop (with its re-initialisation) send each frame's own file, in order."""
    couple = first_frames(load_otb(realdata_path("otb", "sequences"), names=["Couple"])[0], 4)
    bag = first_frames(load_vot_sequence(realdata_path("vot", "sequences", "bag")), 4)
    tracker = get_plugin("hold").create()
    run_one_pass(tracker, couple, "hold")
    run_supervised(tracker, bag, "hold", toolkit_overlap)
    tracker.close()
    sent = [r["path"] for r in _requests(trax_env) if r["request"] in ("initialize", "frame")]
    assert sent == [str(couple.frames[i]) for i in range(4)] + [str(bag.frames[i]) for i in range(4)]


def test_a_call_past_the_declared_timeout_kills_the_process_group(trax_env):
    """`timeout = 1` (the toolkit's per-call limit): the stuck call raises within it, naming the tracker, and
    the tracker and the helper it started are gone."""
    sequence = first_frames(load_otb(realdata_path("otb", "sequences"), names=["Couple"])[0], 5)
    tracker = get_plugin("hang_briefly").create()
    with pytest.raises(TrackerOutputError, match=r"raised at frame 3 of sequence 'Couple': TrackerError: TraX tracker "
                                        r"'hang_briefly' did not answer within 1 s while tracking \(its timeout, "
                                        r".*trackers.ini:\d+; its processes were killed\)$"):
        run_one_pass(tracker, sequence, "hang_briefly")
    tracker.close()
    pids = _pids(trax_env)
    assert len(pids) == 2 and not _wait_all_ended(pids, 5)


@pytest.mark.slow
def test_a_run_of_the_example_on_otb_gives_opencv_mils_boxes(trax_env, tmp_path, ray_address):
    """Through the runner on Ray (the plugin pickled to the worker actors, the process started there)."""
    sequences = [first_frames(s, 10) for s in load_otb(realdata_path("otb", "sequences"), names=["Couple", "Crossing"])]
    plugins = [get_plugin("mil_trax"), get_plugin("opencv-mil")]
    summary = run_shards(plugins, "otb", sequences, tmp_path, address=ray_address)
    assert not summary.failed and len(summary.completed) == 4
    names = [s.name for s in sequences]
    ours, reference = (read_tracker(tmp_path, "otb", "ope", p.name, names) for p in plugins)
    for name in names:
        np.testing.assert_array_equal(ours[name][0].boxes, reference[name][0].boxes)


@pytest.fixture(scope="module")
def bag_cut(tmp_path_factory) -> Path:
    """The real VOT2018 bag's frames 1-10 and 121-142 under its annotation of frames 1-32: from frame 11 the
    bag is where it is 110 frames later, and MIL fails at frame 24 and is re-initialised at frame 29."""
    root = tmp_path_factory.mktemp("vot")
    _copy_sequence(realdata_path("vot", "sequences", "bag"), root / "bag_cut", [*range(10), *range(120, 142)])
    (root / "list.txt").write_text("bag_cut\n")
    return root


@pytest.mark.slow
def test_harness_run_baseline_with_resets_gives_opencv_mils_run(trax_env, bag_cut, tmp_path, ray_address):
    """`harness run --protocol baseline`: the failure, the skipped frames and the re-initialisation (an
    initialize on the same session, from bag's polygon) where opencv-mil has them, every box equal."""
    assert main(["run", "--trackers", "mil_trax,opencv-mil", "--bench", "vot2018", "--root", str(bag_cut),
                 "--protocol", "baseline", "--repetitions", "1", "--results", str(tmp_path), "--address", ray_address,
                 "--reports", str(tmp_path / "reports"), "--json"]) == 0
    (ours,), (reference,) = (read_tracker(tmp_path, "vot2018", "baseline", t, ["bag_cut"])["bag_cut"]
                             for t in ("mil_trax", "opencv-mil"))
    codes = "".join({"initialized": "I", "tracked": ".", "failed": "F", "skipped": "_"}[s] for s in ours.statuses)
    assert codes == "I" + "." * 22 + "F____I..."
    assert list(ours.statuses) == list(reference.statuses)
    np.testing.assert_array_equal(ours.boxes, reference.boxes)


@pytest.mark.slow
@pytest.mark.serial
def test_a_tracker_that_crashes_hangs_or_answers_garbage_fails_its_shard_alone(trax_env, tmp_path, ray_address,
                                                                                 capsys):
    """Each failure is one line naming the tracker, sequence and frame; the hang is stopped by the shard time
    limit (its worker killed) and its Couple shard is kept; no tracker process or helper outlives the run."""
    root = tmp_path / "otb"
    for name in ("Couple", "Crossing"):
        shutil.copytree(realdata_path("otb", "sequences", name), root / name)
    code = main(["run", "--trackers", "crash,garbage,hang", "--bench", "otb", "--root", str(root), "--sequences",
                 "Couple,Crossing", "--shard-timeout", "6", "--results", str(tmp_path / "results"),
                 "--address", ray_address, "--reports", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    failed = sorted(line for line in err.splitlines() if line.startswith("harness: shard "))
    assert code == 1
    assert [line.split()[2] for line in failed] == ["crash/otb/Couple#1", "crash/otb/Crossing#1",
                                                    "garbage/otb/Couple#1", "garbage/otb/Crossing#1",
                                                    "hang/otb/Crossing#1"]
    for line, sequence in zip(failed, ["Couple", "Crossing"] * 2):
        assert f"raised at frame 4 of sequence '{sequence}': TrackerError: TraX tracker " in line
    assert "TraX tracker 'crash' exited with status 3 while tracking" in failed[0]
    assert failed[0].endswith("its last output: 'trax_test_tracker: exiting on purpose'")
    assert "TraX tracker 'garbage' broke the TraX protocol while tracking" in failed[2]
    assert failed[2].endswith("""its last output: '@@TRAX:state "1,2,x"'""")
    assert "timed out after 6 s at frame 4 of sequence 'Crossing'" in failed[4]
    assert read_tracker(tmp_path / "results", "otb", "ope", "hang", ["Couple"])["Couple"][0].boxes.shape == (140, 4)
    pids = _pids(trax_env)
    assert len(pids) >= 6 and not _wait_all_ended(pids)
