"""The HTML report in a real browser: headless Chromium (Debian's package) opens it from disk with the
network emulated offline; no console error, no request but the page itself (and data: images plotly
makes), no script run from a name, and every plot area drawn (its screenshot is not blank)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.chromium import chromium_binary, load
from tests.report_stores import harness, import_otb, otb_anno, require_tool, vot_store, vot_truth
from tests.conftest import realdata_path

EVIL = "<script>alert(1)</script>"
LOCAL = ("file:", "data:", "blob:", "about:")


def _drawn(png: bytes) -> float:
    """Fraction of the area drawn in something darker than the page's light greys."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return float((image < 200).mean())


def _check(page: Path, plots: int) -> str:
    require_tool(chromium_binary(), "chromium", "chromium")
    loaded = load(page)
    assert loaded.dialogs == [], "a script ran from the page's data"
    assert loaded.ready == "drawn", loaded.console_errors + loaded.exceptions
    assert loaded.console_errors == [] and loaded.exceptions == []
    assert [r for r in loaded.requests if not r.startswith(LOCAL)] == []
    assert len(loaded.shots) == plots
    blank = [i for i, shot in enumerate(loaded.shots) if _drawn(shot) < 0.003]
    assert blank == [], f"plot areas {blank} are blank"
    return loaded.text


@pytest.mark.parametrize("tracker", [EVIL])
def test_otb_page_draws_offline_and_shows_a_script_name_as_text(tmp_path, tracker) -> None:
    results = tmp_path / "results"
    import_otb(results, tracker, realdata_path("otb", "results", "SiamRPN++"))
    import_otb(results, "SiamFC")
    page = tmp_path / "otb.html"
    code, out = harness("report", "--bench", "otb", "--root", str(otb_anno()), "--profile", "pysot", "--results",
                        str(results), "-o", str(page))
    assert code == 0, out
    text = _check(page, plots=6)  # success, precision, normalized precision, per attribute, 2 heat maps
    assert tracker in text


def test_vot_page_draws_offline(tmp_path) -> None:
    page = tmp_path / "vot.html"
    code, out = harness("report", "--bench", "vot2018", "--root", str(vot_truth()), "--profile", "vot_toolkit",
                        "--results", str(vot_store()), "-o", str(page))
    assert code == 0, out
    _check(page, plots=4)  # EAO curve, AR plot, accuracy and failures heat maps


def test_vot2020_multistart_and_longterm_pages_draw_offline(tmp_path) -> None:
    from tests.vot2020_stores import roots, write_longterm, write_short_term

    benchmark_roots = roots(tmp_path)
    results = tmp_path / "results"
    for seed, tracker in enumerate(("alpha", "beta")):
        write_short_term(results, benchmark_roots["synthetic_vot"], "multistart", tracker, seed)
        write_longterm(results, benchmark_roots["synthetic_votlt"], tracker, seed)
    for bench, protocol, plots in (("synthetic_vot", "multistart", 4),  # EAO plot, AR plot, 2 heat maps
                                   ("synthetic_votlt", "longterm", 5)):  # PR curve, F curve, 3 heat maps
        page = tmp_path / f"{protocol}.html"
        code, out = harness("report", "--bench", bench, "--root", str(benchmark_roots[bench]), "--protocol", protocol,
                            "--results", str(results), "-o", str(page))
        assert code == 0, out
        _check(page, plots=plots)
