"""A loaded network rewritten for tracking, in less time.

`for_tracking(model, device, mode)` returns a copy, so the model given (one being trained, or the
reference a test compares with) is never changed, and checkpoint names and strict loading are
untouched: the rewrite runs after the weights are in. Modes (plugin option `inference`):

- ``exact`` (the default): only rewrites that change no bit of any output. Max pooling runs on a
  channels-last copy of its input and gives its maxima back in the usual layout (a maximum is exact
  in any order; this torch's NHWC CPU max-pool kernel is the faster one: docs/performance.md).
- ``fast``: every batch norm folded into the convolution before it (in float64, rounded once), and
  on CPUs the stride-1 3x3 and 5x5 convolutions with at least `WINOGRAD_MIN` input x output channels
  as Winograd F(4x4, 3x3) and F(2x2, 5x5) (`winograd`) and every tensor channels-last. Outputs stay within about 2e-6
  of their largest value of the exact ones (tested to 1e-5), but not bit for bit, and a tracker
  integrates such differences: with pysot's seeded parity checkpoint on VOT bag the fast mode
  chooses another anchor at frame 91 (perf/siamese_fast_drift.py), where the exact mode keeps
  pysot's anchors and stays within 2e-3 px of its boxes (tests/test_pysot_parity.py). Hence opt-in.

Speed and differences: docs/performance.md. Nothing here runs when a network is trained: `harness
train` builds, trains and saves the module as it is, and a checkpoint loads into the plain network
before any rewrite.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from trackers.base import TrackerError
from trackers.siamese.config import INFERENCE_MODES
from trackers.siamese.winograd import WinogradConv2d, suits

WINOGRAD_MIN = 128 * 128


class NHWCMaxPool2d(nn.MaxPool2d):
    """`nn.MaxPool2d` on a channels-last copy, answered in the input's layout: the same values."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_contiguous(memory_format=torch.channels_last):
            return super().forward(x)
        return super().forward(x.contiguous(memory_format=torch.channels_last)).contiguous()


def conv_bn_pairs(module: nn.Module) -> list[tuple[str, str]]:
    """(conv, batch norm) child names of `module` where the batch norm takes the conv's output
    directly: adjacent in an `nn.Sequential`, or declared by the module (`CONV_BN_PAIRS`, for
    blocks that call them by attribute)."""
    pairs = list(getattr(module, "CONV_BN_PAIRS", ()))
    if isinstance(module, nn.Sequential):
        names = list(module._modules)
        pairs += [(a, b) for a, b in zip(names, names[1:])
                  if isinstance(module._modules[a], nn.Conv2d) and isinstance(module._modules[b], nn.BatchNorm2d)]
    return pairs


def fold_into(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """conv <- bn(conv(.)) in eval mode: w' = w s, b' = (b - mean) s + beta, s = gamma / sqrt(var + eps)."""
    scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
    bias = torch.zeros_like(scale) if conv.bias is None else conv.bias.detach().double()
    weight = conv.weight.detach().double() * scale.view(-1, 1, 1, 1)
    conv.weight = nn.Parameter(weight.to(conv.weight.dtype), requires_grad=False)
    conv.bias = nn.Parameter(((bias - bn.running_mean.double()) * scale + bn.bias.detach().double()).to(conv.weight.dtype),
                             requires_grad=False)


def fold_batchnorm(model: nn.Module) -> int:
    """Fold every foldable batch norm of `model` (in place) and put an identity where it was;
    returns how many. Batch norms are folded from their running statistics, i.e. as in eval mode."""
    folded = 0
    for module in list(model.modules()):
        for conv_name, bn_name in conv_bn_pairs(module):
            conv, bn = getattr(module, conv_name), getattr(module, bn_name)
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d) and bn.track_running_stats:
                fold_into(conv, bn)
                setattr(module, bn_name, nn.Identity())
                folded += 1
    return folded


def _replace_children(model: nn.Module, make: Callable[[nn.Module], nn.Module | None]) -> int:
    """Put `make(child)` in place of every child (at any depth) for which it gives a module; returns how many."""
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module._modules.items()):
            new = None if child is None else make(child)
            if new is not None:
                module._modules[name] = new
                replaced += 1
    return replaced


def use_winograd(model: nn.Module, min_channel_product: int | None = None) -> int:
    """Replace (in place) the convolutions `winograd.suits` (at least `WINOGRAD_MIN` input x output
    channels unless said); returns how many."""
    least = WINOGRAD_MIN if min_channel_product is None else min_channel_product
    return _replace_children(model, lambda child: WinogradConv2d(child) if suits(child, least) else None)


def pool_channels_last(model: nn.Module) -> int:
    """Replace (in place) every `nn.MaxPool2d` by an `NHWCMaxPool2d` of the same settings; returns how many."""

    def pool(child: nn.Module) -> nn.Module | None:
        if type(child) is not nn.MaxPool2d:
            return None
        return NHWCMaxPool2d(child.kernel_size, child.stride, child.padding, child.dilation, child.return_indices,
                             child.ceil_mode)

    return _replace_children(model, pool)


def for_tracking(model: nn.Module, device: torch.device, mode: str = "exact") -> nn.Module:
    """A copy of `model` on `device`, in eval mode, rewritten as `mode` says (see the module's doc)."""
    if mode not in INFERENCE_MODES:
        raise TrackerError(f"inference={mode!r}; choose one of {', '.join(INFERENCE_MODES)}")
    rewritten = copy.deepcopy(model).eval()
    for parameter in rewritten.parameters():
        parameter.requires_grad_(False)
    if mode == "fast":
        fold_batchnorm(rewritten)
    if device.type != "cpu":
        return rewritten.to(device)  # the pooling layout and Winograd answer this torch's CPU kernels
    pool_channels_last(rewritten)
    if mode == "fast":
        use_winograd(rewritten)
        rewritten = rewritten.to(memory_format=torch.channels_last)
    return rewritten
