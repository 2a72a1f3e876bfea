"""The worker actor: holds built trackers across shards and writes each shard's parquet file."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import Sequence
from harness.errors import OutOfSpaceError
from harness.experiments import Experiment
from harness.runner.calls import call_in_progress
from harness.store import Provenance, ShardFrames, ShardKey, write_error, write_shard
from trackers import Tracker, TrackerInfo, TrackerPlugin


@dataclass(frozen=True)
class ShardOutcome:
    key: ShardKey
    ok: bool
    frames: int
    seconds: float
    error: str | None = None
    device: str = "cpu"
    node: str = ""  # the Ray node it ran on ("" where none: recorded by the driver)
    out_of_space: bool = False  # the results file system is full: the run must stop


@dataclass(frozen=True)
class WorkerPlace:
    """Where an actor landed: its node, host and process, and the accelerators Ray gave it."""

    node: str
    host: str
    pid: int
    gpu_ids: tuple[str, ...] = ()
    cuda_visible_devices: str | None = None


@dataclass(frozen=True)
class PluginSpec:
    """A plugin with the provenance the driver computed once (weights are hashed once, not per shard)."""

    plugin: TrackerPlugin
    config_hash: str
    weights_sha256: str


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Worker:
    """One per GPU share (or per CPU worker slot); Ray wraps it as an actor in dispatch.py. `run_shard`
    runs in the actor's default thread; `progress` is called on a second one (the "control" concurrency
    group) so a stuck tracker can still be asked where it is."""

    def __init__(
        self,
        results_root: str,
        specs: dict[str, PluginSpec],
        device: str,
        code_version: str,
        experiment: Experiment,
    ) -> None:
        import ray

        self.root = Path(results_root)
        self.experiment = experiment
        self.specs = specs
        self.device = device
        self.code_version = code_version
        self.host = socket.gethostname()
        self.node = ray.get_runtime_context().get_node_id()
        self._trackers: dict[str, Tracker] = {}
        self._batches: dict[str, Any] = {}  # trackers.siamese.batch.BatchTracker, for run_batch

    def _tracker(self, name: str) -> Tracker:
        if name not in self._trackers:
            self._trackers[name] = self.specs[name].plugin.create(self.device)
        return self._trackers[name]

    def run_shard(self, key: ShardKey, sequence: Sequence) -> ShardOutcome:
        """Run one shard to a complete file, or record why it failed; never raises. A full disk is
        reported, not recorded: nothing more can be written."""
        started, t0 = _now(), time.perf_counter()
        try:
            tracker = self._tracker(key.tracker)
            frames = self.experiment.run(tracker, sequence, key.tracker)
            self._write(key, frames, started, tracker.info)
            return ShardOutcome(key, True, len(frames.boxes), time.perf_counter() - t0, device=tracker.info.device,
                                node=self.node)
        except OutOfSpaceError as full:
            return self._failed(key, t0, str(full), out_of_space=True)
        except Exception as exc:
            # A tracker that raised may hold a half-initialised state: rebuild it for the next shard.
            self._trackers.pop(key.tracker, None)
            return self._recorded(key, t0, exc)

    def run_batch(self, shards: list[tuple[ShardKey, Sequence]]) -> list[ShardOutcome]:
        """Run one-pass shards of one batch-capable tracker together (`harness.runner.batched`), each
        written, or its failure recorded, as `run_shard` would; outcomes in the order given. Never raises."""
        from harness.runner.batched import run_one_pass_batch

        started, t0 = _now(), time.perf_counter()
        name = shards[0][0].tracker
        outcomes: dict[ShardKey, ShardOutcome] = {}

        def done(key: ShardKey, result: ShardFrames | Exception) -> None:
            if isinstance(result, Exception):
                outcomes[key] = self._recorded(key, t0, result)
                return
            try:
                self._write(key, result, started, self._batches[name].info)
                outcomes[key] = ShardOutcome(key, True, len(result.boxes), time.perf_counter() - t0,
                                             device=self._batches[name].info.device, node=self.node)
            except OutOfSpaceError as full:
                outcomes[key] = self._failed(key, t0, str(full), out_of_space=True)

        try:
            if name not in self._batches:
                self._batches[name] = self.specs[name].plugin.create_batch(self.device, max_batch=len(shards))
            self._batches[name].max_batch = len(shards)
            run_one_pass_batch(self._batches[name], shards, name, done)
        except Exception as exc:  # building the tracker, or the joined forward: every shard not yet ended fails
            self._batches.pop(name, None)
            for key, _ in shards:
                if key not in outcomes:
                    outcomes[key] = self._recorded(key, t0, exc)
        return [outcomes[key] for key, _ in shards]

    def _write(self, key: ShardKey, frames: ShardFrames, started: str, info: TrackerInfo) -> None:
        """A shard's file, with the provenance of the tracker (`info`) that made it."""
        spec = self.specs[key.tracker]
        provenance = Provenance(
            code_version=self.code_version,
            config_hash=spec.config_hash,
            weights_sha256=spec.weights_sha256,
            device=info.device,
            host=self.host,
            started=started,
            finished=_now(),
            deterministic=info.deterministic,
            synthetic_weights=info.synthetic_weights,
        )
        write_shard(self.root, key, frames, provenance)

    def _recorded(self, key: ShardKey, t0: float, exc: Exception) -> ShardOutcome:
        """A shard's failure written to the store as `run_shard` writes it."""
        message = f"{type(exc).__name__}: {exc}"
        try:
            write_error(self.root, key, message, "".join(traceback.format_exception(exc)))
        except OutOfSpaceError as full:
            return self._failed(key, t0, f"{message}; and {full}", out_of_space=True)
        return self._failed(key, t0, message)

    def _failed(self, key: ShardKey, t0: float, message: str, out_of_space: bool = False) -> ShardOutcome:
        return ShardOutcome(key, False, 0, time.perf_counter() - t0, error=message, device=self.device,
                            node=self.node, out_of_space=out_of_space)

    def place(self) -> WorkerPlace:
        """Where this actor runs (answered once it is placed and started)."""
        import ray

        gpus = tuple(str(g) for g in ray.get_runtime_context().get_accelerator_ids().get("GPU", []))
        return WorkerPlace(self.node, self.host, os.getpid(), gpus, os.environ.get("CUDA_VISIBLE_DEVICES"))

    def progress(self) -> tuple[str, int, float] | None:
        """(sequence, 1-based frame, seconds since the call began) of the tracker call in progress."""
        call = call_in_progress()
        return None if call is None else (call.sequence, call.frame, time.monotonic() - call.since)
