"""A headless Chromium driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`: JSON
messages ending in NUL on file descriptors 3 and 4), so no port, no websocket library and no browser
download: Debian's `chromium` package is all it takes.

`load(page)` opens an HTML file with the network emulated offline and reports what a reader would meet:
console errors, uncaught exceptions, JavaScript dialogs, every request made, the page's text, and a
screenshot of each element matching a selector; `interact` acts on the page once it is drawn (`Tab`:
evaluate JavaScript, send DevTools commands such as mouse events), and what it meets is reported too.

    python -m tests.chromium page.html out.png [width]   # a screenshot of a page, e.g. for docs/
"""

from __future__ import annotations

import json
import os
import select
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--mute-audio", "--remote-debugging-pipe"]


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Loaded:
    ready: str  # the page's data-plots flag: "drawn", "failed", or "" (never set)
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    text: str = ""
    shots: list[bytes] = field(default_factory=list)  # PNG of each selected element, in document order
    page_png: bytes = b""


@dataclass
class Tab:
    """The loaded page, for `load`'s `interact`: JavaScript evaluated in it, DevTools commands sent to it."""

    browser: Browser
    session: str

    def evaluate(self, expression: str) -> object:
        """The expression's value (a promise awaited), as JSON turns it into Python."""
        reply = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                       "awaitPromise": True}, session=self.session)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails'].get('exception', {}).get('description')}")
        return reply["result"].get("value")

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, session=self.session)

    def click(self, x: float, y: float) -> None:
        """A left click at page coordinates (x, y) of the viewport, as a mouse makes it."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                   "buttons": 0 if kind == "mouseMoved" else 1, "clickCount": 1})


class Browser:
    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The browser reads fd 3 and writes fd 4; the pipes' own descriptors close on exec.
        actions = [(os.POSIX_SPAWN_DUP2, to_browser_r, 3), (os.POSIX_SPAWN_DUP2, from_browser_w, 4),
                   (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
        argv = [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        self.pid = os.posix_spawn(binary, argv, os.environ, file_actions=actions)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (OSError, TimeoutError, RuntimeError):
            pass
        deadline = time.monotonic() + 10
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.1)
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_browser], [], [], remaining)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        event = json.loads(message)
        if event.get("method") == "Page.javascriptDialogOpening":  # recorded, and dismissed: it blocks the page
            self._write("Page.handleJavaScriptDialog", {"accept": False}, event.get("sessionId"))
        return event

    def _write(self, method: str, params: dict | None, session: str | None) -> int:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        ident = self._write(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))


def load(page: Path, selector: str = ".plot", width: int = 1280, height: int = 900, timeout: float = 60,
         full_page: bool = False, interact: Callable[[Tab], None] | None = None) -> Loaded:
    binary = chromium_binary()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium)")
    browser = Browser(binary)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Network.enable", "Runtime.enable", "Log.enable", "Page.enable"):
            browser.send(method, session=session)
        browser.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                          "uploadThroughput": -1}, session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                           "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": Path(page).resolve().as_uri()}, session=session)
        browser.wait_event("Page.loadEventFired", timeout)
        ready, deadline = "", time.monotonic() + timeout
        while not ready and time.monotonic() < deadline:
            ready = browser.send("Runtime.evaluate", {"expression": "document.body.dataset.plots || ''",
                                                      "returnByValue": True}, session=session)["result"]["value"]
            if not ready:
                time.sleep(0.2)
        if interact is not None and ready:
            interact(Tab(browser, session))
        loaded = Loaded(ready)
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                loaded.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                loaded.console_errors.append(params["entry"].get("text", ""))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                loaded.exceptions.append(details.get("exception", {}).get("description", details.get("text", "")))
            elif method == "Page.javascriptDialogOpening":
                loaded.dialogs.append(params.get("message", ""))
            elif method == "Network.requestWillBeSent":
                loaded.requests.append(params["request"]["url"])
        loaded.text = browser.send("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True},
                                   session=session)["result"]["value"]
        rects = browser.send("Runtime.evaluate", {"expression": f"""JSON.stringify(Array.from(
            document.querySelectorAll({json.dumps(selector)})).map(e => {{const r = e.getBoundingClientRect();
            return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];}}))""",
                                                  "returnByValue": True}, session=session)["result"]["value"]
        import base64

        for x, y, w, h in json.loads(rects):
            clip = {"x": x, "y": y, "width": max(w, 1), "height": max(h, 1), "scale": 1}
            shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                                session=session)
            loaded.shots.append(base64.b64decode(shot["data"]))
        if full_page:
            size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": width, "height": min(size["height"], 4000), "scale": 1}
            shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                                session=session)
            loaded.page_png = base64.b64decode(shot["data"])
        return loaded
    finally:
        browser.close()


if __name__ == "__main__":
    page_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    result = load(page_path, width=int(sys.argv[3]) if len(sys.argv) > 3 else 1280, full_page=True)
    out.write_bytes(result.page_png)
    print(f"{out}: {len(result.page_png):,} bytes; plots {result.ready}; errors {result.console_errors + result.exceptions}")
