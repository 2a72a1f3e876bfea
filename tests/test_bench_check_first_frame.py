"""`harness bench check` names a first frame no tracker can start from (NaN, or a width or height not above
0: `harness run` fails such a sequence) with its file and line, in every layout whose ground truth it reads."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.check import check_benchmark
from harness.cli import main
from tests.bench_layouts import BOX_LAYOUTS, GOOD, GOOD_POLYGON, POLYGON_LAYOUTS, Layout

NAN = math.nan
BOXES = {"nan": ((NAN,) * 4, "is not a box (NaN)"),
         "negative width": ((10.0, 10.0, -5.0, 20.0), "has width -5 and height 20"),
         "zero height": ((10.0, 10.0, 20.0, 0.0), "has width 20 and height 0")}
POLYGONS = {"nan": ((NAN,) * 8, "is not a box (NaN)"),
            "zero width": ((5.0, 1.0, 5.0, 1.0, 5.0, 9.0, 5.0, 9.0), "has upright bounds of width 0 and height 8")}


def _first_frame_problems(layout: Layout) -> list[tuple[Path, int | None, str]]:
    return [(p.file, p.line, p.message) for p in check_benchmark(layout.bench, layout.root)
            if "first frame" in p.message]


def _expect(layout: Layout, what: str, values: str, why: str) -> None:
    assert _first_frame_problems(layout) == [(layout.annotation, layout.first_line, (
        f"first frame of {layout.sequence}: {what} {values} {why}; trackers start from the first frame's box, "
        "so a run fails this sequence: expected finite numbers, width and height above 0"))]


@pytest.mark.parametrize(("kind", "defect"), [(kind, defect) for kind in BOX_LAYOUTS for defect in BOXES
                                               if (kind, defect) != ("nfs", "nan")])  # NfS's grammar has no NaN
def test_a_box_no_tracker_can_start_from_is_named_with_its_line(tmp_path, kind: str, defect: str) -> None:
    region, why = BOXES[defect]
    _expect(BOX_LAYOUTS[kind](tmp_path, region), "box x,y,w,h", ",".join(f"{v:g}" for v in region), why)


@pytest.mark.parametrize("defect", POLYGONS)
@pytest.mark.parametrize("kind", POLYGON_LAYOUTS)
def test_a_polygon_without_area_is_named_with_its_line(tmp_path, kind: str, defect: str) -> None:
    region, why = POLYGONS[defect]
    # In the json a NaN region is [], an unannotated frame: a row of NaN beside the others' polygons.
    _expect(POLYGON_LAYOUTS[kind](tmp_path, region), "polygon", ",".join(f"{v:g}" for v in region), why)


@pytest.mark.parametrize("kind", sorted({*BOX_LAYOUTS, *POLYGON_LAYOUTS}))
def test_a_usable_first_frame_is_no_problem(tmp_path, kind: str) -> None:
    layouts = {**BOX_LAYOUTS, **POLYGON_LAYOUTS}
    assert _first_frame_problems(layouts[kind](tmp_path, GOOD_POLYGON if kind == "vot_json" else GOOD)) == []


def test_cli_reports_it_and_exits_1(tmp_path, capsys) -> None:
    layout = BOX_LAYOUTS["got10k"](tmp_path, (1.0, 2.0, 0.0, 4.0))
    assert main(["bench", "check", "--bench", "got10k", "--root", str(layout.root)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == (
        f"{layout.annotation}:1: first frame of seq: box x,y,w,h 1,2,0,4 has width 0 and height 4; trackers start "
        "from the first frame's box, so a run fails this sequence: expected finite numbers, width and height above 0")
    assert "Traceback" not in err and "2 problem(s)" in err  # and the frame files, absent here
