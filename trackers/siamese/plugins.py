"""The SiamRPN and SiamRPN++ plugins the registry lists.

torch is imported only in `create`: the registry lists these trackers, and says how to make them
runnable, on a machine without it.

Options: `weights` (a checkpoint file), `threads` (torch CPU threads, default 1), the tracking
hyper-parameters of `config.TRACK_OPTIONS`, and for `siamrpnpp` the `variant` (r50, alex, mobilev2).
Weights are looked for at, in order: the `weights` option; ``$HARNESS_<VARIANT>_WEIGHTS`` (e.g.
HARNESS_SIAMRPNPP_MOBILEV2_WEIGHTS); ``$HARNESS_WEIGHTS/<variant>/model.pth``;
``./weights/<variant>/model.pth``, where <variant> is siamrpn, siamrpnpp, siamrpnpp-alex or
siamrpnpp-mobilev2 whichever name chose it (the two folders only where they hold the file); last,
the thin synthetic-trained weights shipped in the package (`trackers.weights`; not with
``$HARNESS_NO_SHIPPED_WEIGHTS`` set). A tracker built from weights trained on synthetic data only
says so in its `TrackerInfo`, and results and reports carry that mark.

Threads: the runner puts one worker per core, so each tracker defaults to one torch thread;
torch's default (every core per worker) would oversubscribe the CPU and make fps depend on the
neighbours. `torch.set_num_threads` is process-wide.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from trackers.base import Tracker, TrackerError, TrackerInfo, TrackerPlugin, WeightsMissingError
from trackers.siamese.config import INFERENCE_MODES, TRACK_OPTIONS, VARIANTS, Variant, with_overrides
from trackers.weights import synthetic_weights

if TYPE_CHECKING:
    from trackers.siamese.batch import BatchTracker

WEIGHTS_ENV = "HARNESS_WEIGHTS"
WEIGHTS_FILE = "model.pth"
TORCH_PIN = "torch==2.13.0"
SHIPPED = "the synthetic-trained weights shipped with the package (trained on synthetic data only)"
NO_SHIPPED_ENV = "HARNESS_NO_SHIPPED_WEIGHTS"  # set: never fall back to the shipped weights
SOURCES = {
    "siamrpn": "the up-channel SiamRPN weights the authors released with DaSiamRPN "
    "(SiamRPNVOT.model or SiamRPNOTB.model)",
}


def weights_env(variant_name: str) -> str:
    return f"HARNESS_{variant_name.upper().replace('-', '_')}_WEIGHTS"


@dataclass(frozen=True)
class SiamesePlugin(TrackerPlugin):
    """What the in-repo torch trackers share: option checks, the weights lookup, the message saying where
    weights go, and the torch preamble of `create`. Subclasses say which options they take
    (`option_names`, `check_options`), what weights fit (`weights_hint`) and how to build (`build`)."""

    default_variant: ClassVar[str]
    variant_choices: ClassVar[dict[str, str]] = {}
    extra_options: ClassVar[tuple[str, ...]] = ()
    supports_batch: ClassVar[bool] = True  # create_batch works (trackers.siamese.batch)

    def __post_init__(self) -> None:
        allowed = self.option_names()
        unknown = sorted(set(self.config) - allowed)
        if unknown:
            raise TrackerError(f"tracker {self.name!r} got unknown options {unknown}; it accepts {sorted(allowed)}")
        self.check_options()
        threads = self.config.get("threads", 1)
        if isinstance(threads, bool) or not str(threads).isdigit() or int(threads) < 1:
            raise TrackerError(f"tracker {self.name!r}: threads={threads!r} must be a whole number >= 1")
        if self.inference() not in INFERENCE_MODES:
            raise TrackerError(f"tracker {self.name!r}: inference={self.inference()!r}; choose one of {', '.join(INFERENCE_MODES)}")

    def option_names(self) -> set[str]:
        return {"weights", "threads", "inference", *TRACK_OPTIONS, *self.extra_options} | ({"variant"} if self.variant_choices else set())

    def inference(self) -> str:
        """How the loaded network runs (trackers.siamese.inference): ``exact`` (default) or ``fast``."""
        return str(self.config.get("inference", INFERENCE_MODES[0]))

    def version_suffix(self) -> str:
        """Marks the tracker's version when its network was rewritten in a way that changes bits;
        the exact mode gives the numbers of the plain network, so its version stays as it was."""
        return "" if self.inference() == "exact" else f"/{self.inference()}"

    def check_options(self) -> None:
        """Refuse option values the tracker cannot use (TrackerError), before any run."""
        with_overrides(self.variant(), self.config)

    def variant(self) -> Variant:
        choice = self.config.get("variant")
        if choice is None:
            return VARIANTS[self.default_variant]
        if choice not in self.variant_choices:
            raise TrackerError(f"tracker {self.name!r}: variant={choice!r}; choose one of {', '.join(self.variant_choices)}")
        return VARIANTS[self.variant_choices[choice]]

    def weights_path(self) -> tuple[Path, str]:
        """The checkpoint file looked for, and which setting chose it: a file named by the option or the
        tracker's variable is used as given; the folders ($HARNESS_WEIGHTS, ./weights) when they hold
        one; then the shipped synthetic-trained weights (unless $HARNESS_NO_SHIPPED_WEIGHTS is set);
        else the first folder's path, for the message saying where weights go."""
        name = self.variant().name
        if self.config.get("weights"):
            return Path(self.config["weights"]).expanduser().resolve(), "option weights"
        if os.environ.get(weights_env(name)):
            return Path(os.environ[weights_env(name)]).expanduser().resolve(), f"${weights_env(name)}"
        folders = [(Path("weights", name, WEIGHTS_FILE).resolve(), f"default ./weights/{name}/{WEIGHTS_FILE}")]
        if os.environ.get(WEIGHTS_ENV):
            root = Path(os.environ[WEIGHTS_ENV]).expanduser()
            folders.insert(0, ((root / name / WEIGHTS_FILE).resolve(), f"${WEIGHTS_ENV}"))
        found = next((chosen for chosen in folders if chosen[0].is_file()), None)
        shipped = None if os.environ.get(NO_SHIPPED_ENV) else synthetic_weights(name)
        return found or ((shipped, SHIPPED) if shipped is not None else folders[0])

    def weights_hint(self) -> str:
        """What file belongs at the weights path, in words."""
        variant = self.variant()
        wanted = SOURCES.get(variant.name) or f"the pysot model zoo's {variant.pysot_name} model.pth"
        return f"{wanted}, or a checkpoint saved by trackers.siamese.checkpoint.save_checkpoint"

    def _torch_missing(self) -> str | None:
        if importlib.util.find_spec("torch") is None:
            return f"{self.name} needs PyTorch, which is not installed here: pip install {TORCH_PIN}"
        return None

    def unavailable_reason(self) -> str | None:
        missing = self._torch_missing()
        if missing:
            return missing
        path, source = self.weights_path()
        if path.is_file():
            return None
        variant = self.variant()
        return (
            f"{self.name} ({variant.description}) needs weights; {path} not found ({source}). "
            f"Put {self.weights_hint()} at {path}; "
            f"or pass --tracker-opt {self.name}.weights=<file>, or set ${weights_env(variant.name)}=<file> "
            f"(or ${WEIGHTS_ENV}=<root> holding {variant.name}/{WEIGHTS_FILE})."
        )

    def create(self, device: str = "cpu") -> Tracker:
        missing = self._torch_missing()
        if missing:
            raise TrackerError(missing)
        reason = self.unavailable_reason()
        if reason is not None:
            raise WeightsMissingError(reason)
        import torch

        torch.set_num_threads(int(self.config.get("threads", 1)))
        return self.build(device)

    def create_batch(self, device: str = "cpu", max_batch: int = 8) -> BatchTracker:
        """Several sequences tracked at once, their search forwards batched (trackers.siamese.batch)."""
        from trackers.siamese.batch import BatchTracker
        from trackers.siamese.tracker import SiamRPNTracker

        if not self.supports_batch:
            raise TrackerError(f"tracker {self.name!r} tracks one sequence at a time: it has no batch API "
                               "(see docs/trackers.md, 'Tracking several sequences at once')")
        prototype = self.create(device)
        if not isinstance(prototype, SiamRPNTracker):
            raise TrackerError(f"tracker {self.name!r} built a {type(prototype).__name__}, which the batch API cannot drive")
        return BatchTracker(prototype, max_batch)

    def build(self, device: str) -> Tracker:
        """The tracker, its weights found and torch ready."""
        import torch

        from trackers.siamese.checkpoint import load_weights, read_file, stored_variant, synthetic_only
        from trackers.siamese.inference import for_tracking
        from trackers.siamese.model import build_model
        from trackers.siamese.tracker import SiamRPNTracker, resolve_device

        path = self.weights_path()[0]
        raw = read_file(path)
        variant = stored_variant(raw, self.variant())  # a thinner network trained by `harness train`
        model = build_model(variant)
        loaded = load_weights(model, path, variant, raw)
        # Our checkpoints carry the hyper-parameters they were tuned with; options still win.
        base = variant if loaded.track is None else dataclasses.replace(variant, track=loaded.track)
        track = with_overrides(base, self.config)
        where = resolve_device(device)
        info = TrackerInfo(name=self.name, version=f"{variant.name}-{loaded.layout}/torch-{torch.__version__}{self.version_suffix()}",
                           deterministic=self.deterministic, device=where.type, synthetic_weights=synthetic_only(raw))
        return SiamRPNTracker(for_tracking(model, where, self.inference()), variant, track, where, info)

    def weights_files(self) -> list[Path]:
        return [self.weights_path()[0]]

    @property
    def deterministic(self) -> bool:
        # Fixed weights, no sampling; a fixed thread count gives the same floats each run on CPU.
        return True

    @property
    def wants_gpu(self) -> bool:
        return True


