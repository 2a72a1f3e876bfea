"""The worker actor: holds built trackers across shards and writes each shard's parquet file."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from benchmarks import Sequence
from harness.errors import OutOfSpaceError
from harness.experiments import Experiment
from harness.runner.calls import call_in_progress
from harness.store import Provenance, ShardKey, write_error, write_shard
from trackers import Tracker, TrackerPlugin


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
            spec = self.specs[key.tracker]
            provenance = Provenance(
                code_version=self.code_version,
                config_hash=spec.config_hash,
                weights_sha256=spec.weights_sha256,
                device=tracker.info.device,
                host=self.host,
                started=started,
                finished=_now(),
                deterministic=tracker.info.deterministic,
                synthetic_weights=tracker.info.synthetic_weights,
            )
            write_shard(self.root, key, frames, provenance)
            return ShardOutcome(key, True, len(frames.boxes), time.perf_counter() - t0, device=tracker.info.device,
                                node=self.node)
        except OutOfSpaceError as full:
            return self._failed(key, t0, str(full), out_of_space=True)
        except Exception as exc:
            # A tracker that raised may hold a half-initialised state: rebuild it for the next shard.
            self._trackers.pop(key.tracker, None)
            message = f"{type(exc).__name__}: {exc}"
            try:
                write_error(self.root, key, message, traceback.format_exc())
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
