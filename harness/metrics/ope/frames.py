"""Per-frame preparation under a profile: length alignment, prediction repair, sentinels for frames
a toolkit does not score normally. Sequences are concatenated; `seq` maps each frame to its sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.errors import EvaluationError, ShortResultError
from harness.metrics import boxes
from harness.metrics.ope.profiles import Profile

if TYPE_CHECKING:
    from harness.metrics.ope.evaluate import SequenceInput


@dataclass
class Frames:
    pred: np.ndarray  # (F, 4) aligned to gt, one row per scored frame of every sequence
    gt: np.ndarray  # (F, 4)
    absent: np.ndarray  # (F,) bool
    seq: np.ndarray  # (F,) sequence index
    first: np.ndarray  # (F,) bool, first frame of its sequence
    padded: np.ndarray  # (F,) bool, row added by the profile's length rule, not written by the tracker
    inputs: list[SequenceInput]


def _checked(s: SequenceInput) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pred = np.asarray(s.pred, dtype=np.float64)
    pred = np.empty((0, 4)) if pred.size == 0 else pred
    gt = np.asarray(s.gt, dtype=np.float64)
    absent = np.asarray(s.absent, dtype=bool)
    if pred.ndim != 2 or pred.shape[1] != 4 or gt.ndim != 2 or gt.shape[1] != 4 or absent.shape != (len(gt),):
        raise EvaluationError(
            f"{s.name}: expected pred (M, 4), gt (N, 4) and absent (N,), got {np.shape(s.pred)}, {gt.shape}, "
            f"{absent.shape} (from {s.source or 'unknown source'})"
        )
    return pred, gt, absent


def _mismatch(s: SequenceInput, prof: Profile, m: int, n: int) -> EvaluationError:
    return (ShortResultError if m < n else EvaluationError)(
        f"{s.source or 'unknown source'}: sequence {s.name} has {m} predicted boxes for {n} ground-truth frames; "
        f"profile {prof.name} follows its toolkit, which cannot score a "
        f"{'shorter' if m < n else 'different'} result"
    )


def _columns(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate (n, 4) blocks into one column-major array: every x, y, w, h column is then
    contiguous, which makes the column arithmetic below several times faster."""
    return np.concatenate(parts, out=np.empty((sum(len(p) for p in parts), 4), order="F"))


