"""The tracker registry and the two OpenCV baselines, on real sequences where available."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import realdata_path
from trackers.base import TrackerError, TrackerPlugin, WeightsMissingError
from trackers.opencv_trackers import OpenCVMIL, OpenCVNano, to_cv_rect
from trackers.registry import get_plugin, plugin_names, resolve_trackers

TOY_MODULE = "harness_toy_tracker_plugin"


@pytest.fixture
def no_nano_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("HARNESS_NANOTRACK_DIR", str(empty))
    monkeypatch.setenv("HARNESS_WEIGHTS", str(empty))
    return empty


@pytest.fixture
def nano_dir() -> Path:
    return realdata_path("models", "nanotrack-v2")


@pytest.fixture
def toy_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An installed-looking third-party distribution adding `toy`, a `broken` tracker, and a
    second `opencv-mil` that clashes with the built-in one."""
    (tmp_path / f"{TOY_MODULE}.py").write_text(textwrap.dedent("""
        from dataclasses import dataclass
        from trackers.base import TrackerPlugin

        @dataclass(frozen=True)
        class ToyPlugin(TrackerPlugin):
            def unavailable_reason(self):
                return None
            def create(self, device="cpu"):
                raise NotImplementedError
            def weights_files(self):
                return []
            @property
            def deterministic(self):
                return True
    """))
    dist_info = tmp_path / "toy_tracker-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-tracker\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(
        f"[harness.trackers]\ntoy = {TOY_MODULE}:ToyPlugin\nbroken = harness_no_such_module:Plugin\n"
        f"opencv-mil = {TOY_MODULE}:ToyPlugin\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop(TOY_MODULE, None)


