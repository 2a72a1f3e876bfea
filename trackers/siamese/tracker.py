"""Tracking as one-shot detection (SiamRPN Sec. 4): template kernels once, then a search crop
around the last position every frame, its proposals decoded, re-ranked and the best one taken."""

from __future__ import annotations

import numpy as np
import torch

from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo
from trackers.siamese.anchors import anchor_grid
from trackers.siamese.config import TrackConfig, Variant
from trackers.siamese.crop import context_size, crop_patch, mean_colour
from trackers.siamese.decode import Choice, TargetState, choose, next_state
from trackers.siamese.model import SiameseRPN, Template
from trackers.siamese.penalty import cosine_window
from trackers.siamese.region import pysot_init_box


def resolve_device(requested: str) -> torch.device:
    """The device asked for, or the CPU when this torch cannot reach it (a CPU-only build)."""
    if requested.startswith("cuda") and torch.cuda.is_available():
        return torch.device(requested)
    return torch.device("cpu")


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
        self._grids: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.last_choice: Choice | None = None

    def init_box(self, region: np.ndarray) -> np.ndarray:
        return pysot_init_box(region)

    def _grid(self, score_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Anchors and cosine window for a score map of this size, built once."""
        if score_size not in self._grids:
            anchors = self._variant.anchors
            self._grids[score_size] = (anchor_grid(anchors, score_size), cosine_window(score_size, anchors.count))
        return self._grids[score_size]

    @torch.inference_mode()
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        x, y, w, h = (float(v) for v in box)
        if not (w > 0 and h > 0):
            raise TrackerError(f"initial box {list(box)} has no area")
        self._state = TargetState(center=np.array([x + (w - 1) / 2, y + (h - 1) / 2]), size=np.array([w, h]))
        self._fill = mean_colour(image)
        self.last_choice = None
        self._template = self._model.template(to_tensor([self._template_crop(image)], self._device))

    def _template_side(self) -> int:
        """Side in image pixels of the square the template is cropped from, around the current state."""
        return round(context_size(self._state.size, self._track.context_amount))

    def _template_crop(self, image: np.ndarray) -> np.ndarray:
        return crop_patch(image, self._state.center, self._template_side(), self._track.exemplar_size, self._fill)

    @torch.inference_mode()
    def track(self, image: np.ndarray) -> Prediction:
        if self._template is None:
            raise TrackerError("track() called before initialize()")
        track = self._track
        side = context_size(self._state.size, track.context_amount)
        scale = track.exemplar_size / side
        search_side = round(side * track.instance_size / track.exemplar_size)
        crop = crop_patch(image, self._state.center, search_side, track.instance_size, self._fill)
        choice = self._choose(crop, self._state.size * scale)
        self.last_choice = choice
        self._state = next_state(self._state, choice, scale, image.shape[:2])
        (cx, cy), (w, h) = self._state.center, self._state.size
        return Prediction(box=np.array([cx - w / 2, cy - h / 2, w, h], dtype=np.float64), score=choice.score)

    def _choose(self, crop: np.ndarray, target_wh: np.ndarray) -> Choice:
        """The proposal taken in one search crop; `target_wh` is the last size in crop pixels."""
        cls, loc = self._model.track(to_tensor([crop], self._device), self._template)
        logits, deltas = cls[0].float().cpu().numpy(), loc[0].float().cpu().numpy()
        anchors, window = self._grid(logits.shape[-1])
        return choose(logits, deltas, anchors, window, target_wh, self._track)
