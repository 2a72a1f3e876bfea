"""Cross-correlations of search features with template kernels (SiamRPN++ Fig. 4 b and c).

Both take a search batch of B and a kernel batch of 1 (one template for every crop: several
crops of one target), of B (crop i against template i: several targets at once, in one grouped
convolution), or `PerSample` kernels (crop i against kernel i, each correlation run as a batch of
one: bit for bit what crop i gives alone, which the grouped convolution, summing in another order,
is not; what tracking several sequences at once uses, see `trackers.siamese.batch`).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


class PerSample(tuple):
    """Batch-1 kernels, kernel i for crop i of the search batch."""


def _each(xcorr: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], search: torch.Tensor, kernels: PerSample) -> torch.Tensor:
    if len(kernels) != search.shape[0]:
        raise ValueError(f"{len(kernels)} per-sample kernels for a search batch of {search.shape[0]}")
    return torch.cat([xcorr(search[i : i + 1], kernel) for i, kernel in enumerate(kernels)])


def _check(search: torch.Tensor, kernel: torch.Tensor) -> None:
    if kernel.shape[0] not in (1, search.shape[0]):
        raise ValueError(f"kernel batch {kernel.shape[0]} must be 1 or the search batch {search.shape[0]}")


def xcorr_up(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Up-channel correlation: a (Bk, n*C, h, w) kernel holds n whole C-channel filters.

    Output channel j is the correlation of all C search channels with kernel channels
    [j*C, (j+1)*C), giving (B, n, H-h+1, W-w+1).
    """
    if isinstance(kernel, PerSample):
        return _each(xcorr_up, search, kernel)
    _check(search, kernel)
    batch, channels, height, width = search.shape
    kb, kc, kh, kw = kernel.shape
    outputs = kc // channels
    if kb == 1:
        return F.conv2d(search, kernel.reshape(outputs, channels, kh, kw))
    # One grouped convolution over the batch folded into channels: group i is sample i.
    out = F.conv2d(search.reshape(1, batch * channels, height, width), kernel.reshape(kb * outputs, channels, kh, kw), groups=batch)
    return out.reshape(batch, outputs, out.shape[2], out.shape[3])


def xcorr_depthwise(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Depth-wise correlation: channel c of the search with channel c of the kernel alone."""
    if isinstance(kernel, PerSample):
        return _each(xcorr_depthwise, search, kernel)
    _check(search, kernel)
    batch, channels, height, width = search.shape
    kb, _, kh, kw = kernel.shape
    if kb == 1:
        return F.conv2d(search, kernel.reshape(channels, 1, kh, kw), groups=channels)
    out = F.conv2d(
        search.reshape(1, batch * channels, height, width),
        kernel.reshape(batch * channels, 1, kh, kw),
        groups=batch * channels,
    )
    return out.reshape(batch, channels, out.shape[2], out.shape[3])
