"""Which frames make a training pair: pysot's `TrkDataset` pick list and pair sampling
(pysot/datasets/dataset.py), with one numpy Generator per pair.

Picks come in rounds: each source contributes its share of videos (pysot's NUM_USE; all of them
when -1, repeated in shuffled passes when larger than the source), the round is shuffled, and
rounds follow one another for as long as training needs. Pair `i` takes the i-th pick. With
probability `neg` it is a negative pair: the template is a random frame of the picked video and
the search a random frame of a random video of a source chosen uniformly; otherwise the search
frame is drawn within ±frame_range list positions of a random template frame of one track.

Every draw of pair `i` comes from ``default_rng([seed, 1, i])`` and every round from
``default_rng([seed, 0, round])``, so a pair is the same whichever worker makes it, and after a
resume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackers.training.errors import TrainingError
from trackers.training.sources import VideoSource


@dataclass(frozen=True)
class FrameRef:
    source: int
    video: int
    track: int
    frame: int


@dataclass(frozen=True)
class PairRef:
    template: FrameRef
    search: FrameRef
    negative: bool
    gray: bool


def _share(count: int, wanted: int, rng: np.random.Generator) -> np.ndarray:
    """pysot's SubDataset.shuffle: shuffled passes over the videos until `wanted` are picked."""
    passes = []
    total = 0
    while total < wanted:
        passes.append(rng.permutation(count))
        total += count
    return np.concatenate(passes)[:wanted] if passes else np.zeros(0, np.int64)


class PairSampler:
    def __init__(self, sources: list[VideoSource], seed: int, neg: float = 0.0, gray: float = 0.0) -> None:
        if not sources:
            raise TrainingError("no training data: give at least one --data source")
        self.sources, self.seed, self.neg, self.gray = sources, seed, neg, gray
        self._round_length = sum(s.picks for s in sources)
        if self._round_length == 0:
            raise TrainingError("every data source has share 0: no video would ever be picked")
        self._round: tuple[int, np.ndarray] | None = None

    def _picks(self, round_index: int) -> np.ndarray:
        """(round length, 2) source and video of every pick of one round."""
        if self._round is None or self._round[0] != round_index:
            rng = np.random.default_rng([self.seed, 0, round_index])
            parts = [np.stack([np.full(s.picks, k), _share(len(s), s.picks, rng)], axis=1)
                     for k, s in enumerate(self.sources) if s.picks]
            picks = np.concatenate(parts)
            self._round = (round_index, picks[rng.permutation(len(picks))])
        return self._round[1]

    def pick(self, index: int) -> tuple[int, int]:
        source, video = self._picks(index // self._round_length)[index % self._round_length]
        return int(source), int(video)

    def _random_frame(self, source: int, video: int, rng: np.random.Generator) -> FrameRef:
        tracks = self.sources[source].tracks(video)
        track = int(rng.integers(len(tracks)))
        return FrameRef(source, video, track, int(rng.choice(tracks[track].frames)))

    def pair(self, index: int, rng: np.random.Generator) -> PairRef:
        """Pair `index`, drawing from `rng` (``default_rng([seed, 1, index])`` in training)."""
        source, video = self.pick(index)
        gray = bool(self.gray and self.gray > rng.random())
        negative = bool(self.neg and self.neg > rng.random())
        if negative:
            template = self._random_frame(source, video, rng)
            other = int(rng.integers(len(self.sources)))
            search = self._random_frame(other, int(rng.integers(len(self.sources[other]))), rng)
            return PairRef(template, search, True, gray)
        tracks = self.sources[source].tracks(video)
        track = int(rng.integers(len(tracks)))
        frames = tracks[track].frames
        first = int(rng.integers(len(frames)))
        reach = self.sources[source].frame_range
        window = frames[max(first - reach, 0): min(first + reach, len(frames) - 1) + 1]
        return PairRef(FrameRef(source, video, track, int(frames[first])),
                       FrameRef(source, video, track, int(rng.choice(window))), False, gray)

    def rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, 1, index])
