"""Every fact about one benchmark, in one declarative record.

A record is plain data: the harness reads it to load and check the benchmark, to pick the
experiment and profile a command uses by default, to score VOT's EAO, to write server archives.
Adding a benchmark is one loader module (a `load` and a `check` function) and one record,
registered in `benchmarks.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from benchmarks.sequence import Sequence
from benchmarks.sources import CheckSources


class Loader(Protocol):
    def __call__(self, root: Path, names: Iterable[str] | None = None) -> list[Sequence]:
        """The benchmark's sequences at `root`; `names` keeps only those (an unknown name is an error)."""


@dataclass(frozen=True)
class BenchmarkRecord:
    name: str  # the store folder and the CLI's --bench word
    description: str
    load: Loader
    check: CheckSources  # what `harness bench check` reads: (root, name) -> (problems, sources)
    env_vars: tuple[str, ...]  # HARNESS_<NAME>_ROOT first, then the variable its family shares
    root_hint: str  # what --root should point at, in words, for error messages
    # Experiments (harness.experiments names) it is run and scored under; the first is the default.
    experiments: tuple[str, ...]
    # The profile of the benchmark's official toolkit, per experiment; an experiment left out has no
    # official one and needs --profile.
    default_profiles: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    eao_interval: tuple[int, int] | None = None  # the EAO interval of its supervised experiment (VOT)
    submission: str | None = None  # archive format its evaluation server accepts: "got10k" or "trackingnet"
    server_scored: bool = False  # ground truth withheld after the first frame: only the server scores it
    generated_root: Callable[[], Path] | None = None  # built on first use when no root is given (synthetic)
    frame_tags: tuple[str, ...] = field(default=())  # per-frame tags its annotations may carry (VOT's five)
    # The got10k toolkit's experiment for its layout (GOT-10k's) clips boxes to the image before its IoU.
    image_bound: bool = False

    @property
    def default_experiment(self) -> str:
        return self.experiments[0]

    @property
    def config_keys(self) -> tuple[str, ...]:
        """harness.toml keys that name this benchmark's root."""
        family = tuple(v.removeprefix("HARNESS_").removesuffix("_ROOT").lower() for v in self.env_vars)
        return (self.name, *self.aliases, *family)
