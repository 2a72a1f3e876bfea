"""Per-frame segmentation masks, run-length encoded as VOT 2020+ ground truth writes them.

A mask line of a VOT ``groundtruth.txt`` is ``m<x>,<y>,<w>,<h>,<runs...>``: a box at offset (x, y) of
w x h pixels, and run lengths that cover it row by row, alternating 0s and 1s, starting with 0s
(vot/region/io.py ``rle_to_mask``). `Masks` keeps a whole sequence's masks in that form, in four flat
arrays, and decodes them on demand: one frame as a bitmap (`decode`), or every frame's pixels as row
spans (`spans`), from which the bounding boxes and the overlaps (harness/metrics/vot/mask_overlap.py)
are computed without drawing a bitmap.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spans:
    """Every foreground pixel of a set of frames as row spans: pixels ``x0 .. x1 - 1`` of image row `row` in
    frame `frame`, absolute image coordinates, sorted by frame, row, then x; spans never overlap."""

    frame: np.ndarray
    row: np.ndarray
    x0: np.ndarray
    x1: np.ndarray

    def __len__(self) -> int:
        return len(self.frame)

    def take(self, keep: np.ndarray) -> Spans:
        return Spans(self.frame[keep], self.row[keep], self.x0[keep], self.x1[keep])


@dataclass(frozen=True)
class Masks:
    """The masks of N frames: frame i's box is at `offsets[i]` (x, y) with `sizes[i]` (width, height), its
    run lengths are ``runs[starts[i]:starts[i + 1]]`` (summing to width x height), and `special[i]` marks a
    frame whose line held no mask (a special code such as ``0``, or NaN values): no pixels.

    The masks are those the VOT toolkit holds after reading its text files, which crops a mask to its
    pixels and, when its right-most pixel lies in column 0 of its box, drops it (vot/region/shapes.py
    ``Mask._optimize`` tests ``bounds[2] == 0``): `toolkit_view` applies that, and the readers call it.
    """

    offsets: np.ndarray  # (N, 2) int64
    sizes: np.ndarray  # (N, 2) int64
    runs: np.ndarray  # (R,) int64, every frame's runs one after the other
    starts: np.ndarray  # (N + 1,) int64
    special: np.ndarray  # (N,) bool

    def __post_init__(self) -> None:
        for name in ("offsets", "sizes", "runs", "starts"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        object.__setattr__(self, "special", np.asarray(self.special, dtype=bool))
        n = len(self.special)
        if self.offsets.shape != (n, 2) or self.sizes.shape != (n, 2) or self.starts.shape != (n + 1,):
            raise ValueError(f"masks: offsets {self.offsets.shape}, sizes {self.sizes.shape} and starts "
                             f"{self.starts.shape} do not fit {n} frames")
        if self.runs.ndim != 1 or self.starts[0] != 0 or self.starts[-1] != len(self.runs) or (
                np.diff(self.starts) < 0).any():
            raise ValueError("masks: starts must rise from 0 to the number of runs")
        if (self.runs < 0).any() or (self.sizes < 0).any():
            raise ValueError("masks: run lengths and sizes must not be negative")
        if (self.run_sums() != self.sizes.prod(axis=1)).any():
            frame = int(np.argmax(self.run_sums() != self.sizes.prod(axis=1)))
            raise ValueError(f"masks: frame {frame}: runs sum to {self.run_sums()[frame]}, "
                             f"not width x height = {self.sizes[frame].prod()}")

    def __len__(self) -> int:
        return len(self.special)

    def run_sums(self) -> np.ndarray:
        """Pixels each frame's runs cover."""
        total = np.concatenate([[0], np.cumsum(self.runs)])
        return total[self.starts[1:]] - total[self.starts[:-1]]

    @classmethod
    def from_runs(cls, frames: list[tuple[int, int, int, int, np.ndarray] | None]) -> Masks:
        """Masks from (x, y, width, height, runs) per frame, None for a frame without one (a special line); as
        the toolkit holds them once read (`toolkit_view`)."""
        boxes = np.array([f[:4] if f is not None else (0, 0, 0, 0) for f in frames], dtype=np.int64).reshape(-1, 4)
        runs = [np.asarray(f[4], dtype=np.int64) if f is not None else np.zeros(0, np.int64) for f in frames]
        starts = np.concatenate([[0], np.cumsum([len(r) for r in runs], dtype=np.int64)])
        special = np.array([f is None for f in frames], dtype=bool)
        return cls(boxes[:, :2], boxes[:, 2:], np.concatenate(runs or [np.zeros(0, np.int64)]), starts,
                   special).toolkit_view()

    @classmethod
    def from_bitmaps(cls, frames: Iterable[tuple[np.ndarray, tuple[int, int]] | None]) -> Masks:
        """Masks from (bitmap H x W, (x, y) offset) per frame, None for a frame without one; as the toolkit
        holds them once written to text and read back (`toolkit_view`)."""
        return cls.from_runs([None if item is None else (*item[1], item[0].shape[1], item[0].shape[0],
                                                         _runs(item[0])) for item in frames])

    def take(self, order: np.ndarray) -> Masks:
        """The masks of frames `order` (indices, any order, repeats allowed), as a sequence of their own."""
        order = np.asarray(order, dtype=np.int64)
        counts = np.diff(self.starts)[order]
        starts = np.concatenate([[0], np.cumsum(counts)])
        picked = np.repeat(self.starts[:-1][order] - starts[:-1], counts) + np.arange(starts[-1])
        taken = object.__new__(Masks)  # this sequence's masks, already checked: no check again
        for name, value in (("offsets", self.offsets[order]), ("sizes", self.sizes[order]),
                            ("runs", self.runs[picked]), ("starts", starts), ("special", self.special[order])):
            object.__setattr__(taken, name, value)
        # The frames' pixels are this sequence's, renumbered: decoded once for all the views taken of it (the
        # multistart anchor runs cover each frame about as many times as there are anchors).
        taken.__dict__["_spans"] = self.spans_of(order)
        taken.__dict__["_bounds"] = self.bounds()[order]
        taken.__dict__["_pixels"] = {within: counts[order] for within, counts in self.__dict__.get("_pixels", {}).items()}
        return taken

    def spans_of(self, order: np.ndarray) -> Spans:
        """The spans of frames `order`, numbered 0, 1, ... in that order (decoded once, here)."""
        spans = self.spans()
        bounds = np.searchsorted(spans.frame, np.arange(len(self) + 1))
        sizes = np.diff(bounds)[order]
        first = np.concatenate([[0], np.cumsum(sizes)])
        rows = np.repeat(bounds[:-1][order] - first[:-1], sizes) + np.arange(first[-1])
        return Spans(np.repeat(np.arange(len(order)), sizes), spans.row[rows], spans.x0[rows], spans.x1[rows])

    def frames(self, order: np.ndarray) -> MaskFrames:
        """Frames `order` of these masks as a view that copies their runs only when something reads them."""
        return MaskFrames(self, np.asarray(order, dtype=np.int64))

    def padded(self, length: int) -> Masks:
        """These masks followed by special frames up to `length` frames."""
        extra = length - len(self)
        return Masks(np.concatenate([self.offsets, np.zeros((extra, 2), np.int64)]),
                     np.concatenate([self.sizes, np.zeros((extra, 2), np.int64)]), self.runs,
                     np.concatenate([self.starts, np.full(extra, self.starts[-1])]),
                     np.concatenate([self.special, np.ones(extra, dtype=bool)]))

    def toolkit_view(self) -> Masks:
        """These masks as vot-toolkit 0.9.0 reads them from text: a mask whose pixels all lie in column 0 of its
        box loses them (`dropped`); the others keep their pixels."""
        dropped = self.dropped()
        if not dropped.any():
            return self
        counts = np.diff(self.starts)
        keep = ~np.repeat(dropped, counts)
        runs, new_counts = self.runs.copy(), counts.copy()
        # a dropped frame keeps its box, covered by one run of 0s
        runs[self.starts[:-1][dropped]] = self.sizes[dropped].prod(axis=1)
        keep[self.starts[:-1][dropped]] = True
        new_counts[dropped] = 1
        starts = np.concatenate([[0], np.cumsum(new_counts)])
        return Masks(self.offsets, self.sizes, runs[keep], starts, self.special)

    def dropped(self) -> np.ndarray:
        """Frames whose pixels all lie in column 0 of their box, which the toolkit's reader empties."""
        spans = self.spans()
        right = np.full(len(self), -1, dtype=np.int64)
        np.maximum.at(right, spans.frame, spans.x1 - 1 - self.offsets[spans.frame, 0])
        return right == 0

    @functools.cached_property
    def _spans(self) -> Spans:
        runs, starts, width = self.runs, self.starts, self.sizes[:, 0]
        frame = np.repeat(np.arange(len(self)), np.diff(starts))
        index = np.arange(len(runs)) - starts[frame]  # position in its frame's runs: odd ones are 1s
        total = np.concatenate([[0], np.cumsum(runs)])
        before = total[:-1] - total[starts[frame]]  # the run's first pixel in its box
        ones = (index % 2 == 1) & (runs > 0)
        frame, p0, p1 = frame[ones], before[ones], before[ones] + runs[ones]
        w = width[frame]
        r0, r1 = p0 // w, (p1 - 1) // w  # a run of 1s may wrap over several rows
        pieces = r1 - r0 + 1
        first = np.cumsum(pieces) - pieces
        row = np.repeat(r0, pieces) + np.arange(pieces.sum()) - np.repeat(first, pieces)
        frame, p0, p1, w = (np.repeat(v, pieces) for v in (frame, p0, p1, w))
        x0, x1 = np.maximum(p0, row * w) - row * w, np.minimum(p1, (row + 1) * w) - row * w
        ox, oy = self.offsets[frame, 0], self.offsets[frame, 1]
        return Spans(frame, row + oy, x0 + ox, x1 + ox)

    def spans(self) -> Spans:
        """Every frame's pixels as row spans (computed once)."""
        return self._spans

    @functools.cached_property
    def _bounds(self) -> np.ndarray:
        spans = self.spans()
        bounds = np.zeros((len(self), 4), dtype=np.int64)
        if len(spans):
            groups = np.flatnonzero(np.r_[True, spans.frame[1:] != spans.frame[:-1]])
            owner = spans.frame[groups]
            bounds[owner, 0] = np.minimum.reduceat(spans.x0, groups)
            bounds[owner, 1] = spans.row[groups]  # rows rise within a frame
            bounds[owner, 2] = np.maximum.reduceat(spans.x1, groups) - 1
            bounds[owner, 3] = np.maximum.reduceat(spans.row, groups)
        return bounds

    def bounds(self) -> np.ndarray:
        """(N, 4) int64 left, top, right, bottom of each frame's pixels (inclusive); (0, 0, 0, 0) for a frame
        without pixels, as the toolkit bounds an empty mask (vot/region/raster.py ``mask_bounds``)."""
        return self._bounds

    def pixels(self, within: tuple[int, int] | None = None) -> np.ndarray:
        """(N,) float64 each frame's pixel count; only those inside an image of size `within` (width, height)
        when given. Computed once per image size, and handed over by `take`."""
        cache = self.__dict__.setdefault("_pixels", {})
        if within not in cache:
            s = self.spans()
            if within is None:
                lengths = s.x1 - s.x0
            else:
                lengths = np.clip(s.x1, 0, within[0]) - np.clip(s.x0, 0, within[0])
                lengths = np.where((s.row >= 0) & (s.row < within[1]), lengths, 0)
            cache[within] = np.bincount(s.frame, weights=lengths, minlength=len(self))
        return cache[within]

    @functools.cached_property
    def empty(self) -> np.ndarray:
        """(N,) True where a frame has no pixels."""
        return np.bincount(self.spans().frame, minlength=len(self)) == 0

    def boxes(self) -> np.ndarray:
        """(N, 4) float64 x, y, w, h of the smallest box holding each frame's pixels; NaN rows where none."""
        b = self.bounds().astype(np.float64)
        boxes = np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0] + 1, b[:, 3] - b[:, 1] + 1], axis=1)
        boxes[self.empty] = np.nan
        return boxes

    def is_empty(self) -> np.ndarray:
        """(N,) the toolkit's ``Region.is_empty`` of each frame's region: a special frame, or a mask whose
        pixels span a single column or a single row (``Mask.is_empty`` tests ``bounds[2] == 0 or
        bounds[3] == 0`` on the cropped mask), or none."""
        b = self.bounds()
        return self.special | self.empty | (b[:, 2] == b[:, 0]) | (b[:, 3] == b[:, 1])

    def decode(self, frame: int) -> tuple[np.ndarray, tuple[int, int]]:
        """Frame `frame`'s mask as a (height, width) bool bitmap of its box, and the box's (x, y) offset."""
        width, height = (int(v) for v in self.sizes[frame])
        runs = self.runs[self.starts[frame]:self.starts[frame + 1]]
        values = np.arange(len(runs)) % 2 == 1
        bitmap = np.repeat(values, runs).reshape(height, width)
        return bitmap, (int(self.offsets[frame, 0]), int(self.offsets[frame, 1]))


