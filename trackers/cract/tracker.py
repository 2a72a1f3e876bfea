"""Tracking by proposal selection (CRACT Alg. 1): RPN proposals -> box regression -> alignment
(pyramid RoIAlign on the regressed box) -> identification + online discrimination -> Eq. 10.

Geometry and motion model are SiamRPN's, from `trackers.siamese` (start box, state, crops, anchors
and window, decoding and re-ranking, the size smoothing): the coarse score c_i of a proposal is the
RPN's foreground probability after SiamRPN's scale/ratio penalty and cosine window, which is also
what picks the N proposals (NMS).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo
from trackers.cract.boxes import refine
from trackers.cract.config import CRACTVariant
from trackers.cract.model import CRACTNet, CRACTTemplate
from trackers.cract.online import OnlineLearner, schedule
from trackers.cract.sampling import hard_negatives, negatives, positives
from trackers.cract.select import Selection, select, size_rate
from trackers.siamese.crop import mean_colour
from trackers.siamese.decode import TargetState, move_state, rank, start_state, state_box
from trackers.siamese.nms import nms, pairwise_iou
from trackers.siamese.penalty import scale_ratio_penalty
from trackers.siamese.region import pysot_init_box
from trackers.siamese.tracker import AnchorCache, sample, search_crop, template_crop, to_tensor


@dataclass(frozen=True)
class FrameRecord:
    """What one `track` call saw, boxes ``cx, cy, w, h`` in search-crop pixels: the N proposals p_i
    and their coarse scores c_i, the refined boxes p~_i (Eq. 4), the identifier's target
    probability v~_i+ and the discriminator's tau~_i on them, and Eq. 10's choice."""

    proposals: np.ndarray
    coarse: np.ndarray
    refined: np.ndarray
    identity: np.ndarray
    discrimination: np.ndarray
    selection: Selection

    @property
    def index(self) -> int:
        return self.selection.index


class CRACTTracker(Tracker):
    """One target. The start box is pysot's conversion of the region (`init_box`), as for every
    tracker of the SiamRPN family here; box conventions are SiamRPN's (centre ``x + (w - 1) / 2``
    in, ``cx - w / 2`` out).

    The online learner's samples are drawn from a numpy Generator seeded with the `seed` setting
    at every `initialize`, so a run is repeatable. `online_seconds` adds up the time `clock` counts
    while samples are drawn for, and the discriminator is fitted on, the sequence since its
    `initialize` (first frame included). `last` is what the latest frame saw (`FrameRecord`).
    """

    def __init__(self, model: CRACTNet, variant: CRACTVariant, device: torch.device, info: TrackerInfo,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.info = info
        self._model = model.to(device).eval()
        self._variant = variant
        self._device = device
        self._clock = clock
        self._grid = AnchorCache(variant.anchors)
        self._template: CRACTTemplate | None = None
        self._learner: OnlineLearner | None = None
        # The target box (cx, cy, w, h in search-crop pixels) the last collection of online samples was drawn around.
        self.learned_from: np.ndarray | None = None
        # Set by `initialize`, which `track` requires:
        self._state: TargetState
        self._fill: np.ndarray
        self._rng: np.random.Generator
        self._frame: int
        self.online_seconds = 0.0
        self.last: FrameRecord | None = None

    def init_box(self, region: np.ndarray) -> np.ndarray:
        return pysot_init_box(region)

    @property
    def learner(self) -> OnlineLearner | None:
        return self._learner

    @property
    def template(self) -> CRACTTemplate | None:
        """The first frame's RPN kernels and f_init (Eq. 2), None before `initialize`."""
        return self._template

    def _boxes(self, boxes: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(boxes, np.float32).reshape(-1, 4))  # `pool` takes them to the map's device

    @torch.inference_mode()
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        track, online = self._variant.track, self._variant.online
        self._state = start_state(box)
        self._rng = np.random.default_rng(track.seed)
        self._frame = 0
        self.last = None
        self._fill = mean_colour(image)
        # The search crop shares the template's scale: b_1 in template pixels is the target's size
        # in search-crop pixels, around the crop's centre.
        search = search_crop(image, self._state, track, self._fill)
        centre = (track.exemplar_size - 1) / 2
        z = to_tensor([template_crop(image, self._state, track, self._fill)], self._device)
        self._template = self._model.template(z, self._boxes([centre, centre, *search.target_wh]))

        start = self._clock()
        features = self._model.fused(to_tensor([search.crop], self._device))
        centre = (track.instance_size - 1) / 2
        target = np.array([centre, centre, *search.target_wh])
        self.learned_from = target
        pos = positives(target, online.init_pos, self._rng, online.pos_iou)
        neg = negatives(target, online.init_neg, self._rng, online.neg_iou, track.instance_size)
        self._learner = OnlineLearner(online, self._rng)
        self._learner.initialize(self._model.pool(features, self._boxes(pos)), self._model.pool(features, self._boxes(neg)))
        self.online_seconds = self._clock() - start

    @torch.inference_mode()
    def track(self, image: np.ndarray) -> Prediction:
        if self._learner is None:  # set last by `initialize`
            raise TrackerError("track() called before initialize()")
        track = self._variant.track
        self._frame += 1
        search = search_crop(image, self._state, track, self._fill)
        out = self._model.search(to_tensor([search.crop], self._device), self._template)

        # Proposal extraction: SiamRPN's re-ranked scores, NMS, the N best.
        logits, deltas = sample((out.cls, out.loc), 0)
        anchors, window = self._grid(logits.shape[-1])
        ranking = rank(logits, deltas, anchors, window, search.target_wh, track.penalty_k, track.window_influence)
        keep = nms(ranking.boxes, ranking.ranked, track.nms_iou, track.proposals)
        centre = np.array([(track.instance_size - 1) / 2] * 2 + [0, 0])
        proposals = ranking.boxes[keep] + centre

        # CRAC: regression, alignment, classification.
        template_rois = self._template.roi
        offsets = self._model.regress(self._model.pool(out.features, self._boxes(proposals)), template_rois)
        refined = refine(proposals, offsets.float().cpu().numpy())
        rois = self._model.pool(out.features, self._boxes(refined))
        identity = torch.softmax(self._model.identify(rois, template_rois), dim=1)[:, 1].float().cpu().numpy()
        discrimination = self._learner.scores(self._learner.features(rois)).float().cpu().numpy()
        chosen = select(ranking.ranked[keep], identity, discrimination, track.alpha, track.beta)
        self.last = FrameRecord(proposals, ranking.ranked[keep], refined, identity, discrimination, chosen)

        best = chosen.index
        box = refined[best] - centre
        shape = float(scale_ratio_penalty(box[None, 2:], search.target_wh, track.penalty_k)[0])
        score = float(chosen.scores[best])
        rate = size_rate(score, shape, track.lr)
        previous = self._state
        self._state = move_state(previous, box, rate, search.scale, search.image_hw)

        start = self._clock()
        self._learn(out.features, previous, search.scale, refined, float(discrimination[best]))
        self.online_seconds += self._clock() - start
        return Prediction(box=state_box(self._state), score=score)

    def _learn(self, features: torch.Tensor, previous: TargetState, scale: float, refined: np.ndarray, confidence: float) -> None:
        """MDNet's schedule (`online.schedule`): a short-term update when the chosen box is not
        believed; otherwise every `interval` frames new samples (with hard negatives) and a
        long-term update."""
        kind = schedule(self._frame, confidence, self._variant.online)
        if kind == "short":
            self._learner.update(self._frame, "short")
        if kind != "long":
            return
        track, online = self._variant.track, self._variant.online
        centre = (track.instance_size - 1) / 2
        target = np.concatenate([(self._state.center - previous.center) * scale + centre, self._state.size * scale])
        self.learned_from = target
        pos = positives(target, online.update_pos, self._rng, online.pos_iou)
        distractors = refined[pairwise_iou(target, refined) <= online.neg_iou]
        pool = np.concatenate([negatives(target, online.update_neg * online.hard_pool, self._rng, online.neg_iou,
                                         track.instance_size), distractors])
        pool_features = self._learner.features(self._model.pool(features, self._boxes(pool)))
        pool_scores = self._learner.scores(pool_features).float().cpu().numpy()
        hard = hard_negatives(pool_scores, online.update_neg, online.hard_fraction, self._rng)
        pos_features = self._learner.features(self._model.pool(features, self._boxes(pos)))
        self._learner.add(self._frame, pos_features, pool_features[torch.as_tensor(hard)])
        self._learner.update(self._frame, "long")
