"""Shared plumbing of the device simulators: a serial-port loop, a TCP listener and the control socket."""
from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from abc import ABC, abstractmethod
from typing import Any

import serial

from devices.transport import ControlServer

log = logging.getLogger(__name__)


class Simulator(ABC):
    """A simulator process body: `run()` serves until `stop()`; `control(request)` scripts it."""

    def __init__(self, port: str, control_port: int | None = None) -> None:
        self.port = port
        self.control_port = control_port
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._control: ControlServer | None = None

    # -- control socket ---------------------------------------------------------------------
    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd = request.get("cmd")
        if cmd == "ping":
            return {"ok": True}
        if cmd == "stop":
            self.stop()
            return {"ok": True}
        handler = getattr(self, f"ctl_{cmd}", None)
        if handler is None:
            return {"ok": False, "error": f"unknown command {cmd!r}"}
        with self._lock:
            result = handler(request)
        return {"ok": True, **(result or {})}

    def start_control(self) -> None:
        if self.control_port is not None:
            self._control = ControlServer(self.control_port, self.control).start()
            self.control_port = self._control.port

    def stop(self) -> None:
        self._stop.set()

    @abstractmethod
    def run(self) -> None:
        """Serve the device side until stop() (a serial loop, a TCP listener, an MLLP client)."""

    def run_forever(self, ready_file: str | None = None) -> None:
        """Entry point of a simulator process: SIGTERM stops it cleanly.

        `ready_file` receives the control port once the control socket listens, so a supervisor
        knows when (and where) the simulator can be driven."""
        signal.signal(signal.SIGTERM, lambda *_: self.stop())
        self.start_control()
        if ready_file:
            from pathlib import Path

            tmp = Path(ready_file + ".tmp")
            tmp.write_text(str(self.control_port or ""))
            tmp.replace(ready_file)
        try:
            self.run()
        finally:
            if self._control is not None:
                self._control.stop()


class SerialSimulator(Simulator):
    """A simulator on the device side of a serial link (a pty from socat, a COM port, socket://)."""

    baudrate = 9600

    def __init__(self, port: str, control_port: int | None = None) -> None:
        super().__init__(port, control_port)
        self.serial: serial.SerialBase | None = None
        self._write_lock = threading.Lock()

    def write(self, data: bytes) -> None:
        port = self.serial
        if port is None:
            return
        with self._write_lock:
            port.write(data)
            port.flush()

    def on_data(self, data: bytes) -> None:
        """Bytes from the station."""

    def tick(self) -> None:
        """Called about every 20 ms: time-driven behaviour (sending results, procedures)."""

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.02)
            except (serial.SerialException, OSError, ValueError) as exc:
                log.warning("simulator cannot open %s: %s", self.port, exc)
                self._stop.wait(0.5)
                continue
            try:
                while not self._stop.is_set():
                    # one byte returns as soon as it comes (else after 20 ms, the tick cadence), then
                    # whatever else is waiting: a reply never waits out the timeout behind its request
                    data = self.serial.read(1)
                    if data and self.serial.in_waiting:
                        data += self.serial.read(self.serial.in_waiting)
                    with self._lock:
                        if data:
                            self.on_data(bytes(data))
                        self.tick()
            except (serial.SerialException, OSError) as exc:
                log.warning("simulator port %s failed: %s", self.port, exc)
                self._stop.wait(0.5)
            finally:
                port, self.serial = self.serial, None
                if port is not None:
                    port.close()


def parse_host_port(url: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """tcp://h:p, mllp://h:p, socket://h:p or h:p or p -> (host, port)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    rest = rest.split("/", 1)[0].split("?", 1)[0]
    if ":" in rest:
        host, port = rest.rsplit(":", 1)
        return host or default_host, int(port)
    return default_host, int(rest)


def connect_retry(host: str, port: int, stop: threading.Event, timeout: float = 2.0) -> socket.socket | None:
    """Connect, retrying every 0.2 s until connected or stopped."""
    while not stop.is_set():
        try:
            return socket.create_connection((host, port), timeout=timeout)
        except OSError:
            stop.wait(0.2)
    return None


def monotonic() -> float:
    return time.monotonic()
