"""The VOT toolkit's own analyses run on our trajectories and ground truth: the reference the VOT tests
compare with. Only what the analyses ask of their inputs is provided (an experiment's `gather`, a
sequence's ground truth and size); regions are the toolkit's own classes."""

from __future__ import annotations

import json
from functools import cache

import numpy as np

from harness.metrics.vot.evaluate import VOTSequenceTruth, VOTTrajectory
from benchmarks.registry import VOT_TAGS
from harness.formats.vot_text import read_vot_result_file
from tests.conftest import realdata_path

TRACKERS = ["NanoTrack", "LightTrack", "SiamAPN", "SiamAPN++", "SiamTPN"]


@cache
def vot2018_truth() -> tuple[VOTSequenceTruth, ...]:
    """VOT2018 from the pysot-style json; an empty tag list (no .tag file in the release) stays empty."""
    meta = json.loads(realdata_path("vot", "VOT2018.json").read_text())
    return tuple(
        VOTSequenceTruth(
            name,
            np.array(v["gt_rect"], dtype=float),
            {t: np.array(v[t], dtype=bool) for t in VOT_TAGS},
            v["width"],
            v["height"],
        )
        for name, v in meta.items()
    )


@cache
def real_trajectories(tracker: str) -> tuple[VOTTrajectory, ...]:
    out = []
    for seq in vot2018_truth():
        path = realdata_path("vot", "results", "VOT2018", tracker, "baseline", seq.name, f"{seq.name}_001.txt")
        status, boxes = read_vot_result_file(path)
        out.append(VOTTrajectory(seq.name, 1, status, boxes, str(path)))
    return tuple(out)


def region(status: int, box: np.ndarray) -> object:
    from vot.region import Special
    from vot.region.shapes import Polygon, Rectangle

    if status != 3:
        return Special(int(status))
    if len(box) == 8 and not np.isnan(box[4]):
        return Polygon(list(zip(box[0::2].tolist(), box[1::2].tolist())))
    return Rectangle(*box[:4].tolist())


class _Trajectory:
    def __init__(self, t: VOTTrajectory) -> None:
        self._regions = [region(s, b) for s, b in zip(t.status.tolist(), t.boxes)]

    def regions(self) -> list:
        return self._regions


class _Sequence:
    def __init__(self, truth: VOTSequenceTruth) -> None:
        from vot.region.io import parse_region

        self.name, self.size = truth.name, (truth.width, truth.height)
        self._gt = [parse_region(",".join(repr(float(v)) for v in row)) for row in truth.gt]

    def groundtruth(self, index: int | None = None) -> object:
        return self._gt if index is None else self._gt[index]

    def __len__(self) -> int:
        return len(self._gt)


class _Experiment:
    def __init__(self, trajectories: list[VOTTrajectory]) -> None:
        self._by_sequence: dict[str, list[_Trajectory]] = {}
        for t in sorted(trajectories, key=lambda t: t.repetition):
            self._by_sequence.setdefault(t.sequence, []).append(_Trajectory(t))

    def gather(self, tracker: object, sequence: _Sequence) -> list[_Trajectory]:
        return self._by_sequence[sequence.name]


def toolkit_analyses(
    truth: list[VOTSequenceTruth], trajectories: list[VOTTrajectory], low: int = 100, high: int = 356
) -> dict:
    """AccuracyRobustness per sequence, AverageAccuracyRobustness, EAOCurve and EAOScore of vot-toolkit 0.9.0."""
    from vot.analysis.supervised import AccuracyRobustness, AverageAccuracyRobustness, EAOCurve

    sequences = [_Sequence(s) for s in truth]
    experiment = _Experiment(trajectories)
    ar = AccuracyRobustness(sensitivity=30, burnin=10, ignore_unknown=True, bounded=True)
    per_sequence = [ar.subcompute(experiment, None, s, []) for s in sequences]
    average = AverageAccuracyRobustness(analysis=ar)
    accuracy, weighted_failures, (robustness, _), _ = average.aggregate(None, sequences, per_sequence)
    (curve,) = EAOCurve(burnin=10, bounded=True).subcompute(experiment, None, sequences, [])
    return {
        "eao": float(np.mean(curve[low : high + 1])) if len(curve) > low else float("nan"),  # EAOScore's reduction
        "eao_curve": np.asarray(curve),
        "accuracy": float(accuracy),
        "robustness": float(robustness),
        "weighted_failures": float(weighted_failures),
        "per_sequence": {
            s.name: {"accuracy": float(a), "failures": float(f)} for s, (a, f, _, _) in zip(truth, per_sequence)
        },
    }
