"""The benchmarks the harness knows by name, and where each one's data is found.

A root comes from, in order: the explicit ``--root``, the environment variable
``HARNESS_<NAME>_ROOT`` (OTB-2013 and OTB-50 also accept ``HARNESS_OTB_ROOT``: they are subsets
of the same dataset), and for the synthetic benchmark, the generated cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchmarkError, MissingDataError
from benchmarks.got10k import load_got10k
from benchmarks.names import normalize_name
from benchmarks.otb import load_otb
from benchmarks.sequence import Sequence
from benchmarks.synthetic import synthetic_root
from benchmarks.vot import load_vot

Loader = Callable[[Path, Iterable[str] | None], list[Sequence]]


@dataclass(frozen=True)
class BenchmarkInfo:
    name: str
    description: str
    load: Loader
    env_vars: tuple[str, ...]
    root_hint: str
    aliases: tuple[str, ...] = ()


def _keep(sequences: list[Sequence], names: Iterable[str] | None, benchmark: str) -> list[Sequence]:
    if names is None:
        return sequences
    wanted = {normalize_name(n): n for n in names}
    kept = [s for s in sequences if normalize_name(s.name) in wanted]
    found = {normalize_name(s.name) for s in kept}
    unknown = [n for key, n in wanted.items() if key not in found]
    if unknown:
        raise BenchmarkError(f"{benchmark} has no sequence named {', '.join(unknown)}")
    return kept


def _synthetic(root: Path, names: Iterable[str] | None) -> list[Sequence]:
    return _keep(load_got10k(root, "val", benchmark="synthetic"), names, "synthetic")


def _vot2018(root: Path, names: Iterable[str] | None) -> list[Sequence]:
    return _keep(load_vot(root, "vot2018"), names, "vot2018")


def _otb(version: str) -> Loader:
    # OTB selects before reading, so a root holding only some sequences can still be used.
    return lambda root, names: load_otb(root, version, names)


_OTB_HINT = "the OTB dataset folder or the OTB toolkit's anno folder"

BENCHMARKS: dict[str, BenchmarkInfo] = {
    info.name: info
    for info in (
        BenchmarkInfo("synthetic", "12 generated sequences (GOT-10k layout, built on first use)",
                      _synthetic, ("HARNESS_SYNTHETIC_ROOT",), "a generated synthetic-v1-seed<N> folder"),
        BenchmarkInfo("otb", "OTB-2015 / OTB100, 100 sequences", _otb("otb100"),
                      ("HARNESS_OTB_ROOT",), _OTB_HINT, aliases=("otb100", "otb2015")),
        BenchmarkInfo("otb2013", "OTB-2013, 51 sequences", _otb("otb2013"),
                      ("HARNESS_OTB2013_ROOT", "HARNESS_OTB_ROOT"), _OTB_HINT),
        BenchmarkInfo("otb50", "OTB-50 (TB-50), 50 sequences", _otb("otb50"),
                      ("HARNESS_OTB50_ROOT", "HARNESS_OTB_ROOT"), _OTB_HINT),
        BenchmarkInfo("vot2018", "VOT2018 short-term, 60 sequences (run one-pass on their boxes)",
                      _vot2018, ("HARNESS_VOT2018_ROOT",),
                      "the VOT2018 sequences folder holding list.txt"),
    )
}


def benchmark_info(name: str) -> BenchmarkInfo:
    """The entry for a name or alias (any case); BenchmarkError listing the known names."""
    wanted = name.strip().lower()
    for info in BENCHMARKS.values():
        if wanted == info.name or wanted in info.aliases:
            return info
    known = ", ".join(
        info.name + (f" ({', '.join(info.aliases)})" if info.aliases else "") for info in BENCHMARKS.values()
    )
    raise BenchmarkError(f"unknown benchmark {name!r}; known benchmarks: {known}")


def resolve_root(name: str, root: Path | str | None = None) -> Path:
    """Where `name`'s data is: see the module docstring for the order. Generates synthetic data."""
    info = benchmark_info(name)
    if root is not None:
        path = Path(root).expanduser()
        if not path.exists():
            raise MissingDataError(f"--root {path} for benchmark {info.name} does not exist")
        return path
    for variable in info.env_vars:
        value = os.environ.get(variable)
        if value:
            path = Path(value).expanduser()
            if not path.exists():
                raise MissingDataError(f"{variable}={value} (the {info.name} root) does not exist")
            return path
    if info.name == "synthetic":
        return synthetic_root()
    raise MissingDataError(
        f"no data for benchmark {info.name}: pass --root /path/to/it ({info.root_hint}) "
        f"or set {info.env_vars[0]}=/path/to/it"
    )


def load_benchmark(
    name: str, root: Path | str | None = None, names: Iterable[str] | None = None
) -> list[Sequence]:
    """Load a benchmark's sequences; `names` keeps only those (matched ignoring case, '-', '_', '.')."""
    info = benchmark_info(name)
    return info.load(resolve_root(info.name, root), names)


def unavailable_reason(name: str, root: Path | str | None = None) -> str | None:
    """None when the benchmark can be loaded here, else why not (and how to fix it).

    The synthetic benchmark is always available: it is generated on first use, not here.
    """
    info = benchmark_info(name)
    has_env = any(os.environ.get(v) for v in info.env_vars)
    if info.name == "synthetic" and root is None and not has_env:
        return None
    try:
        info.load(resolve_root(info.name, root), None)
    except BenchmarkError as error:
        return str(error)
    return None
