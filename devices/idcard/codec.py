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
CMD_READ_ADDR = (0x30, 0x03)  # 追加住址: the appended address

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
#
# Every text block is 256 bytes of UCS-2LE, right-padded with spaces, and carries its card-type
# marker at byte 248. Layouts as published by reader vendors' SDKs:
#  - resident card (no marker): standards.md section 3;
#  - 港澳台居民居住证 (2017 HK/Macau/Taiwan residence permit, marker "J"): struct tagIDCardInfor of
#    the PC/SC reader SDK in github.com/Johann356/readinfo (PCSCGetData.h), the same offsets as
#    Synjones' (神思) Android SDK com/synjones/idcard/IDcardReader.java (pass number at 220,
#    issue count at 238);
#  - 外国人永久居留身份证, 2017 edition (marker "I"): struct tagIDForeigner of the same header;
#  - 外国人永久居留身份证, 2023 edition (marker "Y"): struct tagIDCardInfor2023 of the same header
#    (Chinese name first, English name split 70 + 22 bytes, 18-digit number starting with 9 that
#    carries the GB 11643 check, the issuing-authority code dropped).
# The appended address (追加住址) is read with 30 03 after the card: 70 bytes UCS-2LE with SW3 90,
# or SW3 91 when the card has none (Synjones' readAppendAdd()).

TEXT_LEN = 256
PHOTO_LEN = 1024
FP_LEN = 1024
ADDR_LEN = 70

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
FOREIGN_2023_LAYOUT = (("name", 30), ("sex", 2), ("renewal_count", 4), ("birth_date", 16),
                       ("english_name", 70), ("id_number", 36), ("reserved1", 30),
                       ("valid_from", 16), ("valid_to", 16), ("english_name_ext", 22),
                       ("nationality", 6), ("card_type", 2), ("previous_number_link", 6))
CARD_TYPE_OFFSET = 248

# layout key -> (card type reported to the station, marker at byte 248)
LAYOUT_INFO = {"resident": ("resident", " "), "hmt_residence": ("hmt_residence", "J"),
               "foreign_permanent": ("foreign_permanent", "I"),
               "foreign_permanent_2023": ("foreign_permanent", "Y")}
LAYOUTS = {"resident": RESIDENT_LAYOUT, "hmt_residence": HMT_LAYOUT,
           "foreign_permanent": FOREIGN_LAYOUT, "foreign_permanent_2023": FOREIGN_2023_LAYOUT}
MARKER_LAYOUTS = {marker: key for key, (_t, marker) in LAYOUT_INFO.items()}
CARD_TYPES = {" ": "resident", "J": "hmt_residence", "I": "foreign_permanent", "Y": "foreign_permanent"}
CARD_TYPE_MARKERS = {key: marker for key, (_t, marker) in LAYOUT_INFO.items()}
CARD_TYPE_LABELS = {"resident": ("居民身份证", "resident ID card"),
                    "hmt_residence": ("港澳台居民居住证", "Hong Kong/Macau/Taiwan residence permit"),
                    "foreign_permanent": ("外国人永久居留身份证", "foreigner's permanent residence card")}

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
_HMT_PREFIXES = {"81": "香港", "82": "澳门", "83": "台湾"}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"), "english_name": ("英文姓名", "English name"),
    "english_name_ext": ("英文姓名备用", "English name (continued)"), "sex": ("性别", "sex"),
    "nation": ("民族", "nation"), "nationality": ("国籍", "nationality"),
    "birth_date": ("出生日期", "birth date"), "address": ("住址", "address"),
    "appended_address": ("追加住址", "appended address"), "id_number": ("证件号码", "ID number"),
    "authority": ("签发机关", "issuing authority"), "authority_code": ("受理机关代码", "authority code"),
    "valid_from": ("有效期起始日期", "valid-from date"), "valid_to": ("有效期截止日期", "valid-to date"),
    "pass_number": ("通行证号码", "pass number"), "issue_count": ("签发次数", "issue count"),
    "renewal_count": ("换证次数", "renewal count"), "card_version": ("证件版本号", "card version"),
    "previous_number_link": ("既往版本证件号码关联项", "previous-card number link"),
    "card_type": ("证件类型标识", "card type marker"), "text": ("文字信息", "text block"),
}


