"""SiamRPN++'s adjust layers (Sec. 3.2): a 1x1 conv-bn to 256 channels per backbone output.

The padded backbones give a 15x15 template map at 127; only its centre 7x7 is kept, which still
covers the whole target and makes the correlation 4.6x cheaper.
"""

from __future__ import annotations

import torch
from torch import nn


class AdjustLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x)


def center_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    start = (x.shape[-1] - size) // 2
    return x[..., start : start + size, start : start + size]


class Neck(nn.Module):
    """One AdjustLayer per backbone output, named ``downsample2..`` after the ResNet stage (conv3 = 2)."""

    def __init__(self, in_channels: tuple[int, ...], out_channels: int, center_size: int) -> None:
        super().__init__()
        self.names = [f"downsample{i + 2}" for i in range(len(in_channels))]
        for name, channels in zip(self.names, in_channels):
            self.add_module(name, AdjustLayer(channels, out_channels))
        self.center_size = center_size

    def forward(self, features: list[torch.Tensor], template: bool) -> list[torch.Tensor]:
        out = [getattr(self, name)(x) for name, x in zip(self.names, features)]
        return [center_crop(x, self.center_size) for x in out] if template else out
