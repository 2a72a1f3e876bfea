"""The long-term `pysot` profile (harness/metrics/vot/longterm.py) against a plain re-implementation of pysot's
F1Benchmark written here line by line from its source (STVIR/pysot@d04028f8e18c; pysot is not installable
here, so it is read, not run):

- toolkit/datasets/vot.py, `VOTLTVideo.__init__` lines 139-140: a `nan` ground-truth line becomes [0];
  `load_tracker` lines 160-173: `<seq>_001.txt` only, the confidence file's first line dropped and NaN put
  in its place;
- toolkit/evaluation/f1_benchmark.py `_cal_precision_reall` lines 40-68: confidences of every video pooled,
  `determine_thresholds(score)[::-1]`, N = ground-truth lines of more than one value, `calculate_f1` per
  video; `show_result` lines 75-83: precision and recall averaged over videos, F1 of the means, np.argmax;
  per video lines 127-145: each video's own np.argmax;
- toolkit/utils/statistics.py `determine_thresholds` lines 121-133 and `calculate_f1` lines 135-154.

The overlaps are the input here (the experiment computes them with pysot's region overlap, NaN where either
side has no region; the last test here runs that path through `harness eval`).

Tolerance 1e-12: pysot takes np.mean / np.sum of each threshold's overlaps (pairwise), the harness a bincount
and a cumulative sum; they differ by ulps of sums of at most a few hundred overlaps in [0, 1]."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from benchmarks.synthetic import DEFAULT, load_synthetic
from benchmarks.synthetic_vot import write_vot_root
from benchmarks.vot import load_vot
from harness.cli import main
from harness.errors import EvaluationError
from harness.experiments.regions import pysot_overlaps
from harness.metrics.vot.longterm import PROFILES, LongTermSequence, evaluate_longterm, pysot_thresholds
from harness.store import Provenance, ShardFrames, ShardKey, read_tracker, write_shard

PYSOT = PROFILES["pysot"]


def _determine_thresholds(scores: np.ndarray, resolution: int = 100) -> np.ndarray:
    """statistics.py lines 121-133, ascending (-inf first)."""
    scores = np.sort(scores[~np.isnan(scores)])
    delta = np.floor(len(scores) / (resolution - 2))
    idxs = np.floor(np.linspace(delta - 1, len(scores) - delta, resolution - 2) + 0.5).astype(np.int32)
    thresholds = np.zeros(resolution)
    thresholds[0], thresholds[-1] = -np.inf, np.inf
    thresholds[1:-1] = scores[idxs]
    return thresholds


def _calculate_f1(overlaps: list[float], score: list[float], thresholds: np.ndarray, n: int):
    """statistics.py lines 135-154, a loop over thresholds."""
    overlaps, score = np.array(overlaps), np.array(score)
    overlaps[np.isnan(overlaps)] = 0
    score[np.isnan(score)] = 0
    precision, recall = np.zeros(len(thresholds)), np.zeros(len(thresholds))
    for i, th in enumerate(thresholds):
        idx = score > 0 if th == -np.inf else score >= th
        if np.sum(idx) == 0:
            precision[i], recall[i] = 1, 0
        else:
            precision[i] = np.mean(overlaps[idx])
            recall[i] = np.sum(overlaps[idx]) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * precision * recall / (precision + recall)
    return f1, precision, recall


def _f1_benchmark(videos: list[dict], resolution: int = 100) -> dict:
    """f1_benchmark.py lines 40-68 and show_result lines 75-83 (and 127-145 per video), on videos given as the
    stored run: `overlaps` and `confidence` (repetitions, N), `absent` (N,)."""
    read = []
    for v in videos:
        confidence = np.asarray(v["confidence"])[0]  # <seq>_001 only
        read.append([float("nan")] + [float(c) for c in confidence[1:]])  # first line dropped, NaN inserted
    pooled = np.array([c for score in read for c in score])
    thresholds = _determine_thresholds(pooled, resolution)[::-1]
    per_video = {}
    for v, score in zip(videos, read):
        n = sum(1 for gone in v["absent"] if not gone)  # gt lines of more than one value
        with np.errstate(invalid="ignore", divide="ignore"):
            per_video[v["name"]] = _calculate_f1(list(np.asarray(v["overlaps"])[0]), score, thresholds, n)
    precision = np.mean([p for _, p, _ in per_video.values()], axis=0)
    recall = np.mean([r for _, _, r in per_video.values()], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * precision * recall / (precision + recall)
    best = np.argmax(f1)
    videos_at = {name: (p[np.argmax(f)], r[np.argmax(f)], f[np.argmax(f)]) for name, (f, p, r) in per_video.items()}
    return {"thresholds": thresholds, "precision": precision, "recall": recall, "f1": f1, "best": best,
            "values": (precision[best], recall[best], f1[best]), "videos": videos_at}


def _generated(seed: int, n_sequences: int, lengths: tuple[int, int], repetitions: int = 2) -> list[dict]:
    """Absent ground truth (its overlap NaN, as pysot's vot_overlap gives), outputs with no region (NaN) and
    far off (0); confidences rounded to one decimal (ties), some missing (NaN), some 0 or negative (which the
    lowest threshold leaves out), a first frame with a confidence pysot never reads."""
    rng = np.random.default_rng(seed)
    videos = []
    for s in range(n_sequences):
        n = int(rng.integers(*lengths))
        absent = rng.random(n) < 0.2
        absent[0] = False
        overlaps = np.round(rng.uniform(0, 1, (repetitions, n)), 3)
        overlaps[rng.random((repetitions, n)) < 0.15] = 0.0
        overlaps[:, absent] = np.nan
        overlaps[rng.random((repetitions, n)) < 0.05] = np.nan  # the tracker reported no region
        overlaps[:, 0] = np.nan  # the initialisation line "1"
        confidence = np.round(rng.uniform(-0.3, 1, (repetitions, n)), 1)
        confidence[rng.random((repetitions, n)) < 0.1] = np.nan
        videos.append({"name": f"seq{s}", "overlaps": overlaps, "confidence": confidence, "absent": absent})
    return videos


def _inputs(videos: list[dict]) -> list[LongTermSequence]:
    return [LongTermSequence(v["name"], v["overlaps"], v["confidence"], v["absent"]) for v in videos]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pysot divides by P + R = 0 (F NaN), as it does there
@pytest.mark.parametrize("seed", range(5))
def test_pysot_profile_equals_the_line_by_line_f1_benchmark(seed: int) -> None:
    videos = _generated(seed, n_sequences=4, lengths=(30, 90))
    ours = evaluate_longterm(_inputs(videos), PYSOT)
    ref = _f1_benchmark(videos)
    np.testing.assert_array_equal(ours.thresholds, ref["thresholds"])
    np.testing.assert_allclose(ours.precision_curve, ref["precision"], atol=1e-12, rtol=0)
    np.testing.assert_allclose(ours.recall_curve, ref["recall"], atol=1e-12, rtol=0)
    np.testing.assert_allclose(ours.f_curve, ref["f1"], atol=1e-12, rtol=0, equal_nan=True)
    assert ours.best == ref["best"]
    got = (ours.values["precision"], ours.values["recall"], ours.values["f_score"])
    assert got == pytest.approx(ref["values"], abs=1e-12, nan_ok=True)
    for name, figures in ours.per_sequence_figures.items():
        got = (figures["precision"], figures["recall"], figures["f_score"])
        assert got == pytest.approx(ref["videos"][name], abs=1e-12, nan_ok=True), name
    toolkit = evaluate_longterm(_inputs(videos), dataclasses.replace(PROFILES["vot_toolkit"], overlap="pysot"))
    assert not np.array_equal(toolkit.thresholds, ours.thresholds)


def test_thresholds_at_pysots_ranks() -> None:
    """200 distinct confidences, resolution 10: delta 25, ranks floor(linspace(24, 175, 8) + .5) from the
    lowest (the toolkit: round(linspace(25, 175, 8)) from the highest); .5 ranks round up, not to even."""
    confidence = np.arange(200, dtype=np.float64)
    ranks = np.floor(np.linspace(24, 175, 8) + 0.5).astype(int)
    np.testing.assert_array_equal(pysot_thresholds(confidence, 10), [np.inf, *ranks[::-1], -np.inf])
    np.testing.assert_array_equal(pysot_thresholds(confidence, 10), _determine_thresholds(confidence, 10)[::-1])
    six = np.array([0.0, .2, .4, .7, .7, .9])  # delta 2: linspace(1, 4, 3) = 1, 2.5, 4 -> ranks 1, 3, 4
    np.testing.assert_array_equal(pysot_thresholds(six, 5), [np.inf, .7, .7, .2, -np.inf])


def test_fewer_confidences_than_thresholds_are_refused_as_pysot_fails_on_them() -> None:
    with pytest.raises(IndexError):
        _determine_thresholds(np.arange(97.0))
    with pytest.raises(EvaluationError, match="picks 98 thresholds .* these results have 97"):
        pysot_thresholds(np.r_[np.arange(97.0), np.nan, np.nan], 100)
    # exactly as many as it picks: delta 1, ranks 0 .. 97, every confidence a threshold
    np.testing.assert_array_equal(pysot_thresholds(np.arange(98.0), 100), _determine_thresholds(np.arange(98.0))[::-1])


def test_known_answer_by_hand() -> None:
    """Eight frames, the seventh absent; overlaps NaN (initialisation), .9, .8, .6, .5, .3, NaN (absent), 0;
    confidences .99 (never read), .9, .7, .7, .4, 0, .2, NaN. Pooled: 0, .2, .4, .7, .7, .9; resolution 5
    picks ranks 1, 3, 4: thresholds inf, .7, .7, .2, -inf. At .7: precision 2.3 / 3, recall 2.3 / 7 (seven
    visible frames), F 46 / 100. At .2: frames 2..5 and 7, 2.8 / 5 and 2.8 / 7, F 5.6 / 12. At -inf only
    confidence > 0 passes: the same five frames (the toolkit would take all eight)."""
    seq = LongTermSequence("a", np.array([np.nan, .9, .8, .6, .5, .3, np.nan, 0.0]),
                           np.array([.99, .9, .7, .7, .4, 0.0, .2, np.nan]),
                           np.array([False] * 6 + [True, False]))
    result = evaluate_longterm([seq], dataclasses.replace(PYSOT, resolution=5))
    np.testing.assert_array_equal(result.thresholds, [np.inf, .7, .7, .2, -np.inf])
    np.testing.assert_allclose(result.precision_curve, [1, 2.3 / 3, 2.3 / 3, .56, .56], atol=1e-15)
    np.testing.assert_allclose(result.recall_curve, [0, 2.3 / 7, 2.3 / 7, .4, .4], atol=1e-15)
    np.testing.assert_allclose(result.f_curve, [0, .46, .46, 5.6 / 12, 5.6 / 12], atol=1e-15)
    assert result.best == 3
    assert (result.values["precision"], result.values["recall"]) == pytest.approx((.56, .4), abs=1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # F = 0 / 0 where precision and recall are both 0
def test_a_nan_f_score_is_the_maximum_for_np_argmax() -> None:
    """Confidences .9 and .5 after the first frame; resolution 3 picks .9 (delta 2, rank floor(1.5) = 1). At .9
    the only frame has overlap 0: precision 0, recall 0, F NaN, which np.argmax takes for the maximum; the
    toolkit's max skips it for -inf (precision .4, recall .8 / 3)."""
    seq = LongTermSequence("a", np.array([np.nan, 0.0, .8]), np.array([np.nan, .9, .5]), np.zeros(3, bool))
    pysot = evaluate_longterm([seq], dataclasses.replace(PYSOT, resolution=3))
    np.testing.assert_array_equal(pysot.thresholds, [np.inf, .9, -np.inf])
    assert pysot.best == 1 and np.isnan(pysot.values["f_score"]) and pysot.values["precision"] == 0.0
    assert np.isnan(pysot.per_sequence_figures["a"]["f_score"])
    first_max = evaluate_longterm([seq], dataclasses.replace(PYSOT, resolution=3, best="first_maximum"))
    assert first_max.best == 2 and first_max.values["precision"] == pytest.approx(.4, abs=1e-15)


def test_only_the_first_repetition_counts() -> None:
    videos = _generated(7, n_sequences=3, lengths=(40, 60), repetitions=3)
    first = [{**v, "overlaps": v["overlaps"][:1], "confidence": v["confidence"][:1]} for v in videos]
    assert evaluate_longterm(_inputs(videos), PYSOT).values == evaluate_longterm(_inputs(first), PYSOT).values


def _write_longterm(results, root, tracker: str, seed: int) -> None:
    """One-pass shards of `synthetic_votlt` drifting around the ground truth, lost for a while (far off, low
    confidence), confidence quantised (ties), missing on some frames."""
    rng = np.random.default_rng(seed)
    provenance = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)
    for sequence in load_vot(root, "synthetic_votlt"):
        n = len(sequence)
        truth = np.where(np.isnan(sequence.ground_truth), 20.0, sequence.ground_truth)
        boxes = truth + rng.normal(0, 3, (n, 4)) * [1, 1, 0.5, 0.5]
        lost = np.zeros(n, bool)
        start = int(rng.integers(1, n))
        lost[start:start + int(rng.integers(1, 30))] = True
        boxes[lost, :2] += 400
        confidence = np.round(np.where(lost, 0.1, 0.8) + rng.normal(0, 0.2, n), 1)
        confidence[rng.random(n) < 0.05] = np.nan
        statuses = np.array(["initialized"] + ["tracked"] * (n - 1))
        write_shard(results, ShardKey(tracker, "synthetic_votlt", sequence.name, 1, "longterm"),
                    ShardFrames(boxes, confidence, statuses, np.full(n, 5.0)), provenance)


