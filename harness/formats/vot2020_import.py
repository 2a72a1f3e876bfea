"""Published VOT 2020+ results, as vot-toolkit 0.9.0 writes a tracker's results, loaded into the store.

Layout read (`vot/tracker/results.py` Trajectory, `vot/experiment/multistart.py`):

    results/<tracker>/<experiment>/<seq>/<seq>_<anchor:08d>.txt (or .bin)   multistart: one trajectory per anchor
    results/<tracker>/<experiment>/<seq>/<seq>_001.txt (or .bin)           unsupervised, long-term: one pass
    ... beside each trajectory <stem>_time.value (seconds per frame) and <stem>_confidence.value

The folder given may be the experiment's (holding `<seq>/` folders), a tracker's (holding `<experiment>/`,
the stack's name of it: baseline, realtime, unsupervised, longterm) or a workspace's `results/` holding one
tracker. An anchor run is stored as the shard the multistart experiment would have written: repetition k is
the k-th anchor in the toolkit's order; the rows are the file's lines, in run order. Where a trajectory
exists as .txt and .bin the toolkit reads the .txt (`Trajectory.read`), and so does this.

Every file is read and checked before anything is written: a trajectory that is not as long as its run, an
anchor file for a frame that is no anchor, a sequence with some anchor runs but not all, a bad value line,
a polygon, a mask line among rectangles (or the reverse) import nothing, each named by file (and line). A
segmenting tracker's text trajectory (mask lines) is stored with its masks (the store's mask column). Property files may end early (the rest
is NaN, as the toolkit's reader leaves them unset); an empty line is NaN (the toolkit's None), read as 0 by
the long-term analyses as the toolkit reads it. Store paths come from the benchmark's sequence names, never
from the files' names.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from benchmarks import Sequence
from benchmarks.names import match_names
from harness.errors import ImportFormatError
from harness.experiments import Experiment
from harness.experiments.multistart import anchor_runs
from harness.formats.imported import import_provenance
from harness.formats.vot_import import STATUS_NAMES, read_trajectory
from harness.formats.vot_text import has_mask_lines, is_number, read_vot_mask_file
from harness.store import ShardFrames, ShardKey, write_shard

VOT_IMPORTED = ("supervised", "multistart", "unsupervised", "long-term")  # experiment kinds --format vot reads

_ANCHOR = re.compile(r"^.+_(?P<frame>\d{8})\.(?:txt|bin)$")
_REPETITION = re.compile(r"^.+_(?P<rep>\d{3})\.(?:txt|bin)$")


def trajectory_pattern(experiment: Experiment) -> str:
    """How the experiment's trajectory files are named, for messages."""
    return "<sequence>_<anchor:08d>.txt" if experiment.kind == "multistart" else "<sequence>_001.txt"


def import_vot2020_results(
    directory: Path, tracker: str, benchmark: str, sequences: list[Sequence], results_root: Path,
    experiment: Experiment,
) -> tuple[list[str], list[str]]:
    """Store every trajectory of every sequence folder under `experiment`'s store folder.

    Returns (sequences imported, folders that could not be placed)."""
    folder = experiment_folder(Path(directory), experiment)
    folders = sorted(p for p in folder.iterdir() if p.is_dir())
    mapping, unplaced = match_names(folders, [s.name for s in sequences])
    by_name = {s.name: s for s in sequences}
    planned: list[tuple[ShardKey, ShardFrames, Path]] = []
    imported = []
    for name, seq_folder in sorted(mapping.items()):
        runs = _trajectories(seq_folder, by_name[name], experiment)
        if not runs:
            unplaced.append(seq_folder)
            continue
        imported.append(name)
        for repetition, path, length in runs:
            key = ShardKey(tracker, benchmark, name, repetition, experiment.name)
            planned.append((key, _frames(path, length, f"sequence {name!r}"), path))
    for key, frames, path in planned:
        write_shard(results_root, key, frames, import_provenance(path, "vot"))
    return imported, [str(p) for p in unplaced]


