"""What a result declares about its figures, so that every renderer (terminal, JSON, Markdown, HTML, paper
tables, leaderboards, the regression gate) shows any result without knowing its kind: each figure's
name, label, which way is better and how it is written; each curve's axes and the point the headline
figure reads off it; how figures decompose over sequences (`Terms`: what bootstrap intervals, the
regression gate and per-attribute plots recompute on any weighting of the sequences); which pairs of
figures are plotted against each other; figures the toolkit computed on parts of the benchmark."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np


@dataclass(frozen=True)
class Field:
    name: str  # the key in JSON and in `Result.values`
    label: str  # a column header
    better: Literal["higher", "lower"]
    digits: int = 3
    description: str = ""
    short: str = ""  # a paper table's column header (AUC, P, EAO); the label when empty
    # why the figure never decomposes over sequences (no `Terms`: no bootstrap interval, no regression gate),
    # shown where one is asked for; empty where it does, or only under some profiles
    no_terms: str = ""

    @property
    def abbreviation(self) -> str:
        return self.short or self.label

    def format(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        return f"{value:.{self.digits}f}"

    def sort_key(self, value: float | None) -> float:
        """Best first: missing values last."""
        if value is None or math.isnan(value):
            return math.inf
        return -value if self.better == "higher" else value


@dataclass(frozen=True, eq=False)
class Terms:
    """A figure (or curve) as sums over sequences: with sequence weights w (a bootstrap resample's counts,
    a subset's 0/1 mask), point k is (sum_s w_s num[s, k]) / (sum_s w_s den[s, k]) and the figure is the
    mean of its points (NaN points, where no sequence contributes, left out). A mean of per-sequence
    values is num = the values, den = 1; a frame-pooled ratio is num = per-sequence sums, den = counts;
    the EAO is one point per sequence length of its interval. With unit weights it gives the result's
    own value (to float rounding: the toolkits' float32 steps are not replayed)."""

    sequences: tuple[str, ...]
    numerator: np.ndarray  # (S, K)
    denominator: np.ndarray  # (S, K), or (S, 1) when the same for every point

    def curve(self, weights: np.ndarray) -> np.ndarray:
        """(B, S) weights -> (B, K) points."""
        w = np.asarray(weights, dtype=np.float64)
        undefined = np.isnan(self.numerator)
        numerator = w @ np.where(undefined, 0.0, self.numerator)
        if undefined.any():  # a NaN point of a sequence counts only where that sequence is weighted
            numerator[(w != 0) @ undefined > 0] = np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            return numerator / (w @ self.denominator)

    def value(self, weights: np.ndarray) -> np.ndarray:
        """(B, S) weights -> (B,) figures."""
        points = self.curve(weights)
        valid = ~np.isnan(points)
        count = valid.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, np.where(valid, points, 0.0).sum(axis=1) / count, np.nan)

    def total(self) -> float:
        """The figure over every sequence once."""
        return float(self.value(np.ones((1, len(self.sequences))))[0])

    def per_sequence(self) -> np.ndarray:
        """(S,) the figure of each sequence on its own (NaN where it contributes nothing)."""
        return self.value(np.eye(len(self.sequences)))

    def to_json(self) -> dict:
        return {"numerator": _rows(self.numerator), "denominator": _rows(self.denominator)}

    @classmethod
    def from_json(cls, sequences: tuple[str, ...], data: Mapping) -> Terms:
        return cls(tuple(sequences), _array(data["numerator"]), _array(data["denominator"]))


def _rows(values: np.ndarray) -> list[list[float | int | None]]:
    """Rows of numbers in 7 significant digits (float32's, which the toolkits' EAO curves have; far below any
    figure's printed precision), whole numbers (counts) as integers, NaN as null: EAO terms are
    S x 257 numbers per tracker, and leaderboards keep them in git."""
    def number(v: float) -> float | int | None:
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else float(f"{v:.7g}")
    return [[number(v) for v in row] for row in np.asarray(values, float).tolist()]


def _array(rows: list) -> np.ndarray:
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=np.float64)
    return values.reshape(len(rows), 0) if values.size == 0 else values


@dataclass(frozen=True)
class Scatter:
    """Two figures of one result plotted against each other (VOT's accuracy-robustness plot)."""

    name: str
    label: str
    x: str  # field names
    y: str
    x_range: tuple[float, float] | None = None  # the axes' full extent where the figures are bounded (AR: 0..1)
    y_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class Curve:
    name: str  # the key of its values in JSON
    label: str
    x_label: str
    x: np.ndarray
    y: np.ndarray
    x_name: str = ""  # the key of its x values in JSON (empty: not written)
    mark: float | None = None  # the x the headline figure is read at (precision at 20 px), if any
    shade: tuple[float, float] | None = None  # an x interval the headline figure averages (EAO), if any
    field: str = ""  # the field a plot's legend shows beside each tracker (the success plot's AUC)
    terms: Terms | None = None  # the curve as sums over sequences (per-attribute plots), where it is one
    # the point this result's headline figure is read at where each result has its own (the long-term F-score's
    # best threshold): marked on each tracker's line, where `mark` is one x for all
    point: int | None = None
    x_range: tuple[float, float] | None = None  # the axes' full extent where the values are bounded (PR: 0..1)
    y_range: tuple[float, float] | None = None


class Result(Protocol):
    """What every metric result offers its renderers."""

    profile: str
    fields: tuple[Field, ...]  # every figure this kind of result can report, in display order

    @property
    def values(self) -> Mapping[str, float | None]:
        """Each field's value by name; None where this result's profile does not report the figure."""

    def curves(self) -> list[Curve]: ...

    def per_sequence(self) -> Mapping[str, Mapping[str, float]]:
        """field name -> sequence -> value, for the figures scored per sequence."""

    def to_json(self) -> dict: ...

    @property
    def table_fields(self) -> tuple[str, ...]:
        """The figures a paper's comparison table reports for this result (AUC / P / NP, EAO / A / R, AO / SR)."""

    def terms(self) -> Mapping[str, Terms]:
        """field name -> its decomposition over sequences, for the figures that have one."""

    def scatters(self) -> list[Scatter]: ...

    def groups(self) -> Mapping[str, Mapping[str, Mapping[str, float]]]:
        """Figures the toolkit computed on parts of the benchmark: kind of part ("tag") -> part -> field -> value."""


def headline(result: Result) -> Field:
    """The figure results of this kind are ranked by: the first one the result reports."""
    return next(f for f in result.fields if result.values.get(f.name) is not None)


def by_figure(per_sequence_figures: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """sequence -> figure -> value, turned into figure -> sequence -> value (`Result.per_sequence`)."""
    figures: dict[str, dict[str, float]] = {}
    for sequence, values in per_sequence_figures.items():
        for name, value in values.items():
            figures.setdefault(name, {})[sequence] = value
    return figures
