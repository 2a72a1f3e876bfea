"""A supervised run of opencv-nano on the real `bag`, exported as a VOT workspace: the VOT toolkit's own
`vot analysis` accepts it and scores it exactly as the harness does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.vot import load_vot
from harness.evaluate import score_trackers
from harness.experiments import experiment
from harness.runner.dispatch import run_shards
from harness.cli import main
from tests.conftest import realdata_path
from trackers.registry import get_plugin

pytestmark = pytest.mark.slow


def test_toolkit_scores_our_supervised_run_identically(tmp_path, ray_address):
    sequences_root = realdata_path("vot", "sequences")
    nano = get_plugin("opencv-nano", {"weights_dir": str(realdata_path("models", "nanotrack-v2"))})
    sequences = load_vot(sequences_root)
    results = tmp_path / "results"
    summary = run_shards([nano], "vot2018", sequences, results, repetitions=15, experiment=experiment("baseline"),
                         address=ray_address, workers=2)
    # NanoTrack is deterministic: the toolkit's rule stops after three identical repetitions.
    assert not summary.failed and len(summary.completed) == 3
    (score,) = score_trackers(results, "vot2018", sequences, "vot_toolkit", experiment="baseline")
    ours = score.result

    workspace = tmp_path / "ws"
    argv = ["export", "--vot-workspace", str(workspace), "--bench", "vot2018", "--root", str(sequences_root),
            "--results", str(results)]
    assert main(argv) == 0
    subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(workspace), "--format", "json",
                    "--name", "check"], check=True, capture_output=True, timeout=300, cwd=workspace)
    report = json.loads((workspace / "analysis" / "check.json").read_text())
    ar, eao, _curve = report["results"]["baseline"]["results"]
    accuracy, failures, _point, _frames = ar[0]
    assert ours.accuracy == pytest.approx(accuracy, abs=1e-9)
    assert ours.failures == pytest.approx(failures, abs=1e-9)
    assert ours.eao == pytest.approx(eao[0][0], abs=1e-9)
