"""VOT supervised scoring (harness/metrics/vot/evaluate.py, frames.py, scores.py, regions.py) on inputs the
golden, protocol and property tests leave out: what a result declares to its renderers (the EAO curve,
the accuracy-robustness plot of each profile), the rasterised ground truth kept for the datasets last
scored, and crafted trajectories with figures worked by hand or computed by the reference toolkits.

References: vot-toolkit 0.9.0's analyses (tests/vot_reference.py), pysot's and got10k's formulas
written out plainly, values worked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.metrics.fields import Scatter
from harness.metrics.vot.evaluate import VOTSequenceTruth, VOTTrajectory, evaluate_vot
from harness.metrics.vot.frames import raster_truth
from harness.metrics.vot.profiles import PYSOT_TAGS
from tests.vot_reference import toolkit_analyses

INTERVAL = (2, 12)


def _rect_truth(name: str, n: int, seed: int, never: tuple[str, ...] = (), width: int = 100,
                height: int = 80) -> VOTSequenceTruth:
    """Rectangles inside the image; pysot's tags on some frames, those in `never` on none."""
    rng = np.random.default_rng(seed)
    gt = np.column_stack([rng.uniform(10, 40, (n, 2)), rng.uniform(15, 30, (n, 2))])
    tags = {tag: (rng.random(n) < 0.2) & (tag not in never) for tag in PYSOT_TAGS}
    return VOTSequenceTruth(name, gt, tags, width, height)


def _run(seq: VOTSequenceTruth, status: list[int], repetition: int = 1, shift: float = 2.0) -> VOTTrajectory:
    """The ground truth moved right by `shift` pixels on tracked frames; no region elsewhere."""
    status = np.array(status, dtype=np.int8)
    boxes = np.asarray(seq.gt, dtype=float) + [shift, 0, 0, 0]
    boxes[status != 3] = np.nan
    return VOTTrajectory(seq.name, repetition, status, boxes)


def _small_benchmark() -> tuple[list[VOTSequenceTruth], list[VOTTrajectory]]:
    """Two sequences; the first fails at frame 6 and is re-initialised at 11, the second never fails.
    The second never sets size_change, so pysot's 'empty' tag (which counts such tags) weighs something."""
    a, b = _rect_truth("a", 24, 1), _rect_truth("b", 18, 2, never=("size_change",))
    runs = [_run(a, [1, 3, 3, 3, 3, 2, 0, 0, 0, 0, 1] + [3] * 13), _run(b, [1] + [3] * 17)]
    return [a, b], runs


def test_eao_curve_declared_to_renderers_is_the_toolkits() -> None:
    """The plotted EAO curve is vot-toolkit's EAOCurve on the same trajectories, shaded over the interval."""
    truth, runs = _small_benchmark()
    result = evaluate_vot(runs, truth, "vot_toolkit", INTERVAL)
    expected = toolkit_analyses(truth, runs, *INTERVAL)["eao_curve"]
    (curve,) = result.curves()
    np.testing.assert_allclose(np.asarray(curve.y, dtype=float), expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(curve.x, np.arange(len(expected)))
    assert curve.shade == (2.0, 12.0)


@pytest.mark.parametrize(
    ("profile", "robustness"),
    [("vot_toolkit", "ar_robustness"), ("pysot", "failures_per_100_frames"), ("got10k", "tag_weighted_failures")],
)
def test_accuracy_robustness_plot_uses_each_toolkits_robustness(profile: str, robustness: str) -> None:
    """The AR plot's x axis is the toolkit's AR-plot robustness where it has one (VOT toolkit), else the
    robustness the profile reports: pysot's failures per 100 frames even though pysot also reports an EAO."""
    truth, runs = _small_benchmark()
    result = evaluate_vot(runs, truth, profile, INTERVAL)
    assert result.scatters() == [Scatter("ar_plot", "accuracy-robustness", x=robustness, y="accuracy")]


def _copy(truth: list[VOTSequenceTruth]) -> list[VOTSequenceTruth]:
    return [VOTSequenceTruth(s.name, s.gt.copy(), dict(s.tags), s.width, s.height) for s in truth]


def test_rasterised_truth_is_kept_for_the_four_datasets_last_scored() -> None:
    """Scoring several trackers on one dataset rasterises it once: equal ground truth (another copy of
    the arrays) is served the same rasterisation while it is among the four datasets last used; a fifth
    pushes out the one used longest ago; an edited array is rasterised anew."""
    datasets = [[_rect_truth("a", 5, seed)] for seed in range(10, 15)]
    a, b, c, d, e = datasets
    first = raster_truth(a, False, -1)
    assert raster_truth(_copy(a), False, -1) is first
    held = {id(x): raster_truth(x, False, -1) for x in (b, c, d)}
    assert raster_truth(_copy(a), False, -1) is first  # four datasets: all kept, b now the oldest
    raster_truth(e, False, -1)  # a fifth: b goes
    assert raster_truth(_copy(b), False, -1) is not held[id(b)]
    assert raster_truth(_copy(d), False, -1) is held[id(d)]
    edited = _copy(a)
    edited[0].gt[0, 0] += 1
    assert raster_truth(edited, False, -1) is not first
    assert raster_truth(a, True, -1) is not first and raster_truth(a, False, 0) is not first
