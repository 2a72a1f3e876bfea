"""Whether a benchmark record holds every fact the harness needs, and whether those facts agree with
the experiments and profiles they name. `benchmarks` cannot check this itself: it knows no experiment
and no profile (it imports nothing from the harness)."""

from __future__ import annotations

import re

from benchmarks.record import BenchmarkRecord
from harness.errors import ProfileError
from harness.experiments import EXPERIMENTS
from harness.formats.submission import FORMATS

_ENV = re.compile(r"HARNESS_[A-Z0-9_]+_ROOT")


def record_problems(record: BenchmarkRecord) -> list[str]:
    """Every missing or inconsistent fact of the record, as sentences; [] when it is complete."""
    problems = []
    if not re.fullmatch(r"[a-z0-9_]+", record.name):
        problems.append(f"name {record.name!r} must be lower-case letters, digits and '_' (it is a folder name)")
    for fact in ("description", "root_hint"):
        if not getattr(record, fact).strip():
            problems.append(f"{fact} is empty")
    if not callable(record.load) or not callable(record.check):
        problems.append("load and check must be functions (the loader and what `bench check` reads)")
    if not record.env_vars or not all(_ENV.fullmatch(v) for v in record.env_vars):
        problems.append(f"env_vars {record.env_vars!r} must name HARNESS_<NAME>_ROOT variables")
    unknown = [e for e in record.experiments if e not in EXPERIMENTS]
    if not record.experiments or unknown:
        problems.append(f"experiments {record.experiments!r} must be some of {', '.join(EXPERIMENTS)}")
        return problems
    if record.default_experiment not in record.default_profiles:
        problems.append(f"no default profile for its default experiment {record.default_experiment}")
    for name, profile in record.default_profiles.items():
        if name not in record.experiments:
            problems.append(f"a default profile for {name}, an experiment it is not run under")
            continue
        try:
            EXPERIMENTS[name].profile(profile)
        except ProfileError as error:
            problems.append(f"default profile of {name}: {error}")
    for name in record.experiments:
        missing = [fact for fact in EXPERIMENTS[name].record_facts if getattr(record, fact) is None]
        if missing:
            problems.append(f"is run under {name}, which cannot be scored without {', '.join(missing)}")
    interval = record.eao_interval
    if interval is not None and not (len(interval) == 2 and 0 < interval[0] < interval[1]):
        problems.append(f"eao_interval {interval!r} must be two sequence lengths, low < high")
    if record.submission not in (None, *FORMATS):
        problems.append(f"submission {record.submission!r} is not one of {', '.join(FORMATS)}")
    if record.server_scored and record.submission is None:
        problems.append("server-scored but names no submission format for its server")
    return problems
