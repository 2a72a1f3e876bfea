"""Tracking with a cascade (C-RPN Alg. 1; SCTRPN Alg. 1): SiamRPN's tracker, with the proposal
choice replaced by the stages.

Per frame: every stage's maps from one search crop; the θ filter and refinement stage by stage
(`stages.run_cascade`); the last stage's surviving anchors, moved by its regression, are the
proposals, scored by its foreground probability. SCTRPN first narrows them by its multi-cue
re-ranking and NMS. The choice among them is SiamRPN's (scale/ratio penalty, cosine window by map
cell, size learning rate): `decode.choose` with the survivors as its alive mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trackers.base import TrackerInfo
from trackers.siamese.cascade.config import CascadeConfig, CascadeVariant
from trackers.siamese.cascade.model import CascadeRPN
from trackers.siamese.cascade.rerank import (
    colour_cue, contour_boxes, contours_inside, crop_corners, rerank, response_image, shape_cue, size_cue,
)
from trackers.siamese.cascade.stages import StageResult, run_cascade
from trackers.siamese.config import TrackConfig
from trackers.siamese.decode import Choice, choose
from trackers.siamese.tracker import SiamRPNTracker


class CascadeTracker(SiamRPNTracker):
    """One target. `last_stages` holds what each stage did in the latest frame."""

    def __init__(
        self, model: CascadeRPN, variant: CascadeVariant, track: TrackConfig, cascade: CascadeConfig,
        device: torch.device, info: TrackerInfo,
    ) -> None:
        super().__init__(model, variant, track, device, info)  # type: ignore[arg-type]
        self._cascade = cascade
        self._target_contours = 0
        self.last_stages: list[StageResult] = []

    @torch.inference_mode()
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        super().initialize(image, box)
        self.last_stages = []
        if self._cascade.rerank:
            exemplar = self._track.exemplar_size
            scale = exemplar / self._template_side()
            target = crop_corners(np.array([[0.0, 0.0, *(self._state.size * scale)]]), exemplar)
            self._target_contours = int(contours_inside(contour_boxes(self._template_crop(image)), target)[0])

    def forward(self, crops: torch.Tensor, template: Any) -> Any:
        return self._model.track(crops, template, self._cascade.stages)

    def _choose(self, crop: np.ndarray, target_wh: np.ndarray, numpy_maps: list[tuple[np.ndarray, np.ndarray]]) -> Choice:
        anchors, window = self._grid(numpy_maps[0][0].shape[-1])
        self.last_stages = run_cascade(numpy_maps, anchors, self._cascade.theta)
        last = self.last_stages[-1]
        alive = last.survivors
        if self._cascade.rerank:
            alive = self._rerank(crop, last, numpy_maps[0][0].shape[-1], target_wh)
        logits, deltas = numpy_maps[-1]
        return choose(logits, deltas, last.anchors, window, target_wh, self._track, alive)

    def _rerank(self, crop: np.ndarray, last: StageResult, score_size: int, target_wh: np.ndarray) -> np.ndarray:
        """SCTRPN's multi-cue re-ranking and NMS of the last stage's survivors (their refined boxes)."""
        size = self._track.instance_size
        corners = crop_corners(last.refined, size)
        shape = shape_cue(contours_inside(contour_boxes(crop), corners), self._target_contours)
        response = response_image(last.scores, last.survivors, score_size, self._variant.anchors.stride, size)
        cues = shape * colour_cue(response, corners) * size_cue(last.refined[:, 2:], target_wh)
        return rerank(last.refined, cues, last.survivors, self._cascade.rerank_top, self._cascade.nms_iou)