def experiment_folder(directory: Path, experiment: Experiment) -> Path:
    """The folder of `<seq>/` folders that `directory` is or holds (see the module's docstring)."""
    if not directory.is_dir():
        raise ImportFormatError(f"{directory}: no such folder; expected the toolkit's results/<tracker>/"
                                f"{experiment.vot_type}/ folder, holding one folder per sequence")
    if (directory / experiment.vot_type).is_dir():
        return directory / experiment.vot_type
    trackers = sorted(p for p in directory.iterdir() if (p / experiment.vot_type).is_dir())
    if len(trackers) > 1:
        raise ImportFormatError(f"{directory}: results of {len(trackers)} trackers "
                                f"({', '.join(p.name for p in trackers)}); name one tracker's folder")
    if trackers:
        return trackers[0] / experiment.vot_type
    if not any(p.is_dir() for p in directory.iterdir()):
        raise ImportFormatError(f"{directory}: expected one folder per sequence holding "
                                f"{trajectory_pattern(experiment)} (or a tracker's folder holding "
                                f"{experiment.vot_type}/)")
    return directory


def _trajectory_files(folder: Path, pattern: re.Pattern) -> dict[int, Path]:
    """Number in the name -> file; the .txt where both a .txt and a .bin exist, as the toolkit reads."""
    files: dict[int, Path] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.suffix != ".txt"):
        match = pattern.match(path.name)
        if match and path.is_file():
            files.setdefault(int(match[1]), path)
    return files


def _trajectories(folder: Path, sequence: Sequence, experiment: Experiment) -> list[tuple[int, Path, int]]:
    """(repetition, trajectory file, frames its run has) of each trajectory in a sequence's folder."""
    if experiment.kind != "multistart":
        length = experiment.shard_lengths([sequence])[sequence.name]
        return [(rep, path, length) for rep, path in sorted(_trajectory_files(folder, _REPETITION).items())]
    files = _trajectory_files(folder, _ANCHOR)
    if not files:
        return []
    runs = anchor_runs(sequence)
    place = {run.anchor: k for k, run in enumerate(runs, start=1)}
    stray = [p for frame, p in files.items() if frame not in place]
    if stray:
        raise ImportFormatError(f"{stray[0]}: frame {int(_ANCHOR.match(stray[0].name)[1])} (0-based) is no anchor "
                                f"of sequence {sequence.name!r}; its anchors: "
                                f"{', '.join(str(r.anchor) for r in runs)}")
    missing = [f"{sequence.name}_{r.anchor:08d}" for r in runs if r.anchor not in files]
    if missing:
        raise ImportFormatError(f"{folder}: no trajectory {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}"
                                f" ({len(missing)} of {len(runs)} anchor runs of sequence {sequence.name!r}); "
                                "the multistart analyses need every one")
    return [(place[r.anchor], files[r.anchor], len(r.frames(len(sequence)))) for r in runs]


def _frames(path: Path, length: int, run: str) -> ShardFrames:
    masks = None
    if path.suffix == ".txt" and has_mask_lines(path):
        codes, boxes, masks = read_vot_mask_file(path)
        statuses = np.array([STATUS_NAMES[c] for c in codes])
    else:
        statuses, boxes = read_trajectory(path)
    if len(statuses) != length:
        raise ImportFormatError(f"{path}: {len(statuses)} frames; the run on {run} has {length} (the toolkit's "
                                "analyses need one line per frame)")
    stem = path.with_suffix("")
    seconds = _property(stem.with_name(f"{stem.name}_time.value"), length)
    confidence = _property(stem.with_name(f"{stem.name}_confidence.value"), length)
    return ShardFrames(boxes, confidence, statuses, seconds * 1e3, masks=masks)


def _property(path: Path, length: int) -> np.ndarray:
    """A `<stem>_<property>.value` file's numbers, one per frame: NaN where a line is empty or the file has
    ended (or is absent)."""
    values = np.full(length, np.nan)
    if not path.is_file():
        return values
    lines = path.read_text().replace("\r", "").split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) > length:
        raise ImportFormatError(f"{path}:{length + 1}: a value past the trajectory's {length} frames")
    text = np.char.strip(np.array(lines, dtype=str)) if lines else np.array([], dtype=str)
    given = text != ""
    try:
        values[: len(lines)][given] = text[given].astype(np.float64)
    except ValueError:
        line = next(i for i, t in enumerate(lines) if t.strip() and not is_number(t))  # error path only
        raise ImportFormatError(f"{path}:{line + 1}: {lines[line].strip()!r} is not a number") from None
    return values

