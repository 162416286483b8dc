"""Pure codec for the SAM serial protocol and the card's text block (standards.md section 3)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MAX_BODY = 4096  # longest legal body is the fingerprint read (~2.3 kB); anything longer is garbage

CMD_SAM_STATUS = (0x11, 0xFF)
CMD_SAM_ID = (0x12, 0xFF)
CMD_FIND = (0x20, 0x01)
CMD_SELECT = (0x20, 0x02)
CMD_READ = (0x30, 0x01)
CMD_READ_FP = (0x30, 0x10)

SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CONTENT = 0x91
SW_FIND_FAILED = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41

# SW3 -> (zh, en): what the status means for the person at the desk.
STATUS_MESSAGES: dict[int, tuple[str, str]] = {
    0x90: ("操作成功", "OK"),
    0x9F: ("找到身份证", "card found"),
    0x91: ("证件无此项内容", "card has no such content"),
    0x80: ("未找到身份证，请放卡", "no card found: place the ID card on the reader"),
    0x81: ("选卡失败，请重新放卡", "card selection failed: place the card again"),
    0x41: ("读卡失败，请移开身份证后重新放卡", "card read failed: remove the card and place it again"),
    0x10: ("校验和错误", "checksum error"),
    0x11: ("长度错误", "length error"),
    0x21: ("命令错误", "bad command"),
    0x23: ("越权操作", "operation not authorised"),
    0x24: ("未知错误", "unknown error"),
    0x31: ("卡认证SAM失败", "card failed to authenticate the SAM"),
    0x32: ("SAM认证卡失败", "SAM failed to authenticate the card"),
    0x33: ("信息验证错误", "information verification error"),
    0x40: ("无法识别的卡类型", "unrecognised card type"),
    0x47: ("机具未认证", "reader not authorised"),
    0x60: ("SAM自检失败，读卡器故障", "SAM self-test failed: reader fault"),
    0x66: ("SAM未经授权", "SAM not authorised"),
}


def status_message(sw3: int) -> tuple[str, str]:
    return STATUS_MESSAGES.get(sw3, (f"未知状态码 {sw3:02X}", f"unknown status code {sw3:02X}"))


class IdCardFormatError(ValueError):
    """Bytes that are not a valid frame or card record; never turned into a result."""


def xor_checksum(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b
    return c


def _frame(body: bytes) -> bytes:
    length = len(body) + 1
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([xor_checksum(head + body)])


def build_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    return _frame(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """One checked frame: `body` is what LEN counts, without the CHK byte; `raw` is the whole frame."""

    body: bytes
    raw: bytes


@dataclass(frozen=True)
class FrameError:
    reason: str
    raw: bytes


class FrameDecoder:
    """Stream -> frames. Resynchronises on the preamble; bad length/checksum becomes a FrameError."""

    def __init__(self, max_body: int = MAX_BODY) -> None:
        self.max_body = max_body
        self._buf = bytearray()

    def partial_frame(self) -> tuple[int, int] | None:
        """(bytes held, bytes the frame's LEN announces) of a frame begun but not complete, else None."""
        start = self._buf.find(PREAMBLE)
        if start < 0 or len(self._buf) - start < 7:
            return None
        return len(self._buf) - start, 7 + int.from_bytes(self._buf[start + 5:start + 7], "big")

    def take_pending(self) -> bytes:
        """Drop and return what is buffered (a truncated frame given up on)."""
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self._buf += data
        out: list[Frame | FrameError] = []
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                # keep a possible partial preamble at the end
                keep = len(PREAMBLE) - 1
                if len(self._buf) > keep:
                    dropped = bytes(self._buf[:-keep])
                    del self._buf[:-keep]
                    if dropped.strip(b"\xaa"):
                        out.append(FrameError("garbage before frame", dropped))
                return out
            if start > 0:
                out.append(FrameError("garbage before frame", bytes(self._buf[:start])))
                del self._buf[:start]
            if len(self._buf) < 7:
                return out
            length = int.from_bytes(self._buf[5:7], "big")
            if length < 2 or length > self.max_body + 1:
                out.append(FrameError(f"bad length {length}", bytes(self._buf[:7])))
                del self._buf[:5]  # skip this preamble and look for the next one
                continue
            total = 7 + length
            if len(self._buf) < total:
                return out
            raw = bytes(self._buf[:total])
            del self._buf[:total]
            if xor_checksum(raw[5:-1]) != raw[-1]:
                out.append(FrameError("checksum error", raw))
                continue
            out.append(Frame(raw[7:-1], raw))

    def pending(self) -> int:
        return len(self._buf)

    def clear(self) -> None:
        self._buf.clear()


def decode_frame(raw: bytes) -> Frame:
    """Exactly one complete frame, or IdCardFormatError."""
    dec = FrameDecoder()
    items = dec.feed(raw)
    frames = [i for i in items if isinstance(i, Frame)]
    errors = [i for i in items if isinstance(i, FrameError)]
    if errors:
        raise IdCardFormatError(errors[0].reason)
    if len(frames) != 1 or dec.pending():
        raise IdCardFormatError("not exactly one complete frame")
    return frames[0]


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes
    raw: bytes

    @property
    def ok(self) -> bool:
        return self.sw3 == SW_OK


def parse_response(frame: Frame) -> Response:
    if len(frame.body) < 3:
        raise IdCardFormatError("response shorter than its status words")
    b = frame.body
    return Response(b[0], b[1], b[2], b[3:], frame.raw)


def parse_request(frame: Frame) -> tuple[int, int, bytes]:
    if len(frame.body) < 2:
        raise IdCardFormatError("request shorter than CMD PARA")
    return frame.body[0], frame.body[1], frame.body[2:]


# -- the card record ------------------------------------------------------------------------

TEXT_LEN = 256
PHOTO_LEN = 1024
FP_LEN = 1024

# byte widths; every layout is 256 bytes and carries its card-type marker at byte 248 (GA 490 style)
RESIDENT_LAYOUT = (("name", 30), ("sex", 2), ("nation", 4), ("birth_date", 16), ("address", 70),
                   ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
                   ("reserved", 36))
HMT_LAYOUT = (("name", 30), ("sex", 2), ("reserved1", 4), ("birth_date", 16), ("address", 70),
              ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16),
              ("pass_number", 18), ("issue_count", 4), ("reserved2", 6), ("card_type", 2),
              ("reserved3", 6))