@dataclass(frozen=True)
class SiamRPN(SiamesePlugin):
    """SiamRPN (CVPR 2018): no-padding AlexNet, up-channel RPN, 127/255 crops, 17x17x(2k, 4k) maps."""

    default_variant: ClassVar[str] = "siamrpn"


@dataclass(frozen=True)
class SiamRPNpp(SiamesePlugin):
    """SiamRPN++ (CVPR 2019); option `variant`: r50 (default), alex or mobilev2."""

    default_variant: ClassVar[str] = "siamrpnpp"
    variant_choices: ClassVar[dict[str, str]] = {"r50": "siamrpnpp", "alex": "siamrpnpp-alex", "mobilev2": "siamrpnpp-mobilev2"}


@dataclass(frozen=True)
class SiamRPNppAlex(SiamesePlugin):
    """SiamRPN++'s AlexNet variant (pysot siamrpn_alex_dwxcorr), under its own name."""

    default_variant: ClassVar[str] = "siamrpnpp-alex"


@dataclass(frozen=True)
class SiamRPNppMobileV2(SiamesePlugin):
    """SiamRPN++'s MobileNetV2 variant (pysot siamrpn_mobilev2_l234_dwxcorr), under its own name."""

    default_variant: ClassVar[str] = "siamrpnpp-mobilev2"