class IdCardFieldError(IdCardFormatError):
    """One field of the card holds what that field cannot hold: the card is refused, never half-filed."""

    def __init__(self, field_name: str, reason_zh: str, reason_en: str) -> None:
        label_zh, label_en = FIELD_LABELS.get(field_name, (field_name, field_name))
        self.field = field_name
        self.reason_zh = f"{label_zh}：{reason_zh}"
        self.reason_en = f"{label_en} ({field_name}): {reason_en}"
        super().__init__(self.reason_en)


def id_number_valid(number: str) -> bool:
    """GB 11643-1999 ISO 7064 MOD 11-2 check of an 18-character number (also the 2023 permit's)."""
    if len(number) != 18 or not _ascii_digits(number[:17]):
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
    layout: str = "resident"  # which text-block layout was read (LAYOUTS key)
    appended_address: str | None = None  # 30 03: None = the card has none (or it was not asked)

    @property
    def sex_label(self) -> tuple[str, str]:
        return SEX_LABELS.get(self.sex, ("未知", "unknown"))

    @property
    def nation_name(self) -> str:
        return NATION_NAMES.get(self.nation, self.nation)

    def to_json(self) -> dict[str, Any]:
        import hashlib

        return {
            "card_type": self.card_type, "layout": self.layout, "name": self.name, "sex": self.sex,
            "sex_label_zh": self.sex_label[0], "sex_label_en": self.sex_label[1],
            "nation": self.nation, "nation_name": self.nation_name,
            "birth_date": self.birth_date.isoformat(), "address": self.address,
            "appended_address": self.appended_address,
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


# -- field character rules ------------------------------------------------------------------

def _ascii_digits(value: str) -> bool:
    """Only 0-9 (str.isdigit() also takes superscripts and other scripts' digits, which int() refuses)."""
    return bool(value) and all("0" <= c <= "9" for c in value)


def _describe(ch: str) -> str:
    import unicodedata

    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}"


def _bad_char(field_name: str, ch: str, position: int) -> IdCardFieldError:
    import unicodedata

    what_zh, what_en = "非法字符", "a character not allowed here"
    cat = unicodedata.category(ch)
    if ch == "\x00":
        what_zh, what_en = "空字符（NUL）", "a NUL character"
    elif cat == "Cc":
        what_zh, what_en = "控制字符", "a control character"
    elif cat == "No" or (cat == "Nd" and not "0" <= ch <= "9"):
        what_zh, what_en = "非标准数字（如上标数字）", "a non-ASCII digit (e.g. a superscript)"
    elif cat in ("Cn", "Co", "Cs", "Cf"):
        what_zh, what_en = "未分配、私用或格式字符", "an unassigned, private-use or format character"
    return IdCardFieldError(field_name, f"第 {position + 1} 个字符是{what_zh}（{_describe(ch)}）",
                            f"character {position + 1} is {what_en} ({_describe(ch)})")


def _check_chars(field_name: str, value: str, allowed: Any) -> None:
    for i, ch in enumerate(value):
        if not allowed(ch):
            raise _bad_char(field_name, ch, i)


def _is_text_char(ch: str) -> bool:
    """Address / authority text: letters of any script, ASCII or full-width digits, punctuation, spaces."""
    import unicodedata

    if ch in " \u3000" or "0" <= ch <= "9" or "\uff10" <= ch <= "\uff19":
        return True
    cat = unicodedata.category(ch)
    return cat in ("Lo", "Lu", "Ll", "Lt", "Lm") or cat.startswith("P")


