"""The multistart analyses (harness/metrics/vot/multistart.py) against vot-toolkit 0.9.0's own classes:
`AccuracyRobustness.subcompute`, `AverageAccuracyRobustness.aggregate`, `EAOCurves.subcompute`,
`EAOCurve.aggregate` and `EAOScore.compute` (vot/analysis/multistart.py), called directly on toolkit
objects built in memory: `InMemorySequence`s with anchor values, trajectories written by the toolkit's
`Trajectory.write` into a `LocalStorage`, and a minimal experiment that only answers `results()` and
`anchor` (all the analyses ask of a `MultiStartExperiment`). Our inputs are the overlaps the toolkit's
`calculate_overlaps` gives on the same regions, as the harness's caller computes them. Random runs mix
bad stretches of grace - 1, grace and grace + 1 frames, empty ground truth inside them, overlaps exactly
at the threshold, backward runs, runs of one frame and runs shorter than grace; plus hand-computed cases.

Tolerance 1e-12: the toolkit averages prefixes with np.mean (pairwise) where we take cumulative sums; the
two orders differ by a few ulps of sums of at most 755 overlaps in [0, 1], far below 1e-12.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from harness.errors import EvaluationError, ProfileError
from harness.metrics.vot.multistart import (PROFILES, AnchorRun, MultistartSequence, evaluate_multistart)

vot_multistart = pytest.importorskip("vot.analysis.multistart")
from vot.dataset import InMemorySequence  # noqa: E402
from vot.dataset.proxy import FrameMapSequence  # noqa: E402
from vot.region import Special, calculate_overlaps  # noqa: E402
from vot.region.shapes import Rectangle  # noqa: E402
from vot.tracker import Trajectory  # noqa: E402
from vot.tracker.results import Results  # noqa: E402
from vot.utilities.data import Grid  # noqa: E402
from vot.workspace.storage import LocalStorage  # noqa: E402

WIDTH, HEIGHT = 40, 30
TOOLKIT = PROFILES["vot_toolkit"]
SHORT = dataclasses.replace(TOOLKIT, name="short", low=6, high=40)  # curve points within the test sequences


class _Sequence(InMemorySequence):
    """InMemorySequence whose `size` works: 0.9.0's calls `self.channel()` without the channel it requires."""

    def channel(self, channel: str | None = None):
        return super().channel(channel or "color")


class _Experiment:
    """What the multistart analyses ask of their experiment: the anchor object's name and the results."""

    anchor = "anchor"

    def __init__(self, root: str) -> None:
        self.root = root

    def results(self, tracker: object, sequence: _Sequence) -> Results:
        return Results(LocalStorage(f"{self.root}/{sequence.name}"))


def _gt(rng: np.random.Generator) -> Rectangle:
    return Rectangle(float(rng.integers(0, 25)), float(rng.integers(0, 15)), 10.0, 10.0)


def _prediction(gt, mode: int, rng: np.random.Generator):
    """0: near the target, 1: far away (overlap 0), 2: a 1 x 10 slice of it (overlap exactly 0.1)."""
    if gt.is_empty() or mode == 0:
        return Rectangle(float(rng.integers(0, 27)), float(rng.integers(0, 17)), 10.0, 10.0) if gt.is_empty() else \
            Rectangle(gt.x + float(rng.integers(-2, 3)), gt.y + float(rng.integers(-2, 3)), 10.0, 10.0)
    if mode == 1:
        return Rectangle(-50.0, -50.0, 5.0, 5.0)
    return Rectangle(gt.x, gt.y, 1.0, 10.0)


def _modes(n: int, rng: np.random.Generator, perfect: bool) -> list[int]:
    """Good and bad stretches; bad ones of 1, 9, 10, 11 or 20 frames (grace is 10)."""
    modes: list[int] = []
    while len(modes) < n:
        modes += [0] * int(rng.integers(1, 8))
        if not perfect:
            modes += [int(rng.integers(1, 3))] * int(rng.choice([1, 9, 10, 11, 20]))
    return modes[:n]


