"""The worker actor: holds built trackers across shards and writes each shard's parquet file."""

from __future__ import annotations

import datetime as dt
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from benchmarks import Sequence
from harness.experiments import Experiment
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


@dataclass(frozen=True)
class PluginSpec:
    """A plugin with the provenance the driver computed once (weights are hashed once, not per shard)."""

    plugin: TrackerPlugin
    config_hash: str
    weights_sha256: str


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Worker:
    """One per GPU (or per CPU worker slot); Ray wraps it as an actor in dispatch.py."""

    def __init__(
        self,
        results_root: str,
        specs: dict[str, PluginSpec],
        device: str,
        code_version: str,
        experiment: Experiment,
    ) -> None:
        self.root = Path(results_root)
        self.experiment = experiment
        self.specs = specs
        self.device = device
        self.code_version = code_version
        self.host = socket.gethostname()
        self._trackers: dict[str, Tracker] = {}

    def _tracker(self, name: str) -> Tracker:
        if name not in self._trackers:
            self._trackers[name] = self.specs[name].plugin.create(self.device)
        return self._trackers[name]

    def run_shard(self, key: ShardKey, sequence: Sequence) -> ShardOutcome:
        """Run one shard to a complete file, or record why it failed; never raises."""
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
                synthetic_weights=tracker.info.synthetic_weights,
            )
            write_shard(self.root, key, frames, provenance)
            return ShardOutcome(key, True, len(frames.boxes), time.perf_counter() - t0, device=tracker.info.device)
        except Exception as exc:
            # A tracker that raised may hold a half-initialised state: rebuild it for the next shard.
            self._trackers.pop(key.tracker, None)
            message = f"{type(exc).__name__}: {exc}"
            write_error(self.root, key, message, traceback.format_exc())
            return ShardOutcome(key, False, 0, time.perf_counter() - t0, error=message, device=self.device)

    def ping(self) -> str:
        return self.host
