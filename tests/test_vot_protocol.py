"""Trackers at the protocol's extremes against the VOT toolkit's own analyses (real VOT2018 ground truth):
one that fails on every frame it is initialised on, one that never fails (it never moves), and the
ground truth fed back as the output. Then what evaluate_vot and the reader refuse, and how they say it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from harness.errors import EvaluationError, ImportFormatError
from benchmarks.registry import benchmark_record
from harness.metrics.vot.evaluate import VOTTrajectory, evaluate_vot
from harness.formats.vot_text import read_vot_result_file
from tests.vot_reference import toolkit_analyses, vot2018_truth

VOT2018 = benchmark_record("vot2018").eao_interval

SEQUENCES = ("ball2", "bmx", "leaves", "conduction1", "bag")  # conduction1's ground truth is x, y, w, h


def _truth() -> list:
    return [s for s in vot2018_truth() if s.name in SEQUENCES]


def _always_failing(n: int) -> tuple[np.ndarray, np.ndarray]:
    """1, 2, then four skipped frames and a re-initialisation, until the end."""
    status = np.tile(np.array([1, 2, 0, 0, 0, 0], dtype=np.int8), n // 6 + 1)[:n]
    return status, np.full((n, 4), np.nan)


def _never_failing(gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stays on the first frame's bounding box."""
    xs, ys = gt[0, 0::2], gt[0, 1::2]
    box = [xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()] if gt.shape[1] == 8 else gt[0]
    status = np.full(len(gt), 3, dtype=np.int8)
    status[0] = 1
    boxes = np.tile(np.asarray(box, dtype=float), (len(gt), 1))
    boxes[0] = np.nan
    return status, boxes


def _ground_truth(gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    status = np.full(len(gt), 3, dtype=np.int8)
    status[0] = 1
    boxes = gt.astype(float).copy()
    boxes[0] = np.nan
    return status, boxes


TRACKERS = {
    "always failing": lambda s: _always_failing(len(s.gt)),
    "never failing": lambda s: _never_failing(s.gt),
    "ground truth": lambda s: _ground_truth(s.gt),
}


@pytest.mark.parametrize(
    ("tracker", "year", "interval"),
    [(name, "vot2018", (100, 356)) for name in TRACKERS]
    + [("never failing", "vot2016", (108, 371)), ("never failing", "vot2019", (46, 291))],
)
def test_matches_the_vot_toolkit(tracker: str, year: str, interval: tuple[int, int]) -> None:
    truth = _truth()
    runs = [VOTTrajectory(s.name, r, *TRACKERS[tracker](s)) for s in truth for r in (1, 2)]
    expected = toolkit_analyses(truth, runs, *interval)
    ours = evaluate_vot(runs, truth, "vot_toolkit", interval)
    assert ours.eao == pytest.approx(expected["eao"], abs=1e-12, nan_ok=True)
    np.testing.assert_array_equal(ours.eao_curve, expected["eao_curve"])
    assert (ours.accuracy, ours.values["ar_robustness"]) == pytest.approx((expected["accuracy"], expected["robustness"]), abs=1e-12)
    assert ours.values["weighted_failures"] == pytest.approx(expected["weighted_failures"], abs=1e-12)
    for name, values in expected["per_sequence"].items():
        for key, value in values.items():
            assert ours.per_sequence_figures[name][key] == pytest.approx(value, abs=1e-12), (name, key)


def test_the_extremes_values() -> None:
    truth = _truth()
    frames = sum(len(s.gt) for s in truth)
    failing = [VOTTrajectory(s.name, 1, *_always_failing(len(s.gt))) for s in truth]
    failures = sum((len(s.gt) + 4) // 6 for s in truth)
    vot = evaluate_vot(failing, truth, "vot_toolkit", VOT2018)
    assert np.isnan(vot.eao) and vot.accuracy == 0 and vot.failures == failures  # every fragment is one frame long
    pysot = evaluate_vot(failing, truth, "pysot", VOT2018)
    assert pysot.eao == 0 and np.isnan(pysot.accuracy) and pysot.values["failures_per_100_frames"] == pytest.approx(failures / frames * 100)
    got = evaluate_vot(failing, truth, "got10k", VOT2018)
    assert got.accuracy == 0 and got.failures == failures
    perfect = [VOTTrajectory(s.name, 1, *_ground_truth(s.gt)) for s in truth]
    for profile in ("vot_toolkit", "pysot", "got10k"):
        result = evaluate_vot(perfect, truth, profile, VOT2018)
        assert (result.accuracy, result.failures) == (1.0, 0.0) and result.eao in (1.0, None), profile


def test_scoring_is_silent() -> None:
    """The extremes produce NaN and empty fragments on purpose: no numpy warning reaches the user, and an
    EAO interval beyond every sequence gives the VOT toolkit's NaN."""
    truth = _truth()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for make in TRACKERS.values():
            runs = [VOTTrajectory(s.name, 1, *make(s)) for s in truth]
            for profile in ("vot_toolkit", "pysot", "got10k"):
                evaluate_vot(runs, truth, profile, VOT2018)
            assert np.isnan(evaluate_vot(runs, truth, "vot_toolkit", (2000, 3000)).eao)


def _one(status: list[int], boxes: np.ndarray | None = None, sequence: str = "ball2") -> VOTTrajectory:
    n = len(status)
    boxes = np.ones((n, 4)) if boxes is None else boxes
    return VOTTrajectory(sequence, 1, np.array(status, dtype=np.int8), boxes, "run.txt")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ([3] * 41, r"run.txt \(sequence ball2, repetition 1\): frame 1 \(status 3\) breaks the supervised protocol"),
        ([1, 3, 2, 0, 2] + [3] * 36, r"frame 5 \(status 2\) breaks the supervised protocol"),
        ([1, 1] + [3] * 39, r"frame 2 \(status 1\) breaks"),
        ([1, 3, 7] + [3] * 38, r"frame 3 has status 7, not 0, 1, 2 or 3"),
        ([1] + [3] * 39, r"expected status \(41,\) and boxes \(41, 4\) or \(41, 8\) for 41 ground-truth frames"),
    ],
)
def test_evaluate_refuses_what_the_toolkits_cannot_score(status: list[int], message: str) -> None:
    truth = [s for s in vot2018_truth() if s.name == "ball2"]
    with pytest.raises(EvaluationError, match=message):
        evaluate_vot([_one(status)], truth, "vot_toolkit", VOT2018)


