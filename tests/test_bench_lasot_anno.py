"""LaSOT from its MATLAB toolkit's annos/ folder: annotations only, scored as the toolkit scores them."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.lasot_table import lasot_names
from benchmarks.registry import load_benchmark
from harness.evaluate import score_trackers
from harness.formats.imported import import_results

NAMES = lasot_names("test")[:2]


@pytest.fixture
def toolkit(tmp_path):
    annos = tmp_path / "LaSOT_Evaluation_Toolkit" / "annos"
    (annos / "absent").mkdir(parents=True)
    (annos / "att").mkdir()
    rng = np.random.default_rng(0)
    for k, name in enumerate(NAMES):
        boxes = np.column_stack([rng.integers(1, 200, (40, 2)), rng.integers(10, 60, (40, 2))])
        np.savetxt(annos / f"{name}.txt", boxes, fmt="%d", delimiter=",")
        absent = np.zeros(40, int)
        absent[10 + k : 20] = 1
        np.savetxt(annos / "absent" / f"{name}.txt", absent, fmt="%d")
        (annos / "att" / f"{name}.txt").write_text(",".join(["1"] + ["0"] * 13) + "\n")
    return annos.parent


def test_annos_folder_loads_without_frames(toolkit):
    for root in (toolkit, toolkit / "annos"):
        first, second = load_benchmark("lasot", root, names=NAMES)
        assert not first.runnable and len(first) == 40
        assert first.absent.sum() == 10 and second.absent.sum() == 9
        assert first.attributes == ("IV",)


def test_ground_truth_as_results_scores_the_present_fraction(toolkit, tmp_path):
    """The LaSOT kit counts absent frames as failures over the full length: GT as output scores the
    present fraction at every threshold but 1.0 (IoU 1 is not > 1)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in NAMES:
        (raw / f"{name}.txt").write_text((toolkit / "annos" / f"{name}.txt").read_text())
    results = tmp_path / "results"
    # This toolkit copy holds 2 of the 280 test sequences: import and score those two.
    sequences = load_benchmark("lasot", toolkit, names=NAMES)
    report = import_results(raw, "gt", "lasot", sequences, results)
    assert report.imported == sorted(NAMES) and not report.unplaced
    (score,) = score_trackers(results, "lasot", sequences, "lasot_matlab")
    present = np.array([30 / 40, 31 / 40])
    assert score.result.auc == pytest.approx(np.mean(present) * 20 / 21, abs=1e-12)
    assert score.result.precision == pytest.approx(np.mean(present), abs=1e-12)


def test_missing_and_inconsistent_files_are_named(toolkit):
    (toolkit / "annos" / "absent" / f"{NAMES[0]}.txt").write_text("0\n1\n")
    with pytest.raises(AnnotationError, match=rf"absent/{NAMES[0]}.txt: 2 flags for the 40 frames"):
        load_benchmark("lasot", toolkit, names=NAMES)
    with pytest.raises(MissingDataError, match="278 of 280 sequences have no annotation file"):
        load_benchmark("lasot", toolkit)
