"""The cascade trackers' wiring, on crafted stage maps whose answer is worked out by hand: the choice
comes from the last stage's maps on the anchors every earlier stage moved, among the last stage's
survivors only; SCTRPN's cues are taken on those proposals (the refined boxes), and its re-ranking
runs, by default for `sctrpn` alone, and changes the choice where it should.

`advance` is the tracker's per-frame work after the network, so the maps go in as the network would
hand them over and nothing else of the tracker is bypassed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.test_cascade_plugins import thin_checkpoint  # noqa: E402
from tests.test_siamese_decode import K, RATIO_1, RATIO_3, S, index  # noqa: E402
from trackers.base import TrackerInfo  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402
from trackers.siamese.anchors import anchor_grid  # noqa: E402
from trackers.siamese.cascade.config import CASCADE_VARIANTS, CascadeConfig, CascadeModelConfig, CascadeVariant  # noqa: E402
from trackers.siamese.cascade.model import build_cascade_model  # noqa: E402
from trackers.siamese.cascade.rerank import contour_boxes  # noqa: E402
from trackers.siamese.cascade.stages import run_cascade  # noqa: E402
from trackers.siamese.cascade.tracker import CascadeTracker  # noqa: E402
from trackers.siamese.decode import choose  # noqa: E402
from trackers.siamese.penalty import cosine_window  # noqa: E402
from trackers.siamese.tracker import SearchCrop, sample, to_tensor  # noqa: E402

RATIO_05 = 1  # the 88 x 40 anchor
IMAGE_HW = (480, 640)
START = np.array([288.0, 208.0, 64.0, 64.0])  # centre (319.5, 239.5): the image's, as pysot counts it
TARGET_WH = np.array([64.0, 64.0])  # the last size in crop pixels, i.e. the ratio-1 anchor's
HALF_SQUARE = 18  # px; a filled square of side 36 gives exactly the contours of `square_contours()`
Cell = tuple[int, int, int]


def variant(name: str) -> CascadeVariant:
    base = CASCADE_VARIANTS[name]
    return dataclasses.replace(base, model=CascadeModelConfig(base.model.fusion, 3, "up", 0.125))


@pytest.fixture(scope="module")
def networks() -> dict[str, torch.nn.Module]:
    """A thin random network per variant: its template is all `advance` needs of it here."""
    torch.manual_seed(0)
    return {name: build_cascade_model(variant(name)) for name in CASCADE_VARIANTS}


def tracker(networks, name: str, cascade: CascadeConfig, image: np.ndarray | None = None) -> CascadeTracker:
    v = variant(name)
    made = CascadeTracker(networks[name], v, v.track, cascade, torch.device("cpu"),
                          TrackerInfo(name=name, version="test", deterministic=True))
    made.initialize(np.full((*IMAGE_HW, 3), 128, np.uint8) if image is None else image, START)
    return made


def stage(foreground: np.ndarray | float, moves: dict[Cell, tuple[float, float, float, float]] | None = None):
    """One stage's (2k, S, S) logits with these foreground probabilities (one per anchor, or one for
    all) and (4k, S, S) regression, zero but for `moves` (dx, dy, dw, dh per anchor)."""
    fg = np.broadcast_to(np.asarray(foreground, dtype=np.float64), (K, S, S))
    logits = np.zeros((2 * K, S, S))
    logits[K:] = np.log(fg / (1 - fg))
    loc = np.zeros((4, K, S, S))
    for cell, move in (moves or {}).items():
        loc[(slice(None), *cell)] = move
    return logits, loc.reshape(4 * K, S, S)


def probabilities(floor: float, peaks: dict[Cell, float], fill: float | None = None) -> np.ndarray:
    """`floor` everywhere, `fill` on every cell's 88 x 40 anchor if given, then the `peaks`."""
    fg = np.full((K, S, S), floor)
    if fill is not None:
        fg[RATIO_05] = fill
    for cell, p in peaks.items():
        fg[cell] = p
    return fg


