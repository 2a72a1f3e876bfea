"""Roots given as relative paths are made absolute where they are resolved, in the driver: a worker on
another node (or started in another folder) reads frames by the paths the driver hands it."""

from __future__ import annotations

from pathlib import Path

from benchmarks.registry import load_benchmark, resolve_root
from benchmarks.synthetic import cache_dir
from tests.test_bench_check import write_got10k_sequence


def test_relative_root_option_and_variable_give_absolute_frame_paths(tmp_path, monkeypatch) -> None:
    write_got10k_sequence(tmp_path / "GOT" / "val" / "seq", 3, 3)
    (tmp_path / "GOT" / "val" / "list.txt").write_text("seq\n")
    monkeypatch.chdir(tmp_path)
    (sequence,) = load_benchmark("got10k", Path("GOT"))
    assert sequence.frames.directory == tmp_path / "GOT" / "val" / "seq"
    monkeypatch.setenv("HARNESS_GOT10K_ROOT", "GOT")
    assert resolve_root("got10k") == tmp_path / "GOT"


def test_relative_cache_variable_is_made_absolute(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HARNESS_CACHE", "cache")
    assert cache_dir() == tmp_path / "cache"
