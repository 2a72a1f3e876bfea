"""`harness trax`: one tracker plugin served over the TraX protocol, so that the VOT toolkit (`vot evaluate`)
runs it as it runs any TraX tracker (docs/formats.md, "TraX: harness plugins in the VOT toolkit").

The toolkit drives the experiment (its frames, failures, re-initialisations, repetitions); this side answers
each request as the harness's own supervised loop calls the tracker (`run_supervised`): one tracker built
once by `plugin.create` and re-initialised on every initialise request, the start box made from the region
by the tracker (`start_box` → `Tracker.init_box`: a polygon arrives as a polygon, so the Siamese trackers get
their area-preserving box), the frame decoded by `read_frame`.

What crosses the wire: libtrax writes every coordinate as text with 4 decimals and holds it as float32 at
both ends. A received coordinate is read back as the decimal that was sent (float32's digits past the 4th
decimal are its own rounding), so an annotation of up to 4 decimals reaches `init_box` as the harness reads
it from the file (exactly below 1024 px, where float32 is finer than half the 4th decimal; on VOT2018 every
such coordinate, up to 1683 px, comes back exactly, and the 508 of 169,468 written with 5 or 6 decimals lose
those, at most 5e-5 px). The box sent back loses the same way: the toolkit stores it to 4 decimals and float32
(exact for OpenCV's integer boxes; up to 5e-5 px plus float32's rounding for the Siamese trackers' float ones).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import HarnessError
from harness.runner.calls import start_box
from trackers import Tracker, TrackerPlugin
from trackers.trax_session import CONFIDENCE, WIRE_DECIMALS

FAMILY = "tracking-harness"
SESSION = "TraX session"  # what frame errors name in place of a sequence: the client never says which


class TraxServeError(HarnessError):
    """The TraX client asked for something the tracker cannot do, or the session broke."""


def _plugin(name: str, options: dict[str, dict], weights: Path | None) -> TrackerPlugin:
    """The one plugin to serve, configured as `harness run` configures it (options, weights folder)."""
    from harness.runs import use_weights
    from trackers.registry import resolve_trackers

    if "," in name or name.strip() == "all":
        raise TraxServeError(f"--tracker {name!r}: a TraX session serves one tracker; name one (see `harness list`)")
    others = sorted(set(options) - {name})
    if others:
        raise TraxServeError(f"--tracker-opt given for {', '.join(others)}, but this session serves {name!r}")
    use_weights(weights)
    (plugin,), _ = resolve_trackers(name, options)
    return plugin


def _device(plugin: TrackerPlugin) -> str:
    """As `harness run` places it: on a GPU when the tracker wants one and there is one."""
    if not plugin.wants_gpu:
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def region_values(region: Any) -> np.ndarray:
    """A TraX rectangle (4 values) or 4-point polygon (8) as the harness holds ground truth: float64, each
    coordinate the decimal text that crossed the wire."""
    from trax.region import Polygon, Rectangle

    if isinstance(region, Rectangle):
        values = list(region.bounds())
    elif isinstance(region, Polygon):
        values = [v for point in region for v in point]
        if len(values) != 8:
            raise TraxServeError(f"the client sent a polygon of {len(values) // 2} points; the harness's trackers "
                                 "start from a rectangle or a 4-point polygon (VOT's rotated boxes)")
    else:
        raise TraxServeError(f"the client sent a {region.type} region; expected a rectangle or a polygon")
    return np.round(np.array(values, dtype=np.float64), WIRE_DECIMALS)


def _frame(request: Any, tracker_name: str, count: int) -> tuple[np.ndarray, Path]:
    """The request's colour image (the session's `count`-th, from 0), decoded as the harness's runs decode frames."""
    from harness.runner.frames import read_frame

    image = request.image.get("color") if request.image else None
    if image is None or image.type() != "path":
        raise TraxServeError(f"the client sent no colour image as a file path; {tracker_name} is served with "
                             "images by path only")
    path = Path(image.path())
    return read_frame(path, SESSION, count), path


