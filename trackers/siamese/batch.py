"""Several sequences tracked at once by one process: their search crops go through the network as
one batch, each against its own cached template, with the boxes and scores of tracking each alone.

    batch = get_plugin("siamrpnpp").create_batch("cuda")      # any SiamRPN / SiamRPN++ / C-RPN / SCTRPN
    batch.initialize("bag", first_bag_frame, bag_box)         # template computed now, batch of one
    batch.initialize("car1", first_car_frame, car_box)
    boxes = batch.track_many({"bag": bag_frame, "car1": car_frame})   # {key: Prediction}
    batch.remove("bag")                                      # its sequence has ended

A sequence whose frame fails (a crop or a decoding that raises) does not take the others with it:
`track_many` finishes every other sequence's frame and then raises `BatchTrackError`, which holds
their predictions and each failure by key.

CRACT is not batched: after its search forward each sequence runs its own proposal RoIs, heads and
online discriminator, so a shared forward would save only part of its per-frame work; its plugin's
`create_batch` refuses (`supports_batch`).

Each sequence keeps a tracker of its own (crop, template, state, decoding, `last_choice`), all
sharing one network; the batch only joins their search-branch forwards. The backbone, adjust and
head layers run on the whole batch; each correlation runs crop by crop against that sequence's
kernels (`xcorr.PerSample`), because a grouped convolution over the batch sums in another order.
Whether a batched convolution gives each crop the bits it gives alone is the kernel library's
choice: on CPUs it does for every variant here (tests/test_siamese_batch.py checks every variant at
thin width, perf/siamese_speed.py the full AlexNet and MobileNetV2 networks); on GPUs cuDNN may
pick another algorithm for another batch size, so there expect float32 rounding differences rather
than equal bits.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Hashable, Iterator, Mapping

import numpy as np
import torch

from trackers.base import Prediction, TrackerError, TrackerInfo
from trackers.siamese.tracker import SearchCrop, SiamRPNTracker, sample, to_tensor
from trackers.siamese.xcorr import PerSample

DEFAULT_MAX_BATCH = 8


class BatchTrackError(TrackerError):
    """Some sequences of a `track_many` call failed; the others were tracked (`predictions`)."""

    def __init__(self, failures: dict[Hashable, Exception], predictions: dict[Hashable, Prediction]) -> None:
        named = "; ".join(f"{key!r}: {type(exc).__name__}: {exc}" for key, exc in failures.items())
        super().__init__(f"{len(failures)} of {len(failures) + len(predictions)} sequences failed: {named}")
        self.failures, self.predictions = failures, predictions


def per_sample(templates: list[Any]) -> Any:
    """One template whose kernels are, kernel by kernel, the `PerSample` tuple of the templates'."""

    def merge(parts: list[Any]) -> Any:
        if isinstance(parts[0], torch.Tensor):
            return PerSample(parts)
        return tuple(merge(list(group)) for group in zip(*parts))

    return dataclasses.replace(templates[0], kernels=merge([t.kernels for t in templates]))


class BatchTracker:
    """Per-sequence trackers made from `prototype` (sharing its network), tracked a batch at a time.

    Keys are any hashable the caller picks (a sequence name, a shard). `track_many` takes one frame
    for each of some initialised keys and forwards at most `max_batch` crops at once."""

    def __init__(self, prototype: SiamRPNTracker, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        if max_batch < 1:
            raise TrackerError(f"max_batch={max_batch} must be at least 1")
        self._prototype = prototype
        self.max_batch = max_batch
        self._trackers: dict[Hashable, SiamRPNTracker] = {}

    @property
    def info(self) -> TrackerInfo:
        return self._prototype.info

    def init_box(self, region: np.ndarray) -> np.ndarray:
        return self._prototype.init_box(region)

    def keys(self) -> list[Hashable]:
        return list(self._trackers)

    def tracker(self, key: Hashable) -> SiamRPNTracker:
        """The sequence's own tracker (its `last_choice`, and for cascades `last_stages`)."""
        if key not in self._trackers:
            raise TrackerError(f"no sequence {key!r} here; initialised: {self.keys()}")
        return self._trackers[key]

    def initialize(self, key: Hashable, image: np.ndarray, box: np.ndarray) -> None:
        """Start (or restart) sequence `key` on `box` in `image`; its template is computed alone."""
        tracker = self._trackers.get(key) or self._prototype.spawn()
        tracker.initialize(image, box)
        self._trackers[key] = tracker

    def remove(self, key: Hashable) -> None:
        self._trackers.pop(key, None)

    @torch.inference_mode()
    def track_many(self, images: Mapping[Hashable, np.ndarray]) -> dict[Hashable, Prediction]:
        """One frame for each key given; the predictions, by key, exactly as `track` would give them.
        Raises `BatchTrackError` after the others' frames when some sequences fail."""
        missing = [key for key in images if key not in self._trackers]
        if missing:
            raise TrackerError(f"track_many() for {missing}, which were never initialised; initialised: {self.keys()}")
        predictions: dict[Hashable, Prediction] = {}
        failures: dict[Hashable, Exception] = {}
        searches: dict[Hashable, SearchCrop] = {}
        for key in images:
            try:
                searches[key] = self._trackers[key].search_crop(images[key])
            except Exception as exc:  # this sequence's frame alone is lost
                failures[key] = exc
        for keys in self._chunks(list(searches)):
            trackers = [self._trackers[key] for key in keys]
            crops = to_tensor([searches[key].crop for key in keys], self._prototype.device)
            outputs = trackers[0].forward(crops, per_sample([tracker.template for tracker in trackers]))
            for index, (key, tracker) in enumerate(zip(keys, trackers)):
                try:
                    predictions[key] = tracker.advance(searches[key], sample(outputs, index))
                except Exception as exc:
                    failures[key] = exc
        if failures:
            raise BatchTrackError(failures, predictions)
        return predictions

    def _chunks(self, keys: list[Hashable]) -> Iterator[list[Hashable]]:
        for start in range(0, len(keys), self.max_batch):
            yield keys[start : start + self.max_batch]
