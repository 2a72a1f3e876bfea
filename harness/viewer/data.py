"""What the viewer shows of one sequence: its frames in run order, its ground truth, and every chosen tracker's
stored outputs, statuses and per-frame overlap, read through the store's `read_tracker` (every shard checked
to be what its path says) and the benchmark's loader, as `harness eval` reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.masks import Masks
from benchmarks.registry import benchmark_record, load_benchmark
from benchmarks.vot import axis_aligned_boxes
from harness.errors import HarnessError
from harness.experiments import Experiment, LongTerm, Multistart, OnePass, Supervised, Unsupervised
from harness.experiments.redetection import Redetection
from harness.experiments.multistart import anchor_runs, run_overlaps, run_view
from harness.experiments.regions import region_overlaps
from harness.experiments.supervised import toolkit_overlap
from harness.metrics.ope.evaluate import SequenceInput
from harness.metrics.ope.frames import align, frame_errors, repair_predictions
from harness.reports.figures import tracker_colour
from harness.selection import choose_experiment, choose_profile
from harness.store import STATUSES, StoredShard, read_tracker, stored_trackers

_TRACKED = STATUSES.index("tracked")
_INITIALIZED = STATUSES.index("initialized")


@dataclass(frozen=True)
class TrackerView:
    """One tracker's stored run of the sequence, in run order."""

    name: str
    colour: str
    boxes: np.ndarray  # (M, 4) x, y, w, h as stored
    status: np.ndarray  # (M,) int8 index into STATUSES
    overlaps: np.ndarray  # (M,) the experiment's overlap with the ground truth, NaN where it scores none
    scores: np.ndarray  # (M,) the tracker's confidence, NaN where it gave none
    masks: Masks | None  # the tracker's masks, for a tracker that outputs them
    source: str  # the shard file or imported result it was read from


@dataclass(frozen=True)
class SequenceView:
    """One run of one sequence as the viewer shows it: `order[k]` is the 0-based frame of the sequence shown at
    run step k (a multistart backward anchor run goes from its anchor back to frame 1)."""

    benchmark: str
    experiment: str
    sequence: str
    run: str  # which run, in words
    overlap: str  # what the per-frame overlap is, in words
    order: np.ndarray  # (M,) sequence frame index of each run step
    paths: list[Path | None]  # (M,) frame files; None where the root holds annotations only
    truth: np.ndarray  # (M, 4 or 8) ground truth in run order
    truth_masks: Masks | None
    absent: np.ndarray  # (M,) bool
    image_size: tuple[int, int] | None  # (width, height)
    fps: float | None  # the capture frame rate where the benchmark states it
    trackers: list[TrackerView]
    left_out: list[str] = field(default_factory=list)  # stored trackers without this run, and why


@dataclass(frozen=True)
class Run:
    """One run of a sequence: the sequence as the run saw it (`view`: a multistart anchor run's frames in run order,
    the re-detection experiment's generated sequence), `order[k]` the sequence frame of run step k, in words."""

    sequence: Sequence
    view: Sequence
    order: np.ndarray
    words: str


def gather(results: Path, bench: str, sequence: str, *, root: Path | None = None, protocol: str | None = None,
           trackers: list[str] | None = None, repetition: int = 1, profile: str | None = None) -> SequenceView:
    """The view of `sequence` of `bench` (`protocol`: the stored experiment, default the benchmark's) with the
    stored runs of `trackers` (default: every tracker with results on it), repetition `repetition` (for
    multistart, the `repetition`-th anchor run in the toolkit's order)."""
    record = benchmark_record(bench)
    chosen = choose_experiment(record, protocol)
    loaded = load_benchmark(record.name, root, [sequence])[0]
    stored = stored_trackers(results, record.name, chosen.name)
    if not stored:
        raise HarnessError(f"no results for benchmark {record.name!r} ({chosen.name}) under {Path(results).resolve()}; "
                           "run or import some first")
    unknown = [t for t in trackers or () if t not in stored]
    if unknown:
        raise HarnessError(f"no stored {record.name} {chosen.name} results of tracker {unknown[0]!r} under "
                           f"{Path(results).resolve()}; stored: {', '.join(stored)}")
    if repetition < 1:
        raise HarnessError(f"--repetition {repetition}: repetitions are numbered from 1")
    run = run_of(chosen, loaded, repetition)
    shown, left_out = [], []
    for name in trackers or stored:
        views, shards = _tracker_views(results, record, chosen, [run], name, stored, repetition, profile)
        if run.sequence.name not in views:
            have = shards.get(loaded.name)
            why = (f"{loaded.name!r} has repetitions {', '.join(str(s.repetition) for s in have)} stored, not "
                   f"{repetition}" if have else f"no stored {chosen.name} run of {record.name} sequence "
                   f"{loaded.name!r} under {Path(results).resolve()}")
            if trackers:
                raise HarnessError(f"tracker {name!r}: {why}")
            left_out.append(f"{name} ({why})")
            continue
        shown.append(views[loaded.name])
    if not shown:
        raise HarnessError(f"no tracker has a stored {chosen.name} run ({run.words}) of {record.name} sequence "
                           f"{loaded.name!r} under {Path(results).resolve()}")
    return sequence_view(record, chosen, run, shown, profile, left_out)


def tracker_views(results: Path, record, chosen: Experiment, runs: list[Run], tracker: str, stored: list[str],
                  repetition: int = 1, profile: str | None = None, whole_only: bool = False) -> dict[str, TrackerView]:
    """`tracker`'s stored run `repetition` of each of `runs`' sequences that has one (sequence name -> view), its
    shards read at once; `stored`: the benchmark's stored trackers, which its colour is chosen among.
    `whole_only`: a run stored with another number of frames than its sequence has (an imported result some
    profiles pad or cut) is left out, where it is otherwise an error."""
    return _tracker_views(results, record, chosen, runs, tracker, stored, repetition, profile, whole_only)[0]


