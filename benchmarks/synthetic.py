"""The embedded benchmarks: procedurally drawn sequences, the same for the same seed.

Textured targets move over textured (sometimes panning, sometimes flickering) backgrounds,
change scale and aspect, pass behind occluders, leave the view and come back, next to
look-alike distractors. Two sizes (`SIZES`): ``synthetic_full`` (alias ``synthetic-full``), 12 scenarios of 100-300 frames
(2,450 frames at seed 0), and the default ``synthetic``, 6 of those scenarios drawn 40-60 frames
long (312 frames at seed 0), small enough for the main job to run every tracker in about a minute
on two cores.
Sequence ``synthetic_<j>`` is scenario j drawn from ``default_rng([seed, j - 1])`` in both, with
its length drawn from the size's range first. The frames are written once, in the GOT-10k layout,
under ``$HARNESS_CACHE`` (default ``~/.cache/harness``) as ``<size folder>-seed<seed>/val/...``
(``synthetic-v1-seed0`` for the full one, ``synthetic-small-v1-seed0`` for the default) and read
back with the GOT-10k loader, so no code path is special to these benchmarks.

Ground truth is the target's box cut to the image, in whole pixels (the box it is drawn in).
A frame is absent when less than 5% of the target is visible (behind an occluder or out of
view); its row still holds the uncut box, as in GOT-10k. Attribute codes are UAV123's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.got10k import load_got10k
from benchmarks.sequence import Sequence

VERSION = "v1"
WIDTH, HEIGHT = 320, 240
ABSENT_BELOW = 0.05  # visible fraction under which a frame counts as absent


@dataclass(frozen=True)
class Scenario:
    scale: bool = False
    aspect: bool = False
    occluder: str = ""  # "", "partial" or "full"
    leaves_view: bool = False
    distractors: int = 0
    fast: bool = False
    camera: bool = False
    light: bool = False


SCENARIOS = (
    Scenario(),
    Scenario(scale=True),
    Scenario(aspect=True, scale=True),
    Scenario(occluder="partial"),
    Scenario(occluder="full"),
    Scenario(leaves_view=True),
    Scenario(distractors=2),
    Scenario(fast=True),
    Scenario(camera=True, light=True),
    Scenario(scale=True, occluder="full"),
    Scenario(distractors=3, occluder="partial", camera=True),
    Scenario(leaves_view=True, distractors=1, fast=True, scale=True, light=True),
)


@dataclass(frozen=True)
class Size:
    """Which scenarios a synthetic benchmark draws (indices into SCENARIOS) and how long (frame
    counts drawn from ``[frames[0], frames[1])``)."""

    benchmark: str
    folder: str
    scenarios: tuple[int, ...]
    frames: tuple[int, int]


FULL = Size("synthetic_full", f"synthetic-{VERSION}", tuple(range(len(SCENARIOS))), (100, 301))
# Plain motion, scale and aspect change, leaving the view, look-alikes, panning camera with
# flicker, and the mixed one (look-alikes, partial occluder, panning): 312 frames at seed 0. Not the
# full occluders: in so few frames their slow sweep hides the target for most of the sequence.
DEFAULT = Size("synthetic", f"synthetic-small-{VERSION}", (0, 2, 5, 6, 8, 10), (40, 61))
SIZES = {size.benchmark: size for size in (DEFAULT, FULL)}


def cache_dir() -> Path:
    return Path(os.environ.get("HARNESS_CACHE") or Path.home() / ".cache" / "harness").expanduser().absolute()


def synthetic_root(seed: int = 0, cache: Path | None = None, size: Size = FULL) -> Path:
    """The dataset root of `size` for `seed` (holding ``val/``), generated on first use.

    Generation goes to a temporary folder that is renamed into place, so concurrent callers
    never see a half-written benchmark; the loser of a race discards its copy.
    """
    parent = Path(cache) if cache is not None else cache_dir()
    return built_once(parent / f"{size.folder}-seed{seed}", lambda folder: generate(folder, seed, size))


def built_once(final: Path, build: Callable[[Path], object]) -> Path:
    """`final`, made by `build` into a temporary folder beside it and renamed into place on first use, so that
    concurrent callers never see a half-written folder; the loser of a race discards its copy."""
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        build(temporary)
        os.rename(temporary, final)
    except OSError:
        if not final.is_dir():
            raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return final


def load_synthetic(seed: int = 0, cache: Path | None = None, size: Size = FULL) -> list[Sequence]:
    return load_got10k(synthetic_root(seed, cache, size), "val", benchmark=size.benchmark)


def generate(destination: Path, seed: int, size: Size = FULL) -> None:
    """Write the sequences of `size` for `seed` into ``destination/val`` in the GOT-10k layout."""
    split = Path(destination) / "val"
    names = [f"synthetic_{index + 1:03d}" for index in size.scenarios]
    for name, index in zip(names, size.scenarios, strict=True):
        _write_sequence(split / name, SCENARIOS[index], np.random.default_rng([seed, index]), seed, size.frames)
    (split / "list.txt").write_text("\n".join(names) + "\n")


def _texture(rng: np.random.Generator, height: int, width: int, shapes: int, grain: int) -> np.ndarray:
    """Colour noise with blobs about `grain` px wide, random rectangles and discs drawn over it."""
    small = rng.integers(0, 256, (height // grain + 2, width // grain + 2, 3)).astype(np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(shapes):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(2, max(3, min(width, height) // 3)))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x, y), (x + size, y + size // 2 + 1), colour, -1)
        else:
            cv2.circle(image, (x, y), size // 2 + 1, colour, -1)
    return image


def _wander(rng: np.random.Generator, n: int, amplitude: float, speed: float) -> np.ndarray:
    """A smooth 1-D path: three sines whose peak velocity is about `speed` px/frame."""
    t = np.arange(n)
    path = np.zeros(n)
    for weight in (0.6, 0.3, 0.1):
        frequency = speed * rng.uniform(0.7, 1.3) / (2 * np.pi * amplitude)
        path += weight * amplitude * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 2 * np.pi))
    return path


def _paste(frame: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, WIDTH), min(y + h, HEIGHT)
    if x0 < x1 and y0 < y1:
        frame[y0:y1, x0:x1] = image[y0 - y:y1 - y, x0 - x:x1 - x]


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection areas of (N, 4) x,y,w,h boxes a and b, row by row."""
    w = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _target_boxes(rng: np.random.Generator, n: int, s: Scenario) -> np.ndarray:
    """Integer x,y,w,h boxes of the target, uncut (they may leave the image)."""
    speed = rng.uniform(28, 36) if s.fast else rng.uniform(1.5, 3.5)
    cx = WIDTH / 2 + _wander(rng, n, WIDTH * 0.3, speed)
    cy = HEIGHT / 2 + _wander(rng, n, HEIGHT * 0.3, speed * 0.7)
    scale = np.exp(_wander(rng, n, np.log(3.0), 0.05)) if s.scale else np.ones(n)
    aspect = np.exp(_wander(rng, n, np.log(3.0), 0.05)) if s.aspect else np.ones(n)
    base_w, base_h = rng.uniform(28, 50), rng.uniform(28, 50)
    w, h = base_w * scale * np.sqrt(aspect), base_h * scale / np.sqrt(aspect)
    if s.leaves_view:
        start, length = int(rng.integers(n // 4, n // 2)), int(rng.integers(25, 45))
        t = np.arange(n) - start
        bump = np.where((t >= 0) & (t < length), np.sin(np.pi * t / length) ** 2, 0.0)
        along_x, sign = rng.random() < 0.5, 1 if rng.random() < 0.5 else -1
        # Far enough that even from the opposite side of its path the target is fully out.
        offset = sign * bump * (0.8 * (WIDTH if along_x else HEIGHT) + max(w.max(), h.max()) + 20)
        cx, cy = (cx + offset, cy) if along_x else (cx, cy + offset)
    w, h = np.maximum(np.round(w), 6), np.maximum(np.round(h), 6)
    return np.stack([np.round(cx - w / 2), np.round(cy - h / 2), w, h], axis=1)


def _occluder_boxes(rng: np.random.Generator, boxes: np.ndarray, kind: str) -> np.ndarray:
    """A rectangle sliding across the image so that it crosses the target mid-sequence."""
    n = len(boxes)
    when = int(rng.integers(int(0.3 * n), int(0.7 * n)))
    x, y, w, h = boxes[when]
    if kind == "full":
        ow, oh, dy = 2.5 * w + 20, 1.6 * h + 16, 0.0
    else:
        ow, oh, dy = 0.9 * w, 1.2 * h, (0.55 if rng.random() < 0.5 else -0.55) * h
    velocity = rng.uniform(1.5, 3.0) * (1 if rng.random() < 0.5 else -1)
    cx = x + w / 2 + velocity * (np.arange(n) - when)
    cy = np.full(n, y + h / 2 + dy)
    return np.round(np.stack([cx - ow / 2, cy - oh / 2, np.full(n, ow), np.full(n, oh)], axis=1))


@dataclass(frozen=True)
class Scene:
    """Everything one sequence is drawn from; `frame(i)` renders frame i on demand, so training
    can draw pairs of frames in memory without writing the sequence."""

    scenario: Scenario
    boxes: np.ndarray  # (N, 4) integer x,y,w,h of the target, uncut (they may leave the image)
    occluders: np.ndarray  # (N, 4) x,y,w,h of the occluder (zeros without one)
    background: np.ndarray
    pan: np.ndarray  # (N, 2) top-left x, y of the view into the background
    gain: np.ndarray  # (N,) brightness factor
    look: np.ndarray
    occluder_look: np.ndarray
    lookalikes: tuple[tuple[np.ndarray, np.ndarray], ...]  # (image, (N, 2) top-left corners)

    def __len__(self) -> int:
        return len(self.boxes)

    def frame(self, i: int) -> np.ndarray:
        """Frame i as an HxWx3 uint8 BGR image."""
        s = self.scenario
        left, top = int(self.pan[i, 0]), int(self.pan[i, 1])
        frame = self.background[top:top + HEIGHT, left:left + WIDTH].copy()
        for image, corner in self.lookalikes:  # drawn first: the target passes in front of them
            _paste(frame, image, *corner[i])
        x, y, w, h = self.boxes[i].astype(int)
        _paste(frame, cv2.resize(self.look, (w, h), interpolation=cv2.INTER_LINEAR), x, y)
        if s.occluder:
            ox, oy, ow, oh = self.occluders[i].astype(int)
            _paste(frame, self.occluder_look[:oh, :ow], ox, oy)
        if s.light:
            frame = cv2.convertScaleAbs(frame, alpha=float(self.gain[i]))
        return frame

    def ground_truth(self) -> tuple[np.ndarray, np.ndarray]:
        """(N, 4) x,y,w,h boxes as the benchmark annotates them (cut to the image; the uncut box
        where the target is absent) and the (N,) absent flags."""
        truth, absent, _, _ = _visibility(self.boxes, self.occluders)
        return truth, absent


def _motion(s: Scenario, rng: np.random.Generator, frames: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The target's and the occluder's boxes: the first draws of a sequence."""
    n = int(rng.integers(*frames))
    boxes = _target_boxes(rng, n, s)
    return boxes, _occluder_boxes(rng, boxes, s.occluder) if s.occluder else np.zeros((n, 4))


def scene_ground_truth(s: Scenario, rng: np.random.Generator, frames: tuple[int, int] = FULL.frames
                       ) -> tuple[np.ndarray, np.ndarray]:
    """`draw_scene(s, rng, frames).ground_truth()` without drawing any image (the boxes come first)."""
    truth, absent, _, _ = _visibility(*_motion(s, rng, frames))
    return truth, absent


def draw_scene(s: Scenario, rng: np.random.Generator, frames: tuple[int, int] = FULL.frames) -> Scene:
    """The sequence `rng` draws for scenario `s`, its length from `frames` (the same draws, in the
    same order, as the files)."""
    boxes, occluders = _motion(s, rng, frames)
    n = len(boxes)
    margin = 60 if s.camera else 0
    # Smooth, muted background; busy, saturated target: trackers have something to hold on to.
    background = _texture(rng, HEIGHT + 2 * margin, WIDTH + 2 * margin, 30, 40) // 2 + 64
    pan_x = margin + (_wander(rng, n, margin * 0.9, 1.5) if s.camera else np.zeros(n))
    pan_y = margin + (_wander(rng, n, margin * 0.9, 1.0) if s.camera else np.zeros(n))
    gain = 1 + 0.35 * np.sin(2 * np.pi * np.arange(n) / rng.uniform(40, 90)) if s.light else np.ones(n)
    look = _texture(rng, 48, 48, 10, 6)
    occluder_look = _texture(rng, int(occluders[:, 3].max()) + 1, int(occluders[:, 2].max()) + 1, 8, 16)
    lookalikes = []
    for _ in range(s.distractors):
        tint = np.clip(look * rng.uniform(0.85, 1.15, 3), 0, 255).astype(np.uint8)
        size = (int(boxes[0, 2] * rng.uniform(0.8, 1.2)), int(boxes[0, 3] * rng.uniform(0.8, 1.2)))
        centre = np.stack([WIDTH / 2 + _wander(rng, n, WIDTH * 0.35, 3),
                           HEIGHT / 2 + _wander(rng, n, HEIGHT * 0.35, 2)], axis=1)
        lookalikes.append((cv2.resize(tint, size), (centre - np.array(size) / 2).astype(int)))
    return Scene(s, boxes, occluders, background, np.stack([pan_x, pan_y], axis=1), gain, look, occluder_look,
                 tuple(lookalikes))


def _write_sequence(folder: Path, s: Scenario, rng: np.random.Generator, seed: int, frames: tuple[int, int]) -> None:
    scene = draw_scene(s, rng, frames)
    folder.mkdir(parents=True)
    for i in range(len(scene)):
        cv2.imwrite(str(folder / f"{i + 1:08d}.jpg"), scene.frame(i), [cv2.IMWRITE_JPEG_QUALITY, 90])
    _annotate(folder, s, scene.boxes, scene.occluders, seed)


def _visibility(boxes: np.ndarray, occluders: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ground truth, absent flags, area inside the image, area hidden by the occluder) per frame."""
    area = boxes[:, 2] * boxes[:, 3]
    corners = np.concatenate([np.maximum(boxes[:, :2], 0),
                              np.minimum(boxes[:, :2] + boxes[:, 2:], (WIDTH, HEIGHT))], axis=1)
    cut = np.concatenate([corners[:, :2], corners[:, 2:] - corners[:, :2]], axis=1)
    inside = _overlap(boxes, np.tile([0.0, 0.0, WIDTH, HEIGHT], (len(boxes), 1)))
    hidden = _overlap(cut, occluders)  # a cut box fully outside has negative size: no overlap
    absent = (inside - hidden) / area < ABSENT_BELOW
    return np.where(absent[:, None], boxes, cut), absent, inside, hidden


def _annotate(folder: Path, s: Scenario, boxes: np.ndarray, occluders: np.ndarray, seed: int) -> None:
    """Ground truth, labels and meta_info from the boxes the target and occluder were drawn in."""
    truth, absent, inside, hidden = _visibility(boxes, occluders)
    area = boxes[:, 2] * boxes[:, 3]
    cover = np.where(absent, 0, np.clip(np.ceil((inside - hidden) / area * 8), 1, 8)).astype(int)
    _write_labels(folder, truth, absent, cover, inside < area)
    _write_meta(folder, _attributes(s, boxes, absent, inside / area, hidden / area), seed)


def _write_labels(folder: Path, truth: np.ndarray, absent: np.ndarray, cover: np.ndarray,
                  cut_by_image: np.ndarray) -> None:
    rows = "".join(",".join(str(int(v)) for v in row) + "\n" for row in truth)
    (folder / "groundtruth.txt").write_text(rows)
    for name, values in (("absence", absent), ("cover", cover), ("cut_by_image", cut_by_image)):
        (folder / f"{name}.label").write_text("".join(f"{int(v)}\n" for v in values))


def _attributes(s: Scenario, boxes: np.ndarray, absent: np.ndarray, inside: np.ndarray,
                hidden: np.ndarray) -> list[str]:
    """UAV123 codes for what actually happened in the drawn frames (not what was planned)."""
    size = np.sqrt(boxes[:, 2] * boxes[:, 3] / (boxes[0, 2] * boxes[0, 3]))
    aspect = (boxes[:, 2] / boxes[:, 3]) / (boxes[0, 2] / boxes[0, 3])
    centre = boxes[:, :2] + boxes[:, 2:] / 2
    checks = {
        "ARC": bool(((aspect < 0.5) | (aspect > 2)).any()),
        "CM": s.camera,
        "FM": bool((np.linalg.norm(np.diff(centre, axis=0), axis=1) > 20).any()),
        "FOC": bool((absent & (hidden > 0)).any()),
        "IV": s.light,
        "OV": bool((inside < ABSENT_BELOW).any()),
        "POC": bool(((hidden > 0) & ~absent).any()),
        "SOB": s.distractors > 0,
        "SV": bool(((size < 0.5) | (size > 2)).any()),
    }
    return [code for code, present in checks.items() if present]


def _write_meta(folder: Path, attributes: list[str], seed: int) -> None:
    (folder / "meta_info.ini").write_text(
        "[METAINFO]\n"
        f"generator: synthetic-{VERSION} seed {seed}\n"
        "object_class: textured patch\n"
        f"attributes: {', '.join(attributes)}\n"
        f"resolution: ({WIDTH}, {HEIGHT})\n"
    )