def _workspace(root: str, seed: int, n_sequences: int) -> tuple[list[_Sequence], list[MultistartSequence]]:
    rng = np.random.default_rng(seed)
    sequences, inputs = [], []
    experiment = _Experiment(root)
    for s in range(n_sequences):
        length = int(rng.integers(12, 70))
        anchors = {0: 1, length - 1: 1}  # a forward run of one frame from the last frame
        for frame in rng.choice(np.arange(1, length - 1), size=min(4, length - 2), replace=False):
            anchors[int(frame)] = int(rng.choice([1, -1]))
        if length > 4:
            anchors[3] = -1  # a backward run shorter than grace
        seq = _Sequence(f"seq{s}", ["color"])
        gt = [Special(0) if rng.random() < 0.08 else _gt(rng) for _ in range(length)]
        for i in range(length):
            seq.append({"color": np.zeros((HEIGHT, WIDTH, 3), np.uint8)}, gt[i], values={"anchor": anchors.get(i, 0)})
        forward, backward = vot_multistart.find_anchors(seq, "anchor")
        runs = []
        for anchor, reverse in [(f, False) for f in forward] + [(b, True) for b in backward]:
            frames = list(reversed(range(anchor + 1))) if reverse else list(range(anchor, length))
            proxy = FrameMapSequence(seq, frames)
            modes = _modes(len(frames), rng, perfect=s == 0)  # the first sequence never fails
            trajectory = Trajectory(len(frames))
            trajectory.set(0, Special(Trajectory.INITIALIZATION))
            for j in range(1, len(frames)):
                trajectory.set(j, _prediction(proxy.groundtruth(j), modes[j], rng))
            trajectory.write(experiment.results(None, seq), "%s_%08d" % (seq.name, anchor))
            overlaps = calculate_overlaps(trajectory.regions(), proxy.groundtruth(), proxy.size)
            runs.append(AnchorRun(anchor, reverse, np.array(overlaps),
                                  np.array([proxy.groundtruth(j).is_empty() for j in range(len(frames))])))
        sequences.append(seq)
        inputs.append(MultistartSequence(seq.name, length, tuple(runs)))
    return sequences, inputs


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[_Experiment, list[_Sequence], list[MultistartSequence]]:
    root = str(tmp_path_factory.mktemp("multistart"))
    sequences, inputs = _workspace(root, seed=7, n_sequences=7)
    return _Experiment(root), sequences, inputs


def _grid(values: tuple) -> Grid:
    grid = Grid(1, 1)
    grid[0, 0] = values
    return grid