def _runs(bitmap: np.ndarray) -> np.ndarray:
    """Run lengths of a bitmap row by row, alternating 0s and 1s, starting with (possibly no) 0s."""
    flat = np.asarray(bitmap, dtype=bool).ravel()
    if not flat.size:
        return np.zeros(1, dtype=np.int64)
    edges = np.concatenate([[0], np.flatnonzero(flat[1:] != flat[:-1]) + 1, [flat.size]])
    lengths = np.diff(edges)
    return np.concatenate([[0], lengths]) if flat[0] else lengths


class MaskFrames:
    """Frames of a sequence's masks in a given order (an anchor run's), read like `Masks`: what scoring reads
    (spans, bounds, pixel counts, emptiness) comes from the sequence's masks, decoded once for every view;
    the runs are copied (`Masks.take`) only when something reads them (drawing, export)."""

    def __init__(self, masks: Masks, order: np.ndarray) -> None:
        self._masks, self._order = masks, order
        self.offsets, self.sizes, self.special = masks.offsets[order], masks.sizes[order], masks.special[order]

    def __len__(self) -> int:
        return len(self._order)

    @functools.cached_property
    def whole(self) -> Masks:
        return self._masks.take(self._order)

    @property
    def runs(self) -> np.ndarray:
        return self.whole.runs

    @property
    def starts(self) -> np.ndarray:
        return self.whole.starts

    def decode(self, frame: int) -> tuple[np.ndarray, tuple[int, int]]:
        return self.whole.decode(frame)

    @functools.cached_property
    def _spans(self) -> Spans:
        return self._masks.spans_of(self._order)

    def spans(self) -> Spans:
        return self._spans

    def bounds(self) -> np.ndarray:
        return self._masks.bounds()[self._order]

    def pixels(self, within: tuple[int, int] | None = None) -> np.ndarray:
        return self._masks.pixels(within)[self._order]

    @property
    def empty(self) -> np.ndarray:
        return self._masks.empty[self._order]

    def is_empty(self) -> np.ndarray:
        return self._masks.is_empty()[self._order]

    def boxes(self) -> np.ndarray:
        return self._masks.boxes()[self._order]

    def take(self, order: np.ndarray) -> MaskFrames:
        return MaskFrames(self._masks, self._order[np.asarray(order, dtype=np.int64)])

    def frames(self, order: np.ndarray) -> MaskFrames:
        return self.take(order)
