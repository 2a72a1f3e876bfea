"""ResNet-50 as SiamRPN++ modifies it (Sec. 3.2): conv4 and conv5 at unit stride and dilated.

The effective stride stays 8 from conv3 on, so conv3, conv4 and conv5 (``layer2..4`` here,
512/1024/2048 channels) share one spatial size: 127 -> 15x15, 255 -> 31x31. Padding is kept,
which is what breaks strict translation equivariance. Details fixed by the released weights:
the 7x7 stem has no padding, and a block that changes stride or dilation shortcuts through a
3x3 convolution (a 1x1 only in conv2, which changes neither).
"""

from __future__ import annotations

import torch
from torch import nn

# (bottleneck width, blocks, stride, dilation) of conv2..conv5
STAGES = ((64, 3, 1, 1), (128, 4, 2, 1), (256, 6, 1, 2), (512, 3, 1, 4))
EXPANSION = 4


def _conv_bn(
    in_channels: int, out_channels: int, kernel: int, stride: int = 1, dilation: int = 1, padding: int = 0
) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, dilation=dilation, bias=False),
        nn.BatchNorm2d(out_channels),
    ]


class Bottleneck(nn.Module):
    def __init__(self, in_channels: int, width: int, stride: int, dilation: int, first: bool) -> None:
        super().__init__()
        out_channels = width * EXPANSION
        # A stage's first block enters at half the stage's dilation (it still sees the previous
        # resolution); a stride-2 block is unpadded, like the stem.
        entry = max(dilation // 2, 1) if first else dilation
        padding = entry if stride == 1 else 0
        self.conv1, self.bn1 = _conv_bn(in_channels, width, 1)
        self.conv2, self.bn2 = _conv_bn(width, width, 3, stride, entry, padding)
        self.conv3, self.bn3 = _conv_bn(width, out_channels, 1)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if first:
            plain = stride == 1 and dilation == 1
            shortcut = (_conv_bn(in_channels, out_channels, 1) if plain
                        else _conv_bn(in_channels, out_channels, 3, stride, entry, padding))
            self.downsample = nn.Sequential(*shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """`width_mult` scales every layer's channels (1.0: the network of the released weights;
    thinner ones train in tests and on CPUs)."""

    def __init__(self, width_mult: float = 1.0) -> None:
        super().__init__()
        stem = int(64 * width_mult)
        self.conv1 = nn.Conv2d(3, stem, 7, stride=2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_channels = stem
        outputs = []
        for index, (base, blocks, stride, dilation) in enumerate(STAGES, start=1):
            width = int(base * width_mult)
            stage = [
                Bottleneck(in_channels if i == 0 else width * EXPANSION, width, stride if i == 0 else 1, dilation, i == 0)
                for i in range(blocks)
            ]
            self.add_module(f"layer{index}", nn.Sequential(*stage))
            in_channels = width * EXPANSION
            outputs.append(in_channels)
        self.out_channels: tuple[int, ...] = tuple(outputs[1:])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        conv2 = self.layer1(x)
        conv3 = self.layer2(conv2)
        conv4 = self.layer3(conv3)
        return [conv3, conv4, self.layer4(conv4)]
