"""Stores of real published results, imported once per test session as a user would (`harness import`),
shared by the report, table, leaderboard and regression tests."""

from __future__ import annotations

import atexit
import contextlib
import io
import shutil
import tempfile
from functools import cache
from pathlib import Path

from harness.cli import main
from tests.conftest import realdata_path

OTB_TRACKERS = ("SiamRPN++", "DaSiamRPN", "SiamRPN", "CFNet", "SiamFC")
VOT_TRACKERS = ("NanoTrack", "LightTrack", "SiamAPN", "SiamAPN++", "SiamTPN")


@cache
def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="report-stores-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def otb_anno() -> Path:
    return realdata_path("otb", "toolkit-anno", "OTB100")


def vot_truth() -> Path:
    return realdata_path("vot", "VOT2018.json")


def harness(*argv: str) -> tuple[int, str]:
    """`harness ARGV` in this process: (exit code, what it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def import_otb(results: Path, tracker: str, raw: Path | None = None) -> None:
    raw = raw or realdata_path("otb", "results", tracker)
    code, out = harness("import", "--format", "pysot", "--bench", "otb", "--root", str(otb_anno()), "--tracker",
                        tracker, str(raw), "--results", str(results), "--json")
    assert code == 0, out


@cache
def otb_store() -> Path:
    """The five published OTB-2015 trackers."""
    results = _scratch() / "otb"
    for tracker in OTB_TRACKERS:
        import_otb(results, tracker)
    return results


@cache
def vot_store() -> Path:
    """The five published VOT2018 baseline trackers."""
    results = _scratch() / "vot"
    for tracker in VOT_TRACKERS:
        raw = realdata_path("vot", "results", "VOT2018", tracker, "baseline")
        code, out = harness("import", "--format", "vot", "--bench", "vot2018", "--root", str(vot_truth()), "--tracker",
                            tracker, str(raw), "--results", str(results), "--json")
        assert code == 0, out
    return results


def copy_of(store: Path, into: Path) -> Path:
    """A copy to change without touching the shared store."""
    return Path(shutil.copytree(store, into / "results"))


def require_tool(path: str | None, name: str, package: str) -> str:
    """The tool's path; without it the test skips, except under CI (CI=true), where .ci/run installs it."""
    import os

    import pytest

    if path:
        return path
    message = f"{name} is not installed (Debian: apt-get install {package}); .ci/run installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
