"""The code version recorded in every shard's provenance."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import harness


@cache
def code_version() -> str:
    """The package version, plus the git commit when run from a checkout."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(Path(harness.__file__).parent), "describe", "--always", "--dirty"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{harness.__version__}+{commit}" if commit else harness.__version__
