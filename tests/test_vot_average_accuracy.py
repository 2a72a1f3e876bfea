"""Average accuracy (harness/metrics/vot/average_accuracy.py) against vot-toolkit 0.9.0's own
`SequenceAccuracy.subcompute` and `AverageAccuracy.aggregate` (vot/analysis/accuracy.py), called on
in-memory toolkit sequences and trajectories with an experiment that is a `MultiRunExperiment` (the
analyses assert it) answering only `gather`. Trajectories mix regions, unknown frames (Special 0),
failures, re-initialisations (with burn-in windows overlapping each other and the end), on ground truth
with unknown frames (NaN lines: Special 0) and empty ones (zero-size rectangles), for every option the
analysis has. Our overlaps are the toolkit's `calculate_overlaps` on the same regions.

Tolerance 1e-12: the toolkit's np.mean sums the kept overlaps pairwise where we sum masked rows; the two
orders differ by ulps of sums of at most 60 overlaps in [0, 1].
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from harness.errors import EvaluationError, ProfileError
from harness.metrics.vot.average_accuracy import PROFILES, AccuracySequence, average_accuracy
from tests.test_vot_multistart_metrics import HEIGHT, WIDTH, _Sequence

vot_accuracy = pytest.importorskip("vot.analysis.accuracy")
from vot.experiment.multirun import UnsupervisedExperiment  # noqa: E402
from vot.region import Special, calculate_overlaps, is_special  # noqa: E402
from vot.region.shapes import Rectangle  # noqa: E402
from vot.tracker import Trajectory  # noqa: E402
from vot.utilities.data import Grid  # noqa: E402

TOOLKIT = PROFILES["vot_toolkit"]
VARIANTS = {
    "vot_toolkit": TOOLKIT,
    "burnin0": dataclasses.replace(TOOLKIT, name="b0", burnin=0),
    "burnin10_threshold": dataclasses.replace(TOOLKIT, name="b10", burnin=10, threshold=0.3),
    "invisible_unknown_unweighted": dataclasses.replace(TOOLKIT, name="iu", ignore_invisible=True, ignore_unknown=False,
                                                        weighted=False),
}


class _Experiment(UnsupervisedExperiment):
    """The analyses' `isinstance(experiment, MultiRunExperiment)` holds; `gather` returns the trajectories."""

    def __new__(cls, trajectories: dict[str, list[Trajectory]]) -> _Experiment:
        experiment = object.__new__(cls)
        experiment.__dict__["stored"] = trajectories
        return experiment

    def __init__(self, trajectories: dict[str, list[Trajectory]]) -> None:
        pass

    def gather(self, tracker: object, sequence: _Sequence, objects: list | None = None) -> list[Trajectory]:
        return self.stored[sequence.name]


def _region(gt, rng: np.random.Generator):
    kind = rng.choice(6, p=[0.55, 0.1, 0.1, 0.08, 0.07, 0.1])
    if kind == 1:
        return Special(Trajectory.UNKNOWN)
    if kind == 2:
        return Special(Trajectory.FAILURE)
    if kind == 3:
        return Special(Trajectory.INITIALIZATION)
    if kind == 4:
        return Rectangle(-30.0, -30.0, 4.0, 4.0)  # overlap 0 (1 where the ground truth is empty)
    x, y = (gt.x, gt.y) if isinstance(gt, Rectangle) else (10.0, 10.0)
    return Rectangle(x + float(rng.integers(-4, 5)), y + float(rng.integers(-4, 5)), float(rng.integers(3, 14)), 10.0)


