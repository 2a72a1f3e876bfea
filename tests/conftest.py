"""Shared fixtures: where the real data lives, and one Ray instance for the whole session.

The real data (`../shared/realdata` beside the checkout, or `$HARNESS_REALDATA`) is what the
project's claim rests on: identical numbers to the reference toolkits. Outside CI a test that needs
it skips when it is absent, and the run ends with one line saying how many did and where the data
goes; under CI=true its absence fails the test instead, since a parity test that skips proves nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("HARNESS_REALDATA") or PROJECT.parent / "shared" / "realdata")
_MISSING = "real data not found"


def realdata_path(*parts: str) -> Path:
    """A path under the real data; absent, the test skips (outside CI) or fails (under CI=true)."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        message = (f"{_MISSING} at {path}: put the shared real data at {PROJECT.parent / 'shared' / 'realdata'} "
                   "or point HARNESS_REALDATA at it")
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a parity test that skips proves nothing)", pytrace=False)
        pytest.skip(message)
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if _MISSING in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} tests skipped for want of the real data, so the parity with the reference toolkits "
            f"went unchecked: put it at {PROJECT.parent / 'shared' / 'realdata'} or set HARNESS_REALDATA",
            yellow=True, bold=True)


def otb_images(name: str, frames: int):
    """The first `frames` decoded frames of a real OTB sequence and its first ground-truth box."""
    import cv2
    import numpy as np

    folder = realdata_path("otb", "sequences", name)
    images = [cv2.imread(str(p)) for p in sorted((folder / "img").glob("*.jpg"))[:frames]]
    return images, np.loadtxt(folder / "groundtruth_rect.txt", max_rows=1)


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


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module's tests, as the tracker plugins run: on the shared 2-core
    machine a second thread mostly waits for the other core. Restored afterwards."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
