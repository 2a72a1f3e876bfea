"""CRACT's online discriminator: sample generation, the Gauss-Newton / conjugate-gradient learner,
and its behaviour on a crafted feature map (a textured target on noise, with a half-similar
distractor)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trackers.cract.config import VARIANTS, OnlineConfig  # noqa: E402
from trackers.cract.model import corners  # noqa: E402
from trackers.cract.online import (  # noqa: E402
    OnlineLearner,
    TwoLayer,
    conjugate_gradient,
    gauss_newton,
    objective,
    parameter_count,
    pca_projection,
)
from trackers.cract.roi_align import crop_to_cells, pyramid_roi_align  # noqa: E402
from trackers.cract.sampling import SamplingError, _draw, hard_negatives, negatives, positives  # noqa: E402
from trackers.siamese.nms import pairwise_iou  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CONFIG = dataclasses.replace(VARIANTS["cract-thin"].online, projection=8, hidden=32)
CROP = 255
TARGET = np.array([127.0, 127.0, 64.0, 48.0])
DISTRACTOR = np.array([60.0, 190.0, 64.0, 48.0])


def _cells(box: np.ndarray) -> tuple[slice, slice]:
    x1, y1, x2, y2 = crop_to_cells(corners(torch.tensor(box[None], dtype=torch.float64)))[0].tolist()
    return slice(int(np.ceil(y1)), int(np.floor(y2)) + 1), slice(int(np.ceil(x1)), int(np.floor(x2)) + 1)


def crafted_map(target: np.ndarray, seed: int = 0) -> torch.Tensor:
    """A 16-channel 31x31 map of noise; the target's cells carry a pattern on channels 0-3, the
    distractor's the same pattern on channels 0-1 only, plus its own on 4-5."""
    generator = torch.Generator().manual_seed(seed)
    fmap = torch.randn(1, 16, 31, 31, generator=generator)
    rows, cols = _cells(target)
    fmap[0, 0:4, rows, cols] += 2.0
    rows, cols = _cells(DISTRACTOR)
    fmap[0, 0:2, rows, cols] += 2.0
    fmap[0, 4:6, rows, cols] += 2.0
    return fmap


def rois(fmap: torch.Tensor, boxes: np.ndarray) -> torch.Tensor:
    cells = crop_to_cells(corners(torch.tensor(boxes, dtype=torch.float32)))
    return pyramid_roi_align(fmap, cells, torch.zeros(len(cells), dtype=torch.long), (6, 3, 1), 2)


def test_samples_respect_their_iou_thresholds_and_the_seed():
    rng = np.random.default_rng(0)
    pos = positives(TARGET, 200, rng, 0.7)
    neg = negatives(TARGET, 1000, rng, 0.3, CROP)
    assert pos.shape == (200, 4) and neg.shape == (1000, 4)
    assert pairwise_iou(TARGET, pos).min() >= 0.7 and pairwise_iou(TARGET, neg).max() <= 0.3
    near = np.abs(neg[:, :2] - TARGET[:2]).max(axis=1) <= 2 * TARGET[2:].max()
    assert near.mean() > 0.3  # the ring around the target, not only far background
    again = np.random.default_rng(0)
    assert np.array_equal(positives(TARGET, 200, again, 0.7), pos)
    with pytest.raises(SamplingError, match="positives"):
        positives(TARGET, 10, rng, 1.01)


def test_negatives_are_half_in_the_ring_half_anywhere_in_the_crop():
    """Sec. 3.2.3's background samples, by their law: of a small target's negatives about half lie in
    the ring of NEG_RING target sizes (per axis, in each axis's own size: as far in x, measured in
    widths, as in y, in heights), the rest anywhere in the crop's [0, 254] (and reaching its ends)."""
    target = np.array([127.0, 127.0, 16.0, 12.0])
    neg = negatives(target, 2000, np.random.default_rng(3), 0.3, CROP)
    offset = np.abs(neg[:, :2] - target[:2]) / target[2:]
    ring = (offset <= 2.0).all(axis=1)
    # IoU <= 0.3 drops about a tenth of the ring's draws, few of the crop's; 5 % of those fall in the ring
    assert 0.45 < ring.mean() < 0.55
    assert abs(offset[ring, 0].mean() - offset[ring, 1].mean()) < 0.1
    assert offset[ring].max() > 1.95 and (offset[ring].std(axis=0) > 0.45).all()  # spread over the ring: |U(-2, 2)| has std 0.58
    assert 0 <= neg[:, :2].min() < 0.5 and CROP - 1.5 < neg[:, :2].max() <= CROP - 1
    sizes = np.log(neg[:, 2:] / target[2:])
    assert sizes.max() <= 0.3 and sizes.min() >= -0.3 and sizes.max() > 0.29 and sizes.min() < -0.29
    with pytest.raises(SamplingError, match=r"drew only 0 of 5 negatives \(IoU <= -0.1\)"):
        negatives(target, 5, np.random.default_rng(0), -0.1, CROP)


