"""A regional platform simulator speaking REGIONAL.md on loopback: answers well, slowly, with errors or garbage."""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("ok", "error", "garbage", "bad_shape", "hang")


class RegionalSimulator:
    """`with RegionalSimulator() as sim: HttpRegionalPlatform(sim.url)`; change `mode` and `delay` at any time.

    ok: answers per REGIONAL.md; error: HTTP 500; garbage: 200 with bytes that are not JSON; bad_shape: JSON
    of the wrong shape; hang: accepts and never answers (until stopped). `delay` seconds precede every answer.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, mode: str = "ok", delay: float = 0.0) -> None:
        self.mode = mode
        self.delay = delay
        self.records: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
        self.uploads: list[dict[str, Any]] = []
        self.requests = 0
        self._stop = threading.Event()
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                sim.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if sim.delay:
                    time.sleep(sim.delay)
                if sim.mode == "hang":
                    sim._stop.wait(30)
                    return
                if sim.mode == "error":
                    return self._send(500, b'{"error": "internal"}')
                if sim.mode == "garbage":
                    return self._send(200, b"<html>\x00\xff gateway says hello</html>", "text/html")
                try:
                    doc = json.loads(body)
                except ValueError:
                    return self._send(400, b'{"error": "bad json"}')
                if self.path == "/v1/lookup":
                    if sim.mode == "bad_shape":
                        return self._json(200, {"deferrals": "none", "donations": [{"donated_on": 7}]})
                    rec = sim.records.get((str(doc.get("id_type")), str(doc.get("id_number"))),
                                          {"deferrals": [], "donations": []})
                    return self._json(200, rec)
                if self.path == "/v1/deferrals":
                    if sim.mode == "bad_shape":
                        return self._json(201, {"ok": True})
                    sim.uploads.append(doc)
                    return self._json(201, {"id": uuid.uuid4().hex[:16]})
                return self._send(404, b'{"error": "not found"}')

            def _json(self, status: int, doc: Any) -> None:
                self._send(status, json.dumps(doc, ensure_ascii=False).encode("utf-8"))

            def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def add_deferral(self, id_type: str, id_number: str, *, kind: str, reason_code: str, reason: str,
                     starts_on: str, until: str | None = None, site: str = "江苏省血液中心") -> None:
        self.records.setdefault((id_type, id_number), {"deferrals": [], "donations": []})["deferrals"].append(
            {"kind": kind, "reason_code": reason_code, "reason": reason, "starts_on": starts_on, "until": until,
             "site": site})

    def add_donation(self, id_type: str, id_number: str, *, donation_type: str, donated_on: str,
                     volume_ml: float = 250, site: str = "江苏省血液中心", had_reaction: bool = False) -> None:
        self.records.setdefault((id_type, id_number), {"deferrals": [], "donations": []})["donations"].append(
            {"donation_type": donation_type, "donated_on": donated_on, "volume_ml": volume_ml, "site": site,
             "had_reaction": had_reaction})

    def start(self) -> RegionalSimulator:
        self._thread = threading.Thread(target=self.server.serve_forever, name="regional-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> RegionalSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
