"""Region proposal heads: SiamRPN's up-channel one and SiamRPN++'s depth-wise ones with fusion.

Every head splits into a template part run once per target (`template_kernels`) and a search
part run every frame (`forward`); the kernels are all the per-frame work needs of the template.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from trackers.siamese.xcorr import xcorr_depthwise, xcorr_up


class UpChannelRPN(nn.Module):
    """SiamRPN Sec. 3.2: the template feature raised to 2k and 4k times its channels becomes
    2k classification and 4k regression filters over the (unchanged-width) search feature."""

    def __init__(self, anchor_count: int, channels: int) -> None:
        super().__init__()
        self.template_cls_conv = nn.Conv2d(channels, channels * 2 * anchor_count, 3)
        self.template_loc_conv = nn.Conv2d(channels, channels * 4 * anchor_count, 3)
        self.search_cls_conv = nn.Conv2d(channels, channels, 3)
        self.search_loc_conv = nn.Conv2d(channels, channels, 3)
        self.loc_adjust = nn.Conv2d(4 * anchor_count, 4 * anchor_count, 1)

    def template_kernels(self, template: list[torch.Tensor]) -> list[torch.Tensor]:
        (z,) = template
        return [self.template_cls_conv(z), self.template_loc_conv(z)]

    def forward(self, kernels: list[torch.Tensor], search: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        (x,) = search
        cls = xcorr_up(self.search_cls_conv(x), kernels[0])
        loc = self.loc_adjust(xcorr_up(self.search_loc_conv(x), kernels[1]))
        return cls, loc


def _conv_bn_relu(in_channels: int, out_channels: int, kernel: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, kernel, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]


class DepthwiseXCorr(nn.Module):
    """SiamRPN++ Sec. 3.4: non-shared conv-bn-relu on each branch, channel-by-channel correlation,
    then a 1x1 conv-bn-relu fusing the channels and a 1x1 output layer."""

    def __init__(self, channels: int, hidden: int, out_channels: int) -> None:
        super().__init__()
        self.conv_kernel = nn.Sequential(*_conv_bn_relu(channels, hidden, 3))
        self.conv_search = nn.Sequential(*_conv_bn_relu(channels, hidden, 3))
        self.head = nn.Sequential(*_conv_bn_relu(hidden, hidden, 1), nn.Conv2d(hidden, out_channels, 1))

    def forward(self, kernel: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        return self.head(xcorr_depthwise(self.conv_search(search), kernel))


class DepthwiseRPN(nn.Module):
    def __init__(self, anchor_count: int, channels: int) -> None:
        super().__init__()
        self.cls = DepthwiseXCorr(channels, channels, 2 * anchor_count)
        self.loc = DepthwiseXCorr(channels, channels, 4 * anchor_count)

    def template_kernels(self, template: list[torch.Tensor]) -> list[torch.Tensor]:
        (z,) = template
        return [self.cls.conv_kernel(z), self.loc.conv_kernel(z)]

    def forward(self, kernels: list[torch.Tensor], search: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        (x,) = search
        return self.cls(kernels[0], x), self.loc(kernels[1], x)


class MultiRPN(nn.Module):
    """One depth-wise RPN per backbone layer (``rpn2..`` for conv3..), fused by SiamRPN++ Eq. 2.

    With `weighted`, the fusion weights are learned, one set for classification and one for
    regression, normalised by a softmax; otherwise the outputs are averaged.
    """

    def __init__(self, anchor_count: int, channels: tuple[int, ...], weighted: bool) -> None:
        super().__init__()
        self.names = [f"rpn{i + 2}" for i in range(len(channels))]
        for name, width in zip(self.names, channels):
            self.add_module(name, DepthwiseRPN(anchor_count, width))
        self.weighted = weighted
        if weighted:
            self.cls_weight = nn.Parameter(torch.ones(len(channels)))
            self.loc_weight = nn.Parameter(torch.ones(len(channels)))

    def template_kernels(self, template: list[torch.Tensor]) -> list[torch.Tensor]:
        return [k for name, z in zip(self.names, template) for k in getattr(self, name).template_kernels([z])]

    def forward(self, kernels: list[torch.Tensor], search: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = [getattr(self, name)(kernels[2 * i : 2 * i + 2], [x]) for i, (name, x) in enumerate(zip(self.names, search))]
        cls = torch.stack([c for c, _ in outputs])
        loc = torch.stack([l for _, l in outputs])
        if self.weighted:
            cls_w, loc_w = F.softmax(self.cls_weight, 0), F.softmax(self.loc_weight, 0)
        else:
            cls_w = loc_w = torch.full((len(outputs),), 1.0 / len(outputs), device=cls.device, dtype=cls.dtype)
        return torch.einsum("l,l...->...", cls_w, cls), torch.einsum("l,l...->...", loc_w, loc)