def axis_aligned(polygon: np.ndarray) -> np.ndarray:
    xs, ys = polygon[0::2], polygon[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def run_tracker(plugin: TrackerPlugin, frames: list[Path], init_box: np.ndarray) -> list:
    tracker = plugin.create()
    tracker.initialize(cv2.imread(str(frames[0])), init_box)
    return [tracker.track(cv2.imread(str(path))) for path in frames[1:]]


def test_builtins_are_discovered_through_entry_points():
    assert {"opencv-mil", "opencv-nano"} <= set(plugin_names())
    assert isinstance(get_plugin("opencv-mil"), OpenCVMIL)
    nano = get_plugin("opencv-nano", {"weights_dir": "/somewhere"})
    assert isinstance(nano, OpenCVNano) and nano.config == {"weights_dir": "/somewhere"}


def test_unknown_tracker_lists_known_ones():
    with pytest.raises(TrackerError, match="opencv-mil.*opencv-nano"):
        get_plugin("no-such-tracker")
    with pytest.raises(TrackerError, match="known trackers"):
        resolve_trackers("opencv-mil,no-such-tracker")


def test_bad_options_are_refused():
    with pytest.raises(TrackerError, match="weights_dir"):
        get_plugin("opencv-nano", {"weight_dir": "/typo"})
    with pytest.raises(TrackerError, match="not registered"):
        resolve_trackers("all", {"opencv_nano": {}})


def test_all_skips_nano_without_weights(no_nano_weights: Path):
    plugins, skipped = resolve_trackers("all")
    assert "opencv-mil" in [p.name for p in plugins]
    assert "opencv-nano" not in [p.name for p in plugins]
    reason = skipped["opencv-nano"].reason
    assert skipped["opencv-nano"].weights_missing and skipped["opencv-nano"].brief == "no weights (see `harness list`)"
    assert str(no_nano_weights) in reason and "nanotrack_backbone_sim.onnx" in reason
    assert "HARNESS_NANOTRACK_DIR" in reason and "weights_dir" in reason


def test_named_nano_without_weights_raises(no_nano_weights: Path):
    with pytest.raises(WeightsMissingError, match="nanotrack_head_sim.onnx"):
        resolve_trackers("opencv-nano")
    with pytest.raises(WeightsMissingError):
        get_plugin("opencv-nano").create()


def test_nano_weights_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HARNESS_NANOTRACK_DIR", raising=False)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(tmp_path / "root"))
    assert OpenCVNano("n").weights_dir()[0] == tmp_path / "root" / "nanotrack-v2"
    monkeypatch.setenv("HARNESS_NANOTRACK_DIR", str(tmp_path / "env"))
    assert OpenCVNano("n").weights_dir()[0] == tmp_path / "env"
    assert OpenCVNano("n", {"weights_dir": str(tmp_path / "opt")}).weights_dir()[0] == tmp_path / "opt"


def test_third_party_plugin_joins_the_registry(toy_distribution):
    assert {"toy", "broken", "opencv-mil", "opencv-nano"} <= set(plugin_names())
    toy = get_plugin("toy", {"k": 1})
    assert type(toy).__name__ == "ToyPlugin" and toy.name == "toy" and toy.config == {"k": 1}
    with pytest.raises(TrackerError, match="'broken'.*harness_no_such_module.*ModuleNotFoundError"):
        get_plugin("broken")
    with pytest.raises(TrackerError, match="registered more than once.*toy-tracker"):
        get_plugin("opencv-mil")
    plugins, skipped = resolve_trackers("all")
    assert "toy" in [p.name for p in plugins]
    assert "ModuleNotFoundError" in skipped["broken"].reason
    assert "more than once" in skipped["opencv-mil"].reason


def test_checksum_and_config_hash(nano_dir: Path, tmp_path: Path):
    nano = OpenCVNano("opencv-nano", {"weights_dir": str(nano_dir)})
    assert nano.weights_checksum() == nano.weights_checksum()
    assert len(nano.weights_checksum()) == 64
    assert [p.name for p in nano.weights_files()] == ["nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx"]
    same = OpenCVNano("opencv-nano", {"weights_dir": str(nano_dir)})
    assert same.config_hash() == nano.config_hash()
    assert OpenCVNano("opencv-nano", {"weights_dir": str(tmp_path)}).config_hash() != nano.config_hash()
    assert OpenCVMIL("opencv-mil", {"seed": 1}).config_hash() != OpenCVMIL("opencv-mil").config_hash()
    assert OpenCVMIL("opencv-mil").weights_checksum() == ""


@pytest.mark.parametrize(
    ("box", "rect"),
    [((10.0, 20.0, 30.0, 40.0), (10, 20, 30, 40)), ((10.4, 20.6, 5.2, 5.2), (10, 21, 6, 5)), ((3.5, 0.2, 0.1, 0.1), (4, 0, 1, 1))],
)
def test_float_boxes_round_by_edges(box: tuple, rect: tuple):
    assert to_cv_rect(np.array(box)) == rect


def test_nano_follows_the_bag(nano_dir: Path):
    seq = realdata_path("vot", "sequences", "bag")
    truth = np.loadtxt(seq / "groundtruth.txt", delimiter=",")[:60]
    frames = sorted((seq / "color").glob("*.jpg"))[:60]
    plugin = get_plugin("opencv-nano", {"weights_dir": str(nano_dir)})
    predictions = run_tracker(plugin, frames, axis_aligned(truth[0]))
    assert all(p.box.dtype == np.float64 and np.isfinite(p.score) for p in predictions)
    ious = [iou(p.box, axis_aligned(gt)) for p, gt in zip(predictions, truth[1:])]
    assert np.mean(ious) > 0.6


def test_mil_on_crossing_is_finite_and_repeatable():
    seq = realdata_path("otb", "sequences", "Crossing")
    init_box = np.loadtxt(seq / "groundtruth_rect.txt", max_rows=1)
    frames = sorted((seq / "img").glob("*.jpg"))[:30]
    plugin = get_plugin("opencv-mil", {"seed": 3})
    first = run_tracker(plugin, frames, init_box)
    assert len(first) == 29 and all(np.isfinite(p.box).all() and p.box[2] > 0 for p in first)
    assert all(np.isnan(p.score) for p in first)
    if plugin.deterministic:
        second = run_tracker(plugin, frames, init_box)
        assert [p.box.tolist() for p in first] == [p.box.tolist() for p in second]


def test_cpu_trackers_accept_a_gpu_worker():
    tracker = get_plugin("opencv-mil").create("cuda")
    assert tracker.info.device == "cpu" and tracker.info.deterministic == OpenCVMIL("m").deterministic
