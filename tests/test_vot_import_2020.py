"""`harness import --format vot` of VOT 2020+ results as vot-toolkit 0.9.0 lays them out: generated anchor-run
shards (and one-pass long-term ones with confidences) exported as a workspace (`harness export --vot-workspace`,
whose files `vot analysis` scores as `harness eval` does: tests/test_vot_multistart.py, test_vot_longterm.py),
imported back from the workspace's results folder under another name: the same boxes, statuses, confidences
and times, and the same `harness eval` numbers, exactly. Defects import nothing and are named by file:line."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from vot.analysis.accuracy import gather_overlaps
from vot.region import Special
from vot.region.io import read_trajectory, write_trajectory
from vot.region.shapes import Rectangle

from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import load_vot
from harness.cli import main
from benchmarks.registry import benchmark_record
from harness.experiments.multistart import MULTISTART, anchor_runs, run_view
from harness.experiments.unsupervised import UNSUPERVISED
from harness.store import Provenance, ShardFrames, ShardKey, read_tracker, write_shard

MULTI, LONG = "vot2022", "votlt2022"


def _provenance() -> Provenance:
    return Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)


def _shard(rng, truth: np.ndarray, confidence: bool) -> ShardFrames:
    """Noisy boxes with the toolkit's special lines among them: unknown (0) and failure (2) frames."""
    n = len(truth)
    boxes = np.where(np.isnan(truth), 20.0, truth) + rng.normal(0, 3, (n, 4)) * [1, 1, 0.5, 0.5]
    boxes[n // 2:, :2] += 300 * (rng.random() < 0.5)  # lost in some runs
    statuses = np.array(["initialized"] + ["tracked"] * (n - 1), dtype=object)
    special = rng.random(n) < 0.1
    special[0] = False
    statuses[special] = rng.choice(["skipped", "failed"], int(special.sum()))
    boxes[0] = np.nan  # the initialisation line holds no region, as the toolkit writes it
    boxes[special] = np.nan
    scores = np.round(rng.uniform(0, 1, n), 1) if confidence else np.full(n, np.nan)
    if confidence:
        scores[rng.random(n) < 0.1] = np.nan
    return ShardFrames(boxes, scores, statuses.astype(str), rng.uniform(1, 40, n))


@pytest.fixture(scope="module")
def multistart(tmp_path_factory):
    """A VOT2022-kind root (masks, anchors) of three sequences and a tracker's anchor runs in the store."""
    folder = tmp_path_factory.mktemp("multistart")
    root = write_vot_root(load_synthetic(size=DEFAULT)[:3], folder / "root", masks=True)
    first = load_vot(root, MULTI)[0]
    values = (root / first.name / "anchor.value").read_text().splitlines()
    values[3] = "-1"  # a backward anchor before forward ones: the toolkit's order is not the frames' order
    (root / first.name / "anchor.value").write_text("\n".join(values) + "\n")
    sequences = load_vot(root, MULTI)
    assert [r.anchor for r in anchor_runs(sequences[0])] != sorted(r.anchor for r in anchor_runs(sequences[0]))
    results = folder / "results"
    rng = np.random.default_rng(7)
    for sequence in sequences:
        for k, run in enumerate(anchor_runs(sequence), start=1):
            shard = _shard(rng, run_view(sequence, run).ground_truth, confidence=False)
            write_shard(results, ShardKey("drifter", MULTI, sequence.name, k, MULTISTART.name), shard, _provenance())
    workspace = folder / "ws"
    assert main(["export", "--vot-workspace", str(workspace), "--bench", MULTI, "--root", str(root),
                 "--results", str(results), "--protocol", "multistart"]) == 0
    return root, sequences, results, workspace / "results"


def _import(bench: str, root, results, protocol: str, tracker: str, folder, *extra: str) -> int:
    return main(["import", "--format", "vot", "--bench", bench, "--root", str(root), "--protocol", protocol,
                 "--tracker", tracker, "--results", str(results), str(folder), "--json", *extra])


def _eval(capsys, bench: str, root, results, protocol: str) -> dict:
    capsys.readouterr()
    assert main(["eval", "--bench", bench, "--root", str(root), "--results", str(results), "--protocol", protocol,
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out)["trackers"]


def _same_scores(got: dict, want: dict) -> None:
    """Every figure of `harness eval --json` equal; fps from times that went through seconds and back (two
    roundings of each, see `_same_shards`), so equal to 1e-12."""
    assert got.pop("fps") == pytest.approx(want.pop("fps"), rel=1e-12)
    assert got == want


def _same_shards(results, bench: str, protocol: str, sequences, a: str, b: str, frames) -> None:
    names = [s.name for s in sequences]
    left = read_tracker(results, bench, protocol, a, names, frames=frames)
    right = read_tracker(results, bench, protocol, b, names, frames=frames)
    assert sorted(left) == sorted(right) == sorted(names)
    for name in names:
        assert [s.repetition for s in left[name]] == [s.repetition for s in right[name]]
        for x, y in zip(left[name], right[name]):
            np.testing.assert_array_equal(y.boxes, x.boxes)  # repr of each float64 reads back bit for bit
            np.testing.assert_array_equal(y.status, x.status)
            np.testing.assert_array_equal(y.scores, x.scores)
            # ms -> s (one rounding) -> ms (another): within two ulps
            np.testing.assert_allclose(y.latency_ms, x.latency_ms, rtol=1e-15)


def test_multistart_results_round_trip_through_the_toolkits_layout(multistart, tmp_path, capsys):
    root, sequences, results, published = multistart
    store = tmp_path / "store"
    shutil.copytree(results, store)
    assert _import(MULTI, root, store, "multistart", "published", published) == 0  # the results/ folder
    report = json.loads(capsys.readouterr().out)
    assert report == {"imported": sorted(s.name for s in sequences), "unplaced": [], "missing": []}
    _same_shards(store, MULTI, "multistart", sequences, "drifter", "published", MULTISTART.shard_lengths(sequences))
    scores = _eval(capsys, MULTI, root, store, "multistart")
    _same_scores(scores["published"], scores["drifter"])
    assert 0 < scores["drifter"]["eao"] < 1 and scores["drifter"]["robustness"] < 1  # it fails: not a trivial equality


def test_the_experiment_and_tracker_folders_are_read_too(multistart, tmp_path, capsys):
    root, sequences, _, published = multistart
    assert _import(MULTI, root, tmp_path, "multistart", "a", published / "drifter") == 0
    capsys.readouterr()
    assert _import(MULTI, root, tmp_path, "multistart", "b", published / "drifter" / "baseline",
                   "--sequences", sequences[0].name) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == [sequences[0].name]
    frames = MULTISTART.shard_lengths(sequences[:1])
    _same_shards(tmp_path, MULTI, "multistart", sequences[:1], "a", "b", frames)


def _broken(multistart, tmp_path):
    """A copy of the published experiment folder to break."""
    _, sequences, _, published = multistart
    folder = tmp_path / "raw"
    shutil.copytree(published / "drifter" / "baseline", folder)
    sequence = sequences[1]
    return folder, sequence, folder / sequence.name, anchor_runs(sequence)


def _refused(multistart, tmp_path, capsys, folder, protocol="multistart") -> str:
    root = multistart[0]
    capsys.readouterr()
    assert _import(MULTI, root, tmp_path / "store", protocol, "broken", folder) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["type"] == "ImportFormatError" and "\n" not in error["error"]
    assert not (tmp_path / "store").exists()  # all or nothing: not one shard written
    return error["error"]


def test_anchor_files_the_sequence_lacks_or_misses_are_refused(multistart, tmp_path, capsys):
    folder, sequence, seq_folder, runs = _broken(multistart, tmp_path)
    first = seq_folder / f"{sequence.name}_{runs[0].anchor:08d}.txt"
    stray = seq_folder / f"{sequence.name}_{runs[0].anchor + 1:08d}.txt"
    shutil.copy(first, stray)
    err = _refused(multistart, tmp_path, capsys, folder)
    assert f"{stray}: frame {runs[0].anchor + 1} (0-based) is no anchor of sequence '{sequence.name}'" in err
    stray.unlink()
    last = seq_folder / f"{sequence.name}_{runs[-1].anchor:08d}.txt"
    last.unlink()
    err = _refused(multistart, tmp_path, capsys, folder)
    assert f"{seq_folder}: no trajectory {sequence.name}_{runs[-1].anchor:08d} (1 of {len(runs)} anchor runs" in err


def test_bad_lines_are_refused_naming_file_and_line(multistart, tmp_path, capsys):
    folder, sequence, seq_folder, runs = _broken(multistart, tmp_path)
    path = seq_folder / f"{sequence.name}_{runs[0].anchor:08d}.txt"
    good = path.read_text()
    lines = good.splitlines()
    for line, problem in [("m10,10,2,2,1,3", "2: a region '"),
                          ("1,1,20,1,20,20,1,20", "3: a polygon region; the toolkit overlaps the polygon itself"),
                          ("1,2,x,4", "3: 'x' is not a number")]:
        path.write_text("\n".join(lines[:2] + [line] + lines[3:]) + "\n")
        assert f"{path}:{problem}" in _refused(multistart, tmp_path, capsys, folder)
    path.write_text("\n".join(lines[:-1]) + "\n")
    assert f"{path}: {len(lines) - 1} frames; the run on sequence '{sequence.name}' has {len(lines)}" in \
        _refused(multistart, tmp_path, capsys, folder)
    path.write_text(good)
    time = path.with_name(f"{path.stem}_time.value")
    time.write_text("0.1\n\nfast\n")
    assert f"{time}:3: 'fast' is not a number" in _refused(multistart, tmp_path, capsys, folder)
    time.write_text("0.1\n" * (len(lines) + 1))
    assert f"{time}:{len(lines) + 1}: a value past the trajectory's {len(lines)} frames" in \
        _refused(multistart, tmp_path, capsys, folder)


def test_a_binary_trajectory_reads_as_its_text_and_text_wins_over_it(multistart, tmp_path, capsys):
    folder, sequence, seq_folder, runs = _broken(multistart, tmp_path)
    root = multistart[0]
    text = seq_folder / f"{sequence.name}_{runs[0].anchor:08d}.txt"
    regions = read_trajectory(str(text))
    write_trajectory(str(text.with_suffix(".bin")), regions)
    assert _import(MULTI, root, tmp_path / "both", "multistart", "t", folder, "--sequences", sequence.name) == 0
    text.unlink()
    assert _import(MULTI, root, tmp_path / "bin", "multistart", "t", folder, "--sequences", sequence.name) == 0
    frames = MULTISTART.shard_lengths([sequence])
    both = read_tracker(tmp_path / "both", MULTI, "multistart", "t", [sequence.name], frames=frames)[sequence.name][0]
    binary = read_tracker(tmp_path / "bin", MULTI, "multistart", "t", [sequence.name], frames=frames)[sequence.name][0]
    np.testing.assert_array_equal(binary.status, both.status)
    # the binary format keeps float32: the text's float64 boxes rounded to it
    np.testing.assert_array_equal(binary.boxes, both.boxes.astype(np.float32).astype(np.float64))
    assert not np.array_equal(binary.boxes[1:], both.boxes[1:], equal_nan=True)  # the text was read where both exist
    np.testing.assert_array_equal(binary.latency_ms, both.latency_ms)


def test_longterm_confidences_round_trip(tmp_path, capsys):
    root = write_vot_root(load_synthetic(size=DEFAULT)[:3], tmp_path / "root", longterm=True)
    sequences = load_vot(root, LONG)
    results = tmp_path / "results"
    rng = np.random.default_rng(3)
    for sequence in sequences:
        write_shard(results, ShardKey("doubtful", LONG, sequence.name, 1, "longterm"),
                    _shard(rng, sequence.ground_truth, confidence=True), _provenance())
    workspace = tmp_path / "ws"
    assert main(["export", "--vot-workspace", str(workspace), "--bench", LONG, "--root", str(root),
                 "--results", str(results), "--protocol", "longterm"]) == 0
    published = workspace / "results" / "doubtful" / "longterm"
    confidence = published / sequences[0].name / f"{sequences[0].name}_001_confidence.value"
    assert "\n\n" in confidence.read_text()  # NaN written as the toolkit's empty line
    assert _import(LONG, root, results, "longterm", "published", published) == 0
    _same_shards(results, LONG, "longterm", sequences, "doubtful", "published", None)
    scores = _eval(capsys, LONG, root, results, "longterm")
    _same_scores(scores["published"], scores["doubtful"])
    assert 0 < scores["doubtful"]["f_score"] < 1
    one = [sequences[0].name]
    confidence.write_text(confidence.read_text().rstrip("\n"))  # no newline after the last value
    assert _import(LONG, root, results, "longterm", "unended", published, "--sequences", one[0]) == 0
    stored = read_tracker(results, LONG, "longterm", "unended", one)[one[0]][0]
    np.testing.assert_array_equal(stored.scores, read_tracker(results, LONG, "longterm", "doubtful", one)[one[0]][0].scores)
    confidence.unlink()  # no confidence file: every frame NaN, read as 0 by the analyses
    assert _import(LONG, root, results, "longterm", "unsure", published, "--sequences", one[0]) == 0
    stored = read_tracker(results, LONG, "longterm", "unsure", one)[one[0]][0]
    assert np.isnan(stored.scores).all() and len(stored.scores) == len(sequences[0])


def test_several_trackers_under_results_are_refused(multistart, tmp_path, capsys):
    _, _, _, published = multistart
    folder = tmp_path / "results"
    shutil.copytree(published / "drifter", folder / "drifter")
    shutil.copytree(published / "drifter", folder / "other")
    err = _refused(multistart, tmp_path, capsys, folder)
    assert f"{folder}: results of 2 trackers (drifter, other); name one tracker's folder" in err


def test_unknown_and_failure_lines_are_scored_as_the_toolkit_reads_them(tmp_path):
    """Average accuracy leaves out a trajectory's unknown (0) and failure (2) frames (vot/analysis/accuracy.py
    gather_overlaps, ignore_unknown): what published files hold and the import stores as they are. The
    harness once scored them as tracked frames of overlap 0 (0.372 against the toolkit's 0.408 on
    `vot analysis` of such a workspace)."""
    root = write_vot_root(load_synthetic(size=DEFAULT)[:1], tmp_path / "root")
    (sequence,) = load_vot(root, MULTI)
    shard = _shard(np.random.default_rng(5), sequence.ground_truth, confidence=False)
    assert {"skipped", "failed"} <= set(shard.statuses)
    write_shard(tmp_path, ShardKey("t", MULTI, sequence.name, 1, "unsupervised"), shard, _provenance())
    stored = read_tracker(tmp_path, MULTI, "unsupervised", "t", [sequence.name])
    ours = UNSUPERVISED.score(stored, [sequence], UNSUPERVISED.profile("vot_toolkit"), benchmark_record(MULTI))
    codes = {"initialized": 1, "failed": 2, "skipped": 0}
    trajectory = [Special(codes[s]) if s in codes else Rectangle(*b) for s, b in zip(shard.statuses, shard.boxes)]
    truth = [Special(0) if np.isnan(g).any() else Rectangle(*g) for g in sequence.ground_truth]
    overlaps, _ = gather_overlaps(trajectory, truth, burnin=1, bounds=tuple(sequence.image_size))
    # one sequence: the toolkit's mean of its kept overlaps; the same pixel counts, summed in another order
    assert ours.values["accuracy"] == pytest.approx(float(np.mean(overlaps)), abs=1e-12)
