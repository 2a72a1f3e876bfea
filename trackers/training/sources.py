"""Videos to draw training pairs from, each giving pysot's view of a frame: the 511 crop centred
on the target and the target's box in it (`geometry`).

- `SequenceSource`: sequences from the benchmark loaders (GOT-10k train, LaSOT train = full
  minus test, TrackingNet TRAIN_*); the 511 crop is cut from the decoded frame on the fly.
- `Crop511Source`: pysot's pre-cropped layout, ``<root>/<video>/<frame:06d>.<track:02d>.x.jpg``
  and a ``train.json`` of corner boxes (VID, YT-BB, COCO, DET crops made by pysot's scripts).
- `SyntheticSource`: scenes drawn in memory the way the synthetic benchmark draws its sequences
  (`benchmarks.synthetic.draw_scene`), from seeds other than its evaluation seed.

A track lists only the frames where its target is annotated and visible, so no pair is ever
drawn on an absent frame; pysot's frame range counts positions in this list, not frame numbers.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.errors import BenchmarkError
from benchmarks.got10k import load_got10k
from benchmarks.lasot import load_lasot, sequence_folder
from benchmarks.lasot_table import lasot_names
from benchmarks.sequence import Sequence
from benchmarks.synthetic import SCENARIOS, Scenario, Scene, draw_scene, scene_ground_truth
from benchmarks.trackingnet import load_trackingnet
from trackers.training.errors import TrainingError
from trackers.training.geometry import View, box_in_crop, crop511_view

EVALUATION_SEED = 0  # the synthetic benchmark's seed: never trained on
SCENE_CACHE = 512  # scenes kept per process (0.2-0.5 MB each); drawing one costs about 3 ms


@dataclass(frozen=True)
class Track:
    frames: np.ndarray  # (n,) frame numbers where the target is visible, ascending
    boxes: np.ndarray  # (n, 4) corner boxes in the original frame's pixels


@dataclass(frozen=True)
class DataSpec:
    """One ``--data`` entry: `kind` (got10k, lasot, trackingnet, crop511, synthetic), where, pysot's
    FRAME_RANGE (search frame within this many list positions of the template's) and NUM_USE
    (videos per round; -1: each once)."""

    kind: str
    root: str
    frame_range: int = 100
    share: int = -1
    anno: str = ""  # crop511: the train.json (default <root>/../train.json or <root>/train.json)
    videos: int = 0  # synthetic: scenes drawn
    first: int = 0  # synthetic: index of the first scene

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.root}"


class VideoSource:
    """A list of videos, each a list of tracks; `crop` gives the 511 crop of a frame (a `View`; uint8
    BGR) and the target's corner box in it."""

    name: str
    frame_range: int
    share: int

    def __len__(self) -> int:
        raise NotImplementedError

    def tracks(self, video: int) -> list[Track]:
        raise NotImplementedError

    def crop(self, video: int, track: int, frame: int) -> tuple[View, np.ndarray]:
        raise NotImplementedError

    @property
    def picks(self) -> int:
        """Videos this source contributes to one round of picks (pysot's NUM_USE; -1 = all)."""
        return len(self) if self.share < 0 else self.share


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise TrainingError(f"cannot read training image {path}: missing or not an image")
    return image


def present_track(sequence: Sequence) -> Track | None:
    """The frames of a sequence with a visible, finite, non-empty box; None when there is none."""
    boxes = np.asarray(sequence.ground_truth, dtype=np.float64)
    if boxes.shape[1] != 4:
        raise TrainingError(f"{sequence.benchmark}/{sequence.name}: training needs x,y,w,h boxes, not polygons")
    usable = ~np.asarray(sequence.absent, bool) & np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
    frames = np.flatnonzero(usable)
    if len(frames) == 0:
        return None
    xywh = boxes[frames]
    return Track(frames, np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1))


