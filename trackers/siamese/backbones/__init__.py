"""Backbones written for the Siamese trackers (no torchvision); each returns a list of feature maps."""

from __future__ import annotations

from torch import nn

from trackers.base import TrackerError
from trackers.siamese.backbones.alexnet import AlexNet
from trackers.siamese.backbones.mobilenetv2 import MobileNetV2
from trackers.siamese.backbones.resnet import ResNet18, ResNet50


def build_backbone(name: str, width_mult: float = 1.0) -> nn.Module:
    if name == "alexnet":
        return AlexNet(width_mult)
    if name == "resnet50":
        return ResNet50(width_mult)
    if name == "resnet18":
        return ResNet18(width_mult)
    if name == "mobilenetv2":
        return MobileNetV2(width_mult)
    raise TrackerError(f"unknown backbone {name!r}; known: alexnet, resnet18, resnet50, mobilenetv2")
