"""Scoring the refined proposals (CRACT Eq. 9) and choosing one (Eq. 10)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Selection:
    index: int
    scores: np.ndarray  # beta s~_i + (1 - beta) c_i of every proposal
    refined: np.ndarray  # s~_i


def refined_scores(identity: np.ndarray, discrimination: np.ndarray, alpha: float) -> np.ndarray:
    """s~_i = alpha v~_i^+ + (1 - alpha) tau~_i (Eq. 9): identifier's target probability and the
    discriminator's output."""
    return alpha * np.asarray(identity, np.float64) + (1 - alpha) * np.asarray(discrimination, np.float64)


def select(coarse: np.ndarray, identity: np.ndarray, discrimination: np.ndarray, alpha: float, beta: float) -> Selection:
    """argmax_i beta s~_i + (1 - beta) c_i (Eq. 10); ties go to the lower index (the higher-ranked
    proposal, since proposals arrive best coarse score first)."""
    refined = refined_scores(identity, discrimination, alpha)
    scores = beta * refined + (1 - beta) * np.asarray(coarse, np.float64)
    return Selection(int(np.argmax(scores)), scores, refined)


def size_rate(score: float, penalty: float, lr: float) -> float:
    """How far the size moves toward the chosen box: SiamRPN's lr x penalty x score, with Eq. 10's
    score, which the discriminator's unbounded output can take outside [0, 1], clipped into it."""
    return lr * penalty * min(max(score, 0.0), 1.0)