class SequenceSource(VideoSource):
    def __init__(self, name: str, sequences: list[Sequence], frame_range: int, share: int) -> None:
        kept = [(s, t) for s in sequences if s.frames is not None and (t := present_track(s)) is not None]
        if not kept:
            raise TrainingError(f"{name}: no runnable sequence with a visible target to train on")
        self.name, self.frame_range, self.share = name, frame_range, share
        self._frames = [s.frames for s, _ in kept]
        self._tracks = [t for _, t in kept]

    def __len__(self) -> int:
        return len(self._tracks)

    def tracks(self, video: int) -> list[Track]:
        return [self._tracks[video]]

    def crop(self, video: int, track: int, frame: int) -> tuple[View, np.ndarray]:
        t = self._tracks[video]
        box = t.boxes[int(np.searchsorted(t.frames, frame))]
        return crop511_view(_read(self._frames[video][frame]), box), box_in_crop(box[2] - box[0], box[3] - box[1])


class Crop511Source(VideoSource):
    """pysot's SubDataset: boxes of zero width or height are dropped, then empty tracks and videos."""

    def __init__(self, name: str, root: Path, anno: Path, frame_range: int, share: int) -> None:
        try:
            meta = json.loads(anno.read_text())
        except FileNotFoundError:
            raise TrainingError(f"{name}: annotation file {anno} not found (pysot's train.json)") from None
        except json.JSONDecodeError as exc:
            raise TrainingError(f"{anno}: not JSON ({exc}); expected pysot's train.json") from None
        if not isinstance(meta, dict):
            raise TrainingError(f"{anno}: expected {{video: {{track: {{frame: [x1, y1, x2, y2]}}}}}}")
        self.name, self.root, self.frame_range, self.share = name, root, frame_range, share
        self._videos: list[str] = []
        self._tracks: list[list[tuple[str, Track]]] = []
        for video, tracks in meta.items():
            kept = [(track, t) for track, frames in (tracks or {}).items() if (t := self._track(anno, video, track, frames))]
            if kept:
                self._videos.append(video)
                self._tracks.append(kept)
        if not self._videos:
            raise TrainingError(f"{anno}: no video with a non-empty box")

    @staticmethod
    def _track(anno: Path, video: str, track: str, frames: dict) -> Track | None:
        rows = []
        for frame, box in (frames or {}).items():
            if not frame.isdigit():
                continue
            if not isinstance(box, list) or len(box) not in (2, 4):
                raise TrainingError(f"{anno}: {video}/{track}/{frame}: expected [x1, y1, x2, y2] or [w, h], got {box!r}")
            w, h = (box[2] - box[0], box[3] - box[1]) if len(box) == 4 else box
            if w > 0 and h > 0:
                rows.append((int(frame), 0.0, 0.0, float(w), float(h)))
        if not rows:
            return None
        rows.sort()
        table = np.array(rows)
        return Track(table[:, 0].astype(np.int64), table[:, 1:])

    def __len__(self) -> int:
        return len(self._videos)

    def tracks(self, video: int) -> list[Track]:
        return [t for _, t in self._tracks[video]]

    def crop(self, video: int, track: int, frame: int) -> tuple[View, np.ndarray]:
        name, t = self._tracks[video][track]
        box = t.boxes[int(np.searchsorted(t.frames, frame))]
        image = _read(self.root / self._videos[video] / f"{frame:06d}.{name}.x.jpg")
        return View(image, size=image.shape[0]), box_in_crop(box[2] - box[0], box[3] - box[1], image.shape[0])


