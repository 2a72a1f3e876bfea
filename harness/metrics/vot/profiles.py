"""Named VOT (supervised, reset-based) evaluation profiles: the conventions of one reference toolkit each.

A profile is plain data; `evaluate.py`, `scores.py`, `regions.py` and `eao.py` interpret it.
docs/vot.md tabulates every field and where its value comes from. `reduction` names the toolkit whose
analysis the profile reproduces, which fixes how overlaps are computed: 'vot_toolkit' rasterises as
the VOT toolkit (vertices rounded half to even, a rectangle covers w columns, horizontal edges give
scanline nodes); 'pysot' as pysot's region.c (rectangles as 4-corner polygons, so w + 1 columns,
rounding half away from zero); 'got10k' takes the continuous polygon IoU clipped to the image box
(got10k's shapely IoU). A profile is checked when it is defined, as the OPE profiles are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness.errors import ProfileError
from harness.metrics.conventions import check_conventions, define

# pysot's list of the VOT2016-2019 per-frame attributes, in its order
PYSOT_TAGS = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")


@dataclass(frozen=True)
class VOTProfile:
    name: str
    source: str  # repository@commit and files it reproduces
    reduction: Literal["vot_toolkit", "pysot", "got10k"]
    burnin: int  # frames excluded from accuracy from each (re)initialisation on, the init included
    # Last pixel column/row counted, relative to the image width/height: -1 = pixels [0, w - 1]. The VOT
    # toolkit scores accuracy and EAO on one set of overlaps (eao_bound); pysot passes (w - 1, h - 1) for
    # EAO and (w, h) for accuracy as inclusive bounds; got10k clips to the image box and has neither.
    eao_bound: int | None
    accuracy_bound: int | None
    tags: tuple[str, ...]  # per-tag figures, in the toolkit's order ('empty' as the toolkit defines it)
    repetitions_rule: Literal["all", "fifteen_or_first"]  # pysot reads all repetitions only when there are 15

    def __post_init__(self) -> None:
        check_conventions(self)
        wanted = {"vot_toolkit": (True, False), "pysot": (True, True), "got10k": (False, False)}[self.reduction]
        given = (self.eao_bound is not None, self.accuracy_bound is not None)
        if given != wanted:
            need = [n for n, w in zip(("eao_bound", "accuracy_bound"), wanted) if w]
            raise ProfileError(f"profile {self.name}: the {self.reduction} analysis takes "
                               f"{' and '.join(need) or 'no pixel bound'}; set exactly those (others None)")
        if self.burnin < 0:
            raise ProfileError(f"profile {self.name}: burnin={self.burnin} must be >= 0")


PROFILES: dict[str, VOTProfile] = {
    p.name: p
    for p in (
        define(
            VOTProfile,
            name="vot_toolkit",
            source="vot-toolkit 0.9.0 (votchallenge/toolkit@56f0053f6890) vot/analysis/supervised.py, vot/region/raster.py",
            reduction="vot_toolkit",
            burnin=10,
            eao_bound=-1,
            accuracy_bound=None,
            tags=(),
            repetitions_rule="all",
        ),
        define(
            VOTProfile,
            name="pysot",
            source="STVIR/pysot@d04028f8e18c toolkit/evaluation/{eao,ar}_benchmark.py, toolkit/utils/{statistics.py,region.pyx,src/region.c}",
            reduction="pysot",
            burnin=10,
            eao_bound=-1,
            accuracy_bound=0,
            tags=("all", *PYSOT_TAGS, "empty"),
            repetitions_rule="fifteen_or_first",
        ),
        define(
            VOTProfile,
            name="got10k",
            source="got10k 0.1.3 (got-10k/toolkit@956e7286fdf2) got10k/experiments/vot.py ExperimentVOT.report, got10k/utils/metrics.py poly_iou",
            reduction="got10k",
            burnin=10,
            eao_bound=None,
            accuracy_bound=None,
            tags=("camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty"),
            repetitions_rule="all",
        ),
    )
}


def get_profile(name: str) -> VOTProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown VOT profile {name!r}; known profiles: {', '.join(PROFILES)}") from None