FOREIGN_LAYOUT = (("english_name", 120), ("sex", 2), ("id_number", 30), ("nationality", 6),
                  ("name", 30), ("valid_from", 16), ("valid_to", 16), ("birth_date", 16),
                  ("card_version", 4), ("authority_code", 8), ("card_type", 2), ("reserved", 6))
CARD_TYPE_OFFSET = 248

CARD_TYPES = {" ": "resident", "J": "hmt_residence", "I": "foreign_permanent"}
CARD_TYPE_MARKERS = {v: k for k, v in CARD_TYPES.items()}
LAYOUTS = {"resident": RESIDENT_LAYOUT, "hmt_residence": HMT_LAYOUT,
           "foreign_permanent": FOREIGN_LAYOUT}
CARD_TYPE_LABELS = {"resident": ("居民身份证", "resident ID card"),
                    "hmt_residence": ("港澳台居民居住证", "Hong Kong/Macau/Taiwan residence permit"),
                    "foreign_permanent": ("外国人永久居留证", "foreigner's permanent residence card")}

SEX_LABELS = {"0": ("未知", "unknown"), "1": ("男", "male"), "2": ("女", "female"),
              "9": ("未说明", "unspecified")}

NATIONS = dict(enumerate((
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西",
    "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
    "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"), start=1))
NATION_NAMES = {f"{k:02d}": v for k, v in NATIONS.items()}
NATION_NAMES["97"] = "其他"
NATION_NAMES["98"] = "外国血统中国籍人士"

