"""Leaderboards: one benchmark's trackers scored under one profile, kept as plain JSON under
results/leaderboards/ (committed) so that later results can be compared with them (`regress`).

A leaderboard holds each tracker's figures, its per-sequence figures, the sums over sequences its figures
are made of (`terms`, what the paired bootstrap of the regression gate resamples), where its results came
from, and how the leaderboard was built. Figures are written to 10 significant digits, terms to 7."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.metrics.fields import Terms, headline
from harness.reports.tables import FPS, ranked, value
from harness.reports.collect import Scored

FORMAT = "harness-leaderboard/1"
DIRECTORY = Path("results") / "leaderboards"


class LeaderboardError(HarnessError):
    """A leaderboard file that is missing, malformed or of another benchmark, experiment or profile."""


def leaderboard_path(directory: Path, benchmark: str, experiment: str, profile: str) -> Path:
    return Path(directory) / f"{benchmark}-{experiment}-{profile}.json"


def _number(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) else float(f"{v:.10g}")


def build(section: Scored, provenance: dict, command: str) -> dict:
    """The leaderboard of one scored section, trackers best first."""
    scores = ranked(section.scores)
    fields = list(scores[0].result.fields)
    names = [s.name for s in section.sequences]
    trackers = {}
    for rank, s in enumerate(scores, 1):
        per_sequence = {f: {q: _number(v) for q, v in by_seq.items()} for f, by_seq in s.result.per_sequence().items()}
        trackers[s.tracker] = {
            "rank": rank,
            "values": {f.name: _number(v) for f in fields if (v := s.result.values.get(f.name)) is not None},
            "fps": _number(value(s, FPS)),
            "per_sequence": per_sequence,
            "terms": {name: t.to_json() for name, t in s.result.terms().items() if t.sequences == tuple(names)},
            "provenance": provenance["trackers"].get(s.tracker, {}),
            **({"marks": list(s.marks)} if s.marks else {}),
        }
    return {
        "format": FORMAT,
        "benchmark": section.record.name,
        "experiment": section.experiment.name,
        "profile": section.profile.name,
        "profile_source": section.profile.source,
        "headline": headline(scores[0].result).name,
        "fields": {f.name: {"label": f.label, "better": f.better, "digits": f.digits, "description": f.description}
                   for f in fields},
        "sequences": names,
        "provenance": {**{k: v for k, v in provenance.items() if k not in ("trackers", "profiles")},
                       "conventions": provenance["profiles"][section.profile.name]["conventions"], "command": command},
        "trackers": trackers,
    }


def dumps(data: object, indent: int = 0) -> str:
    """JSON with one object key per line and each list of numbers (a row) on one line: diffs stay readable."""
    pad = "  " * (indent + 1)
    if isinstance(data, dict) and data:
        items = [f"{pad}{json.dumps(str(k))}: {dumps(v, indent + 1)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(data, list) and any(isinstance(v, (list, dict)) for v in data):
        return "[\n" + ",\n".join(pad + dumps(v, indent + 1) for v in data) + "\n" + "  " * indent + "]"
    compact = (",", ":") if isinstance(data, list) else None  # rows of numbers without spaces
    return json.dumps(data, allow_nan=False, ensure_ascii=False, separators=compact)


def write(path: Path, board: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(dumps(board) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class Entry:
    tracker: str
    values: dict[str, float]
    terms: dict[str, Terms]
    per_sequence: dict[str, dict[str, float | None]]


@dataclass(frozen=True)
class Leaderboard:
    path: Path
    benchmark: str
    experiment: str
    profile: str
    headline: str
    fields: dict[str, dict]
    sequences: tuple[str, ...]
    entries: dict[str, Entry]


def read(path: Path) -> Leaderboard:
    """A leaderboard file; anything missing or malformed is an error naming the file and what was expected."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LeaderboardError(f"{path}: no such leaderboard; write one with `harness leaderboard update`") from None
    except (OSError, json.JSONDecodeError) as error:
        raise LeaderboardError(f"{path}: not a readable leaderboard ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise LeaderboardError(f"{path}: format {found!r}, expected {FORMAT!r}")
    try:
        sequences = tuple(data["sequences"])
        entries = {
            tracker: Entry(tracker, entry["values"],
                           {name: Terms.from_json(sequences, t) for name, t in entry.get("terms", {}).items()},
                           entry.get("per_sequence", {}))
            for tracker, entry in data["trackers"].items()
        }
        board = Leaderboard(path, data["benchmark"], data["experiment"], data["profile"], data["headline"],
                            data["fields"], sequences, entries)
    except (KeyError, TypeError, ValueError) as error:
        raise LeaderboardError(f"{path}: malformed leaderboard ({type(error).__name__}: {error})") from None
    for entry in entries.values():
        for name, t in entry.terms.items():
            if t.numerator.shape[0] != len(sequences) or t.denominator.shape[0] != len(sequences):
                raise LeaderboardError(f"{path}: {entry.tracker}'s {name} terms have {t.numerator.shape[0]} rows "
                                       f"for {len(sequences)} sequences")
    return board
