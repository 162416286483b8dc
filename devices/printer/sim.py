"""Label printer simulator: listens on TCP (or a serial pty), keeps every ^XA...^XZ job, answers ~HS."""
from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

from devices.printer.zpl import host_status_reply
from devices.simbase import SerialSimulator, parse_host_port


class PrinterSimulator(SerialSimulator):
    def __init__(self, port: str, control_port: int | None = None, *, store: str | None = None) -> None:
        super().__init__(port, control_port)
        self.store = Path(store) if store else None
        if self.store:
            self.store.mkdir(parents=True, exist_ok=True)
        self.jobs: list[bytes] = []
        self.paper_out = False
        self._buf = bytearray()
        self._reply: Any = None

    def on_data(self, data: bytes) -> None:
        self._buf += data
        while True:
            hs = self._buf.find(b"~HS")
            start = self._buf.find(b"^XA")
            if hs >= 0 and (start < 0 or hs < start):
                del self._buf[: hs + 3]
                self._answer(host_status_reply(paper_out=self.paper_out))
                continue
            end = self._buf.find(b"^XZ", start) if start >= 0 else -1
            if start < 0 or end < 0:
                return
            job = bytes(self._buf[start:end + 3])
            del self._buf[:end + 3]
            self.jobs.append(job)
            if self.store:
                (self.store / f"job-{len(self.jobs):04d}.zpl").write_bytes(job)

    def _answer(self, data: bytes) -> None:
        if self._reply is not None:
            self._reply(data)
        else:
            self.write(data)

    def run(self) -> None:
        if not (self.port.startswith("tcp://") or self.port.isdigit()):
            super().run()
            return
        host, port = parse_host_port(self.port)
        server = socket.create_server((host, port))
        server.settimeout(0.2)
        with server:
            while not self._stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=self._serve_conn, args=(conn,), daemon=True).start()

    def _serve_conn(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    self._reply = conn.sendall
                    try:
                        self.on_data(data)
                    finally:
                        self._reply = None

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"jobs": len(self.jobs), "last_job": self.jobs[-1].decode("utf-8", "replace")
                if self.jobs else None, "paper_out": self.paper_out}

    def ctl_fault(self, request: dict[str, Any]) -> dict[str, Any]:
        self.paper_out = request.get("mode") == "paper_out"
        return {}
