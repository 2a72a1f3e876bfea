"""The benchmarks the harness knows by name: one `BenchmarkRecord` each, and where each one's data is found.

Records come from this module's `RECORDS`, from `register` (a record made at run time), and from
installed packages that declare one under the ``harness.benchmarks`` entry-point group::

    [project.entry-points."harness.benchmarks"]
    mybench = "my_package.mybench:RECORD"

A root comes from, in order: the explicit ``--root``; the environment variables of the
benchmark, ``HARNESS_<NAME>_ROOT`` first and then the one its family shares (``HARNESS_OTB_ROOT``
for OTB-2013 and OTB-50, ``HARNESS_GOT10K_ROOT`` for every GOT-10k split, ...); the ``[roots]``
table of harness.toml (`benchmarks.roots`), under the benchmark's name, an alias, or the family
key of those variables (``otb``, ``got10k``); and for a generated benchmark (synthetic), its cache.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path

from benchmarks.errors import BenchmarkError, MissingDataError
from benchmarks.got10k import got10k_sources, load_got10k
from benchmarks.lasot import lasot_sources, load_lasot
from benchmarks.nfs import load_nfs, nfs_sources
from benchmarks.otb import load_otb, otb_sources
from benchmarks.record import BenchmarkRecord
from benchmarks.roots import configured_roots
from benchmarks.sequence import Sequence
from benchmarks.trackingnet import load_trackingnet, trackingnet_sources
from benchmarks.uav123 import load_uav, uav_sources
from benchmarks.vot_root import load_vot_root, vot_sources

GROUP = "harness.benchmarks"
VOT_TAGS = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")


def _synthetic_root(benchmark: str) -> Path:
    from benchmarks.synthetic import SIZES, synthetic_root  # generating frames needs OpenCV; loading a root does not

    return synthetic_root(size=SIZES[benchmark])


def _synthetic(name: str, description: str, env: tuple[str, ...], aliases: tuple[str, ...] = ()) -> BenchmarkRecord:
    return BenchmarkRecord(name, description, partial(load_got10k, split="val", benchmark=name),
                           partial(got10k_sources, split="val"), env, f"a generated {name} folder (GOT-10k layout)",
                           ("ope",), _MATLAB, aliases=aliases, generated_root=partial(_synthetic_root, name),
                           image_bound=True)


def _vars(*names: str) -> tuple[str, ...]:
    return tuple(f"HARNESS_{n}_ROOT" for n in names)


_OTB_HINT = "the OTB dataset folder or the OTB toolkit's anno folder"
_UAV_HINT = "the UAV123 dataset folder (anno/, data_seq/) or a toolkit anno folder"
_VOT_HINT = "the sequences folder holding list.txt, or a pysot-style {}.json"
_LASOT_HINT = "the folder holding <class>/<class>-<n>/groundtruth.txt"
_GOT_HINT = "the GOT-10k folder holding {0}/list.txt, or the {0} folder"

# The official kits: OTB, UAV123, NfS and LaSOT are scored with the LaSOT/OTB MATLAB toolkit's
# conventions (every OPE figure, absent frames as failures); the synthetic targets leave the view,
# so it is scored the same way.
_MATLAB = {"ope": "lasot_matlab"}


def _otb(name: str, version: str, description: str, env: tuple[str, ...], aliases: tuple[str, ...] = ()) -> BenchmarkRecord:
    return BenchmarkRecord(name, description, partial(load_otb, version=version), partial(otb_sources, version=version),
                           env, _OTB_HINT, ("ope",), _MATLAB, aliases=aliases)


def _vot(year: int, interval: tuple[int, int]) -> BenchmarkRecord:
    name = f"vot{year}"
    return BenchmarkRecord(
        name, f"VOT{year} short-term, 60 sequences (supervised with resets; also real time and one pass)",
        partial(load_vot_root, benchmark=name), vot_sources, _vars(f"VOT{year}"), _VOT_HINT.format(f"VOT{year}"),
        ("baseline", "realtime", "ope"), {"baseline": "vot_toolkit", "realtime": "vot_toolkit"},
        eao_interval=interval, frame_tags=VOT_TAGS,
    )


def _vot_multistart(name: str, title: str, variable: str) -> BenchmarkRecord:
    """VOT2020 and later short-term: the anchor-based multistart experiment, its real-time variant, the
    unsupervised one (average accuracy) and one pass; the stacks' EAO interval is 115..755
    (vot/stack/vot2020..2022)."""
    return BenchmarkRecord(
        name, f"{title} (multistart from anchors; also real time, unsupervised and one pass)",
        partial(load_vot_root, benchmark=name), vot_sources, _vars(variable),
        "the sequences folder holding list.txt (as `vot initialize` downloads it)",
        ("multistart", "multistart-realtime", "unsupervised", "ope"),
        {"multistart": "vot_toolkit", "multistart-realtime": "vot_toolkit", "unsupervised": "vot_toolkit"},
        eao_interval=(115, 755),
        frame_tags=VOT_TAGS,
    )


def _synthetic_vot(kind: str) -> Path:
    from benchmarks.synthetic_vot import synthetic_vot_root  # generating frames needs OpenCV

    return synthetic_vot_root(kind)


def _vot_longterm(year: int, count: int) -> BenchmarkRecord:
    """VOT-LT: one unsupervised run scored by precision, recall and F-score over the tracker's confidence
    (vot/stack/vot{year}/longterm.yaml), the same on the stack's generated re-detection sequences; also one
    pass."""
    name = f"votlt{year}"
    return BenchmarkRecord(
        name, f"VOT-LT{year} long-term, {count} sequences (precision/recall/F over the tracker's confidence)",
        partial(load_vot_root, benchmark=name), vot_sources, _vars(f"VOTLT{year}"),
        "the sequences folder holding list.txt (as `vot initialize` downloads it)",
        ("longterm", "redetection", "ope"), {"longterm": "vot_toolkit", "redetection": "vot_toolkit"},
        aliases=(f"vot-lt{year}", f"vot{year}lt"),
    )


def _got10k(name: str, split: str, description: str, env: tuple[str, ...], **extra: object) -> BenchmarkRecord:
    return BenchmarkRecord(name, description, partial(load_got10k, split=split, benchmark=name),
                           partial(got10k_sources, split=split), env, _GOT_HINT.format(split), ("ope",),
                           {"ope": "got10k"}, submission="got10k", image_bound=True, **extra)


def _lasot(name: str, subset: str, description: str, env: tuple[str, ...], aliases: tuple[str, ...]) -> BenchmarkRecord:
    return BenchmarkRecord(name, description, partial(load_lasot, subset=subset), partial(lasot_sources, subset=subset),
                           env, _LASOT_HINT, ("ope",), _MATLAB, aliases=aliases)


RECORDS: tuple[BenchmarkRecord, ...] = (
    _synthetic("synthetic", "6 generated sequences of 40-60 frames, the main job's (built on first use)",
               _vars("SYNTHETIC")),
    _synthetic("synthetic_full", "12 generated sequences of 100-300 frames, for smoke tests (built on first use)",
               _vars("SYNTHETIC_FULL"), aliases=("synthetic-full",)),
    _otb("otb", "otb100", "OTB-2015 / OTB100, 100 sequences", _vars("OTB"), aliases=("otb100", "otb2015")),
    _otb("otb2013", "otb2013", "OTB-2013, 51 sequences", _vars("OTB2013", "OTB")),
    _otb("otb50", "otb50", "OTB-50 (TB-50), 50 sequences", _vars("OTB50", "OTB")),
    BenchmarkRecord("uav123", "UAV123, 123 sequences cut from 91 aerial videos", partial(load_uav, version="uav123"),
                    partial(uav_sources, version="uav123"), _vars("UAV123"), _UAV_HINT, ("ope",), _MATLAB,
                    aliases=("uav",)),
    BenchmarkRecord("uav20l", "UAV20L, 20 long aerial videos", partial(load_uav, version="uav20l"),
                    partial(uav_sources, version="uav20l"), _vars("UAV20L", "UAV123"), _UAV_HINT, ("ope",), _MATLAB),
    BenchmarkRecord("nfs30", "Need for Speed, 100 sequences at 30 fps", partial(load_nfs, fps=30),
                    partial(nfs_sources, fps=30), _vars("NFS30", "NFS"), "the NfS folder holding <seq>/30/<seq>.txt",
                    ("ope",), _MATLAB, aliases=("nfs",)),
    BenchmarkRecord("nfs240", "Need for Speed, 100 sequences at 240 fps", partial(load_nfs, fps=240),
                    partial(nfs_sources, fps=240), _vars("NFS240", "NFS"), "the NfS folder holding <seq>/240/<seq>.txt",
                    ("ope",), _MATLAB),
    # EAO intervals of each challenge's supervised experiment, as both toolkits define them.
    _vot(2016, (108, 371)),
    _vot(2017, (100, 356)),
    _vot(2018, (100, 356)),
    _vot(2019, (46, 291)),  # vot/stack/vot2019/shortterm.yaml
    _vot_multistart("vot2020", "VOT-ST2020, 60 sequences with segmentation masks", "VOT2020"),
    _vot_multistart("vot2021", "VOT-ST2021, 60 sequences with segmentation masks", "VOT2021"),
    _vot_multistart("vot2022", "VOT-ST2022, 62 sequences with segmentation masks", "VOT2022"),
    _vot_multistart("vot2022stb", "VOT-STb2022, the bounding-box challenge, 62 sequences", "VOT2022STB"),
    _vot_longterm(2018, 35),
    _vot_longterm(2019, 50),
    _vot_longterm(2020, 50),
    _vot_longterm(2021, 50),
    _vot_longterm(2022, 50),
    BenchmarkRecord("synthetic_vot", "the synthetic sequences as a VOT2022 short-term root: masks, anchors "
                    "(multistart, unsupervised, one pass; built on first use)", partial(load_vot_root,
                    benchmark="synthetic_vot"), vot_sources, _vars("SYNTHETIC_VOT"), "a generated VOT sequences folder",
                    ("multistart", "multistart-realtime", "unsupervised", "ope"),
                    {"multistart": "vot_toolkit", "multistart-realtime": "vot_toolkit", "unsupervised": "vot_toolkit"},
                    eao_interval=(115, 755), generated_root=partial(_synthetic_vot, "masks")),
    BenchmarkRecord("synthetic_votlt", "the synthetic sequences as a VOT-LT root: hidden frames unannotated "
                    "(long-term, one pass; built on first use)", partial(load_vot_root, benchmark="synthetic_votlt"),
                    vot_sources, _vars("SYNTHETIC_VOTLT"), "a generated VOT sequences folder",
                    ("longterm", "redetection", "ope"), {"longterm": "vot_toolkit", "redetection": "vot_toolkit"},
                    generated_root=partial(_synthetic_vot, "longterm")),
    _lasot("lasot", "test", "LaSOT test set, 280 sequences (protocol II)", _vars("LASOT"), ("lasot_test",)),
    _lasot("lasot_full", "full", "LaSOT, all 1,400 sequences (protocol I)", _vars("LASOT_FULL", "LASOT"), ("lasot1400",)),
    _lasot("lasot_ext", "ext", "LaSOT extension subset, 150 sequences of 15 new classes", _vars("LASOT_EXT"),
           ("lasot_extension",)),
    BenchmarkRecord("trackingnet", "TrackingNet TEST, 511 sequences (first frame annotated; server-scored)",
                    partial(load_trackingnet, split="test", benchmark="trackingnet"),
                    partial(trackingnet_sources, split="test"), _vars("TRACKINGNET"),
                    "the TrackingNet folder holding TEST/anno and TEST/frames", ("ope",), {"ope": "trackingnet"},
                    aliases=("trackingnet_test",), submission="trackingnet", server_scored=True),
    BenchmarkRecord("trackingnet_train", "TrackingNet TRAIN_0 ... TRAIN_11 (the chunks found)",
                    partial(load_trackingnet, split="train", benchmark="trackingnet_train"),
                    partial(trackingnet_sources, split="train"), _vars("TRACKINGNET_TRAIN", "TRACKINGNET"),
                    "the TrackingNet folder holding TRAIN_<k>/anno", ("ope",), {"ope": "trackingnet"},
                    submission="trackingnet"),
    _got10k("got10k", "val", "GOT-10k validation split, 180 sequences", _vars("GOT10K_VAL", "GOT10K"),
            aliases=("got10k_val",)),
    _got10k("got10k_test", "test", "GOT-10k test split, 180 sequences (first frame annotated; server-scored)",
            _vars("GOT10K_TEST", "GOT10K"), server_scored=True),
    _got10k("got10k_train", "train", "GOT-10k training split, 9,335 sequences", _vars("GOT10K_TRAIN", "GOT10K")),
)

_registered: dict[str, BenchmarkRecord] = {}


def register(record: BenchmarkRecord) -> None:
    """Make a record known by its name and aliases; a name or alias another benchmark has is an error."""
    for other in records().values():
        shared = {other.name, *other.aliases} & {record.name, *record.aliases}
        if shared and other is not record:
            raise BenchmarkError(f"benchmark {record.name!r}: {sorted(shared)[0]!r} already names benchmark {other.name!r}")
    _registered[record.name] = record


def unregister(name: str) -> None:
    """Forget a record given to `register` (a built-in one stays)."""
    _registered.pop(name, None)


@functools.cache
def _installed() -> dict[str, BenchmarkRecord]:
    found = {}
    for ep in entry_points(group=GROUP):
        try:
            record = ep.load()
        except Exception as exc:
            raise BenchmarkError(f"benchmark plugin {ep.name!r} ({ep.value}) failed to import: "
                                 f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(record, BenchmarkRecord):
            raise BenchmarkError(f"benchmark plugin {ep.name!r}: {ep.value} is not a BenchmarkRecord")
        found[record.name] = record
    return found


def records() -> dict[str, BenchmarkRecord]:
    """Every known record by name: built in, installed, then registered."""
    return {**{r.name: r for r in RECORDS}, **_installed(), **_registered}


def benchmark_record(name: str) -> BenchmarkRecord:
    """The record for a name or alias (any case); BenchmarkError listing the known names."""
    wanted = name.strip().lower()
    known = records()
    for record in known.values():
        if wanted == record.name or wanted in record.aliases:
            return record
    listing = ", ".join(r.name + (f" ({', '.join(r.aliases)})" if r.aliases else "") for r in known.values())
    raise BenchmarkError(f"unknown benchmark {name!r}; known benchmarks: {listing}")


def resolve_root(name: str, root: Path | str | None = None) -> Path:
    """Where `name`'s data is, as an absolute path (workers on other nodes, or started in another folder,
    read frames by the paths derived from it): see the module docstring for the order. Generates
    synthetic data."""
    return _root(name, root).absolute()


def _root(name: str, root: Path | str | None) -> Path:
    record = benchmark_record(name)
    if root is not None:
        path = Path(root).expanduser()
        if not path.exists():
            raise MissingDataError(f"--root {path} for benchmark {record.name} does not exist")
        return path
    for variable in record.env_vars:
        value = os.environ.get(variable)
        if value:
            path = Path(value).expanduser()
            if not path.exists():
                raise MissingDataError(f"{variable}={value} (the {record.name} root) does not exist")
            return path
    config, roots = configured_roots()
    for key in record.config_keys:
        if key in roots:
            if not roots[key].exists():
                raise MissingDataError(f"{config}: {key} = {roots[key]} (the {record.name} root) does not exist")
            return roots[key]
    if record.generated_root is not None:
        return record.generated_root()
    raise MissingDataError(
        f"no data for benchmark {record.name}: pass --root /path/to/it ({record.root_hint}) "
        f"or set {record.env_vars[0]}=/path/to/it (or add {record.name} = \"/path/to/it\" under [roots] in {config})"
    )


def load_benchmark(
    name: str, root: Path | str | None = None, names: Iterable[str] | None = None
) -> list[Sequence]:
    """Load a benchmark's sequences; `names` keeps only those (matched ignoring case, '-', '_', '.')."""
    record = benchmark_record(name)
    return record.load(resolve_root(record.name, root), names=names)


def unavailable_reason(name: str, root: Path | str | None = None) -> str | None:
    """None when the benchmark can be loaded here, else why not (and how to fix it).

    A generated benchmark is always available: it is built on first use, not here.
    """
    record = benchmark_record(name)
    if record.generated_root is not None and root is None and not any(os.environ.get(v) for v in record.env_vars):
        return None
    try:
        record.load(resolve_root(record.name, root))
    except BenchmarkError as error:
        return str(error)
    return None