@pytest.mark.parametrize("profile", [TOOLKIT, SHORT], ids=["vot_toolkit", "short_interval"])
def test_accuracy_robustness_and_eao_equal_the_toolkit_classes(workspace, profile) -> None:
    experiment, sequences, inputs = workspace
    ours = evaluate_multistart(inputs, profile)
    ar = vot_multistart.AccuracyRobustness(grace=profile.grace, threshold=profile.threshold, burnin=profile.burnin)
    per_sequence = [ar.subcompute(experiment, None, s, []) for s in sequences]
    assert {r[1] == 1.0 for r in per_sequence} == {True, False}  # some sequences fail, some never
    for seq, (accuracy, robustness, _, _, _) in zip(sequences, per_sequence):
        assert ours.per_sequence_figures[seq.name] == pytest.approx({"accuracy": accuracy, "robustness": robustness},
                                                                    abs=1e-12, rel=0)
    accuracy, robustness, _, _, _ = vot_multistart.AverageAccuracyRobustness().aggregate(None, sequences, per_sequence)
    assert ours.values["accuracy"] == pytest.approx(accuracy, abs=1e-12, rel=0)
    assert ours.values["robustness"] == pytest.approx(robustness, abs=1e-12, rel=0)

    curves = vot_multistart.EAOCurves(high=profile.high, grace=profile.grace, threshold=profile.threshold)
    partial = [curves.subcompute(experiment, None, s, []) for s in sequences]
    curve, = vot_multistart.EAOCurve(high=profile.high).aggregate(None, sequences, partial)
    np.testing.assert_allclose(ours.eao_curve, curve, atol=1e-12, rtol=0)
    score = vot_multistart.EAOScore(low=profile.low, high=profile.high).compute(None, [None], sequences,
                                                                               [_grid((curve,))])
    assert ours.values["eao"] == pytest.approx(score[0, 0][0], abs=1e-12, rel=0)
    terms = ours.terms()
    for name in ("eao", "accuracy", "robustness"):
        assert terms[name].total() == pytest.approx(ours.values[name], abs=1e-12, rel=0), name
    np.testing.assert_allclose(terms["accuracy"].per_sequence(), [r[0] for r in per_sequence], atol=1e-12, rtol=0)
    np.testing.assert_allclose(ours.curves()[0].terms.curve(np.ones((1, len(inputs))))[0][1:], curve[1:], atol=1e-12)


def _toolkit_progress(overlaps: np.ndarray, empty: np.ndarray, grace: int, threshold: float) -> int:
    """multistart.py lines 124-134, as written there (the failure point is inline in the toolkit's classes)."""
    countdown, progress = grace, len(overlaps)
    for j, overlap in enumerate(overlaps):
        if overlap <= threshold and not empty[j]:
            countdown -= 1
            if countdown == 0:
                return j + 1 - grace
        else:
            countdown = grace
    return progress


@pytest.mark.parametrize("seed", range(12))
def test_the_eao_curve_equals_compute_eao_partial_on_runs_of_every_length(seed: int) -> None:
    """One sequence's curve against the toolkit's compute_eao_partial and EAOCurve.aggregate on the same
    zeroed runs: failed runs shorter than the curve (their sum over j - 1), runs longer than the curve,
    runs of one frame, grace 2 (so short runs fail too), empty ground truth inside bad stretches."""
    rng = np.random.default_rng(seed)
    profile = dataclasses.replace(TOOLKIT, name="grace2", grace=2, low=1, high=60)
    length = int(rng.integers(2, 90))
    forward = sorted({0, length - 1, *rng.integers(0, length, 3).tolist()})
    backward = sorted(set(rng.integers(0, length, 3).tolist()))
    runs, overlaps, success = [], [], []
    for anchor, reverse in [(a, False) for a in forward] + [(a, True) for a in backward]:
        n = anchor + 1 if reverse else length - anchor
        o = np.where(rng.random(n) < 0.3, rng.choice([0.0, 0.1], n), rng.uniform(0, 1, n))
        empty = rng.random(n) < 0.1
        runs.append(AnchorRun(anchor, reverse, o, empty))
        progress = _toolkit_progress(o, empty, profile.grace, profile.threshold)
        zeroed = list(o)
        zeroed[progress:] = (n - progress) * [0.0]
        overlaps.append(zeroed), success.append(progress == n)
    partial = vot_multistart.compute_eao_partial(overlaps, success, profile.high)
    curve, = vot_multistart.EAOCurve(high=profile.high).aggregate(None, [None], [(partial, 1)])
    ours = evaluate_multistart([MultistartSequence("s", length, tuple(runs))], profile)
    np.testing.assert_allclose(ours.eao_curve, curve, atol=1e-12, rtol=0)
    assert ours.values["eao"] == pytest.approx(np.mean(curve[profile.low:profile.high + 1]), abs=1e-12, rel=0)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # curve points no run reaches: 0 without a 0 / 0 warning
