"""EAO fragments and curves (harness/metrics/vot/eao.py) on inputs the golden and property tests leave
out: fragments thousands of frames long, hundreds of one-frame fragments, a single fragment, pysot's
fragment weights frame by frame (one-frame and empty last fragments, the 'empty' tag, 15 repetitions),
tag flags in a narrow float type, and per-sequence sums where a sequence has no fragment.

References: vot-toolkit 0.9.0's `compute_eao_curve`, pysot's EAOBenchmark loop written out plainly
(toolkit/evaluation/eao_benchmark.py and the 'empty' tag of toolkit/datasets/vot.py), values worked by
hand, and a plain loop for the per-sequence sums.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.metrics.vot.eao import pysot_fragments, sequence_sums, vot_toolkit_curve
from harness.metrics.vot.evaluate import VOTSequenceTruth, VOTTrajectory, assemble
from harness.metrics.vot.profiles import PROFILES, PYSOT_TAGS


def _toolkit_curve(fragments: list[np.ndarray], success: np.ndarray) -> np.ndarray:
    analysis = pytest.importorskip("vot.analysis.supervised")
    return np.asarray(analysis.compute_eao_curve(fragments, [1] * len(fragments), success.tolist()))


def _ours(fragments: list[np.ndarray], success: np.ndarray) -> np.ndarray:
    lengths = np.array([len(f) for f in fragments])
    return vot_toolkit_curve(np.concatenate(fragments), np.cumsum(lengths) - lengths, lengths, success)


def test_eao_curve_is_the_toolkits_on_fragments_thousands_of_frames_long() -> None:
    """Past 2000 frames the prefix trees start at blocks far into the fragment (the existing test stops
    at 1500); bit for bit with the toolkit's float32 means."""
    rng = np.random.default_rng(11)
    lengths = [2000, 2731, 4097, 3, 130]
    fragments = [rng.random(n).astype(np.float32) for n in lengths]
    success = np.array([True, False, True, False, True])
    np.testing.assert_array_equal(_ours(fragments, success), _toolkit_curve(fragments, success))


def test_eao_curve_with_hundreds_of_one_frame_fragments() -> None:
    """Over 256 fragments are evaluated in chunks of similar length: here the shortest chunk holds only
    one-frame fragments, whose means past frame 0 are all padding."""
    rng = np.random.default_rng(12)
    lengths = np.concatenate([np.ones(200, dtype=int), rng.integers(2, 40, 100)])
    rng.shuffle(lengths)
    fragments = [rng.random(n) for n in lengths]
    success = rng.random(len(lengths)) < 0.5
    np.testing.assert_array_equal(_ours(fragments, success), _toolkit_curve(fragments, success))


@pytest.mark.parametrize("success", [True, False])
def test_eao_curve_of_a_single_fragment(success: bool) -> None:
    """One fragment (failed or not: the curve ends with it): point 0 is its first overlap, point j the
    mean of overlaps 1 .. j (values exact in binary, so the means are exact)."""
    overlaps = np.array([1.0, 0.5, 0.25, 0.75])
    expected = [1.0, 0.5, 0.375, 0.5]
    np.testing.assert_array_equal(_ours([overlaps], np.array([success])), expected)
    np.testing.assert_array_equal(_toolkit_curve([overlaps], np.array([success])), expected)


def _pysot_empty_tag(seq: VOTSequenceTruth) -> list[int]:
    """pysot's VOTVideo: tags 'all' and the five read from the json; 'empty' flags each non-empty list that
    is never set (one entry per list, not per frame)."""
    tags = {"all": [1] * len(seq.gt), **{k: seq.tags[k].astype(int).tolist() for k in PYSOT_TAGS}}
    all_tag = [v for v in tags.values() if len(v) > 0]
    return np.all(1 - np.array(all_tag), axis=1).astype(np.int32).tolist()


def _pysot_select_tag(seq: VOTSequenceTruth, tag: str, start: int, end: int) -> list[int]:
    if tag == "empty":
        return _pysot_empty_tag(seq)
    if tag == "all":
        return [1] * len(seq.gt[start:end])
    return seq.tags[tag].astype(int).tolist()[start:end]


def _pysot_loop(
    runs: list[VOTTrajectory], overlaps: list[np.ndarray], truth: list[VOTSequenceTruth], tag: str, n_last: int
) -> tuple[np.ndarray, np.ndarray]:
    """EAOBenchmark._calculate_eao's fragments and fweights for one tag (skipping 5), in its loop order."""
    by_name = {s.name: s for s in truth}
    max_len = max(len(o) for o in overlaps)
    seq_weight = 1 / (n_last + 1e-10)  # the last sequence's trajectory count: a variable left from its loop
    fragments, weights = [], []
    for run, ov in zip(runs, overlaps):
        seq = by_name[run.sequence]
        failures = [i for i, s in enumerate(run.status) if s == 2]
        if failures:
            points = [0] + [x + 5 for x in failures if x + 5 <= len(ov)]
            for i, p in enumerate(points):
                row = np.full(max_len, np.nan)
                if i != len(points) - 1:
                    fragment = np.array(ov[p : points[i + 1] + 1])
                    row[:] = 0
                else:
                    fragment = np.array(ov[p:])
                fragment[np.isnan(fragment)] = 0
                row[: len(fragment)] = fragment
                fragments.append(row)
                if i != len(points) - 1:
                    w = sum(_pysot_select_tag(seq, tag, p, points[i + 1] + 1)) / (points[i + 1] - p + 1)
                else:
                    w = sum(_pysot_select_tag(seq, tag, p, len(ov))) / (len(seq.gt) - p + 1e-16)
                weights.append(seq_weight * w)
        else:
            row = np.full(max_len, np.nan)
            row[: len(ov)] = ov
            fragments.append(row)
            weights.append(seq_weight * (sum(_pysot_select_tag(seq, tag, 0, len(ov))) / len(ov)))
    return np.array(fragments), np.array(weights)


