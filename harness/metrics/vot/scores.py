"""Reduction of per-frame overlaps to accuracy, robustness, EAO, per-sequence and per-tag figures, as each
VOT profile's toolkit does it. Each function returns the figures (`values`, named as the fields of
`evaluate.FIELDS`), the EAO curve, per-sequence and per-tag figures, extras, and the figures that are
sums over sequences as such (`terms`, `fields.Terms`) of a `VOTResult`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.fields import Terms
from harness.metrics.vot import eao as vot_eao
from harness.metrics.vot.exact import exact_overlaps
from harness.metrics.vot.frames import Frames, by_kind, raster, raster_truth, truth_arrays
from harness.metrics.vot.profiles import VOTProfile
from harness.metrics.vot.stack import VOT_STACK
from harness.metrics.vot.status import FAILED, INITIALISED, TRACKED

if TYPE_CHECKING:
    from harness.metrics.vot.evaluate import VOTSequenceTruth

def _per_trajectory(frames: Frames, values: np.ndarray) -> np.ndarray:
    return np.bincount(frames.traj, weights=values, minlength=len(frames.start))


def _per_sequence_mean(frames: Frames, per_traj: np.ndarray) -> np.ndarray:
    """Mean over repetitions: summed in repetition order, then divided (as the toolkits accumulate)."""
    total = np.bincount(frames.traj_sequence, weights=per_traj, minlength=len(frames.n_repetitions))
    return total / frames.n_repetitions


def vot_toolkit(frames: Frames, truth: list[VOTSequenceTruth], prof: VOTProfile, low: int, high: int) -> dict:
    """AverageAccuracyRobustness, EAOCurve and EAOScore of the supervised experiment."""
    overlaps = raster(frames, raster_truth(truth, False, prof.eao_bound))
    valid = (frames.status == TRACKED) & ~frames.burn_in(prof.burnin)
    n_valid = _per_trajectory(frames, valid)
    with np.errstate(invalid="ignore", divide="ignore"):
        traj_accuracy = np.where(n_valid > 0, _per_trajectory(frames, overlaps * valid) / n_valid, 0.0)
    accuracy = _per_sequence_mean(frames, traj_accuracy)
    failures = _per_sequence_mean(frames, _per_trajectory(frames, frames.status == FAILED))
    length = np.array([len(s.gt) for s in truth], dtype=np.float64)
    total = float(length.sum())
    # Python's order of accumulation: a running sum over sequences, then one division
    weighted_failures = float(np.cumsum(failures * length)[-1]) / total
    mean_length = total / len(truth)
    # a fragment runs from each (re)initialisation to the frame before the next failure, or to the end
    inits = np.flatnonzero(frames.status == INITIALISED)
    fails = np.append(np.flatnonzero(frames.status == FAILED), len(frames.status))
    next_fail = fails[np.searchsorted(fails, inits)]
    traj_end = (frames.start + frames.length)[frames.traj[inits]]
    failed = next_fail < traj_end
    end = np.minimum(next_fail, traj_end)
    means, mask = vot_eao.vot_toolkit_fragments(overlaps, inits, end - inits, ~failed)
    curve = vot_eao.vot_toolkit_points(means, mask)
    names = tuple(s.name for s in truth)
    fragment_sequence = frames.traj_sequence[frames.traj[inits]]
    window = slice(low, high + 1)  # the points EAOScore averages
    by_length = length[:, None]
    return dict(
        values={
            "eao": vot_eao.vot_toolkit_score(curve, low, high),
            "accuracy": float(np.cumsum(accuracy * length)[-1]) / total,
            "ar_robustness": math.exp(-(weighted_failures / mean_length) * VOT_STACK.sensitivity),
            "weighted_failures": weighted_failures,
            "failures": float(failures.sum()),
        },
        eao_curve=curve,
        per_sequence={
            s.name: {
                "accuracy": float(a),
                "failures": float(f),
                "ar_robustness_exp": math.exp(-(float(f) / n) * VOT_STACK.sensitivity),
                "length": float(n),
                "n_valid_frames": float(v),
            }
            for s, a, f, n, v in zip(truth, accuracy, failures, length, _per_sequence_mean(frames, n_valid))
        },
        per_tag={},
        extras={
            "mean_sequence_length": mean_length,
            "n_eao_fragments": float(len(inits)),
            "n_success_fragments": float(np.count_nonzero(~failed)),
        },
        terms={
            "eao": Terms(names, vot_eao.sequence_sums((means * mask)[:, window], fragment_sequence, len(truth)),
                         vot_eao.sequence_sums(mask[:, window], fragment_sequence, len(truth))),
            "accuracy": Terms(names, (accuracy * length)[:, None], by_length),
            "weighted_failures": Terms(names, (failures * length)[:, None], by_length),
        },
    )


def _frame_means(frames: Frames, values: np.ndarray, n_gt: int) -> np.ndarray:
    """Per ground-truth frame, the mean over repetitions of the non-NaN values (NaN if none): nanmean."""
    ok = ~np.isnan(values)
    total = np.bincount(frames.gt_frame, weights=np.where(ok, values, 0.0), minlength=n_gt)
    count = np.bincount(frames.gt_frame, weights=ok, minlength=n_gt)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _nanmean(values: np.ndarray) -> float:
    """np.nanmean, NaN without a warning when nothing is valid (a tracker that never tracks a frame)."""
    ok = ~np.isnan(values)
    return float(values[ok].mean()) if ok.any() else float("nan")


def _sequence_nanmean(values: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    seq = np.repeat(np.arange(len(sizes)), sizes)
    ok = ~np.isnan(values)
    count = np.bincount(seq, weights=ok, minlength=len(sizes))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(seq, weights=np.where(ok, values, 0.0), minlength=len(sizes)) / count, count


def pysot(frames: Frames, truth: list[VOTSequenceTruth], prof: VOTProfile, low: int, high: int) -> dict:
    """AccuracyRobustnessBenchmark and EAOBenchmark (with the dataset's tags) of pysot's toolkit."""
    reps = frames.n_repetitions
    if (reps != reps[0]).any():
        counts = sorted(set(reps.tolist()))
        raise EvaluationError(f"profile pysot needs as many repetitions of every sequence, got {counts}")
    sizes = [len(s.gt) for s in truth]
    accuracy_overlaps = raster(frames, raster_truth(truth, True, prof.accuracy_bound))
    per_frame = _frame_means(frames, np.where(frames.burn_in(prof.burnin), np.nan, accuracy_overlaps), sum(sizes))
    seq_accuracy, n_valid = _sequence_nanmean(per_frame, sizes)
    traj_failures = _per_trajectory(frames, frames.status == FAILED)
    repetition = np.arange(len(frames.start)) - np.repeat(np.cumsum(reps) - reps, reps)
    per_repetition = np.bincount(repetition, weights=traj_failures)
    eao_overlaps = raster(frames, raster_truth(truth, True, prof.eao_bound))
    fragments, weights, fragment_sequence = vot_eao.pysot_fragments(frames, eao_overlaps, truth, prof, reps[-1])
    means, valid = vot_eao.pysot_means(fragments)
    curves = vot_eao.pysot_curves(means, valid, weights)
    eao = {tag: vot_eao.pysot_score(c, low, high) for tag, c in zip(prof.tags, curves)}
    lost = float(np.mean(per_repetition))
    names, n = tuple(s.name for s in truth), len(truth)
    window = slice(low - 2, high - 1)  # curve points low - 1 .. high - 1 are columns low - 2 .. high - 2 of means
    weight = weights[prof.tags.index("all"), :, None]
    seq_failures = _per_sequence_mean(frames, traj_failures)
    by_size = np.array(sizes, dtype=np.float64)[:, None]
    return dict(
        values={
            "eao": eao["all"],
            "accuracy": _nanmean(per_frame),
            "failures_per_100_frames": float(np.mean(per_repetition / sum(sizes)) * 100),
            "failures": lost,
        },
        eao_curve=curves[0].astype(np.float64),
        per_sequence={
            s.name: {"accuracy": float(a), "failures": float(f), "n_valid_frames": float(v)}
            for s, a, f, v in zip(truth, seq_accuracy, seq_failures, n_valid)
        },
        per_tag={tag: {"eao": value} for tag, value in eao.items()},
        extras={
            "lost_number": lost,
            "n_accuracy_frames": float(np.count_nonzero(~np.isnan(per_frame))),
            "total_frames": float(sum(sizes)),
        },
        terms={
            "eao": Terms(names, vot_eao.sequence_sums((means * weight)[:, window], fragment_sequence, n),
                         vot_eao.sequence_sums((valid * weight)[:, window], fragment_sequence, n)),
            "accuracy": Terms(names, np.where(n_valid > 0, seq_accuracy * n_valid, 0.0)[:, None], n_valid[:, None]),
            "failures_per_100_frames": Terms(names, (seq_failures * 100)[:, None], by_size),
        },
    )


def got10k(frames: Frames, truth: list[VOTSequenceTruth], prof: VOTProfile, low: int, high: int) -> dict:
    """ExperimentVOT.report of got10k 0.1.3: tag-weighted accuracy and failures, no EAO."""
    gt, width, height = truth_arrays(truth)
    scored = (frames.status == TRACKED) & ~frames.burn_in(prof.burnin)

    def iou(rows: np.ndarray, regions: np.ndarray) -> np.ndarray:
        g = frames.gt_frame[rows]
        return np.where(scored[rows], exact_overlaps(np.nan_to_num(regions), gt[g], width[g], height[g]), np.nan)

    ious = by_kind(iou, frames.boxes, scored)
    sizes = [len(s.gt) for s in truth]
    per_frame = _frame_means(frames, ious, len(gt))
    failures = _frame_means(frames, (frames.status == FAILED).astype(np.float64), len(gt))
    masks = _got10k_masks(truth, prof.tags)
    tag_ious = np.nan_to_num(np.array([_nanmean(per_frame[m]) for m in masks]), nan=0.0)
    tag_failures = np.array([np.nansum(failures[m]) for m in masks])
    tag_frames = masks.sum(axis=1)
    tag_weights = tag_frames / tag_frames.sum()
    seq_accuracy, _ = _sequence_nanmean(per_frame, sizes)
    seq = np.repeat(np.arange(len(truth)), sizes)
    return dict(
        values={
            "accuracy": float(np.sum(tag_ious * tag_weights)),
            "tag_weighted_failures": float(np.sum(tag_failures * tag_weights)),
            "failures": float(failures.sum()),
        },
        eao_curve=None,
        per_sequence={
            s.name: {"accuracy": float(a), "failures": float(f)}
            for s, a, f in zip(truth, seq_accuracy, np.bincount(seq, weights=failures, minlength=len(truth)))
        },
        per_tag={
            tag: {"accuracy": float(a), "failures": float(f), "frames": float(n)}
            for tag, a, f, n in zip(prof.tags, tag_ious, tag_failures, tag_frames)
        },
        extras={"frame_pooled_accuracy": _nanmean(per_frame)},
        terms={},  # tag-weighted figures: a ratio of sums per tag, weighted by tag, not one sum over sequences
    )


def _got10k_masks(truth: list[VOTSequenceTruth], tags: tuple[str, ...]) -> np.ndarray:
    """(T, F) frame masks per tag; 'empty' marks frames with no tag at all (among every tag annotated)."""
    rows = []
    for seq in truth:
        n = len(seq.gt)
        present = {k: np.asarray(v, dtype=bool) for k, v in seq.tags.items() if len(v)}
        any_tag = np.logical_or.reduce(list(present.values())) if present else np.zeros(n, dtype=bool)
        rows.append([~any_tag if t == "empty" else present.get(t, np.zeros(n, dtype=bool)) for t in tags])
    return np.concatenate([np.array(r, dtype=bool).reshape(len(tags), -1) for r in rows], axis=1)

