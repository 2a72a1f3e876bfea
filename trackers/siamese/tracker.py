"""Tracking as one-shot detection (SiamRPN Sec. 4): template kernels once, then a search crop
around the last position every frame, its proposals decoded, re-ranked and the best one taken."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo
from trackers.siamese.anchors import anchor_grid
from trackers.siamese.config import AnchorConfig, TrackConfig, Variant
from trackers.siamese.crop import context_size, crop_patch, mean_colour
from trackers.siamese.decode import Choice, TargetState, choose, next_state, start_state, state_box
from trackers.siamese.model import SiameseRPN, Template
from trackers.siamese.penalty import cosine_window
from trackers.siamese.region import pysot_init_box


def resolve_device(requested: str) -> torch.device:
    """The device asked for, or the CPU when this torch cannot reach it (a CPU-only build)."""
    if requested.startswith("cuda") and torch.cuda.is_available():
        return torch.device(requested)
    return torch.device("cpu")


@dataclass(frozen=True)
class SearchCrop:
    """One frame's search crop, and what takes its proposals back to the image."""

    crop: np.ndarray
    scale: float  # crop pixels per image pixel
    target_wh: np.ndarray  # the last size, in crop pixels
    image_hw: tuple[int, int]


class AnchorCache:
    """Anchors and cosine window for each score-map size, built once per size."""

    def __init__(self, anchors: AnchorConfig) -> None:
        self._anchors = anchors
        self._grids: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, score_size: int) -> tuple[np.ndarray, np.ndarray]:
        if score_size not in self._grids:
            self._grids[score_size] = (anchor_grid(self._anchors, score_size),
                                       cosine_window(score_size, self._anchors.count))
        return self._grids[score_size]


def template_side(state: TargetState, track: TrackConfig) -> int:
    """Side in image pixels of the square the template is cropped from, around `state`."""
    return round(context_size(state.size, track.context_amount))


def template_crop(image: np.ndarray, state: TargetState, track: TrackConfig, fill: np.ndarray) -> np.ndarray:
    return crop_patch(image, state.center, template_side(state, track), track.exemplar_size, fill)


def search_crop(image: np.ndarray, state: TargetState, track: TrackConfig, fill: np.ndarray) -> SearchCrop:
    """The search crop around `state` (SiamRPN Eq. 15's context, instance/exemplar times the template's)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 or 0 in image.shape:
        # Caught here, for this sequence alone: such a crop would break a whole batch's forward.
        raise TrackerError(f"frame of shape {image.shape} and dtype {image.dtype}; expected H x W x 3 uint8 BGR")
    side = context_size(state.size, track.context_amount)
    scale = track.exemplar_size / side
    search_side = round(side * track.instance_size / track.exemplar_size)
    crop = crop_patch(image, state.center, search_side, track.instance_size, fill)
    return SearchCrop(crop, scale, state.size * scale, image.shape[:2])


def sample(outputs: Any, index: int) -> Any:
    """Crop `index`'s part of a network's outputs (tensors, or lists/tuples of them) as float numpy."""
    if isinstance(outputs, torch.Tensor):
        return outputs[index].float().cpu().numpy()
    return type(outputs)(sample(part, index) for part in outputs)


def to_tensor(crops: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """HxWx3 uint8 BGR crops to one (B, 3, H, W) float batch of raw 0..255 values, as the
    released networks take them (no mean/std normalisation)."""
    batch = np.stack(crops).transpose(0, 3, 1, 2)
    return torch.from_numpy(np.ascontiguousarray(batch)).to(device=device, dtype=torch.float32)


class SiamRPNTracker(Tracker):
    """One target. The box convention follows the authors' trackers, so results line up with
    theirs: the start box is pysot's conversion of the benchmark's region (`init_box`), the centre
    is ``x + (w - 1) / 2`` on input and the box ``cx - w / 2`` on output. `last_choice` is the
    proposal taken in the latest frame (its anchor index, crop box, score and penalty)."""

    def __init__(
        self, model: SiameseRPN, variant: Variant, track: TrackConfig, device: torch.device, info: TrackerInfo
    ) -> None:
        self.info = info
        self._model = model.to(device).eval()
        self._variant = variant
        self._track = track
        self._device = device
        self._template: Template | None = None
        self._state = TargetState(center=np.zeros(2), size=np.ones(2))
        self._fill = np.zeros(3)
        self._grid = AnchorCache(variant.anchors)
        self.last_choice: Choice | None = None

    def init_box(self, region: np.ndarray) -> np.ndarray:
        return pysot_init_box(region)

    @torch.inference_mode()
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        self._state = start_state(box)
        self._fill = mean_colour(image)
        self.last_choice = None
        self._template = self._model.template(to_tensor([self._template_crop(image)], self._device))

    def _template_side(self) -> int:
        """Side in image pixels of the square the template is cropped from, around the current state."""
        return template_side(self._state, self._track)

    def _template_crop(self, image: np.ndarray) -> np.ndarray:
        return template_crop(image, self._state, self._track, self._fill)

    @property
    def device(self) -> torch.device:
        return self._device

    def spawn(self) -> SiamRPNTracker:
        """A tracker for another sequence sharing this one's network and settings, not yet initialised."""
        twin = copy.copy(self)
        twin._template = None
        twin.last_choice = None
        return twin

    @property
    def template(self) -> Template | None:
        """The cached template (its RPN kernels), None before `initialize`."""
        return self._template

    @torch.inference_mode()
    def track(self, image: np.ndarray) -> Prediction:
        search = self.search_crop(image)
        outputs = self.forward(to_tensor([search.crop], self._device), self._template)
        return self.advance(search, sample(outputs, 0))

    def search_crop(self, image: np.ndarray) -> SearchCrop:
        """This frame's search crop around the last state (the per-frame work before the network)."""
        if self._template is None:
            raise TrackerError("track() called before initialize()")
        return search_crop(image, self._state, self._track, self._fill)

    def forward(self, crops: torch.Tensor, template: Any) -> Any:
        """The network's search branch on a batch of crops against a template (one, or one per crop)."""
        return self._model.track(crops, template)

    def advance(self, search: SearchCrop, maps: Any) -> Prediction:
        """The per-frame work after the network: choose among the proposals of this crop's `maps`
        (numpy, as `sample` gives them) and move the state."""
        choice = self._choose(search.crop, search.target_wh, maps)
        self.last_choice = choice
        self._state = next_state(self._state, choice, search.scale, search.image_hw)
        return Prediction(box=state_box(self._state), score=choice.score)

    def _choose(self, crop: np.ndarray, target_wh: np.ndarray, maps: tuple[np.ndarray, np.ndarray]) -> Choice:
        """The proposal taken in one search crop; `target_wh` is the last size in crop pixels."""
        logits, deltas = maps
        anchors, window = self._grid(logits.shape[-1])
        return choose(logits, deltas, anchors, window, target_wh, self._track)