# 1 initialised, 2 failed, 0 skipped, 3 tracked; pysot breaks a run 5 frames after a failure
_RUNS = {
    "two_fragments": [1, 3, 2, 0, 0, 0, 0, 1, 3, 3, 3, 3],
    "last_is_one_frame": [1, 3, 3, 3, 3, 3, 2, 0, 0, 0, 0, 1],  # the break falls on the last frame
    "last_is_empty": [1, 3, 3, 3, 3, 2, 0, 0, 0, 0],  # the break falls just past the end: kept, no frames
    "break_past_the_end": [1, 3, 3, 3, 3, 3, 2, 0, 0],  # dropped: one fragment, zeros for NaN
    "no_failure": [1, 3, 3, 0, 3, 3, 3, 3],  # an unknown frame mid-track: its NaN kept
}


@pytest.mark.parametrize("repetitions", [1, 15])
def test_pysot_fragments_and_weights_follow_its_loop(repetitions: int) -> None:
    """Every fragment and every tag's weight, exactly as pysot's loop computes them (the same float
    operations in the same order), for tags set on some frames, on every frame, on none, or absent."""
    rng = np.random.default_rng(13)
    truth, runs = [], []
    for i, (name, status) in enumerate(_RUNS.items()):
        n = len(status)
        gt = np.column_stack([rng.uniform(20, 60, (n, 2)), rng.uniform(10, 30, (n, 2))])
        tags = {
            "camera_motion": rng.random(n) < 0.5,
            "illum_change": np.zeros(0, dtype=bool) if i % 2 else np.zeros(n, dtype=bool),
            "motion_change": np.zeros(n, dtype=bool),
            "size_change": np.ones(n, dtype=bool),
            "occlusion": rng.random(n) < 0.3,
        }
        truth.append(VOTSequenceTruth(name, gt, tags, 120, 100))
        boxes = np.where(np.array(status)[:, None] == 3, gt, np.nan)
        runs += [VOTTrajectory(name, r, np.array(status, dtype=np.int8), boxes) for r in range(1, repetitions + 1)]
    prof = PROFILES["pysot"]
    frames = assemble(runs, truth, prof)
    overlaps = np.where(frames.status == 3, rng.random(len(frames.status)), np.nan)  # pysot: NaN off-track
    split = [overlaps[a : a + n] for a, n in zip(frames.start, frames.length)]
    fragments, weights, sequence = pysot_fragments(frames, overlaps, truth, prof, repetitions)
    for t, tag in enumerate(prof.tags):
        expected_fragments, expected_weights = _pysot_loop(runs, split, truth, tag, repetitions)
        np.testing.assert_array_equal(fragments, expected_fragments)
        np.testing.assert_array_equal(weights[t], expected_weights, err_msg=tag)
    per_run = [len(_pysot_loop([r], [o], truth, "all", 1)[1]) for r, o in zip(runs, split)]
    np.testing.assert_array_equal(sequence, np.repeat(frames.traj_sequence, per_run))


def test_tag_flags_in_half_precision_are_counted_exactly() -> None:
    """A tag's frames are counted exactly whatever numeric type holds its flags: 2100 float16 ones over
    2100 frames weigh 1 (float16 counts stop at 2048)."""
    n = 2100
    gt = np.tile([20.0, 20.0, 30.0, 30.0], (n, 1))
    tags = {k: np.ones(n, dtype=np.float16) for k in PYSOT_TAGS}
    truth = [VOTSequenceTruth("long", gt, tags, 120, 100)]
    status = np.full(n, 3, dtype=np.int8)
    status[0] = 1
    prof = PROFILES["pysot"]
    frames = assemble([VOTTrajectory("long", 1, status, gt.copy())], truth, prof)
    _, weights, _ = pysot_fragments(frames, np.ones(n), truth, prof, 1)
    for tag in PYSOT_TAGS:
        assert weights[prof.tags.index(tag), 0] == 1 / (1 + 1e-10), tag  # pysot's weight for 1 repetition


def test_sequence_sums_give_zeros_to_sequences_without_fragments() -> None:
    """Sums of fragment rows per sequence against a plain loop; sequences 1 and 3 (the last) have none."""
    rng = np.random.default_rng(14)
    values = rng.random((7, 3)).astype(np.float32)
    sequence = np.array([0, 2, 2, 0, 2, 0, 0])
    expected = np.zeros((4, 3))
    for row, s in zip(values, sequence):
        expected[s] += row.astype(np.float64)
    np.testing.assert_array_equal(sequence_sums(values, sequence, 4), expected)
