"""One small copy of each benchmark layout whose ground truth `bench check` reads, written with a chosen
first-frame region: the official folder and file names, every other file valid, no frame files."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.otb_table import otb_entries
from benchmarks.uav123_table import uav_entries

GOOD = (1.0, 1.0, 10.0, 10.0)
GOOD_POLYGON = (1.0, 1.0, 11.0, 1.0, 11.0, 11.0, 1.0, 11.0)


@dataclass(frozen=True)
class Layout:
    bench: str  # the benchmark `bench check` is asked about
    root: Path  # its --root
    sequence: str
    annotation: Path  # the file holding the first frame's region
    first_line: int  # its line


def _numbers(region: tuple[float, ...]) -> str:
    return ",".join("NaN" if math.isnan(v) else f"{v:g}" for v in region)


def _lines(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    return path


def otb_dataset(base: Path, first: tuple[float, ...]) -> Layout:
    """Tiger1, whose file begins with 5 lines OTB does not evaluate: the first frame is line 6."""
    entry = next(e for e in otb_entries() if e.name == "Tiger1")
    rows = [_numbers(GOOD)] * entry.init_omit + [_numbers(first)] + [_numbers(GOOD)] * (entry.length - 1)
    path = _lines(base / "OTB100" / "Tiger1" / "groundtruth_rect.txt", rows)
    return Layout("otb", base / "OTB100", "Tiger1", path, entry.init_omit + 1)


def otb_anno(base: Path, first: tuple[float, ...]) -> Layout:
    entry = next(e for e in otb_entries() if e.name == "Tiger1")
    path = _lines(base / "anno" / "tiger1.txt", [_numbers(first)] + [_numbers(GOOD)] * (entry.length - 1))
    return Layout("otb", base / "anno", "Tiger1", path, 1)


def uav123(base: Path, first: tuple[float, ...]) -> Layout:
    entry = uav_entries("uav123")[0]
    path = _lines(base / "UAV123" / f"{entry.name}.txt", [_numbers(first)] + [_numbers(GOOD)] * (entry.length - 1))
    return Layout("uav123", base / "UAV123", entry.name, path, 1)


def nfs(base: Path, first: tuple[float, ...]) -> Layout:
    """VATIC lines, xmin ymin xmax ymax; two frames at 30 fps (lines 1 and 9)."""
    def line(frame: int, box: tuple[float, ...]) -> str:
        x, y, w, h = box
        return f'1 {x:g} {y:g} {x + w:g} {y + h:g} {frame} 0 0 0 "bee"'

    rows = [line(0, first)] + [line(i, GOOD) for i in range(1, 16)]
    path = _lines(base / "NfS" / "bee" / "30" / "bee.txt", rows)
    return Layout("nfs30", base / "NfS", "bee", path, 1)


def lasot(base: Path, first: tuple[float, ...]) -> Layout:
    folder = base / "LaSOT" / "airplane" / "airplane-1"
    path = _lines(folder / "groundtruth.txt", [_numbers(first), _numbers(GOOD), _numbers(GOOD)])
    for name in ("full_occlusion", "out_of_view"):
        _lines(folder / f"{name}.txt", ["0,0,0"])
    _lines(folder / "nlp.txt", ["a plane"])
    return Layout("lasot", base / "LaSOT", "airplane-1", path, 1)


def got10k(base: Path, first: tuple[float, ...], bench: str = "got10k") -> Layout:
    val = base / "GOT-10k" / "val"
    path = _lines(val / "seq" / "groundtruth.txt", [_numbers(first), _numbers(GOOD), _numbers(GOOD)])
    for label in ("absence", "cut_by_image"):
        _lines(val / "seq" / f"{label}.label", ["0"] * 3)
    _lines(val / "seq" / "cover.label", ["8"] * 3)
    _lines(val / "list.txt", ["seq"])
    return Layout(bench, base / "GOT-10k", "seq", path, 1)


def synthetic(base: Path, first: tuple[float, ...]) -> Layout:
    """The synthetic benchmarks are read as GOT-10k val splits."""
    return got10k(base, first, "synthetic")


def trackingnet(base: Path, first: tuple[float, ...]) -> Layout:
    """TEST: the first frame only; the frame count comes from the frame folder."""
    chunk = base / "TrackingNet" / "TEST"
    path = _lines(chunk / "anno" / "seq.txt", [_numbers(first)])
    (chunk / "frames" / "seq").mkdir(parents=True)
    for k in range(3):
        (chunk / "frames" / "seq" / f"{k}.jpg").write_bytes(b"")
    return Layout("trackingnet", base / "TrackingNet", "seq", path, 1)


def vot_folders(base: Path, first: tuple[float, ...]) -> Layout:
    """The VOT2018 layout; 8-value regions are polygons, 4-value ones rectangles."""
    root = base / "vot2018"
    good = GOOD_POLYGON if len(first) == 8 else GOOD
    path = _lines(root / "seq" / "groundtruth.txt", [_numbers(first), _numbers(good), _numbers(good)])
    _lines(root / "seq" / "sequence", ["channels.color=color/%08d.jpg", "width=64", "height=48"])
    _lines(root / "seq" / "occlusion.tag", ["0", "1"])
    _lines(root / "list.txt", ["seq"])
    return Layout("vot2018", root, "seq", path, 1)


def vot_json(base: Path, first: tuple[float, ...]) -> Layout:
    """A pysot-style json; an unannotated frame is [] (NaN), the entry of `seq` begins on line 3."""
    region = [] if any(math.isnan(v) for v in first) else list(first)
    data = {"other": {"gt_rect": [list(GOOD_POLYGON)], "img_names": ["other/1.jpg"], "width": 64, "height": 48},
            "seq": {"gt_rect": [region, list(GOOD_POLYGON)], "img_names": ["seq/1.jpg", "seq/2.jpg"], "width": 64,
                    "height": 48}}
    path = base / "VOT2018.json"
    path.write_text(json.dumps(data, indent=None, separators=(",", ":")).replace('"seq":', '\n\n"seq":'))
    return Layout("vot2018", path, "seq", path, 3)


BOX_LAYOUTS: dict[str, Callable[[Path, tuple[float, ...]], Layout]] = {
    "otb_dataset": otb_dataset, "otb_anno": otb_anno, "uav123": uav123, "nfs": nfs, "lasot": lasot,
    "got10k": got10k, "synthetic": synthetic, "trackingnet": trackingnet, "vot_folders": vot_folders,
}
POLYGON_LAYOUTS: dict[str, Callable[[Path, tuple[float, ...]], Layout]] = {"vot_folders": vot_folders,
                                                                           "vot_json": vot_json}