def search(crop: np.ndarray | None = None) -> SearchCrop:
    """A search crop at scale 1 whose last target size is TARGET_WH (blank unless given)."""
    return SearchCrop(np.full((255, 255, 3), 128, np.uint8) if crop is None else crop, 1.0, TARGET_WH, IMAGE_HW)


def with_square(image: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    marked = image.copy()
    x, y = (int(round(v)) for v in centre)
    cv2.rectangle(marked, (x - HALF_SQUARE, y - HALF_SQUARE), (x + HALF_SQUARE, y + HALF_SQUARE), (255, 255, 255), -1)
    return marked


# C-RPN: three stages. P is moved by all three; R survives stages 1-2 and is dropped by stage 3
# (θ 0.5: background 0.51); D is dropped by stage 1 yet stage 3 scores it highest.
P, R, D = (RATIO_1, 8, 13), (RATIO_1, 8, 8), (0, 8, 8)
THETA = 0.5


def crpn_maps():
    first = stage(probabilities(0.01, {P: 0.9, R: 0.9}), {P: (0.5, 0.0, math.log(2.0), 0.0)})
    second = stage(probabilities(0.01, {P: 0.8, R: 0.9}), {P: (0.25, 0.5, 0.0, math.log(0.5))})
    third = stage(probabilities(0.01, {P: 0.95, R: 0.49, D: 0.99}),
                  {P: (-0.25, 0.0, math.log(0.5), math.log(2.0)), D: (0.0, 0.0, math.log(64 / 104), math.log(2.0))})
    return [first, second, third]


def test_the_choice_is_the_last_stages_regression_on_the_anchor_the_earlier_stages_moved(networks):
    crpn = tracker(networks, "crpn", CascadeConfig(theta=THETA))
    prediction = crpn.advance(search(), crpn_maps())
    choice = crpn.last_choice
    # P is the 64 x 64 anchor at x = 5 cells = 40 px. Stage 1: x + 0.5 * 64, w * 2 -> (72, 0, 128, 64);
    # stage 2: x + 0.25 * 128, y + 0.5 * 64, h / 2 -> (104, 32, 128, 32); stage 3: x - 0.25 * 128,
    # w / 2, h * 2 -> (72, 32, 64, 64), the target's size (penalty 1), scored 0.95 by stage 3.
    assert choice.index == index(*P)
    assert choice.box.tolist() == [72.0, 32.0, 64.0, 64.0]
    assert (choice.score, choice.penalty) == (pytest.approx(0.95), 1.0)
    assert choice.rate == pytest.approx(variant("crpn").track.lr * 0.95)
    # The centre (319.5, 239.5) moves by the box at scale 1; the size stays 64 (the box's).
    assert prediction.box.tolist() == pytest.approx([319.5 + 72 - 32, 239.5 + 32 - 32, 64, 64])
    assert prediction.score == pytest.approx(0.95)


def test_anchors_the_cascade_dropped_cannot_be_chosen_however_the_last_stage_scores_them(networks):
    # Ranked by score, cosine window and penalty (1 for all three: each ends 64 x 64), D (centre cell,
    # 0.99) beats R (centre, 0.49), which beats P (5 cells out, window 0.31): 0.99, 0.71, 0.67.
    filtered = tracker(networks, "crpn", CascadeConfig(theta=THETA))
    filtered.advance(search(), crpn_maps())
    assert filtered.last_choice.index == index(*P)  # D died at stage 1, R at stage 3
    assert [np.flatnonzero(s.survivors).tolist() for s in filtered.last_stages] == [sorted([index(*P), index(*R)])] * 2 + [[index(*P)]]
    third = filtered.last_stages[2]
    entered = choose(*crpn_maps()[2], third.anchors, cosine_window(S, K), TARGET_WH, variant("crpn").track, third.alive)
    assert entered.index == index(*R)  # stage 3's own filter is what keeps R out
    unfiltered = tracker(networks, "crpn", CascadeConfig(theta=1.0))  # the papers' "without filtering"
    unfiltered.advance(search(), crpn_maps())
    assert unfiltered.last_choice.index == index(*D) and unfiltered.last_choice.box.tolist() == [0.0, 0.0, 64.0, 64.0]


def test_a_frame_through_two_stages_of_three_gives_the_direct_computation(networks):
    """`stages` = 2 of a three-stage network: the tracker's box is the one computed straight from the
    network's first two stages' maps (stages.run_cascade, then decode.choose on stage 2's)."""
    seq_image = np.random.default_rng(0).integers(0, 255, (*IMAGE_HW, 3), dtype=np.uint8)
    cascade = CascadeConfig(theta=0.95, stages=2)
    crpn = tracker(networks, "crpn", cascade, seq_image)
    crop = crpn.search_crop(seq_image)
    with torch.inference_mode():
        outputs = networks["crpn"].track(to_tensor([crop.crop], torch.device("cpu")), crpn.template, 2)
    maps = sample(outputs, 0)
    stages = run_cascade(maps, anchor_grid(variant("crpn").anchors, S), 0.95)
    want = choose(*maps[1], stages[1].anchors, cosine_window(S, K), crop.target_wh, variant("crpn").track,
                  stages[1].survivors)
    crpn.track(seq_image)
    assert len(crpn.last_stages) == 2 and crpn.last_choice.index == want.index
    assert crpn.last_choice.box.tolist() == want.box.tolist()


# SCTRPN's cues: a uniform response (every cell's 88 x 40 anchor survives at `FILL`, more than any
# candidate) makes the colour cue 0.6 for any box inside the score map's 136 px square; the blank
# crop and template make the shape cue 1, unless a square is drawn.
FILL = 0.6
RERANK_ONE = CascadeConfig(theta=0.95, rerank=True, rerank_top=1)


def keep_all(moves: dict[Cell, tuple[float, float, float, float]] | None = None):
    return stage(0.5, moves)


def test_the_size_cue_is_taken_on_the_refined_box(networks):
    # X, the 32 x 96 anchor on the centre cell, is widened to 48 by stage 1 and made 64 x 64 (the
    # target's size, cue 1) by stage 3; unrefined, it would score e^-1 and lose to every 88 x 40
    # filler (e^-0.75). The plain choice is the centre filler (0.6 against X's 0.3).
    x = (RATIO_3, 8, 8)
    maps = [keep_all({x: (0.0, 0.0, math.log(1.5), 0.0)}), keep_all(),
            stage(probabilities(0.01, {x: 0.3}, FILL), {x: (0.0, 0.0, math.log(64 / 48), math.log(64 / 96))})]
    reranked = tracker(networks, "sctrpn", RERANK_ONE)
    reranked.advance(search(), maps)
    assert reranked.last_choice.index == index(*x) and reranked.last_choice.box.tolist() == [0.0, 0.0, 64.0, 64.0]
    plain = tracker(networks, "sctrpn", dataclasses.replace(RERANK_ONE, rerank=False))
    plain.advance(search(), maps)
    assert plain.last_choice.index == index(RATIO_05, 8, 8)


def test_the_colour_cue_is_taken_on_the_refined_box(networks):
    # X, 64 x 64 at the right edge cell (x = 64), is moved 16 px left by stage 1 and 16 more by stage 3:
    # refined it spans x 0..64, inside the response (cue 0.6); on the stage-1 anchor (32..96) only 36 of
    # its 64 columns are (0.34), on stage 3's input anchor (16..80) 52 (0.49). Y, 64 x 64 four cells up,
    # made 70.4 high by stage 3, stays inside: 0.6 x e^-0.1 = 0.54, between the two.
    x, y = (RATIO_1, 8, 16), (RATIO_1, 4, 8)
    maps = [keep_all({x: (-0.25, 0.0, 0.0, 0.0)}), keep_all(),
            stage(probabilities(0.01, {x: 0.3, y: 0.3}, FILL), {x: (-0.25, 0.0, 0.0, 0.0), y: (0.0, 0.0, 0.0, math.log(1.1))})]
    reranked = tracker(networks, "sctrpn", RERANK_ONE)
    reranked.advance(search(), maps)
    assert reranked.last_choice.index == index(*x) and reranked.last_choice.box.tolist() == [32.0, 0.0, 64.0, 64.0]


def square_contours() -> int:
    """How many contours one filled square of the test's size gives (counted on its own)."""
    return len(contour_boxes(with_square(np.full((255, 255, 3), 128, np.uint8), (127, 127))))


def test_the_shape_cue_counts_contours_in_the_refined_box_against_the_templates(networks):
    # The target holds one square, so does the search crop, at its centre (x, y -18..18). X, 64 x 64
    # at x = -32, is moved 16 px right by stage 1 and 16 by stage 3: refined (-32..32) it holds the
    # square, the target's count (cue 1); before (-64..0, -48..16) it cuts through it. Y, the same
    # anchor at x = +32 (0..64), holds none, nor does any 88 x 40 filler but the centre one.
    assert square_contours() >= 1
    centre = (START[0] + (START[2] - 1) / 2, START[1] + (START[3] - 1) / 2)
    template_image = with_square(np.full((*IMAGE_HW, 3), 128, np.uint8), centre)
    crop = with_square(np.full((255, 255, 3), 128, np.uint8), (127, 127))
    x, y = (RATIO_1, 8, 4), (RATIO_1, 8, 12)
    maps = [keep_all({x: (0.25, 0.0, 0.0, 0.0)}), keep_all(),
            stage(probabilities(0.01, {x: 0.3, y: 0.5}, FILL), {x: (0.25, 0.0, 0.0, 0.0)})]
    reranked = tracker(networks, "sctrpn", RERANK_ONE, template_image)
    reranked.advance(search(crop), maps)
    assert reranked.last_choice.index == index(*x) and reranked.last_choice.box.tolist() == [0.0, 0.0, 64.0, 64.0]
    # With a blank template (no contour in the target), the boxes without one win instead.
    blank = tracker(networks, "sctrpn", RERANK_ONE)
    blank.advance(search(crop), maps)
    assert blank.last_choice.index != index(*x)


# X, the centre 64 x 64 anchor, and Y, the 32 x 96 one made 64 x 72 by stage 3, alone survive. By
# score (0.95 against 0.9, penalty 0.99) SiamRPN's selection takes Y; by the cues X wins (the target's
# size, and a smaller box over the one bright cell), and Y overlaps it by 64/72 > 0.7, so NMS drops Y.
NMS_X, NMS_Y = (RATIO_1, 8, 8), (RATIO_3, 8, 8)


def nms_maps():
    return [keep_all(), keep_all(), stage(probabilities(0.01, {NMS_X: 0.9, NMS_Y: 0.95}),
                                          {NMS_Y: (0.0, 0.0, math.log(2.0), math.log(72 / 96))})]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cascade-wiring")
    return {name: thin_checkpoint(root / f"{name}.pth", name) for name in CASCADE_VARIANTS}


@pytest.mark.parametrize(("name", "options", "chosen"), [
    ("sctrpn", {}, NMS_X), ("sctrpn", {"rerank": "false"}, NMS_Y), ("crpn", {}, NMS_Y), ("crpn", {"rerank": "true"}, NMS_X),
])
def test_the_plugins_rerank_by_default_for_sctrpn_only(name: str, options: dict, chosen: Cell, checkpoints):
    made = get_plugin(name, {"weights": str(checkpoints[name]), "threads": 1, **options}).create()
    made.initialize(np.full((*IMAGE_HW, 3), 128, np.uint8), START)
    made.advance(search(), nms_maps())
    assert made.last_choice.index == index(*chosen)


def test_the_colour_cue_sees_only_the_last_stages_survivors(networks):
    # θ 0.5. X (x = -32) and Y (x = +32), both 64 x 64, survive stage 3 (0.6, 0.55); the 88 x 40
    # anchors on Y's four neighbour cells entered stage 3 but it drops them (0.45). Their cells stay
    # dark in the response, so X's brighter cell wins the colour cue; lit, they would make Y's box the
    # brighter one (0.55 + 4 x 0.45 against 0.6, over the same 64 x 64 area).
    x, y = (RATIO_1, 8, 4), (RATIO_1, 8, 12)
    dropped = {(RATIO_05, 8, 11): 0.45, (RATIO_05, 8, 13): 0.45, (RATIO_05, 7, 12): 0.45, (RATIO_05, 9, 12): 0.45}
    maps = [keep_all(), keep_all(), stage(probabilities(0.01, {x: 0.6, y: 0.55, **dropped}))]
    reranked = tracker(networks, "sctrpn", dataclasses.replace(RERANK_ONE, theta=THETA))
    reranked.advance(search(), maps)
    assert reranked.last_choice.index == index(*x)


def test_the_target_count_is_taken_in_the_target_box_of_the_template_crop(networks):
    # A 160 x 160 target: the template crop spans 320 image px (scale 127 / 320). It holds one square
    # (side 90, 36 px in the crop) and, in the context beside it, another (side 70 at +115 px). The
    # target's box holds only the first. In the search crop, X (64 x 64 at the centre) holds one
    # square, Y (the 88 x 40 anchor at x = +24) two: X matches the target's count, Y would match the whole crop's.
    centre = (319.5, 239.5)
    template_image = np.full((*IMAGE_HW, 3), 128, np.uint8)
    for (cx, cy), half in (((centre[0], centre[1]), 45), ((centre[0] + 115, centre[1]), 35)):
        cv2.rectangle(template_image, (round(cx - half), round(cy - half)), (round(cx + half), round(cy + half)),
                      (255, 255, 255), -1)
    crop = with_square(with_square(np.full((255, 255, 3), 128, np.uint8), (127, 127)), (127 + 48, 127))
    x = (RATIO_1, 8, 8)
    made = CascadeTracker(networks["sctrpn"], variant("sctrpn"), variant("sctrpn").track, RERANK_ONE, torch.device("cpu"),
                          TrackerInfo(name="sctrpn", version="test", deterministic=True))
    made.initialize(template_image, np.array([centre[0] - 79.5, centre[1] - 79.5, 160.0, 160.0]))
    made.advance(search(crop), [keep_all(), keep_all(), stage(probabilities(0.01, {x: 0.3}, FILL))])
    assert made.last_choice.index == index(*x)


def test_a_contour_on_the_edge_of_the_templates_target_box_counts(networks):
    # A 63.5 x 63.5 target has a context square of exactly 127 px: the template crop is the image's
    # pixels 255.. and 175.. unscaled, and the target box in it spans 31.25..94.75 both ways. A square
    # filled over crop pixels 33..60 has its edges' rectangle from pixel 32: inside, just (a box one
    # pixel further right or down would miss it). The search crop holds one square at its centre, inside
    # X (the centre 64 x 64 anchor): X matches the target's count; were the target's square missed,
    # the 88 x 40 fillers holding none would outrank it.
    template_image = np.full((*IMAGE_HW, 3), 128, np.uint8)
    cv2.rectangle(template_image, (255 + 33, 175 + 33), (255 + 60, 175 + 60), (255, 255, 255), -1)
    crop = with_square(np.full((255, 255, 3), 128, np.uint8), (127, 127))
    made = CascadeTracker(networks["sctrpn"], variant("sctrpn"), variant("sctrpn").track, RERANK_ONE,
                          torch.device("cpu"), TrackerInfo(name="sctrpn", version="test", deterministic=True))
    made.initialize(template_image, np.array([288.0, 208.0, 63.5, 63.5]))
    made.advance(search(crop), [keep_all(), keep_all(), stage(probabilities(0.01, {(RATIO_1, 8, 8): 0.3}, FILL))])
    assert made.last_choice.index == index(RATIO_1, 8, 8)


def test_one_stage_reranks_and_a_new_target_forgets_the_last_frame(networks):
    reranked = tracker(networks, "sctrpn", CascadeConfig(theta=0.95, rerank=True))
    reranked.advance(search(), nms_maps()[2:])
    assert reranked.last_choice.index == index(*NMS_X) and len(reranked.last_stages) == 1
    reranked.initialize(np.full((*IMAGE_HW, 3), 128, np.uint8), START)
    assert reranked.last_stages == [] and reranked.last_choice is None
