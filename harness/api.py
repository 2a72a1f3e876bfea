"""The harness from Python, for notebooks and scripts (docs/api.md): stored rows and scores as pandas
DataFrames, the HTML report's figures as plotly figures, and a run as `harness run` makes it.

Every function is the CLI's own work without its printing: `scores` is `harness eval --json` (built
from the same JSON, so every number is the same), `by_attribute` is `--by-attribute`, `run` is
`harness run`. Stored results are read through the store's pack and its checks (`store.read_tracker`),
so a misplaced or stale file is refused here as it is there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.registry import benchmark_record, load_benchmark
from harness.evaluate import TrackerScore
from harness.reports.bootstrap import LEVEL, RESAMPLES, SEED, Bootstrap
from harness.reports.tables import attributes_json, scores_json
from harness.selection import breakdown_benchmark, choose_experiment, evaluate_benchmark
from harness.store import STATUSES, read_tracker, stored_trackers

__all__ = ["Scores", "by_attribute", "curves", "figures", "load", "run", "scores"]


@dataclass(frozen=True)
class Scores:
    """`trackers`: one row per tracker (index), a column per reported figure, `fps`, `sequences` (how many
    it has of those asked) and `scored`; with `ci`, `<figure>_low` and `<figure>_high`. `sequences`: one
    row per (tracker, sequence) and a column per figure the result reports per sequence. `json`: exactly
    what `harness eval --json` prints."""

    trackers: pd.DataFrame
    sequences: pd.DataFrame
    benchmark: str
    experiment: str
    profile: str
    json: dict[str, Any]


def _names(values: str | Iterable[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v for v in values.split(",") if v] if isinstance(values, str) else list(values)


def load(bench: str, *, results: Path | str = "results", root: Path | str | None = None,
         trackers: str | Iterable[str] | None = None, sequences: str | Iterable[str] | None = None,
         protocol: str | None = None) -> pd.DataFrame:
    """Every stored frame of `bench` (its default experiment, or `protocol`): columns tracker, sequence
    (categorical), repetition, frame (0-based), x, y, w, h, status (categorical), latency_ms."""
    record = benchmark_record(bench)
    chosen = choose_experiment(record, protocol)
    loaded = load_benchmark(record.name, root, _names(sequences))
    lengths = {s.name: len(s) for s in loaded}
    names = _names(trackers) or stored_trackers(Path(results), record.name, chosen.name)
    parts = []
    for tracker in names:
        stored = read_tracker(Path(results), record.name, chosen.name, tracker, list(lengths), False, lengths)
        for sequence, shards in stored.items():
            for shard in shards:
                n = len(shard.boxes)
                parts.append(pd.DataFrame({
                    "tracker": tracker, "sequence": sequence, "repetition": shard.repetition, "frame": np.arange(n),
                    "x": shard.boxes[:, 0], "y": shard.boxes[:, 1], "w": shard.boxes[:, 2], "h": shard.boxes[:, 3],
                    "status": np.asarray(STATUSES)[shard.status], "latency_ms": shard.latency_ms}))
    columns = ["tracker", "sequence", "repetition", "frame", "x", "y", "w", "h", "status", "latency_ms"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    for column, categories in (("tracker", names), ("sequence", list(lengths)), ("status", list(STATUSES))):
        frame[column] = pd.Categorical(frame[column], categories=categories)
    return frame[columns]


def scores(bench: str, profile: str | None = None, *, results: Path | str = "results", root: Path | str | None = None,
           trackers: str | Iterable[str] | None = None, sequences: str | Iterable[str] | None = None,
           protocol: str | None = None, common: bool = False, pad_missing: bool = False, ci: bool = False,
           resamples: int = RESAMPLES, seed: int = SEED, level: float = LEVEL) -> Scores:
    """`harness eval --json` as DataFrames: every stored tracker (or `trackers`) under `profile` (default:
    the benchmark's official one); `ci` adds bootstrap intervals over sequences, as `--ci` does."""
    evaluation = evaluate_benchmark(results, bench, root=root, profile=profile, protocol=protocol,
                                    sequences=_names(sequences), trackers=_names(trackers), common=common,
                                    pad_missing=pad_missing)
    data = evaluation.to_json(Bootstrap(resamples, seed, level) if ci else None)
    return Scores(_tracker_table(data), _per_sequence(evaluation.scoring.scores), evaluation.record.name,
                  evaluation.experiment.name, evaluation.profile.name, data)


def _tracker_table(data: dict[str, Any]) -> pd.DataFrame:
    """One row per tracker of `--json`'s "trackers": each field, coverage, and the intervals where drawn."""
    rows = {}
    for name, entry in data["trackers"].items():
        row: dict[str, Any] = {f: entry.get(f) for f in data["fields"]}
        row.update(sequences=entry["coverage"][0], scored=entry.get("scored", True))
        for f, (low, high) in entry.get("intervals", {}).items():
            row[f"{f}_low"], row[f"{f}_high"] = low, high
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("tracker")


def _per_sequence(scored: list[TrackerScore]) -> pd.DataFrame:
    rows = [{"tracker": s.tracker, "sequence": sequence, "figure": figure, "value": value}
            for s in scored if s.result is not None
            for figure, values in s.result.per_sequence().items() for sequence, value in values.items()]
    if not rows:
        return pd.DataFrame(columns=["tracker", "sequence"])
    return pd.DataFrame(rows).pivot_table(index=["tracker", "sequence"], columns="figure", values="value",
                                          sort=False).reset_index().rename_axis(columns=None)


def curves(bench: str, profile: str | None = None, **options: Any) -> pd.DataFrame:
    """Every curve of every scored tracker, long: tracker, curve, x, y (success, precision, normalized
    precision, EAO ...: what the result declares). `options` as `scores`'s."""
    evaluation = evaluate_benchmark(options.pop("results", "results"), bench, profile=profile,
                                    **_selection(options))
    rows = [pd.DataFrame({"tracker": s.tracker, "curve": c.name, "x": np.asarray(c.x, float),
                          "y": np.asarray(c.y, float)})
            for s in evaluation.scoring.scores if s.result is not None for c in s.result.curves()]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["tracker", "curve", "x", "y"])


