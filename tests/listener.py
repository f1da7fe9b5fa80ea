"""A local HTTP listener on 127.0.0.1 that records every request it receives (stdlib only).

Tests that must prove nothing reaches the network point a payload at it and
assert afterwards that it received nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import http.server
import threading

__all__ = ["local_listener"]


@contextlib.contextmanager
def local_listener() -> Iterator[tuple[str, list[str]]]:
    """Yield ``(base_url, hits)``; ``hits`` collects ``"METHOD path"`` of each request."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _record(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(204)
            self.end_headers()

        do_GET = do_POST = do_HEAD = _record

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
