"""Property tests: our VOT overlaps, analyses and reader against the vot-toolkit package's own functions
(and got10k's poly_iou), on random regions and trajectories, to 1e-9 (in practice bit for bit).

Regions mix rectangles, 4-corner polygons and special frames; coordinates include integers and
half-integers (where rounding and truncation decide a pixel), negative sizes, regions partly or wholly
outside the image. Trajectories follow the supervised protocol with failures, skipped frames after
them, unknown frames mid-track and several repetitions.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.registry import benchmark_record
from harness.metrics.vot.evaluate import VOTSequenceTruth, VOTTrajectory, evaluate_vot
from harness.metrics.vot.eao import vot_toolkit_curve
from harness.metrics.vot.exact import exact_overlaps
from harness.metrics.vot.raster import rect_corners
from harness.metrics.vot.regions import prepare_raster, raster_overlaps
from harness.formats.vot_text import read_vot_result_file
from tests.vot_reference import region, toolkit_analyses

VOT2018 = benchmark_record("vot2018").eao_interval

vot_raster = pytest.importorskip("vot.region.raster")
SETTINGS = settings(max_examples=40, deadline=None)
seeds = st.integers(0, 2**32 - 1)


def _coordinates(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Floats, integers or half-integers, mixed."""
    values = rng.uniform(-0.2 * scale, 1.2 * scale, shape)
    kind = rng.integers(0, 3, shape[0])[:, None]
    return np.where(kind == 0, values, np.where(kind == 1, np.round(values), np.round(values * 2) / 2))


