"""Checks shared by the OPE and VOT profiles: a profile is refused when it is defined, not when a
misspelt convention would silently fall through to another branch at scoring time."""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
import typing
from typing import Any, Literal, TypeVar

from harness.errors import ProfileError

P = TypeVar("P")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def check_conventions(profile: object) -> None:
    """Every field typed as a Literal holds one of its values, every bool field a bool."""
    name = getattr(profile, "name", type(profile).__name__)
    for f in dataclasses.fields(profile):  # type: ignore[arg-type]
        hint, value = _hints(type(profile))[f.name], getattr(profile, f.name)
        if typing.get_origin(hint) is Literal and value not in typing.get_args(hint):
            choices = ", ".join(repr(c) for c in typing.get_args(hint))
            raise ProfileError(f"profile {name}: {f.name}={value!r} is not a known convention; expected one of {choices}")
        if hint is bool and not isinstance(value, bool):
            raise ProfileError(f"profile {name}: {f.name}={value!r} must be True or False")


def check_grid(profile: object, field: str) -> None:
    """A threshold grid: non-empty, finite, strictly increasing."""
    grid = getattr(profile, field)
    name = getattr(profile, "name", type(profile).__name__)
    values = list(grid) if isinstance(grid, tuple) else None
    if not values or not all(isinstance(v, float) and math.isfinite(v) for v in values) \
            or any(b <= a for a, b in zip(values, values[1:])):
        raise ProfileError(f"profile {name}: {field} must be a non-empty tuple of finite floats in increasing "
                           f"order; got {grid!r}")


def define(cls: type[P], **values: Any) -> P:
    """`cls(**values)`, refusing unknown and missing fields by name (a dataclass would only say TypeError)."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    name = values.get("name", cls.__name__)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ProfileError(f"profile {name}: unknown field(s) {', '.join(unknown)}; {cls.__name__} has "
                           f"{', '.join(fields)}")
    required = [n for n, f in fields.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [n for n in required if n not in values]
    if missing:
        raise ProfileError(f"profile {name}: missing field(s) {', '.join(missing)}")
    return cls(**values)


def conventions(profile: object) -> dict[str, str]:
    """Every convention of a profile in words, for a report's provenance: grids summarised by their size and
    ends, the rest as written (its name and source are shown on their own)."""
    shown: dict[str, str] = {}
    for f in dataclasses.fields(profile):  # type: ignore[arg-type]
        if f.name in ("name", "source"):
            continue
        value = getattr(profile, f.name)
        if isinstance(value, tuple) and len(value) > 3 and all(isinstance(v, float) for v in value):
            shown[f.name] = f"{len(value)} values, {value[0]:g} to {value[-1]:g}"
        elif isinstance(value, tuple):
            shown[f.name] = ", ".join(map(str, value)) or "(none)"
        elif value == sys.float_info.epsilon:  # LaSOT MATLAB's eps: its 16 digits would only hide what it is
            shown[f.name] = "machine epsilon (2.2e-16)"
        else:
            shown[f.name] = str(value)
    return shown
