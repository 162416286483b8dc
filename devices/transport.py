"""Thin transports: serial ports by URL (pyserial), line framing, and the simulators' JSON-lines control socket."""
from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any

import serial

from devices.base import DeviceFault, DeviceWorker

log = logging.getLogger(__name__)


def open_port(url: str, baudrate: int = 9600, timeout: float = 0.1) -> serial.SerialBase:
    """Open a serial port by URL (COM3, /dev/ttyUSB0, a pty, socket://host:port, loop://)."""
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, write_timeout=2.0)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceFault(f"无法打开端口 {url}（{exc}）", f"cannot open port {url} ({exc})") from exc


class SerialWorker(DeviceWorker):
    """A worker whose link is one pyserial port; reads time out quickly so stop() is prompt."""

    baudrate = 9600
    read_timeout = 0.05

    def __init__(self, name: str, port: str, *, baudrate: int | None = None, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        if baudrate:
            self.baudrate = baudrate
        self._serial: serial.SerialBase | None = None
        self._write_lock = threading.Lock()

    def _connect(self) -> None:
        self._serial = open_port(self.port, self.baudrate, self.read_timeout)

    def _disconnect(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            port.close()

    def _interrupt(self) -> None:
        # The read timeout is short: the loop sees _stopping by itself; closing the port from
        # another thread mid-read would only produce spurious errors.
        return

    def _read(self, size: int = 4096) -> bytes:
        port = self._serial
        if port is None:
            raise DeviceFault("端口未打开", "port is not open")
        try:
            waiting = port.in_waiting
            return bytes(port.read(min(max(1, waiting), size)))
        except (serial.SerialException, OSError) as exc:
            raise DeviceFault(f"端口 {self.port} 读取失败，设备可能已断开（{exc}）",
                              f"reading {self.port} failed, device unplugged? ({exc})") from exc

    def _write(self, data: bytes) -> None:
        port = self._serial
        if port is None:
            raise DeviceFault("端口未打开", "port is not open")
        try:
            with self._write_lock:
                port.write(data)
                port.flush()
        except (serial.SerialException, OSError) as exc:
            raise DeviceFault(f"端口 {self.port} 写入失败（{exc}）",
                              f"writing {self.port} failed ({exc})") from exc


class LineBuffer:
    """Split a byte stream into lines ending in CR, LF or CRLF; refuses lines longer than `limit`."""

    def __init__(self, limit: int = 65536) -> None:
        self.limit = limit
        self._buf = bytearray()
        self._discarding = False
        self.overflowed = 0

    def feed(self, data: bytes) -> list[bytes]:
        lines: list[bytes] = []
        for b in data:
            if b in (0x0D, 0x0A):
                if self._buf and not self._discarding:
                    lines.append(bytes(self._buf))
                self._buf.clear()
                self._discarding = False
                continue
            if self._discarding:
                continue
            if len(self._buf) >= self.limit:
                # An oversized line is dropped whole, never delivered cut short.
                self.overflowed += 1
                self._buf.clear()
                self._discarding = True
                continue
            self._buf.append(b)
        return lines

    def pending(self) -> bytes:
        return bytes(self._buf)

    def clear(self) -> None:
        self._buf.clear()
        self._discarding = False


ControlHandler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlServer:
    """A JSON-lines control socket on 127.0.0.1 for driving a simulator (one request -> one reply)."""

    def __init__(self, port: int, handler: ControlHandler, host: str = "127.0.0.1") -> None:
        outer = self

        class _Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for line in self.rfile:
                    if not line.strip():
                        continue
                    try:
                        request = json.loads(line)
                        if not isinstance(request, dict):
                            raise ValueError("a control request is a JSON object")
                        reply = outer.handler(request)
                    except Exception as exc:
                        reply = {"ok": False, "error": str(exc)}
                    self.wfile.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
                    self.wfile.flush()

        class _Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.handler = handler
        self._server = _Server((host, port), _Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="sim-control")

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def control_request(port: int, request: dict[str, Any], timeout: float = 10.0,
                    host: str = "127.0.0.1") -> dict[str, Any]:
    """Send one request to a simulator's control socket and return its reply."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply: dict[str, Any] = json.loads(data)
    return reply


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
