"""R30x / ZFM fingerprint module simulator: answers the module's packets (devices/fingerprint/zfm.py) byte-exact.

The module never sends unasked: the host polls GenImg. A "press" is scripted through the control socket
(`press` with a seed, the image quality and the template kind) and stays on the sensor until its template
was uploaded or it was refused (a real module needs the finger lifted and placed again too):

    {"cmd": "press", "seed": 3}                       a good print of finger 3
    {"cmd": "press", "image": "messy"}                Img2Tz answers 06 (too disorderly)
    {"cmd": "press", "image": "few"}                  Img2Tz answers 07 (too few feature points)
    {"cmd": "press", "image": "fail"}                 GenImg answers 03 (image not taken)
    {"cmd": "press", "image": "faint"}                the module accepts it, the picture is nearly blank
    {"cmd": "press", "template": "zeros"|"ff"|"short"} an erased or cut template
    {"cmd": "fault", "mode": "silent"|"garble"|"wrong_password"|null}
"""
from __future__ import annotations

import hashlib
import math
from typing import Any

from devices.fingerprint import zfm
from devices.simbase import SerialSimulator

IMAGE_MODES = ("good", "messy", "few", "fail", "faint")
TEMPLATE_MODES = ("good", "zeros", "ff", "short")


def synthetic_pixels(seed: int, faint: bool = False, width: int = zfm.IMAGE_WIDTH,
                     height: int = zfm.IMAGE_HEIGHT) -> bytes:
    """8-bit grey pixels of a made-up whorl (seed-dependent), or a faint smudge of it."""
    digest = hashlib.sha256(f"finger-{seed}".encode()).digest()
    cx = width / 2 + (digest[0] - 128) / 16
    cy = height / 2 + (digest[1] - 128) / 16
    freq = 0.35 + digest[2] / 2550
    dark, light = (200, 230) if faint else (40, 230)
    out = bytearray(b"\xff" * (width * height))
    radius = min(width, height) * 0.46
    for y in range(height):
        row = y * width
        dy = (y - cy) * 1.1
        for x in range(width):
            dx = x - cx
            r = math.hypot(dx, dy)
            if r > radius:
                continue
            v = math.sin(r * freq + math.atan2(dy, dx) * 0.5 + seed)
            out[row + x] = dark if v > 0.2 else light
    return bytes(out)