def test_known_answers_by_hand() -> None:
    """grace 2: the run 0, .5, 0, 0, .5, .5 fails at frame 2 (the countdown hits zero on frame 3); accuracy
    (0 + .5) / 2, robustness 2 / 6; a run that never fails contributes its prefix means only within its
    length, and curve points no run reaches are 0 in the toolkit's mean."""
    profile = dataclasses.replace(TOOLKIT, name="hand", grace=2, low=1, high=9)
    failing = AnchorRun(0, False, np.array([0, .5, 0, 0, .5, .5]), np.zeros(6, bool))
    result = evaluate_multistart([MultistartSequence("a", 6, (failing,))], profile)
    assert result.per_sequence_figures["a"] == {"accuracy": 0.25, "robustness": 2 / 6}
    want = [0, .5, .25, .5 / 3, .5 / 4, .5 / 5, .5 / 5, .5 / 6, .5 / 7]  # from j = 6 on: .5 / (j - 1)
    np.testing.assert_allclose(result.eao_curve, want, atol=1e-15)

    never = AnchorRun(0, False, np.array([0, 1, .5, .5]), np.zeros(4, bool))
    result = evaluate_multistart([MultistartSequence("b", 4, (never,))], dataclasses.replace(profile, high=5))
    np.testing.assert_allclose(result.eao_curve, [0, 1, .75, 2 / 3, 0], atol=1e-15)
    assert result.values["eao"] == pytest.approx((1 + .75 + 2 / 3 + 0) / 4, abs=1e-15)
    assert (result.values["accuracy"], result.values["robustness"]) == (0.5, 1.0)

    # empty ground truth resets the countdown: bad, empty, bad, bad fails at frame 2, not frame 0
    gap = AnchorRun(0, False, np.array([0, 0, 0, 0, .8]), np.array([False, True, False, False, False]))
    assert evaluate_multistart([MultistartSequence("c", 5, (gap,))], profile).per_sequence_figures["c"] == \
        {"accuracy": 0.0, "robustness": 2 / 5}


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no frame tracked: NaN and 0 without numpy's 0 / 0 warning
def test_sequences_weigh_robustness_by_length_and_accuracy_by_tracked_frames() -> None:
    """AverageAccuracyRobustness.aggregate: a 10-frame sequence tracked to the end with overlap 1 and a
    4-frame one failing at once (grace 1) give A = 1 (the failed one tracks no frame) and R = 10 / 14."""
    profile = dataclasses.replace(TOOLKIT, name="grace1", grace=1)
    good = MultistartSequence("good", 10, (AnchorRun(0, False, np.ones(10), np.zeros(10, bool)),))
    bad = MultistartSequence("bad", 4, (AnchorRun(0, False, np.zeros(4), np.zeros(4, bool)),))
    result = evaluate_multistart([good, bad], profile)
    assert result.values["accuracy"] == 1.0 and result.values["robustness"] == pytest.approx(10 / 14, abs=1e-15)
    assert result.per_sequence_figures["bad"] == {"accuracy": 0.0, "robustness": 0.0}
    assert np.isnan(evaluate_multistart([bad], profile).values["accuracy"])  # the toolkit divides by zero


def test_inputs_the_toolkit_cannot_score_are_named() -> None:
    run = AnchorRun(0, False, np.ones(5), np.zeros(5, bool))
    with pytest.raises(EvaluationError, match="seq.txt: sequence a has no anchor runs"):
        evaluate_multistart([MultistartSequence("a", 5, (), source="seq.txt")])
    with pytest.raises(EvaluationError, match=r"the forward run of a from frame 1 has \(5,\) overlaps .* \(4,\)"):
        evaluate_multistart([MultistartSequence("a", 5, (dataclasses.replace(run, anchor=1),))])
    with pytest.raises(EvaluationError, match="forward anchors in frame order, then the backward ones"):
        back = AnchorRun(4, True, np.ones(5), np.zeros(5, bool))
        evaluate_multistart([MultistartSequence("a", 5, (back, run))])
    with pytest.raises(ProfileError, match="low=755, high=115 must satisfy 0 < low < high"):
        dataclasses.replace(TOOLKIT, low=755, high=115)
    with pytest.raises(ProfileError, match="unknown multistart profile 'pysot'"):
        evaluate_multistart([MultistartSequence("a", 5, (run,))], "pysot")


