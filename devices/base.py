"""Common device machinery: connection state, raw-message log entries and the per-device worker thread."""
from __future__ import annotations

import enum
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """An aware UTC timestamp (every receive time is aware)."""
    return datetime.now(UTC)


class ConnectionState(str, enum.Enum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"


@dataclass(frozen=True)
class DeviceStatus:
    """What the user sees about one device: its state and, when not connected, why."""

    state: ConnectionState
    reason_zh: str
    reason_en: str
    since: datetime
    device_name: str = ""
    kind: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": "status", "device": self.device_name, "kind": self.kind,
                "state": self.state.value, "reason_zh": self.reason_zh,
                "reason_en": self.reason_en, "since": self.since.isoformat()}


@dataclass
class RawMessage:
    """One message exactly as it crossed the wire, kept so every result can be traced to its bytes."""

    device_name: str
    kind: str
    protocol: str
    direction: str  # "in" (from the device) or "out" (to the device)
    received_at: datetime
    raw: bytes
    parsed: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device_name, "kind": self.kind, "protocol": self.protocol,
                "direction": self.direction, "received_at": self.received_at.isoformat(),
                "raw_hex": self.raw.hex(), "parsed": self.parsed, "error": self.error}


EventCallback = Callable[[Any], None]
StatusCallback = Callable[[DeviceStatus], None]
RawCallback = Callable[[RawMessage], None]


class DeviceFault(Exception):
    """A problem with the device or its link, with the message shown to the user in both languages."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


class DeviceWorker(ABC):
    """One device on its own thread: connect, serve, and on any failure report it and reconnect with back-off.

    Subclasses implement `_connect()` (open the link, raise on failure), `_serve()` (run until
    the link drops or `self._stopping` is set; raise DeviceFault/OSError on faults) and
    `_disconnect()` (close whatever is open; must not raise).
    """

    kind: str = "device"
    protocol: str = ""

    def __init__(self, name: str, port: str, *,
                 on_event: EventCallback | None = None,
                 on_status: StatusCallback | None = None,
                 on_raw: RawCallback | None = None,
                 backoff_initial: float = 0.2, backoff_max: float = 5.0) -> None:
        self.name = name
        self.port = port
        self.on_event = on_event
        self.on_status = on_status
        self.on_raw = on_raw
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()
        self._status = DeviceStatus(ConnectionState.DISCONNECTED, "未连接", "not connected",
                                    utcnow(), name, self.kind)

    # -- public API -------------------------------------------------------------------------
    @property
    def status(self) -> DeviceStatus:
        with self._status_lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"device-{self.kind}-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to finish, close the link and join the thread."""
        self._stopping.set()
        self._interrupt()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    # -- for subclasses ---------------------------------------------------------------------
    @abstractmethod
    def _connect(self) -> None: ...

    @abstractmethod
    def _serve(self) -> None: ...

    @abstractmethod
    def _disconnect(self) -> None: ...

    def _interrupt(self) -> None:
        """Wake a blocking read so that stop() returns promptly (default: close the link)."""
        try:
            self._disconnect()
        except Exception:  # closing a port that already failed: the state below says what matters
            log.debug("disconnect failed", exc_info=True)

    def _set_status(self, state: ConnectionState, reason_zh: str = "", reason_en: str = "") -> None:
        with self._status_lock:
            old = self._status
            if old.state == state and old.reason_en == reason_en:
                return
            self._status = DeviceStatus(state, reason_zh, reason_en, utcnow(), self.name, self.kind)
            status = self._status
        self._call(self.on_status, status)

    def _emit(self, event: Any) -> None:
        self._call(self.on_event, event)

    def _emit_raw(self, raw: RawMessage) -> None:
        self._call(self.on_raw, raw)

    def _raw(self, data: bytes, parsed: dict[str, Any] | None = None, error: str | None = None,
             direction: str = "in", received_at: datetime | None = None) -> RawMessage:
        """Build, report and return a raw-message entry."""
        raw = RawMessage(self.name, self.kind, self.protocol, direction, received_at or utcnow(),
                         bytes(data), parsed or {}, error)
        self._emit_raw(raw)
        return raw

    def _warn(self, reason_zh: str, reason_en: str) -> None:
        """A fault in the data (not the link): shown to the user while the link stays up."""
        self._set_status(ConnectionState.ERROR, reason_zh, reason_en)

    def _call(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:
            log.exception("device %s: callback failed", self.name)

    # -- the loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        delay = self.backoff_initial
        while not self._stopping.is_set():
            try:
                self._connect()
                self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
                delay = self.backoff_initial
                self._serve()
                if not self._stopping.is_set():
                    self._set_status(ConnectionState.DISCONNECTED, "设备断开连接",
                                     f"{self.name}: device disconnected")
            except DeviceFault as exc:
                if not self._stopping.is_set():
                    self._set_status(ConnectionState.ERROR, f"{self.name}：{exc.reason_zh}",
                                     f"{self.name}: {exc.reason_en}")
            except Exception as exc:
                if not self._stopping.is_set():
                    log.debug("device %s failed", self.name, exc_info=True)
                    self._set_status(ConnectionState.ERROR,
                                     f"{self.name}：端口 {self.port} 通信失败（{exc}）",
                                     f"{self.name}: port {self.port} failed ({exc})")
            finally:
                try:
                    self._disconnect()
                except Exception:
                    log.debug("device %s: close failed", self.name, exc_info=True)
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, self.backoff_max)
        self._set_status(ConnectionState.DISCONNECTED, "已停止", "stopped")


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    """Poll `predicate` until it holds or `timeout` passes (for tests and command-line checks)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
