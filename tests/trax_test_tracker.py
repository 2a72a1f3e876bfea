"""TraX trackers for tests/test_trax_trackers.py, one program: ``python trax_test_tracker.py MODE [N [MATCH]]``.

Each holds the box it was started from and answers it with `confidence` 0.5, and writes a line of JSON per
request to the file ``$TRAX_TEST_LOG`` (its pid, the request, the image path, the region sent) so that a
test sees what the harness sent and which processes it started. MODE says what goes wrong at the N-th
request since the last initialisation (1: the initialisation), on frames whose path contains MATCH when given:

    hold       nothing (N unused); `hold-rect`: the same, declaring rectangles only; `mask`: the same, answering
               the ellipse inside its box as a mask (a segmenting tracker, VOT2020+)
    exit       the process dies without a word (os._exit(3)), as on a crash, after a line on stderr
    hang       it starts a helper process (`sleep`) and never answers, as a tracker stuck in a loop
    garbage    it answers a malformed TraX message
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from trax import Image, Region, Server, TraxStatus
from trax.region import Mask, Polygon, Rectangle


def _bounds(region: Rectangle | Polygon) -> list[float]:
    if isinstance(region, Polygon):
        xs, ys = [x for x, _ in region], [y for _, y in region]
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    return list(region.bounds())


def _region(region: Rectangle | Polygon) -> dict:
    points = [v for point in region for v in point] if isinstance(region, Polygon) else list(region.bounds())
    return {"type": region.type, "values": points}


def _ellipse(box: list[float]) -> Mask:
    """The ellipse inscribed in `box`, pixel centres inside it, as a mask at the box's whole-pixel corner."""
    import numpy as np

    x, y, w, h = box
    left, top = int(x), int(y)
    cols = np.arange(left, int(np.ceil(x + w))) + 0.5
    rows = np.arange(top, int(np.ceil(y + h))) + 0.5
    inside = ((cols[None, :] - x - w / 2) / (w / 2)) ** 2 + ((rows[:, None] - y - h / 2) / (h / 2)) ** 2 <= 1
    return Mask.create(inside.astype(np.uint8), max(left, 0), max(top, 0))


def _fault(mode: str) -> None:
    if mode == "exit":
        print("trax_test_tracker: exiting on purpose", file=sys.stderr, flush=True)
        os._exit(3)
    if mode == "hang":
        helper = subprocess.Popen(["sleep", "1000"])
        _log({"helper": helper.pid})
        while True:
            time.sleep(1)
    if mode == "garbage":
        os.write(1, b'@@TRAX:state "1,2,x"\n')
        while True:
            time.sleep(1)


def _log(entry: dict) -> None:
    with open(os.environ["TRAX_TEST_LOG"], "a") as log:
        log.write(json.dumps({"pid": os.getpid(), **entry}) + "\n")


def main(mode: str, at: int, match: str) -> None:
    regions = [Region.RECTANGLE] if mode == "hold-rect" else [Region.RECTANGLE, Region.POLYGON]
    box, count = None, 0
    with Server(regions, [Image.PATH], tracker_name=f"test-{mode}") as server:
        _log({"request": "hello"})
        while True:
            request = server.wait()
            if request.type == TraxStatus.QUIT:
                _log({"request": "quit"})
                break
            count = 1 if request.type == TraxStatus.INITIALIZE else count + 1
            path = request.image["color"].path()
            entry = {"request": request.type, "path": path}
            if request.type == TraxStatus.INITIALIZE:
                region = request.objects[0][0]
                box, entry["region"] = _bounds(region), _region(region)
            _log(entry)
            if count == at and match in path:
                _fault(mode)
            answer = _ellipse(box) if mode == "mask" else Rectangle.create(*box)
            server.status([(answer, {"confidence": "0.5"})])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0, sys.argv[3] if len(sys.argv) > 3 else "")
