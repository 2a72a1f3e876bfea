"""VOT's multistart experiment (VOT2020 and later, short-term): the tracker starts at every anchor frame and
runs, never reset, to the end of the sequence (a forward anchor) or back to its start on reversed frames (a
backward anchor), as vot-toolkit 0.9.0's `vot/experiment/multistart.py` runs it; real time wraps the tracker
in the toolkit's `RealtimeTrackerRuntime` clock.

Each anchor run is one shard: its repetition number is the anchor's place in the toolkit's order (forward
anchors by frame, then backward ones by frame), 1-based; its rows are the run's frames in run order, as
the toolkit's `<sequence>_<anchor:08d>.txt` trajectory holds them, frame 0 being the anchor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from benchmarks.vot_regions import anchors, empty_regions
from harness.errors import EvaluationError, HarnessError
from harness.experiments.base import Experiment
from harness.experiments.one_pass import run_one_pass
from harness.experiments.regions import region_overlaps
from harness.experiments.supervised import RealtimeClock
from harness.metrics.vot.multistart import PROFILES, AnchorRun as ScoredRun, MultistartProfile, MultistartResult, \
    MultistartSequence, evaluate_multistart
from harness.metrics.vot.stack import VOT_STACK
from harness.store import STATUSES, ShardFrames, StoredShard
from trackers import Tracker

ANCHOR = "anchor"  # the per-frame value naming anchors (`anchor.value`), as the toolkit's default



@dataclass(frozen=True)
class AnchorRun:
    """One run of the experiment: from `anchor` (0-based frame) forward to the end, or backward to frame 0."""

    anchor: int
    backward: bool

    def frames(self, length: int) -> np.ndarray:
        """The sequence's frame indices in run order."""
        return np.arange(self.anchor, -1, -1) if self.backward else np.arange(self.anchor, length)


def anchor_runs(sequence: Sequence, anchor: str = ANCHOR) -> list[AnchorRun]:
    """The runs in the toolkit's order (`find_anchors`: frames whose value is > 0 forward, then < 0 backward);
    a sequence without any is an error, as in the toolkit."""
    forward, backward = anchors(sequence, anchor)
    if not len(forward) and not len(backward):
        raise HarnessError(f"sequence {sequence.name!r} has no anchor frames ({anchor}.value with a non-zero "
                           f"value): the multistart experiment starts only from anchors")
    return [AnchorRun(int(i), False) for i in forward] + [AnchorRun(int(i), True) for i in backward]


@dataclass(frozen=True)
class MappedFrames:
    """Some of a sequence's frame files, in a given order (an anchor run's), indexed like a `FrameList`."""

    frames: object  # the sequence's FrameList
    order: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, index: int) -> Path:
        return self.frames[self.order[index]]

    def __iter__(self) -> Iterator[Path]:
        return (self[i] for i in range(len(self)))


def run_view(sequence: Sequence, run: AnchorRun) -> Sequence:
    """The sequence as one anchor run sees it (the toolkit's `FrameMapSequence`): frames, ground truth, masks,
    absence, tags and values in run order."""
    order = run.frames(len(sequence))
    return replace(
        sequence,
        ground_truth=sequence.ground_truth[order],
        absent=sequence.absent[order],
        frames=None if sequence.frames is None else MappedFrames(sequence.frames, tuple(order.tolist())),
        frame_tags={k: _taken(v, order) for k, v in sequence.frame_tags.items()},
        frame_values={k: _taken(v, order) for k, v in sequence.frame_values.items()},
        masks=None if sequence.masks is None else sequence.masks.frames(order),
        ignore_masks=None if sequence.ignore_masks is None else sequence.ignore_masks.frames(order),
    )