def test_result_declarations() -> None:
    """What the reports, tables and eval --json read of a result: the EAO plot over sequence length in 0..1
    with the score's interval shaded, the AR plot in the unit square, the table's EAO / A / R, per-sequence
    figures and the JSON (the run of test_known_answers_by_hand that never fails)."""
    profile = dataclasses.replace(TOOLKIT, name="hand", grace=2, low=1, high=5)
    never = AnchorRun(0, False, np.array([0, 1, .5, .5]), np.zeros(4, bool))
    result = evaluate_multistart([MultistartSequence("b", 4, (never,))], profile)
    eao = (1 + .75 + 2 / 3 + 0) / 4
    assert result.profile == "hand" and result.table_fields == ("eao", "accuracy", "robustness")
    (curve,) = result.curves()
    assert (curve.name, curve.label, curve.x_label, curve.field, curve.shade, curve.y_range) == (
        "eao_curve", "expected average overlap", "sequence length (frames)", "eao", (1.0, 5.0), (0.0, 1.0))
    np.testing.assert_array_equal(curve.x, np.arange(5))
    np.testing.assert_allclose(curve.y, [0, 1, .75, 2 / 3, 0], atol=1e-15)
    assert [(s.name, s.label, s.x, s.y, s.x_range, s.y_range) for s in result.scatters()] == [
        ("ar_plot", "accuracy-robustness", "robustness", "accuracy", (0.0, 1.0), (0.0, 1.0))]
    assert result.groups() == {} and set(result.terms()) == {"eao", "accuracy", "robustness"}
    assert result.per_sequence() == {"accuracy": {"b": 0.5}, "robustness": {"b": 1.0}}
    got = result.to_json()
    assert got.pop("eao") == pytest.approx(eao, abs=1e-15)
    np.testing.assert_allclose(got.pop("eao_curve"), [0, 1, .75, 2 / 3, 0], atol=1e-15)
    assert got == {"accuracy": 0.5, "robustness": 1.0, "eao_interval": [1, 5],
                   "per_sequence": {"b": {"accuracy": 0.5, "robustness": 1.0}}}
    assert curve.terms.sequences == ("b",)


def test_profiles_refuse_what_the_toolkit_cannot_mean() -> None:
    """grace 0 (never fails) and burnin 0 (no image bounds: the toolkit's `proxy.size if self.burnin`) are
    the toolkit's own options; negative counts, flags for counts, thresholds outside [0, 1] and an empty or
    reversed EAO interval are not."""
    assert dataclasses.replace(TOOLKIT, burnin=1).bounded and not dataclasses.replace(TOOLKIT, burnin=0).bounded
    for good in ({"grace": 0}, {"burnin": 0}, {"threshold": 0.0}, {"threshold": 1.0}, {"low": 1, "high": 2}):
        assert dataclasses.replace(TOOLKIT, **good)
    for bad in ({"grace": -1}, {"grace": True}, {"burnin": 2.0}, {"threshold": 1.5}, {"threshold": -0.5},
                {"threshold": 1}, {"low": 0}, {"low": 755}):
        with pytest.raises(ProfileError, match=f"profile vot_toolkit: .*{next(iter(bad))}="):
            dataclasses.replace(TOOLKIT, **bad)


