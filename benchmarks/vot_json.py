"""A pysot-style dataset json (``VOT2018.json``) as an annotation-only VOT source.

One object per sequence: ``gt_rect`` (one region per frame: 8-value polygon, 4-value ``x,y,w,h``
rectangle as in conduction1, or ``[]`` for an unannotated frame), ``img_names``, ``width``,
``height``, and one 0/1 list per tag (``camera_motion``, ``occlusion``, ...). An empty tag list
means the sequence has no such tag file (ball1 and car1 ``occlusion``, matrix ``camera_motion``
in VOT2018); it is left out, as the folder readers leave out a tag file that is not there.
Sequences have no frames: they score imported results but cannot be run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.annotation_files import read_bytes
from benchmarks.errors import AnnotationError, BenchmarkError
from benchmarks.sequence import Sequence
from benchmarks.vot import rectangles_to_polygons

_NOT_TAGS = {"video_dir", "init_rect", "img_names", "gt_rect", "width", "height", "attr"}


def read_dataset_json(path: Path) -> dict[str, Any]:
    """The decoded json; AnnotationError with the line of a syntax error or a wrong top level."""
    text = read_bytes(path, what="dataset json").decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnnotationError(path, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(data, dict) or not data:
        raise AnnotationError(path, 1, "expected an object mapping sequence names to their annotations")
    return data


def load_vot_json(path: Path | str, benchmark: str, names: Iterable[str] | None = None) -> list[Sequence]:
    path = Path(path).expanduser()
    data = read_dataset_json(path)
    selected = list(data) if names is None else list(names)
    unknown = [n for n in selected if n not in data]
    if unknown:
        raise BenchmarkError(f"{path} has no sequence named {', '.join(unknown)}")
    return [json_sequence(path, name, data[name], benchmark) for name in selected]


def entry_line(text: str, name: str) -> int:
    """The line of the json `text` where sequence `name`'s entry begins (1 when it cannot be found)."""
    return text.count("\n", 0, max(text.find(json.dumps(name)), 0)) + 1


def json_sequence(path: Path, name: str, entry: Any, benchmark: str) -> Sequence:
    """One entry as a Sequence; errors name the json, the line of the entry and the field."""
    def fail(problem: str) -> AnnotationError:
        text = read_bytes(path, what="dataset json").decode("utf-8", errors="replace")
        return AnnotationError(path, entry_line(text, name), f"sequence {name!r}: {problem}")

    if not isinstance(entry, dict) or not isinstance(entry.get("gt_rect"), list) or not entry["gt_rect"]:
        raise fail("expected an object with a non-empty gt_rect list")
    rows = []
    for index, region in enumerate(entry["gt_rect"], start=1):
        if not isinstance(region, list) or len(region) not in (0, 4, 8) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in region):
            raise fail(f"gt_rect frame {index}: expected [] or 4 or 8 numbers, got {str(region)[:40]}")
        rows.append(region)
    polygons = _regions(rows)
    tags = {}
    for key, flags in entry.items():
        if key in _NOT_TAGS or not isinstance(flags, list) or not flags:
            continue
        if len(flags) != len(rows) or any(f not in (0, 1) or isinstance(f, float) for f in flags):
            raise fail(f"tag {key!r}: expected {len(rows)} values 0 or 1 (one per frame), or none")
        tags[key] = np.array(flags, dtype=bool)
    width, height = entry.get("width"), entry.get("height")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        raise fail(f"expected positive integers width and height, got {width!r} and {height!r}")
    return Sequence(name, benchmark, polygons, frame_tags=tags, image_size=(width, height))


def _regions(rows: list[list[float]]) -> np.ndarray:
    """(N, 4) when every annotated frame is a rectangle, else (N, 8) polygons.

    A rectangle stays a rectangle: the VOT toolkit rasterises an x,y,w,h region over w pixels but
    the polygon of its corners over w + 1, so converting would change every overlap.
    """
    width = 4 if all(len(r) in (0, 4) for r in rows) else 8
    out = np.full((len(rows), width), np.nan)
    for i, region in enumerate(rows):
        if len(region) == 4 and width == 8:
            region = rectangles_to_polygons(np.array([region], dtype=np.float64))[0].tolist()
        if region:
            out[i] = region
    return out
