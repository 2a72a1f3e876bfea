"""ResNet-50 as SiamRPN++ modifies it (Sec. 3.2): conv4 and conv5 at unit stride and dilated; and
the BasicBlock ResNet-18 with the same scheme (pysot's ``resnet_atrous.resnet18``, CRACT's backbone).

The effective stride stays 8 from conv3 on, so conv3, conv4 and conv5 (``layer2..4`` here,
512/1024/2048 channels; 128/256/512 for ResNet-18) share one spatial size: 127 -> 15x15,
255 -> 31x31. Padding is kept, which is what breaks strict translation equivariance. Details
fixed by the released weights: the 7x7 stem has no padding, and a block that changes stride or
dilation shortcuts through a 3x3 convolution (a 1x1 only in conv2, which changes neither).
Cell m of these maps is centred on input pixel 8m + 7 (stem and conv3 unpadded, the rest "same").
"""

from __future__ import annotations

import torch
from torch import nn

# (bottleneck width, blocks, stride, dilation) of conv2..conv5
STAGES = ((64, 3, 1, 1), (128, 4, 2, 1), (256, 6, 1, 2), (512, 3, 1, 4))
EXPANSION = 4
BASIC_STAGES = ((64, 2, 1, 1), (128, 2, 2, 1), (256, 2, 1, 2), (512, 2, 1, 4))
STRIDE, FIRST_CENTRE = 8, 7  # cell m of conv3..conv5 sits on input pixel STRIDE * m + FIRST_CENTRE


def _conv_bn(
    in_channels: int, out_channels: int, kernel: int, stride: int = 1, dilation: int = 1, padding: int = 0
) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, dilation=dilation, bias=False),
        nn.BatchNorm2d(out_channels),
    ]


def _entry(stride: int, dilation: int, first: bool) -> tuple[int, int]:
    """(dilation, padding) of a block's first 3x3 conv. A stage's first block enters at half the
    stage's dilation (it still sees the previous resolution); a stride-2 block is unpadded, like the stem."""
    entry = max(dilation // 2, 1) if first else dilation
    return entry, entry if stride == 1 else 0


def _shortcut(in_channels: int, out_channels: int, stride: int, dilation: int) -> nn.Sequential:
    entry, padding = _entry(stride, dilation, True)
    plain = stride == 1 and dilation == 1
    return nn.Sequential(*(_conv_bn(in_channels, out_channels, 1) if plain
                           else _conv_bn(in_channels, out_channels, 3, stride, entry, padding)))


class Bottleneck(nn.Module):
    CONV_BN_PAIRS = (("conv1", "bn1"), ("conv2", "bn2"), ("conv3", "bn3"))  # folded for tracking (siamese.inference)

    def __init__(self, in_channels: int, width: int, stride: int, dilation: int, first: bool) -> None:
        super().__init__()
        out_channels = width * EXPANSION
        entry, padding = _entry(stride, dilation, first)
        self.conv1, self.bn1 = _conv_bn(in_channels, width, 1)
        self.conv2, self.bn2 = _conv_bn(width, width, 3, stride, entry, padding)
        self.conv3, self.bn3 = _conv_bn(width, out_channels, 1)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(in_channels, out_channels, stride, dilation) if first else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """`width_mult` scales every layer's channels (1.0: the network of the released weights;
    thinner ones train in tests and on CPUs)."""

    CONV_BN_PAIRS = (("conv1", "bn1"),)

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


class BasicBlock(nn.Module):
    """Two 3x3 conv-bn; the shortcut is a conv-bn only where the stride or the width changes."""

    CONV_BN_PAIRS = (("conv1", "bn1"), ("conv2", "bn2"))

    def __init__(self, in_channels: int, out_channels: int, stride: int, dilation: int, first: bool) -> None:
        super().__init__()
        entry, padding = _entry(stride, dilation, first)
        self.conv1, self.bn1 = _conv_bn(in_channels, out_channels, 3, stride, entry, padding)
        self.conv2, self.bn2 = _conv_bn(out_channels, out_channels, 3, 1, dilation, dilation)
        self.relu = nn.ReLU(inplace=True)
        changes = stride != 1 or in_channels != out_channels
        self.downsample = _shortcut(in_channels, out_channels, stride, dilation) if changes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """`width_mult` scales every width (stem included), for thin CPU-test networks."""

    CONV_BN_PAIRS = (("conv1", "bn1"),)

    def __init__(self, width_mult: float = 1.0) -> None:
        super().__init__()
        stem = max(1, round(64 * width_mult))
        self.conv1 = nn.Conv2d(3, stem, 7, stride=2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_channels = stem
        widths = []
        for index, (width, blocks, stride, dilation) in enumerate(BASIC_STAGES, start=1):
            out_channels = max(1, round(width * width_mult))
            stage = [
                BasicBlock(in_channels if i == 0 else out_channels, out_channels, stride if i == 0 else 1, dilation, i == 0)
                for i in range(blocks)
            ]
            self.add_module(f"layer{index}", nn.Sequential(*stage))
            in_channels = out_channels
            widths.append(out_channels)
        self.out_channels: tuple[int, ...] = tuple(widths[1:])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        conv3 = self.layer2(self.layer1(x))
        conv4 = self.layer3(conv3)
        return [conv3, conv4, self.layer4(conv4)]
