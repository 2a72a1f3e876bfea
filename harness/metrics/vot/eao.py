"""Expected average overlap curves, as the VOT toolkit and pysot compute them from overlap fragments.

The VOT toolkit works in float32: the curve's point j averages, over fragments, each fragment's
`np.mean(o[1:j + 1])`, a float32 sum numpy evaluates pairwise. Recomputing every prefix that way costs
O(fragments x length^2), so `_pairwise_prefix_sums` evaluates numpy's summation tree once for all
prefixes: the trees of different prefix lengths share most of their nodes, and a node starting where a
fragment's (zero) padding begins is zero. The result is the toolkit's, bit for bit. pysot sums in
float64 and stores the curve as float32; cumulative sums give the same float32 values.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from harness.metrics.vot.profiles import PYSOT_TAGS, VOTProfile
from harness.metrics.vot.stack import VOT_STACK
from harness.metrics.vot.status import FAILED

if TYPE_CHECKING:
    from harness.metrics.vot.evaluate import VOTSequenceTruth
    from harness.metrics.vot.frames import Frames

_BLOCK = 128  # numpy's pairwise summation: up to 128 values with 8 accumulators, then halves
_CHUNK = 256  # fragments evaluated together


@dataclass(frozen=True)
class _Tree:
    """numpy's pairwise-summation trees of the prefixes 1 .. n_max, merged: node i sums s[i] .. s[i] + n[i] - 1."""

    s: np.ndarray
    n: np.ndarray
    left: np.ndarray  # children of internal nodes (-1 for leaves)
    right: np.ndarray
    level: np.ndarray  # 0 for leaves; an internal node's children have lower levels
    root: np.ndarray  # root[n - 1]: the node summing the first n values


@functools.lru_cache(maxsize=8)
def _tree(n_max: int) -> _Tree:
    index: dict[tuple[int, int], int] = {}
    s, n, left, right, level = [], [], [], [], []

    def node(start: int, length: int) -> int:
        key = (start, length)
        if key not in index:
            if length <= _BLOCK:
                kids, depth = (-1, -1), 0
            else:
                half = length // 2
                half -= half % 8  # numpy keeps the first half a multiple of its 8-way unrolling
                kids = (node(start, half), node(start + half, length - half))
                depth = 1 + max(level[kids[0]], level[kids[1]])
            index[key] = len(s)
            s.append(start), n.append(length), left.append(kids[0]), right.append(kids[1]), level.append(depth)
        return index[key]

    root = [node(0, length) for length in range(1, n_max + 1)]
    return _Tree(*(np.array(v, dtype=np.int64) for v in (s, n, left, right, level, root)))


def _pairwise_prefix_sums(values: np.ndarray, support: int) -> np.ndarray:
    """(K, n) float32 -> (K, n): column j - 1 is numpy's float32 sum of values[:, :j]. Values at and after
    `support` are zero."""
    k_rows, n_max = values.shape
    tree = _tree(n_max)
    active = np.flatnonzero(tree.s < support)  # other nodes sum only padding: exactly zero
    position = np.full(len(tree.s) + 1, len(active), dtype=np.int64)  # inactive -> a zero column
    position[active] = np.arange(len(active))
    leaves = active[tree.level[active] == 0]
    padded = np.zeros((k_rows, n_max + 2 * _BLOCK), dtype=np.float32)
    padded[:, :n_max] = values
    v = np.zeros((k_rows, len(active) + 1), dtype=np.float32)
    v[:, position[leaves]] = _leaves(padded, tree.s[leaves], tree.n[leaves])
    internal = active[tree.level[active] > 0]
    for depth in range(1, int(tree.level.max(initial=0)) + 1):
        at = internal[tree.level[internal] == depth]
        v[:, position[at]] = v[:, position[tree.left[at]]] + v[:, position[tree.right[at]]]
    return v[:, position[tree.root]]


