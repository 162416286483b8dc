"""Pure codec for the serial fingerprint modules of the R30x / ZFM family (R305, R307, R503, ZFM-20, FPM10A).

Published command set: Adafruit's Arduino library (github.com/adafruit/Adafruit-Fingerprint-Sensor-Library,
`Adafruit_Fingerprint.h`: packet identifiers, instruction and confirmation codes) and pyfingerprint
(github.com/bastianraschke/pyfingerprint, `pyfingerprint.py`: packet framing, checksum, UpImage's 4-bit
pixel packing). A packet is

    EF 01 | address (4, big-endian; FF FF FF FF by default) | PID (1) | LEN (2, big-endian) | payload | SUM (2)

where LEN counts the payload and the checksum, and SUM is the low 16 bits of PID + both LEN bytes + every
payload byte. The host sends command packets (PID 01); the module answers with an acknowledge packet
(PID 07) whose first payload byte is the confirmation code; UpChar (08) and UpImage (0A) are followed by
data packets (PID 02) and one end packet (PID 08) carrying the bytes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from devices.fingerprint.model import FingerprintDataError

START = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
PID_COMMAND = 0x01
PID_DATA = 0x02
PID_ACK = 0x07
PID_END = 0x08
PIDS = (PID_COMMAND, PID_DATA, PID_ACK, PID_END)
MAX_PAYLOAD = 256 + 2  # the largest data packet size a module can be set to (256), plus slack for ack data

CMD_GENIMG = 0x01
CMD_IMG2TZ = 0x02
CMD_UPCHAR = 0x08
CMD_UPIMAGE = 0x0A
CMD_READSYSPARA = 0x0F
CMD_VFYPWD = 0x13

# confirmation code -> (zh, en)
CONFIRMATIONS: dict[int, tuple[str, str]] = {
    0x00: ("成功", "OK"),
    0x01: ("指纹模块接收数据包出错", "the module received a corrupted packet"),
    0x02: ("传感器上没有手指", "no finger on the sensor"),
    0x03: ("录入指纹图像失败，请重新按压", "the fingerprint image could not be taken: press again"),
    0x06: ("指纹图像太乱，请擦干手指后重新按压", "the image is too disorderly: dry the finger and press again"),
    0x07: ("指纹特征点太少，请按压得更完整", "too few feature points: press the whole fingertip again"),
    0x0D: ("上传特征失败", "uploading the template failed"),
    0x0E: ("模块不能接收后续数据包", "the module cannot receive the following data packets"),
    0x0F: ("上传图像失败", "uploading the image failed"),
    0x13: ("口令不正确", "wrong module password"),
    0x15: ("图像缓冲区内没有有效原始图，请重新按压", "no valid image in the buffer: press again"),
    0x18: ("读写FLASH出错", "flash read/write error"),
    0x20: ("地址码错误", "wrong module address"),
}
RETRYABLE = frozenset({0x02, 0x03, 0x06, 0x07, 0x15})  # the donor presses again; the module is fine

IMAGE_WIDTH, IMAGE_HEIGHT = 256, 288  # R30x image buffer; UpImage sends 4 bits per pixel
TEMPLATE_LEN = 512  # a character file / template as UpChar sends it
MIN_TEMPLATE_LEN = 256


class ZfmFormatError(FingerprintDataError):
    """Bytes that are not a valid R30x packet, reply or template: the codec's refusal type."""


def confirmation_message(code: int) -> tuple[str, str]:
    return CONFIRMATIONS.get(code, (f"未知确认码 {code:02X}", f"unknown confirmation code {code:02X}"))


def checksum(pid: int, payload: bytes) -> int:
    length = len(payload) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def build_packet(pid: int, payload: bytes, address: int = DEFAULT_ADDRESS) -> bytes:
    if pid not in PIDS:
        raise ZfmFormatError(f"unknown packet identifier {pid:02X}")
    if len(payload) > MAX_PAYLOAD:
        raise ZfmFormatError(f"payload of {len(payload)} bytes is longer than {MAX_PAYLOAD}")
    length = len(payload) + 2
    return (START + address.to_bytes(4, "big") + bytes([pid]) + length.to_bytes(2, "big") + payload
            + checksum(pid, payload).to_bytes(2, "big"))


