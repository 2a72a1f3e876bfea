"""The `cract` plugin the registry lists.

torch is imported only in `create`. Options: `weights` (a checkpoint in our format), `threads`
(torch CPU threads, default 1), `variant` (``full``, the default, or ``thin``: the quarter-width
network for CPU tests), the tracking settings of `config.TRACK_OPTIONS` (``seed`` among them) and
``online_<name>`` for the online settings of `config.ONLINE_OPTIONS`. Weights are looked for, as
for the Siamese trackers, at: the `weights` option; ``$HARNESS_CRACT_WEIGHTS`` (or
``$HARNESS_CRACT_THIN_WEIGHTS``); ``$HARNESS_WEIGHTS/<variant>/model.pth``;
``./weights/<variant>/model.pth``, <variant> being ``cract`` or ``cract-thin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from trackers.base import Tracker, TrackerError, TrackerInfo
from trackers.cract.config import VARIANTS, CRACTVariant, option_names, with_overrides
from trackers.siamese.plugins import SiamesePlugin


@dataclass(frozen=True)
class CRACT(SiamesePlugin):
    """CRACT (Fan & Ling, arXiv 2011.12483): cascaded regression - align - classification with an
    online discriminator. Shares the Siamese plugins' weights lookup and torch handling."""

    variant_choices: ClassVar[dict[str, str]] = {"full": "cract", "thin": "cract-thin"}
    supports_batch: ClassVar[bool] = False  # per-sequence heads and online learner after the search forward

    def option_names(self) -> set[str]:
        return {"weights", "threads", "variant", "inference", *option_names()}

    def check_options(self) -> None:
        with_overrides(self.variant(), self.config)

    def variant(self) -> CRACTVariant:  # type: ignore[override]
        choice = self.config.get("variant", "full")
        if choice not in self.variant_choices:
            raise TrackerError(f"tracker {self.name!r}: variant={choice!r}; choose one of {', '.join(self.variant_choices)}")
        return VARIANTS[self.variant_choices[choice]]

    def weights_hint(self) -> str:
        return "a checkpoint of it (the authors released none: train the network and save it with trackers.cract.checkpoint.save)"

    def build(self, device: str) -> Tracker:
        import torch

        from trackers.cract.checkpoint import load, stored_variant
        from trackers.cract.model import build_model
        from trackers.cract.tracker import CRACTTracker
        from trackers.siamese.checkpoint import read_file, synthetic_only
        from trackers.siamese.inference import for_tracking
        from trackers.siamese.tracker import resolve_device

        path = self.weights_path()[0]
        raw = read_file(path)
        variant = stored_variant(raw, self.variant())  # a thinner network trained by `harness train`
        model = build_model(variant)
        # The checkpoint's tuned settings replace the defaults; options still win.
        tuned = with_overrides(load(model, path, variant), self.config)
        where = resolve_device(device)
        info = TrackerInfo(name=self.name, version=f"{variant.name}-harness/torch-{torch.__version__}{self.version_suffix()}",
                           deterministic=self.deterministic, device=where.type, synthetic_weights=synthetic_only(raw))
        return CRACTTracker(for_tracking(model, where, self.inference()), tuned, where, info)
