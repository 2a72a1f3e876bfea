"""The VOT toolkit's early stop: three identical runs end a sequence; a stochastic tracker runs them all."""

from __future__ import annotations

import pytest

from benchmarks.vot import load_vot
from harness.experiments import experiment
from harness.runner.dispatch import run_shards
from tests.conftest import first_frames, realdata_path
from tests.faulty_trackers import JitteryPlugin
from trackers.registry import get_plugin

pytestmark = pytest.mark.slow


def test_stochastic_tracker_runs_every_repetition_deterministic_stops_at_three(tmp_path, ray_address):
    # The first 40 of bag's 196 frames: the early stop compares whole trajectories, whatever their length.
    sequences = [first_frames(s, 40) for s in load_vot(realdata_path("vot", "sequences"))]
    plugins = [JitteryPlugin(name="jittery"), get_plugin("opencv-mil")]
    summary = run_shards(plugins, "vot2018", sequences, tmp_path, repetitions=5, experiment=experiment("baseline"),
                         address=ray_address)
    assert not summary.failed
    reps = {t: sorted(o.key.repetition for o in summary.completed if o.key.tracker == t) for t in ("jittery", "opencv-mil")}
    assert reps == {"jittery": [1, 2, 3, 4, 5], "opencv-mil": [1, 2, 3]}
    # Resuming finds all 8 shards complete, the two follow-ups included: nothing runs.
    again = run_shards(plugins, "vot2018", sequences, tmp_path, repetitions=5, experiment=experiment("baseline"),
                       address=ray_address)
    assert not again.completed and len(again.skipped) == 8
