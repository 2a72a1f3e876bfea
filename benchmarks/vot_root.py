"""A VOT short-term benchmark root as users hold one: a folder of sequences in any year's layout
(`vot_legacy.py`), or a pysot-style dataset json with the annotations only (`vot_json.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path

from benchmarks.annotation_files import read_bytes
from benchmarks.sequence import Sequence
from benchmarks.sources import Source, Sources, listed_sources
from benchmarks.vot import sequences_folder
from benchmarks.vot_json import entry_line, json_sequence, load_vot_json, read_dataset_json
from benchmarks.vot_legacy import load_vot_folders, vot_folder_sequence


def load_vot_root(root: Path, names: Iterable[str] | None = None, *, benchmark: str) -> list[Sequence]:
    if root.is_file():
        return load_vot_json(root, benchmark, names)
    return load_vot_folders(root, benchmark, names)


def vot_sources(root: Path, benchmark: str) -> Sources:
    """What `bench check` reads: every entry of the json, or every folder list.txt names."""
    if root.is_file():
        data = read_dataset_json(root)
        text = read_bytes(root, what="dataset json").decode("utf-8", errors="replace")
        return [], [Source(key, root, partial(json_sequence, root, key, entry, benchmark),
                           first_line=entry_line(text, key)) for key, entry in data.items()]
    return listed_sources(sequences_folder(root), "groundtruth.txt",
                          partial(vot_folder_sequence, benchmark=benchmark, root=root), root)
