"""RoIAlign and CRACT's pyramid RoIAlign (Sec. 3.3), written with torch (no torchvision).

Boxes are corners ``x1, y1, x2, y2`` in feature-cell coordinates: cell (row r, column c) of the
map sits at the point (c, r). A box is split into P x P bins; each bin's value is the mean of
s x s bilinear samples at the centres of an s x s split of the bin (Mask R-CNN's RoIAlign with a
fixed sampling ratio s). Outside the map the features count as zero, so a box partly outside
pools zeros there and the bilinear weights fade towards the edge (torch's ``grid_sample`` with
zero padding and aligned corners does exactly this interpolation).

The pyramid samples each box once on a G x G grid, G = max(P) x s, and averages G/P x G/P blocks
for each level: level P is then RoIAlign with sampling ratio G/P (2 for 6x6, 4 for 3x3, 12 for
1x1), so the coarse levels see the whole box, not a few points of it. The levels are brought to
the finest size by repeating each bin (nearest upsampling) and stacked along the channels: one
(N, C x levels, Pmax, Pmax) map per box, which the heads' convolutions take.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from trackers.siamese.backbones.resnet import FIRST_CENTRE, STRIDE


def crop_to_cells(boxes: torch.Tensor, stride: int = STRIDE, first: float = FIRST_CENTRE) -> torch.Tensor:
    """Corners in crop pixels (pixel i at i) to feature-cell coordinates of the stride-8 backbone."""
    return (boxes - first) / stride


def sample_grid(features: torch.Tensor, boxes: torch.Tensor, batch_index: torch.Tensor, points: int) -> torch.Tensor:
    """Bilinear samples at the centres of a points x points split of each box: (N, C, points, points).

    `features` (B, C, H, W) with H, W >= 2; `boxes` (N, 4) corners in cell coordinates;
    `batch_index` (N,) the image of each box.
    """
    batch, channels, height, width = features.shape
    if height < 2 or width < 2:
        raise ValueError(f"RoIAlign needs a feature map of at least 2x2 cells, got {height}x{width}")
    if boxes.ndim != 2 or boxes.shape[1] != 4 or batch_index.shape != boxes.shape[:1]:
        raise ValueError(f"boxes must be (N, 4) with one batch index each; got {tuple(boxes.shape)} and {tuple(batch_index.shape)}")
    count = boxes.shape[0]
    out = features.new_zeros((count, channels, points, points))
    steps = (boxes.new_tensor(range(points)) + 0.5) / points
    x = boxes[:, 0:1] + steps * (boxes[:, 2:3] - boxes[:, 0:1])  # (N, points)
    y = boxes[:, 1:2] + steps * (boxes[:, 3:4] - boxes[:, 1:2])
    # grid_sample's normalised coordinates with align_corners=True: -1 is cell 0, +1 the last cell.
    gx = (2 * x / (width - 1) - 1).to(features.dtype)
    gy = (2 * y / (height - 1) - 1).to(features.dtype)
    grid = torch.stack([gx[:, None, :].expand(count, points, points), gy[:, :, None].expand(count, points, points)], dim=-1)
    for image in torch.unique(batch_index).tolist():
        chosen = torch.nonzero(batch_index == image).squeeze(1)
        # All of one image's boxes in one call: their grids stacked along the rows.
        rows = grid[chosen].reshape(1, len(chosen) * points, points, 2)
        sampled = F.grid_sample(features[image : image + 1], rows, mode="bilinear", padding_mode="zeros", align_corners=True)
        out[chosen] = sampled.reshape(channels, len(chosen), points, points).transpose(0, 1)
    return out


def roi_align(features: torch.Tensor, boxes: torch.Tensor, batch_index: torch.Tensor, size: int, sampling: int) -> torch.Tensor:
    """Plain RoIAlign: (N, C, size, size), each bin the mean of sampling x sampling samples."""
    samples = sample_grid(features, boxes, batch_index, size * sampling)
    return F.avg_pool2d(samples, sampling)


def pyramid_roi_align(
    features: torch.Tensor, boxes: torch.Tensor, batch_index: torch.Tensor, sizes: tuple[int, ...], sampling: int
) -> torch.Tensor:
    """PRoIAlign: RoIAlign at each of `sizes` (each dividing the largest), upsampled to the
    largest by repetition and concatenated along the channels: (N, C x len(sizes), P, P)."""
    largest = max(sizes)
    if any(largest % size for size in sizes):
        raise ValueError(f"pyramid sizes {sizes} must each divide the largest")
    points = largest * sampling
    samples = sample_grid(features, boxes, batch_index, points)
    levels = []
    for size in sizes:
        pooled = F.avg_pool2d(samples, points // size)
        repeat = largest // size
        levels.append(pooled.repeat_interleave(repeat, dim=2).repeat_interleave(repeat, dim=3))
    return torch.cat(levels, dim=1)
