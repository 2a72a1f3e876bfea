"""Tracking by proposal selection (CRACT Alg. 1): RPN proposals -> box regression -> alignment
(pyramid RoIAlign on the regressed box) -> identification + online discrimination -> Eq. 10.

Geometry and motion model are SiamRPN's (crops, anchors, the size smoothing), from
`trackers.siamese`; the coarse score c_i of a proposal is the RPN's foreground probability after
SiamRPN's scale/ratio penalty and cosine window, which is also what picks the N proposals (NMS).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo
from trackers.cract.boxes import refine
from trackers.cract.config import CRACTVariant
from trackers.cract.model import CRACTNet, CRACTTemplate
from trackers.cract.online import OnlineLearner
from trackers.cract.sampling import hard_negatives, negatives, positives
from trackers.cract.select import Selection, select
from trackers.siamese.anchors import anchor_grid, decode_boxes, foreground_scores
from trackers.siamese.crop import context_size, crop_patch, mean_colour
from trackers.siamese.decode import Choice, TargetState, next_state
from trackers.siamese.nms import nms, pairwise_iou
from trackers.siamese.penalty import apply_window, cosine_window, scale_ratio_penalty
from trackers.siamese.tracker import to_tensor


class CRACTTracker(Tracker):
    """One target. Box conventions are SiamRPN's (centre ``x + (w - 1) / 2`` in, ``cx - w / 2`` out).

    The online learner's samples are drawn from a numpy Generator seeded with the `seed` setting
    at every `initialize`, so a run is repeatable. `online_seconds` adds up the time spent
    drawing samples for, and updating, the discriminator (first frame included).
    """

    def __init__(self, model: CRACTNet, variant: CRACTVariant, device: torch.device, info: TrackerInfo) -> None:
        self.info = info
        self._model = model.to(device).eval()
        self._variant = variant
        self._device = device
        self._template: CRACTTemplate | None = None
        self._learner: OnlineLearner | None = None
        self._state = TargetState(center=np.zeros(2), size=np.ones(2))
        self._fill = np.zeros(3)
        self._rng = np.random.default_rng(variant.track.seed)
        self._frame = 0
        self._grids: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.online_seconds = 0.0
        self.last: Selection | None = None

    @property
    def learner(self) -> OnlineLearner | None:
        return self._learner

    def _grid(self, score_size: int) -> tuple[np.ndarray, np.ndarray]:
        if score_size not in self._grids:
            anchors = self._variant.anchors
            self._grids[score_size] = (anchor_grid(anchors, score_size), cosine_window(score_size, anchors.count))
        return self._grids[score_size]

    def _boxes(self, boxes: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(boxes, np.float32).reshape(-1, 4), device=self._device)

    def _crop(self, image: np.ndarray, side: float, size: int) -> torch.Tensor:
        return to_tensor([crop_patch(image, self._state.center, round(side), size, self._fill)], self._device)

    @torch.inference_mode()
    def initialize(self, image: np.ndarray, box: np.ndarray) -> None:
        x, y, w, h = (float(v) for v in box)
        if not (w > 0 and h > 0):
            raise TrackerError(f"initial box {list(box)} has no area")
        track, online = self._variant.track, self._variant.online
        self._rng = np.random.default_rng(track.seed)
        self._frame = 0
        self.online_seconds = 0.0
        self._state = TargetState(center=np.array([x + (w - 1) / 2, y + (h - 1) / 2]), size=np.array([w, h]))
        self._fill = mean_colour(image)
        side = context_size(self._state.size, track.context_amount)
        scale = track.exemplar_size / side
        centre = (track.exemplar_size - 1) / 2
        b1 = [centre, centre, w * scale, h * scale]
        self._template = self._model.template(self._crop(image, side, track.exemplar_size), self._boxes(b1))

        start = time.perf_counter()
        search_side = side * track.instance_size / track.exemplar_size
        features = self._model.fused(self._crop(image, search_side, track.instance_size))
        centre = (track.instance_size - 1) / 2
        target = np.array([centre, centre, w * scale, h * scale])
        pos = positives(target, online.init_pos, self._rng, online.pos_iou)
        neg = negatives(target, online.init_neg, self._rng, online.neg_iou, track.instance_size)
        self._learner = OnlineLearner(online, self._rng)
        self._learner.initialize(self._model.pool(features, self._boxes(pos)), self._model.pool(features, self._boxes(neg)))
        self.online_seconds += time.perf_counter() - start

    @torch.inference_mode()
    def track(self, image: np.ndarray) -> Prediction:
        if self._template is None or self._learner is None:
            raise TrackerError("track() called before initialize()")
        track = self._variant.track
        self._frame += 1
        side = context_size(self._state.size, track.context_amount)
        scale = track.exemplar_size / side
        centre = (track.instance_size - 1) / 2
        out = self._model.search(self._crop(image, side * track.instance_size / track.exemplar_size, track.instance_size),
                                 self._template)

        # Proposal extraction: SiamRPN's re-ranked scores, NMS, the N best.
        logits, deltas = out.cls[0].float().cpu().numpy(), out.loc[0].float().cpu().numpy()
        anchors, window = self._grid(logits.shape[-1])
        boxes = decode_boxes(deltas, anchors)
        target_wh = self._state.size * scale
        penalty = scale_ratio_penalty(boxes[:, 2:], target_wh, track.penalty_k)
        ranked = apply_window(penalty * foreground_scores(logits), window, track.window_influence)
        keep = nms(boxes, ranked, track.nms_iou, track.proposals)
        proposals = boxes[keep] + np.array([centre, centre, 0, 0])

        # CRAC: regression, alignment, classification.
        template_rois = self._template.roi
        offsets = self._model.regress(self._model.pool(out.features, self._boxes(proposals)), template_rois)
        refined = refine(proposals, offsets.float().cpu().numpy())
        rois = self._model.pool(out.features, self._boxes(refined))
        identity = torch.softmax(self._model.identify(rois, template_rois), dim=1)[:, 1].float().cpu().numpy()
        samples = self._learner.features(rois)
        discrimination = self._learner.scores(samples).float().cpu().numpy()
        chosen = select(ranked[keep], identity, discrimination, track.alpha, track.beta)
        self.last = chosen

        best = chosen.index
        box = refined[best] - np.array([centre, centre, 0, 0])
        shape = float(scale_ratio_penalty(box[None, 2:], target_wh, track.penalty_k)[0])
        score = float(chosen.scores[best])
        rate = track.lr * shape * float(np.clip(score, 0, 1))
        previous = self._state
        self._state = next_state(previous, Choice(best, box, score, shape, rate), scale, image.shape[:2])

        start = time.perf_counter()
        self._learn(out.features, previous, scale, refined, float(discrimination[best]))
        self.online_seconds += time.perf_counter() - start
        (cx, cy), (w, h) = self._state.center, self._state.size
        return Prediction(box=np.array([cx - w / 2, cy - h / 2, w, h], dtype=np.float64), score=score)

    def _learn(self, features: torch.Tensor, previous: TargetState, scale: float, refined: np.ndarray, confidence: float) -> None:
        """MDNet's schedule: a short-term update when the chosen box is not believed; otherwise
        every `interval` frames new samples (with hard negatives) and a long-term update."""
        track, online = self._variant.track, self._variant.online
        if confidence < online.fail_score:
            self._learner.update(self._frame, "short")
            return
        if self._frame % online.interval:
            return
        centre = (track.instance_size - 1) / 2
        target = np.concatenate([(self._state.center - previous.center) * scale + centre, self._state.size * scale])
        pos = positives(target, online.update_pos, self._rng, online.pos_iou)
        distractors = refined[pairwise_iou(target, refined) <= online.neg_iou]
        pool = np.concatenate([negatives(target, online.update_neg * online.hard_pool, self._rng, online.neg_iou,
                                         track.instance_size), distractors])
        pool_features = self._learner.features(self._model.pool(features, self._boxes(pool)))
        pool_scores = self._learner.scores(pool_features).float().cpu().numpy()
        hard = hard_negatives(pool_scores, online.update_neg, online.hard_fraction, self._rng)
        pos_features = self._learner.features(self._model.pool(features, self._boxes(pos)))
        self._learner.add(self._frame, pos_features, pool_features[torch.as_tensor(hard, device=pool_features.device)])
        self._learner.update(self._frame, "long")