LONG_TERM = "长期"
_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_valid(number: str) -> bool:
    """GB 11643-1999 ISO 7064 MOD 11-2 check of an 18-character citizen number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    s = sum(int(c) * w for c, w in zip(number[:17], _MOD11_WEIGHTS, strict=True))
    return "10X98765432"[s % 11] == number[17].upper()


@dataclass
class IdCardData:
    """One card read: the printed fields, the photo (WLT bytes as read) and optional fingerprints."""

    name: str
    sex: str
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None  # None: 长期 (long term)
    card_type: str
    photo_wlt: bytes = b""
    fingerprint: bytes | None = None
    photo_png: bytes | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sex_label(self) -> tuple[str, str]:
        return SEX_LABELS.get(self.sex, ("未知", "unknown"))

    @property
    def nation_name(self) -> str:
        return NATION_NAMES.get(self.nation, self.nation)

    def to_json(self) -> dict[str, Any]:
        import hashlib

        return {
            "card_type": self.card_type, "name": self.name, "sex": self.sex,
            "sex_label_zh": self.sex_label[0], "sex_label_en": self.sex_label[1],
            "nation": self.nation, "nation_name": self.nation_name,
            "birth_date": self.birth_date.isoformat(), "address": self.address,
            "id_number": self.id_number, "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "photo_wlt_sha256": hashlib.sha256(self.photo_wlt).hexdigest(),
            "photo_wlt_len": len(self.photo_wlt), "photo_png": self.photo_png is not None,
            "fingerprint_len": len(self.fingerprint) if self.fingerprint is not None else None,
            "extra": self.extra,
        }


class WltDecoder(Protocol):
    """A licensed WLT photo decoder; configured per site, never required."""

    def decode(self, wlt: bytes) -> bytes:
        """WLT bytes -> PNG bytes (raise on failure)."""
        ...


def _text_fields(text: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    for name, width in layout:
        chunk = text[pos:pos + width]
        pos += width
        try:
            value = chunk.decode("utf-16-le")
        except UnicodeDecodeError as exc:
            raise IdCardFormatError(f"field {name} is not UCS-2 text") from exc
        # right-padded with spaces: strip trailing spaces only (NULs appear on some readers too)
        out[name] = value.rstrip(" \x00")
    return out


def _date(value: str, field_name: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise IdCardFormatError(f"{field_name} is not a YYYYMMDD date: {value!r}")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise IdCardFormatError(f"{field_name} is not a valid date: {value!r}") from exc


def card_type_of(text: bytes) -> str:
    if len(text) != TEXT_LEN:
        raise IdCardFormatError(f"text block is {len(text)} bytes, expected {TEXT_LEN}")
    marker = text[CARD_TYPE_OFFSET:CARD_TYPE_OFFSET + 2].decode("utf-16-le", "replace")
    if marker in ("\x00", ""):
        marker = " "
    if marker not in CARD_TYPES:
        raise IdCardFormatError(f"unsupported card type marker {marker!r}")
    return CARD_TYPES[marker]


def parse_text(text: bytes) -> IdCardData:
    """Decode the 256-byte UCS-2LE text block of any supported card type."""
    card_type = card_type_of(text)
    f = _text_fields(text, LAYOUTS[card_type])
    if f.get("sex", "") not in SEX_LABELS:
        raise IdCardFormatError(f"sex code {f.get('sex')!r} is not 0/1/2/9")
    birth = _date(f["birth_date"], "birth date")
    valid_from = _date(f["valid_from"], "valid-from date")
    valid_to = None if f["valid_to"] == LONG_TERM else _date(f["valid_to"], "valid-to date")
    if valid_to is not None and valid_to < valid_from:
        raise IdCardFormatError("card valid-to date precedes its valid-from date")
    extra: dict[str, str] = {}
    if card_type == "foreign_permanent":
        number = f["id_number"]
        if not (len(number) == 15 and number[:3].isalpha() and number[3:].isdigit()):
            raise IdCardFormatError(f"permanent residence card number {number!r} is malformed")
        extra = {"english_name": f["english_name"], "card_version": f["card_version"],
                 "authority_code": f["authority_code"]}
        return IdCardData(name=f["name"] or f["english_name"], sex=f["sex"],
                          nation=f["nationality"], birth_date=birth, address="",
                          id_number=number, authority=f["authority_code"],
                          valid_from=valid_from, valid_to=valid_to, card_type=card_type,
                          extra=extra)
    if not id_number_valid(f["id_number"]):
        raise IdCardFormatError(f"ID number {f['id_number']!r} fails the GB 11643 check")
    if f["id_number"][6:14] != f["birth_date"]:
        raise IdCardFormatError("ID number and birth date disagree")
    nation = f.get("nation", "")
    if card_type == "resident":
        if nation not in NATION_NAMES:
            raise IdCardFormatError(f"nation code {nation!r} is not a GB 3304 code")
    else:
        extra = {"pass_number": f["pass_number"], "issue_count": f["issue_count"]}
    if not f["name"]:
        raise IdCardFormatError("name is empty")
    return IdCardData(name=f["name"], sex=f["sex"], nation=nation, birth_date=birth,
                      address=f["address"], id_number=f["id_number"], authority=f["authority"],
                      valid_from=valid_from, valid_to=valid_to, card_type=card_type, extra=extra)


def parse_read_data(data: bytes, with_fingerprint: bool) -> IdCardData:
    """The data of a successful 30 01 / 30 10 response -> IdCardData (photo and fingerprint kept)."""
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise IdCardFormatError("read response shorter than its length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if text_len != TEXT_LEN or photo_len > PHOTO_LEN or fp_len > FP_LEN:
        raise IdCardFormatError(f"unexpected lengths text={text_len} photo={photo_len} fp={fp_len}")
    if len(data) != head + text_len + photo_len + fp_len:
        raise IdCardFormatError(
            f"read response is {len(data)} bytes, its lengths say {head + text_len + photo_len + fp_len}")
    text = data[head:head + text_len]
    card = parse_text(text)
    card.photo_wlt = data[head + text_len:head + text_len + photo_len]
    if with_fingerprint:
        card.fingerprint = data[head + text_len + photo_len:] if fp_len else None
    return card


# -- encoding (the simulator and the tests build cards with these) ---------------------------

def _enc(value: str, width: int, name: str) -> bytes:
    raw = value.encode("utf-16-le")
    if len(raw) > width:
        raise IdCardFormatError(f"{name} {value!r} does not fit in {width} bytes")
    return raw + " ".encode("utf-16-le") * ((width - len(raw)) // 2)


def encode_text(fields: dict[str, str], card_type: str = "resident") -> bytes:
    """Field values (strings as on the card) -> the 256-byte text block of `card_type`."""
    layout = LAYOUTS[card_type]
    values = dict(fields)
    if card_type != "resident":
        values["card_type"] = CARD_TYPE_MARKERS[card_type]
    out = b"".join(_enc(values.get(name, ""), width, name) for name, width in layout)
    assert len(out) == TEXT_LEN
    return out


def encode_read_data(text: bytes, photo: bytes, fingerprint: bytes | None) -> bytes:
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is not None:
        head += len(fingerprint).to_bytes(2, "big")
        return head + text + photo + fingerprint
    return head + text + photo