def _taken(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per-frame values in run order; files may stop before the last frame (the rest are zero)."""
    padded = np.zeros(max(len(values), int(order.max()) + 1), dtype=np.asarray(values).dtype)
    padded[: len(values)] = values
    return padded[order]


@dataclass(frozen=True)
class Multistart(Experiment):
    name: str = "multistart"
    title: str = "multistart"
    vot_type: str = "baseline"  # the experiment's name in the vot2020..2022 stacks (its type is multistart)
    default_repetitions: int = 1
    first_repetition_only: bool = False
    realtime_fps: float | None = None  # None: every frame waits for the tracker; a sequence's own fps wins
    grace: int = VOT_STACK.grace  # slow calls forgiven after each initialisation (vot2020..2022: `grace: 3`)
    kind: ClassVar[str] = "multistart"
    profiles: ClassVar[Mapping[str, MultistartProfile]] = PROFILES
    record_facts: ClassVar[tuple[str, ...]] = ("eao_interval",)

    def configured(self, fps: float | None = None, grace: int | None = None) -> Multistart:
        if self.realtime_fps is None:
            return self
        return replace(self, realtime_fps=fps or self.realtime_fps, grace=self.grace if grace is None else grace)

    def shards_of(self, sequence: Sequence, requested: int) -> list[tuple[int, Sequence]]:
        if requested != 1:
            raise HarnessError(f"--repetitions {requested}: the multistart experiment runs each anchor once "
                               "(the toolkit's stacks have no repetitions for it)")
        return [(k, run_view(sequence, run)) for k, run in enumerate(anchor_runs(sequence), start=1)]

    def shard_lengths(self, sequences: list[Sequence]) -> dict[str, int | dict[int, int]]:
        return {s.name: {k: len(run.frames(len(s))) for k, run in enumerate(anchor_runs(s), start=1)}
                for s in sequences}

    def trajectory_names(self, sequence: Sequence, shards: list[StoredShard]) -> list[str]:
        """`<sequence>_<anchor frame, 0-based:08d>`, as the toolkit names each run's trajectory."""
        runs = anchor_runs(sequence)
        return [f"{sequence.name}_{runs[s.repetition - 1].anchor:08d}" for s in shards]

    def run(self, tracker: Tracker, sequence: Sequence, tracker_name: str) -> ShardFrames:
        """One anchor run: `sequence` is the run's view (`shards_of`)."""
        fps = (sequence.fps or self.realtime_fps) if self.realtime_fps else None
        return run_one_pass(tracker, sequence, tracker_name, RealtimeClock(1.0 / fps, self.grace) if fps else None)

    def score(self, shards: Mapping[str, list[StoredShard]], sequences: list[Sequence], profile: MultistartProfile,
              record: BenchmarkRecord, pad_missing: bool = False) -> MultistartResult:
        """Every anchor run of every sequence against its ground truth, bounded by the image (as the toolkit's
        analyses do with a burn-in, which every stack sets)."""
        if pad_missing:
            raise EvaluationError("--pad-missing applies to one-pass results; a multistart run is stored whole")
        if not profile.bounded:
            raise EvaluationError(f"profile {profile.name}: overlaps not bounded by the image are not reproduced")
        scored = []
        for sequence in sequences:
            runs = []
            for run, shard in anchor_shards(shards[sequence.name], sequence):
                view = run_view(sequence, run)
                overlaps = run_overlaps(view, shard)
                runs.append(ScoredRun(run.anchor, run.backward, overlaps, empty_regions(view)))
            scored.append(MultistartSequence(sequence.name, len(sequence), tuple(runs),
                                             source=shards[sequence.name][0].source))
        return evaluate_multistart(scored, profile)


def run_overlaps(view: Sequence, shard: StoredShard) -> np.ndarray:
    """The toolkit's overlap of each frame of an anchor run with its ground truth: the anchor frame's region
    is the special `initialised` one (none)."""
    return region_overlaps(view, shard.boxes, shard.status != STATUSES.index("initialized"), shard.masks)


def anchor_shards(shards: list[StoredShard], sequence: Sequence) -> list[tuple[AnchorRun, StoredShard]]:
    """Every anchor run of `sequence` with its stored shard; a missing one is an error naming it."""
    runs = anchor_runs(sequence)
    stored = {s.repetition: s for s in shards}
    missing = [f"{'backward' if r.backward else 'forward'} anchor at frame {r.anchor + 1}"
               for k, r in enumerate(runs, start=1) if k not in stored]
    if missing:
        raise EvaluationError(f"sequence {sequence.name!r}: no stored run from {', '.join(missing[:5])}"
                              f"{' ...' if len(missing) > 5 else ''} ({len(missing)} of {len(runs)} anchor runs "
                              "missing); run the experiment again to complete it")
    return [(r, stored[k]) for k, r in enumerate(runs, start=1)]


MULTISTART = Multistart()
MULTISTART_REALTIME = Multistart(name="multistart-realtime", title="multistart real time", vot_type="realtime",
                                 realtime_fps=VOT_STACK.realtime_fps)
