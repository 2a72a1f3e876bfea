"""Several sequences tracked at once (trackers.siamese.batch) against each tracked alone by the
plugin's ordinary tracker: the same boxes and scores, bit for bit, with sequences starting, ending
and restarting at different frames and more sequences than one forward takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.conftest import otb_images  # noqa: E402
from tests.siamese_thin import PLUGINS, save_thin  # noqa: E402
from trackers.base import TrackerError  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402
from trackers.siamese.batch import BatchTrackError  # noqa: E402

FRAMES = 7
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def crossing() -> tuple[list[np.ndarray], np.ndarray]:
    return otb_images("Crossing", FRAMES)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("thin")


def schedule(frames: list[np.ndarray], box: np.ndarray) -> dict[str, tuple[int, list[np.ndarray], np.ndarray]]:
    """Four sequences from one clip: (first frame index in the batch's clock, frames, start box);
    different targets, starts and lengths, and the mirrored clip."""
    mirrored = [np.ascontiguousarray(f[:, ::-1]) for f in frames]
    width = frames[0].shape[1]
    return {
        "walker": (0, frames, box),
        "late": (2, frames[:4], box + np.array([6.0, -4.0, 4.0, 6.0])),
        "mirror": (0, mirrored, np.array([width - box[0] - box[2], box[1], box[2], box[3]])),
        "short": (1, frames[1:4], box + np.array([-10.0, 5.0, 0.0, 0.0])),
    }


def alone(tracker, frames: list[np.ndarray], box: np.ndarray) -> list[tuple[list[float], float]]:
    tracker.initialize(frames[0], box)
    return [(p.box.tolist(), p.score) for p in (tracker.track(frame) for frame in frames[1:])]


def together(batch, plan) -> dict[str, list[tuple[list[float], float]]]:
    """Every sequence on one clock: initialised at its start, tracked in one call with the others
    then running, removed after its last frame."""
    results: dict[str, list] = {key: [] for key in plan}
    end = max(start + len(frames) for start, frames, _ in plan.values())
    for clock in range(end + 1):
        due = {}
        for key, (start, frames, box) in plan.items():
            if clock == start:
                batch.initialize(key, frames[0], box)
            elif start < clock < start + len(frames):
                due[key] = frames[clock - start]
            elif clock == start + len(frames):
                batch.remove(key)
        for key, prediction in batch.track_many(due).items():
            results[key].append((prediction.box.tolist(), prediction.score))
    return results


@pytest.mark.parametrize("name", list(PLUGINS))
def test_a_batch_tracks_each_sequence_as_it_is_tracked_alone(name: str, crossing, weights: Path):
    frames, box = crossing
    options = {"weights": str(save_thin(name, weights))}
    plugin = get_plugin(name, options)
    plan = schedule(frames, box)
    want = {key: alone(plugin.create(), seq_frames, start_box) for key, (_, seq_frames, start_box) in plan.items()}
    batch = plugin.create_batch(max_batch=3)  # up to four run at once: forwards of 3 and 1
    got = together(batch, plan)
    assert got == want
    assert batch.info == plugin.create().info and batch.keys() == []


def test_a_failing_sequence_leaves_the_others_tracked(crossing, weights: Path):
    frames, box = crossing
    plugin = get_plugin("siamrpn", {"weights": str(save_thin("siamrpn", weights))})
    batch = plugin.create_batch()
    batch.initialize("good", frames[0], box)
    batch.initialize("bad", frames[0], box)
    want = alone(plugin.create(), frames[:2], box)
    with pytest.raises(BatchTrackError, match="1 of 2 sequences failed: 'bad': TrackerError: frame of shape") as caught:
        batch.track_many({"good": frames[1], "bad": frames[1][:, :, 0]})  # a grey image
    assert list(caught.value.failures) == ["bad"]
    assert [(p.box.tolist(), p.score) for p in caught.value.predictions.values()] == want
    with pytest.raises(TrackerError, match=r"track_many\(\) for \['new'\], which were never initialised"):
        batch.track_many({"new": frames[1]})


def test_cract_refuses_a_batch_before_loading_anything():
    with pytest.raises(TrackerError, match="'cract' tracks one sequence at a time: it has no batch API"):
        get_plugin("cract", {"variant": "thin", "weights": "/nonexistent/model.pth"}).create_batch()
