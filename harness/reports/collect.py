"""Every stored tracker of a benchmark scored under one or more profiles, with what produced the results:
the data every report, table and leaderboard is drawn from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import Sequence
from benchmarks.record import BenchmarkRecord
from harness.errors import EvaluationError, HarnessError
from harness.evaluate import TrackerScore, score_trackers
from harness.experiments import Experiment
from harness.metrics.conventions import conventions
from harness.store import ShardKey, read_provenance, shard_path, stored_trackers
from harness.version import code_version


@dataclass(frozen=True)
class Scored:
    """One benchmark's trackers scored under one profile."""

    record: BenchmarkRecord
    experiment: Experiment
    profile: object  # an OPE or VOT profile: `.name`, `.source`, its conventions as dataclass fields
    scores: list[TrackerScore]
    sequences: list[Sequence]
    left_out: dict[str, str] = field(default_factory=dict)  # tracker -> why it could not be scored

    @property
    def attributes(self) -> dict[str, list[str]]:
        """attribute code -> its sequences, for the benchmarks whose sequences carry attributes."""
        codes = sorted({code for s in self.sequences for code in s.attributes})
        return {code: [s.name for s in self.sequences if code in s.attributes] for code in codes}


def score_profiles(results_root: Path, record: BenchmarkRecord, experiment: Experiment, sequences: list[Sequence],
                   profiles: list[str], trackers: list[str] | None = None,
                   known: dict[str, list[TrackerScore]] | None = None) -> list[Scored]:
    """Each profile's scores of `trackers` (default: every stored one; `known` ones reused). A stored tracker
    that cannot be scored on these sequences is left out with the reason; a named one is an error. A stored
    file that is not what its path says (a StoreError) stops them all: a report never goes on without it."""
    names = stored_trackers(results_root, record.name, experiment.name) if trackers is None else trackers
    if not names:
        raise EvaluationError(f"no results for benchmark {record.name!r} ({experiment.name}) under "
                              f"{Path(results_root).resolve()}; run or import some first")
    scored = []
    for name in profiles:
        profile = experiment.profile(name)
        scores, left_out = list((known or {}).get(name, [])), {}
        todo = [t for t in names if t not in {s.tracker for s in scores}]
        try:  # all at once: the next tracker is read while this one is scored
            scores += score_trackers(results_root, record.name, sequences, profile, todo, experiment) if todo else []
        except EvaluationError:
            if trackers is not None:
                raise
            for tracker in todo:  # one by one, to leave out only those that cannot be scored
                try:
                    scores += score_trackers(results_root, record.name, sequences, profile, [tracker], experiment)
                except EvaluationError as error:
                    left_out[tracker] = str(error)
        if not scores:
            raise EvaluationError(f"no stored tracker of {record.name} can be scored under {name}: "
                                  + "; ".join(left_out.values()))
        scored.append(Scored(record, experiment, profile, scores, sequences, left_out))
    return scored


def tracker_provenance(results_root: Path, record: BenchmarkRecord, experiment: Experiment, tracker: str,
                       sequence: str) -> dict[str, str]:
    """What produced a tracker's results, from its shard of `sequence`: a run (code, config, weights, device)
    or an import (the file it came from)."""
    path = shard_path(results_root, ShardKey(tracker, record.name, sequence, 1, experiment.name))
    try:
        p = read_provenance(path)
    except (HarnessError, OSError) as error:
        return {"source": f"unknown ({error})"}
    if p.source.startswith("import:"):
        _, fmt, file = p.source.split(":", 2)
        return {"source": f"imported ({fmt})", "from": str(Path(file).parent), "code version": p.code_version,
                "date": p.finished}
    shown = {"source": "run", "code version": p.code_version, "config hash": p.config_hash,
             "weights sha256": p.weights_sha256[:16],
             "weights trained on": "synthetic data only" if p.synthetic_weights else "",
             "device": p.device, "host": p.host, "date": p.finished}
    return {k: v for k, v in shown.items() if v}


def provenance(results_root: Path, sections: list[Scored], root: Path | None) -> dict:
    """The report's provenance: code version, date, where the data and results are, each profile's source and
    conventions, and each tracker's origin."""
    first = sections[0]
    sequence = first.sequences[0].name
    trackers = sorted({s.tracker for section in sections for s in section.scores})
    return {
        "code_version": code_version(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "benchmark": first.record.name,
        "benchmark_root": str(root) if root is not None else "",
        "results": str(Path(results_root).resolve()),
        "experiment": first.experiment.name,
        "sequences": len(first.sequences),
        "profiles": {s.profile.name: {"source": s.profile.source, "conventions": conventions(s.profile)}
                     for s in sections},
        "trackers": {t: tracker_provenance(results_root, first.record, first.experiment, t, sequence) for t in trackers},
    }
