"""One TraX tracker process and the client session with it, as vot-toolkit 0.9.0's TrackerProcess runs one:
started in a fresh temporary folder with the declared environment, the TraX channel on its stdin/stdout (or
a local socket, TRAX_SOCKET), stderr joined to stdout, each call bounded by the declared `timeout`.

The process is started by `trackers/trax_guard.py` (in a session of its own, out of reach of Ray's kill of
a worker's process group), which kills the tracker's whole process group when this side closes the lifeline
or dies (a worker killed for a shard's time limit), so no tracker outlives its session.
Every failure (the process exits, does not answer in time, breaks the protocol) raises TrackerError with one
line saying which and the tracker's last line of output; the session is over after it.
"""

from __future__ import annotations

import collections
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from trackers import trax_guard
from trackers.base import TrackerError
from trackers.trax_declarations import TraxDeclaration

CONFIDENCE = "confidence"  # the score's property, both ways (what the VOT toolkit's long-term analyses read)
EXIT_GRACE_S = 3.0  # how long a process may take to exit after quit, as the toolkit waits
OUTPUT_LINES = 40  # the tracker's last lines of output kept for error messages
WIRE_DECIMALS = 4  # libtrax writes every coordinate as "%.4f"
SENT_HERE = ("@@TRAX:frame", "@@TRAX:initialize", "@@TRAX:quit")  # the client's messages, in the same log


class _Output:
    """What crossed the channel and what the tracker printed, as the TraX client logs it (in fragments)."""

    def __init__(self, echo: bool) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=OUTPUT_LINES)
        self.partial, self.echo = "", echo
        self.lock = threading.Lock()

    def __call__(self, fragment: str) -> None:
        if self.echo:
            sys.stderr.write(fragment)
        with self.lock:
            *complete, self.partial = (self.partial + fragment).split("\n")
            self.lines.extend(complete)

    def last(self, sent: bool) -> str:
        """The tracker's last line of its own output (a traceback's last line); with `sent`, else the last
        TraX message it sent ("" if none)."""
        with self.lock:
            lines = [line.strip() for line in [*self.lines, self.partial] if line.strip()]
        own = [line for line in lines if not line.startswith("@@TRAX:")]
        messages = [line for line in lines if not line.startswith(SENT_HERE)] if sent else []
        return (own or messages or [""])[-1][:300]

    def tail(self) -> str:
        with self.lock:
            return "\n".join([*self.lines, self.partial])


class _Watchdog:
    """Calls `expire` once a call has run `seconds` (the toolkit's per-call timeout); one thread per session."""

    def __init__(self, seconds: float, expire: Callable[[], None]) -> None:
        self.seconds, self.fired = seconds, False
        self._expire, self._deadline, self._closed = expire, None, False
        self._condition = threading.Condition()
        threading.Thread(target=self._run, name="trax-watchdog", daemon=True).start()

    def arm(self) -> None:
        with self._condition:
            self._deadline = time.monotonic() + self.seconds
            self._condition.notify()

    def disarm(self) -> None:
        with self._condition:
            self._deadline = None

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()

    def _run(self) -> None:
        with self._condition:
            while not self._closed:
                if self._deadline is None:
                    self._condition.wait()
                elif (left := self._deadline - time.monotonic()) > 0:
                    self._condition.wait(left)
                else:
                    self._deadline, self.fired = None, True
                    self._expire()


