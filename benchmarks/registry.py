"""The benchmarks the harness knows by name, and where each one's data is found.

A root comes from, in order: the explicit ``--root``; the environment variables of the
benchmark, ``HARNESS_<NAME>_ROOT`` first and then the one its family shares (``HARNESS_OTB_ROOT``
for OTB-2013 and OTB-50, ``HARNESS_GOT10K_ROOT`` for every GOT-10k split, ...); the ``[roots]``
table of harness.toml (`benchmarks.roots`), under the benchmark's name, an alias, or the family
key of those variables (``otb``, ``got10k``); and for the synthetic benchmark, the generated cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchmarkError, MissingDataError
from benchmarks.got10k import load_got10k
from benchmarks.lasot import load_lasot
from benchmarks.names import normalize_name
from benchmarks.nfs import load_nfs
from benchmarks.otb import load_otb
from benchmarks.roots import configured_roots
from benchmarks.sequence import Sequence
from benchmarks.synthetic import synthetic_root
from benchmarks.trackingnet import load_trackingnet
from benchmarks.uav123 import load_uav
from benchmarks.vot_json import load_vot_json
from benchmarks.vot_legacy import load_vot_folders

Loader = Callable[[Path, Iterable[str] | None], list[Sequence]]


@dataclass(frozen=True)
class BenchmarkInfo:
    name: str
    description: str
    load: Loader
    env_vars: tuple[str, ...]
    root_hint: str
    aliases: tuple[str, ...] = ()
    server_scored: bool = False  # ground truth withheld: only the benchmark's server scores it

    @property
    def config_keys(self) -> tuple[str, ...]:
        """harness.toml keys that name this benchmark's root."""
        family = tuple(v.removeprefix("HARNESS_").removesuffix("_ROOT").lower() for v in self.env_vars)
        return (self.name, *self.aliases, *family)


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


def _otb(version: str) -> Loader:
    # OTB, UAV and LaSOT select before reading, so a root holding only some sequences can be used.
    return lambda root, names: load_otb(root, version, names)


def _vot(name: str) -> Loader:
    def load(root: Path, names: Iterable[str] | None) -> list[Sequence]:
        if root.is_file():  # a pysot-style dataset json: annotations only
            return load_vot_json(root, name, names)
        return _keep(load_vot_folders(root, name), names, name)
    return load


def _got10k(split: str, name: str) -> Loader:
    return lambda root, names: _keep(load_got10k(root, split, benchmark=name), names, name)


def _vars(*names: str) -> tuple[str, ...]:
    return tuple(f"HARNESS_{n}_ROOT" for n in names)


_OTB_HINT = "the OTB dataset folder or the OTB toolkit's anno folder"
_UAV_HINT = "the UAV123 dataset folder (anno/, data_seq/) or a toolkit anno folder"
_VOT_HINT = "the sequences folder holding list.txt, or a pysot-style {}.json"
_LASOT_HINT = "the folder holding <class>/<class>-<n>/groundtruth.txt"
_GOT_HINT = "the GOT-10k folder holding {0}/list.txt, or the {0} folder"

