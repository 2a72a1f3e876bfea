"""The modified AlexNet of SiamFC/SiamRPN: no groups, batch norm, and no padding anywhere.

Without padding every output cell sees a whole window of the input, so shifting the input by
a multiple of the total stride (8) shifts the features by whole cells (SiamRPN Eq. 1): the
strict translation equivariance the SiamRPN++ paper says deeper, padded networks lose.
"""

from __future__ import annotations

import torch
from torch import nn

CHANNELS = (96, 256, 384, 384, 256)


class AlexNet(nn.Module):
    """127 -> 6x6 and 255 -> 22x22 maps of 256 channels, stride 8.

    One flat `features` sequence (conv, bn, [pool], relu per stage, the last stage without
    relu), so the parameter names are those of the released SiamRPN and SiamRPN++ AlexNet models.
    """

    def __init__(self, width_mult: float = 1.0) -> None:
        super().__init__()
        widths = [int(c * width_mult) for c in CHANNELS]
        kernels = (11, 5, 3, 3, 3)
        layers: list[nn.Module] = []
        in_channels = 3
        for stage, (out_channels, kernel) in enumerate(zip(widths, kernels)):
            layers += [nn.Conv2d(in_channels, out_channels, kernel, stride=2 if stage == 0 else 1), nn.BatchNorm2d(out_channels)]
            if stage < 2:
                layers.append(nn.MaxPool2d(3, stride=2))
            if stage < 4:
                layers.append(nn.ReLU(inplace=True))
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.out_channels: tuple[int, ...] = (widths[-1],)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.features(x)]
