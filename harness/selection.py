"""What a command scores, from the words a user gives (the CLI's options, the API's arguments): the
benchmark's experiment, the profile it is scored under, and the refusal to score a split whose ground
truth is withheld. One place, so that `harness eval` and `harness.api.scores` choose alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from benchmarks.registry import benchmark_record, load_benchmark
from harness.errors import EvaluationError, HarnessError
from harness.evaluate import Breakdown, Scoring, score_by_attribute, score_stored
from harness.experiments import Experiment, experiment
from harness.reports.bootstrap import Bootstrap
from harness.reports.tables import scores_json


def choose_experiment(record: BenchmarkRecord, protocol: str | None = None, fps: float | None = None,
                      grace: int | None = None) -> Experiment:
    """`protocol` (else the benchmark's default experiment), with the real-time clock options."""
    chosen = experiment(protocol or record.default_experiment, fps=fps, grace=grace)
    if chosen.name not in record.experiments:
        raise HarnessError(f"{record.name} is not run under the {chosen.name} experiment; "
                           f"it is run under: {', '.join(record.experiments)}")
    return chosen


def choose_profile(record: BenchmarkRecord, chosen: Experiment, name: str | None = None):
    """The profile `name`, else the benchmark's official one for the experiment."""
    name = name or record.default_profiles.get(chosen.name)
    if name is None:
        raise EvaluationError(f"{record.name} has no official profile for {chosen.name} results; choose one with "
                              f"--profile ({', '.join(chosen.profiles)})")
    return chosen.profile(name)


def server_scored(record: BenchmarkRecord, sequences: list[Sequence]) -> EvaluationError | None:
    """The error to show when the benchmark withholds its ground truth (only the first frame is annotated)."""
    if not record.server_scored:
        return None
    if not any(len(s) > 1 and np.isnan(s.ground_truth[1:]).all() for s in sequences):
        return None
    return EvaluationError(
        f"{record.name} is scored by the benchmark's server: its ground truth is withheld after the first frame, "
        f"so no metric can be computed here. Write the archive the server accepts with "
        f"`harness export --submission --bench {record.name} --tracker <name>` and upload it"
    )


@dataclass(frozen=True)
class Evaluation:
    """What `harness eval` prints and `harness.api` returns: the choices made, then the scoring (or, by
    attribute, the breakdown)."""

    record: BenchmarkRecord
    experiment: Experiment
    profile: Any
    sequences: list[Sequence]
    scoring: Scoring | None = None
    breakdown: Breakdown | None = None
    common: bool = False  # scored on the sequences every tracker has

    def to_json(self, bootstrap: Bootstrap | None = None) -> dict[str, Any]:
        """What `harness eval --json` prints: every tracker's figures, and which sequences were scored."""
        return {**scores_json(self.scoring.scores, self.record.name, self.experiment, self.profile, bootstrap),
                "sequences": {"scored": len(self.scoring.sequences), "asked": self.scoring.asked,
                              "common": self.common}}


def _chosen(bench: str, root: Path | str | None, profile: str | None, protocol: str | None,
            sequences: Iterable[str] | None) -> Evaluation:
    record = benchmark_record(bench)
    chosen = choose_experiment(record, protocol)
    scoring_profile = choose_profile(record, chosen, profile)
    loaded = load_benchmark(record.name, root, None if sequences is None else list(sequences))
    server = server_scored(record, loaded)
    if server is not None:
        raise server
    return Evaluation(record, chosen, scoring_profile, loaded)


def evaluate_benchmark(results: Path | str, bench: str, *, root: Path | str | None = None, profile: str | None = None,
                       protocol: str | None = None, sequences: Iterable[str] | None = None,
                       trackers: Iterable[str] | None = None, common: bool = False,
                       pad_missing: bool = False) -> Evaluation:
    """Every stored tracker of `bench` (or those named) scored under `profile` (default: the benchmark's
    official one for the experiment), refusing a split whose ground truth is withheld."""
    chosen = _chosen(bench, root, profile, protocol, sequences)
    scoring = score_stored(Path(results), chosen.record.name, chosen.sequences, chosen.profile,
                           None if trackers is None else list(trackers), chosen.experiment, common=common,
                           pad_missing=pad_missing)
    return replace(chosen, scoring=scoring, common=common)


def breakdown_benchmark(results: Path | str, bench: str, *, root: Path | str | None = None, profile: str | None = None,
                        protocol: str | None = None, sequences: Iterable[str] | None = None,
                        trackers: Iterable[str] | None = None) -> Evaluation:
    """`evaluate_benchmark` by attribute (one-pass) or frame tag (supervised), as `--by-attribute`."""
    chosen = _chosen(bench, root, profile, protocol, sequences)
    breakdown = score_by_attribute(Path(results), chosen.record.name, chosen.sequences, chosen.profile,
                                   None if trackers is None else list(trackers), chosen.experiment)
    return replace(chosen, breakdown=breakdown)
