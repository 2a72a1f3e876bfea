"""Dynamic dispatch of shards over Ray worker actors, longest sequences first."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import ray
from ray.exceptions import RayActorError
from tqdm import tqdm

from benchmarks import Sequence
from harness.experiments import Experiment
from harness.experiments.one_pass import ONE_PASS
from harness.runner.worker import PluginSpec, ShardOutcome, Worker
from harness.store import ShardKey, is_complete, remove_stale_temporaries, write_error
from harness.version import code_version
from trackers import TrackerPlugin

# Two shards in flight per actor hide the round trip between one shard's end and the next start.
IN_FLIGHT_PER_WORKER = 2


@dataclass
class RunSummary:
    completed: list[ShardOutcome] = field(default_factory=list)
    failed: list[ShardOutcome] = field(default_factory=list)
    skipped: list[ShardKey] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0
    device: str = "cpu"

    @property
    def frames(self) -> int:
        return sum(o.frames for o in self.completed)


def plan_shards(
    plugins: list[TrackerPlugin],
    benchmark: str,
    sequences: list[Sequence],
    experiment: Experiment = ONE_PASS,
    repetitions: int = 1,
) -> list[tuple[ShardKey, Sequence]]:
    """The shards to start with, longest sequences first so the tail of a run is short. The experiment
    decides how many repetitions to plan before any has run (supervised: three, see `more_repetitions`)."""
    first = experiment.first_repetitions(repetitions)
    shards = [
        (ShardKey(p.name, benchmark, s.name, r, experiment.name), s)
        for s in sequences
        for p in plugins
        for r in range(1, first + 1)
    ]
    return sorted(shards, key=lambda item: -len(item[1]))


def _follow_ups(
    results_root: Path, experiment: Experiment, key: ShardKey, sequence: Sequence, repetitions: int,
    settled: set[ShardKey],
) -> list[tuple[ShardKey, Sequence]]:
    """The further repetitions of `key`'s group, once all of its first ones are settled."""
    first = experiment.first_repetitions(repetitions)
    if key.repetition > first or not all(replace(key, repetition=r) in settled for r in range(1, first + 1)):
        return []
    return [(replace(key, repetition=r), sequence) for r in experiment.more_repetitions(results_root, key, repetitions)]


def _connect(address: str | None) -> bool:
    """Join a cluster (or start a local one); True when this call started Ray and must stop it."""
    if ray.is_initialized():
        return False
    # Ray announces on every start that it enabled token auth (its default, which we keep); the CLI
    # is quiet by default, and Ray's own RAY_AUTH_MODE switch must be set before ray is imported.
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    # "local": without --address, start our own instance rather than join one that happens to run here.
    ray.init(address=address or "local", include_dashboard=False, log_to_driver=False, configure_logging=False)
    return True


def _worker_layout(plugins: list[TrackerPlugin], workers: int | None) -> tuple[int, str, float]:
    """(count, device, gpus per actor): one actor per GPU when a tracker wants one, else CPU slots."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    if gpus and any(p.wants_gpu for p in plugins):
        return (workers or gpus), "cuda", 1.0
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return (workers or max(1, cpus)), "cpu", 0.0


def run_shards(
    plugins: list[TrackerPlugin],
    benchmark: str,
    sequences: list[Sequence],
    results_root: Path,
    *,
    experiment: Experiment = ONE_PASS,
    repetitions: int | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = False,
) -> RunSummary:
    """Run every incomplete shard of `experiment` (default repetitions: the experiment's); complete
    ones are skipped, failures are recorded and reported."""
    repetitions = repetitions or experiment.default_repetitions
    results_root = Path(results_root).resolve()
    results_root.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(results_root)
    summary = RunSummary()
    todo, settled = [], set()
    planned = plan_shards(plugins, benchmark, sequences, experiment, repetitions)
    for key, seq in planned:  # grows while it is walked: follow-ups of complete groups are planned too
        if is_complete(results_root, key):
            summary.skipped.append(key)
            settled.add(key)
            planned += _follow_ups(results_root, experiment, key, seq, repetitions, settled)
        else:
            todo.append((key, seq))
    if not todo:
        return summary

    started_ray = _connect(address)
    try:
        _dispatch(plugins, todo, results_root, workers, progress, summary, repetitions, experiment)
    finally:
        if started_ray:
            ray.shutdown()
    return summary


def _dispatch(plugins, todo, results_root, workers, progress, summary: RunSummary, repetitions, experiment) -> None:
    count, device, gpus = _worker_layout(plugins, workers)
    count = min(count, len(todo))
    specs = {p.name: PluginSpec(p, p.config_hash(), p.weights_checksum()) for p in plugins}
    # Plugins find weights and data through HARNESS_* variables; workers may not inherit the driver's.
    env = {k: v for k, v in os.environ.items() if k.startswith("HARNESS_")}
    actor_class = ray.remote(num_cpus=1, num_gpus=gpus)(Worker).options(runtime_env={"env_vars": env})
    version = code_version()

    def spawn():
        return actor_class.remote(str(results_root), specs, device, version, experiment)

    actors = [spawn() for _ in range(count)]
    summary.workers, summary.device = count, device
    queue = list(reversed(todo))  # pop() from the end takes the longest first
    pending: dict[ray.ObjectRef, tuple[int, ShardKey, object]] = {}
    t0 = time.perf_counter()

    def submit(slot: int) -> None:
        key, seq = queue.pop()
        pending[actors[slot].run_shard.remote(key, seq)] = (slot, key, actors[slot])

    for slot in range(count):
        for _ in range(IN_FLIGHT_PER_WORKER):
            if queue:
                submit(slot)

    sequences = {key: seq for key, seq in todo}
    settled = set(summary.skipped)
    with tqdm(total=len(todo), unit="shard", disable=not progress, dynamic_ncols=True) as bar:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            slot, key, actor = pending.pop(ready[0])
            try:
                outcome: ShardOutcome = ray.get(ready[0])
            except RayActorError as exc:
                # The actor process died (out of memory, segfault in native code): record, replace, go on.
                message = f"worker process died: {exc}"
                write_error(results_root, key, message, str(exc))
                outcome = ShardOutcome(key, False, 0, 0.0, error=message)
                if actors[slot] is actor:
                    actors[slot] = spawn()
            (summary.completed if outcome.ok else summary.failed).append(outcome)
            settled.add(key)
            more = []
            for follow_up in _follow_ups(results_root, experiment, key, sequences[key], repetitions, settled):
                if is_complete(results_root, follow_up[0]):
                    summary.skipped.append(follow_up[0])
                else:
                    more.append(follow_up)
            if more:
                sequences.update(more)
                queue.extend(more)
                bar.total += len(more)
            if queue:
                submit(slot)
            bar.update(1)
            elapsed = time.perf_counter() - t0
            bar.set_postfix(fps=f"{summary.frames / max(elapsed, 1e-9):.0f}", failed=len(summary.failed))
    summary.seconds = time.perf_counter() - t0
