"""MobileNetV2 as the SiamRPN++ authors adapted it: stride 8, later stages dilated instead.

Stages 4-7 keep stride 1 and dilate (2, 2, 4, 4), so the outputs taken (stages 3, 5 and 7) share
one spatial size, like the ResNet's conv3-5. Details fixed by the released weights: stride-2
convolutions are unpadded, and every inverted residual has its 1x1 expansion, even at ratio 1.
"""

from __future__ import annotations

import torch
from torch import nn

# (expansion t, channels c, blocks n, stride s, dilation d) of stages 1..7
STAGES = (
    (1, 16, 1, 1, 1), (6, 24, 2, 2, 1), (6, 32, 3, 2, 1), (6, 64, 4, 1, 2), (6, 96, 3, 1, 2), (6, 160, 3, 1, 4), (6, 320, 1, 1, 4)
)
OUTPUT_STAGES = (3, 5, 7)


def _padding(stride: int, dilation: int) -> int:
    return dilation if stride == 1 else 0


class InvertedResidual(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, expansion: int, dilation: int) -> None:
        super().__init__()
        hidden = in_channels * expansion
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, _padding(stride, dilation), dilation=dilation, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, width_mult: float = 1.4) -> None:
        super().__init__()
        channels = int(32 * width_mult)
        self.layer0 = nn.Sequential(
            nn.Conv2d(3, channels, 3, 2, 0, bias=False), nn.BatchNorm2d(channels), nn.ReLU6(inplace=True)
        )
        previous_dilation = 1
        widths = []
        for index, (t, c, n, s, d) in enumerate(STAGES, start=1):
            out_channels = int(c * width_mult)
            # Entering a more dilated stage, the first block still sees the previous resolution.
            entry = d if d == previous_dilation else max(d // 2, 1)
            blocks = [
                InvertedResidual(channels if i == 0 else out_channels, out_channels, s if i == 0 else 1, t, entry if i == 0 else d)
                for i in range(n)
            ]
            self.add_module(f"layer{index}", nn.Sequential(*blocks))
            channels, previous_dilation = out_channels, d
            widths.append(out_channels)
        self.out_channels: tuple[int, ...] = tuple(widths[i - 1] for i in OUTPUT_STAGES)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        x = self.layer0(x)
        for index in range(1, len(STAGES) + 1):
            x = getattr(self, f"layer{index}")(x)
            if index in OUTPUT_STAGES:
                outputs.append(x)
        return outputs
