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

from trackers.base import Tracker, TrackerError, TrackerInfo, WeightsMissingError
from trackers.cract.config import VARIANTS, CRACTVariant, option_names, with_overrides
from trackers.siamese.plugins import WEIGHTS_ENV, WEIGHTS_FILE, _SiamesePlugin, weights_env


@dataclass(frozen=True)
class CRACT(_SiamesePlugin):
    """CRACT (Fan & Ling, arXiv 2011.12483): cascaded regression - align - classification with an
    online discriminator. Shares the Siamese plugins' weights lookup and torch handling."""

    variant_choices: ClassVar[dict[str, str]] = {"full": "cract", "thin": "cract-thin"}

    def __post_init__(self) -> None:
        allowed = {"weights", "threads", "variant", *option_names()}
        unknown = sorted(set(self.config) - allowed)
        if unknown:
            raise TrackerError(f"tracker {self.name!r} got unknown options {unknown}; it accepts {sorted(allowed)}")
        with_overrides(self.variant(), self.config)
        threads = self.config.get("threads", 1)
        if isinstance(threads, bool) or not str(threads).isdigit() or int(threads) < 1:
            raise TrackerError(f"tracker {self.name!r}: threads={threads!r} must be a whole number >= 1")

    def variant(self) -> CRACTVariant:  # type: ignore[override]
        choice = self.config.get("variant", "full")
        if choice not in self.variant_choices:
            raise TrackerError(f"tracker {self.name!r}: variant={choice!r}; choose one of {', '.join(self.variant_choices)}")
        return VARIANTS[self.variant_choices[choice]]

    def unavailable_reason(self) -> str | None:
        missing = self._torch_missing()
        if missing:
            return missing
        path, source = self.weights_path()
        if path.is_file():
            return None
        name = self.variant().name
        return (
            f"{self.name} ({self.variant().description}) needs weights; {path} not found ({source}). The authors "
            f"released none: train the network and save it with trackers.cract.checkpoint.save, then put the file "
            f"at {path}, or pass --tracker-opt {self.name}.weights=<file>, or set ${weights_env(name)}=<file> "
            f"(or ${WEIGHTS_ENV}=<root> holding {name}/{WEIGHTS_FILE})."
        )

    def create(self, device: str = "cpu") -> Tracker:
        missing = self._torch_missing()
        if missing:
            raise TrackerError(missing)
        reason = self.unavailable_reason()
        if reason is not None:
            raise WeightsMissingError(reason)
        import torch

        from trackers.cract.checkpoint import load
        from trackers.cract.model import build_model
        from trackers.cract.tracker import CRACTTracker
        from trackers.siamese.tracker import resolve_device

        torch.set_num_threads(int(self.config.get("threads", 1)))
        variant = self.variant()
        model = build_model(variant)
        # The checkpoint's tuned settings replace the defaults; options still win.
        tuned = with_overrides(load(model, self.weights_path()[0], variant), self.config)
        where = resolve_device(device)
        info = TrackerInfo(name=self.name, version=f"{variant.name}-harness/torch-{torch.__version__}",
                           deterministic=self.deterministic, device=where.type)
        return CRACTTracker(model, tuned, where, info)