@pytest.fixture(scope="module")
def data() -> tuple[_Experiment, list[_Sequence], list[AccuracySequence]]:
    rng = np.random.default_rng(11)
    stored, sequences, inputs = {}, [], []
    for s in range(6):
        length = int(rng.integers(8, 60))
        seq = _Sequence(f"seq{s}", ["color"])
        for _ in range(length):
            u = rng.random()
            gt = Special(0) if u < 0.1 else Rectangle(5.0, 5.0, 0.0, 0.0) if u < 0.2 else \
                Rectangle(float(rng.integers(0, 25)), float(rng.integers(0, 15)), 10.0, 10.0)
            seq.append({"color": np.zeros((HEIGHT, WIDTH, 3), np.uint8)}, gt)
        gt = seq.groundtruth()
        trajectories, overlaps, status = [], [], []
        for _ in range(int(rng.integers(1, 4))):
            t = Trajectory(length)
            t.set(0, Special(Trajectory.INITIALIZATION))
            for i in range(1, length):
                t.set(i, _region(gt[i], rng))
            regions = t.regions()
            trajectories.append(t)
            overlaps.append(calculate_overlaps(regions, gt, seq.size))
            status.append([r.code if is_special(r) else 3 for r in regions])
        stored[seq.name] = trajectories
        sequences.append(seq)
        inputs.append(AccuracySequence(seq.name, np.array(overlaps), np.array(status),
                                       np.array([is_special(g) and g.code == 0 for g in gt]),
                                       np.array([g.is_empty() for g in gt])))
    return _Experiment(stored), sequences, inputs


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_average_accuracy_equals_the_toolkit_classes(data, variant: str) -> None:
    experiment, sequences, inputs = data
    profile = VARIANTS[variant]
    analysis = vot_accuracy.SequenceAccuracy(burnin=profile.burnin, ignore_unknown=profile.ignore_unknown,
                                             ignore_invisible=profile.ignore_invisible, bounded=profile.bounded,
                                             **({} if profile.threshold is None else {"threshold": profile.threshold}))
    results = Grid(len(sequences), 1)
    for i, seq in enumerate(sequences):
        results[i, 0] = analysis.subcompute(experiment, None, seq, [])
    overall, = vot_accuracy.AverageAccuracy(weighted=profile.weighted).aggregate(None, sequences, results)
    ours = average_accuracy(inputs, profile)
    for i, seq in enumerate(sequences):
        assert ours.per_sequence_figures[seq.name]["accuracy"] == pytest.approx(results[i, 0][0], abs=1e-12, rel=0)
    assert ours.values["accuracy"] == pytest.approx(overall, abs=1e-12, rel=0)
    assert ours.terms()["accuracy"].total() == pytest.approx(overall, abs=1e-12, rel=0)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a trajectory keeping no frame adds 0 without numpy's 0 / 0
def test_known_answers_by_hand() -> None:
    """Burn-in 1 leaves out the initialisation frame only, burn-in 2 the frame after it as well; an initialisation on unknown ground truth starts no burn-in (the first test that matches wins);
    a trajectory keeping no frame adds 0; sequences weigh by length."""
    overlaps = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    status = np.array([1, 3, 3, 1, 3, 3])
    known = np.zeros(6, bool)
    a = AccuracySequence("a", overlaps, status, known, known)
    assert average_accuracy([a]).values["accuracy"] == pytest.approx((0.2 + 0.4 + 0.8 + 1.0) / 4, abs=1e-15)
    two = dataclasses.replace(TOOLKIT, name="b2", burnin=2)
    assert average_accuracy([a], two).values["accuracy"] == pytest.approx((0.4 + 1.0) / 2, abs=1e-15)
    unknown_at_init = dataclasses.replace(a, gt_unknown=np.array([0, 0, 0, 1, 0, 0], bool))
    assert average_accuracy([unknown_at_init], two).values["accuracy"] == pytest.approx((0.4 + 0.8 + 1.0) / 3,
                                                                                        abs=1e-15)
    assert average_accuracy([a], dataclasses.replace(TOOLKIT, name="b3", burnin=3)).values["accuracy"] == 0.0
    failed = AccuracySequence("f", np.zeros(2), np.array([1, 2]), np.zeros(2, bool), np.zeros(2, bool))
    result = average_accuracy([a, failed])
    assert result.per_sequence_figures["f"]["accuracy"] == 0.0
    assert result.values["accuracy"] == pytest.approx(0.6 * 6 / 8, abs=1e-15)


def test_bad_shapes_and_statuses_are_named() -> None:
    flags = np.zeros(4, bool)
    with pytest.raises(EvaluationError, match=r"run.txt: sequence a has 4 ground-truth frames .* expected \(repetitions, 4\)"):
        average_accuracy([AccuracySequence("a", np.zeros(3), np.ones(3), flags, flags, source="run.txt")])
    with pytest.raises(EvaluationError, match="sequence a, repetition 1, frame 3 has status 7; expected 0, 1, 2 or 3"):
        average_accuracy([AccuracySequence("a", np.zeros(4), np.array([1, 3, 7, 3]), flags, flags)])
    with pytest.raises(ProfileError, match="burnin=-1 must be an integer >= 0"):
        dataclasses.replace(TOOLKIT, burnin=-1)


