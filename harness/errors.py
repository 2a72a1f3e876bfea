"""Errors the harness raises for a user to act on."""


class HarnessError(Exception):
    """Base class: the CLI prints the message and exits non-zero."""


class StoreError(HarnessError):
    """A results file that is missing, malformed or inconsistent."""


class OutOfSpaceError(StoreError):
    """The results file system is full (or over quota): nothing more can be written there."""


class ImportFormatError(HarnessError):
    """A raw result file that cannot be read; names the file and the line."""


class EvaluationError(HarnessError):
    """Results that cannot be scored under the chosen profile (e.g. wrong frame count)."""


class ShortResultError(EvaluationError):
    """A result with fewer boxes than the sequence has frames, under a profile whose toolkit fails there."""


class ShardFailedError(HarnessError):
    """One or more shards raised; the others' results were kept."""


class ProfileError(EvaluationError):
    """A profile defined with an unknown field, convention value or threshold grid, or asked to score
    results it was not made for."""
