"""The libfprint driver against libfprint's own virtual image device (FP_VIRTUAL_IMAGE), as libfprint's
tests/virtual-image.py drives it: images are sent over the device's Unix socket as `struct('ii', width,
height)` + 8-bit pixels; `('ii', -1, retry)` makes the capture fail with a retry error.

Needs libfprint 2 with GObject introspection (Debian: gir1.2-fprint-2.0, libfprint-2-2) and PyGObject in
the venv (tools/setup.sh installs both)."""
from __future__ import annotations

import math
import random
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from devices.base import ConnectionState, wait_until
from devices.fingerprint.driver import (
    MIN_MINUTIAE,
    FingerprintEvent,
    FingerprintRetry,
    LibfprintWorker,
    capture_from_image,
)
from devices.fingerprint.model import FingerprintDataError
from devices.fingerprint.zfm_sim import synthetic_pixels


def _fprint() -> Any:
    try:
        import gi

        gi.require_version("FPrint", "2.0")
        from gi.repository import FPrint
    except (ImportError, ValueError) as exc:
        pytest.skip(f"libfprint 2 / PyGObject not installed ({exc}); tools/setup.sh installs them")
    return FPrint


WIDTH, HEIGHT = 256, 288


def print_pixels(seed: int, count: int = 24) -> bytes:
    """A synthetic print whose minutiae are phase singularities of the ridge pattern (AM-FM model:
    each atan2 term ends or splits one ridge), so libfprint's NBIS detector finds real minutiae in it."""
    rnd = random.Random(seed)
    cx, cy = WIDTH / 2, HEIGHT * 0.45
    points = [(rnd.uniform(WIDTH * 0.2, WIDTH * 0.8), rnd.uniform(HEIGHT * 0.2, HEIGHT * 0.8),
               rnd.choice((-1, 1))) for _ in range(count)]
    freq = 2 * math.pi / 9.0
    rx, ry = WIDTH * 0.42, HEIGHT * 0.45
    out = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y in range(HEIGHT):
        for x in range(WIDTH):
            if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1:
                continue
            phase = freq * math.hypot(x - cx, (y - cy * 0.8) * 1.3)
            phase += sum(s * math.atan2(y - py, x - px) for px, py, s in points)
            out[y * WIDTH + x] = 30 if math.sin(phase) > 0 else 225
    return bytes(out)


class VirtualScanner:
    """The test's end of libfprint's virtual image device."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock: socket.socket | None = None

    def connect(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(str(self.path))
                self.sock = sock
                return
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def image(self, pixels: bytes, width: int = WIDTH, height: int = HEIGHT) -> None:
        assert self.sock is not None
        self.sock.sendall(struct.pack("ii", width, height) + pixels)

    def retry(self, code: int) -> None:
        assert self.sock is not None
        self.sock.sendall(struct.pack("ii", -1, code))

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


@pytest.fixture
def virtual_scanner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector: Any):
    fprint = _fprint()
    path = tmp_path / "virtual-image.socket"
    monkeypatch.setenv("FP_VIRTUAL_IMAGE", str(path))
    worker = LibfprintWorker("fp-usb", driver_name="virtual_image", **collector.kwargs())
    worker.start()
    scanner = VirtualScanner(path)
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 15), worker.status
        scanner.connect()
        yield fprint, worker, scanner
    finally:
        worker.stop()
        scanner.close()


def test_a_capture_through_libfprint(virtual_scanner, collector) -> None:
    _fprint_mod, worker, scanner = virtual_scanner
    worker.request_capture()
    time.sleep(0.2)
    scanner.image(print_pixels(1))
    event = collector.next(30)
    assert isinstance(event, FingerprintEvent), event
    capture = event.capture
    assert capture.image_png.startswith(b"\x89PNG") and capture.template_format == "libfprint-minutiae"
    pairs = [p for p in capture.template.decode().split(";") if p]
    assert len(pairs) >= MIN_MINUTIAE
    assert all(0 <= int(x) < WIDTH and 0 <= int(y) < HEIGHT for x, y in (p.split(",") for p in pairs))
    assert 40 <= capture.quality <= 100
    assert event.raw.parsed["template_sha256"] == capture.template_sha256 and event.raw.raw == capture.template
    # the same finger again: libfprint finds the same minutiae
    worker.request_capture()
    time.sleep(0.2)
    scanner.image(print_pixels(1))
    assert collector.next(30).capture.template_sha256 == capture.template_sha256


def test_a_blank_press_and_a_libfprint_retry_are_retries_not_faults(virtual_scanner, collector) -> None:
    fprint, worker, scanner = virtual_scanner
    worker.request_capture()
    time.sleep(0.2)
    blank = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y in range(100, 110):  # a smudge, no ridges
        blank[y * WIDTH + 100:y * WIDTH + 140] = b"\x40" * 40
    scanner.image(bytes(blank))
    retry = collector.next(30)  # libfprint's own refusal: minutiae detection failed
    assert isinstance(retry, FingerprintRetry), retry
    assert "minutiae" in retry.reason_en.lower() and retry.reason_zh
    # a print libfprint accepts with only a handful of minutiae (concentric rings): refused by the driver
    worker.request_capture()
    time.sleep(0.2)
    scanner.image(synthetic_pixels(3))  # a whorl of rings: libfprint finds 5 minutiae in it
    retry = collector.next(30)
    assert isinstance(retry, FingerprintRetry), retry
    assert f"(at least {MIN_MINUTIAE})" in retry.reason_en, retry.reason_en
    assert [r for r in collector.raws if r.error and "minutiae detected" in r.error]
    worker.request_capture()
    time.sleep(0.2)
    scanner.retry(int(fprint.DeviceRetry.CENTER_FINGER))
    retry = collector.next(30)
    assert isinstance(retry, FingerprintRetry) and retry.code == int(fprint.DeviceRetry.CENTER_FINGER)
    assert worker.status.state == ConnectionState.CONNECTED
    worker.request_capture()
    time.sleep(0.2)
    scanner.image(print_pixels(2))
    assert isinstance(collector.next(30), FingerprintEvent)
    assert not [s for s in collector.statuses if s.state == ConnectionState.ERROR]


class _Minutia:
    def __init__(self, x: int, y: int) -> None:
        self.xy = (x, y)

    def get_coords(self) -> tuple[int, int]:
        return self.xy


class _Image:
    """The FpImage methods capture_from_image() uses (unit test of the refusals; the driver itself is
    tested against libfprint above)."""

    def __init__(self, minutiae: list[_Minutia], width: int = 8, height: int = 8, data: bytes | None = None):
        self.minutiae, self.width, self.height = minutiae, width, height
        self.data = bytes(width * height) if data is None else data

    def get_width(self) -> int:
        return self.width

    def get_height(self) -> int:
        return self.height

    def get_data(self) -> bytes:
        return self.data

    def get_minutiae(self) -> list[_Minutia]:
        return self.minutiae


def test_capture_from_image_refusals() -> None:
    many = [_Minutia(i % 8, i // 8) for i in range(MIN_MINUTIAE)]
    assert capture_from_image(_Image(many), "d").quality == 40
    with pytest.raises(FingerprintDataError, match="outside") as err:
        capture_from_image(_Image([*many, _Minutia(9, 1)]), "d")
    assert not err.value.retryable
    with pytest.raises(FingerprintDataError, match="minutiae") as err:
        capture_from_image(_Image(many[:3]), "d")
    assert err.value.retryable
    with pytest.raises(FingerprintDataError, match="image of"):
        capture_from_image(_Image(many, data=b"\x00" * 5), "d")