def build_command(code: int, params: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return build_packet(PID_COMMAND, bytes([code]) + params, address)


def build_ack(code: int, data: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return build_packet(PID_ACK, bytes([code]) + data, address)


def vfypwd(password: int = 0, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(CMD_VFYPWD, password.to_bytes(4, "big"), address)


@dataclass(frozen=True)
class Packet:
    address: int
    pid: int
    payload: bytes
    raw: bytes


@dataclass(frozen=True)
class PacketError:
    reason: str
    raw: bytes


class PacketDecoder:
    """Byte stream -> packets; resynchronises on EF 01; a bad length or checksum becomes a PacketError."""

    def __init__(self, address: int | None = None) -> None:
        self.address = address
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Packet | PacketError]:
        self._buf += data
        out: list[Packet | PacketError] = []
        while True:
            start = self._buf.find(START)
            if start < 0:
                keep = 1 if self._buf.endswith(START[:1]) else 0
                dropped = bytes(self._buf[:len(self._buf) - keep])
                del self._buf[:len(self._buf) - keep]
                if dropped:
                    out.append(PacketError("garbage before packet", dropped))
                return out
            if start:
                out.append(PacketError("garbage before packet", bytes(self._buf[:start])))
                del self._buf[:start]
            if len(self._buf) < 9:
                return out
            pid = self._buf[6]
            length = int.from_bytes(self._buf[7:9], "big")
            if pid not in PIDS or length < 2 or length > MAX_PAYLOAD + 2:
                reason = f"unknown packet identifier {pid:02X}" if pid not in PIDS else f"bad length {length}"
                out.append(PacketError(reason, bytes(self._buf[:9])))
                del self._buf[:2]
                continue
            total = 9 + length
            if len(self._buf) < total:
                return out
            raw = bytes(self._buf[:total])
            del self._buf[:total]
            payload = raw[9:-2]
            if checksum(pid, payload) != int.from_bytes(raw[-2:], "big"):
                out.append(PacketError("checksum error", raw))
                continue
            address = int.from_bytes(raw[2:6], "big")
            if self.address is not None and address != self.address:
                out.append(PacketError(f"packet for address {address:08X}", raw))
                continue
            out.append(Packet(address, pid, payload, raw))

    def pending(self) -> int:
        return len(self._buf)

    def clear(self) -> None:
        self._buf.clear()


def decode_packet(raw: bytes) -> Packet:
    """Exactly one complete packet, or ZfmFormatError."""
    dec = PacketDecoder()
    items = dec.feed(raw)
    errors = [i for i in items if isinstance(i, PacketError)]
    if errors:
        raise ZfmFormatError(errors[0].reason)
    packets = [i for i in items if isinstance(i, Packet)]
    if len(packets) != 1 or dec.pending():
        raise ZfmFormatError("not exactly one complete packet")
    return packets[0]


def parse_command(packet: Packet) -> tuple[int, bytes]:
    if packet.pid != PID_COMMAND or not packet.payload:
        raise ZfmFormatError("not a command packet")
    return packet.payload[0], packet.payload[1:]


def parse_ack(packet: Packet) -> tuple[int, bytes]:
    """An acknowledge packet -> (confirmation code, the data after it)."""
    if packet.pid != PID_ACK:
        raise ZfmFormatError(f"expected an acknowledge packet (07), got {packet.pid:02X}")
    if not packet.payload:
        raise ZfmFormatError("acknowledge packet without a confirmation code")
    return packet.payload[0], packet.payload[1:]


class DataAssembler:
    """Collects the data packets (02) that follow an ack until the end packet (08)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.done = False

    def add(self, packet: Packet) -> bool:
        """Take one packet; True once the end packet arrived."""
        if self.done:
            raise ZfmFormatError("data packet after the end packet")
        if packet.pid not in (PID_DATA, PID_END):
            raise ZfmFormatError(f"expected a data packet (02/08), got {packet.pid:02X}")
        self.size += len(packet.payload)
        if self.size > self.limit:
            raise ZfmFormatError(f"more than {self.limit} bytes of data")
        self.parts.append(packet.payload)
        self.done = packet.pid == PID_END
        return self.done

    def data(self) -> bytes:
        return b"".join(self.parts)


def data_packets(data: bytes, packet_size: int = 128, address: int = DEFAULT_ADDRESS) -> list[bytes]:
    """Split `data` as a module sends it: PID 02 packets of `packet_size` bytes, the last one PID 08."""
    if packet_size not in (32, 64, 128, 256):
        raise ZfmFormatError(f"packet size {packet_size} is not 32/64/128/256")
    chunks = [data[i:i + packet_size] for i in range(0, len(data), packet_size)] or [b""]
    return [build_packet(PID_END if i == len(chunks) - 1 else PID_DATA, chunk, address)
            for i, chunk in enumerate(chunks)]


def check_template(template: bytes, expected_len: int = TEMPLATE_LEN) -> bytes:
    """Refuse what cannot be a finger's template: wrong length, or every byte the same (erased flash: 00/FF)."""
    if len(template) < MIN_TEMPLATE_LEN:
        raise ZfmFormatError(f"template too short ({len(template)} bytes, a template is {expected_len})")
    if len(template) != expected_len:
        raise ZfmFormatError(f"template is {len(template)} bytes, expected {expected_len}")
    if template.count(template[0]) == len(template):
        raise ZfmFormatError(f"empty template (every byte is {template[0]:02X})")
    # a character file is mostly zero padding after its minutiae; one with almost nothing in it is empty too
    if len(template) - template.count(0) - template.count(0xFF) < 16:
        raise ZfmFormatError("empty template (fewer than 16 meaningful bytes)")
    return template


def unpack_image(data: bytes, width: int = IMAGE_WIDTH, height: int = IMAGE_HEIGHT) -> bytes:
    """UpImage bytes (two 4-bit pixels per byte, high nibble first) -> 8-bit grey pixels, row by row."""
    if len(data) != width * height // 2:
        raise ZfmFormatError(f"image is {len(data)} bytes, a {width}x{height} image is {width * height // 2}")
    out = bytearray(len(data) * 2)
    for i, b in enumerate(data):
        out[2 * i] = (b >> 4) * 17
        out[2 * i + 1] = (b & 0x0F) * 17
    return bytes(out)


def pack_image(pixels: bytes) -> bytes:
    """8-bit grey pixels -> UpImage bytes (the simulator sends these)."""
    if len(pixels) % 2:
        raise ZfmFormatError("an odd number of pixels cannot be packed two to a byte")
    return bytes(((pixels[i] >> 4) << 4) | (pixels[i + 1] >> 4) for i in range(0, len(pixels), 2))


def image_quality(pixels: bytes, width: int = IMAGE_WIDTH, height: int = IMAGE_HEIGHT, block: int = 16) -> int:
    """0-100: the share of the image's blocks that show ridges (grey-level spread of at least 40 of 255).

    The modules report no quality score; this is the station's own check on the uploaded image, in the
    spirit of NFIQ's local-clarity features: a faint, partial or blank press covers few blocks."""
    if len(pixels) != width * height:
        raise ZfmFormatError(f"{len(pixels)} pixels for a {width}x{height} image")
    good = total = 0
    for by in range(0, height - block + 1, block):
        for bx in range(0, width - block + 1, block):
            values = [pixels[(by + y) * width + bx + x] for y in range(0, block, 2) for x in range(0, block, 2)]
            mean = sum(values) / len(values)
            spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
            total += 1
            if spread >= 40:
                good += 1
    return round(100 * good / total) if total else 0
