"""Shared fixtures: where the real data lives, and one Ray instance for the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT.parent / "shared" / "realdata"


def realdata_path(*parts: str) -> Path:
    """A path under ../shared/realdata, skipping the test with a reason when it is absent."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (expected ../shared/realdata beside the checkout)")
    return path


def first_frames(sequence, frames: int):
    """The first `frames` frames of a sequence: a shorter run of the same code."""
    import dataclasses

    return dataclasses.replace(sequence, ground_truth=sequence.ground_truth[:frames],
                               frames=dataclasses.replace(sequence.frames, count=frames),
                               absent=None if sequence.absent is None else sequence.absent[:frames])


@pytest.fixture(scope="session")
def ray_address():
    """Start one local Ray for the session (no dashboard) and yield its address."""
    import ray

    # "local": a new instance even when another Ray runs on this machine (never join it by accident)
    context = ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield context.address_info["address"]
    finally:
        ray.shutdown()