BENCHMARKS: dict[str, BenchmarkInfo] = {
    info.name: info
    for info in (
        BenchmarkInfo("synthetic", "12 generated sequences (GOT-10k layout, built on first use)",
                      _synthetic, _vars("SYNTHETIC"), "a generated synthetic-v1-seed<N> folder"),
        BenchmarkInfo("otb", "OTB-2015 / OTB100, 100 sequences", _otb("otb100"),
                      _vars("OTB"), _OTB_HINT, aliases=("otb100", "otb2015")),
        BenchmarkInfo("otb2013", "OTB-2013, 51 sequences", _otb("otb2013"), _vars("OTB2013", "OTB"), _OTB_HINT),
        BenchmarkInfo("otb50", "OTB-50 (TB-50), 50 sequences", _otb("otb50"), _vars("OTB50", "OTB"), _OTB_HINT),
        BenchmarkInfo("uav123", "UAV123, 123 sequences cut from 91 aerial videos",
                      lambda root, names: load_uav(root, "uav123", names), _vars("UAV123"), _UAV_HINT,
                      aliases=("uav",)),
        BenchmarkInfo("uav20l", "UAV20L, 20 long aerial videos", lambda root, names: load_uav(root, "uav20l", names),
                      _vars("UAV20L", "UAV123"), _UAV_HINT),
        BenchmarkInfo("nfs30", "Need for Speed, 100 sequences at 30 fps",
                      lambda root, names: load_nfs(root, 30, names), _vars("NFS30", "NFS"),
                      "the NfS folder holding <seq>/30/<seq>.txt", aliases=("nfs",)),
        BenchmarkInfo("nfs240", "Need for Speed, 100 sequences at 240 fps",
                      lambda root, names: load_nfs(root, 240, names), _vars("NFS240", "NFS"),
                      "the NfS folder holding <seq>/240/<seq>.txt"),
        *(BenchmarkInfo(f"vot{year}", f"VOT{year} short-term, 60 sequences (run one-pass on their boxes)",
                        _vot(f"vot{year}"), _vars(f"VOT{year}"), _VOT_HINT.format(f"VOT{year}"))
          for year in (2016, 2017, 2018)),
        BenchmarkInfo("lasot", "LaSOT test set, 280 sequences (protocol II)",
                      lambda root, names: load_lasot(root, "test", names), _vars("LASOT"), _LASOT_HINT,
                      aliases=("lasot_test",)),
        BenchmarkInfo("lasot_full", "LaSOT, all 1,400 sequences (protocol I)",
                      lambda root, names: load_lasot(root, "full", names), _vars("LASOT_FULL", "LASOT"),
                      _LASOT_HINT, aliases=("lasot1400",)),
        BenchmarkInfo("lasot_ext", "LaSOT extension subset, 150 sequences of 15 new classes",
                      lambda root, names: load_lasot(root, "ext", names), _vars("LASOT_EXT"), _LASOT_HINT,
                      aliases=("lasot_extension",)),
        BenchmarkInfo("trackingnet", "TrackingNet TEST, 511 sequences (first frame annotated; server-scored)",
                      lambda root, names: load_trackingnet(root, "test", names, "trackingnet"),
                      _vars("TRACKINGNET"), "the TrackingNet folder holding TEST/anno and TEST/frames",
                      aliases=("trackingnet_test",), server_scored=True),
        BenchmarkInfo("trackingnet_train", "TrackingNet TRAIN_0 ... TRAIN_11 (the chunks found)",
                      lambda root, names: load_trackingnet(root, "train", names, "trackingnet_train"),
                      _vars("TRACKINGNET_TRAIN", "TRACKINGNET"), "the TrackingNet folder holding TRAIN_<k>/anno"),
        BenchmarkInfo("got10k", "GOT-10k validation split, 180 sequences", _got10k("val", "got10k"),
                      _vars("GOT10K_VAL", "GOT10K"), _GOT_HINT.format("val"), aliases=("got10k_val",)),
        BenchmarkInfo("got10k_test", "GOT-10k test split, 180 sequences (first frame annotated; server-scored)",
                      _got10k("test", "got10k_test"), _vars("GOT10K_TEST", "GOT10K"), _GOT_HINT.format("test"),
                      server_scored=True),
        BenchmarkInfo("got10k_train", "GOT-10k training split, 9,335 sequences", _got10k("train", "got10k_train"),
                      _vars("GOT10K_TRAIN", "GOT10K"), _GOT_HINT.format("train")),
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
    config, roots = configured_roots()
    for key in info.config_keys:
        if key in roots:
            if not roots[key].exists():
                raise MissingDataError(f"{config}: {key} = {roots[key]} (the {info.name} root) does not exist")
            return roots[key]
    if info.name == "synthetic":
        return synthetic_root()
    raise MissingDataError(
        f"no data for benchmark {info.name}: pass --root /path/to/it ({info.root_hint}) "
        f"or set {info.env_vars[0]}=/path/to/it (or add {info.name} = \"/path/to/it\" under [roots] in {config})"
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
