"""Dynamic dispatch of shards over Ray worker actors, longest sequences first, surviving what a long run
meets (docs/operations.md):

- a tracker that does not return: each shard has a time limit; past it the actor is killed and
  replaced, the shard recorded as failed with the frame it was stuck on, and the shards queued behind
  it run on another actor;
- a worker process that dies (out of memory, a crash in native code, its node lost): the shard it was
  running runs again up to `retries` times, those queued behind it run elsewhere, and the actor is
  replaced while the cluster has room for it;
- a full results disk: the run stops at once, leaving complete shards and no temporaries;
- two runs into one results folder: each shard is claimed (a lock its holder's death releases) before
  it is dispatched, so the runs share the work, and each waits for the shards the other holds;
- a file at a shard's path that is not a complete shard: it is moved to the quarantine folder and the
  shard runs again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayError
from tqdm import tqdm

from benchmarks import Sequence
from harness.errors import HarnessError, OutOfSpaceError
from harness.experiments import Experiment
from harness.experiments.one_pass import ONE_PASS
from harness.locks import Held
from harness.runner.cluster import Layout, capacity, check_nodes, connect, describe_nodes, worker_layout
from harness.runner.worker import PluginSpec, ShardOutcome, Worker, WorkerPlace
from harness.store import (
    ShardKey,
    claim_shard,
    is_complete,
    quarantine,
    remove_stale_temporaries,
    shard_path,
    shard_problem,
    write_error,
)
from harness.version import code_version
from trackers import TrackerPlugin

# Two shards in flight per actor hide the round trip between one shard's end and the next start.
IN_FLIGHT_PER_WORKER = 2
# The default time limit of a shard: generous for the slowest tracker on a CPU, and the first shard
# on an actor also builds its tracker (weights, a child process).
TIMEOUT_BASE_S = 120.0
TIMEOUT_PER_FRAME_S = 2.0
ASK_PROGRESS_S = 5.0  # how long a timed-out actor may take to say where it is stuck
RECLAIM_S = 1.0  # how often shards another run holds are looked at again
PLACEMENT_NOTICE_S = 30.0  # after this long without a placed actor, say that the run is waiting

Notify = Callable[[str], None]


def default_shard_timeout(frames: int) -> float:
    return TIMEOUT_BASE_S + TIMEOUT_PER_FRAME_S * frames


@dataclass
class RunSummary:
    completed: list[ShardOutcome] = field(default_factory=list)
    failed: list[ShardOutcome] = field(default_factory=list)
    skipped: list[ShardKey] = field(default_factory=list)  # complete before this run, or run by a concurrent one
    by_others: list[ShardKey] = field(default_factory=list)  # of those, completed by a concurrent run meanwhile
    quarantined: list[tuple[Path, Path, str]] = field(default_factory=list)  # (shard path, where it went, why)
    retried: list[ShardKey] = field(default_factory=list)  # run again after their worker process died
    places: list[WorkerPlace] = field(default_factory=list)  # where each worker actor started: node, GPUs
    seconds: float = 0.0
    workers: int = 0
    device: str = "cpu"
    ray: str = ""  # which Ray the run used

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
    shards = [
        (ShardKey(p.name, benchmark, s.name, r, experiment.name), view)
        for s in sequences
        for views in [experiment.shards_of(s, repetitions)]
        for p in plugins
        for r, view in views
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


def _complete(root: Path, key: ShardKey, sequence: Sequence, summary: RunSummary, notify: Notify) -> bool:
    """Whether `key`'s shard is complete; a file in its place that is not is moved to the quarantine."""
    path = shard_path(root, key)
    if not path.is_file():
        return False
    problem = shard_problem(root, key, frames=len(sequence))
    if problem is None:
        return True
    moved = quarantine(root, key, problem)
    summary.quarantined.append((path, moved, problem))
    notify(f"{path} is not a complete shard ({problem}); moved to {moved}; the shard runs again")
    return False


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
    shard_timeout: float | None = None,
    retries: int = 1,
    gpus_per_worker: float | None = None,
    notify: Notify | None = None,
    batch_sequences: int = 1,
) -> RunSummary:
    """Run every incomplete shard of `experiment` (default repetitions: the experiment's); complete ones
    are skipped, failures recorded and reported. `shard_timeout`: seconds a shard may take (default
    `default_shard_timeout` of its length); `retries`: runs again of a shard whose worker process died;
    `notify` receives what the user should know as it happens (which Ray, quarantined files, retries);
    `batch_sequences`: one-pass shards of one batch-capable tracker that an actor tracks together."""
    if batch_sequences < 1:
        raise HarnessError(f"--batch-sequences {batch_sequences}: must be at least 1 (1 tracks one sequence at a time)")
    notify = notify or (lambda message: None)
    repetitions = repetitions or experiment.default_repetitions
    results_root = Path(results_root).resolve()
    results_root.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(results_root)
    summary = RunSummary()
    todo, settled = [], set()
    planned = plan_shards(plugins, benchmark, sequences, experiment, repetitions)
    for key, seq in planned:  # grows while it is walked: follow-ups of complete groups are planned too
        if _complete(results_root, key, seq, summary, notify):
            summary.skipped.append(key)
            settled.add(key)
            planned += _follow_ups(results_root, experiment, key, seq, repetitions, settled)
        else:
            todo.append((key, seq))
    if not todo:
        return summary

    connection = connect(address)
    summary.ray = connection.description
    notify(connection.description)
    try:
        layout = worker_layout(plugins, workers, gpus_per_worker)
        firsts = {seq.name: seq.frames[0] for _, seq in todo if seq.frames is not None and len(seq.frames)}
        check_nodes(list(firsts.values()), results_root)
        dispatcher = _Dispatcher(plugins, results_root, experiment, repetitions, layout, shard_timeout, retries,
                                 summary, settled, notify, batch_sequences)
        dispatcher.run(todo, progress)
    finally:
        if connection.started:
            ray.shutdown()
    return summary


