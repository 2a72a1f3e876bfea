"""A TraX tracker: OpenCV's MIL (Babenko et al.) behind the `trax` package's Server, run by the VOT toolkit
or by `harness run` as any TraX tracker is, from a trackers.ini (docs/formats.md, "TraX trackers in the
harness"):

    [mil_trax]
    label = MIL over TraX
    protocol = traxpython
    command = trax_tracker
    paths = /abs/path/docs/examples

Frames come as file paths and are decoded here with OpenCV; a polygon (VOT's rotated boxes) starts MIL from
its upright bounds, as the harness's own `opencv-mil` starts. The answer is the box MIL found, or its last
box when MIL reports the target lost.

MIL draws its Haar features with libc's rand() in `init`: seeding it (and OpenCV's generator) before every
initialisation, in a process whose only thread is this one, makes a run a function of the frames alone, and
the boxes equal those of `harness run --trackers opencv-mil` (seed 0, trackers/mil_child.py).
"""

from __future__ import annotations

import ctypes
import math

import cv2
from trax import Image, Region, Server, TraxStatus
from trax.region import Polygon, Rectangle

SEED = 0


def bounds(region: Rectangle | Polygon) -> tuple[float, float, float, float]:
    """The region's upright bounds x, y, w, h."""
    if isinstance(region, Polygon):
        xs, ys = [x for x, _ in region], [y for _, y in region]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
    return region.bounds()


def integer_rect(x: float, y: float, w: float, h: float) -> tuple[int, int, int, int]:
    """The integer rect OpenCV's trackers take: each edge rounded half up, at least 1 pixel wide and high."""
    x1, y1 = math.floor(x + 0.5), math.floor(y + 0.5)
    x2, y2 = math.floor(x + w + 0.5), math.floor(y + h + 0.5)
    return x1, y1, max(1, x2 - x1), max(1, y2 - y1)


def main() -> None:
    cv2.setNumThreads(1)
    srand = ctypes.CDLL(None).srand
    tracker, last = None, None
    with Server([Region.RECTANGLE, Region.POLYGON], [Image.PATH], tracker_name="MIL",
                tracker_description="OpenCV's MIL, seeded at every initialisation") as server:
        while True:
            request = server.wait()
            if request.type == TraxStatus.QUIT:
                break
            image = cv2.imread(request.image["color"].path(), cv2.IMREAD_COLOR)
            if request.type == TraxStatus.INITIALIZE:
                cv2.setRNGSeed(SEED)
                srand(SEED)
                tracker = cv2.TrackerMIL.create()
                last = bounds(request.objects[0][0])
                tracker.init(image, integer_rect(*last))
            else:
                found, rect = tracker.update(image)
                if found:
                    last = tuple(rect)
            server.status([(Rectangle.create(*last), {})])


if __name__ == "__main__":
    main()