class TraxSession:
    """A started TraX tracker, its handshake done: `initialize` and `frame` send a frame by path."""

    def __init__(self, declaration: TraxDeclaration) -> None:
        from trax import TraxException
        from trax.client import Client

        self.declaration = declaration
        self.output = _Output(declaration.log)
        self.ended: str | None = None  # why the session is over
        self.polygons = False  # the tracker takes polygons (else it gets rectangles)
        # The VOT legacy wrapper (it announces the property `vot`) takes one initialisation per process, so
        # the toolkit restarts such a tracker at every initialisation.
        self.one_init_only = False
        self._client: Any = None
        self._lifeline: int | None = None
        self._cutting = threading.Lock()
        env = {**os.environ, **declaration.env}
        listener = None
        if declaration.socket:
            listener = socket.create_server(("127.0.0.1", 0))
            env["TRAX_SOCKET"] = str(listener.getsockname()[1])
        workdir = tempfile.mkdtemp(prefix=f"trax-{declaration.name}-")
        lifeline, self._lifeline = os.pipe()
        try:
            self._guard = subprocess.Popen([sys.executable, trax_guard.__file__, str(lifeline), workdir,
                                            *declaration.argv()], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, cwd=workdir, env=env, bufsize=0,
                                           pass_fds=(lifeline,), start_new_session=True)
        finally:
            os.close(lifeline)
        self._watchdog = _Watchdog(declaration.timeout, self._cut)
        self._watchdog.arm()
        try:
            if listener is not None:
                threading.Thread(target=self._drain, name="trax-output", daemon=True).start()
                self._client = Client(stream=listener.fileno(), timeout=declaration.timeout, log=self.output)
            else:
                self._client = Client(stream=(self._guard.stdin.fileno(), self._guard.stdout.fileno()),
                                      log=self.output)
            self._check_formats()
        except TraxException as exc:
            self.close(self._failure("starting", exc))
        except TrackerError as exc:
            self.close(exc)
        finally:
            self._watchdog.disarm()
            if listener is not None:
                listener.close()

    def initialize(self, path: Path, region: np.ndarray) -> None:
        """Start (again) from `region`: 4 values x, y, w, h (a rectangle) or 8 (a polygon)."""
        from trax.region import Polygon, Rectangle

        values = [float(v) for v in region]
        shape = Rectangle.create(*values) if len(values) == 4 else Polygon.create(list(zip(values[0::2], values[1::2])))
        self._call("initialising", lambda client: client.initialize(self._image(path), [(shape, {})], {}))

    def frame(self, path: Path) -> tuple[np.ndarray, float, tuple[np.ndarray, tuple[int, int]] | None]:
        """The tracker's box x, y, w, h in this frame, its score (its `confidence`, else NaN) and its mask
        (bitmap, (x, y)) when it answered one."""
        objects = self._call("tracking", lambda client: client.frame(self._image(path), {}, []))
        return self._answer(objects)

    def close(self, error: TrackerError | None = None) -> None:
        """Quit the session and end the process (its whole group), as the toolkit's terminate does; then
        raise `error` when given (a session that failed to start)."""
        from trax import TraxException

        self._watchdog.close()
        if self._client is not None:
            # Also after a failure: a client dropped without quit crashes in libtrax's cleanup (its handle is
            # freed after the logger callback it still calls).
            try:
                self._client.quit()
            except TraxException:
                pass  # the process is gone already: it is reaped below
        self._client = None
        self.ended = self.ended or "closed"
        try:
            self._guard.wait(EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            self._cut()  # the guard kills the tracker's group and exits
            try:
                self._guard.wait(EXIT_GRACE_S)
            except subprocess.TimeoutExpired:
                self._guard.kill()
                self._guard.wait()
        self._cut()
        for stream in (self._guard.stdin, self._guard.stdout):
            stream.close()
        if error is not None:
            raise error

    def _image(self, path: Path) -> dict[str, Any]:
        from trax.image import FileImage

        return {"color": FileImage.create(str(path))}

    def _call(self, what: str, send: Callable[[Any], Any]) -> Any:
        from trax import TraxException

        if self.ended is not None:
            raise TrackerError(f"TraX tracker {self.declaration.name!r}: its session ended earlier ({self.ended})")
        self._watchdog.arm()
        try:
            objects, _elapsed = send(self._client)
        except TraxException as exc:
            raise self._failure(what, exc) from None
        finally:
            self._watchdog.disarm()
        return objects

    def _answer(self, objects: list) -> tuple[np.ndarray, float, tuple[np.ndarray, tuple[int, int]] | None]:
        """The answer's box, confidence and, for a tracker that segments, its mask (bitmap, offset); a mask's
        box is the bounds of its pixels (none: an empty box at the mask's offset)."""
        from trax.region import Mask, Polygon, Rectangle

        if len(objects) != 1:
            raise self._broken(f"answered with {len(objects)} objects; one was asked for")
        region, properties = objects[0]
        mask = None
        if isinstance(region, Mask):
            bitmap, offset = region.array() > 0, region.offset()
            mask = (bitmap, (int(offset[0]), int(offset[1])))
            rows, cols = np.flatnonzero(bitmap.any(axis=1)), np.flatnonzero(bitmap.any(axis=0))
            box = (np.array([offset[0] + cols[0], offset[1] + rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1],
                            np.float64) if len(rows) else np.array([offset[0], offset[1], 0.0, 0.0]))
        elif isinstance(region, Rectangle):
            box = np.array(region.bounds(), np.float64)
        elif isinstance(region, Polygon):
            points = np.array(list(region), np.float64)
            low = points.min(axis=0)
            box = np.concatenate([low, points.max(axis=0) - low])  # its upright bounds, as one-pass scoring reads VOT's
        else:
            raise self._broken(f"answered a {region.type} region; the harness stores rectangles, polygons (their "
                               "bounds) and masks")
        # Coordinates cross as text with 4 decimals and arrive as float32: read back as the decimals sent
        # (below 1024 px exactly; float32 is coarser than the 4th decimal above).
        box = np.round(box, WIRE_DECIMALS)
        text = properties.get(CONFIDENCE)
        try:
            score = math.nan if text is None else float(text)
        except ValueError:
            raise self._broken(f"answered {CONFIDENCE}={text!r}, not a number") from None
        return box, score, mask

    def _broken(self, what: str) -> TrackerError:
        """The tracker answered what the harness cannot use: the session ends here."""
        self.ended = what
        self._cut()
        return TrackerError(f"TraX tracker {self.declaration.name!r} {what}")

    def _failure(self, what: str, exc: Exception) -> TrackerError:
        """Why the channel broke (timeout, exit, protocol), with the tracker's last line of output."""
        name = self.declaration.name
        sent = False
        if self._watchdog.fired:
            why = (f"did not answer within {self.declaration.timeout} s while {what} (its timeout, "
                   f"{self.declaration.source}; its processes were killed)")
        else:
            try:
                why = f"exited with status {self._guard.wait(1.0)} while {what} ({exc})"
            except subprocess.TimeoutExpired:
                why, sent = f"broke the TraX protocol while {what} ({exc})", True
        self.ended = why
        self._cut()
        last = self.output.last(sent)
        error = TrackerError(f"TraX tracker {name!r} {why}" + (f"; its last output: {last!r}" if last else ""))
        error.add_note(f"{name}'s output and TraX traffic, last {OUTPUT_LINES} lines:\n{self.output.tail()}")
        return error

    def _cut(self) -> None:
        """Close the lifeline: the guard kills the tracker's process group. (Also the watchdog's thread: the
        lock keeps the descriptor from being closed twice, which could close another file opened meanwhile.)"""
        with self._cutting:
            lifeline, self._lifeline = self._lifeline, None
        if lifeline is not None:
            os.close(lifeline)

    def _check_formats(self) -> None:
        client = self._client
        self.polygons, self.one_init_only = "polygon" in client.region_formats, client.get("vot") is not None
        if "path" not in client.image_formats:
            raise self._broken(f"takes images as {', '.join(client.image_formats) or 'nothing'}; the harness sends "
                               "file paths, as the VOT toolkit does")
        if "color" not in client.channels:
            raise self._broken(f"asks for channels {', '.join(client.channels)}; the harness has colour frames only")

    def _drain(self) -> None:
        """With a socket, the process's output is only its log: read it, so that it never blocks writing."""
        try:
            for line in iter(self._guard.stdout.readline, b""):
                self.output(line.decode(errors="replace"))
        except (OSError, ValueError):
            pass  # closed by `close`: the process has ended