def synthetic_template(seed: int, length: int = zfm.TEMPLATE_LEN) -> bytes:
    """A character file: a short header, minutiae-like bytes, then zero padding, like the modules'."""
    body = bytearray()
    counter = 0
    while len(body) < length // 2:
        body += hashlib.sha256(f"template-{seed}:{counter}".encode()).digest()
        counter += 1
    head = bytes([0x03, 0x01, 0x5A, 0x1E])
    return (head + bytes(body))[: length // 2].ljust(length, b"\x00")


class ZfmFingerprintSimulator(SerialSimulator):
    baudrate = 57600

    def __init__(self, port: str, control_port: int | None = None, *, presses: int = 0, password: int = 0,
                 packet_size: int = 128, address: int = zfm.DEFAULT_ADDRESS) -> None:
        super().__init__(port, control_port)
        self.password = password
        self.packet_size = packet_size
        self.address = address
        self.queue: list[dict[str, Any]] = [{"seed": 1} for _ in range(presses)]
        self.finger: dict[str, Any] | None = None  # the press on the sensor now
        self.image: dict[str, Any] | None = None  # what GenImg put in the image buffer
        self.char_buffer: dict[str, Any] | None = None
        self.lifted = False
        self.fault: str | None = None
        self.commands: list[str] = []
        self.templates_sent = 0
        self._decoder = zfm.PacketDecoder()
        self._pixels: dict[tuple[int, bool], bytes] = {}

    # -- protocol ---------------------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, zfm.PacketError):
                if item.reason == "checksum error":
                    self._ack(0x01)  # the module answers 01: error when receiving the packet
                continue
            try:
                code, params = zfm.parse_command(item)
            except zfm.ZfmFormatError:
                self._ack(0x01)
                continue
            self.commands.append(f"{code:02X}")
            self.handle(code, params)

    def _send(self, packet: bytes) -> None:
        if self.fault == "silent":
            return
        if self.fault == "garble":
            packet = packet[:-1] + bytes([packet[-1] ^ 0x5A])
        self.write(packet)

    def _ack(self, code: int, data: bytes = b"") -> None:
        self._send(zfm.build_ack(code, data, self.address))

    def _lift(self) -> None:
        self.finger = None
        self.lifted = True  # the next GenImg sees no finger before the next press

    def handle(self, code: int, params: bytes) -> None:
        if code == zfm.CMD_VFYPWD:
            ok = len(params) == 4 and int.from_bytes(params, "big") == self.password \
                and self.fault != "wrong_password"
            self._ack(0x00 if ok else 0x13)
        elif code == zfm.CMD_READSYSPARA:
            size_code = {32: 0, 64: 1, 128: 2, 256: 3}[self.packet_size]
            params_out = (b"\x00\x00" + b"\x00\x00" + (1000).to_bytes(2, "big") + b"\x00\x03"
                          + self.address.to_bytes(4, "big") + size_code.to_bytes(2, "big") + b"\x00\x06")
            self._ack(0x00, params_out)
        elif code == zfm.CMD_GENIMG:
            if self.finger is not None and self.finger.get("taken"):
                self._lift()  # one image per press: the donor lifts the finger after it was taken
            if self.finger is None and self.lifted:
                self.lifted = False
            elif self.finger is None and self.queue:
                self.finger = self.queue.pop(0)
            if self.finger is None:
                self._ack(0x02)
            elif self.finger.get("image") == "fail":
                self._lift()
                self._ack(0x03)
            else:
                self.finger["taken"] = True
                self.image = self.finger
                self._ack(0x00)
        elif code == zfm.CMD_UPIMAGE:
            if self.image is None:
                self._ack(0x0F)
                return
            self._ack(0x00)
            seed, faint = int(self.image.get("seed", 1)), self.image.get("image") == "faint"
            if (seed, faint) not in self._pixels:
                self._pixels[(seed, faint)] = synthetic_pixels(seed, faint)
            for packet in zfm.data_packets(zfm.pack_image(self._pixels[(seed, faint)]), self.packet_size,
                                           self.address):
                self._send(packet)
        elif code == zfm.CMD_IMG2TZ:
            mode = (self.image or {}).get("image", "good")
            if self.image is None:
                self._ack(0x15)
            elif mode in ("messy", "few"):
                self._lift()
                self.image = None
                self._ack(0x06 if mode == "messy" else 0x07)
            else:
                self.char_buffer = self.image
                self._ack(0x00)
        elif code == zfm.CMD_UPCHAR:
            if self.char_buffer is None:
                self._ack(0x0D)
                return
            kind = self.char_buffer.get("template", "good")
            template = synthetic_template(int(self.char_buffer.get("seed", 1)))
            if kind == "zeros":
                template = bytes(len(template))
            elif kind == "ff":
                template = b"\xff" * len(template)
            elif kind == "short":
                template = template[:100]
            self._ack(0x00)
            for packet in zfm.data_packets(template, self.packet_size, self.address):
                self._send(packet)
            self.templates_sent += 1
            self.char_buffer = self.image = None
        else:
            self._ack(0x01)

    # -- control ----------------------------------------------------------------------------
    def ctl_press(self, request: dict[str, Any]) -> dict[str, Any]:
        image = request.get("image", "good")
        template = request.get("template", "good")
        if image not in IMAGE_MODES or template not in TEMPLATE_MODES:
            raise ValueError(f"image is one of {IMAGE_MODES}, template one of {TEMPLATE_MODES}")
        self.queue.append({"seed": int(request.get("seed", 1)), "image": image, "template": template})
        return {"queued": len(self.queue)}

    def ctl_fault(self, request: dict[str, Any]) -> dict[str, Any]:
        mode = request.get("mode")
        if mode not in (None, "silent", "garble", "wrong_password"):
            raise ValueError(f"unknown fault mode {mode!r}")
        self.fault = mode
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"queued": len(self.queue), "finger": self.finger is not None, "fault": self.fault,
                "templates_sent": self.templates_sent, "commands": self.commands[-200:]}
