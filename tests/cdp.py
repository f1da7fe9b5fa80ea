"""A tiny Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (stdlib only).

Used by the browser tests and ``benchmarks/map.py`` to load a map in a real headless
Chromium, read values back from the page, and record every network request.
The pipe transport needs no websocket package and no open port: Chromium reads
commands on fd 3 and writes replies on fd 4, each a JSON text ended by NUL.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any

__all__ = ["Chromium", "find_chromium"]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    """Path of Debian's chromium (or a chromium on PATH), else None."""
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Chromium:
    """One headless Chromium with a fresh profile, driven over the CDP pipe.

    Use as a context manager; :meth:`open` loads a URL in a new tab and returns a
    :class:`Page` whose ``requests`` list records every ``Network.requestWillBeSent``.
    """

    def __init__(self, binary: str | None = None, *, timeout: float = 60.0) -> None:
        binary = binary or find_chromium()
        if not binary:
            raise FileNotFoundError("no chromium binary found")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chainmap-chromium-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()

        import fcntl  # POSIX only; imported here so the module imports everywhere

        def wire_pipes() -> None:  # in the child: fd 3 = commands in, fd 4 = replies out
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.close(a)
            os.close(b)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire_pipes,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._out = os.fdopen(to_child_w, "wb", buffering=0)
        self._in = os.fdopen(from_child_r, "rb", buffering=0)
        self._next = 0
        self._replies: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ transport
    def _read(self) -> None:
        buf = b""
        while True:
            chunk = self._in.read(65536)
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        box = self._replies.get(msg["id"])
                    if box is not None:
                        box.put(msg)
                else:
                    self.events.append(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its result; raise on a protocol error."""
        with self._lock:
            self._next += 1
            mid = self._next
            box: queue.Queue = queue.Queue()
            self._replies[mid] = box
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._out.write(json.dumps(msg).encode() + b"\0")
        try:
            reply = box.get(timeout=self.timeout)
        except queue.Empty:
            raise TimeoutError(f"CDP {method} timed out") from None
        if "error" in reply:
            raise RuntimeError(f"CDP {method}: {reply['error']}")
        return reply.get("result", {})

    # ------------------------------------------------------------------ pages
    def open(self, url: str) -> Page:
        """Open ``url`` in a new tab with network recording on; return the page."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        for domain in ("Network", "Page", "Runtime"):
            self.send(f"{domain}.enable", session=session)
        page.start = time.perf_counter()
        self.send("Page.navigate", {"url": url}, session=session)
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:  # already gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self._out, self._in):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab attached over a flat CDP session."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.start = 0.0

    def _events(self, method: str) -> list[dict]:
        return [
            e["params"]
            for e in list(self.browser.events)
            if e.get("sessionId") == self.session and e.get("method") == method
        ]

    @property
    def requests(self) -> list[str]:
        """URLs of every request the page made."""
        return [e["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    @property
    def exceptions(self) -> list[str]:
        """Uncaught JavaScript exceptions, as text."""
        return [
            json.dumps(e.get("exceptionDetails", {}), ensure_ascii=False)[:500]
            for e in self._events("Runtime.exceptionThrown")
        ]

    def eval(self, expression: str) -> Any:
        """Evaluate a JS expression in the page and return its value (JSON)."""
        result = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JS error in {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 30.0, step: float = 0.02) -> Any:
        """Poll until ``expression`` is truthy; return its value."""
        end = time.perf_counter() + timeout
        while True:
            try:
                value = self.eval(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            if time.perf_counter() > end:
                raise TimeoutError(f"page never satisfied {expression!r}")
            time.sleep(step)

    def mouse(self, kind: str, x: float, y: float, **extra: Any) -> None:
        """Dispatch a real mouse event (mouseMoved, mousePressed, mouseReleased)."""
        self.browser.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, **extra},
            session=self.session,
        )

    def click(self, x: float, y: float) -> None:
        self.mouse("mouseMoved", x, y)
        for kind in ("mousePressed", "mouseReleased"):
            self.mouse(kind, x, y, button="left", clickCount=1)

    def show(self, url: str, width: int, height: int) -> None:
        """Load ``url`` in this tab with a ``width``×``height`` CSS px viewport."""
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.browser.send("Emulation.setDeviceMetricsOverride", metrics, session=self.session)
        self.browser.send("Page.navigate", {"url": url}, session=self.session)
        time.sleep(0.2)  # let the navigation replace the old document

    def screenshot(self) -> bytes:
        """The viewport as PNG bytes."""
        shot = self.browser.send("Page.captureScreenshot", {"format": "png"}, session=self.session)
        return base64.b64decode(shot["data"])

    def type_text(self, text: str) -> None:
        """Insert text at the focused element, as typing would."""
        self.browser.send("Input.insertText", {"text": text}, session=self.session)


def file_url(path: str | Path) -> str:
    return Path(path).resolve().as_uri()