def test_result_fields_carry_the_toolkit_values(data) -> None:
    """What eval --json, the tables and the reports read of a result: the profile's name, the table's column,
    per-sequence figures and the JSON, each equal to the toolkit's SequenceAccuracy / AverageAccuracy."""
    experiment, sequences, inputs = data
    analysis = vot_accuracy.SequenceAccuracy(burnin=TOOLKIT.burnin, ignore_unknown=TOOLKIT.ignore_unknown,
                                             ignore_invisible=TOOLKIT.ignore_invisible, bounded=TOOLKIT.bounded)
    results = Grid(len(sequences), 1)
    for i, seq in enumerate(sequences):
        results[i, 0] = analysis.subcompute(experiment, None, seq, [])
    overall, = vot_accuracy.AverageAccuracy(weighted=True).aggregate(None, sequences, results)
    ours = average_accuracy(inputs)
    assert ours.profile == "vot_toolkit" and ours.table_fields == ("accuracy",)
    want = {seq.name: results[i, 0][0] for i, seq in enumerate(sequences)}
    assert ours.per_sequence() == {"accuracy": pytest.approx(want, abs=1e-12, rel=0)}
    as_json = ours.to_json()
    assert as_json["accuracy"] == pytest.approx(overall, abs=1e-12, rel=0)
    assert {s: v["accuracy"] for s, v in as_json["per_sequence"].items()} == pytest.approx(want, abs=1e-12, rel=0)
    # the stored terms (fields.Terms): a length-weighted mean is num = accuracy x length, den = length; an
    # unweighted one num = accuracy, den = 1
    lengths = [len(s.gt_unknown) for s in inputs]
    assert ours.terms()["accuracy"].denominator[:, 0].tolist() == lengths
    unweighted = average_accuracy(inputs, VARIANTS["invisible_unknown_unweighted"])
    assert unweighted.terms()["accuracy"].denominator[:, 0].tolist() == [1.0] * len(inputs)
    np.testing.assert_array_equal(unweighted.terms()["accuracy"].numerator[:, 0],
                                  list(unweighted.per_sequence()["accuracy"].values()))


def test_the_threshold_and_single_kept_frames_as_gather_overlaps() -> None:
    """gather_overlaps leaves out a frame whose overlap equals the threshold (`overlaps[i] <= threshold`), and
    a trajectory keeping one frame scores that frame's overlap: against the toolkit's function on regions
    whose overlaps are exact (2 x 10 and 5 x 10 boxes in a 10 x 10 target: 0.2 and 0.5)."""
    truth = [Rectangle(10.0, 10.0, 10.0, 10.0)] * 4
    regions = [Special(Trajectory.INITIALIZATION), Rectangle(10.0, 10.0, 2.0, 10.0), Rectangle(10.0, 10.0, 5.0, 10.0),
               Special(Trajectory.FAILURE)]
    overlaps = np.array(calculate_overlaps(regions, truth, (WIDTH, HEIGHT)))
    status = np.array([1, 3, 3, 2])
    flags = np.zeros(4, bool)
    at = dataclasses.replace(TOOLKIT, name="t", threshold=0.2)
    theirs, _ = vot_accuracy.gather_overlaps(regions, truth, burnin=1, threshold=0.2, bounds=(WIDTH, HEIGHT))
    assert theirs.tolist() == [0.5]
    assert average_accuracy([AccuracySequence("a", overlaps, status, flags, flags)], at).values["accuracy"] == 0.5
    theirs, _ = vot_accuracy.gather_overlaps(regions, truth, burnin=1, bounds=(WIDTH, HEIGHT))
    assert theirs.tolist() == [0.2, 0.5]
    assert average_accuracy([AccuracySequence("a", overlaps, status, flags, flags)]).values["accuracy"] == \
        pytest.approx(np.mean(theirs), abs=1e-15)


def test_loose_inputs_score_as_exact_ones() -> None:
    """Overlaps given as float32 are scored in float64 (the toolkit's are Python floats), and flags and
    statuses given as 0/1 numbers (a column read from text) as booleans and codes: the same figures."""
    rng = np.random.default_rng(4)
    n = 80
    overlaps = rng.uniform(0, 1, (2, n)).astype(np.float32)
    status = np.where(rng.random((2, n)) < 0.1, 0, 3)
    status[:, [0, 40]] = 1
    unknown, empty = rng.random(n) < 0.1, rng.random(n) < 0.1
    exact = AccuracySequence("a", overlaps.astype(np.float64), status, unknown, empty)
    loose = AccuracySequence("a", overlaps, status.astype(float), unknown.astype(float), empty.astype(float))
    for profile in VARIANTS.values():
        assert average_accuracy([loose], profile).values == average_accuracy([exact], profile).values


def test_profiles_refuse_what_the_toolkit_cannot_mean() -> None:
    for burnin in (0, 1, 10):
        assert dataclasses.replace(TOOLKIT, burnin=burnin).burnin == burnin
    for threshold in (None, 0.0, 0.3, 1.0):
        assert dataclasses.replace(TOOLKIT, threshold=threshold).threshold == threshold
    for bad in ({"burnin": -1}, {"burnin": True}, {"burnin": 1.5}, {"threshold": -0.1}, {"threshold": 1.5},
                {"threshold": 2.5}, {"threshold": 1}):
        with pytest.raises(ProfileError, match=f"profile vot_toolkit: {next(iter(bad))}="):
            dataclasses.replace(TOOLKIT, **bad)
    flags = np.zeros(4, bool)
    with pytest.raises(EvaluationError, match=r"sequence a has 4 ground-truth frames \(\(3,\) empty flags\)"):
        average_accuracy([AccuracySequence("a", np.zeros(4), np.ones(4), flags, np.zeros(3, bool))])
