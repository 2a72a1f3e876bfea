"""The regression gate: each tracker's stored results against its leaderboard entry.

A tracker fails the gate when its headline figure (AUC, EAO, ...) got worse by more than a tolerance
AND significantly: the paired bootstrap over sequences puts the whole confidence interval of the
difference on the worse side. Both conditions, because a large change on a few sequences may be noise
(wide interval) and a tiny consistent change may be significant yet immaterial. Improvements are
reported, never a failure. The sequences that lost most, each by more than the tolerance on its own, are
named as culprits.

`harness regress` exits PASSED, REGRESSED or NOT_EVALUATED: CI must tell "a tracker got worse" from "the
gate could not run" (no store, a bad leaderboard or shard, results short of frames), which is a broken
job and says nothing about the trackers. argparse's usage errors exit 2 as well: also not evaluated."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from harness.errors import EvaluationError
from harness.metrics.fields import Field
from harness.reports.bootstrap import Bootstrap, paired

if TYPE_CHECKING:  # the CLI reads TOLERANCE when it builds its parser: nothing heavy at import
    from harness.reports.collect import Scored
    from harness.reports.leaderboard import Leaderboard

PASSED, REGRESSED, NOT_EVALUATED = 0, 1, 2
OUTCOMES = {PASSED: "no regression", REGRESSED: "regression", NOT_EVALUATED: "not evaluated"}
TOLERANCE = 0.005
CULPRITS = 5
# Leaderboards keep terms to 7 significant digits, so a resample that does not draw a changed sequence
# differs by rounding (~1e-8), not by zero: an interval bound within this of zero counts as zero.
ROUNDING = 1e-6


@dataclass(frozen=True)
class Check:
    tracker: str
    verdict: str  # worse, better, unchanged, new (no entry), not stored (entry without results)
    old: float | None = None
    new: float | None = None
    delta: float | None = None  # new - old
    low: float | None = None  # bootstrap interval of new - old
    high: float | None = None
    # sequence, its own new - old (worst first): those that lost more than the tolerance
    culprits: list[tuple[str, float]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.verdict == "worse"


def headline_field(board: Leaderboard) -> Field:
    meta = board.fields.get(board.headline)
    if not isinstance(meta, dict) or not {"label", "better"} <= set(meta):
        from harness.reports.leaderboard import LeaderboardError

        raise LeaderboardError(f"{board.path}: malformed leaderboard: its headline {board.headline!r} is not among its "
                           "fields with a label and a direction (better)")
    return Field(board.headline, meta["label"], meta["better"], meta.get("digits", 3), meta.get("description", ""))


def regress(section: Scored, board: Leaderboard, tolerance: float, bootstrap: Bootstrap,
            asked: list[str] | None = None) -> list[Check]:
    """One check per tracker of `section` (the stored results, scored on the leaderboard's sequences under
    its profile) and per tracker of the leaderboard asked for (`asked`, default all) without results."""
    head = headline_field(board)
    sign = 1.0 if head.better == "higher" else -1.0  # gain = sign * (new - old): positive is better
    checks = []
    for score in section.scores:
        entry = board.entries.get(score.tracker)
        if entry is None:
            checks.append(Check(score.tracker, "new", new=score.result.values.get(head.name)))
            continue
        new_terms, old_terms = score.result.terms().get(head.name), entry.terms.get(head.name)
        if new_terms is None or old_terms is None:
            declared = next((f.no_terms for f in score.result.fields if f.name == head.name), "")
            if declared:
                raise EvaluationError(f"{score.tracker}: the gate cannot tell whether its {head.label} under profile "
                                      f"{board.profile} got worse: the {head.label} is {declared}")
            raise EvaluationError(f"{score.tracker}: its {head.label} under profile {board.profile} does not decompose "
                                  f"over sequences ({board.path} or the stored results have no terms for it), so no "
                                  "paired bootstrap can be drawn; the gate needs a profile whose headline does")
        diff = paired(new_terms, old_terms, bootstrap)
        gain, gain_low, gain_high = sign * diff.delta, *sorted((sign * diff.low, sign * diff.high))
        if gain < -tolerance and gain_high < -ROUNDING:
            verdict = "worse"
        elif gain > tolerance and gain_low > ROUNDING:
            verdict = "better"
        else:
            verdict = "unchanged"
        per_sequence = sign * diff.per_sequence
        worst = [i for i in np.argsort(per_sequence, kind="stable") if per_sequence[i] < -tolerance][:CULPRITS]
        culprits = [(new_terms.sequences[i], float(diff.per_sequence[i])) for i in worst]
        checks.append(Check(score.tracker, verdict, entry.values.get(head.name), score.result.values.get(head.name),
                            diff.delta, diff.low, diff.high, culprits))
    stored = {s.tracker for s in section.scores}
    checks += [Check(t, "not stored", old=e.values.get(head.name)) for t, e in board.entries.items()
               if t not in stored and (asked is None or t in asked)]
    return checks


def format_checks(checks: list[Check], board: Leaderboard, tolerance: float, bootstrap: Bootstrap) -> str:
    head = headline_field(board)
    digits = head.digits + 1

    def number(v: float | None, signed: bool = False) -> str:
        if v is None or math.isnan(v):
            return "-"
        v = round(v, digits) + 0.0  # no "-0.0000"
        return f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"

    header = (f"{board.benchmark} · {board.experiment} · profile {board.profile} · {head.label} against {board.path} "
              f"(tolerance {tolerance:g}; {bootstrap.level:.0%} paired bootstrap over {len(board.sequences)} sequences, "
              f"{bootstrap.resamples:,} resamples, seed {bootstrap.seed})")
    rows = [[c.tracker, number(c.old), number(c.new), number(c.delta, True),
             "-" if c.low is None else f"[{number(c.low, True)}, {number(c.high, True)}]", c.verdict.upper()
             if c.failed else c.verdict] for c in checks]
    from harness.reports.tables import aligned

    lines = [aligned(header, ["tracker", "leaderboard", "now", "delta", "interval", "verdict"], rows)]
    for c in checks:
        if c.verdict in ("worse", "better") and c.culprits:
            lines.append(f"  {c.tracker}: sequences that lost more than {tolerance:g}, most first: "
                         + ", ".join(f"{q} {number(d, True)}" for q, d in c.culprits))
    failed = [c.tracker for c in checks if c.failed]
    lines.append(f"regression: {', '.join(failed)} got worse" if failed else "no regression")
    return "\n".join(lines)


def exit_code(checks: list[Check]) -> int:
    return REGRESSED if any(c.failed for c in checks) else PASSED


def checks_json(checks: list[Check], board: Leaderboard, tolerance: float, bootstrap: Bootstrap) -> dict:
    code = exit_code(checks)
    return {
        "outcome": OUTCOMES[code], "exit_code": code,
        "leaderboard": str(board.path), "benchmark": board.benchmark, "experiment": board.experiment,
        "profile": board.profile, "field": board.headline, "tolerance": tolerance,
        "bootstrap": {"resamples": bootstrap.resamples, "seed": bootstrap.seed, "level": bootstrap.level,
                      "over": "sequences", "paired": True},
        "failed": [c.tracker for c in checks if c.failed],
        "trackers": {c.tracker: {"verdict": c.verdict, "leaderboard": c.old, "now": c.new, "delta": c.delta,
                                 "interval": None if c.low is None else [c.low, c.high],
                                 "culprits": [{"sequence": q, "delta": d} for q, d in c.culprits]} for c in checks},
    }