def _leaves(values: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """numpy's float32 sum of values[:, s : s + n] for n <= 128: eight running sums over blocks of eight,
    combined as ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)), then the remaining values one by one (fewer
    than eight values: one by one from 0). Leaves with the same start and block count share all of it."""
    blocks = length // 8
    rest = length - 8 * blocks
    shared, leaf = np.unique(start * 32 + blocks, return_inverse=True)
    start, blocks = shared // 32, shared % 32
    rows = values.shape[0]
    block_view = values[:, : values.shape[1] // 8 * 8].reshape(rows, -1, 8)
    # running sums of the eight lanes from each distinct first block
    first, which = np.unique(start // 8, return_inverse=True)
    depth = max(int(blocks.max(initial=0)), 1)
    running = np.empty((rows, len(first), depth, 8), dtype=np.float32)
    running[:, :, 0] = block_view[:, first]
    for b in range(1, depth):
        running[:, :, b] = running[:, :, b - 1] + block_view[:, first + b]
    lanes = running[:, which, np.maximum(blocks - 1, 0)] * (blocks > 0)[None, :, None]
    partial = np.empty((rows, len(shared), int(rest.max(initial=0)) + 1), dtype=np.float32)
    partial[..., 0] = ((lanes[..., 0] + lanes[..., 1]) + (lanes[..., 2] + lanes[..., 3])) + (
        (lanes[..., 4] + lanes[..., 5]) + (lanes[..., 6] + lanes[..., 7])
    )
    tail = start + 8 * blocks
    for t in range(1, partial.shape[2]):
        partial[..., t] = partial[..., t - 1] + values[:, tail + t - 1]
    return partial[:, leaf, rest]


def vot_toolkit_curve(overlaps: np.ndarray, start: np.ndarray, length: np.ndarray, success: np.ndarray) -> np.ndarray:
    """`compute_eao_curve` of vot-toolkit 0.9.0 with unit weights, for the fragments
    overlaps[start : start + length] (an initialisation up to the frame before a failure, or to the end):
    float32, zero-padded; a failed fragment counts on the whole length, a successful one on its own."""
    return vot_toolkit_points(*vot_toolkit_fragments(overlaps, start, length, success))


def vot_toolkit_points(means: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The curve from each fragment's running means and where each counts (`vot_toolkit_fragments`)."""
    return np.sum(means * mask, axis=0) / np.sum(mask, axis=0).astype(np.float64)


def vot_toolkit_fragments(
    overlaps: np.ndarray, start: np.ndarray, length: np.ndarray, success: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(F, width) float32: each fragment's mean overlap over its first 1 .. width frames, as the toolkit
    computes it, and 1 where the fragment counts at that length (0 past the end of a successful one)."""
    width = int(length.max())
    values = np.zeros((len(start), width), dtype=np.float32)
    local = _local(length)
    values[np.repeat(np.arange(len(start)), length), local] = overlaps[np.repeat(start, length) + local]
    mask = (~success[:, None] | (np.arange(width) < length[:, None])).astype(np.float32)
    means = values.copy()
    if width > 1:
        order = np.argsort(length, kind="stable")  # chunks of similar lengths share their zero padding
        for part in np.array_split(order, max(1, -(-len(order) // _CHUNK))):
            sums = _pairwise_prefix_sums(values[part, 1:], int(length[part].max()) - 1)
            means[part, 1:] = sums / np.arange(1, width, dtype=np.float32)
    return means, mask


def _local(lengths: np.ndarray) -> np.ndarray:
    """0 .. n - 1 for each n in lengths, concatenated."""
    return np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def pysot_means(fragments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F, L - 1) each fragment's (F, L) float64, NaN where it has no value) mean over frames 1 .. i for
    i = 1 .. L - 1 (NaN inside propagates; 0 where invalid), and where it is valid."""
    values = fragments[:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.cumsum(values, axis=1) / np.arange(1, fragments.shape[1])
    valid = ~np.isnan(values)
    return np.where(valid, means, 0.0), valid  # NaN means of valid fragments stay, as they do in pysot


def pysot_curves(means: np.ndarray, valid: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`calculate_expected_overlap` of pysot for each row of weights (T, F), from `pysot_means`. Point i
    averages each fragment valid at i by its mean over 1 .. i, weighted; no valid fragment leaves 0.
    Returns (T, L) float32."""
    with np.errstate(invalid="ignore", divide="ignore"):
        curves = np.zeros((len(weights), means.shape[1] + 1), dtype=np.float32)
        for t, w in enumerate(weights):
            total = np.sum(means * w[:, None], axis=0) / np.sum(valid * w[:, None], axis=0)
            curves[t, 1:] = np.where(valid.any(axis=0), total, 0.0)
    curves[:, 0] = 1.0
    return curves


def vot_toolkit_score(curve: np.ndarray, low: int, high: int) -> float:
    """EAOScore: the mean of curve[low : high + 1] (NaN when the curve is shorter than low)."""
    points = curve[low : high + 1]
    return float(np.mean(points)) if len(points) else float("nan")


def pysot_score(curve: np.ndarray, low: int, high: int) -> float:
    """pysot's mean over curve indices low - 1 .. high - 1, skipping NaN points."""
    weight = np.zeros(len(curve))
    weight[low - 1 : high] = 1
    valid = ~np.isnan(curve)
    return float(np.sum(curve[valid] * weight[valid]) / np.sum(weight[valid]))


def pysot_fragments(
    frames: Frames, overlaps: np.ndarray, truth: list[VOTSequenceTruth], prof: VOTProfile, last_repetitions: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EAOBenchmark's fragments (F, L), their weights per tag (T, F) and each one's sequence (F,).

    A failure at f breaks the trajectory at f + skip (the stack's re-initialisation, which pysot assumes), unless that is past
    the end; a fragment runs from one break to the next, the break frame included, NaN -> 0, and is
    zero-padded (it failed); the last runs to the end, NaN-padded. A trajectory without failures is one
    NaN-padded fragment with its NaN kept. Weight: (tag frames in the fragment) / (its length), times
    1 / (repetitions of the last sequence + 1e-10), pysot's sequence weight.
    """
    n_traj = len(frames.start)
    traj = frames.traj
    fails = np.flatnonzero(frames.status == FAILED)
    point = fails - frames.start[traj[fails]] + VOT_STACK.skip_initialize
    kept = point <= frames.length[traj[fails]]
    owner = np.concatenate([np.arange(n_traj), traj[fails][kept]])
    point = np.concatenate([np.zeros(n_traj, dtype=np.int64), point[kept]])
    order = np.lexsort((point, owner))
    owner, point = owner[order], point[order]
    n = frames.length[owner]
    last = np.append(owner[1:] != owner[:-1], True)
    following = np.append(point[1:], 0)
    end = np.where(last, n, np.minimum(following + 1, n))  # values copied: point .. end - 1
    denominator = np.where(last, n - point + 1e-16, following - point + 1.0)
    raw = np.bincount(traj, weights=frames.status == FAILED, minlength=n_traj)[owner] == 0
    width = int(frames.length.max())
    fragments = np.where(last[:, None], np.nan, 0.0) * np.ones((len(owner), width))
    size = end - point
    rows, cols = np.repeat(np.arange(len(owner)), size), _local(size)
    values = overlaps[np.repeat(frames.start[owner] + point, size) + cols]
    fragments[rows, cols] = np.where(raw[rows], values, np.nan_to_num(values, nan=0.0))
    sequence = frames.traj_sequence[owner]
    seq_start = np.concatenate([[0], np.cumsum([len(s.gt) for s in truth])[:-1]])[sequence]
    weights = np.empty((len(prof.tags), len(owner)))
    for t, tag in enumerate(prof.tags):
        if tag == "empty":  # pysot's select_tag returns its whole 'empty' list, whatever the range
            never = [sum(1 for k in PYSOT_TAGS if len(s.tags.get(k, ())) and not np.any(s.tags[k])) for s in truth]
            in_fragment = np.array(never, dtype=np.float64)[sequence]
        else:
            flags = np.concatenate([_pysot_tag(s, tag) for s in truth])
            cumulative = np.concatenate([[0.0], np.cumsum(flags)])
            in_fragment = cumulative[seq_start + end] - cumulative[seq_start + point]
        weights[t] = (1 / (last_repetitions + 1e-10)) * (in_fragment / denominator)  # pysot's order
    return fragments, weights, sequence


def sequence_sums(values: np.ndarray, sequence: np.ndarray, n: int) -> np.ndarray:
    """(F, K) rows of fragments -> (n, K) float64 sums per sequence (`sequence`: each fragment's)."""
    k = values.shape[1]
    index = (np.asarray(sequence)[:, None] * k + np.arange(k)).ravel()
    return np.bincount(index, weights=np.asarray(values, np.float64).ravel(), minlength=n * k).reshape(n, k)


def _pysot_tag(seq: VOTSequenceTruth, tag: str) -> np.ndarray:
    """Flags of one tag, 0 everywhere when the sequence has no list for it (pysot sums an empty list)."""
    if tag == "all":
        return np.ones(len(seq.gt))
    flags = np.asarray(seq.tags.get(tag, ()), dtype=np.float64)
    return flags if len(flags) else np.zeros(len(seq.gt))