def _eval(capsys, root, results, profile: str) -> dict:
    capsys.readouterr()
    assert main(["eval", "--bench", "synthetic_votlt", "--root", str(root), "--results", str(results),
                 "--protocol", "longterm", "--profile", profile, "--no-report", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_harness_eval_scores_synthetic_votlt_with_the_pysot_profile(tmp_path, capsys) -> None:
    """Through the CLI: pysot's figures are the line-by-line F1Benchmark's on pysot's region overlaps (NaN on
    the first frame and on absent ground truth) and differ from the toolkit's (other overlaps, thresholds and
    lowest threshold)."""
    root = write_vot_root(load_synthetic(size=DEFAULT), tmp_path / "votlt", longterm=True)
    results = tmp_path / "results"
    _write_longterm(results, root, "drifter", seed=3)
    pysot = _eval(capsys, root, results, "pysot")["trackers"]["drifter"]
    toolkit = _eval(capsys, root, results, "vot_toolkit")["trackers"]["drifter"]
    videos = []
    for sequence in load_vot(root, "synthetic_votlt"):
        (shard,) = read_tracker(results, "synthetic_votlt", "longterm", "drifter", [sequence.name])[sequence.name]
        present = np.arange(len(sequence)) > 0
        videos.append({"name": sequence.name, "overlaps": pysot_overlaps(sequence, shard.boxes, present)[None],
                       "confidence": shard.scores[None], "absent": np.isnan(sequence.ground_truth).any(axis=1)})
    ref = _f1_benchmark(videos)
    assert (pysot["precision"], pysot["recall"], pysot["f_score"]) == pytest.approx(ref["values"], abs=1e-12)
    np.testing.assert_allclose(pysot["precision_curve"], ref["precision"], atol=1e-12, rtol=0)
    assert abs(pysot["f_score"] - toolkit["f_score"]) > 1e-3
    assert pysot["thresholds"] != toolkit["thresholds"]
