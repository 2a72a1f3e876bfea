"""What a result declares about its figures, so that every renderer (terminal, JSON, Markdown, and the
reports to come) shows any result without knowing its kind: each figure's name, label, which way is
better and how it is written; each curve's axes and the point the headline figure reads off it."""

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

    def format(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        return f"{value:.{self.digits}f}"

    def sort_key(self, value: float | None) -> float:
        """Best first: missing values last."""
        if value is None or math.isnan(value):
            return math.inf
        return -value if self.better == "higher" else value


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


def headline(result: Result) -> Field:
    """The figure results of this kind are ranked by: the first one the result reports."""
    return next(f for f in result.fields if result.values.get(f.name) is not None)
