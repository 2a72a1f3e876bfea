"""What the UAV123 toolkit knows about each sequence that the annotation files do not say.

Facts from the UAV123 toolkit's sequence configuration (configSeqs.m; the same frame ranges are
in pytracking's UAV dataset definitions): UAV123's 123 sequences are cut from 91 videos
(``data_seq/UAV123/<video>/000001.jpg...``); a video cut in pieces gives ``<video>_1``,
``<video>_2``, ... and the pieces share their boundary frame (car1_1 ends and car1_2 starts at
751) or leave gaps (bird1, uav1). UAV20L's 20 sequences are 20 of those videos whole, from frame 1
to the end of their last UAV123 piece. Attribute flags come in the toolkit's column order.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.errors import BenchmarkError

# Column order of the toolkit's anno/<version>/att/<seq>.txt files (12 flags).
ATTRIBUTES = ("SV", "ARC", "LR", "FM", "FOC", "POC", "OV", "BC", "IV", "VC", "CM", "SOB")

VERSIONS = ("uav123", "uav20l")
FRAME_PATTERN = "{:06d}.jpg"


@dataclass(frozen=True)
class UAVEntry:
    """One evaluated sequence: images ``start..end`` of `video`'s folder."""

    name: str
    video: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


# video: its last frame, or the first-last ranges of its pieces (UAV123 names them <video>_<k>).
_VIDEOS = """
bike1 3085 | bike2 553 | bike3 433 | bird1 1-253 775-1477 1573-2437
boat1 901 | boat2 799 | boat3 901 | boat4 553 | boat5 505 | boat6 805 | boat7 535 | boat8 685 | boat9 1399
building1 469 | building2 577 | building3 829 | building4 787 | building5 481
car1 1-751 751-1627 1627-2629 | car10 1405 | car11 337 | car12 499 | car13 415 | car14 1327 | car15 469
car16 1-415 415-1993 | car17 1057 | car18 1207 | car1_s 1475 | car2 1321 | car2_s 320 | car3 1717
car3_s 1300 | car4 1345 | car4_s 830 | car5 745 | car6 1-487 487-1807 1807-2953 2953-3925 3925-4861
car7 1033 | car8 1-1357 1357-2575 | car9 1879 | group1 1-1333 1333-2515 2515-3925 3925-4873
group2 1-907 907-1771 1771-2683 | group3 1-1567 1567-2827 2827-4369 4369-5527
person1 799 | person10 1021 | person11 721 | person12 1-601 601-1621 | person13 883
person14 1-847 847-1813 1813-2923 | person15 1339 | person16 1147 | person17 1-1501 1501-2347
person18 1393 | person19 1-1243 1243-2791 2791-4357 | person1_s 1600 | person2 1-1189 1189-2623
person20 1783 | person21 487 | person22 199 | person23 397 | person2_s 250 | person3 643
person3_s 505 | person4 1-1501 1501-2743 | person5 1-877 877-2101 | person6 901
person7 1-1249 1249-2065 | person8 1-1075 1075-1525 | person9 661
truck1 463 | truck2 385 | truck3 535 | truck4 1-577 577-1261
uav1 1-1555 1555-2377 2473-3469 | uav2 133 | uav3 265 | uav4 157 | uav5 139 | uav6 109 | uav7 373
uav8 301 | wakeboard1 421 | wakeboard10 469 | wakeboard2 733 | wakeboard3 823 | wakeboard4 697
wakeboard5 1675 | wakeboard6 1165 | wakeboard7 199 | wakeboard8 1543 | wakeboard9 355
"""

_UAV20L_VIDEOS = ("bike1 bird1 car1 car16 car3 car6 car8 car9 group1 group2 group3 person14 person17 "
                  "person19 person2 person20 person4 person5 person7 uav1").split()


def _parse() -> tuple[tuple[UAVEntry, ...], tuple[UAVEntry, ...]]:
    uav123, whole = [], {}
    for item in _VIDEOS.replace("\n", " | ").split("|"):
        if not item.strip():
            continue
        video, *ranges = item.split()
        pieces = [tuple(int(v) for v in r.split("-")) if "-" in r else (1, int(r)) for r in ranges]
        for k, (start, end) in enumerate(pieces, start=1):
            name = f"{video}_{k}" if len(pieces) > 1 else video
            uav123.append(UAVEntry(name, video, start, end))
        whole[video] = UAVEntry(video, video, 1, pieces[-1][1])
    return tuple(uav123), tuple(whole[video] for video in _UAV20L_VIDEOS)


UAV123, UAV20L = _parse()


def uav_entries(version: str = "uav123") -> tuple[UAVEntry, ...]:
    """The sequences of ``uav123`` (123 pieces) or ``uav20l`` (20 whole videos)."""
    tables = {"uav123": UAV123, "uav20l": UAV20L}
    if version.lower() not in tables:
        raise BenchmarkError(f"unknown UAV version {version!r}; known: {', '.join(VERSIONS)}")
    return tables[version.lower()]