@dataclass
class _Shard:
    key: ShardKey
    sequence: Sequence
    attempt: int = 1
    claim: Held | None = None


class _Slot:
    """One worker actor and the calls submitted to it, in order: the first one is running. A call
    carries one shard, or several tracked together (`--batch-sequences`)."""

    def __init__(self, actor: ray.actor.ActorHandle) -> None:
        self.actor = actor
        self.place_ref = actor.place.remote()
        self.place: WorkerPlace | None = None
        self.running: list[tuple[ray.ObjectRef, list[_Shard]]] = []
        self.since = 0.0  # when the first of `running` began
        self.failed_starts = 0


class _Dispatcher:
    def __init__(self, plugins: list[TrackerPlugin], root: Path, experiment: Experiment, repetitions: int, layout: Layout,
                 shard_timeout: float | None, retries: int, summary: RunSummary, settled: set[ShardKey],
                 notify: Notify, batch_sequences: int = 1) -> None:
        self.root, self.experiment, self.repetitions = root, experiment, repetitions
        self.layout, self.shard_timeout, self.retries = layout, shard_timeout, retries
        self.summary, self.settled, self.notify = summary, settled, notify
        # Only one-pass shards are joined: supervised runs re-initialise each sequence on its own schedule.
        self.batch = batch_sequences if experiment.kind == "one-pass" else 1
        self.batchable = {p.name for p in plugins if getattr(p, "supports_batch", False)}
        specs = {p.name: PluginSpec(p, p.config_hash(), p.weights_checksum()) for p in plugins}
        # Plugins find weights and data through HARNESS_* variables; workers may not inherit the driver's.
        env = {k: v for k, v in os.environ.items() if k.startswith("HARNESS_")}
        actor_class = ray.remote(num_cpus=1, num_gpus=layout.gpus, concurrency_groups={"control": 1})(Worker)
        actor_class = actor_class.options(runtime_env={"env_vars": env})
        version = code_version()
        self.spawn = lambda: _Slot(actor_class.remote(str(root), specs, layout.device, version, experiment))
        self.queue: list[_Shard] = []  # pop() takes the next
        self.deferred: list[_Shard] = []  # held by a concurrent run
        self.slots: list[_Slot] = []
        self.owed = 0  # actors lost and not yet replaced: a replacement is made when there is work for it
        self.sequences: dict[str, Sequence] = {}
        self.unplaced_since = time.monotonic()
        self.bar: tqdm | None = None
        self.t0 = time.perf_counter()

    def run(self, todo: list[tuple[ShardKey, Sequence]], progress: bool) -> None:
        self.queue = [_Shard(key, seq) for key, seq in reversed(todo)]  # pop() from the end takes the longest first
        self.sequences = {seq.name: seq for _, seq in todo}
        self.slots = [self.spawn() for _ in range(min(self.layout.count, len(todo)))]
        self.summary.workers, self.summary.device = len(self.slots), self.layout.device
        next_reclaim, told_waiting = 0.0, False
        try:
            with tqdm(total=len(todo), unit="shard", disable=not progress, dynamic_ncols=True) as self.bar:
                while True:
                    if not self.queue and self.deferred and time.monotonic() >= next_reclaim:
                        self.queue, self.deferred = self.deferred[::-1], []
                        next_reclaim = time.monotonic() + RECLAIM_S
                    self._fill()
                    running = [ref for slot in self.slots for ref, _ in slot.running]
                    if not running and not self.queue and not self.deferred:
                        break
                    waiting = [slot.place_ref for slot in self.slots if slot.place is None]
                    refs = running + waiting
                    timeout = self._wait_seconds(bool(self.deferred))
                    ready = ray.wait(refs, num_returns=1, timeout=timeout)[0] if refs else time.sleep(timeout) or []
                    for ref in ready:
                        self._handle(ref)
                    self._enforce_time_limits()
                    if not any(slot.place for slot in self.slots):
                        told_waiting = self._stalled(told_waiting)
                    else:
                        self.unplaced_since, told_waiting = time.monotonic(), False
        except OutOfSpaceError as full:
            self._stop(str(full))
        finally:
            for shard in self._all_shards():
                if shard.claim is not None:
                    shard.claim.release(remove=True)
            # Gone now, not when Ray collects their handles: a next run on the same cluster (a test
            # session's, or one given --address) finds its CPUs free.
            for slot in self.slots:
                ray.kill(slot.actor, no_restart=True)
        self.summary.seconds = time.perf_counter() - self.t0

    # --- choosing and submitting -------------------------------------------------------------------

    def _fill(self) -> None:
        self._spawn_owed()
        for slot in self.slots:
            while slot.place is not None and len(slot.running) < IN_FLIGHT_PER_WORKER:
                shard = self._next()
                if shard is None:
                    return
                if not slot.running:
                    slot.since = time.monotonic()
                group = [shard, *self._companions(shard)]
                if len(group) == 1:
                    ref = slot.actor.run_shard.remote(shard.key, shard.sequence)
                else:
                    ref = slot.actor.run_batch.remote([(s.key, s.sequence) for s in group])
                slot.running.append((ref, group))

    def _companions(self, shard: _Shard) -> list[_Shard]:
        """Further shards of `shard`'s tracker to track together with it, up to `--batch-sequences`."""
        if self.batch == 1 or shard.key.tracker not in self.batchable:
            return []
        group: list[_Shard] = []
        skipped: list[_Shard] = []
        while len(group) < self.batch - 1:
            other = self._next()
            if other is None:
                break
            (group if other.key.tracker == shard.key.tracker else skipped).append(other)
        self.queue.extend(reversed(skipped))  # claimed already; they run next, in their order
        return group

    def _next(self) -> _Shard | None:
        """The next shard to run, claimed; shards a concurrent run holds wait in `deferred`."""
        while self.queue:
            shard = self.queue.pop()
            if shard.claim is None:
                claim = claim_shard(self.root, shard.key)
                if claim is None:
                    self.deferred.append(shard)
                    continue
                if _complete(self.root, shard.key, shard.sequence, self.summary, self.notify):
                    claim.release(remove=True)
                    self.summary.skipped.append(shard.key)
                    self.summary.by_others.append(shard.key)
                    self._settle(shard.key)
                    continue
                shard.claim = claim
            return shard
        return None

    def _limit(self, group: list[_Shard]) -> float:
        """Seconds a call may take: the sum of its shards' limits (shards tracked together share the time)."""
        return sum(self.shard_timeout if self.shard_timeout is not None else default_shard_timeout(len(s.sequence))
                   for s in group)

    def _wait_seconds(self, reclaiming: bool) -> float:
        now, waits = time.monotonic(), [30.0]
        for slot in self.slots:
            if slot.place is not None and slot.running:
                waits.append(slot.since + self._limit(slot.running[0][1]) - now)
            elif slot.place is None:
                waits.append(5.0)  # look at the cluster again while no actor is placed
        if reclaiming:
            waits.append(RECLAIM_S)
        return max(0.05, min(waits))

    # --- results -----------------------------------------------------------------------------------

    def _handle(self, ref: ray.ObjectRef) -> None:
        for slot in self.slots:
            if slot.place is None and ref == slot.place_ref:
                return self._placed(slot)
            for i, (running_ref, group) in enumerate(slot.running):
                if running_ref == ref:
                    try:
                        answer: ShardOutcome | list[ShardOutcome] = ray.get(ref)
                    except RayActorError as exc:
                        return self._lost(slot, f"worker process died: {exc}")
                    del slot.running[i]
                    if i == 0:
                        slot.since = time.monotonic()  # the next one starts now
                    pairs = list(zip(group, answer if isinstance(answer, list) else [answer]))
                    full = [(shard, outcome) for shard, outcome in pairs if outcome.out_of_space]
                    for shard, outcome in pairs:
                        if not outcome.out_of_space:
                            self._finished(shard, outcome)
                    for shard, _ in full[1:]:
                        self.queue.append(shard)  # not stored; released with the queue's claims on the way out
                    if full:
                        self._finished(*full[0])  # raises: the run stops
                    return None

    def _placed(self, slot: _Slot) -> None:
        try:
            slot.place = ray.get(slot.place_ref)
            self.summary.places.append(slot.place)
        except RayActorError as exc:
            slot.failed_starts += 1
            self.slots.remove(slot)
            if slot.failed_starts >= 2:
                self.notify(f"a worker actor failed to start twice ({exc}); going on with {len(self.slots)}")
                if not self.slots:
                    raise HarnessError(f"no worker actor could start: {exc}") from None
                return
            fresh = self.spawn()
            fresh.failed_starts = slot.failed_starts
            self.slots.append(fresh)

    def _finished(self, shard: _Shard, outcome: ShardOutcome) -> None:
        if outcome.out_of_space:
            self.queue.append(shard)  # not stored: its claim is released with the queue's on the way out
            raise OutOfSpaceError(outcome.error or "out of space")
        (self.summary.completed if outcome.ok else self.summary.failed).append(outcome)
        self._release(shard)

    def _written(self, shard: _Shard, node: str) -> bool:
        """Whether a shard of a call that never answered was written before the call was lost (shards
        tracked together end at different frames); if so it counts as completed."""
        if not is_complete(self.root, shard.key, frames=len(shard.sequence)):
            return False
        self._finished(shard, ShardOutcome(shard.key, True, len(shard.sequence), 0.0, node=node))
        return True

    def _fail(self, shard: _Shard, message: str, node: str) -> None:
        write_error(self.root, shard.key, message, message)
        self.summary.failed.append(ShardOutcome(shard.key, False, 0, 0.0, error=message, node=node))
        self._release(shard)

    def _release(self, shard: _Shard) -> None:
        if shard.claim is not None:
            shard.claim.release(remove=True)
            shard.claim = None
        self._settle(shard.key)

    def _settle(self, key: ShardKey) -> None:
        self.settled.add(key)
        more = []
        for follow_up, seq in _follow_ups(self.root, self.experiment, key, self.sequences[key.sequence],
                                          self.repetitions, self.settled):
            if _complete(self.root, follow_up, seq, self.summary, self.notify):
                self.summary.skipped.append(follow_up)
            else:
                more.append(_Shard(follow_up, seq))
        if more:
            self.queue.extend(reversed(more))
            if self.bar is not None:
                self.bar.total += len(more)
        if self.bar is not None:
            self.bar.update(1)
            elapsed = time.perf_counter() - self.t0
            self.bar.set_postfix(fps=f"{self.summary.frames / max(elapsed, 1e-9):.0f}", failed=len(self.summary.failed))

    # --- faults ------------------------------------------------------------------------------------

    def _lost(self, slot: _Slot, why: str) -> None:
        """The slot's actor is gone: its running shard (each of those tracked together) runs again (up to
        `retries` times) or fails, the shards queued behind it go back to the queue, and the actor is
        replaced."""
        for shard in self._take_running(slot):
            if self._written(shard, slot.place.node):
                continue
            if shard.attempt <= self.retries:
                shard.attempt += 1
                self.summary.retried.append(shard.key)
                self.notify(f"shard {shard.key}: {why}; running it again (attempt {shard.attempt} of "
                            f"{self.retries + 1})")
                self.queue.append(shard)
            else:
                self._fail(shard, f"{why} (attempt {shard.attempt} of {self.retries + 1})", slot.place.node)
        self._replace(slot)

    def _take_running(self, slot: _Slot) -> list[_Shard]:
        """Empty the slot of a lost actor: the calls queued behind its running one go back to the queue,
        in their order; returns the running call's shards."""
        entries, slot.running = slot.running, []
        for _, group in reversed(entries[1:]):
            self.queue.extend(reversed(group))
        return entries[0][1] if entries else []

    def _replace(self, slot: _Slot) -> None:
        self.slots.remove(slot)
        self.owed += 1
        self._spawn_owed()

    def _spawn_owed(self) -> None:
        """Replacements for lost actors, once there are shards for them (the run's last shard lost would
        otherwise start an actor that nothing uses, and that holds a CPU while it starts)."""
        while self.owed and (self.queue or self.deferred):
            self.owed -= 1
            room = capacity(self.layout.gpus)
            if len(self.slots) < room:
                self.slots.append(self.spawn())
            else:
                self.notify(f"the cluster now has room for {room} workers ({describe_nodes()}); going on with "
                            f"{len(self.slots)}")

    def _enforce_time_limits(self) -> None:
        now = time.monotonic()
        for slot in list(self.slots):
            if slot.place is None or not slot.running:
                continue
            group = slot.running[0][1]
            limit = self._limit(group)
            if now - slot.since <= limit:
                continue
            where = self._progress(slot)
            ray.kill(slot.actor, no_restart=True)
            self._take_running(slot)
            at = (f"at frame {where[1]} of sequence {where[0]!r} (that call had run {where[2]:.0f} s)" if where else
                  "before its first tracker call (building the tracker or reading the first frame)")
            for shard in group:
                if not self._written(shard, slot.place.node):
                    self._fail(shard, f"timed out after {limit:.0f} s {at}; the worker was stopped", slot.place.node)
            self._replace(slot)

    def _progress(self, slot: _Slot) -> tuple[str, int, float] | None:
        try:
            return ray.get(slot.actor.progress.options(concurrency_group="control").remote(), timeout=ASK_PROGRESS_S)
        except (GetTimeoutError, RayError):
            return None

    def _stalled(self, told: bool) -> bool:
        """No actor is placed: fail when the cluster has no room for one at all, else say once that the
        run waits for Ray to place them (the resources may be in use by other jobs)."""
        if capacity(self.layout.gpus) == 0:
            raise HarnessError(f"no worker actor can be placed: the cluster now has {describe_nodes()}; "
                               f"{len(self.queue) + len(self.deferred)} shards were not run (run again to resume)")
        if not told and time.monotonic() - self.unplaced_since > PLACEMENT_NOTICE_S:
            self.notify(f"waiting for Ray to place the worker actors ({describe_nodes()})")
            return True
        return told

    def _stop(self, message: str) -> None:
        """Out of space: stop every actor, wait for them to be gone, remove what they left half-written,
        and raise, naming what happened once."""
        in_flight = self._in_flight()
        for slot in self.slots:
            ray.kill(slot.actor, no_restart=True)
        refs = [ref for slot in self.slots for ref, _ in slot.running] + [s.place_ref for s in self.slots]
        ray.wait(refs, num_returns=len(refs), timeout=60)
        for shard in in_flight:
            self.queue.append(shard)  # its claim is released with the queue's on the way out
        for slot in self.slots:
            slot.running = []
        for folder in {shard_path(self.root, shard.key).parent for shard in in_flight}:
            remove_stale_temporaries(folder)
        raise OutOfSpaceError(f"{message}. The run stopped: {len(self.summary.completed)} shards completed in this "
                              "run and every complete shard is kept; free space and run again to resume")

    # --- bookkeeping -------------------------------------------------------------------------------

    def _all_shards(self) -> list[_Shard]:
        return [*self.queue, *self.deferred, *self._in_flight()]

    def _in_flight(self) -> list[_Shard]:
        """The shards of every call submitted to an actor and not yet answered."""
        return [shard for slot in self.slots for _, group in slot.running for shard in group]