def test_jitters_move_each_axis_by_its_own_size():
    """Positives' centres move by N(0, POS_SHIFT) target sizes per axis, x in widths and y in heights."""
    from trackers.cract.sampling import POS_SHIFT, jitter

    target = np.array([127.0, 127.0, 40.0, 10.0])
    boxes = jitter(target, 20000, np.random.default_rng(5), POS_SHIFT, 0.1)
    spread = (boxes[:, :2] - target[:2]).std(axis=0) / target[2:]
    np.testing.assert_allclose(spread, POS_SHIFT, rtol=0.03)


def test_hard_negatives_keep_the_highest_scores_and_fill_up_at_random():
    scores = np.array([0.1, 0.9, 0.3, 0.8, 0.0, 0.7, 0.2, 0.6])
    chosen = hard_negatives(scores, 4, 0.5, np.random.default_rng(0))
    assert list(chosen[:2]) == [1, 3] and len(set(chosen)) == 4 and not {1, 3} & set(chosen[2:])
    assert list(hard_negatives(scores, 10, 0.5, np.random.default_rng(0))) == list(range(8))
    assert list(hard_negatives(scores, 8, 0.5, np.random.default_rng(0))) == list(range(8))  # all of them, as they come
    assert list(hard_negatives(scores, 3, 1.0, np.random.default_rng(0))) == [1, 3, 5]  # all hard
    # Equal scores keep their order (the proposals come best coarse score first): a stable sort.
    tied = hard_negatives((np.arange(100) % 3 == 0) * 1.0, 10, 1.0, np.random.default_rng(0))
    assert list(tied) == list(range(0, 30, 3))
    # The random rest never repeats a candidate, however many of them it takes.
    rest = hard_negatives(np.arange(60.0), 50, 0.1, np.random.default_rng(0))
    assert len(set(rest.tolist())) == 50 and list(rest[:5]) == [59, 58, 57, 56, 55]


def test_sampling_draws_rounds_until_it_has_enough_and_no_more():
    """Each round draws twice what is missing (at least 16) and keeps what passes; it stops as soon
    as it has `count`, so the Generator is left where the next draw expects it."""
    rounds = []

    def draw(n: int) -> np.ndarray:
        rounds.append(n)
        return np.arange(n, dtype=np.float64)[:, None].repeat(4, axis=1)

    assert len(_draw(draw, lambda b: b[:, 0] < 20, 20, "boxes")) == 20 and rounds == [40]  # exactly enough
    rounds.clear()
    assert len(_draw(draw, lambda b: b[:, 0] % 2 == 0, 30, "boxes")) == 30 and rounds == [60]
    rounds.clear()
    assert len(_draw(draw, lambda b: b[:, 0] < 5, 12, "boxes")) == 12 and rounds == [24, 16, 16]  # 5 + 5 + 5
    with pytest.raises(SamplingError, match="drew only 0 of 3 boxes in 100 rounds"):
        _draw(draw, lambda b: b[:, 0] < 0, 3, "boxes")


def test_the_jacobian_products_match_autograd():
    generator = torch.Generator().manual_seed(0)
    dim, hidden = 7, 5
    features = torch.randn(11, dim, generator=generator, dtype=torch.float64)
    params = torch.randn(parameter_count(dim, hidden), generator=generator, dtype=torch.float64)
    direction = torch.randn_like(params)
    residual = torch.randn(11, generator=generator, dtype=torch.float64)

    def forward(p: torch.Tensor) -> torch.Tensor:
        w1, b1 = p[: hidden * dim].view(hidden, dim), p[hidden * dim : hidden * dim + hidden]
        w2, b2 = p[hidden * dim + hidden : -1], p[-1]
        return torch.relu(features @ w1.T + b1) @ w2 + b2

    net = TwoLayer(params, features, hidden)
    _, jvp = torch.autograd.functional.jvp(forward, params, direction)
    _, vjp = torch.autograd.functional.vjp(forward, params, residual)
    assert torch.allclose(net.output, forward(params))
    assert torch.allclose(net.jvp(direction), jvp) and torch.allclose(net.vjp(residual), vjp)


