"""SCTRPN's multi-cue re-ranking of proposals (Sec. 3.4, Eq. 11-13), then NMS.

Boxes here are ``cx, cy, w, h`` in crop pixels relative to the crop's centre (the anchors' form);
`crop_corners` puts them on the crop's pixel grid, whose centre is pixel (size - 1) / 2.

- shape (Eq. 11): s = exp(-|ρ_i - ρ_t|), ρ the number of contours a box encloses. The paper's
  contour method [35] is not identified; here: Canny edges (thresholds 100/200) of the grey crop,
  every contour `cv2.findContours` lists (RETR_LIST), and a contour counts for a box when its
  bounding rectangle lies inside the box. ρ_t is counted once, in the template crop's target box.
- colour (the paper's name; it is computed "from the response map"): the mean, over the box, of the
  response image, i.e. each score-map cell's best surviving foreground probability spread over the
  stride x stride pixels it stands for, and 0 where no cell is.
- size (Eq. 12): z = exp(-|w_i - w_t| / w_t) exp(-|h_i - h_t| / h_t). The paper subtracts raw
  widths; in pixels that is exp(-10) for a 10 px change and the cue would veto nearly every
  proposal, so the differences are taken relative to the target's size.
- a = s c z (Eq. 13); the `top` best survivors by a are kept, then NMS (by a) at `iou_threshold`.
"""

from __future__ import annotations

import cv2
import numpy as np

from trackers.siamese.nms import nms

CANNY_LOW, CANNY_HIGH = 100, 200


def crop_corners(boxes: np.ndarray, crop_size: int) -> np.ndarray:
    """(N, 4) centre-relative ``cx, cy, w, h`` to ``x1, y1, x2, y2`` pixel coordinates of the crop."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    centre = boxes[:, :2] + (crop_size - 1) / 2
    return np.concatenate([centre - boxes[:, 2:] / 2, centre + boxes[:, 2:] / 2], axis=1)


def contour_boxes(crop: np.ndarray) -> np.ndarray:
    """(M, 4) ``x1, y1, x2, y2`` bounding rectangles of the contours of a BGR crop's edges: the first
    and the last pixel column and row each contour touches."""
    edges = cv2.Canny(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), CANNY_LOW, CANNY_HIGH)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    rects = np.array([cv2.boundingRect(c) for c in contours], dtype=np.float64).reshape(-1, 4)
    return np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:] - 1], axis=1)


def contours_inside(contours: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """(N,) how many of the (M, 4) contour rectangles lie wholly inside each of the (N, 4) boxes (every
    pixel centre of the rectangle within the box; pixel i is centred on coordinate i)."""
    inside = (
        (contours[None, :, 0] >= corners[:, None, 0]) & (contours[None, :, 1] >= corners[:, None, 1])
        & (contours[None, :, 2] <= corners[:, None, 2]) & (contours[None, :, 3] <= corners[:, None, 3])
    )
    return inside.sum(axis=1)


def shape_cue(counts: np.ndarray, target_count: float) -> np.ndarray:
    return np.exp(-np.abs(np.asarray(counts, dtype=np.float64) - target_count))


def response_image(scores: np.ndarray, alive: np.ndarray, score_size: int, stride: int, crop_size: int) -> np.ndarray:
    """(crop, crop) image of the best alive foreground probability of each score-map cell, each cell
    covering the stride x stride pixels around its centre; 0 outside the map and where none is alive.
    `scores` and `alive` are per anchor in the anchor-major layout."""
    per_cell = np.where(alive, scores, 0.0).reshape(-1, score_size, score_size).max(axis=0)
    block = np.kron(per_cell, np.ones((stride, stride)))
    image = np.zeros((crop_size, crop_size))
    start = round((crop_size - 1) / 2 - (score_size // 2) * stride - stride / 2)
    lo, hi = max(start, 0), min(start + len(block), crop_size)
    image[lo:hi, lo:hi] = block[lo - start : hi - start, lo - start : hi - start]
    return image


def colour_cue(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """(N,) mean of `image` over each box: the pixels i with x1 <= i < x2 (likewise rows), clipped
    to the image; 0 for a box that holds no pixel."""
    height, width = image.shape
    table = np.zeros((height + 1, width + 1))
    table[1:, 1:] = image.cumsum(axis=0).cumsum(axis=1)
    bounds = np.clip(np.ceil(corners), 0, [width, height, width, height]).astype(int)
    x1, y1, x2, y2 = bounds.T
    area = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    total = table[y2, x2] - table[y1, x2] - table[y2, x1] + table[y1, x1]
    return np.where(area > 0, total / np.maximum(area, 1), 0.0)


def size_cue(boxes_wh: np.ndarray, target_wh: np.ndarray) -> np.ndarray:
    w, h = boxes_wh[:, 0], boxes_wh[:, 1]
    return np.exp(-np.abs(w - target_wh[0]) / target_wh[0]) * np.exp(-np.abs(h - target_wh[1]) / target_wh[1])


def rerank(boxes: np.ndarray, cues: np.ndarray, alive: np.ndarray, top: int, iou_threshold: float) -> np.ndarray:
    """(N,) mask of the proposals kept: the `top` alive ones with the highest multi-cue value `cues`,
    then greedy NMS among them by that value. At least one proposal stays when any is alive."""
    candidates = np.flatnonzero(alive)
    best = candidates[np.argsort(-cues[candidates], kind="stable")[:top]]
    kept = best[nms(boxes[best], cues[best], iou_threshold)]
    mask = np.zeros(len(boxes), dtype=bool)
    mask[kept] = True
    return mask
