"""CRACT end to end: Eq. 9-10 selection on crafted scores, the tracker on drawn frames with random
thin weights (plumbing and determinism, not accuracy), the checkpoint, the plugin and the CLI."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from harness.cli import main  # noqa: E402
from trackers.base import TrackerError, TrackerInfo, WeightsMissingError  # noqa: E402
from trackers.cract.checkpoint import load, save, stored_variant  # noqa: E402
from trackers.cract.config import VARIANTS, CRACTModelConfig, with_overrides  # noqa: E402
from trackers.cract.model import build_model  # noqa: E402
from trackers.cract.plugins import CRACT  # noqa: E402
from trackers.cract.select import refined_scores, select, size_rate  # noqa: E402
from trackers.cract.tracker import CRACTTracker  # noqa: E402
from trackers.registry import get_plugin, plugin_names, resolve_trackers  # noqa: E402
from trackers.siamese.checkpoint import CheckpointError, save_checkpoint  # noqa: E402
from trackers.siamese.config import VARIANTS as SIAMESE  # noqa: E402
from trackers.siamese.model import build_model as build_siamese  # noqa: E402
from trackers.weights import synthetic_weights  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")
PROJECT = Path(__file__).resolve().parents[1]
FRAMES = 8
# Collections and long-term updates every 3 frames whatever the discriminator says, so a short run
# goes through sampling, hard negatives and updates; fewer samples and steps keep it quick.
BUSY = {"online_interval": 3, "online_fail_score": -1e9, "online_init_pos": 50, "online_init_neg": 200,
        "online_update_pos": 20, "online_update_neg": 50, "online_init_gn": 2}


def test_eq10_picks_the_best_blend_of_coarse_identity_and_discrimination():
    coarse = np.array([0.95, 0.10, 0.60, 0.20])
    identity = np.array([0.30, 0.95, 0.70, 0.10])
    discrimination = np.array([0.20, 0.10, 0.55, 0.90])
    refined = refined_scores(identity, discrimination, 0.4)
    assert refined == pytest.approx([0.24, 0.44, 0.61, 0.58])  # 0.4 v + 0.6 tau
    chosen = select(coarse, identity, discrimination, alpha=0.4, beta=0.8)
    assert chosen.scores == pytest.approx([0.382, 0.372, 0.608, 0.504])  # 0.8 s + 0.2 c
    assert chosen.index == 2
    # Each score alone would pick another proposal; the weights decide.
    assert select(coarse, identity, discrimination, alpha=0.4, beta=0.0).index == 0
    assert select(coarse, identity, discrimination, alpha=1.0, beta=1.0).index == 1
    assert select(coarse, identity, discrimination, alpha=0.0, beta=1.0).index == 3
    # A strong coarse score outweighs a slightly better refined one at beta = 0.8.
    assert select([0.9, 0.1], [0.5, 0.55], [0.5, 0.55], 0.4, 0.8).index == 0
    assert select([0.5, 0.5], [0.7, 0.7], [0.2, 0.2], 0.4, 0.8).index == 0  # ties: the higher-ranked
    # The network's coarse scores are float32: blended in float64, one float32 step still decides (in
    # float32, 0.2 x c rounds both to the same number and the tie would go to the first).
    c = np.float32(0.4888507127761841)
    coarse32 = np.array([c, np.nextafter(c, np.float32(1))], np.float32)
    assert select(coarse32, [0.5, 0.5], [0.5, 0.5], 0.4, 0.8).index == 1


def test_the_size_moves_at_lr_x_penalty_x_the_score_clipped_to_0_1():
    # Eq. 10's score leaves [0, 1] when the discriminator's unbounded output does; the rate may not.
    assert size_rate(0.5, 0.8, 0.4) == pytest.approx(0.16)
    assert size_rate(-0.3, 0.8, 0.4) == 0.0
    assert size_rate(1.7, 0.8, 0.4) == pytest.approx(0.32) == size_rate(1.0, 0.8, 0.4)


def drawn_frames(count: int = FRAMES, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """A checkered target drifting over a noisy textured background, 240x320 BGR."""
    rng = np.random.default_rng(seed)
    background = np.repeat(np.repeat(rng.integers(0, 256, (30, 40, 3)), 8, axis=0), 8, axis=1).astype(np.uint8)
    patch = np.kron((np.indices((4, 6)).sum(axis=0) % 2)[..., None] * np.array([[[40, 200, 230]]]), np.ones((10, 10, 1)))
    frames = []
    for i in range(count):
        frame = background.copy()
        x, y = 120 + 3 * i, 90 + 2 * i
        frame[y : y + 40, x : x + 60] = patch.astype(np.uint8)
        frames.append(frame)
    return frames, np.array([120.0, 90.0, 60.0, 40.0])


@pytest.fixture(scope="module")
def thin_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("cract") / "cract-thin.pth"
    save(build_model(VARIANTS["cract-thin"]), path, VARIANTS["cract-thin"], training={"note": "random"})
    return path


def run(tracker, frames: list[np.ndarray], box: np.ndarray) -> list[list[float]]:
    tracker.initialize(frames[0], box)
    return [tracker.track(frame).box.tolist() for frame in frames[1:]]


def test_the_tracker_runs_with_random_weights_and_updates_online(thin_weights: Path):
    frames, box = drawn_frames()
    tracker = get_plugin("cract", {"variant": "thin", "weights": str(thin_weights), **BUSY}).create()
    assert tracker.info.device == "cpu" and tracker.info.deterministic
    tracker.initialize(frames[0], box)
    for frame in frames[1:]:
        prediction = tracker.track(frame)
        assert np.isfinite(prediction.box).all()
        record = tracker.last
        assert prediction.score == record.selection.scores[record.index]  # Eq. 10's value is the score
    history = tracker.learner.history
    assert [(r.frame, r.kind) for r in history] == [(0, "init"), (3, "long"), (6, "long")]  # every 3rd of 7
    # Long-term windows: the first frame's 50 positives and each collection's 20; the negatives of the
    # last two collections (50 each, hard ones among them).
    assert [(r.positives, r.negatives) for r in history] == [(50, 200), (70, 50), (90, 100)]
    assert all(r.after < r.before for r in history)


def test_online_seconds_adds_up_the_clock_around_the_online_work():
    """Two readings of the clock per call, around the sampling and fitting: a counting clock shows
    what is added up, and that a new sequence starts from nothing."""
    ticks = itertools.count()
    variant = with_overrides(VARIANTS["cract-thin"], BUSY)
    torch.manual_seed(0)
    tracker = CRACTTracker(build_model(variant), variant, torch.device("cpu"), TrackerInfo("cract", "test", True),
                           clock=lambda: float(next(ticks)))
    assert tracker.online_seconds == 0 and tracker.last is None and tracker.template is None
    frames, box = drawn_frames(4)
    tracker.initialize(frames[0], box)
    assert tracker.online_seconds == 1
    for frame in frames[1:]:
        tracker.track(frame)
    assert tracker.online_seconds == 4 and tracker.last is not None
    tracker.initialize(frames[0], box)
    assert tracker.online_seconds == 1 and tracker.last is None


def test_the_plugin_builds_what_the_file_and_the_options_say(thin_weights: Path, tmp_path: Path):
    """The version names the network and torch; the synthetic mark follows the file's training
    record; options override the settings a checkpoint carries (here alpha in Eq. 9)."""
    shipped = get_plugin("cract", {"weights": str(synthetic_weights("cract"))}).create()
    assert shipped.info.version == f"cract-harness/torch-{torch.__version__}" and shipped.info.synthetic_weights
    fast = get_plugin("cract", {"weights": str(synthetic_weights("cract")), "inference": "fast"}).create()
    assert fast.info.version == f"cract-harness/torch-{torch.__version__}/fast"
    assert (shipped.info.name, fast.info.name) == ("cract", "cract")
    # inference=fast rewrites the network (batch norms folded into their convolutions); exact keeps it as loaded
    batch_norms = [sum(isinstance(m, torch.nn.BatchNorm2d) for m in t._model.modules()) for t in (shipped, fast)]
    assert batch_norms[0] > batch_norms[1]
    random = get_plugin("cract", {"variant": "thin", "weights": str(thin_weights)}).create()
    assert random.info.version == f"cract-thin-harness/torch-{torch.__version__}" and not random.info.synthetic_weights
    tuned = with_overrides(VARIANTS["cract-thin"], {"alpha": 0.3})
    torch.manual_seed(0)
    save(build_model(tuned), tmp_path / "tuned.pth", tuned)
    frames, box = drawn_frames(2)
    for options, alpha in (({}, 0.3), ({"alpha": 0.9}, 0.9)):
        tracker = get_plugin("cract", {"variant": "thin", "weights": str(tmp_path / "tuned.pth"), **options}).create()
        tracker.initialize(frames[0], box)
        tracker.track(frames[1])
        record = tracker.last
        assert record.selection.refined == pytest.approx(alpha * record.identity + (1 - alpha) * record.discrimination)


def test_a_run_is_determined_by_its_seed(thin_weights: Path):
    frames, box = drawn_frames()
    options = {"variant": "thin", "weights": str(thin_weights), **BUSY}
    plugin = get_plugin("cract", options)
    tracker = plugin.create()
    first = run(tracker, frames, box)
    history = [(r.before, r.after) for r in tracker.learner.history]
    assert run(tracker, frames, box) == first  # the same tracker, re-initialised
    assert [(r.before, r.after) for r in tracker.learner.history] == history
    assert run(plugin.create(), frames, box) == first  # a fresh one
    other = get_plugin("cract", {**options, "seed": 1}).create()
    run(other, frames, box)
    assert [(r.before, r.after) for r in other.learner.history] != history  # other samples, other fits


def test_tracking_before_initialising_and_a_box_without_area_are_errors(thin_weights: Path):
    tracker = get_plugin("cract", {"variant": "thin", "weights": str(thin_weights)}).create()
    with pytest.raises(TrackerError, match="before initialize"):
        tracker.track(np.zeros((50, 50, 3), np.uint8))
    with pytest.raises(TrackerError, match="no area"):
        tracker.initialize(np.zeros((50, 50, 3), np.uint8), np.array([10.0, 10.0, 0.0, 5.0]))


def test_the_checkpoint_round_trips_with_its_settings_and_refuses_other_networks(thin_weights: Path, tmp_path: Path):
    variant = with_overrides(VARIANTS["cract-thin"], {"alpha": 0.3, "online_interval": 5})
    torch.manual_seed(1)
    model = build_model(variant)
    save(model, tmp_path / "tuned.pth", variant)
    fresh = build_model(VARIANTS["cract-thin"])
    loaded = load(fresh, tmp_path / "tuned.pth", VARIANTS["cract-thin"])
    assert loaded == variant and (loaded.track.alpha, loaded.online.interval) == (0.3, 5)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), fresh.state_dict().values()))
    with pytest.raises(CheckpointError, match=re.escape(f"{thin_weights} holds a 'cract-thin' network; 'cract' needs")):
        load(build_model(VARIANTS["cract"]), thin_weights, VARIANTS["cract"])
    save_checkpoint(build_siamese(SIAMESE["siamrpnpp-alex"]), tmp_path / "alex.pth", SIAMESE["siamrpnpp-alex"])
    with pytest.raises(CheckpointError, match="holds a 'siamrpnpp-alex' network"):
        load(fresh, tmp_path / "alex.pth", VARIANTS["cract-thin"])
    torch.save(model.state_dict(), tmp_path / "bare.pth")
    with pytest.raises(CheckpointError, match="CRACT has no released weights"):
        load(fresh, tmp_path / "bare.pth", VARIANTS["cract-thin"])
    raw = torch.load(tmp_path / "tuned.pth", weights_only=True)
    raw["state_dict"]["identifier.fc3.bias"] += 1
    torch.save(raw, tmp_path / "edited.pth")
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load(fresh, tmp_path / "edited.pth", VARIANTS["cract-thin"])


def test_a_checkpoint_carries_its_network_shape_and_training_record(tmp_path: Path):
    """`harness train --set width=...` saves a `cract` network of another shape: the plugin must build
    that shape (`stored_variant`), and only from a file of ours made for the same variant."""
    shape = CRACTModelConfig(width_mult=0.125, channels=32, head_conv=32, head_fc=64, pool_sizes=(6, 2, 1))
    variant = dataclasses.replace(VARIANTS["cract"], model=shape)
    save(build_model(variant), tmp_path / "narrow.pth", variant, training={"synthetic_data_only": True, "epochs": 2})
    raw = torch.load(tmp_path / "narrow.pth", weights_only=True)
    assert raw["training"] == {"synthetic_data_only": True, "epochs": 2}
    assert stored_variant(raw, VARIANTS["cract"]) == variant  # pool sizes a tuple again, as the variant's
    assert stored_variant(raw, VARIANTS["cract-thin"]) is VARIANTS["cract-thin"]  # made for another variant
    assert stored_variant(raw["state_dict"], VARIANTS["cract"]) is VARIANTS["cract"]  # not our format
    assert stored_variant({**raw, "format": "other"}, VARIANTS["cract"]) is VARIANTS["cract"]
    for model in ({"width_mult": 0.125}, [0.125], None):
        edited = {**raw, "config": {**raw["config"], "model": model}}
        assert stored_variant(edited, VARIANTS["cract"]) is VARIANTS["cract"]


def test_a_checkpoint_without_every_setting_is_refused(tmp_path: Path):
    variant = VARIANTS["cract-thin"]
    save(build_model(variant), tmp_path / "model.pth", variant)
    raw = torch.load(tmp_path / "model.pth", weights_only=True)
    fields = sorted(raw["config"]["online"])
    for part, value, got in (("track", {k: v for k, v in raw["config"]["track"].items() if k != "seed"}, None),
                             ("online", {**raw["config"]["online"], "extra": 1}, sorted([*fields, "extra"])),
                             ("online", 5, 5)):
        edited = {**raw, "config": {**raw["config"], part: value}}
        torch.save(edited, tmp_path / "edited.pth")
        expected = sorted(raw["config"][part])
        got = sorted(value) if got is None else got
        with pytest.raises(CheckpointError) as refused:
            load(build_model(variant), tmp_path / "edited.pth", variant)
        assert str(refused.value) == f"{tmp_path / 'edited.pth'}: checkpoint {part} config has fields {got}; expected {expected}"


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    for name in os.environ:
        if name.startswith("HARNESS_CRACT"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(empty))
    monkeypatch.setenv("HARNESS_NO_SHIPPED_WEIGHTS", "1")  # not the synthetic-trained weights either
    return empty


def test_the_plugin_is_registered_and_checks_its_options():
    assert "cract" in plugin_names() and type(get_plugin("cract")) is CRACT
    assert get_plugin("cract").variant().name == "cract"
    assert get_plugin("cract", {"variant": "thin"}).variant().name == "cract-thin"
    shared = {"weights": "model.pth", "threads": 2, "variant": "full", "inference": "fast"}  # the Siamese plugins'
    assert get_plugin("cract", {**shared, "alpha": 0.5, "online_interval": 3}).config["threads"] == 2
    for options, complaint in [
        ({"penalty": 1}, r"unknown options \['penalty'\]"),
        ({"variant": "r18"}, "choose one of full, thin"),
        ({"alpha": 1.5}, r"alpha=1.5 must be within \[0, 1\]"),
        ({"proposals": 0}, "proposals=0 must be >= 1"),
        ({"instance_size": 250}, "multiple of the stride 8"),
        ({"online_interval": 0}, "online_interval=0 must be >= 1"),
        ({"online_neg_iou": 0.8}, "must be below online_pos_iou=0.7"),
        ({"seed": "x"}, "seed='x' is not an integer"),
        ({"online_interval": "x"}, "option online_interval='x' is not an integer"),
        ({"online_reg": "x"}, "option online_reg='x' is not a number"),
    ]:
        with pytest.raises(TrackerError, match=complaint):
            get_plugin("cract", options)


# Every setting at the edge of what it allows (accepted) and just past it (refused, with the message).
ACCEPTED = [
    {"proposals": 1}, {"penalty_k": 0}, {"context_amount": 0}, {"instance_size": 135},
    *({name: edge} for name in ("nms_iou", "alpha", "beta", "window_influence", "lr") for edge in (0, 1)),
    *({f"online_{name}": 1} for name in ("init_pos", "init_neg", "update_pos", "update_neg", "interval",
                                          "projection", "hidden", "hard_pool")),
    *({f"online_{name}": 0} for name in ("init_gn", "init_cg", "update_gn", "update_cg", "long_term", "short_term")),
    {"online_pos_iou": 1}, {"online_neg_iou": 0}, {"online_hard_fraction": 0}, {"online_hard_fraction": 1},
    {"online_neg_iou": 0.69}, {"online_reg": 1e-12},
]
REFUSED = [
    ({"proposals": 0}, "proposals=0 must be >= 1"),
    *(({name: edge}, f"{name}={edge} must be within [0, 1]") for name in ("nms_iou", "alpha", "beta",
                                                                          "window_influence", "lr")
      for edge in (-0.01, 1.01)),
    ({"penalty_k": -0.01}, "penalty_k and context_amount must be >= 0"),
    ({"context_amount": -0.01}, "penalty_k and context_amount must be >= 0"),
    *(({"instance_size": size}, f"instance_size={size} must exceed exemplar_size=127 by a multiple of the stride 8 "
       "(e.g. 255, 271, 287)") for size in (127, 119, 136)),
    *(({f"online_{name}": 0}, f"online_{name}=0 must be >= 1") for name in (
        "init_pos", "init_neg", "update_pos", "update_neg", "interval", "projection", "hidden", "hard_pool")),
    *(({f"online_{name}": -1}, f"online_{name}=-1 must be >= 0") for name in (
        "init_gn", "init_cg", "update_gn", "update_cg", "long_term", "short_term")),
    *(({"online_hard_fraction": edge}, f"online_hard_fraction={edge} must be within [0, 1]") for edge in (-0.01, 1.01)),
    ({"online_pos_iou": 1.01}, "online_pos_iou=1.01 must be within [0, 1]"),
    ({"online_pos_iou": -0.01}, "online_pos_iou=-0.01 must be within [0, 1]; online_neg_iou=0.3 must be below "
                                "online_pos_iou=-0.01"),
    ({"online_neg_iou": -0.01}, "online_neg_iou=-0.01 must be within [0, 1]"),
    ({"online_neg_iou": 0.7}, "online_neg_iou=0.7 must be below online_pos_iou=0.7"),
    ({"online_reg": 0}, "online_reg=0.0 must be > 0"),
]


def test_every_setting_is_checked_at_its_bounds():
    for options in ACCEPTED:
        variant = with_overrides(VARIANTS["cract"], options)
        name, value = next(iter(options.items()))
        settings = variant.online if name.startswith("online_") else variant.track
        assert getattr(settings, name.removeprefix("online_")) == value
    for options, complaint in REFUSED:
        with pytest.raises(TrackerError) as refused:
            with_overrides(VARIANTS["cract"], options)
        assert str(refused.value) == f"cract: {complaint}", options
    # Only online_-prefixed names set online settings (the plugin's other options pass through here).
    assert with_overrides(VARIANTS["cract"], {"reg": 5.0, "interval": 3, "weights": "model.pth"}) == VARIANTS["cract"]
    with pytest.raises(TrackerError) as refused:
        with_overrides(VARIANTS["cract-thin"], {"proposals": 0, "online_reg": -1})
    assert str(refused.value) == "cract-thin: proposals=0 must be >= 1; online_reg=-1.0 must be > 0"


def test_without_weights_it_refuses_and_says_where_to_put_them(no_weights: Path, tmp_path: Path, capsys):
    reason = get_plugin("cract").unavailable_reason()
    assert (f"Put a checkpoint of it (the authors released none: train the network and save it with "
            f"trackers.cract.checkpoint.save) at {no_weights / 'cract' / 'model.pth'};") in reason
    assert "--tracker-opt cract.weights=<file>" in reason and "trackers.cract.checkpoint.save" in reason
    assert "HARNESS_CRACT_WEIGHTS" in reason and "released none" in reason
    with pytest.raises(WeightsMissingError, match="cract-thin/model.pth"):
        get_plugin("cract", {"variant": "thin"}).create()
    with pytest.raises(WeightsMissingError):
        resolve_trackers("cract")
    argv = ["run", "--trackers", "cract", "--bench", "synthetic", "--results", str(tmp_path / "r")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "cract" in err and "needs weights" in err and str(no_weights / "cract" / "model.pth") in err


def test_the_registry_lists_it_without_torch_and_without_importing_torch():
    script = (
        "import sys\n"
        "from trackers.registry import get_plugin\n"
        "get_plugin('cract', {'variant': 'thin', 'alpha': 0.5}).unavailable_reason()\n"
        "print('torch' in sys.modules)\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "print(get_plugin('cract').unavailable_reason())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT, check=True)
    imported, reason = done.stdout.strip().splitlines()
    assert imported == "False" and "pip install torch==2.13.0" in reason


@pytest.mark.slow
def test_the_cli_runs_cract_on_a_synthetic_sequence(thin_weights: Path, tmp_path: Path, no_weights: Path, ray_address, capsys):
    argv = ["run", "--trackers", "cract", "--bench", "synthetic", "--sequences", "synthetic_011",
            "--tracker-opt", f"cract.weights={thin_weights}", "--tracker-opt", "cract.variant=thin",
            "--address", ray_address, "--results", str(tmp_path / "r"), "--reports", str(tmp_path / "rep"), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["run"]["shards"] == {"run": 1, "skipped_complete": 0, "failed": 0}
    assert "cract" in report["trackers"]


def test_online_samples_are_drawn_around_the_target_where_the_search_crop_shows_it(thin_weights: Path):
    """Sec. 3.4's training samples surround the tracked target as it appears in the crop they are pooled
    from: on the first frame the crop's centre pixel, (instance_size - 1) / 2, with the target's size in
    crop pixels; after a frame, the new state's offset from the crop's centre (the old state) and its
    size, both in crop pixels (times the crop's scale). Every frame here is a long-term update."""
    from trackers.siamese.crop import mean_colour
    from trackers.siamese.tracker import search_crop

    tracker = get_plugin("cract", {"variant": "thin", "weights": str(thin_weights), "online_interval": 1,
                                   "online_fail_score": -1e9}).create()
    frames, box = drawn_frames(4)
    tracker.initialize(frames[0], box)
    track = tracker._variant.track
    middle = (track.instance_size - 1) / 2
    first = search_crop(frames[0], tracker._state, track, mean_colour(frames[0]))
    np.testing.assert_allclose(tracker.learned_from, [middle, middle, *first.target_wh])
    moves = []
    for frame in frames[1:]:
        before = tracker._state
        scale = search_crop(frame, before, track, mean_colour(frames[0])).scale
        tracker.track(frame)
        after = tracker._state
        expected = [*((after.center - before.center) * scale + middle), *(after.size * scale)]
        np.testing.assert_allclose(tracker.learned_from, expected, rtol=1e-12)
        moves.append(np.abs(after.center - before.center).max())
    assert max(moves) > 10  # the state moved (random weights: to the image's corner), so the offset counts


def test_crops_over_the_image_edge_are_padded_with_the_frames_mean_colour(thin_weights: Path):
    """A target at the corner: the template crop reaches outside the frame, where pysot pads with the
    frame's mean colour (`mean_colour`), not black; the template's RoI feature is that of such a crop."""
    from trackers.siamese.crop import mean_colour
    from trackers.siamese.decode import start_state
    from trackers.siamese.tracker import search_crop, template_crop, to_tensor

    frames, _ = drawn_frames(1)
    frame = frames[0].copy()
    frame[:40, :60] = (30, 220, 90)
    box = np.array([0.0, 0.0, 60.0, 40.0])
    tracker = get_plugin("cract", {"variant": "thin", "weights": str(thin_weights)}).create()
    tracker.initialize(frame, box)
    track, fill = tracker._variant.track, mean_colour(frame)
    state = start_state(box)
    middle = (track.exemplar_size - 1) / 2
    target_wh = search_crop(frame, state, track, fill).target_wh
    with torch.inference_mode():
        padded = tracker._model.template(to_tensor([template_crop(frame, state, track, fill)], torch.device("cpu")),
                                         tracker._boxes([middle, middle, *target_wh]))
        black = tracker._model.template(to_tensor([template_crop(frame, state, track, np.zeros(3))], torch.device("cpu")),
                                        tracker._boxes([middle, middle, *target_wh]))
    torch.testing.assert_close(tracker._template.roi, padded.roi, rtol=0, atol=0)
    assert not torch.equal(padded.roi, black.roi)  # the padding shows in the feature
