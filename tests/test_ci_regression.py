"""The example CI job's gate step (docs/ci-regression.yml), run as GitHub Actions runs it (bash -eo pipefail)
against the real gate and the committed synthetic leaderboard: a regression fails the job with the
gate's table, a gate that could not run fails it as a broken job, a pass passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from benchmarks.registry import load_benchmark
from tests.report_stores import harness

REPO = Path(__file__).resolve().parents[1]
BOARD = "synthetic-ope-lasot_matlab.json"


@pytest.fixture(scope="module")
def step() -> dict:
    job = yaml.safe_load((REPO / "docs" / "ci-regression.yml").read_text())
    (gate,) = [s for s in job["jobs"]["regress"]["steps"] if s.get("name") == "regression gate"]
    assert gate["shell"] == "bash"
    return gate


def _folder(tmp_path: Path, shift: float | None) -> Path:
    """A checkout's working folder: the committed leaderboard, and opencv-mil's results imported as the
    synthetic ground truth moved right by `shift` widths (None: no results at all)."""
    (tmp_path / "results" / "leaderboards").mkdir(parents=True)
    shutil.copy(REPO / "results" / "leaderboards" / BOARD, tmp_path / "results" / "leaderboards" / BOARD)
    if shift is not None:
        (tmp_path / "raw").mkdir()
        for sequence in load_benchmark("synthetic", None):
            boxes = sequence.ground_truth.copy()
            boxes[:, 0] += shift * boxes[:, 2]
            np.savetxt(tmp_path / "raw" / f"{sequence.name}.txt", boxes, fmt="%.4f", delimiter=",")
        code, out = harness("import", "--bench", "synthetic", "--tracker", "opencv-mil", str(tmp_path / "raw"),
                            "--results", str(tmp_path / "results"), "--json")
        assert code == 0, out
    return tmp_path


def _run(step: dict, folder: Path) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])  # the venv's `harness`
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=folder,
                          env={**os.environ, **step["env"], "PATH": path}, capture_output=True, text=True, timeout=120)


def test_a_gate_that_cannot_run_fails_as_a_broken_job(step, tmp_path) -> None:
    done = _run(step, _folder(tmp_path, None))
    assert done.returncode == 2 and "the regression gate could not run (exit 2)" in done.stdout
    assert json.loads((tmp_path / "regress.json").read_text())["outcome"] == "not evaluated"


def test_a_regression_fails_with_the_table(step, tmp_path) -> None:
    done = _run(step, _folder(tmp_path, 1.0))
    assert done.returncode == 1 and "::error::regression" in done.stdout
    assert "WORSE" in done.stdout and "regression: opencv-mil got worse" in done.stdout
    assert json.loads((tmp_path / "regress.json").read_text())["failed"] == ["opencv-mil"]


def test_a_pass_passes(step, tmp_path) -> None:
    done = _run(step, _folder(tmp_path, 0.0))  # the ground truth itself: better than opencv-mil's entry
    assert done.returncode == 0 and "::error::" not in done.stdout
    assert json.loads((tmp_path / "regress.json").read_text())["trackers"]["opencv-mil"]["verdict"] == "better"
