"""The long-term analyses (harness/metrics/vot/longterm.py) against vot-toolkit 0.9.0's own chain
(vot/analysis/longterm.py): `_ConfidenceScores.subcompute` -> `_Thresholds.aggregate` ->
`PrecisionRecallCurves.subcompute` -> `PrecisionRecallCurve.aggregate` -> `FScoreCurve.compute` ->
`PrecisionRecall.compute`, called directly on in-memory toolkit sequences and trajectories (with their
`confidence` property) and an experiment answering only `gather`, which is all they ask of it. Ground truth
mixes visible frames and absent ones (NaN lines: Special 0); outputs mix boxes, empty boxes and frames far
off; confidences are rounded to two decimals (ties), some frames have none (the store's NaN: no property in
the toolkit's trajectory, read there as 0). Our overlaps are the toolkit's `calculate_overlaps`.

Tolerance 1e-12: the toolkit sums a threshold's overlaps with np.mean/np.sum (pairwise), we with a
bincount and a cumulative sum; they differ by ulps of sums of at most 200 overlaps in [0, 1].
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from harness.errors import EvaluationError, ProfileError
from harness.metrics.vot.longterm import PROFILES, LongTermSequence, determine_thresholds, evaluate_longterm
from tests.test_vot_multistart_metrics import HEIGHT, WIDTH, _Sequence

vot_longterm = pytest.importorskip("vot.analysis.longterm")
from vot.region import Special, calculate_overlaps, is_special  # noqa: E402
from vot.region.shapes import Rectangle  # noqa: E402
from vot.tracker import Trajectory  # noqa: E402
from vot.utilities.data import Grid  # noqa: E402

TOOLKIT = PROFILES["vot_toolkit"]


class _Experiment:
    def __init__(self, trajectories: dict[str, list[Trajectory]]) -> None:
        self.stored = trajectories

    def gather(self, tracker: object, sequence: _Sequence, objects: list | None = None) -> list[Trajectory]:
        return self.stored[sequence.name]


def _cell(value: tuple) -> Grid:
    grid = Grid(1, 1)
    grid[0, 0] = value
    return grid


def _toolkit(experiment: _Experiment, sequences: list[_Sequence], resolution: int, beta: float = 1.0) -> dict:
    scores = [vot_longterm._ConfidenceScores().subcompute(experiment, None, s, []) for s in sequences]
    thresholds = vot_longterm._Thresholds(resolution=resolution).aggregate(None, sequences, scores)
    analysis = vot_longterm.PrecisionRecallCurves(resolution=resolution)
    partial = [analysis.subcompute(experiment, None, s, _cell(thresholds)) for s in sequences]
    pr = _cell(vot_longterm.PrecisionRecallCurve().aggregate(None, sequences, partial))
    f = vot_longterm.FScoreCurve(beta=beta).compute(None, [None], sequences, [pr])
    precision, recall, f_score = vot_longterm.PrecisionRecall().compute(None, [None], sequences, [pr, f])[0, 0]
    return {"thresholds": thresholds[0][0], "partial": partial, "curve": pr[0, 0][0], "f": f[0, 0][0],
            "values": {"f_score": f_score, "precision": precision, "recall": recall}}


def _data(seed: int, n_sequences: int, lengths: tuple[int, int], absent: float = 0.25,
          all_absent: bool = False) -> tuple[_Experiment, list[_Sequence], list[LongTermSequence]]:
    rng = np.random.default_rng(seed)
    stored, sequences, inputs = {}, [], []
    for s in range(n_sequences):
        length = int(rng.integers(*lengths))
        seq = _Sequence(f"seq{s}", ["color"])
        for _ in range(length):
            gone = all_absent and s == 0 or rng.random() < absent
            gt = Special(0) if gone else Rectangle(float(rng.integers(0, 25)), float(rng.integers(0, 15)), 10.0, 10.0)
            seq.append({"color": np.zeros((HEIGHT, WIDTH, 3), np.uint8)}, gt)
        gt = seq.groundtruth()
        trajectories, overlaps, confidence = [], [], []
        for _ in range(int(rng.integers(1, 3))):
            t = Trajectory(length)
            conf = np.round(rng.uniform(0, 1, length), 2)
            conf[rng.random(length) < 0.1] = np.nan
            for i in range(length):
                kind = rng.random()
                x, y = (gt[i].x, gt[i].y) if isinstance(gt[i], Rectangle) else (10.0, 10.0)
                region = Rectangle(0.0, 0.0, 0.0, 0.0) if kind < 0.2 else Rectangle(-30.0, -30.0, 5.0, 5.0) \
                    if kind < 0.3 else Rectangle(x + float(rng.integers(-3, 4)), y + float(rng.integers(-3, 4)), 10.0, 10.0)
                t.set(i, region, {} if np.isnan(conf[i]) else {"confidence": float(conf[i])})
            trajectories.append(t)
            overlaps.append(calculate_overlaps(t.regions(), gt, seq.size))
            confidence.append(conf)
        stored[seq.name] = trajectories
        sequences.append(seq)
        inputs.append(LongTermSequence(seq.name, np.array(overlaps), np.array(confidence),
                                       np.array([is_special(g) for g in gt])))
    return _Experiment(stored), sequences, inputs


def _compare(ours, toolkit: dict, names: list[str]) -> None:
    np.testing.assert_array_equal(ours.thresholds, toolkit["thresholds"])
    recall, precision = np.array(toolkit["curve"]).T
    np.testing.assert_allclose(ours.precision_curve, precision, atol=1e-12, rtol=0, equal_nan=True)
    np.testing.assert_allclose(ours.recall_curve, recall, atol=1e-12, rtol=0, equal_nan=True)
    np.testing.assert_allclose(ours.f_curve, toolkit["f"], atol=1e-12, rtol=0, equal_nan=True)
    for name in ("f_score", "precision", "recall"):
        assert ours.values[name] == pytest.approx(toolkit["values"][name], abs=1e-12, rel=0, nan_ok=True), name
    for name, (curve, _) in zip(names, toolkit["partial"]):
        p, r = np.array(curve).T
        got = ours.per_sequence_figures[name]
        assert (got["precision"], got["recall"]) == pytest.approx((p[ours.best], r[ours.best]), abs=1e-12, nan_ok=True)


def test_sampled_thresholds_precision_recall_and_f_equal_the_toolkit() -> None:
    """More confidences than resolution - 2: thresholds at evenly spaced ranks; repetitions averaged."""
    experiment, sequences, inputs = _data(seed=5, n_sequences=5, lengths=(40, 200))
    ours = evaluate_longterm(inputs)
    assert len(ours.thresholds) == 100 and 0 < ours.best < 99
    _compare(ours, _toolkit(experiment, sequences, 100), [s.name for s in sequences])


@pytest.mark.parametrize("seed", range(6))
def test_every_confidence_a_threshold_ties_included_equals_the_toolkit(seed: int) -> None:
    """Fewer confidences than resolution - 2: every one is a threshold, repeated values too."""
    experiment, sequences, inputs = _data(seed=seed, n_sequences=3, lengths=(3, 12))
    ours = evaluate_longterm(inputs, dataclasses.replace(TOOLKIT, name="fine", resolution=60))
    assert len(ours.thresholds) < 60
    _compare(ours, _toolkit(experiment, sequences, 60), [s.name for s in sequences])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the toolkit divides by zero visible frames
def test_a_sequence_without_visible_frames_poisons_the_curves_as_in_the_toolkit() -> None:
    """Its recall divides by zero visible frames: inf or NaN at every threshold one of its frames passes, so
    the mean curves and the F curve are NaN there, and the toolkit's max skips those points."""
    experiment, sequences, inputs = _data(seed=2, n_sequences=3, lengths=(10, 30), all_absent=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ours divides by zero silently
        ours = evaluate_longterm(inputs)
    assert np.isnan(ours.f_curve).sum() > 50 and not np.isnan(ours.values["f_score"])
    _compare(ours, _toolkit(experiment, sequences, 100), [s.name for s in sequences])


def test_known_answers_by_hand() -> None:
    """Confidences .9, .5, .5, NaN (read as 0) give thresholds inf, .9, .5, .5, 0, -inf; overlaps .8, .6, .4,
    1 on ground truth visible but in the last frame: at .5, precision (.8 + .6 + .4) / 3, recall 1.8 / 3."""
    seq = LongTermSequence("a", np.array([.8, .6, .4, 1.0]), np.array([.9, .5, .5, np.nan]),
                           np.array([False, False, False, True]))
    result = evaluate_longterm([seq])
    np.testing.assert_array_equal(result.thresholds, [np.inf, .9, .5, .5, 0.0, -np.inf])
    np.testing.assert_allclose(result.precision_curve, [1, .8, .6, .6, .7, .7], atol=1e-15)
    np.testing.assert_allclose(result.recall_curve, [0, .8 / 3, .6, .6, 2.8 / 3, 2.8 / 3], atol=1e-15)
    f = 2 * .7 * (2.8 / 3) / (.7 + 2.8 / 3)
    assert result.best == 4 and result.values["f_score"] == pytest.approx(f, abs=1e-15)
    assert result.curves()[1].point == 4 and result.per_sequence_figures["a"]["f_score"] == pytest.approx(f)


def test_a_nan_first_f_score_is_the_maximum_as_python_max_keeps_it() -> None:
    """Infinite confidence on an absent target reported absent (overlap 1): recall 1 / 0 at +inf, F NaN there,
    and `max` starting from NaN never replaces it."""
    seq = LongTermSequence("gone", np.ones(3), np.array([np.inf, .5, .2]), np.ones(3, bool))
    result = evaluate_longterm([seq])
    assert result.best == 0 and np.isnan(result.values["f_score"]) and result.values["precision"] == 1.0


def test_thresholds_at_evenly_spaced_ranks() -> None:
    """200 distinct confidences, resolution 10: delta 25, ranks round(linspace(25, 175, 8))."""
    confidence = np.arange(200, dtype=np.float64)
    ranks = np.round(np.linspace(25, 175, 8)).astype(int)
    np.testing.assert_array_equal(determine_thresholds(confidence, 10)[1:-1], 199 - ranks)
    np.testing.assert_array_equal(determine_thresholds(confidence, 10)[1:-1],
                                  vot_longterm.determine_thresholds(confidence.tolist(), 10)[1:-1])
    np.testing.assert_array_equal(determine_thresholds(confidence[:8], 10)[1:-1], confidence[7::-1])  # all 8
    np.testing.assert_array_equal(determine_thresholds(confidence[:9], 10)[1:-1],  # 9 > 8: picked again
                                  vot_longterm.determine_thresholds(confidence[:9].tolist(), 10)[1:-1])
    assert len(determine_thresholds(confidence[:9], 10)) == 10


def test_the_f_score_of_another_beta_equals_the_toolkit() -> None:
    """FScoreCurve's beta (its (1 + b^2) R P / (b^2 R + P)): beta 2 weighs recall more."""
    experiment, sequences, inputs = _data(seed=5, n_sequences=5, lengths=(40, 200))
    ours = evaluate_longterm(inputs, dataclasses.replace(TOOLKIT, name="beta2", beta=2.0))
    _compare(ours, _toolkit(experiment, sequences, 100, beta=2.0), [s.name for s in sequences])
    assert ours.values["f_score"] != evaluate_longterm(inputs).values["f_score"]


@pytest.mark.filterwarnings("error::RuntimeWarning")  # F = 0 / 0 where P = R = 0, silently
def test_a_nan_f_score_after_the_first_is_skipped_as_python_max_skips_it() -> None:
    """Confidences .9 (overlap 0) and .5 (overlap .8): at threshold .9 precision and recall are 0 and F is
    0 / 0 = NaN; the toolkit's max starts from F = 0 at +inf, passes the NaN by, and takes threshold .5:
    P = .4, R = .4, F = .4."""
    seq = LongTermSequence("a", np.array([0.0, .8]), np.array([.9, .5]), np.zeros(2, bool))
    result = evaluate_longterm([seq])
    assert result.f_curve[0] == 0.0 and np.isnan(result.f_curve[1])
    assert result.best == 2 and result.values == {"f_score": pytest.approx(.4, abs=1e-15), "precision": .4,
                                                  "recall": .4}


def test_bad_shapes_are_named() -> None:
    with pytest.raises(EvaluationError, match=r"lt.txt: sequence a has 3 ground-truth frames but overlaps \(1, 2\)"):
        evaluate_longterm([LongTermSequence("a", np.zeros(2), np.zeros(2), np.zeros(3, bool), source="lt.txt")])
    with pytest.raises(ProfileError, match="resolution=2 must be an integer >= 3"):
        dataclasses.replace(TOOLKIT, resolution=2)
    with pytest.raises(EvaluationError, match=r"sequence a has 3 ground-truth frames but overlaps \(1, 3\)"):
        evaluate_longterm([LongTermSequence("a", np.zeros(3), np.zeros(3), np.zeros((3, 1), bool))])
    with pytest.raises(EvaluationError, match=r"sequence a has 3 ground-truth frames but overlaps \(0, 3\)"):
        evaluate_longterm([LongTermSequence("a", np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(3, bool))])


def test_result_declarations() -> None:
    """What the reports, tables and eval --json read of a result (the hand-worked sequence above): the PR curve
    (recall x precision in the unit square) and the F curve over the threshold index, both marking the best
    F-score's point; the table's F / Pr / Re; per-sequence figures; the JSON, infinite thresholds as null."""
    seq = LongTermSequence("a", np.array([.8, .6, .4, 1.0]), np.array([.9, .5, .5, np.nan]),
                           np.array([False, False, False, True]))
    result = evaluate_longterm([seq])
    f = 2 * .7 * (2.8 / 3) / (.7 + 2.8 / 3)
    assert result.profile == "vot_toolkit" and result.table_fields == ("f_score", "precision", "recall")
    pr, f_curve = result.curves()
    assert (pr.name, pr.label, pr.x_label, pr.x_name, pr.field, pr.point, pr.x_range, pr.y_range) == (
        "pr_curve", "precision", "recall", "pr_recall", "f_score", 4, (0.0, 1.0), (0.0, 1.0))
    np.testing.assert_allclose(pr.x, [0, .8 / 3, .6, .6, 2.8 / 3, 2.8 / 3], atol=1e-15)
    np.testing.assert_allclose(pr.y, [1, .8, .6, .6, .7, .7], atol=1e-15)
    assert (f_curve.name, f_curve.label, f_curve.x_label, f_curve.field, f_curve.point, f_curve.x_range,
            f_curve.y_range) == ("f_curve", "F-score", "confidence threshold (index, from the highest confidence down)",
                                 "f_score", 4, (0.0, 5.0), (0.0, 1.0))
    np.testing.assert_array_equal(f_curve.x, np.arange(6))
    np.testing.assert_array_equal(f_curve.y, result.f_curve)
    assert result.f_curve[4] == pytest.approx(f, abs=1e-15)
    assert result.terms() == {} and result.scatters() == [] and result.groups() == {}
    assert result.per_sequence() == {"precision": {"a": pytest.approx(.7, abs=1e-15)},
                                     "recall": {"a": pytest.approx(2.8 / 3, abs=1e-15)},
                                     "f_score": {"a": pytest.approx(f, abs=1e-15)}}
    got = result.to_json()
    assert got["thresholds"] == [None, .9, .5, .5, 0.0, None] and got["best_threshold"] == 4
    assert got["precision_curve"] == pytest.approx([1, .8, .6, .6, .7, .7], abs=1e-15)
    assert got["pr_recall"] == pytest.approx([0, .8 / 3, .6, .6, 2.8 / 3, 2.8 / 3], abs=1e-15)
    assert got["f_curve"] == pytest.approx([0.0, *result.f_curve[1:]], abs=1e-15)  # recall 0 at +inf: F = 0
    assert (got["f_score"], got["precision"], got["recall"]) == pytest.approx((f, .7, 2.8 / 3), abs=1e-15)
    assert got["per_sequence"] == result.per_sequence_figures
    assert set(got) == {"f_score", "precision", "recall", "thresholds", "precision_curve", "pr_recall", "f_curve",
                        "best_threshold", "per_sequence"}


def test_profiles_refuse_what_the_toolkit_cannot_mean() -> None:
    for good in ({"resolution": 3}, {"beta": 0.5}, {"beta": 2.0}):
        assert dataclasses.replace(TOOLKIT, **good)
    for bad in ({"resolution": 2}, {"resolution": True}, {"resolution": 10.0}, {"beta": 0.0}, {"beta": -1.0},
                {"beta": 1}):
        with pytest.raises(ProfileError, match=f"profile vot_toolkit: {next(iter(bad))}="):
            dataclasses.replace(TOOLKIT, **bad)