def _quads(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Rotated rectangles (the VOT ground truth's shape) and arbitrary quadrilaterals."""
    centre = _coordinates(rng, (n, 2), scale)
    angle, size = rng.uniform(0, np.pi, n), rng.uniform(0.5, scale / 2, (n, 2))
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) / 2
    rot = np.stack([np.cos(angle), -np.sin(angle), np.sin(angle), np.cos(angle)], axis=1).reshape(n, 2, 2)
    quads = centre[:, None] + np.einsum("nij,nkj->nki", rot, corners * size[:, None])
    wild = rng.random(n) < 0.2
    quads[wild] = _coordinates(rng, (int(wild.sum()), 8), scale).reshape(-1, 4, 2)
    rounded = rng.random(n) < 0.3
    quads[rounded] = np.round(quads[rounded] * 2) / 2
    return quads.reshape(n, 8)


def _rects(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    sizes = _coordinates(rng, (n, 2), scale / 2) - 0.1 * scale  # some negative
    return np.concatenate([_coordinates(rng, (n, 2), scale), sizes], axis=1)


def _near(rng: np.random.Generator, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rectangles and quadrilaterals, most of them near the ground truth (its bounding box, or itself,
    moved), the others anywhere."""
    n = len(gt)
    points = np.where(np.isnan(gt[:, 4:5]), rect_corners(gt[:, :4]), gt).reshape(n, 4, 2)
    low, high = points.min(axis=1), points.max(axis=1)
    rects = np.concatenate([low, high - low], axis=1) + rng.normal(0, rng.choice([0.5, 3.0]), (n, 4))
    quads = points.reshape(n, 8) + rng.normal(0, 2.0, (n, 8))
    far = rng.random(n) < 0.3
    rects[far], quads[far] = _rects(rng, int(far.sum()), 60), _quads(rng, int(far.sum()), 60)
    half = rng.random(n) < 0.3
    rects[half], quads[half] = np.round(rects[half] * 2) / 2, np.round(quads[half] * 2) / 2
    return rects, quads


@SETTINGS
@given(seed=seeds)
def test_rasterised_overlap_matches_vot_toolkit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    width, height = rng.integers(8, 90, n).astype(float), rng.integers(8, 90, n).astype(float)
    gt = _quads(rng, n, 60)
    rect_gt = rng.random(n) < 0.2
    n_rect = int(rect_gt.sum())
    gt[rect_gt] = np.concatenate([_rects(rng, n_rect, 60), np.full((n_rect, 4), np.nan)], axis=1)
    truth = prepare_raster(gt, width, height, pysot=False, bound=-1)
    status = np.where(rng.random(n) < 0.15, 0, 3)
    for pred in _near(rng, gt):
        ours = raster_overlaps(truth, np.arange(n), pred, status == 3)
        for i in range(n):
            size = (int(width[i]), int(height[i]))
            expected = vot_raster.calculate_overlap(region(status[i], pred[i]), region(3, gt[i]), size)
            assert ours[i] == pytest.approx(expected, abs=1e-9), (i, pred[i], gt[i], width[i], height[i])


@SETTINGS
@given(seed=seeds)
def test_exact_overlap_matches_got10k_poly_iou(seed: int) -> None:
    metrics = pytest.importorskip("got10k.utils.metrics")
    rng = np.random.default_rng(seed)
    n = 30
    width, height = rng.integers(8, 90, n).astype(float), rng.integers(8, 90, n).astype(float)
    gt = _quads(rng, n, 60)
    for pred in _near(rng, gt):
        convex = _convex(pred) & _convex(gt) if pred.shape[1] == 8 else _convex(gt)
        ours = exact_overlaps(pred, gt, width, height)
        for i in np.flatnonzero(convex):
            expected = metrics.poly_iou(pred[i], gt[i], (width[i], height[i]))[0]
            assert ours[i] == pytest.approx(expected, abs=1e-9), (pred[i], gt[i], width[i], height[i])


def _convex(quads: np.ndarray) -> np.ndarray:
    """Strictly convex quadrilaterals (shapely's polygons are then valid; ours clips by a convex region)."""
    p = quads.reshape(-1, 4, 2)
    d = np.roll(p, -1, axis=1) - p
    cross = d[..., 0] * np.roll(d[..., 1], -1, axis=1) - d[..., 1] * np.roll(d[..., 0], -1, axis=1)
    return (cross > 1e-6).all(axis=1) | (cross < -1e-6).all(axis=1)


def _protocol(rng: np.random.Generator, n: int, gt: np.ndarray, polygons: bool) -> tuple[np.ndarray, np.ndarray]:
    """A supervised run: 1 on (re)initialisation, 2 on failure, then four 0s and a re-initialisation
    (if the sequence has frames left); some unknown (0) frames mid-track."""
    status = np.full(n, 3, dtype=np.int8)
    i, p_fail = 0, rng.choice([0.0, 0.02, 0.1, 0.5])
    while i < n:
        status[i] = 1
        j = i + 1
        while j < n and rng.random() >= p_fail:
            j += 1
        if j >= n:
            break
        status[j] = 2
        status[j + 1 : j + 5] = 0
        i = j + 5
    status[(status == 3) & (rng.random(n) < 0.03)] = 0
    xs, ys = gt[:, 0::2], gt[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    boxes += rng.normal(0, rng.choice([0.5, 3, 15]), boxes.shape)
    if polygons:
        boxes = gt + rng.normal(0, 2, gt.shape)
    boxes[status != 3] = np.nan
    return status, boxes


@settings(max_examples=25, deadline=None)
@given(seed=seeds)
def test_supervised_analyses_match_vot_toolkit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth, runs = [], []
    for s in range(int(rng.integers(1, 5))):
        n = int(rng.integers(2, 260))
        w, h = int(rng.integers(30, 200)), int(rng.integers(30, 200))
        gt = _quads(rng, n, min(w, h))
        tags = {"occlusion": rng.random(n) < 0.3, "camera_motion": np.zeros(0, dtype=bool)}
        truth.append(VOTSequenceTruth(f"s{s}", gt, tags, w, h))
        polygons = rng.random() < 0.25
        for r in range(int(rng.integers(1, 4))):
            runs.append(VOTTrajectory(f"s{s}", r + 1, *_protocol(rng, n, gt, polygons)))
    expected = toolkit_analyses(truth, runs)
    ours = evaluate_vot(runs, truth, "vot_toolkit", VOT2018)
    assert ours.eao == pytest.approx(expected["eao"], abs=1e-9, nan_ok=True)
    np.testing.assert_allclose(ours.eao_curve, expected["eao_curve"], rtol=0, atol=1e-9)
    assert ours.accuracy == pytest.approx(expected["accuracy"], abs=1e-9)
    assert ours.values["ar_robustness"] == pytest.approx(expected["robustness"], abs=1e-9)
    assert ours.values["weighted_failures"] == pytest.approx(expected["weighted_failures"], abs=1e-9)
    for name, values in expected["per_sequence"].items():
        assert ours.per_sequence_figures[name]["accuracy"] == pytest.approx(values["accuracy"], abs=1e-9)
        assert ours.per_sequence_figures[name]["failures"] == values["failures"]


def test_eao_curve_is_the_toolkits_bit_for_bit_on_long_fragments() -> None:
    """Fragments up to 1500 frames exercise every level of numpy's pairwise summation tree; fragments of at
    most two frames, the shortest curve that averages anything."""
    analysis = pytest.importorskip("vot.analysis.supervised")
    rng = np.random.default_rng(7)
    for lengths in (np.concatenate([rng.integers(1, 40, 30), rng.integers(100, 400, 20), [129, 256, 257, 1023, 1500]]),
                    np.array([2, 1, 2, 2, 1])):
        success = rng.random(len(lengths)) < 0.4
        fragments = [rng.random(n) for n in lengths]
        expected = analysis.compute_eao_curve(fragments, [1] * len(fragments), success.tolist())
        starts = np.cumsum(lengths) - lengths
        np.testing.assert_array_equal(vot_toolkit_curve(np.concatenate(fragments), starts, lengths, success), expected)


@SETTINGS
@given(seed=seeds)
def test_reader_matches_vot_read_trajectory(seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    io = pytest.importorskip("vot.region.io")
    shapes = pytest.importorskip("vot.region.shapes")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    lines = []
    for kind in rng.integers(0, 6, n):
        if kind < 3:
            lines.append(str(int(kind)))
        elif kind == 3:
            lines.append(",".join(f"{v:.4f}" for v in rng.uniform(-50, 500, 4)))
        elif kind == 4:
            lines.append(",".join(f"{v:.2f}" for v in rng.uniform(-50, 500, 8)))
        else:
            lines.append("nan,nan,nan,nan")
    path = tmp_path_factory.mktemp("vot") / "seq_001.txt"
    path.write_text("\n".join(lines) + "\n")
    status, boxes = read_vot_result_file(path)
    for s, b, reg in zip(status, boxes, io.read_trajectory(str(path))):
        if isinstance(reg, shapes.Rectangle):
            assert s == 3 and np.allclose(b[:4], [reg.x, reg.y, reg.width, reg.height], atol=1e-4)
        elif isinstance(reg, shapes.Polygon):
            assert s == 3 and np.allclose(b, np.ravel(reg.points()), atol=1e-4)
        else:
            assert s == reg.code and np.isnan(b).all()


def test_window_dependent_rows_of_real_ground_truth() -> None:
    """VOT2018 frames with rows whose truncated nodes depend on the raster window's left edge, scored
    against predictions starting left of the ground truth (so the toolkit's window starts there)."""
    from tests.vot_reference import vot2018_truth

    truth = list(vot2018_truth())
    gt = np.concatenate([np.pad(s.gt, ((0, 0), (0, 8 - s.gt.shape[1])), constant_values=np.nan) for s in truth])
    width = np.concatenate([np.full(len(s.gt), float(s.width)) for s in truth])
    height = np.concatenate([np.full(len(s.gt), float(s.height)) for s in truth])
    prepared = prepare_raster(gt, width, height, pysot=False, bound=-1)
    raster = prepared.raster
    frames = np.unique(np.searchsorted(raster.start, raster.fragile, side="right") - 1)
    assert len(frames) > 100
    xs, ys = gt[frames, 0::2], gt[frames, 1::2]
    for shift in (1.0, 7.5, 40.0):
        boxes = np.stack([xs.min(1) - shift, ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
        ours = raster_overlaps(prepared, frames, boxes, np.ones(len(frames), dtype=bool))
        for i, f in enumerate(frames):
            size = (int(width[f]), int(height[f]))
            assert ours[i] == vot_raster.calculate_overlap(region(3, boxes[i]), region(3, gt[f]), size), (f, shift)


def _pysot_eao(runs: list[VOTTrajectory], overlaps: list[np.ndarray], truth: list[VOTSequenceTruth], tag: str,
               low: int, high: int) -> tuple[float, np.ndarray]:
    """pysot's EAOBenchmark for one tag and one repetition per sequence, fragment by fragment as its loop
    goes: a failure at f breaks the run at f + 5 (if that is not past the end); a fragment holds the
    overlaps from one break to the next, that frame included, NaN as 0, zero-padded; the last runs to the
    end, NaN-padded; a run without failures is one fragment, NaN kept. Each fragment weighs the share of
    its frames carrying the tag; the curve's point i is the weighted mean, over the fragments with a
    value at i, of their mean over frames 1 .. i (float32); the EAO averages points low - 1 .. high - 1."""
    by_name = {s.name: s for s in truth}
    width = max(len(o) for o in overlaps)
    fragments, weights = [], []
    for run, ov in zip(runs, overlaps):
        n = len(ov)
        flags = np.ones(n) if tag == "all" else np.asarray(by_name[run.sequence].tags[tag], dtype=float)
        fails = [f for f in range(n) if run.status[f] == 2]
        if not fails:
            row = np.full(width, np.nan)
            row[:n] = ov
            fragments.append(row)
            weights.append(flags.sum() / n)
            continue
        breaks = [0] + [f + 5 for f in fails if f + 5 <= n]
        for j, start in enumerate(breaks):
            last = j == len(breaks) - 1
            stop = n if last else breaks[j + 1] + 1
            row = np.full(width, np.nan if last else 0.0)
            segment = ov[start:stop]  # a break at the very end: one frame short of `stop`
            row[: len(segment)] = np.nan_to_num(segment, nan=0.0)
            fragments.append(row)
            weights.append(flags[start:stop].sum() / ((n - start + 1e-16) if last else (stop - start)))
    fragments, weights = np.array(fragments), np.array(weights) / (1 + 1e-10)
    curve = np.zeros(width, dtype=np.float32)
    curve[0] = 1
    for i in range(1, width):
        valid = ~np.isnan(fragments[:, i])
        if valid.any():
            means = fragments[valid, 1 : i + 1].sum(axis=1) / i
            curve[i] = np.sum(means * weights[valid]) / np.sum(weights[valid])
    points = np.zeros(width)
    points[low - 1 : high] = 1
    kept = ~np.isnan(curve)
    return float(np.sum(curve[kept] * points[kept]) / np.sum(points[kept])), curve


@settings(max_examples=30, deadline=None)
@given(seed=seeds)
def test_pysot_eao_matches_its_fragment_loop(seed: int) -> None:
    """pysot's EAO and per-tag EAO on rectangles predicted exactly or far off, with failures anywhere
    (within the last five frames included) and unknown frames, against the loop above (overlaps as the pysot profile rasterises
    them: what is checked here is how fragments are cut, padded, weighted and averaged)."""
    from harness.metrics.vot.evaluate import assemble
    from harness.metrics.vot.frames import raster, raster_truth
    from harness.metrics.vot.profiles import PROFILES as VOT_PROFILES

    rng = np.random.default_rng(seed)
    truth, runs = [], []
    for s in range(int(rng.integers(1, 4))):
        n = int(rng.integers(6, 40))
        gt = np.column_stack([rng.uniform(20, 60, (n, 2)), rng.uniform(10, 30, (n, 2))])
        tags = {"occlusion": rng.random(n) < 0.4, "camera_motion": rng.random(n) < 0.2,
                "illum_change": np.zeros(0, dtype=bool)}
        truth.append(VOTSequenceTruth(f"s{s}", gt, tags, 120, 100))
        status = np.full(n, 3, dtype=np.int8)
        status[0], i = 1, 1
        while i < n:
            if rng.random() < 0.15 or (i == n - int(rng.integers(1, 7)) and rng.random() < 0.5):
                status[i] = 2
                status[i + 1 : i + 5] = 0
                if i + 5 < n:
                    status[i + 5] = 1
                i += 6
            else:
                i += 1
        status[(status == 3) & (rng.random(n) < 0.1)] = 0  # unknown frames mid-track: NaN overlaps
        boxes = np.where(rng.random((n, 1)) < 0.7, gt, gt + [60, 0, 0, 0])  # exact, or off by 60 px
        boxes[status != 3] = np.nan
        runs.append(VOTTrajectory(f"s{s}", 1, status, boxes))
    low, high = 2, 20
    prof = VOT_PROFILES["pysot"]
    ours = evaluate_vot(runs, truth, "pysot", (low, high))
    frames = assemble(runs, truth, prof)
    overlaps = raster(frames, raster_truth(truth, True, prof.eao_bound))
    split = [overlaps[a : a + n] for a, n in zip(frames.start, frames.length)]
    for tag in ("all", "occlusion", "camera_motion", "illum_change"):
        with np.errstate(invalid="ignore"):  # a tag on no frame: 0 / 0, NaN, as in pysot
            eao, curve = _pysot_eao(runs, split, truth, tag, low, high)
        # float32 curve points summed in another order: within 2 float32 ulps of 1
        assert ours.per_tag[tag]["eao"] == pytest.approx(eao, abs=3e-7, nan_ok=True), tag
        if tag == "all":
            np.testing.assert_allclose(ours.eao_curve, curve, rtol=0, atol=3e-7)
