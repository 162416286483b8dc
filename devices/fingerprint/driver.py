"""Fingerprint drivers: libfprint (USB scanners, through GObject introspection) and the demo JSON-lines scanner.

The serial R30x/ZFM modules have their own driver (devices/fingerprint/zfm_driver.py).

Demo serial protocol (our own; no product speaks it): station -> scanner `CAPTURE\n`; scanner -> station
one JSON line `{"type":"capture","image_png_b64":...,"quality":0-100,"template_b64":...,"format":...}` or
`{"type":"error","text":...}` (no finger, timeout). A scanner may also push a capture unasked.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, DeviceFault, DeviceWorker, RawMessage
from devices.fingerprint.model import (
    MIN_QUALITY,
    FingerprintCapture,
    FingerprintDataError,
    check_quality,
    check_template_content,
    grey_png,
)
from devices.transport import LineBuffer, SerialWorker

log = logging.getLogger(__name__)


@dataclass
class FingerprintEvent:
    capture: FingerprintCapture
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {**self.capture.to_json(), "raw_received_at": self.raw.received_at.isoformat()}


@dataclass
class FingerprintRetry:
    """A press that gave nothing to file (no finger, poor image, low quality, empty template): the donor
    presses again. The scanner itself is fine, so this is an event, not a device fault."""

    device: str
    reason_zh: str
    reason_en: str
    code: int | None = None  # the module's confirmation code, when it gave one
    attempt: int = 1
    final: bool = False  # no further attempt follows this request: ask for the capture again

    retryable = True

    def to_json(self) -> dict[str, Any]:
        return {"event": "fingerprint_retry", "device": self.device, "reason_zh": self.reason_zh,
                "reason_en": self.reason_en, "code": self.code, "attempt": self.attempt, "final": self.final}


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
                    if exc.retryable:
                        self._emit(FingerprintRetry(self.name, f"{exc.reason_zh}", f"{exc}", final=True))
                    else:
                        self._warn(f"{self.name}：指纹采集失败（{exc.reason_zh}）", f"{self.name}: capture failed ({exc})")
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

    def __init__(self, name: str, port: str = "", *, driver_name: str = "", **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        # which libfprint driver to use when several scanners are attached ("" = the first one found);
        # `port` may name it too, for configurations that only have a port field
        self.driver_name = driver_name or port
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
        devices = [d for d in FPrint.Context().get_devices()
                   if not self.driver_name or d.get_driver() == self.driver_name]
        if not devices:
            wanted = f" ({self.driver_name})" if self.driver_name else ""
            raise DeviceFault(f"未找到指纹仪{wanted}", f"no fingerprint scanner found{wanted}")
        self._device = devices[0]
        self._device.open_sync(None)

    def _disconnect(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close_sync(None)
            except Exception:  # the reader went away while closing: nothing left to release
                log.debug("closing the fingerprint device failed", exc_info=True)

    def _interrupt(self) -> None:
        cancellable = self._cancellable
        if cancellable is not None:
            cancellable.cancel()  # a capture waiting for a finger returns at once

    _cancellable: Any = None

    def _serve(self) -> None:
        from gi.repository import Gio, GLib

        while not self._stopping.is_set():
            if not self._capture_requested.wait(0.1):
                continue
            self._capture_requested.clear()
            self._cancellable = Gio.Cancellable()
            try:
                image = self._device.capture_sync(True, self._cancellable)
            except GLib.Error as exc:
                if self._stopping.is_set():
                    return
                if exc.domain == GLib.quark_to_string(self._retry_quark()):
                    self._raw(b"", error=f"libfprint retry: {exc.message}")
                    self._emit(FingerprintRetry(self.name, f"请重新按压（{exc.message}）",
                                                f"press again ({exc.message})", exc.code, final=True))
                    continue
                raise DeviceFault(f"指纹仪采集失败（{exc.message}）", f"fingerprint capture failed ({exc.message})") \
                    from exc
            finally:
                self._cancellable = None
            try:
                capture = capture_from_image(image, self.name)
            except FingerprintDataError as exc:
                self._raw(bytes(image.get_data() or b"")[:4096], error=str(exc))
                self._emit(FingerprintRetry(self.name, f"{exc.reason_zh}，请重新按压", f"{exc}; press again",
                                            final=True))
                continue
            raw = self._raw(capture.template, parsed=capture.to_json())
            self._emit(FingerprintEvent(capture, raw))

    @staticmethod
    def _retry_quark() -> int:
        from gi.repository import FPrint

        return int(FPrint.device_retry_quark())


MIN_MINUTIAE = 12  # fewer detected minutiae than this is no usable print (libfprint's own match needs ~10)


def capture_from_image(image: Any, device: str) -> FingerprintCapture:
    """A libfprint FpImage (minutiae detected) -> FingerprintCapture, or FingerprintDataError.

    libfprint exports no portable template: the template is the minutiae as libfprint reports them,
    one `x,y;` per minutia from `FpMinutia.get_coords()`. Quality is the minutiae count scaled so that
    MIN_MINUTIAE minutiae give the minimum quality and 3 x MIN_MINUTIAE give 100."""
    width, height = int(image.get_width()), int(image.get_height())
    data = bytes(image.get_data() or b"")
    if width <= 0 or height <= 0 or len(data) != width * height:
        raise FingerprintDataError(f"image of {len(data)} bytes for {width}x{height} pixels",
                                   reason_zh="指纹图像数据不完整")
    minutiae = list(image.get_minutiae() or [])
    coords: list[tuple[int, int]] = []
    for minutia in minutiae:
        x, y = minutia.get_coords()
        if not (0 <= x < width and 0 <= y < height):
            raise FingerprintDataError(f"minutia at ({x}, {y}) outside the {width}x{height} image",
                                       reason_zh="特征点坐标超出图像范围")
        coords.append((int(x), int(y)))
    if len(coords) < MIN_MINUTIAE:
        raise FingerprintDataError(f"only {len(coords)} minutiae detected (at least {MIN_MINUTIAE}): press again",
                                   retryable=True, reason_zh=f"仅检测到 {len(coords)} 个特征点")
    span = 2 * MIN_MINUTIAE
    quality = check_quality(min(100, MIN_QUALITY + (len(coords) - MIN_MINUTIAE) * (100 - MIN_QUALITY) // span))
    template = check_template_content(b"".join(f"{x},{y};".encode() for x, y in coords))
    return FingerprintCapture(grey_png(data, width, height), quality, template, "libfprint-minutiae", device)
