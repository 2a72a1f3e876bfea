"""The C-RPN and SCTRPN plugins the registry lists.

Options: those of the SiamRPN plugins (`weights`, `threads`, `penalty_k`, `window_influence`, `lr`,
`context_amount`, `instance_size`) and the cascade's: `theta` (background-probability threshold,
1 keeps every anchor), `stages` (how many of the network's stages run), and for both `rerank`,
`rerank_top`, `nms_iou` (SCTRPN's multi-cue re-ranking; on by default for `sctrpn` only). Weights
are looked for as for SiamRPN (option, ``$HARNESS_CRPN_WEIGHTS`` / ``$HARNESS_SCTRPN_WEIGHTS``,
``$HARNESS_WEIGHTS/<name>/model.pth``, ``./weights/<name>/model.pth``). The authors released no
weights, so only checkpoints in our format load; the network is built from the checkpoint's own
config (stages, fusion, head and channel width), which must be of the plugin's kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from trackers.base import Tracker, TrackerError, TrackerInfo
from trackers.siamese.cascade.config import (
    CASCADE_OPTIONS, CASCADE_VARIANTS, CascadeVariant, cascade_variant_from_dict, with_cascade_overrides,
)
from trackers.siamese.config import with_overrides
from trackers.siamese.plugins import SiamesePlugin


@dataclass(frozen=True)
class _CascadePlugin(SiamesePlugin):
    extra_options: ClassVar[tuple[str, ...]] = tuple(CASCADE_OPTIONS)

    def check_options(self) -> None:
        super().check_options()
        with_cascade_overrides(self.variant(), self.config)

    def variant(self) -> CascadeVariant:
        return CASCADE_VARIANTS[self.default_variant]

    def weights_hint(self) -> str:
        return ("a checkpoint of it (the authors released none: train the network, see the training interface in "
                "docs/trackers.md, and save it with trackers.siamese.checkpoint.save_checkpoint)")

    def build(self, device: str) -> Tracker:
        import torch

        from trackers.siamese.cascade.model import build_cascade_model
        from trackers.siamese.cascade.tracker import CascadeTracker
        from trackers.siamese.checkpoint import CheckpointError, checked_ours, is_ours, read_file, strict_load, synthetic_only
        from trackers.siamese.inference import for_tracking
        from trackers.siamese.tracker import resolve_device

        path = self.weights_path()[0]
        raw = read_file(path)
        if not is_ours(raw):
            raise CheckpointError(f"{path} is not a checkpoint in our format (trackers.siamese.checkpoint); {self.name} "
                                  f"has no released weights in another layout to load")
        ours = checked_ours(raw, path)
        try:
            variant = cascade_variant_from_dict(ours.config)
        except TrackerError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        if ours.variant != self.variant().name or variant.model.fusion != self.variant().model.fusion:
            raise CheckpointError(f"{path} holds a {ours.variant!r} network ({variant.model.fusion} fusion); "
                                  f"{self.name} needs a {self.variant().name} checkpoint")
        model = build_cascade_model(variant)
        strict_load(model, ours.state, str(path))
        # The checkpoint's settings replace the defaults; options still win.
        track = with_overrides(variant, self.config)
        cascade = with_cascade_overrides(variant, self.config)
        where = resolve_device(device)
        m = variant.model
        info = TrackerInfo(
            name=self.name,
            version=f"{variant.name}-{m.fusion}-{m.head}-x{m.width_mult:g}-{m.stages}stage/torch-{torch.__version__}{self.version_suffix()}",
            deterministic=self.deterministic,
            device=where.type,
            synthetic_weights=synthetic_only(raw),
        )
        return CascadeTracker(for_tracking(model, where, self.inference()), variant, track, cascade, where, info)


@dataclass(frozen=True)
class CRPN(_CascadePlugin):
    """C-RPN (CVPR 2019): three cascaded up-channel RPNs on AlexNet conv5, FTB(conv4), FTB(conv3)."""

    default_variant: ClassVar[str] = "crpn"


@dataclass(frozen=True)
class SCTRPN(_CascadePlugin):
    """SCTRPN (Sensors 2020): C-RPN's cascade with spatial-transformer fusion and multi-cue re-ranking."""

    default_variant: ClassVar[str] = "sctrpn"
