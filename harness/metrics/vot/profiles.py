"""Named VOT (supervised, reset-based) evaluation profiles: the conventions of one reference toolkit each.

A profile is plain data; `vot.py`, `vot_regions.py` and `vot_eao.py` interpret it. docs/vot.md
tabulates every field and where its value comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness.errors import EvaluationError

# EAO interval (low, high) of each challenge's supervised experiment, as both toolkits define it
EAO_INTERVALS: dict[str, tuple[int, int]] = {
    "vot2016": (108, 371),
    "vot2017": (100, 356),
    "vot2018": (100, 356),
    "vot2019": (46, 291),
}

# the per-frame attributes of the VOT2016-2019 short-term datasets
VOT_TAGS = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")


@dataclass(frozen=True)
class VOTProfile:
    name: str
    source: str
    # 'raster_vot': the VOT toolkit's rasterised overlap (vertices rounded half to even, a rectangle
    # covers w columns, horizontal edges give scanline nodes); 'raster_pysot': pysot's region.c
    # (rectangles as 4-corner polygons, so w + 1 columns; rounding half away from zero);
    # 'exact': continuous polygon IoU clipped to the image box (got10k's shapely IoU)
    overlap: Literal["raster_vot", "raster_pysot", "exact"]
    # last pixel column/row counted, relative to the image width/height: -1 = pixels [0, w - 1];
    # pysot passes (w - 1, h - 1) for EAO and (w, h) for accuracy as inclusive bounds
    accuracy_bound: int
    eao_bound: int
    burnin: int  # frames excluded from accuracy from each (re)initialisation on, the init included
    eao: Literal["vot_toolkit", "pysot", "none"]
    eao_index_offset: int  # curve indices averaged are low + offset .. high + offset
    skipping: int  # pysot: a failure at f re-initialises at f + skipping (its fragment rule)
    accuracy_mean: Literal["length_weighted", "frame_pooled", "tag_weighted"]
    robustness: Literal["exponential", "per_100_frames", "tag_weighted_failures"]
    sensitivity: float  # the VOT toolkit's AR-plot robustness exp(-sensitivity * failures / length)
    tags: tuple[str, ...]  # per-tag figures, in the toolkit's order ('empty' as the toolkit defines it)
    repetitions_rule: Literal["all", "fifteen_or_first"]


VOT_PROFILES: dict[str, VOTProfile] = {
    p.name: p
    for p in (
        VOTProfile(
            name="vot_toolkit",
            source="vot-toolkit 0.9.0 (votchallenge/toolkit@56f0053f6890) vot/analysis/supervised.py, vot/region/raster.py",
            overlap="raster_vot",
            accuracy_bound=-1,
            eao_bound=-1,
            burnin=10,
            eao="vot_toolkit",
            eao_index_offset=0,
            skipping=5,
            accuracy_mean="length_weighted",
            robustness="exponential",
            sensitivity=30.0,
            tags=(),
            repetitions_rule="all",
        ),
        VOTProfile(
            name="pysot",
            source="STVIR/pysot@d04028f8e18c toolkit/evaluation/{eao,ar}_benchmark.py, toolkit/utils/{statistics.py,region.pyx,src/region.c}",
            overlap="raster_pysot",
            accuracy_bound=0,
            eao_bound=-1,
            burnin=10,
            eao="pysot",
            eao_index_offset=-1,
            skipping=5,
            accuracy_mean="frame_pooled",
            robustness="per_100_frames",
            sensitivity=30.0,
            tags=("all", *VOT_TAGS, "empty"),
            repetitions_rule="fifteen_or_first",
        ),
        VOTProfile(
            name="got10k",
            source="got10k 0.1.3 (got-10k/toolkit@956e7286fdf2) got10k/experiments/vot.py ExperimentVOT.report, got10k/utils/metrics.py poly_iou",
            overlap="exact",
            accuracy_bound=0,
            eao_bound=0,
            burnin=10,
            eao="none",
            eao_index_offset=0,
            skipping=5,
            accuracy_mean="tag_weighted",
            robustness="tag_weighted_failures",
            sensitivity=30.0,
            tags=("camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty"),
            repetitions_rule="all",
        ),
    )
}


def get_vot_profile(name: str) -> VOTProfile:
    try:
        return VOT_PROFILES[name]
    except KeyError:
        raise EvaluationError(f"unknown VOT profile {name!r}; known profiles: {', '.join(VOT_PROFILES)}") from None


def eao_interval(year: str) -> tuple[int, int]:
    try:
        return EAO_INTERVALS[year.lower()]
    except KeyError:
        raise EvaluationError(f"no EAO interval for {year!r}; known: {', '.join(EAO_INTERVALS)}") from None
