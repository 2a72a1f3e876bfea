"""Tables for people and JSON for machines; a metric is never shown without its profile."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from harness.evaluate import TrackerScore


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _render(header: str, cols: list[str], rows: list[list[str]]) -> str:
    """A header line, then columns aligned: the first to the left, the figures to the right."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(cols)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([header, line(cols), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def format_table(scores: list[TrackerScore], benchmark: str, profile: str) -> str:
    cols = ["tracker", "success AUC", "precision@20px", "norm. precision"]
    # AO and SR are GOT-10k's figures: shown only under the profile that reproduces its toolkit.
    if profile == "got10k":
        cols += ["AO", "SR0.5", "SR0.75"]
    cols.append("fps")
    rows = []
    for s in sorted(scores, key=lambda s: -s.result.auc):
        r = s.result
        row = [s.tracker, _fmt(r.auc), _fmt(r.precision), _fmt(r.norm_precision)]
        if profile == "got10k":
            row += [_fmt(r.ao), _fmt(r.sr50), _fmt(r.sr75)]
        rows.append(row + [_fmt(s.fps, 1)])
    return _render(f"{benchmark} · one-pass · profile {profile}", cols, rows)


def _curves(score: TrackerScore) -> dict[str, list[float] | None]:
    r = score.result
    as_list = lambda a: None if a is None else [float(v) for v in a]
    return {
        "success_curve": as_list(r.success_curve),
        "success_thresholds": as_list(r.success_thresholds),
        "precision_curve": as_list(r.precision_curve),
        "precision_thresholds": as_list(r.precision_thresholds),
        "norm_precision_curve": as_list(r.norm_precision_curve),
        "norm_precision_thresholds": as_list(r.norm_precision_thresholds),
    }


def scores_json(scores: list[TrackerScore], benchmark: str, profile: str) -> dict[str, Any]:
    return {
        "benchmark": benchmark,
        "protocol": "one-pass",
        "profile": profile,
        "trackers": {
            s.tracker: {
                "success_auc": s.result.auc,
                "precision": s.result.precision,
                "norm_precision": s.result.norm_precision,
                **({"ao": s.result.ao, "sr50": s.result.sr50, "sr75": s.result.sr75} if profile == "got10k" else {}),
                "fps": None if math.isnan(s.fps) else s.fps,
                **_curves(s),
                "per_sequence_auc": s.result.per_sequence_auc,
                "per_sequence_precision": s.result.per_sequence_precision,
                **s.result.extras,
            }
            for s in scores
        },
    }


def write_report(directory: Path, scores: list[TrackerScore], benchmark: str, profile: str) -> Path:
    """reports/<benchmark>-<profile>.{md,json}; returns the markdown path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"{benchmark}-{profile}"
    stem.with_suffix(".json").write_text(json.dumps(scores_json(scores, benchmark, profile), indent=2))
    md = stem.with_suffix(".md")
    md.write_text("```\n" + format_table(scores, benchmark, profile) + "\n```\n")
    return md


def format_vot_table(results: dict, benchmark: str, protocol: str) -> str:
    """EAO, accuracy, robustness in the profile's own form, and the failure count."""
    profile = next(iter(results.values())).profile if results else "-"
    cols = ["tracker", "EAO", "accuracy", "robustness", "failures"]
    rows = [[name, _fmt(r.eao), _fmt(r.accuracy), _fmt(r.robustness), _fmt(r.failures, 1)]
            for name, r in sorted(results.items(), key=lambda kv: -(kv[1].eao or 0.0))]
    return _render(f"{benchmark} · {protocol} · profile {profile}", cols, rows)


def vot_json(results: dict, benchmark: str, protocol: str) -> dict[str, Any]:
    as_list = lambda a: None if a is None else [float(v) for v in a]
    return {
        "benchmark": benchmark,
        "protocol": protocol,
        "profile": next(iter(results.values())).profile if results else None,
        "trackers": {
            name: {
                "eao": r.eao, "eao_curve": as_list(r.eao_curve), "accuracy": r.accuracy,
                "robustness": r.robustness, "failures": r.failures, "per_sequence": r.per_sequence,
                "per_tag": r.per_tag, **r.extras,
            }
            for name, r in results.items()
        },
    }


def format_attribute_table(groups: dict[str, list[TrackerScore]], counts: dict[str, int], benchmark: str, profile: str) -> str:
    """Success AUC per attribute (rows) and tracker (columns)."""
    trackers = sorted({s.tracker for scores in groups.values() for s in scores})
    cols = ["attribute", "sequences", *trackers]
    rows = [
        [code, str(counts[code]), *(_fmt(next(s.result.auc for s in scores if s.tracker == t)) for t in trackers)]
        for code, scores in groups.items()
    ]
    return _render(f"{benchmark} · one-pass · success AUC by attribute · profile {profile}", cols, rows)


def attributes_json(groups: dict[str, list[TrackerScore]], counts: dict[str, int], benchmark: str, profile: str) -> dict:
    return {
        "benchmark": benchmark,
        "protocol": "one-pass",
        "profile": profile,
        "attributes": {
            code: {
                "sequences": counts[code],
                "trackers": {s.tracker: {"success_auc": s.result.auc, "precision": s.result.precision,
                                         "norm_precision": s.result.norm_precision} for s in scores},
            }
            for code, scores in groups.items()
        },
    }