def test_evaluate_names_missing_and_unknown_inputs() -> None:
    truth = [s for s in vot2018_truth() if s.name in ("ball2", "bmx")]
    ball2 = _one([1] + [3] * 40)
    with pytest.raises(EvaluationError, match="no results for sequence bmx under profile pysot"):
        evaluate_vot([ball2], truth, "pysot", VOT2018)
    with pytest.raises(EvaluationError, match="'nowhere' is not in the ground truth"):
        evaluate_vot([ball2, _one([1], sequence="nowhere")], truth[:1], "pysot", VOT2018)
    boxes = np.ones((41, 4))
    boxes[5] = np.nan
    with pytest.raises(EvaluationError, match="frame 6 is tracked .* but its region is not finite"):
        evaluate_vot([_one([1] + [3] * 40, boxes)], truth[:1], "got10k", VOT2018)
    with pytest.raises(EvaluationError, match="unknown VOT profile 'vot'"):
        evaluate_vot([ball2], truth[:1], "vot", VOT2018)
    with pytest.raises(EvaluationError, match=r"EAO interval \(356, 100\)"):
        evaluate_vot([ball2], truth[:1], "vot_toolkit", (356, 100))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\n1.0,2.0,3.0\n", r"seq_001.txt:2: 3 values; expected 1 \(a status\), 4 or 8 \(a region\)"),
        ("1\n5\n", r"seq_001.txt:2: status 5; expected 0, 1 or 2"),
        ("1\n1,2,x,4\n", r"seq_001.txt:2: 'x' is not a number"),
        ("1\n\n2\n", r"seq_001.txt:2: empty line"),
        ("\n", r"seq_001.txt: empty result file"),
    ],
)
def test_reader_names_file_and_line(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "seq_001.txt"
    path.write_text(text)
    with pytest.raises(ImportFormatError, match=message):
        read_vot_result_file(path)


def test_reader_keeps_rectangles_among_polygons(tmp_path) -> None:
    path = tmp_path / "seq_001.txt"
    path.write_text("1\r\n1,2,3,4\r\n1,2,3,2,3,4,1,4\r\nnan,nan,nan,nan\r\n2\r\n0\r\n")
    status, boxes = read_vot_result_file(path)
    assert status.tolist() == [1, 3, 3, 0, 2, 0]
    np.testing.assert_array_equal(boxes[1], [1, 2, 3, 4, np.nan, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(boxes[2], [1, 2, 3, 2, 3, 4, 1, 4])
    assert np.isnan(boxes[[0, 3, 4, 5]]).all()
