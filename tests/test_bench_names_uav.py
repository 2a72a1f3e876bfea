"""Result files of UAV123, whose names differ only by '_', are placed exactly."""

from __future__ import annotations

from benchmarks.names import match_names


def test_underscore_distinguished_names_match_exactly():
    names = ["car1_1", "car11", "person2_1", "person21", "Human4-2", "Jogging-1"]
    files = ["car1_1.txt", "car11.txt", "person21.txt", "person2_1.txt", "human4_2.txt", "jogging_1.txt", "x.txt"]
    mapping, unplaced = match_names(files, names)
    assert {k: str(v) for k, v in mapping.items()} == {
        "car1_1": "car1_1.txt", "car11": "car11.txt", "person2_1": "person2_1.txt",
        "person21": "person21.txt", "Human4-2": "human4_2.txt", "Jogging-1": "jogging_1.txt",
    }
    assert [str(p) for p in unplaced] == ["x.txt"]