def _call(tracker_name: str, path: Path, what: str, fn: Any) -> Any:
    try:
        return fn()
    except Exception as exc:
        raise TraxServeError(f"tracker {tracker_name!r} raised in {what} on {path}: {type(exc).__name__}: {exc}") from exc


def _reply(server: Any, box: np.ndarray, score: float = math.nan) -> None:
    from trax.region import Rectangle

    properties = {CONFIDENCE: repr(float(score))} if math.isfinite(score) else {}
    server.status([(Rectangle.create(*(float(v) for v in box)), properties)])


def _answer(server: Any, tracker: Tracker, tracker_name: str) -> None:
    """Answer requests until the client quits: initialise (again) on each region, track each frame."""
    from trax import TraxStatus

    initialised, count = False, 0
    while True:
        request = server.wait()
        if request.type == TraxStatus.QUIT:
            return
        image, path = _frame(request, tracker_name, count)
        tracker.next_frame_file(path)
        count += 1
        if request.type == TraxStatus.INITIALIZE:
            if len(request.objects) != 1:
                raise TraxServeError(f"the client sent {len(request.objects)} objects to initialise; "
                                     f"{tracker_name} follows one")
            region = region_values(request.objects[0][0])
            start = start_box(tracker, region)
            if start is None:
                raise TraxServeError(f"{tracker_name} cannot start from the region {region.tolist()} sent with "
                                     f"{path}: its start box is not finite with positive width and height")
            _call(tracker_name, path, "initialize", lambda: tracker.initialize(image, start.copy()))
            initialised = True
            _reply(server, start)
            continue
        if not initialised:
            raise TraxServeError(f"the client sent a frame ({path}) before any region to initialise from")
        if request.objects:
            raise TraxServeError(f"the client added objects with {path}; {tracker_name} follows one, "
                                 "given at initialisation")
        prediction = _call(tracker_name, path, "track", lambda: tracker.track(image))
        box = np.asarray(prediction.box, np.float64).reshape(-1)
        if box.shape != (4,) or not np.isfinite(box).all():
            raise TraxServeError(f"tracker {tracker_name!r} returned {box.tolist()} on {path}; expected 4 finite "
                                 "numbers x, y, w, h")
        _reply(server, box, float(prediction.score))


def serve(tracker_name: str, options: dict[str, dict], weights: Path | None = None) -> int:
    """Build `tracker_name` and answer one TraX client on stdin/stdout (or TRAX_SOCKET) until it quits."""
    from trax import TraxException
    from trax.image import Image, ImageChannel
    from trax.region import Region
    from trax.server import Server

    plugin = _plugin(tracker_name, options, weights)
    tracker = plugin.create(_device(plugin))
    if sys.stdin.isatty():
        print(f"harness: serving {plugin.name} over TraX on stdin/stdout; `vot evaluate` starts it "
              "(docs/formats.md)", file=sys.stderr)
    server = None
    try:
        server = Server([Region.RECTANGLE, Region.POLYGON], [Image.PATH], [ImageChannel.COLOR],
                        tracker_name=plugin.name, tracker_family=FAMILY,
                        tracker_description=f"{plugin.name} ({tracker.info.version}) served by harness trax")
        _answer(server, tracker, plugin.name)
    except TraxException as exc:
        failure = TraxServeError(f"TraX session of {plugin.name} ended: {exc}")
    except HarnessError as exc:  # this module's refusals, and a frame that cannot be read
        failure = exc
    else:
        server.quit()
        return 0
    if server is not None:
        _quit(server, str(failure))
    raise failure


def _quit(server: Any, reason: str) -> None:
    """Tell the client why the session ends (its log shows the reason): a client already gone cannot hear it,
    and the session is closed either way, so that nothing is written to the channel afterwards."""
    from trax import TraxException

    try:
        server.quit(reason=reason)
    except TraxException:
        pass


def command(args: argparse.Namespace) -> int:
    from harness.commands import _tracker_options

    return serve(args.tracker, _tracker_options(args.tracker_opt), args.weights)
