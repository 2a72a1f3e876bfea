"""What the OTB toolkits know about each sequence that the dataset files do not say.

Facts gathered from the OTB benchmark's sequence configurations (frame ranges, image name
widths, extensions, subsets) and the toolkit's ``anno/att`` files (attributes). Names are
pysot's OTB100 names: a second target in the same video gets ``-<k>`` and is annotated in
``groundtruth_rect.<k>.txt`` of the base folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.errors import BenchmarkError

# The 11 OTB attributes, in the order Sequence.attributes lists them.
ATTRIBUTES = ("IV", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OPR", "OV", "BC", "LR")
# Column order of the toolkit's anno/att/<seq>.txt flag files (not the same order).
ATT_FILE_ORDER = ("IV", "OPR", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OV", "BC", "LR")

VERSIONS = {"otb100": "otb100", "otb2015": "otb100", "tb100": "otb100",
            "otb2013": "otb2013", "otb50": "otb50", "tb50": "otb50"}


@dataclass(frozen=True)
class OTBEntry:
    """One evaluated (sub)sequence: image files ``start..end`` of its folder, minus the first
    `init_omit` (Tiger1 starts at image 6 but its ground truth file begins at image 1)."""

    name: str
    start: int
    end: int
    attributes: tuple[str, ...]
    in_otb2013: bool
    in_otb50: bool
    init_omit: int = 0
    digits: int = 4
    ext: str = "jpg"

    @property
    def folder(self) -> str:
        return self.name.partition("-")[0]

    @property
    def annotation(self) -> str:
        _, dash, target = self.name.partition("-")
        return f"groundtruth_rect.{target}.txt" if dash else "groundtruth_rect.txt"

    @property
    def first_frame(self) -> int:
        return self.start + self.init_omit

    @property
    def length(self) -> int:
        """Number of evaluated frames (= lines of the toolkit's anno file)."""
        return self.end - self.first_frame + 1

    @property
    def pattern(self) -> str:
        return f"{{:0{self.digits}d}}.{self.ext}"


_QUIRKS: dict[str, dict[str, Any]] = {
    "Board": {"digits": 5},
    "KiteSurf": {"ext": "png"},
    "Tiger1": {"init_omit": 5},
}

# name, first and last image, membership in OTB-2013 (13) and OTB-50 (50), attributes.
_TABLE = """
Basketball      1   725  13 50  IV OCC DEF OPR BC
Biker           1   142  -- 50  SV OCC MB FM OPR OV LR
Bird1           1   408  -- 50  DEF FM OV
Bird2           1    99  -- --  OCC DEF FM IPR OPR
BlurBody        1   334  -- 50  SV DEF MB FM IPR
BlurCar1      247   988  -- --  MB FM
BlurCar2        1   585  -- 50  SV MB FM
BlurCar3        3   359  -- --  MB FM
BlurCar4       18   397  -- --  MB FM
BlurFace        1   493  -- 50  MB FM IPR
BlurOwl         1   631  -- 50  SV MB FM IPR
Board           1   698  -- --  SV MB FM OPR OV BC
Bolt            1   350  13 50  OCC DEF IPR OPR
Bolt2           1   293  -- --  DEF BC
Box             1  1161  -- 50  IV SV OCC MB IPR OPR OV BC
Boy             1   602  13 --  SV MB FM IPR OPR
Car1            1  1020  -- 50  IV SV BC LR
Car2            1   913  -- --  IV BC
Car24           1  3059  -- --  IV SV BC
Car4            1   659  13 50  IV SV
CarDark         1   393  13 50  IV BC
CarScale        1   252  13 50  SV OCC FM IPR OPR
ClifBar         1   472  -- 50  SV OCC MB FM IPR OV BC
Coke            1   291  13 --  IV OCC FM IPR OPR
Couple          1   140  13 50  SV DEF FM OPR BC
Coupon          1   327  -- --  OCC BC
Crossing        1   120  13 --  SV DEF BC
Crowds          1   347  -- 50  IV DEF BC
Dancer          1   225  -- --  SV DEF IPR OPR
Dancer2         1   150  -- --  DEF
David         300   770  13 50  IV SV OCC DEF MB IPR OPR
David2          1   537  13 --  IPR OPR
David3          1   252  13 --  OCC DEF OPR BC
Deer            1    71  13 50  MB FM IPR BC
Diving          1   215  -- 50  SV DEF IPR
Dog             1   127  -- --  SV DEF OPR
Dog1            1  1350  13 --  SV IPR OPR
Doll            1  3872  13 --  IV SV OCC IPR OPR
DragonBaby      1   113  -- 50  SV OCC MB FM IPR OPR OV
Dudek           1  1145  13 50  SV OCC DEF FM IPR OPR OV BC
FaceOcc1        1   892  13 --  OCC
FaceOcc2        1   812  13 --  IV OCC IPR OPR
Fish            1   476  13 --  IV
FleetFace       1   707  13 --  SV DEF MB FM IPR OPR
Football        1   362  13 50  OCC IPR OPR BC
Football1       1    74  13 --  IPR OPR BC
Freeman1        1   326  13 --  SV IPR OPR
Freeman3        1   460  13 --  SV IPR OPR LR
Freeman4        1   283  13 50  SV OCC IPR OPR LR
Girl            1   500  13 50  SV OCC IPR OPR
Girl2           1  1500  -- --  SV OCC DEF MB OPR
Gym             1   767  -- --  SV DEF IPR OPR
Human2          1  1128  -- --  IV SV MB OPR
Human3          1  1698  -- 50  SV OCC DEF OPR BC
Human4-2        1   667  -- 50  IV SV OCC DEF
Human5          1   713  -- --  SV OCC DEF
Human6          1   792  -- 50  SV OCC DEF FM OPR OV
Human7          1   250  -- --  IV SV OCC DEF MB FM
Human8          1   128  -- --  IV SV DEF
Human9          1   305  -- 50  IV SV DEF MB FM
Ironman         1   166  13 50  IV SV OCC MB FM IPR OPR OV BC
Jogging-1       1   307  13 --  OCC DEF OPR
Jogging-2       1   307  13 --  OCC DEF OPR
Jump            1   122  -- 50  SV OCC DEF MB IPR OPR
Jumping         1   313  13 50  MB FM
KiteSurf        1    84  -- --  IV OCC IPR OPR
Lemming         1  1336  13 --  IV SV OCC FM OPR OV
Liquor          1  1741  13 50  IV SV OCC MB FM OPR OV BC
Man             1   134  -- --  IV
Matrix          1   100  13 50  IV SV OCC FM IPR OPR BC
Mhyang          1  1490  13 --  IV DEF OPR BC
MotorRolling    1   164  13 50  IV SV MB FM IPR BC
MountainBike    1   228  13 --  IPR OPR BC
Panda           1  1000  -- 50  SV OCC DEF IPR OPR OV LR
RedTeam         1  1918  -- 50  SV OCC IPR OPR LR
Rubik           1  1997  -- --  SV OCC IPR OPR
Shaking         1   365  13 50  IV SV IPR OPR BC
Singer1         1   351  13 --  IV SV OCC OPR
Singer2         1   366  13 50  IV DEF IPR OPR BC
Skater          1   160  -- --  SV DEF IPR OPR
Skater2         1   435  -- --  SV DEF FM IPR OPR
Skating1        1   400  13 50  IV SV OCC DEF OPR BC
Skating2-1      1   473  -- 50  SV OCC DEF FM OPR
Skating2-2      1   473  -- 50  SV OCC DEF FM OPR
Skiing          1    81  13 50  IV SV DEF IPR OPR LR
Soccer          1   392  13 50  IV SV OCC MB FM IPR OPR BC
Subway          1   175  13 --  OCC DEF BC
Surfer          1   376  -- 50  SV FM IPR OPR LR
Suv             1   945  13 --  OCC IPR OV
Sylvester       1  1345  13 50  IV IPR OPR
Tiger1          1   354  13 --  IV OCC DEF MB FM IPR OPR
Tiger2          1   365  13 50  IV OCC DEF MB FM IPR OPR OV
Toy             1   271  -- --  SV FM IPR OPR
Trans           1   124  -- --  IV SV OCC DEF
Trellis         1   569  13 50  IV SV IPR OPR BC
Twinnings       1   472  -- --  SV OPR
Vase            1   271  -- --  SV FM IPR
Walking         1   412  13 50  SV OCC DEF LR
Walking2        1   500  13 50  SV OCC
Woman           1   597  13 50  IV SV OCC DEF MB FM OPR
"""


def _parse_table() -> tuple[OTBEntry, ...]:
    entries = []
    for row in _TABLE.strip().splitlines():
        name, start, end, in13, in50, *attributes = row.split()
        entries.append(OTBEntry(
            name, int(start), int(end), tuple(attributes), in13 == "13", in50 == "50",
            **_QUIRKS.get(name, {}),
        ))
    return tuple(entries)


OTB100: tuple[OTBEntry, ...] = _parse_table()


def otb_entries(version: str = "otb100") -> tuple[OTBEntry, ...]:
    """The sequences of one OTB version: otb100 (= otb2015, tb100), otb2013, otb50 (= tb50)."""
    canonical = VERSIONS.get(version.lower())
    if canonical is None:
        raise BenchmarkError(f"unknown OTB version {version!r}; known: {', '.join(sorted(VERSIONS))}")
    if canonical == "otb2013":
        return tuple(e for e in OTB100 if e.in_otb2013)
    if canonical == "otb50":
        return tuple(e for e in OTB100 if e.in_otb50)
    return OTB100
