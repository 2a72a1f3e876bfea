"""The one error type of training: bad configuration or data, with what was expected."""

from __future__ import annotations

from trackers.base import TrackerError


class TrainingError(TrackerError):
    """A training configuration, data source or checkpoint that cannot be used; says why."""
