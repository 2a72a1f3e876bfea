"""Benchmark names, roots from --root / environment / harness.toml, and what `harness list` finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.errors import AnnotationError, MissingDataError
from benchmarks.registry import benchmark_record, load_benchmark, records, resolve_root
from harness.cli import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for info in records().values():
        for variable in info.env_vars:
            monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("HARNESS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no harness.toml here unless a test writes one


def got10k_split(root: Path, split: str, n: int) -> None:
    folder = root / split / f"{split}_seq"
    folder.mkdir(parents=True)
    (folder / "groundtruth.txt").write_text("1,2,3,4\n" * n)
    for k in range(1, 4):
        (folder / f"{k:08d}.jpg").write_bytes(b"")
    (root / split / "list.txt").write_text(f"{split}_seq\n")


def test_canonical_names_and_server_scored_splits() -> None:
    names = {"uav123", "uav20l", "nfs30", "nfs240", "vot2016", "vot2017", "vot2018", "lasot", "lasot_full",
             "lasot_ext", "trackingnet", "trackingnet_train", "got10k", "got10k_test", "got10k_train"}
    assert names <= set(records())
    assert benchmark_record("NFS").name == "nfs30" and benchmark_record("got10k_val").name == "got10k"
    assert {n for n, info in records().items() if info.server_scored} == {"got10k_test", "trackingnet"}


def test_got10k_splits_are_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "GOT-10k"
    got10k_split(root, "val", 3)
    got10k_split(root, "test", 1)
    monkeypatch.setenv("HARNESS_GOT10K_ROOT", str(root))  # one variable serves every split
    (val,) = load_benchmark("got10k")
    (test,) = load_benchmark("got10k_test")
    assert (val.benchmark, len(val), test.benchmark, len(test)) == ("got10k", 3, "got10k_test", 3)
    with pytest.raises(MissingDataError, match="train/list.txt"):
        load_benchmark("got10k_train")


def test_harness_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data" / "GOT-10k"
    got10k_split(root, "val", 3)
    (tmp_path / "harness.toml").write_text('[roots]\nGOT10K = "data/GOT-10k"\nlasot = "nowhere"\n')
    assert resolve_root("got10k") == tmp_path / "data" / "GOT-10k"  # family key, relative to the file
    assert resolve_root("got10k_test") == root
    with pytest.raises(MissingDataError, match=r"harness.toml: lasot = .*nowhere \(the lasot root\) does not exist"):
        resolve_root("lasot")
    with pytest.raises(MissingDataError, match=r'or add uav123 = "/path/to/it" under \[roots\] in .*harness.toml'):
        resolve_root("uav123")
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv("HARNESS_GOT10K_VAL_ROOT", str(other))  # the environment wins over the file
    assert resolve_root("got10k") == other and resolve_root("got10k", root) == root  # --root wins over both
    monkeypatch.delenv("HARNESS_GOT10K_VAL_ROOT")
    assert main(["list", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["benchmarks"]
    assert found["got10k"] is None and "does not exist" in found["lasot"] and "no data" in found["otb"]


def test_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "mine.toml"
    monkeypatch.setenv("HARNESS_CONFIG", str(config))
    with pytest.raises(MissingDataError, match="HARNESS_CONFIG=.*mine.toml does not exist"):
        resolve_root("otb")
    config.write_text('[roots]\notb = "a"\nlasot = \n')
    with pytest.raises(AnnotationError, match=r"mine.toml:3: not valid TOML"):
        resolve_root("otb")
    config.write_text("[roots]\notb = 3\n")
    with pytest.raises(AnnotationError, match=r"expected a \[roots\] table"):
        resolve_root("otb")