def align(inputs: list[SequenceInput], prof: Profile) -> Frames:
    """Bring every prediction to its sequence's scored length, by the profile's length rule."""
    preds, gts, absents, n_real = [], [], [], []
    for s in inputs:
        pred, gt, absent = _checked(s)
        m, n = len(pred), len(gt)
        if m != n:
            rule = prof.length_mismatch
            if rule == "raise" or (rule == "truncate_or_raise" and m < n):
                raise _mismatch(s, prof, m, n)
            if rule == "truncate_both":
                n = min(m, n)
                gt, absent = gt[:n], absent[:n]
            elif m < n:
                pad = np.zeros((n - m, 4)) if rule == "pad_zeros" else np.full((n - m, 4), np.nan)
                pred = np.concatenate([pred, pad])
            pred = pred[:n]
        if n == 0:
            raise EvaluationError(
                f"{s.source or 'unknown source'}: sequence {s.name} has no frame to score under profile {prof.name}"
            )
        preds.append(pred)
        gts.append(gt)
        absents.append(absent)
        n_real.append(min(m, n))
    lengths = np.array([len(g) for g in gts])
    seq = np.repeat(np.arange(len(inputs)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    local = np.arange(len(seq)) - starts[seq]
    first = local == 0
    return Frames(
        pred=_columns(preds),
        gt=_columns(gts),
        absent=np.concatenate(absents),
        seq=seq,
        first=first,
        padded=local >= np.array(n_real)[seq],
        inputs=inputs,
    )


def repair_predictions(frames: Frames, prof: Profile) -> None:
    """Apply the toolkit's own fixes to predictions, then its first-frame rule (in that order, as they do)."""
    pred, gt = frames.pred, frames.gt
    real = ~frames.padded
    if prof.invalid_pred == "raise":
        bad = real & (np.isnan(pred).any(axis=1) | (pred[:, 2:] < 0).any(axis=1))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            s = frames.inputs[frames.seq[i]]
            line = i - int(np.flatnonzero(frames.seq == frames.seq[i])[0]) + 1
            raise EvaluationError(
                f"{s.source or 'unknown source'}: sequence {s.name}, box {line} is {pred[i].tolist()}; "
                f"profile {prof.name} follows pytracking, which rejects NaN and negative sizes"
            )
    if prof.pred_repair != "none":
        if prof.pred_repair == "zero_size_previous":
            broken = (pred[:, 2:] == 0).any(axis=1)
        else:
            broken = np.isnan(pred).any(axis=1) | (pred[:, 2:] <= 0).any(axis=1)
        # a repaired frame takes the last unrepaired box before it (the toolkits loop forward, copying
        # the previous, possibly already copied, row: every source is unrepaired, so one gather into the
        # repaired rows does the same); first frames are never repaired, so the fill cannot cross into
        # the previous sequence
        broken &= real & ~frames.first & ~np.isnan(gt).any(axis=1)
        if broken.any():
            source = np.maximum.accumulate(np.where(broken, 0, np.arange(len(pred))))
            rows = np.flatnonzero(broken)
            pred[rows] = pred[source[rows]]
    if prof.first_frame == "gt":
        pred[frames.first] = gt[frames.first]
    if prof.round_boxes:
        pred, frames.gt = np.round(pred), np.round(gt)
    frames.pred = pred


def frame_errors(
    frames: Frames, prof: Profile
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """IoU, centre error, normalized centre error per frame, the frames counted (None: all), and the
    per-sequence denominators.

    Unscorable frames get a value that fails every threshold (IoU -inf, errors +inf) or, where the
    toolkit writes -1 as an error, passes every precision threshold.
    """
    pred, gt = frames.pred, frames.gt
    if prof.iou_form.startswith("continuous"):
        iou = boxes.iou_continuous(pred, gt, np.finfo(float).eps if prof.iou_form == "continuous_eps" else 0.0)
    else:
        iou = boxes.iou_pixel(pred, gt, round_intersection=prof.iou_form == "pixel_rounded")
    err = boxes.center_error(pred, gt, prof.centre_offset)
    if prof.norm_form == "centres":
        norm_err = boxes.normalized_center_error(pred, gt, prof.norm_eps)
    else:
        norm_err = boxes.normalized_center_error_trackingnet(pred, gt)
    # NaN never passes a comparison in any toolkit; make that explicit for searchsorted
    iou[np.isnan(iou)] = -np.inf
    err[np.isnan(err)] = np.inf
    norm_err[np.isnan(norm_err)] = np.inf

    if prof.gt_valid == "wh_positive":
        valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
    elif prof.gt_valid == "all_positive":
        valid = (gt > 0).all(axis=1)
    else:
        valid = np.ones(len(gt), dtype=bool)
    iou[~valid] = -np.inf
    if prof.centre_mask == "gt_valid":
        err[~valid] = prof.invalid_centre_error
        norm_err[~valid] = prof.invalid_norm_error
    elif prof.centre_mask == "gt_centre_positive":
        centre = boxes.centres(gt, prof.centre_offset)
        err[~(centre > 0).all(axis=1)] = prof.invalid_centre_error
        with np.errstate(divide="ignore", invalid="ignore"):
            norm_centre = centre / (gt[:, 2:] + prof.norm_eps)
        norm_err[~(norm_centre > 0).all(axis=1)] = prof.invalid_norm_error
    if prof.absent == "fail":
        iou[frames.absent] = -np.inf
        err[frames.absent] = np.inf
        norm_err[frames.absent] = np.inf

    n_seq = len(frames.inputs)
    counted = None
    if prof.denominator == "annotated":
        counted = ~np.isnan(gt).any(axis=1)
        denominators = np.bincount(frames.seq[counted], minlength=n_seq)
    elif prof.denominator == "valid":
        denominators = np.bincount(frames.seq[valid & ~frames.absent], minlength=n_seq)
    else:
        denominators = np.bincount(frames.seq, minlength=n_seq)
    if (denominators == 0).any():
        s = frames.inputs[int(np.flatnonzero(denominators == 0)[0])]
        raise EvaluationError(
            f"{s.source or 'unknown source'}: sequence {s.name} has no frame that profile {prof.name} can score "
            f"({prof.denominator} frames)"
        )
    return iou, err, norm_err, counted, denominators.astype(np.float64)
