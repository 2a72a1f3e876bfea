"""One epoch's checkpoint tracked on a benchmark through the harness itself (Ray worker actors,
results store, the benchmark's default metric profile), as pysot's epoch sweep does with its
test scripts; each epoch gets its own results store under the run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.registry import benchmark_record, load_benchmark
from harness.evaluate import score_trackers
from harness.experiments.one_pass import ONE_PASS
from harness.runner.dispatch import run_shards
from harness.train.runfolder import RunFolder
from trackers.registry import get_plugin
from trackers.training.config import EvalConfig
from trackers.training.errors import TrainingError


@dataclass(frozen=True)
class EpochScore:
    epoch: int
    benchmark: str
    profile: str
    auc: float
    precision: float
    failed: int


def evaluate_epoch(tracker: str, checkpoint: Path, epoch: int, settings: EvalConfig, folder: RunFolder,
                   address: str | None = None) -> EpochScore:
    profile = benchmark_record(settings.bench).default_profiles.get(ONE_PASS.name)
    if profile is None:
        raise TrainingError(f"benchmark {settings.bench!r} has no official one-pass profile to evaluate epochs with")
    names = [n for n in settings.sequences.split(",") if n] or None
    sequences = load_benchmark(settings.bench, settings.root or None, names)
    plugin = get_plugin(tracker, {"weights": str(checkpoint.resolve())})
    results = folder.evaluation(epoch)
    summary = run_shards([plugin], settings.bench, sequences, results, experiment=ONE_PASS, workers=settings.workers,
                         address=address)
    if summary.failed:
        return EpochScore(epoch, settings.bench, profile, float("nan"), float("nan"), len(summary.failed))
    (score,) = score_trackers(results, settings.bench, sequences, profile, [plugin.name], ONE_PASS)
    return EpochScore(epoch, settings.bench, profile, score.result.auc, score.result.precision, 0)
