"""The modified AlexNet of SiamFC/SiamRPN: no groups, batch norm, and no padding anywhere.

Without padding every output cell sees a whole window of the input, so shifting the input by
a multiple of the total stride (8) shifts the features by whole cells (SiamRPN Eq. 1): the
strict translation equivariance the SiamRPN++ paper says deeper, padded networks lose.
"""

from __future__ import annotations

import torch
from torch import nn

CHANNELS = (96, 256, 384, 384, 256)
KERNELS = (11, 5, 3, 3, 3)


class AlexNet(nn.Module):
    """127 -> 6x6 and 255 -> 22x22 maps of 256 channels, stride 8.

    One flat `features` sequence (conv, bn, [pool], relu per stage, the last stage without
    relu), so the parameter names are those of the released SiamRPN and SiamRPN++ AlexNet models
    whichever outputs are asked for. `layers` picks the conv stages returned, shallow to deep
    (1..5): conv3 and conv4 after their ReLU, conv5 after its batch norm (127 gives 10, 8 and 6
    cells; 255 gives 26, 24 and 22).
    """

    def __init__(self, width_mult: float = 1.0, layers: tuple[int, ...] = (5,)) -> None:
        super().__init__()
        if not layers or list(layers) != sorted(set(layers)) or not set(layers) <= {1, 2, 3, 4, 5}:
            raise ValueError(f"AlexNet layers {layers} must be distinct conv stages 1..5 in increasing order")
        widths = [int(c * width_mult) for c in CHANNELS]
        modules: list[nn.Module] = []
        ends: list[int] = []  # index one past each conv stage's last module
        in_channels = 3
        for stage, (out_channels, kernel) in enumerate(zip(widths, KERNELS)):
            modules += [nn.Conv2d(in_channels, out_channels, kernel, stride=2 if stage == 0 else 1), nn.BatchNorm2d(out_channels)]
            if stage < 2:
                modules.append(nn.MaxPool2d(3, stride=2))
            if stage < 4:
                modules.append(nn.ReLU(inplace=True))
            ends.append(len(modules))
            in_channels = out_channels
        self.features = nn.Sequential(*modules)
        self._ends = [ends[layer - 1] for layer in layers]
        self.out_channels: tuple[int, ...] = tuple(widths[layer - 1] for layer in layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        start = 0
        for end in self._ends:
            for module in self.features[start:end]:
                x = module(x)
            outputs.append(x)
            start = end
        return outputs
