"""A benchmark run as `harness run` and `harness.api.run` both make it: the trackers resolved from names,
the sequences loaded, the shards run on Ray (`runner.dispatch.run_shards`), then the trackers whose
shards all completed scored under the profile. Printing and report files are the callers' business."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from benchmarks.registry import benchmark_record, load_benchmark
from harness.errors import ShardFailedError
from harness.evaluate import TrackerScore, score_trackers
from harness.experiments import Experiment
from harness.selection import choose_experiment, choose_profile, server_scored
from trackers.registry import resolve_trackers

if TYPE_CHECKING:  # the runner imports Ray: only a run needs it, not every command that imports this module
    from harness.runner.dispatch import Notify, RunSummary


@dataclass
class RunOutcome:
    record: BenchmarkRecord
    experiment: Experiment
    profile: Any
    sequences: list[Sequence]
    summary: RunSummary
    skipped: dict[str, str] = field(default_factory=dict)  # tracker -> why it cannot run here
    scores: list[TrackerScore] = field(default_factory=list)  # trackers whose shards all completed
    note: str | None = None  # why nothing was scored although the run succeeded (a server-scored split)

    def info(self) -> dict[str, Any]:
        """What `--json` prints under "run"."""
        s = self.summary
        return {
            "shards": {"run": len(s.completed), "skipped_complete": len(s.skipped), "failed": len(s.failed)},
            "failures": [{"shard": str(o.key), "error": o.error} for o in s.failed],
            "workers": s.workers,
            "device": s.device,
            "ray": s.ray,
            "quarantined": [{"shard": str(path), "moved_to": str(moved), "reason": why}
                            for path, moved, why in s.quarantined],
        }


def use_weights(folder: Path | None) -> None:
    """Pin the weights folder to an absolute path: worker processes may start in another folder."""
    if folder:
        os.environ["HARNESS_WEIGHTS"] = str(Path(folder).resolve())
    elif "HARNESS_WEIGHTS" not in os.environ:
        os.environ["HARNESS_WEIGHTS"] = os.path.abspath("weights")


def run_benchmark(trackers: str, bench: str, *, root: Path | str | None = None, results: Path | str = "results",
                  protocol: str | None = None, fps: float | None = None, grace: int | None = None,
                  profile: str | None = None, sequences: Iterable[str] | None = None,
                  tracker_options: dict[str, dict] | None = None, weights: Path | None = None,
                  notify: Notify | None = None, **runner: Any) -> RunOutcome:
    """Run `trackers` (a comma list, or ``all``) over `bench`; `runner`: `run_shards`'s options (workers,
    address, repetitions, shard_timeout, retries, gpus_per_worker, batch_sequences, progress)."""
    from harness.runner.dispatch import run_shards

    use_weights(weights)
    record = benchmark_record(bench)
    chosen = choose_experiment(record, protocol, fps, grace)
    scoring = choose_profile(record, chosen, profile)
    plugins, unavailable = resolve_trackers(trackers, tracker_options or {})
    skipped = {name: why.brief for name, why in sorted(unavailable.items())}
    if notify:
        for name, why in skipped.items():
            notify(f"skipping {name}: {why}")
    if not plugins:
        raise ShardFailedError("no tracker can run here; `harness list` says why each is unavailable")
    loaded = load_benchmark(record.name, root, None if sequences is None else list(sequences))
    summary = run_shards(plugins, record.name, loaded, Path(results), experiment=chosen, notify=notify, **runner)
    outcome = RunOutcome(record, chosen, scoring, loaded, summary, skipped)
    ok = sorted({p.name for p in plugins} - {o.key.tracker for o in summary.failed})
    server = server_scored(record, loaded)
    if server is not None:
        outcome.note = str(server)
    elif ok:
        outcome.scores = score_trackers(Path(results), record.name, loaded, scoring, ok, chosen)
    return outcome
