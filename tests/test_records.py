"""Every registered benchmark record holds every fact the harness needs, consistently; a benchmark can be
added with one loader module and one record, and run, scored and checked with no other edit."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.errors import BenchmarkError
from benchmarks.record import BenchmarkRecord
from benchmarks.registry import benchmark_record, records, register, unregister
from harness.cli import main
from harness.experiments import EXPERIMENTS
from harness.records import record_problems

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(records()))
def test_every_registered_record_is_complete(name: str) -> None:
    record = records()[name]
    assert record_problems(record) == []
    assert record.name == name and benchmark_record(name) is record
    for alias in record.aliases:
        assert benchmark_record(alias) is record
    # the default experiment has an official profile, and it can score that experiment
    experiment = EXPERIMENTS[record.default_experiment]
    assert experiment.profile(record.default_profiles[experiment.name]).name == record.default_profiles[experiment.name]


def test_an_incomplete_record_is_named_with_what_it_lacks() -> None:
    vot = benchmark_record("vot2018")
    broken = dataclasses.replace(vot, name="brokenvot", aliases=(), eao_interval=None,
                                 default_profiles={"baseline": "lasot_matlab"}, env_vars=("BROKEN",))
    problems = " | ".join(record_problems(broken))
    assert "cannot be scored without eao_interval" in problems
    assert "profile 'lasot_matlab' cannot score the baseline experiment" in problems
    assert "HARNESS_<NAME>_ROOT" in problems
    register(broken)
    try:
        assert main(["eval", "--bench", "brokenvot", "--root", "."]) == 1
    finally:
        unregister("brokenvot")


def test_a_name_taken_by_another_benchmark_is_refused() -> None:
    otb = benchmark_record("otb")
    with pytest.raises(BenchmarkError, match="'otb2015' already names benchmark 'otb'"):
        register(dataclasses.replace(otb, name="mine", aliases=("otb2015",)))


LOADER = '''
"""A toy layout: <root>/list.txt names folders holding boxes.csv (x,y,w,h per frame) and 0001.png ..."""

from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.names import select_names
from benchmarks.sequence import FrameList, Sequence
from benchmarks.sources import listed_sources
from benchmarks.textio import read_table


def toy_sequence(folder: Path) -> Sequence:
    boxes = read_table(folder / "boxes.csv")
    return Sequence(folder.name, "toy", boxes, frames=FrameList(folder, "{:04d}.png", 1, len(boxes)))


def load_toy(root: Path, names=None) -> list[Sequence]:
    listed = (root / "list.txt").read_text().split()
    return [toy_sequence(root / n) for n in (listed if names is None else select_names(listed, names, "toy"))]


def toy_sources(root: Path, benchmark: str):
    return listed_sources(root, "boxes.csv", toy_sequence)
'''


def write_toy(root: Path) -> None:
    """Two sequences of a bright square sliding over a dark textured background."""
    rng = np.random.default_rng(3)
    root.mkdir()
    (root / "list.txt").write_text("slide\ndrift\n")
    for name, step in (("slide", 3), ("drift", -2)):
        folder = root / name
        folder.mkdir(parents=True)
        boxes = []
        for i in range(12):
            image = rng.integers(0, 60, (120, 160, 3), dtype=np.uint8)
            x, y = 60 + step * i, 40 + i
            image[y : y + 30, x : x + 24] = (40, 200, 240)
            cv2.imwrite(str(folder / f"{i + 1:04d}.png"), image)
            boxes.append(f"{x},{y},24,30")
        (folder / "boxes.csv").write_text("\n".join(boxes) + "\n")


def test_a_benchmark_added_by_one_loader_file_and_one_record_runs_scores_and_checks(tmp_path, ray_address, capsys):
    module_file = tmp_path / "toybench.py"
    module_file.write_text(LOADER)
    spec = importlib.util.spec_from_file_location("toybench", module_file)
    toybench = importlib.util.module_from_spec(spec)
    sys.modules["toybench"] = toybench
    spec.loader.exec_module(toybench)
    register(BenchmarkRecord(
        name="toy", description="two sliding squares", load=toybench.load_toy, check=toybench.toy_sources,
        env_vars=("HARNESS_TOY_ROOT",), root_hint="the folder holding list.txt", experiments=("ope",),
        default_profiles={"ope": "pysot"},
    ))
    data = tmp_path / "toy"
    write_toy(data)
    common = ["--bench", "toy", "--root", str(data), "--results", str(tmp_path / "results")]
    try:
        assert main(["run", "--trackers", "opencv-mil", *common, "--address", ray_address,
                     "--reports", str(tmp_path / "reports"), "--json"]) == 0
        ran = json.loads(capsys.readouterr().out)
        assert ran["profile"] == "pysot" and ran["run"]["shards"]["run"] == 2
        assert main(["eval", *common, "--json"]) == 0
        scored = json.loads(capsys.readouterr().out)["trackers"]["opencv-mil"]
        assert scored == ran["trackers"]["opencv-mil"] and 0 < scored["success_auc"] <= 1
        assert set(scored["per_sequence_auc"]) == {"slide", "drift"}
        assert main(["bench", "check", "--bench", "toy", "--root", str(data)]) == 0
        (data / "drift" / "0007.png").unlink()
        capsys.readouterr()
        assert main(["bench", "check", "--bench", "toy", "--root", str(data)]) == 1
        assert "missing frame 0007.png of drift (frame 7 of 12)" in capsys.readouterr().out
    finally:
        unregister("toy")
        sys.modules.pop("toybench", None)