def _tracker_views(results: Path, record, chosen: Experiment, runs: list[Run], tracker: str, stored: list[str],
                   repetition: int, profile: str | None, whole_only: bool = False,
                   ) -> tuple[dict[str, TrackerView], dict[str, list[StoredShard]]]:
    lengths = chosen.shard_lengths([r.sequence for r in runs])
    shards = read_tracker(results, record.name, chosen.name, tracker, [r.sequence.name for r in runs], frames=lengths)
    views = {}
    for run in runs:
        shard = next((s for s in shards.get(run.sequence.name, ()) if s.repetition == repetition), None)
        if shard is None:
            continue
        if len(shard.boxes) != len(run.view):
            if whole_only:
                continue
            raise HarnessError(f"{shard.source}: {len(shard.boxes)} frames stored, {run.sequence.name!r} "
                               f"({run.words}) has {len(run.view)}")
        overlap_of = _overlap_function(chosen, record, profile, run.sequence, run.view)
        scores = shard.scores if shard.scores is not None else np.full(len(shard.boxes), np.nan)
        views[run.sequence.name] = TrackerView(tracker, tracker_colour(tracker, stored), shard.boxes, shard.status,
                                               overlap_of(shard), scores, shard.masks, shard.source)
    return views, shards


def sequence_view(record, chosen: Experiment, run: Run, trackers: list[TrackerView], profile: str | None = None,
                  left_out: list[str] | None = None) -> SequenceView:
    """What the viewer shows of `run` with `trackers`' outputs."""
    view, frames = run.view, run.view.frames
    return SequenceView(record.name, chosen.name, run.sequence.name, run.words, _overlap_words(chosen, record, profile),
                        run.order, [frames[i] for i in range(len(view))] if frames is not None else [None] * len(view),
                        view.ground_truth, view.masks, view.absent, view.image_size, run.sequence.fps, trackers,
                        left_out or [])


def run_of(chosen: Experiment, sequence: Sequence, repetition: int) -> Run:
    """The sequence as the chosen run saw it, its frames' order, and the run in words."""
    if isinstance(chosen, Multistart):
        runs = anchor_runs(sequence)
        if repetition > len(runs):
            raise HarnessError(f"--repetition {repetition}: {sequence.name!r} has {len(runs)} anchor runs")
        run = runs[repetition - 1]
        direction = "backward to frame 1" if run.backward else f"forward to frame {len(sequence)}"
        words = f"anchor run {repetition} of {len(runs)}: from frame {run.anchor + 1} {direction}"
        return Run(sequence, run_view(sequence, run), run.frames(len(sequence)), words)
    if isinstance(chosen, Redetection):
        view = chosen.generated(sequence, chosen.build(sequence))
        return Run(sequence, view, np.arange(len(view)), f"repetition {repetition} on the generated re-detection "
                                                          f"sequence ({len(view)} frames, the toolkit's transformer)")
    return Run(sequence, sequence, np.arange(len(sequence)), f"repetition {repetition}")


def _overlap_words(chosen: Experiment, record, profile: str | None) -> str:
    if isinstance(chosen, OnePass):
        return f"IoU as profile {choose_profile(record, chosen, profile).name} counts it (its success curve)"
    if isinstance(chosen, Supervised):
        return "the VOT toolkit's overlap (rasterised, bounded by the image) of tracked frames, its failure test"
    return "the VOT toolkit's overlap (bounded by the image, ignore masks left out), as its analyses score it"


def _overlap_function(chosen: Experiment, record, profile: str | None, sequence: Sequence, view: Sequence):
    """shard -> (M,) per-frame overlap, as the experiment's scoring computes it; NaN where it scores none."""
    if isinstance(chosen, OnePass):
        prof = choose_profile(record, chosen, profile)

        def ope(shard: StoredShard) -> np.ndarray:
            inputs = [SequenceInput(sequence.name, shard.boxes, axis_aligned_boxes(sequence.ground_truth),
                                    sequence.absent, source=shard.source)]
            frames = align(inputs, prof)
            repair_predictions(frames, prof)
            iou = frame_errors(frames, prof)[0]
            iou[~np.isfinite(iou)] = np.nan
            return iou[: len(shard.boxes)]

        return ope
    if isinstance(chosen, Supervised):
        if sequence.image_size is None:
            raise HarnessError(f"sequence {sequence.name!r} has no image size; VOT overlaps are bounded by the image")
        size = (int(sequence.image_size[0]), int(sequence.image_size[1]))

        def supervised(shard: StoredShard) -> np.ndarray:
            tracked = shard.status == _TRACKED
            overlaps = np.full(len(shard.boxes), np.nan)
            if tracked.any():
                overlaps[tracked] = toolkit_overlap(shard.boxes[tracked], sequence.ground_truth[tracked], size)
            return overlaps

        return supervised
    if isinstance(chosen, Multistart):
        return lambda shard: _unscored_start(run_overlaps(view, shard), shard)
    if isinstance(chosen, (Unsupervised, LongTerm)):
        return lambda shard: _unscored_start(
            region_overlaps(view, shard.boxes, shard.status != _INITIALIZED, shard.masks), shard)
    raise HarnessError(f"the viewer does not know how the {chosen.name} experiment scores a frame")


def _unscored_start(overlaps: np.ndarray, shard: StoredShard) -> np.ndarray:
    """The initialisation frame holds no output (the toolkit's special region): no overlap is shown there."""
    return np.where(shard.status == _INITIALIZED, np.nan, overlaps)
