"""An experiment, as the VOT toolkit's stacks declare them: how a tracker runs over a sequence, how many
times, where its shards are stored, which profiles can score it, and what result that gives."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from harness.errors import ProfileError
from harness.metrics.fields import Result
from harness.store import ShardFrames, ShardKey, StoredShard
from trackers import Tracker


class Experiment(abc.ABC):
    name: str  # the CLI word and the store folder (`ShardKey.protocol`)
    title: str  # how tables name it
    vot_type: str  # the VOT toolkit's experiment type, in an exported workspace
    default_repetitions: int
    first_repetition_only: bool  # scored on repetition 1 alone (else on every repetition stored)
    kind: ClassVar[str]  # what its profiles score, in words ("one-pass", "supervised")
    profiles: ClassVar[Mapping[str, object]]  # the profiles that can score it, by name
    record_facts: ClassVar[tuple[str, ...]] = ()  # benchmark record fields it cannot be scored without
    # What `eval --by-attribute` breaks results down by: the sequences' attributes (each group re-scored),
    # or the per-frame tags the results themselves report figures for (VOT's per-tag analyses).
    groups_by: ClassVar[str] = "sequence attributes"

    @abc.abstractmethod
    def run(self, tracker: Tracker, sequence: Sequence, tracker_name: str) -> ShardFrames:
        """The loop: the tracker over every annotated frame of the sequence, timed call by call."""

    def configured(self, fps: float | None = None, grace: int | None = None) -> Experiment:
        """This experiment with the command line's clock settings (only real time has a clock)."""
        return self

    def first_repetitions(self, requested: int) -> int:
        """How many of the `requested` repetitions to plan before any has run."""
        return requested

    def shards_of(self, sequence: Sequence, requested: int) -> list[tuple[int, Sequence]]:
        """The shards to plan for `sequence` before any has run: (repetition, what that shard runs over).
        Multistart plans one per anchor, each over the anchor's view of the sequence."""
        return [(r, sequence) for r in range(1, self.first_repetitions(requested) + 1)]

    def shard_lengths(self, sequences: list[Sequence]) -> dict[str, int | dict[int, int]]:
        """How many frames each stored shard of a run holds: by sequence, or by sequence and repetition."""
        return {s.name: len(s) for s in sequences}

    def trajectory_names(self, sequence: Sequence, shards: list[StoredShard]) -> list[str]:
        """The VOT toolkit's file stem of each shard's trajectory in a workspace (`<sequence>_<rep:03d>`)."""
        return [f"{sequence.name}_{s.repetition:03d}" for s in shards]

    def more_repetitions(self, results_root: Path, key: ShardKey, requested: int) -> list[int]:
        """Repetitions to run after the first ones of `key`'s group are settled (the early-stop policy)."""
        return []

    def scores_first_repetition_only(self, profile: object) -> bool:
        """Whether scoring under `profile` reads repetition 1 alone (else every repetition stored)."""
        return self.first_repetition_only

    def profile(self, name: str) -> object:
        """The profile of that name, if it can score this experiment; else an error naming those that can."""
        if name in self.profiles:
            return self.profiles[name]
        raise ProfileError(f"profile {name!r} cannot score the {self.name} experiment ({self.kind} results); "
                           f"profiles that can: {', '.join(self.profiles)}")

    @abc.abstractmethod
    def score(self, shards: Mapping[str, list[StoredShard]], sequences: list[Sequence], profile: object,
              record: BenchmarkRecord, pad_missing: bool = False) -> Result:
        """One tracker's stored shards (sequence -> repetitions) scored on `sequences` under `profile`;
        `pad_missing`: results missing trailing frames get zero boxes there (failures), where the
        experiment allows it."""
