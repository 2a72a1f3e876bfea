"""The VOT2016-2018 short-term stack (vot-toolkit 0.9.0 `vot/stack/vot201{6,7,8}.yaml`): the numbers that
define how the supervised experiments run and how the toolkit's AR analysis reads them, held once.

The runner's experiments, the VOT profiles and the workspace export all read them from here; the
EAO interval differs by year and is each benchmark record's fact (`BenchmarkRecord.eao_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VOTStack:
    repetitions: int = 15  # runs per sequence of the baseline experiment
    realtime_repetitions: int = 1  # ... and of the real-time experiment
    early_stop_after: int = 3  # ... stopping after this many equal trajectories (a deterministic tracker)
    equal_overlap: float = 0.99999  # two trajectories are equal where their regions overlap at least this much
    skip_initialize: int = 5  # a failure at frame f re-initialises the tracker at f + 5
    failure_overlap: float = 0.0  # an overlap at or below this is a failure
    grace: int = 3  # slow calls forgiven after each (re)initialisation in the real-time experiment
    realtime_fps: float = 20.0  # frame rate of the real-time experiment when a sequence states none
    sensitivity: float = 30.0  # the AR plot's robustness exp(-sensitivity x failures / length)


VOT_STACK = VOTStack()
