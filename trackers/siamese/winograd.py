"""Winograd convolution (Lavin & Gray, *Fast Algorithms for Convolutional Neural Networks*, CVPR
2016) for the stride-1 3x3 and 5x5 convolutions of a network loaded for tracking.

F(m x m, r x r) computes an m x m output tile from an (m + r - 1)^2 input tile with (m + r - 1)^2
multiplications per channel pair instead of m^2 r^2: F(4x4, 3x3) needs 36 instead of 144, F(2x2, 5x5)
(the AlexNet's conv2) 36 instead of 100, and the
per-channel sums become 36 matrix products that run at BLAS speed. The transforms come from the
Toom-Cook construction on the interpolation points `POINTS` (exact fractions here; the filter
transform is applied once, in float64, when the layer is made). The points 0, 1, -1, 2, -1/2 (and
infinity) keep the transforms' entries smaller than the textbook 0, ±1, ±2, so float32 rounds
less; tests/test_siamese_inference.py holds whole networks to 1e-5 of their largest output.

A dilated convolution (the SiamRPN++ ResNet's conv4/conv5) is d x d ordinary ones on the input's
phases (rows a, a + d, a + 2d, ...): the phases become extra tiles of the same products.
"""

from __future__ import annotations

import math
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import nn

# Output tile per kernel size: both are F(m, r) with m + r - 1 = 6, on the same five finite points.
OUTPUT_TILES = {3: 4, 5: 2}
POINTS = (Fraction(0), Fraction(1), Fraction(-1), Fraction(2), Fraction(-1, 2))


def _evaluation(points: tuple[Fraction, ...], size: int) -> list[list[Fraction]]:
    """Rows [1, p, p^2, ...] at each finite point, then the point at infinity (leading coefficient)."""
    rows = [[p**i for i in range(size)] for p in points]
    return rows + [[Fraction(0)] * (size - 1) + [Fraction(1)]]


def _inverse(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    size = len(matrix)
    rows = [row[:] + [Fraction(int(i == j)) for j in range(size)] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = next(i for i in range(col, size) if rows[i][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for i in range(size):
            if i != col and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[col])]
    return [row[size:] for row in rows]


def transforms(m: int, r: int, points: tuple[Fraction, ...] = POINTS) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(A^T (m x n), G (n x r), B^T (n x n)), n = m + r - 1, in float64, such that the correlation of
    an n-vector d with an r-vector g is A^T [(G g) * (B^T d)].

    From polynomial multiplication by evaluation and interpolation, V_n s = (V_r g) * (V_m x), the
    correlation is its transpose: A^T = V_m^T, G = V_r, B^T = V_n^-T. Each row of B^T is scaled to
    whole numbers (its inverse scale moves into G), so the per-frame input transform is exact in
    float32 for small integers."""
    n = m + r - 1
    if len(points) != n - 1:
        raise ValueError(f"F({m}, {r}) needs {n - 1} finite points, got {len(points)}")
    inverse = _inverse(_evaluation(points, n))
    bt = [[inverse[j][i] for j in range(n)] for i in range(n)]
    g = _evaluation(points, r)
    for i, row in enumerate(bt):
        scale = math.lcm(*(v.denominator for v in row))
        bt[i] = [v * scale for v in row]
        g[i] = [v / scale for v in g[i]]
    at = [list(col) for col in zip(*_evaluation(points, m))]

    def tensor(rows: list[list[Fraction]]) -> torch.Tensor:
        return torch.tensor([[float(v) for v in row] for row in rows], dtype=torch.float64)

    return tensor(at), tensor(g), tensor(bt)


def suits(conv: nn.Module, min_channel_product: int) -> bool:
    """A conv this layer can replace, and big enough that the transforms pay for themselves."""
    return (
        type(conv) is nn.Conv2d and conv.kernel_size[0] == conv.kernel_size[1] and conv.kernel_size[0] in OUTPUT_TILES
        and conv.stride == (1, 1) and conv.groups == 1
        and conv.padding_mode == "zeros" and isinstance(conv.padding, tuple) and conv.padding[0] == conv.padding[1]
        and conv.dilation[0] == conv.dilation[1] and conv.in_channels * conv.out_channels >= min_channel_product
    )


class WinogradConv2d(nn.Module):
    """A stride-1 3x3 `nn.Conv2d` as F(4x4, 3x3), or a 5x5 one as F(2x2, 5x5): inference only (the
    filters are stored transformed)."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if not suits(conv, 0):
            raise ValueError(f"{conv} is not a stride-1, ungrouped, square-padded 3x3 or 5x5 convolution")
        r = conv.kernel_size[0]
        m = OUTPUT_TILES[r]
        self.m, self.r, self.n = m, r, m + r - 1
        self.padding, self.dilation = conv.padding[0], conv.dilation[0]
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        at, g, bt = transforms(m, r)
        weight = conv.weight.detach().to(torch.float64)
        filters = torch.einsum("ik,ockl,jl->ijco", g, weight, g).reshape(self.n * self.n, self.in_channels, self.out_channels)
        dtype, device = conv.weight.dtype, conv.weight.device
        self.register_buffer("filters", filters.to(dtype).contiguous())
        self.register_buffer("input_transform", torch.kron(bt, bt).to(device=device, dtype=dtype))
        self.register_buffer("output_transform", torch.kron(at, at).to(device=device, dtype=dtype))
        self.register_buffer("bias", None if conv.bias is None else conv.bias.detach().clone())

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, F({self.m}x{self.m}, {self.r}x{self.r}), padding={self.padding}, "
                f"dilation={self.dilation}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        m, n, d, p = self.m, self.n, self.dilation, self.padding
        channels_last = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
        out_h, out_w = height + 2 * p - d * (self.r - 1), width + 2 * p - d * (self.r - 1)
        tiles_h, tiles_w = -(-out_h // (d * m)), -(-out_w // (d * m))
        # Phase a of rows (a, a + d, ...) needs tiles_h * m + r - 1 rows of its own.
        span_h, span_w = d * (tiles_h * m + self.r - 1), d * (tiles_w * m + self.r - 1)
        x = F.pad(x, (p, span_w - width - p, p, span_h - height - p))
        sn, sc, sh, sw = x.stride()
        # (batch, C, phase row, phase col, tile row, tile col, n, n): element row a + d (t m + u).
        tiles = x.as_strided(
            (batch, channels, d, d, tiles_h, tiles_w, n, n), (sn, sc, sh, sw, d * m * sh, d * m * sw, d * sh, d * sw)
        )
        count = batch * d * d * tiles_h * tiles_w
        columns = tiles.permute(6, 7, 0, 2, 3, 4, 5, 1).reshape(n * n, count * channels)
        products = torch.bmm((self.input_transform @ columns).view(n * n, count, channels), self.filters)
        out = (self.output_transform @ products.view(n * n, count * self.out_channels))
        out = out.view(m, m, batch, d, d, tiles_h, tiles_w, self.out_channels)
        if self.bias is not None:
            out = out + self.bias
        if channels_last:
            # (batch, tile row, u, phase row, tile col, v, phase col, C) -> NHWC memory, NCHW shape
            grid = out.permute(2, 5, 0, 3, 6, 1, 4, 7).reshape(batch, tiles_h * m * d, tiles_w * m * d, self.out_channels)
            return grid[:, :out_h, :out_w].contiguous().permute(0, 3, 1, 2)
        grid = out.permute(2, 7, 5, 0, 3, 6, 1, 4).reshape(batch, self.out_channels, tiles_h * m * d, tiles_w * m * d)
        return grid[:, :, :out_h, :out_w].contiguous()
