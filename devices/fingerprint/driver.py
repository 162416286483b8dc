"""Fingerprint drivers: a serial scanner speaking JSON lines (`CAPTURE` request), and libfprint if present.

Serial protocol: station -> scanner `CAPTURE\n`; scanner -> station one JSON line
`{"type":"capture","image_png_b64":...,"quality":0-100,"template_b64":...,"format":...}`
or `{"type":"error","text":...}` (no finger, timeout). A scanner may also push a capture unasked.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, DeviceFault, DeviceWorker, RawMessage
from devices.fingerprint.model import FingerprintCapture, FingerprintDataError
from devices.transport import LineBuffer, SerialWorker

log = logging.getLogger(__name__)


@dataclass
class FingerprintEvent:
    capture: FingerprintCapture
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {**self.capture.to_json(), "raw_received_at": self.raw.received_at.isoformat()}


class FingerprintWorker(SerialWorker):
    kind = "fingerprint"
    protocol = "fp-jsonl"

    def __init__(self, name: str, port: str, *, baudrate: int = 115200, **kwargs: Any) -> None:
        super().__init__(name, port, baudrate=baudrate, **kwargs)
        self._lines = LineBuffer(4 * 1024 * 1024)
        self._capture_requested = threading.Event()

    def request_capture(self) -> None:
        """Ask the scanner for one capture (sent as soon as the link is up)."""
        self._capture_requested.set()

    device_test_trigger = request_capture

    def _serve(self) -> None:
        self._lines.clear()
        while not self._stopping.is_set():
            if self._capture_requested.is_set():
                self._capture_requested.clear()
                self._write(b"CAPTURE\n")
            data = self._read()
            for line in self._lines.feed(data) if data else []:
                try:
                    capture = decode_line(line, self.name)
                except FingerprintDataError as exc:
                    self._raw(line[:4096], error=str(exc))
                    self._warn(f"{self.name}：指纹采集失败（{exc}）", f"{self.name}: capture failed ({exc})")
                    continue
                raw = self._raw(line, parsed=capture.to_json())
                self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
                self._emit(FingerprintEvent(capture, raw))


def decode_line(line: bytes, device: str) -> FingerprintCapture:
    from devices.fingerprint.model import decode_capture_line

    return decode_capture_line(line, device)


class LibfprintWorker(DeviceWorker):
    """A USB scanner through libfprint 2 (GObject introspection), used only when it is installed."""

    kind = "fingerprint"
    protocol = "libfprint"

    def __init__(self, name: str, port: str = "", **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self._device: Any = None
        self._capture_requested = threading.Event()

    def request_capture(self) -> None:
        self._capture_requested.set()

    device_test_trigger = request_capture

    def _connect(self) -> None:
        try:
            import gi

            gi.require_version("FPrint", "2.0")
            from gi.repository import FPrint
        except (ImportError, ValueError) as exc:
            raise DeviceFault("未安装 libfprint，无法使用USB指纹仪",
                              f"libfprint is not installed ({exc})") from exc
        devices = FPrint.Context().get_devices()
        if not devices:
            raise DeviceFault("未找到指纹仪", "no fingerprint scanner found")
        self._device = devices[0]
        self._device.open_sync()

    def _disconnect(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close_sync()
            except Exception:  # the reader went away while closing: nothing left to release
                log.debug("closing the fingerprint device failed", exc_info=True)

    def _interrupt(self) -> None:
        return

    def _serve(self) -> None:
        import io

        from PIL import Image

        while not self._stopping.is_set():
            if not self._capture_requested.wait(0.1):
                continue
            self._capture_requested.clear()
            image = self._device.capture_sync(True)
            pil = Image.frombytes("L", (image.get_width(), image.get_height()), bytes(image.get_data()))
            buf = io.BytesIO()
            pil.save(buf, format="PNG")
            # libfprint does not export a portable template; the minutiae list stands in for it
            minutiae = image.get_minutiae() or []
            template = b"".join(f"{m.get_x()},{m.get_y()};".encode() for m in minutiae)
            quality = max(0, min(100, len(minutiae) * 3))
            capture = FingerprintCapture(buf.getvalue(), quality, template, "libfprint-minutiae",
                                         self.name)
            raw = self._raw(template, parsed=capture.to_json())
            self._emit(FingerprintEvent(capture, raw))
