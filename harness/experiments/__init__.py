"""Experiments: one pass, supervised (baseline) and real time, multistart (VOT2020+) and its real time,
VOT's unsupervised (average accuracy), long-term and re-detection experiments. `experiment` is the one place a
command-line word becomes an experiment object; everything else asks the object."""

from __future__ import annotations

from harness.errors import HarnessError
from harness.experiments.base import Experiment
from harness.experiments.multistart import MULTISTART, MULTISTART_REALTIME, Multistart
from harness.experiments.one_pass import ONE_PASS, OnePass
from harness.experiments.redetection import REDETECTION, Redetection
from harness.experiments.supervised import BASELINE, REALTIME, Supervised
from harness.experiments.unsupervised import LONGTERM, UNSUPERVISED, LongTerm, Unsupervised

EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (ONE_PASS, BASELINE, REALTIME, MULTISTART, MULTISTART_REALTIME,
                                                      UNSUPERVISED, LONGTERM, REDETECTION)}

__all__ = ["EXPERIMENTS", "Experiment", "LongTerm", "Multistart", "OnePass", "Redetection", "Supervised",
           "Unsupervised", "experiment"]


def experiment(name: str, fps: float | None = None, grace: int | None = None) -> Experiment:
    """The experiment a CLI word names; `fps` and `grace` set the real-time experiment's clock."""
    if name not in EXPERIMENTS:
        raise HarnessError(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name].configured(fps=fps, grace=grace)
