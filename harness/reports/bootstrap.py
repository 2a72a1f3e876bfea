"""Bootstrap over sequences: confidence intervals of a figure, and the paired difference of two sets of
results on the same sequences (the regression gate). A figure is resampled through its `Terms` (the
sums over sequences it is made of), so every resample is the figure's own definition applied to a
multiset of sequences, EAO included; all resamples are one matrix product."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.fields import Field, Terms

RESAMPLES = 10_000
SEED = 0
LEVEL = 0.95


@dataclass(frozen=True)
class Bootstrap:
    """How intervals are drawn, and how a table writes them (`pm`: 0.696 ± 0.012, `interval`: [0.684, 0.708])."""

    resamples: int = RESAMPLES
    seed: int = SEED
    level: float = LEVEL
    style: Literal["pm", "interval"] = "pm"

    def __post_init__(self) -> None:
        if self.resamples < 100:
            raise EvaluationError(f"--resamples {self.resamples}: use at least 100 bootstrap resamples")
        if not 0.5 <= self.level < 1:
            raise EvaluationError(f"confidence level {self.level}: expected a fraction in [0.5, 1)")

    def weights(self, n_sequences: int) -> np.ndarray:
        """(resamples, n) how often each sequence is drawn in each resample; the same for a given seed."""
        return _weights(self.seed, self.resamples, n_sequences)

    def bounds(self, samples: np.ndarray) -> tuple[float, float]:
        """The percentile interval of the resampled figures (resamples where it is undefined left out)."""
        samples = samples[~np.isnan(samples)]
        if not samples.size:
            return float("nan"), float("nan")
        tail = (1 - self.level) / 2 * 100
        low, high = np.percentile(samples, [tail, 100 - tail])
        return float(low), float(high)

    def interval(self, terms: Terms) -> tuple[float, float]:
        return self.bounds(terms.value(self.weights(len(terms.sequences))))

    def format(self, field: Field, value: float | None, bounds: tuple[float, float] | None) -> str:
        """The figure with its interval: ± half the interval's width, or the interval itself."""
        text = field.format(value)
        if bounds is None or value is None or np.isnan(bounds[0]):
            return text
        low, high = bounds
        if self.style == "pm":
            return f"{text} ± {field.format((high - low) / 2)}"
        return f"{text} [{field.format(low)}, {field.format(high)}]"


@functools.lru_cache(maxsize=4)
def _weights(seed: int, resamples: int, n: int) -> np.ndarray:
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)
    counts.flags.writeable = False  # shared by every figure drawn with this seed
    return counts


def aligned(terms: Terms, sequences: tuple[str, ...], what: str) -> Terms:
    """`terms` with its rows in the order of `sequences` (the same set), else an error naming the difference."""
    if terms.sequences == sequences:
        return terms
    missing, extra = sorted(set(sequences) - set(terms.sequences)), sorted(set(terms.sequences) - set(sequences))
    if missing or extra or len(set(sequences)) != len(sequences):
        raise EvaluationError(f"{what}: not scored on the same sequences (missing {missing[:5]}, extra {extra[:5]})")
    order = [terms.sequences.index(s) for s in sequences]
    return Terms(tuple(sequences), terms.numerator[order], terms.denominator[order])


@dataclass(frozen=True)
class Paired:
    """new - old on the same sequences, with the bootstrap interval of that difference."""

    delta: float
    low: float
    high: float
    per_sequence: np.ndarray  # (S,) each sequence's own figure, new - old


def paired(new: Terms, old: Terms, bootstrap: Bootstrap) -> Paired:
    """Both figures on the same resamples of the sequences (paired), so what the two sets of results share
    cancels out and the interval is that of the difference alone."""
    old = aligned(old, new.sequences, "the two sets of results")
    weights = bootstrap.weights(len(new.sequences))
    low, high = bootstrap.bounds(new.value(weights) - old.value(weights))
    return Paired(new.total() - old.total(), low, high, new.per_sequence() - old.per_sequence())