def test_a_run_failing_on_its_anchor_frame_as_compute_eao_partial() -> None:
    """grace 1: a one-frame run whose only frame is bad fails at once, and the toolkit's compute_eao_partial
    gives its curve point 1 the sum of its overlaps after the anchor (none) over j - 1 = 0: NaN, and so the
    EAO; a sequence whose runs track one frame in all has that frame's overlap as its accuracy."""
    profile = dataclasses.replace(TOOLKIT, name="grace1", grace=1, low=1, high=6)
    runs = (AnchorRun(0, False, np.array([1, .5, .2, 0, .9]), np.zeros(5, bool)),
            AnchorRun(4, False, np.array([0.0]), np.zeros(1, bool)),
            AnchorRun(2, True, np.array([1, .6, .3]), np.zeros(3, bool)))
    overlaps, success = [], []
    for run in runs:
        progress = _toolkit_progress(run.overlaps, run.gt_empty, profile.grace, profile.threshold)
        overlaps.append([*run.overlaps[:progress], *[0.0] * (len(run.overlaps) - progress)])
        success.append(progress == len(run.overlaps))
    with np.errstate(invalid="ignore", divide="ignore"):  # the toolkit's own 0 / 0
        partial = vot_multistart.compute_eao_partial(overlaps, success, profile.high)
    curve, = vot_multistart.EAOCurve(high=profile.high).aggregate(None, [None], [(partial, 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ours divides silently
        result = evaluate_multistart([MultistartSequence("s", 5, runs)], profile)
    np.testing.assert_allclose(result.eao_curve, curve, atol=1e-15, rtol=0, equal_nan=True)
    assert np.isnan(result.eao_curve[1]) and np.isnan(result.values["eao"])
    assert result.per_sequence_figures["s"] == {"accuracy": pytest.approx(3.6 / 6, abs=1e-15), "robustness": 6 / 9}
    one = AnchorRun(0, False, np.array([.7, 0.0]), np.zeros(2, bool))
    assert evaluate_multistart([MultistartSequence("o", 2, (one,))], profile).per_sequence_figures["o"] == \
        {"accuracy": .7, "robustness": .5}


def test_loose_inputs_score_as_exact_ones(workspace) -> None:
    """Overlaps given as float32 are scored in float64 (the toolkit's are Python floats), and ground-truth
    flags given as 0/1 numbers as booleans: the same figures and curve."""
    _, _, inputs = workspace
    loose = [dataclasses.replace(s, runs=tuple(dataclasses.replace(r, overlaps=r.overlaps.astype(np.float32),
                                                                   gt_empty=r.gt_empty.astype(float)) for r in s.runs))
             for s in inputs]
    exact = [dataclasses.replace(s, runs=tuple(dataclasses.replace(r, overlaps=r.overlaps.astype(np.float32)
                                                                   .astype(np.float64)) for r in s.runs))
             for s in inputs]
    ours, theirs = evaluate_multistart(loose, SHORT), evaluate_multistart(exact, SHORT)
    assert ours.values == theirs.values and ours.eao_curve.tolist() == theirs.eao_curve.tolist()


def test_runs_that_do_not_fit_their_sequence_are_named() -> None:
    run = AnchorRun(0, False, np.ones(5), np.zeros(5, bool))
    with pytest.raises(EvaluationError, match=r"the forward run of a from frame 0 has \(5,\) overlaps and \(4,\) "
                                              r"ground-truth flags; a 5-frame sequence gives it \(5,\) of each"):
        evaluate_multistart([MultistartSequence("a", 5, (dataclasses.replace(run, gt_empty=np.zeros(4, bool)),))])
    with pytest.raises(EvaluationError, match="the forward run of a from frame 5 has"):
        past = AnchorRun(5, False, np.ones(0), np.zeros(0, bool))
        evaluate_multistart([MultistartSequence("a", 5, (run, past))])
    with pytest.raises(EvaluationError, match=r"the backward run of a from frame 3 has \(5,\) overlaps"):
        evaluate_multistart([MultistartSequence("a", 5, (AnchorRun(3, True, np.ones(5), np.zeros(5, bool)),))])