def _is_name_char(ch: str) -> bool:
    """A person's name: letters of any script, the middle dots of transcribed names, space, comma, hyphen."""
    import unicodedata

    if ch in " ·•・‧,-.'，":
        return True
    return unicodedata.category(ch) in ("Lo", "Lu", "Ll", "Lt", "Lm")


def _is_latin_name_char(ch: str) -> bool:
    return ("A" <= ch <= "Z") or ("a" <= ch <= "z") or ch in " ,-.'"


def _is_alnum_ascii(ch: str) -> bool:
    return ("0" <= ch <= "9") or ("A" <= ch <= "Z") or ("a" <= ch <= "z")


def _text_fields(text: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    for name, width in layout:
        chunk = text[pos:pos + width]
        pos += width
        try:
            value = chunk.decode("utf-16-le")
        except UnicodeDecodeError as exc:
            raise IdCardFieldError(name, "不是有效的 UCS-2 文字", "is not UCS-2 text") from exc
        # right-padded with spaces (some readers pad with NULs): strip the padding only; what is
        # left must be the value itself, so a NUL or control character inside it is refused below
        out[name] = value.rstrip(" \x00")
    return out


def _date(value: str, field_name: str, today: date | None = None) -> date:
    bad = next((i for i, c in enumerate(value) if not "0" <= c <= "9"), None)
    if bad is not None:
        raise _bad_char(field_name, value[bad], bad)
    if len(value) != 8:
        raise IdCardFieldError(field_name, f"不是 YYYYMMDD 格式的日期：{value!r}",
                               f"is not a YYYYMMDD date: {value!r}")
    try:
        result = date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise IdCardFieldError(field_name, f"不是有效日期：{value!r}", f"is not a valid date: {value!r}") from exc
    if result.year < 1880:
        raise IdCardFieldError(field_name, f"年份不合理：{value!r}", f"has an impossible year: {value!r}")
    if today is not None and result > today:
        raise IdCardFieldError(field_name, f"日期晚于今天：{value!r}", f"lies in the future: {value!r}")
    return result


def _digits_field(f: dict[str, str], name: str, *, allow_empty: bool = True) -> str:
    value = f.get(name, "")
    if not value and allow_empty:
        return value
    if not _ascii_digits(value):
        bad = next((i for i, c in enumerate(value) if not "0" <= c <= "9"), None)
        if bad is None:
            raise IdCardFieldError(name, "为空", "is empty")
        raise _bad_char(name, value[bad], bad)
    return value


def card_type_of(text: bytes) -> str:
    """The card type the station files ("resident", "hmt_residence", "foreign_permanent")."""
    return LAYOUT_INFO[layout_of(text)][0]


def layout_of(text: bytes) -> str:
    if len(text) != TEXT_LEN:
        raise IdCardFormatError(f"text block is {len(text)} bytes, expected {TEXT_LEN}")
    marker = text[CARD_TYPE_OFFSET:CARD_TYPE_OFFSET + 2].decode("utf-16-le", "replace")
    if marker in ("\x00", ""):
        marker = " "
    if marker not in MARKER_LAYOUTS:
        raise IdCardFieldError("card_type", f"不支持的证件类型标识 {marker!r}",
                               f"unsupported card type marker {marker!r}")
    return MARKER_LAYOUTS[marker]


def _validity(f: dict[str, str], today: date | None) -> tuple[date, date | None]:
    valid_from = _date(f["valid_from"], "valid_from", today)
    valid_to = None if f["valid_to"] == LONG_TERM else _date(f["valid_to"], "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise IdCardFieldError("valid_to", "早于有效期起始日期", "precedes the valid-from date")
    return valid_from, valid_to


def _check_name(f: dict[str, str], name: str = "name", *, required: bool = True) -> str:
    value = f.get(name, "")
    if not value and required:
        raise IdCardFieldError(name, "为空", "is empty")
    _check_chars(name, value, _is_name_char)
    return value


def _check_citizen_number(f: dict[str, str], birth: str) -> str:
    number = f["id_number"]
    _check_chars("id_number", number, lambda c: "0" <= c <= "9" or c in "Xx")
    if not id_number_valid(number):
        raise IdCardFieldError("id_number", f"{number!r} 未通过 GB 11643 校验",
                               f"{number!r} fails the GB 11643 check")
    if number[6:14] != birth:
        raise IdCardFieldError("id_number", "号码中的出生日期与出生日期栏不一致",
                               "the birth date in the number disagrees with the birth-date field")
    return number


def parse_text(text: bytes, today: date | None = None) -> IdCardData:
    """Decode the 256-byte UCS-2LE text block of any supported card type.

    Every field is checked for the characters it may hold; the first one that fails raises
    IdCardFieldError naming the field and the reason (Chinese and English). `today`, when given,
    also refuses birth and valid-from dates in the future."""
    layout = layout_of(text)
    card_type = LAYOUT_INFO[layout][0]
    f = _text_fields(text, LAYOUTS[layout])
    sex = f.get("sex", "")
    allowed_sex = ("1", "2") if card_type == "foreign_permanent" else tuple(SEX_LABELS)
    if sex not in allowed_sex:
        raise IdCardFieldError("sex", f"性别代码 {sex!r} 不在 {'/'.join(allowed_sex)} 之中",
                               f"sex code {sex!r} is not {'/'.join(allowed_sex)}")
    birth = _date(f["birth_date"], "birth_date", today)
    valid_from, valid_to = _validity(f, today)
    if card_type == "foreign_permanent":
        return _parse_foreign(f, layout, birth, valid_from, valid_to, text)
    name = _check_name(f)
    number = _check_citizen_number(f, f["birth_date"])
    address = f["address"]
    _check_chars("address", address, _is_text_char)
    authority = f["authority"]
    _check_chars("authority", authority, _is_text_char)
    nation = f.get("nation", "")
    extra: dict[str, str] = {}
    if card_type == "resident":
        if nation not in NATION_NAMES:
            raise IdCardFieldError("nation", f"民族代码 {nation!r} 不是 GB 3304 代码",
                                   f"nation code {nation!r} is not a GB 3304 code")
    else:
        if number[:2] not in _HMT_PREFIXES:
            raise IdCardFieldError("id_number", f"居住证号码 {number!r} 不以 81/82/83 开头",
                                   f"residence permit number {number!r} does not start with 81/82/83")
        pass_number = f["pass_number"]
        if not pass_number:
            raise IdCardFieldError("pass_number", "为空", "is empty")
        _check_chars("pass_number", pass_number, _is_alnum_ascii)
        extra = {"pass_number": pass_number, "issue_count": _digits_field(f, "issue_count"),
                 "region": _HMT_PREFIXES[number[:2]]}
    return IdCardData(name=name, sex=sex, nation=nation, birth_date=birth, address=address,
                      id_number=number, authority=authority, valid_from=valid_from,
                      valid_to=valid_to, card_type=card_type, extra=extra, layout=layout)


def _parse_foreign(f: dict[str, str], layout: str, birth: date, valid_from: date,
                   valid_to: date | None, text: bytes) -> IdCardData:
    nationality = f["nationality"]
    if not (len(nationality) == 3 and all("A" <= c <= "Z" for c in nationality)):
        raise IdCardFieldError("nationality", f"{nationality!r} 不是三位大写字母的国家代码",
                               f"{nationality!r} is not a three-letter country code")
    name = _check_name(f, "name", required=False)
    english = _check_name(f, "english_name", required=False)
    _check_chars("english_name", english, _is_latin_name_char)
    number = f["id_number"]
    if layout == "foreign_permanent_2023":
        ext = f["english_name_ext"]
        _check_chars("english_name_ext", ext, _is_latin_name_char)
        if ext:  # characters 36-46 continue the first 35 as they are (a space at 35 included)
            english = text[52:122].decode("utf-16-le") + ext
        _check_chars("id_number", number, lambda c: "0" <= c <= "9" or c in "Xx")
        if not (len(number) == 18 and number[0] == "9" and id_number_valid(number)):
            raise IdCardFieldError("id_number", f"{number!r} 不是以 9 开头并通过校验的 18 位号码",
                                   f"{number!r} is not an 18-character number starting with 9 that "
                                   "passes the GB 11643 check")
        if number[6:14] != f["birth_date"]:
            raise IdCardFieldError("id_number", "号码中的出生日期与出生日期栏不一致",
                                   "the birth date in the number disagrees with the birth-date field")
        link = f["previous_number_link"]
        _check_chars("previous_number_link", link, _is_alnum_ascii)
        extra = {"english_name": english, "renewal_count": _digits_field(f, "renewal_count"),
                 "previous_number_link": link, "edition": "2023"}
        authority = ""
    else:
        if not (len(number) == 15 and all("A" <= c <= "Z" for c in number[:3])
                and _ascii_digits(number[3:])):
            bad = next((i for i, c in enumerate(number) if not _is_alnum_ascii(c)), None)
            if bad is not None:
                raise _bad_char("id_number", number[bad], bad)
            raise IdCardFieldError("id_number", f"永久居留证号码 {number!r} 格式错误（应为3位字母+12位数字）",
                                   f"permanent residence card number {number!r} is malformed "
                                   "(3 letters + 12 digits)")
        authority = _digits_field(f, "authority_code")
        extra = {"english_name": english, "card_version": _digits_field(f, "card_version"),
                 "authority_code": authority, "edition": "2017"}
    if not (name or english):
        raise IdCardFieldError("name", "中文姓名和英文姓名均为空", "both the Chinese and the English name are empty")
    return IdCardData(name=name or english, sex=f["sex"], nation=nationality, birth_date=birth,
                      address="", id_number=number, authority=authority, valid_from=valid_from,
                      valid_to=valid_to, card_type="foreign_permanent", extra=extra, layout=layout)


def parse_appended_address(data: bytes) -> str | None:
    """The data of a 30 03 response with SW3 90: 70 bytes UCS-2LE; all padding means no address."""
    if len(data) != ADDR_LEN:
        raise IdCardFieldError("appended_address", f"长度为 {len(data)} 字节，应为 {ADDR_LEN}",
                               f"is {len(data)} bytes, expected {ADDR_LEN}")
    value = _text_fields(data, (("appended_address", ADDR_LEN),))["appended_address"]
    _check_chars("appended_address", value, _is_text_char)
    return value or None


def parse_read_data(data: bytes, with_fingerprint: bool, today: date | None = None) -> IdCardData:
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
    card = parse_text(text, today)
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
    """Field values (strings as on the card) -> the 256-byte text block of layout `card_type`."""
    layout = LAYOUTS[card_type]
    values = dict(fields)
    if card_type != "resident":
        values["card_type"] = CARD_TYPE_MARKERS[card_type]
    if card_type == "foreign_permanent_2023" and len(values.get("english_name", "")) > 35 \
            and "english_name_ext" not in values:
        name = values["english_name"]
        values["english_name"], values["english_name_ext"] = name[:35], name[35:]
    out = b"".join(_enc(values.get(name, ""), width, name) for name, width in layout)
    assert len(out) == TEXT_LEN
    return out


def encode_appended_address(address: str) -> bytes:
    """The 70-byte data of a 30 03 response."""
    return _enc(address, ADDR_LEN, "appended_address")


def encode_read_data(text: bytes, photo: bytes, fingerprint: bytes | None) -> bytes:
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is not None:
        head += len(fingerprint).to_bytes(2, "big")
        return head + text + photo + fingerprint
    return head + text + photo
