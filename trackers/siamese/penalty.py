"""Proposal re-ranking (SiamRPN Sec. 4.3): cosine window, scale/ratio change penalty, size update."""

from __future__ import annotations

import numpy as np


def cosine_window(score_size: int, anchor_count: int) -> np.ndarray:
    """Hann window over the score map, repeated per anchor (the anchor-major layout of `anchors`)."""
    hann = np.hanning(score_size)
    return np.tile(np.outer(hann, hann).reshape(-1), anchor_count)


def padded_size(width: np.ndarray | float, height: np.ndarray | float) -> np.ndarray:
    """s of SiamRPN Eq. 14: (w + p)(h + p) = s², p = (w + h) / 2."""
    pad = (np.asarray(width) + np.asarray(height)) * 0.5
    return np.sqrt((width + pad) * (height + pad))


def _change(ratio: np.ndarray) -> np.ndarray:
    return np.maximum(ratio, 1.0 / ratio)


def scale_ratio_penalty(boxes_wh: np.ndarray, target_wh: np.ndarray, k: float) -> np.ndarray:
    """Penalty in (0, 1] per proposal for changing size and aspect ratio from the last frame.

    Eq. 13 as the authors' trackers compute it: exp(-k (r_c s_c - 1)) with r_c and s_c the
    max(x, 1/x) changes of width/height ratio and of padded size; 1 when nothing changes. (The
    printed formula drops the minus sign and the -1, which would reward change.)
    """
    w, h = boxes_wh[:, 0], boxes_wh[:, 1]
    s_c = _change(padded_size(w, h) / padded_size(target_wh[0], target_wh[1]))
    r_c = _change((target_wh[0] / target_wh[1]) / (w / h))
    return np.exp(-(r_c * s_c - 1.0) * k)


def apply_window(scores: np.ndarray, window: np.ndarray, influence: float) -> np.ndarray:
    """Blend with the cosine window to suppress large displacements."""
    return scores * (1.0 - influence) + window * influence


def update_size(previous_wh: np.ndarray, proposal_wh: np.ndarray, rate: float) -> np.ndarray:
    """Linear interpolation of the target size; `rate` is lr x penalty x score of the chosen proposal."""
    return np.asarray(previous_wh, np.float64) * (1.0 - rate) + np.asarray(proposal_wh, np.float64) * rate