class SyntheticSource(VideoSource):
    """Scenes ``first .. first + videos - 1`` with a visible target; scene i is scenario i mod 12
    drawn from ``default_rng([seed, i])``, the synthetic benchmark's recipe with another seed."""

    def __init__(self, name: str, seed: int, videos: int, first: int, frame_range: int, share: int) -> None:
        if seed == EVALUATION_SEED:
            raise TrainingError(f"{name}: seed {EVALUATION_SEED} draws the synthetic benchmark itself; "
                                "train on another seed (e.g. synthetic:1)")
        if videos < 1 or first < 0:
            raise TrainingError(f"{name}: videos={videos} must be >= 1 and first={first} >= 0")
        self.name, self.seed = name, seed
        self.frame_range, self.share = frame_range, share
        self._indices, self._tracks = [], []
        for index in range(first, first + videos):
            truth, absent = scene_ground_truth(self._scenario(index), np.random.default_rng([seed, index]))
            frames = np.flatnonzero(~absent)
            if len(frames):  # a full occluder can hide a small target for a whole scene
                xywh = truth[frames]
                self._indices.append(index)
                self._tracks.append(Track(frames, np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)))
        self._scenes: OrderedDict[int, Scene] = OrderedDict()

    @staticmethod
    def _scenario(index: int) -> Scenario:
        return SCENARIOS[index % len(SCENARIOS)]

    def __len__(self) -> int:
        return len(self._indices)

    def _scene(self, video: int) -> Scene:
        if video not in self._scenes:
            index = self._indices[video]
            self._scenes[video] = draw_scene(self._scenario(index), np.random.default_rng([self.seed, index]))
            if len(self._scenes) > SCENE_CACHE:
                self._scenes.popitem(last=False)
        self._scenes.move_to_end(video)
        return self._scenes[video]

    def tracks(self, video: int) -> list[Track]:
        return [self._tracks[video]]

    def crop(self, video: int, track: int, frame: int) -> tuple[View, np.ndarray]:
        t = self._tracks[video]
        box = t.boxes[int(np.searchsorted(t.frames, frame))]
        return crop511_view(self._scene(video).frame(int(frame)), box), box_in_crop(box[2] - box[0], box[3] - box[1])


def lasot_training(root: Path) -> list[str]:
    """LaSOT's training sequences (the 1,400 minus the 280 of the test set) present under `root`:
    LaSOT comes in one archive per class, and a copy may hold only some."""
    if not root.is_dir():
        raise TrainingError(f"LaSOT root {root} does not exist or is not a folder")
    training = sorted(set(lasot_names("full")) - set(lasot_names("test")))
    present = [n for n in training if (sequence_folder(root, n) / "groundtruth.txt").is_file()]
    if not present:
        raise TrainingError(f"{root}: none of LaSOT's 1,120 training sequences (e.g. "
                            f"{sequence_folder(root, training[0]) / 'groundtruth.txt'}) is there")
    return present


def _crop511_paths(root: Path, anno: str) -> tuple[Path, Path]:
    """pysot keeps ``<dataset>/crop511/`` beside ``<dataset>/train.json``; either folder may be given."""
    if anno:
        return root, Path(anno).expanduser()
    if (root / "crop511").is_dir():
        return root / "crop511", root / "train.json"
    return root, root.parent / "train.json"


def open_source(spec: DataSpec) -> VideoSource:
    """The videos of one ``--data`` entry; TrainingError naming the entry when they cannot be read."""
    root = Path(spec.root).expanduser()
    if spec.kind == "synthetic":
        if spec.root and not spec.root.isdigit():
            raise TrainingError(f"--data {spec.name}: the synthetic source takes a seed number (synthetic:1)")
        seed = int(spec.root) if spec.root else 1
        return SyntheticSource(spec.name, seed, spec.videos or 480, spec.first, spec.frame_range, spec.share)
    try:
        if spec.kind == "crop511":
            folder, anno = _crop511_paths(root, spec.anno)
            return Crop511Source(spec.name, folder, anno, spec.frame_range, spec.share)
        if spec.kind == "got10k":
            sequences = load_got10k(root, "train", benchmark="got10k_train")
        elif spec.kind == "lasot":
            sequences = load_lasot(root, "full", names=lasot_training(root))
        elif spec.kind == "trackingnet":
            sequences = load_trackingnet(root, "train")
        else:
            raise TrainingError(f"unknown data kind {spec.kind!r} in --data {spec.name}; "
                                "known: got10k, lasot, trackingnet, crop511, synthetic")
    except BenchmarkError as exc:
        raise TrainingError(f"--data {spec.name}: {exc}") from exc
    return SequenceSource(spec.name, sequences, spec.frame_range, spec.share)
