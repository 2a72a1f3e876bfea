"""argparse types of the numeric options: a value that means nothing there (a zero or negative count, a
time limit of 0, -5 or inf, NaN anywhere) is refused while the command line is parsed, before anything
starts, in one line that names the option and what it takes (argparse writes `argument --NAME: ...`
and exits 2)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from harness.errors import HarnessError


def whole(least: int) -> Callable[[str], int]:
    """A whole number of at least `least`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < least:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {least}, got {text!r}")
        return value

    return parse


def number(text: str) -> float:
    """Any number, for a `checked` option whose check states the range (NaN and inf fail it)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _finite(text: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive(text: str) -> float:
    """A finite number above zero (a time limit, a frame rate)."""
    value = _finite(text, "a finite number above 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text!r}")
    return value


def non_negative(text: str) -> float:
    """A finite number, zero or more (a tolerance)."""
    value = _finite(text, "a finite number, 0 or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number, 0 or more, got {text!r}")
    return value


def gpu_share(text: str) -> float:
    """What Ray can give an actor: a share of one GPU (0 to 1) or a whole number of GPUs."""
    expected = "0, a share of one GPU (0.25 puts four workers on each GPU) or a whole number of GPUs"
    value = _finite(text, expected)
    if value < 0 or (value > 1 and not value.is_integer()):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def checked(kind: Callable[[str], float], check: Callable[[float], object]) -> Callable[[str], float]:
    """`kind`, then `check(value)`, whose error (a HarnessError saying what is expected) becomes the
    option's: for bounds kept where they are enforced (the bootstrap's), not written twice."""
    def parse(text: str) -> float:
        value = kind(text)
        try:
            check(value)
        except HarnessError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return value

    return parse
