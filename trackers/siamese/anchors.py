"""Anchors: k boxes (one scale, k ratios) at every cell of the score map.

Layout, shared with the network outputs and the cosine window: anchor-major, then rows, then
columns, i.e. index ``a * S * S + row * S + col``; that is how the released heads order their
2k and 4k channels (all k background logits, then all k foreground ones; all dx, all dy, ...).
Boxes are ``cx, cy, w, h`` in search-crop pixels relative to the crop centre.
"""

from __future__ import annotations

import math

import numpy as np

from trackers.siamese.config import AnchorConfig

MAX_LOG_SCALE = math.log(1000.0 / 16.0)


def anchor_shapes(config: AnchorConfig) -> np.ndarray:
    """(k, 2) widths and heights. Ratio is height / width over an area of stride² per unit scale.

    Both sides are truncated to whole pixels before scaling (e.g. ratio 0.33 gives 13 x 4 cells
    of 8, i.e. 104 x 32, not 111.4 x 36.8): the released models were trained on these boxes.
    """
    area = config.stride * config.stride
    shapes = []
    for ratio in config.ratios:
        base_w = int(math.sqrt(area / ratio))
        base_h = int(base_w * ratio)
        shapes.extend((base_w * scale, base_h * scale) for scale in config.scales)
    return np.array(shapes, dtype=np.float64)


def anchor_grid(config: AnchorConfig, score_size: int) -> np.ndarray:
    """(k * S * S, 4) anchors ``cx, cy, w, h``; the centre cell sits on the crop centre."""
    shapes = anchor_shapes(config)
    offsets = (np.arange(score_size) - score_size // 2) * config.stride
    cy, cx = np.meshgrid(offsets, offsets, indexing="ij")
    k, cells = len(shapes), score_size * score_size
    grid = np.empty((k, cells, 4), dtype=np.float64)
    grid[:, :, 0] = cx.reshape(-1)
    grid[:, :, 1] = cy.reshape(-1)
    grid[:, :, 2:] = shapes[:, None, :]
    return grid.reshape(k * cells, 4)


def decode_boxes(deltas: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Faster R-CNN's parametrisation (SiamRPN Eq. 12): centre offsets in anchor sizes, log size ratios.

    `deltas` is the regression map (4k, S, S); returns (k * S * S, 4) boxes ``cx, cy, w, h``.
    """
    k4, rows, cols = deltas.shape
    d = np.asarray(deltas, dtype=np.float64).reshape(4, (k4 // 4) * rows * cols)
    boxes = np.empty_like(anchors)
    boxes[:, 0] = anchors[:, 0] + d[0] * anchors[:, 2]
    boxes[:, 1] = anchors[:, 1] + d[1] * anchors[:, 3]
    # Capping the log size change (at 62.5x either way, as detectors do) leaves trained outputs
    # untouched but keeps an untrained or diverging network from producing infinite or zero sizes,
    # then NaN boxes and penalties.
    boxes[:, 2] = anchors[:, 2] * np.exp(np.clip(d[2], -MAX_LOG_SCALE, MAX_LOG_SCALE))
    boxes[:, 3] = anchors[:, 3] * np.exp(np.clip(d[3], -MAX_LOG_SCALE, MAX_LOG_SCALE))
    return boxes


def foreground_scores(logits: np.ndarray) -> np.ndarray:
    """Softmax foreground probability per anchor from the (2k, S, S) classification map."""
    k2, rows, cols = logits.shape
    pair = np.asarray(logits, dtype=np.float64).reshape(2, (k2 // 2) * rows * cols)
    # softmax over (bg, fg) is the logistic of their difference; tanh form cannot overflow.
    return 0.5 * (1.0 + np.tanh(0.5 * (pair[1] - pair[0])))