def test_conjugate_gradient_stops_at_a_residual_of_1e_12():
    identity = lambda v: v  # noqa: E731
    assert conjugate_gradient(identity, torch.tensor([1e-6], dtype=torch.float64), 3).tolist() == [0.0]  # |r|^2 = 1e-12
    assert conjugate_gradient(identity, torch.tensor([2e-6], dtype=torch.float64), 3).tolist() == [2e-6]


def test_conjugate_gradient_solves_a_positive_definite_system():
    generator = torch.Generator().manual_seed(0)
    basis = torch.randn(6, 6, generator=generator, dtype=torch.float64)
    matrix = basis @ basis.T + 0.5 * torch.eye(6, dtype=torch.float64)
    rhs = torch.randn(6, generator=generator, dtype=torch.float64)
    assert torch.allclose(conjugate_gradient(lambda v: matrix @ v, rhs, 6), torch.linalg.solve(matrix, rhs), atol=1e-8)


def test_pca_projection_reads_every_kth_sample_of_many():
    """1,200 samples of 6 x 6 cells (43,200 cells) are thinned to every 4th sample, about PCA_CELLS
    cells: the projection is that of rois[::4] exactly (and differs from that of all of them)."""
    generator = torch.Generator().manual_seed(0)
    mixing = torch.randn(8, 8, generator=generator, dtype=torch.float64)
    rois = torch.einsum("dc,nchw->ndhw", mixing, torch.randn(1200, 8, 6, 6, generator=generator, dtype=torch.float64))
    cells = rois[::4].permute(0, 2, 3, 1).reshape(-1, 8)
    _, vectors = np.linalg.eigh(np.cov(cells.numpy(), rowvar=False))
    expected = vectors[:, ::-1][:, :3].T
    picked = pca_projection(rois, 3).numpy()
    np.testing.assert_allclose(np.abs((picked * expected).sum(axis=1)), 1.0, atol=1e-12)  # same directions
    every = rois.permute(0, 2, 3, 1).reshape(-1, 8).numpy()
    _, all_vectors = np.linalg.eigh(np.cov(every, rowvar=False))
    assert np.abs(np.abs((picked * all_vectors[:, ::-1][:, :3].T).sum(axis=1)) - 1).max() > 1e-9


def test_pca_projection_finds_the_directions_of_largest_variance():
    generator = torch.Generator().manual_seed(0)
    # Far from the origin: only the variance about the mean counts, not the mean's direction.
    cells = torch.randn(2000, 3, generator=generator, dtype=torch.float64) * torch.tensor([0.1, 3.0, 1.0], dtype=torch.float64)
    cells += torch.tensor([50.0, 0.0, 0.0], dtype=torch.float64)
    rois_like = cells.reshape(500, 2, 2, 3).permute(0, 3, 1, 2)
    projection = pca_projection(rois_like, 2).abs()
    assert projection.shape == (2, 3)
    assert torch.allclose(projection, torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64), atol=0.05)


def test_the_first_frame_fit_separates_the_target_from_background_and_distractor():
    fmap = crafted_map(TARGET)
    rng = np.random.default_rng(0)
    learner = OnlineLearner(CONFIG, rng)
    learner.initialize(rois(fmap, positives(TARGET, 200, rng, 0.7)), rois(fmap, negatives(TARGET, 1000, rng, 0.3, CROP)))
    (record,) = learner.history
    assert record.kind == "init" and (record.positives, record.negatives) == (200, 1000)
    assert record.after < 0.25 * record.before

    # D's input: each RoI cell projected onto the 8 leading directions, the sample scaled to unit RMS.
    sample_rois = rois(fmap, positives(TARGET, 5, np.random.default_rng(2), 0.7))
    projected = torch.einsum("dc,nchw->ndhw", learner.projection, sample_rois).flatten(1)
    features = learner.features(sample_rois)
    assert features.shape == (5, 8 * 36) and torch.allclose(features.pow(2).mean(dim=1), torch.ones(5), atol=1e-5)
    assert torch.allclose(features * projected.norm(dim=1, keepdim=True) / np.sqrt(8 * 36), projected, atol=1e-5)
    fresh = np.random.default_rng(1)  # samples the learner never saw
    pos = learner.scores(learner.features(rois(fmap, positives(TARGET, 200, fresh, 0.7))))
    neg = learner.scores(learner.features(rois(fmap, negatives(TARGET, 1000, fresh, 0.3, CROP))))
    distractor = learner.scores(learner.features(rois(fmap, positives(DISTRACTOR, 50, fresh, 0.7))))
    assert pos.min() > neg.max() and pos.min() > distractor.max()
    assert pos.mean() > 0.6 and neg.mean() < 0.1 and distractor.mean() < 0.3


