"""The embedded synthetic sequences re-labelled as a VOT2020+ short-term or VOT-LT root, for runs and tests of
the multistart, unsupervised and long-term experiments without a VOT download: the same frames, ground truth as rectangles (the VOT2022
bounding-box challenge's kind) or as masks (an ellipse in each box, VOT2020's kind; frames where the
target is hidden have an empty mask), and forward and backward anchors (`anchor.value`) every few frames.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from benchmarks.sequence import Sequence

ANCHOR_SPACING = 15  # frames between anchors: the synthetic sequences are 40-60 frames long
MIN_ANCHOR_SIDE = 8  # pixels: a target partly out of view can leave a sliver no tracker starts from


def write_vot_root(sequences: list[Sequence], destination: Path, masks: bool = False, longterm: bool = False) -> Path:
    """A VOT sequences folder (list.txt, one folder per sequence) holding `sequences`' frames; returns it.
    `longterm`: the VOT-LT kind instead: rectangles, `nan` lines where the target is hidden, no anchors."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    for sequence in sequences:
        _write_sequence(sequence, destination / sequence.name, masks, longterm)
    (destination / "list.txt").write_text("".join(f"{s.name}\n" for s in sequences))
    return destination


def anchor_values(usable: np.ndarray, spacing: int = ANCHOR_SPACING) -> np.ndarray:
    """1 at forward anchors (in the first half), -1 at backward ones (in the second half), 0 elsewhere: both
    directions in every sequence, as the VOT2020+ datasets mark them, each anchor on the first `usable`
    frame (target in view, a box a tracker can start from) at or after every `spacing`-th frame."""
    length = len(usable)
    values = np.zeros(length)
    frames = np.flatnonzero(usable)
    for start in range(0, length, spacing):
        later = frames[frames >= start]
        if len(later) and later[0] < start + spacing:
            values[later[0]] = 1 if later[0] < length // 2 else -1
    return values


def _write_sequence(sequence: Sequence, folder: Path, masks: bool, longterm: bool) -> None:
    if sequence.frames is None or sequence.image_size is None:
        raise ValueError(f"sequence {sequence.name!r} has no frames to re-label")
    color = folder / "color"
    color.mkdir(parents=True, exist_ok=True)
    for i in range(len(sequence)):
        _link(sequence.frames[i], color / f"{i + 1:08d}.jpg")
    width, height = sequence.image_size
    boxes = sequence.ground_truth[:, :4]
    lines = [_mask_line(box, width, height) if masks and not absent else
             ("m0,0,0,0,0" if masks else "nan,nan,nan,nan" if longterm and absent else ",".join(f"{v:g}" for v in box))
             for box, absent in zip(boxes, sequence.absent)]
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    if longterm:
        (folder / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\n"
                                         f"width={width}\nheight={height}\nlength={len(sequence)}\n")
        return
    usable = ~sequence.absent & (boxes[:, 2] >= MIN_ANCHOR_SIDE) & (boxes[:, 3] >= MIN_ANCHOR_SIDE)
    (folder / "anchor.value").write_text("".join(f"{v:g}\n" for v in anchor_values(usable)))
    (folder / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\n"
                                     f"width={width}\nheight={height}\nlength={len(sequence)}\nname={sequence.name}\n")


def _link(source: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _mask_line(box: np.ndarray, width: int, height: int) -> str:
    """The ellipse inscribed in `box`, cut to the image, as the toolkit's `m<x>,<y>,<w>,<h>,<runs>` line
    (the mask's tight bounds, row by row, runs alternating 0s and 1s from 0s)."""
    x, y, w, h = box
    cols, rows = np.arange(width) + 0.5, np.arange(height) + 0.5
    inside = (((cols[None, :] - (x + w / 2)) / max(w / 2, 0.5)) ** 2
              + ((rows[:, None] - (y + h / 2)) / max(h / 2, 0.5)) ** 2) <= 1.0
    ys, xs = np.nonzero(inside)
    if not len(xs):
        return "m0,0,0,0,0"
    left, top, right, bottom = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    flat = inside[top:bottom, left:right].ravel()
    changes = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    edges = np.concatenate([[0], changes, [flat.size]])
    runs = np.diff(edges).tolist()
    if flat[0]:
        runs = [0] + runs
    return f"m{left},{top},{right - left},{bottom - top}," + ",".join(str(r) for r in runs)


def synthetic_vot_root(kind: str) -> Path:
    """The generated root of the `synthetic_vot` (kind "masks": VOT2022's kind of ground truth) or
    `synthetic_votlt` (kind "longterm") benchmark, from the default synthetic sequences, built on first use in
    the synthetic benchmark's cache."""
    from benchmarks.synthetic import DEFAULT, built_once, cache_dir, load_synthetic

    return built_once(cache_dir() / f"{DEFAULT.folder}-seed0-vot-{kind}",
                      lambda folder: write_vot_root(load_synthetic(size=DEFAULT), folder, masks=kind == "masks",
                                                    longterm=kind == "longterm"))