def by_attribute(bench: str, profile: str | None = None, **options: Any) -> pd.DataFrame:
    """`harness eval --by-attribute --json` as one row per (group, tracker): the group's size (`count`:
    sequences or frames), then each figure."""
    evaluation = breakdown_benchmark(options.pop("results", "results"), bench, profile=profile,
                                     **_selection(options))
    breakdown = evaluation.breakdown
    data = attributes_json(breakdown.groups, breakdown.counts, evaluation.record.name, evaluation.experiment,
                           evaluation.profile, breakdown.unit)
    rows = [{"group": group, "tracker": s.tracker, "count": breakdown.counts[group], **s.result.values}
            for group, group_scores in breakdown.groups.items() for s in group_scores if s.result is not None]
    frame = pd.DataFrame(rows)
    frame.attrs.update(benchmark=data["benchmark"], profile=data["profile"], unit=breakdown.unit)
    return frame


def figures(bench: str, profile: str | None = None, **options: Any) -> dict[str, Any]:
    """The HTML report's figures for one profile as plotly `Figure`s, by the name the report gives them."""
    import plotly.graph_objects as go

    from harness.reports.collect import Scored
    from harness.reports.html import section_figures

    evaluation = evaluate_benchmark(options.pop("results", "results"), bench, profile=profile, **_selection(options))
    scoring = evaluation.scoring
    scored = [s for s in scoring.scores if s.result is not None]
    if not scored:
        return {}
    section = Scored(evaluation.record, evaluation.experiment, evaluation.profile, scored, scoring.sequences)
    return {name: go.Figure(spec) for name, spec in section_figures(section).items()}


def _selection(options: dict[str, Any]) -> dict[str, Any]:
    allowed = {"root", "trackers", "sequences", "protocol"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"unexpected argument(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed | {'results'}))}")
    return {k: _names(v) if k in ("trackers", "sequences") else v for k, v in options.items()}


def run(trackers: str | Iterable[str], bench: str, *, results: Path | str = "results", profile: str | None = None,
        **options: Any) -> Scores | None:
    """`harness run`: run `trackers` (names, or "all") over `bench` on Ray, then score those whose shards
    all completed; returns their `Scores` (None when the split is server-scored), with `run` in its json
    as `--json` prints it. `options`: root, sequences, protocol, fps, grace, tracker_options
    ({tracker: {key: value}}), weights, repetitions, workers, address, shard_timeout, retries,
    gpus_per_worker, batch_sequences. A failed shard is in json["run"]["failures"], not an exception."""
    from harness.runs import run_benchmark

    names = ",".join(_names(trackers) or [])
    if "sequences" in options:
        options["sequences"] = _names(options["sequences"])
    outcome = run_benchmark(names, bench, results=results, profile=profile, **options)
    if outcome.note is not None:
        return None
    data = {**scores_json(outcome.scores, outcome.record.name, outcome.experiment, outcome.profile),
            "run": outcome.info()}
    return Scores(_tracker_table(data), _per_sequence(outcome.scores), outcome.record.name, outcome.experiment.name,
                  outcome.profile.name, data)