def test_every_update_lowers_its_own_objective():
    rng = np.random.default_rng(0)
    config = dataclasses.replace(CONFIG, init_gn=2, init_cg=4, long_term=3, short_term=2)
    learner = OnlineLearner(config, rng)
    fmap = crafted_map(TARGET)
    learner.initialize(rois(fmap, positives(TARGET, 200, rng, 0.7)), rois(fmap, negatives(TARGET, 1000, rng, 0.3, CROP)))
    assert learner.update(1, "short") is None  # nothing new since the first frame: nothing to do
    target = TARGET.copy()
    for frame in range(10, 70, 10):
        # The target drifts and its look changes (a new noise field): each collection is new data.
        target[:2] += (6.0, -4.0)
        fmap = crafted_map(target, seed=frame)
        pos = learner.features(rois(fmap, positives(target, 50, rng, 0.7)))
        neg = learner.features(rois(fmap, negatives(target, 200, rng, 0.3, CROP)))
        learner.add(frame, pos, neg)
        learner.update(frame, "long" if frame % 20 else "short")
    kinds = [r.kind for r in learner.history]
    assert kinds == ["init", "long", "short", "long", "short", "long", "short"]
    assert all(r.after < r.before for r in learner.history), [(r.before, r.after) for r in learner.history]
    long_update = learner.history[-2]
    assert (long_update.positives, long_update.negatives) == (200 + 3 * 50, 2 * 200)
    short_update = learner.history[-1]
    assert (short_update.positives, short_update.negatives) == (200 + 2 * 50, 2 * 200)


def test_a_gauss_newton_step_never_raises_the_objective_even_far_from_the_optimum():
    generator = torch.Generator().manual_seed(3)
    features = torch.randn(40, 6, generator=generator)
    labels = (features[:, 0] > 0).float()
    weights = torch.full((40,), 1 / 40)
    params = torch.randn(parameter_count(6, 4), generator=generator) * 5  # a poor starting point
    values = [objective(params, features, labels, weights, 4, 1e-3)]
    for _ in range(5):
        params = gauss_newton(params, features, labels, weights, 4, 1e-3, 1, 3)
        values.append(objective(params, features, labels, weights, 4, 1e-3))
    assert all(b <= a for a, b in zip(values, values[1:])) and values[-1] < values[0]


def test_an_unknown_update_kind_and_an_unset_learner_are_errors():
    learner = OnlineLearner(OnlineConfig(), np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="not been initialised"):
        learner.update(1, "long")
    with pytest.raises(RuntimeError, match="not been initialised"):
        learner.features(torch.zeros(2, 16, 6, 6))
    with pytest.raises(RuntimeError, match="not been initialised"):
        learner.scores(torch.zeros(2, 8))
    fmap = crafted_map(TARGET)
    rng = np.random.default_rng(0)
    learner = OnlineLearner(CONFIG, rng)
    learner.initialize(rois(fmap, positives(TARGET, 20, rng, 0.7)), rois(fmap, negatives(TARGET, 50, rng, 0.3, CROP)))
    with pytest.raises(ValueError, match="expected 'long' or 'short'"):
        learner.update(1, "medium")


def grown_learner(config: OnlineConfig, frames: range) -> OnlineLearner:
    """A learner fitted on the crafted map, then given a collection of 50 + 200 samples per frame."""
    rng = np.random.default_rng(0)
    learner = OnlineLearner(config, rng)
    fmap = crafted_map(TARGET)
    learner.initialize(rois(fmap, positives(TARGET, 200, rng, 0.7)), rois(fmap, negatives(TARGET, 1000, rng, 0.3, CROP)))
    for frame in frames:
        fmap = crafted_map(TARGET, seed=frame)
        learner.add(frame, learner.features(rois(fmap, positives(TARGET, 50, rng, 0.7))),
                    learner.features(rois(fmap, negatives(TARGET, 200, rng, 0.3, CROP))))
    return learner


