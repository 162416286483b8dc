"""What the loopback platform simulators share: a threaded HTTP server that answers well, slowly, with
HTTP 500, with garbage or not at all, as the test or the demo asks."""
from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

MODES = ("ok", "error", "garbage", "bad_shape", "hang")


class LoopbackSimulator(ABC):
    """Subclasses answer in `answer(method, path, query, doc)` -> (status, JSON document). `mode` and `delay` may
    change at any time: ok answers; error is HTTP 500; garbage is 200 with bytes that are not JSON; bad_shape is
    left to `answer` (JSON of the wrong shape); hang accepts and never answers (until stopped). `delay` seconds
    precede every answer. With `token` set, a request without `Authorization: Bearer <token>` gets 401."""

    name = "platform-sim"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, mode: str = "ok", delay: float = 0.0,
                 token: str | None = None) -> None:
        self.mode = mode
        self.delay = delay
        self.token = token
        self.requests = 0
        self._stop = threading.Event()
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                sim.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if sim.delay:
                    time.sleep(sim.delay)
                if sim.mode == "hang":
                    sim._stop.wait(30)
                    return
                if sim.mode == "error":
                    return self._send(500, b'{"error": "internal"}')
                if sim.mode == "garbage":
                    return self._send(200, b"<html>\x00\xff gateway says hello</html>", "text/html")
                if sim.token and self.headers.get("Authorization") != f"Bearer {sim.token}":
                    return self._send(401, b'{"error": "unauthorised"}')
                doc = None
                if method == "POST":
                    try:
                        doc = json.loads(body)
                    except ValueError:
                        return self._send(400, b'{"error": "bad json"}')
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                status, answer = sim.answer(method, url.path, query, doc)
                self._send(status, json.dumps(answer, ensure_ascii=False).encode("utf-8"))

            def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @abstractmethod
    def answer(self, method: str, path: str, query: dict[str, str], doc: Any) -> tuple[int, Any]:
        """(HTTP status, JSON body) for one request: the platform's side of the documented interface."""

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.server.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
