"""Driver for the serial fingerprint modules of the R30x / ZFM family (codec: devices/fingerprint/zfm.py).

Connect: VfyPwd (13) with the configured password; a wrong password or no answer is a device fault.
One capture (request_capture()): GenImg (01) until a finger is on the sensor, UpImage (0A) for the
picture (PNG kept with the record and scored for quality), Img2Tz (02) into character buffer 1 and UpChar
(08) for the template. A poor press (confirmation 03/06/07/15, a low image quality, no finger within
`finger_timeout`) is reported as a FingerprintRetry event and the donor simply presses again, up to
`attempts` times; the link stays up. A template that is empty (every byte 00 or FF), too short or of the
wrong length is refused (and the donor asked to press again). Every packet of a capture is kept raw.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from devices.base import ConnectionState, DeviceFault
from devices.fingerprint import zfm
from devices.fingerprint.driver import FingerprintEvent, FingerprintRetry
from devices.fingerprint.model import MIN_QUALITY, FingerprintCapture, FingerprintDataError, grey_png
from devices.transport import SerialWorker


class _Retry(Exception):
    def __init__(self, code: int | None, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.code, self.reason_zh, self.reason_en = code, reason_zh, reason_en


class ZfmFingerprintWorker(SerialWorker):
    kind = "fingerprint"
    protocol = "r30x-zfm"
    baudrate = 57600

    def __init__(self, name: str, port: str, *, password: int = 0, address: int = zfm.DEFAULT_ADDRESS,
                 response_timeout: float = 2.0, finger_timeout: float = 15.0, attempts: int = 3,
                 template_length: int = zfm.TEMPLATE_LEN, image_width: int = zfm.IMAGE_WIDTH,
                 image_height: int = zfm.IMAGE_HEIGHT, poll_interval: float = 0.1, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self.password = int(password)
        self.address = int(address)
        self.response_timeout = response_timeout
        self.finger_timeout = finger_timeout
        self.attempts = max(1, int(attempts))
        self.template_length = int(template_length)
        self.image_width, self.image_height = int(image_width), int(image_height)
        self.poll_interval = poll_interval
        self._decoder = zfm.PacketDecoder(self.address)
        self._capture_requested = threading.Event()
        self._received: list[bytes] = []
        self._pending: list[zfm.Packet] = []

    def request_capture(self) -> None:
        """Ask for one capture: the module is polled until a finger is placed."""
        self._capture_requested.set()

    device_test_trigger = request_capture

    # -- the link ----------------------------------------------------------------------------
    def _connect(self) -> None:
        super()._connect()
        self._decoder.clear()
        code, _ = self._command(zfm.CMD_VFYPWD, self.password.to_bytes(4, "big"))
        if code != 0x00:
            zh, en = zfm.confirmation_message(code)
            raise DeviceFault(f"指纹模块握手失败：{zh}", f"fingerprint module handshake failed: {en}")

    def _next_packet(self) -> zfm.Packet:
        if self._pending:
            return self._pending.pop(0)
        deadline = time.monotonic() + self.response_timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise DeviceFault("已停止", "stopped")
            data = self._read()
            if not data:
                continue
            for item in self._decoder.feed(data):
                if isinstance(item, zfm.PacketError):
                    self._raw(item.raw, error=item.reason)
                    raise DeviceFault(f"指纹模块应答损坏（{item.reason}）",
                                      f"corrupted packet from the fingerprint module ({item.reason})")
                self._received.append(item.raw)
                self._pending.append(item)
            if self._pending:
                return self._pending.pop(0)
        raise DeviceFault("指纹模块无应答（超时），请检查连接和电源",
                          "fingerprint module does not answer (timeout): check cable and power")

    def _command(self, code: int, params: bytes = b"") -> tuple[int, bytes]:
        self._pending = []
        self._decoder.clear()
        self._write(zfm.build_command(code, params, self.address))
        try:
            return zfm.parse_ack(self._next_packet())
        except zfm.ZfmFormatError as exc:
            raise DeviceFault(f"指纹模块应答格式错误（{exc}）", f"malformed reply from the module ({exc})") from exc

    def _upload(self, code: int, params: bytes, limit: int) -> bytes:
        confirmation, _ = self._command(code, params)
        if confirmation != 0x00:
            zh, en = zfm.confirmation_message(confirmation)
            if confirmation in zfm.RETRYABLE:
                raise _Retry(confirmation, zh, en)
            raise DeviceFault(f"指纹模块上传失败：{zh}", f"fingerprint module upload failed: {en}")
        assembler = zfm.DataAssembler(limit)
        try:
            while not assembler.add(self._next_packet()):
                pass
        except zfm.ZfmFormatError as exc:
            raise DeviceFault(f"指纹模块数据包错误（{exc}）", f"bad data packets from the module ({exc})") from exc
        return assembler.data()

    # -- captures ------------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stopping.is_set():
            if not self._capture_requested.wait(0.05):
                continue
            self._capture_requested.clear()
            self._capture()

    def _capture(self) -> None:
        for attempt in range(1, self.attempts + 1):
            self._received = []
            started = time.monotonic()
            try:
                capture = self._one_press()
            except _Retry as retry:
                final = attempt == self.attempts
                self._file(error=retry.reason_en)
                self._emit(FingerprintRetry(self.name, retry.reason_zh, retry.reason_en, retry.code,
                                            attempt, final))
                if final:
                    return
                self._wait_for_lift()
                continue
            except FingerprintDataError as exc:
                final = attempt == self.attempts
                self._file(error=str(exc))
                self._emit(FingerprintRetry(self.name, f"指纹数据无效（{exc.reason_zh}），请重新按压",
                                            f"fingerprint data refused ({exc}); press again", None, attempt,
                                            final))
                if final:
                    return
                self._wait_for_lift()
                continue
            raw = self._file(parsed={**capture.to_json(), "attempt": attempt,
                                     "capture_ms": round((time.monotonic() - started) * 1000, 1)})
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
            self._emit(FingerprintEvent(capture, raw))
            return

    def _file(self, parsed: dict[str, Any] | None = None, error: str | None = None) -> Any:
        """Keep every packet of this press as one raw message (what the module sent, in order)."""
        return self._raw(b"".join(self._received), parsed=parsed, error=error)

    def _wait_for_lift(self) -> None:
        """After a poor press the finger is lifted before the next one (GenImg says 'no finger')."""
        deadline = time.monotonic() + self.finger_timeout
        while time.monotonic() < deadline and not self._stopping.is_set():
            code, _ = self._command(zfm.CMD_GENIMG)
            if code == 0x02:
                return
            self._stopping.wait(self.poll_interval)

    def _one_press(self) -> FingerprintCapture:
        deadline = time.monotonic() + self.finger_timeout
        while True:
            code, _ = self._command(zfm.CMD_GENIMG)
            if code == 0x00:
                break
            if code != 0x02:
                zh, en = zfm.confirmation_message(code)
                if code in zfm.RETRYABLE:
                    raise _Retry(code, zh, en)
                raise DeviceFault(f"指纹模块采集失败：{zh}", f"fingerprint module capture failed: {en}")
            if time.monotonic() >= deadline or self._stopping.is_set():
                raise _Retry(0x02, f"{self.finger_timeout:g} 秒内未检测到手指，请将手指放在传感器上",
                             f"no finger within {self.finger_timeout:g} s: place the finger on the sensor")
            self._stopping.wait(self.poll_interval)
        image_data = self._upload(zfm.CMD_UPIMAGE, b"", self.image_width * self.image_height)
        pixels = zfm.unpack_image(image_data, self.image_width, self.image_height)
        quality = zfm.image_quality(pixels, self.image_width, self.image_height)
        code, _ = self._command(zfm.CMD_IMG2TZ, b"\x01")
        if code != 0x00:
            zh, en = zfm.confirmation_message(code)
            if code in zfm.RETRYABLE:
                raise _Retry(code, zh, en)
            raise DeviceFault(f"指纹模块生成特征失败：{zh}", f"fingerprint module feature extraction failed: {en}")
        if quality < MIN_QUALITY:
            raise _Retry(None, f"指纹图像质量 {quality} 低于 {MIN_QUALITY}，请重新按压",
                         f"image quality {quality} below {MIN_QUALITY}: press again")
        template = self._upload(zfm.CMD_UPCHAR, b"\x01", 4 * self.template_length)
        zfm.check_template(template, self.template_length)
        return FingerprintCapture(grey_png(pixels, self.image_width, self.image_height), quality, template,
                                  "R30x character file", self.name)
