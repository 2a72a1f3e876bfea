"""Training pairs as arrays and tensors: pysot's `TrkDataset.__getitem__`, one Generator per pair.

Pair `i` (counted over the whole run, epoch after epoch) is the same on any number of workers:
the step that needs it asks for it by number (`batch_indices`), and everything random about it
comes from the pair sampler's ``default_rng([seed, 1, i])``, drawn in pysot's order: gray, negative,
frames, template augmentation, search augmentation, anchor sampling.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from trackers.training.anchor_target import training_anchors
from trackers.training.augment import augment
from trackers.training.config import TrainConfig
from trackers.training.geometry import EXEMPLAR_SIZE, SEARCH_SIZE
from trackers.training.pairs import PairSampler
from trackers.training.sources import VideoSource, open_source
from trackers.training.specs import spec_for


class PairMaker:
    """Pairs of one training config, from `sources` or else the config's data, opened on first use
    (in the process that uses them)."""

    def __init__(self, config: TrainConfig, sources: list[VideoSource] | None = None) -> None:
        self.config = config
        self._sources = sources
        self._sampler: PairSampler | None = None
        spec = spec_for(config.tracker)
        self._targets = spec.targets
        self._anchors = training_anchors(spec.variant(config.width).anchors, spec.output_size)

    @property
    def sampler(self) -> PairSampler:
        if self._sampler is None:
            sources = self._sources or [open_source(d) for d in self.config.data]
            self._sampler = PairSampler(sources, self.config.seed, self.config.neg, self.config.gray)
        return self._sampler

    def __call__(self, index: int) -> dict[str, np.ndarray]:
        sampler, config = self.sampler, self.config
        rng = sampler.rng(index)
        ref = sampler.pair(index, rng)
        t, s = ref.template, ref.search
        template_image, template_box = sampler.sources[t.source].crop(t.video, t.track, t.frame)
        search_image, search_box = sampler.sources[s.source].crop(s.video, s.track, s.frame)
        template, template_box = augment(template_image, template_box, EXEMPLAR_SIZE, config.template_aug, rng, ref.gray)
        search, box = augment(search_image, search_box, SEARCH_SIZE, config.search_aug, rng, ref.gray)
        item = {
            "template": np.ascontiguousarray(template.transpose(2, 0, 1), dtype=np.float32),
            "search": np.ascontiguousarray(search.transpose(2, 0, 1), dtype=np.float32),
            "box": np.asarray(box, dtype=np.float32),
            "template_box": np.asarray(template_box, dtype=np.float32),
            "negative": np.bool_(ref.negative),
        }
        if self._targets is not None:
            item.update(self._targets(self._anchors, box, ref.negative, rng))
        return item


class PairDataset(Dataset):
    def __init__(self, maker: PairMaker) -> None:
        self.maker = maker

    def __len__(self) -> int:
        return self.maker.config.epochs * self.maker.config.pairs_per_epoch

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        return self.maker(index)


def steps_per_epoch(config: TrainConfig, world: int) -> int:
    """pysot: pairs per epoch // (batch x workers); a remainder is left out."""
    return max(1, config.pairs_per_epoch // (config.batch * world))


def batch_indices(config: TrainConfig, epoch: int, step: int, rank: int, world: int) -> list[int]:
    """The pair numbers of one worker's share of one global step."""
    first = epoch * config.pairs_per_epoch + (step * world + rank) * config.batch
    return list(range(first, first + config.batch))


class EpochSampler(Sampler[list[int]]):
    """Batches of pair numbers of one worker for one epoch, from step `first_step` on."""

    def __init__(self, config: TrainConfig, epoch: int, rank: int, world: int, first_step: int = 0) -> None:
        self.config, self.epoch, self.rank, self.world, self.first_step = config, epoch, rank, world, first_step

    def __len__(self) -> int:
        return steps_per_epoch(self.config, self.world) - self.first_step

    def __iter__(self) -> Iterator[list[int]]:
        for step in range(self.first_step, steps_per_epoch(self.config, self.world)):
            yield batch_indices(self.config, self.epoch, step, self.rank, self.world)


def epoch_loader(maker: PairMaker, epoch: int, rank: int = 0, world: int = 1, workers: int | None = None) -> DataLoader:
    """The batches one worker trains on in `epoch`, made by `workers` background processes."""
    workers = maker.config.loader_workers if workers is None else workers
    return DataLoader(PairDataset(maker), batch_sampler=EpochSampler(maker.config, epoch, rank, world),
                      num_workers=workers, persistent_workers=False, pin_memory=torch.cuda.is_available(),
                      prefetch_factor=4 if workers else None)