@pytest.mark.parametrize(("long_term", "short_term", "long_window", "short_window"), [
    (0, 2, (200, 400), (300, 400)),  # long-term: the first frame's positives only
    (3, 0, (350, 1000), (200, 1000)),  # no short-term memory: the first frame's negatives
    (1, 1, (250, 200), (250, 200)),
    (9, 9, (400, 800), (400, 800)),  # windows longer than what came: all of it
])
def test_the_windows_hold_the_last_collections_and_none_for_zero(long_term, short_term, long_window, short_window):
    config = dataclasses.replace(CONFIG, init_gn=1, init_cg=2, update_gn=1, update_cg=1, long_term=long_term,
                                 short_term=short_term)
    learner = grown_learner(config, range(10, 50, 10))
    long_update = learner.update(50, "long")
    assert (long_update.positives, long_update.negatives) == long_window
    assert len(learner._recent) == min(4, max(long_term, short_term))  # no more kept than a window reads
    short_update = learner.update(51, "short")
    assert (short_update.positives, short_update.negatives) == short_window
    assert learner.update(52, "short") is None  # nothing new since


def test_initialize_starts_the_learner_afresh():
    """The same learner on a new sequence forgets the last one's collections, updates and history."""
    config = dataclasses.replace(CONFIG, init_gn=1, init_cg=2, update_gn=1, update_cg=1)
    learner = grown_learner(config, range(10, 30, 10))
    learner.update(30, "short")
    rng = np.random.default_rng(1)
    fmap = crafted_map(TARGET, seed=5)
    learner.initialize(rois(fmap, positives(TARGET, 20, rng, 0.7)), rois(fmap, negatives(TARGET, 60, rng, 0.3, CROP)))
    assert [(r.frame, r.kind, r.positives, r.negatives) for r in learner.history] == [(0, "init", 20, 60)]
    assert learner.update(1, "short") is None  # no collection in this sequence yet
    long_update = learner.update(2, "long")
    assert (long_update.positives, long_update.negatives) == (20, 60)  # the new first frame's only
    learner.add(20, *[learner.features(rois(fmap, b)) for b in (positives(TARGET, 5, rng, 0.7),
                                                                 negatives(TARGET, 7, rng, 0.3, CROP))])
    # Frame 20 held the newest collection the last sequence's short-term update saw: new here.
    short_update = learner.update(21, "short")
    assert (short_update.positives, short_update.negatives) == (25, 7)


def test_a_gauss_newton_step_is_halved_until_the_loss_falls():
    """Where the full step (J^T G J + reg I) d = -(J^T G e + reg w), solved by CG, overshoots, the
    step taken is the longest of d, d/2, d/4, ... that lowers L. A crafted case (a ReLU layer, tiny
    reg, a long CG solve) needs four halvings."""
    generator = torch.Generator().manual_seed(63)
    features = torch.randn(12, 3, generator=generator, dtype=torch.float64)
    labels = torch.rand(12, generator=generator, dtype=torch.float64)
    weights = torch.full((12,), 1 / 12, dtype=torch.float64)
    params = torch.randn(parameter_count(3, 8), generator=generator, dtype=torch.float64)
    reg, hidden = 1e-9, 8
    net = TwoLayer(params, features, hidden)
    rhs = -(net.vjp(weights * (net.output - labels)) + reg * params)
    step = conjugate_gradient(lambda v: net.vjp(weights * net.jvp(v)) + reg * v, rhs, 30)
    start = objective(params, features, labels, weights, hidden, reg)
    falls = [objective(params + 2.0**-j * step, features, labels, weights, hidden, reg) < start for j in range(5)]
    assert falls == [False, False, False, False, True]
    taken = gauss_newton(params, features, labels, weights, hidden, reg, steps=1, cg_iterations=30)
    assert torch.equal(taken, params + 2.0**-4 * step)


def test_the_first_weights_are_he_normals_from_the_learners_generator():
    """W1 starts as N(0, 2 / D) (He, as ATOM's fc initialisation), drawn from the learner's own numpy
    Generator; b1, w2, b2 start at zero. With no first-frame step these are the parameters."""
    config = dataclasses.replace(CONFIG, init_gn=0)
    fmap = crafted_map(TARGET)
    rng = np.random.default_rng(0)
    pos, neg = rois(fmap, positives(TARGET, 20, rng, 0.7)), rois(fmap, negatives(TARGET, 50, rng, 0.3, CROP))
    learner = OnlineLearner(config, np.random.default_rng(7))
    learner.initialize(pos, neg)
    dim, hidden = config.projection * 36, config.hidden  # the (6, 3, 1) pyramid repeated to 6 x 6 cells
    expected = np.random.default_rng(7).standard_normal((hidden, dim)) * np.sqrt(2.0 / dim)
    params = learner.params.double().numpy()
    np.testing.assert_allclose(params[: hidden * dim].reshape(hidden, dim), expected, rtol=1e-6)
    assert not params[hidden * dim :].any() and learner.params.dtype == pos.dtype
