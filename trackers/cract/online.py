"""CRACT's online discriminator D (Eq. 7-8) and how it learns during tracking (Sec. 3.4, after ATOM).

D is one 1x1 conv and two fc layers: the conv projects each pyramid-RoI cell to `projection`
channels; its matrix is the PCA of the first frame's sample features (ATOM's initialisation of
its projection) and stays fixed, so samples can be kept projected. Each projected sample is
scaled to unit root-mean-square. The fc layers, relu(x W1^T + b1) w2 + b2, are what is learned:

    L(w) = sum_j g_j (D(x_j; w) - y_j)^2 + reg ||w||^2,    y = 1 (target) or 0 (background),

with g_j = 1 / (2 n_pos) on positives and 1 / (2 n_neg) on negatives (Eq. 8 with the classes
balanced). Each Gauss-Newton step solves (J^T G J + reg I) d = -(J^T G e + reg w) by conjugate
gradient with the Jacobian products written out for the two layers, then halves the step until
L falls (ATOM takes the full step; halving only makes every update provably non-increasing).

Memory and schedule follow MDNet's short/long-term strategy: samples come in collections (the
first frame's, then one every `interval` frames when the result is reliable). A long-term update
(every `interval` frames) uses the positives of the first frame and the last `long_term`
collections and the negatives of the last `short_term`; a short-term update (when the chosen
box scores below `fail_score`) uses the last `short_term` collections' positives and negatives,
plus the first frame's positives. With `short_term` 0 the negatives are the first frame's; with
`long_term` 0 a long-term update's positives too. MDNet repeats its short-term update on every failed frame with
fresh random minibatches; our full-batch Gauss-Newton on an unchanged window would only continue
the same fit, so a short-term update is skipped when no collection arrived since the last one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from trackers.cract.config import OnlineConfig

HALVINGS = 12  # step sizes 1 .. 2^-12 tried before a Gauss-Newton step is dropped
EPS = 1e-12
PCA_CELLS = 10_000  # about as many cells as the projection is estimated from (every k-th sample's)


@dataclass(frozen=True)
class UpdateRecord:
    """One optimisation: the objective on its own samples before and after."""

    frame: int
    kind: str  # "init", "long" or "short"
    before: float
    after: float
    positives: int
    negatives: int


@dataclass(frozen=True)
class Collection:
    frame: int
    positives: torch.Tensor  # (n, D) projected features
    negatives: torch.Tensor


def pca_projection(rois: torch.Tensor, dim: int) -> torch.Tensor:
    """(min(dim, C), C) leading principal directions of the cells of (N, C, P, P) RoI features
    (those of every k-th sample, about PCA_CELLS: all 1,200 x 36 would cost seconds on a CPU core)."""
    per_sample = rois.shape[2] * rois.shape[3]
    chosen = rois[:: max(1, len(rois) * per_sample // PCA_CELLS)]
    cells = chosen.permute(0, 2, 3, 1).reshape(-1, rois.shape[1]).double()
    centred = cells - cells.mean(dim=0)
    covariance = centred.T @ centred / max(len(cells) - 1, 1)
    _, vectors = torch.linalg.eigh(covariance)  # ascending eigenvalues
    return vectors[:, -min(dim, rois.shape[1]) :].flip(1).T.to(rois.dtype).contiguous()


class TwoLayer:
    """relu(x W1^T + b1) w2 + b2 on a flat parameter vector [W1, b1, w2, b2], with the products
    of its Jacobian (N x params) that Gauss-Newton needs, linearised at one point."""

    def __init__(self, params: torch.Tensor, features: torch.Tensor, hidden: int) -> None:
        self.dim, self.hidden = features.shape[1], hidden
        self.features = features
        self.w1, self.b1, self.w2, self.b2 = self.unpack(params)
        pre = features @ self.w1.T + self.b1
        self.active = (pre > 0).to(features.dtype)
        self.hidden_out = pre * self.active
        self.output = self.hidden_out @ self.w2 + self.b2

    def unpack(self, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        d, h = self.dim, self.hidden
        return flat[: h * d].view(h, d), flat[h * d : h * d + h], flat[h * d + h : h * d + 2 * h], flat[-1]

    def jvp(self, direction: torch.Tensor) -> torch.Tensor:
        dw1, db1, dw2, db2 = self.unpack(direction)
        return self.hidden_out @ dw2 + ((self.features @ dw1.T + db1) * self.active) @ self.w2 + db2

    def vjp(self, residual: torch.Tensor) -> torch.Tensor:
        grad_hidden = residual[:, None] * self.w2[None, :] * self.active
        return torch.cat([(grad_hidden.T @ self.features).reshape(-1), grad_hidden.sum(0), self.hidden_out.T @ residual, residual.sum()[None]])


def parameter_count(dim: int, hidden: int) -> int:
    return hidden * dim + 2 * hidden + 1


def objective(params: torch.Tensor, features: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor, hidden: int, reg: float) -> float:
    error = TwoLayer(params, features, hidden).output - labels
    return float((weights.double() * error.double() ** 2).sum() + reg * (params.double() ** 2).sum())


def conjugate_gradient(apply, rhs: torch.Tensor, iterations: int) -> torch.Tensor:
    """Approximate solution of A x = rhs from x = 0 (A symmetric positive definite, given as a product)."""
    x = torch.zeros_like(rhs)
    residual = rhs.clone()
    direction = residual.clone()
    norm = residual @ residual
    for _ in range(iterations):
        if norm <= EPS:
            break
        product = apply(direction)
        step = norm / (direction @ product)
        x += step * direction
        residual -= step * product
        new_norm = residual @ residual
        direction = residual + (new_norm / norm) * direction
        norm = new_norm
    return x


def gauss_newton(
    params: torch.Tensor, features: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor,
    hidden: int, reg: float, steps: int, cg_iterations: int,
) -> torch.Tensor:
    """`steps` Gauss-Newton steps on L, each solved by `cg_iterations` of conjugate gradient and
    shortened by halving until L decreases (or dropped)."""
    current = objective(params, features, labels, weights, hidden, reg)
    for _ in range(steps):
        net = TwoLayer(params, features, hidden)
        error = net.output - labels
        rhs = -(net.vjp(weights * error) + reg * params)
        step = conjugate_gradient(lambda v: net.vjp(weights * net.jvp(v)) + reg * v, rhs, cg_iterations)
        scale = 1.0
        for _ in range(HALVINGS + 1):
            trial = params + scale * step
            value = objective(trial, features, labels, weights, hidden, reg)
            if value < current:
                params, current = trial, value
                break
            scale /= 2
    return params


def balanced_weights(positives: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    return torch.cat([positives.new_full((len(positives),), 0.5 / len(positives)),
                      negatives.new_full((len(negatives),), 0.5 / len(negatives))])


def latest(collections: list[Collection], count: int) -> list[Collection]:
    """The last `count` collections (none for 0, where a slice from -0 would take them all)."""
    return collections[max(0, len(collections) - count) :]


def schedule(frame: int, confidence: float, config: OnlineConfig) -> str | None:
    """What the learner does after tracking `frame` whose chosen box the discriminator scored
    `confidence`: "short" (a short-term update) when that is below `fail_score`, else "long" (collect
    samples, then a long-term update) on every `interval`-th frame, else nothing."""
    if confidence < config.fail_score:
        return "short"
    if frame % config.interval == 0:
        return "long"
    return None


class OnlineLearner:
    """The discriminator of one sequence: set up on the first frame's samples, then updated."""

    def __init__(self, config: OnlineConfig, rng: np.random.Generator) -> None:
        self.config = config
        self._rng = rng
        self.projection: torch.Tensor | None = None
        self.params: torch.Tensor | None = None
        self._first: Collection | None = None
        self._recent: deque[Collection] = deque(maxlen=max(config.long_term, config.short_term))
        self._short_newest = 0  # frame of the newest collection the last short-term update saw
        self.history: list[UpdateRecord] = []

    def features(self, rois: torch.Tensor) -> torch.Tensor:
        """(N, C, P, P) pyramid-RoI features to (N, D) projected, unit-RMS sample vectors."""
        if self.projection is None:
            raise RuntimeError("the online learner has not been initialised")
        projected = torch.einsum("dc,nchw->ndhw", self.projection, rois).flatten(1)
        return projected / projected.pow(2).mean(dim=1, keepdim=True).add(EPS).sqrt()

    def scores(self, features: torch.Tensor) -> torch.Tensor:
        """D(x) of (N, D) projected features."""
        if self.params is None:
            raise RuntimeError("the online learner has not been initialised")
        return TwoLayer(self.params, features, self.config.hidden).output

    def initialize(self, positive_rois: torch.Tensor, negative_rois: torch.Tensor) -> None:
        """PCA projection from all first-frame samples, fresh fc layers, the first-frame fit."""
        self.projection = pca_projection(torch.cat([positive_rois, negative_rois]), self.config.projection)
        pos, neg = self.features(positive_rois), self.features(negative_rois)
        dim, hidden = pos.shape[1], self.config.hidden
        # numpy's normals, not torch.randn: torch draws them on a vectorised path whose numbers
        # depend on the CPU's instruction set (ATEN_CPU_CAPABILITY), numpy's are the same everywhere.
        start = self._rng.standard_normal((hidden, dim)) * (2.0 / dim) ** 0.5
        w1 = torch.from_numpy(start).to(device=pos.device, dtype=pos.dtype)
        self.params = torch.cat([w1.reshape(-1), pos.new_zeros(2 * hidden + 1)])
        self._first = Collection(0, pos, neg)
        self._recent.clear()
        self._short_newest = 0
        self.history = []
        self._fit(0, "init", pos, neg, self.config.init_gn, self.config.init_cg)

    def add(self, frame: int, positives: torch.Tensor, negatives: torch.Tensor) -> None:
        """Keep one frame's projected samples."""
        self._recent.append(Collection(frame, positives, negatives))

    def update(self, frame: int, kind: str) -> UpdateRecord | None:
        """A "long" or "short" term update on the samples its window holds; None when a
        short-term one has nothing new to learn from."""
        if self._first is None:
            raise RuntimeError("the online learner has not been initialised")
        recent = list(self._recent)
        short = latest(recent, self.config.short_term)
        if kind == "long":
            pos_sets = [self._first] + latest(recent, self.config.long_term)
        elif kind == "short":
            newest = recent[-1].frame if recent else 0
            if newest == self._short_newest:
                return None
            self._short_newest = newest
            pos_sets = [self._first] + short
        else:
            raise ValueError(f"update kind {kind!r}; expected 'long' or 'short'")
        neg_sets = short or [self._first]
        pos = torch.cat([c.positives for c in pos_sets])
        neg = torch.cat([c.negatives for c in neg_sets])
        return self._fit(frame, kind, pos, neg, self.config.update_gn, self.config.update_cg)

    def _fit(self, frame: int, kind: str, pos: torch.Tensor, neg: torch.Tensor, steps: int, cg: int) -> UpdateRecord:
        features = torch.cat([pos, neg])
        labels = torch.cat([pos.new_ones(len(pos)), neg.new_zeros(len(neg))])
        weights = balanced_weights(pos, neg)
        hidden, reg = self.config.hidden, self.config.reg
        before = objective(self.params, features, labels, weights, hidden, reg)
        self.params = gauss_newton(self.params, features, labels, weights, hidden, reg, steps, cg)
        after = objective(self.params, features, labels, weights, hidden, reg)
        record = UpdateRecord(frame, kind, before, after, len(pos), len(neg))
        self.history.append(record)
        return record
