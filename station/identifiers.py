"""Identifiers: resident ID numbers (GB 11643-1999) and ISBT 128 donation identification numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from station.errors import ValidationError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_LEGACY_RE = re.compile(r"^\d{15}$")


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # "male" | "female", from the 17th digit
    region: str  # first six digits (administrative division code)


def _invalid(zh: str, en: str, number: str) -> ValidationError:
    return ValidationError(zh, en, code="INVALID_ID_NUMBER", details={"id_number_masked": mask_id(number)})


def convert_legacy_id(number15: str) -> str:
    """A 15-digit number (issued before 1999) as its 18-digit form: century 19 and a check digit."""
    if not _LEGACY_RE.match(number15):
        raise _invalid("15位身份证号码必须全部为数字", "A 15-digit ID number must be all digits", number15)
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + id_check_digit(first17)


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate a resident ID number and return its parts; 15-digit numbers are converted."""
    number = raw.strip().upper().replace(" ", "")
    if len(number) == 15:
        number = convert_legacy_id(number)
    if not _ID_RE.match(number):
        raise _invalid("身份证号码应为18位（最后一位可为X）", "An ID number has 18 characters (the last may be X)", number)
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise _invalid("身份证号码校验位错误，请核对号码", "The ID number's check digit is wrong; please check the number", number)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _invalid("身份证号码中的出生日期无效", "The birth date inside the ID number is not a real date", number) from None
    if birth.year < 1900 or (today is not None and birth > today):
        raise _invalid("身份证号码中的出生日期不合理", "The birth date inside the ID number is implausible", number)
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, birth_date=birth, sex=sex, region=number[:6])


def mask_id(number: str) -> str:
    """330106********1234: first six and last four shown (lists, reports, exports, logs)."""
    n = number.strip()
    if len(n) <= 10:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:]


def mask_phone(phone: str) -> str:
    p = phone.strip()
    return p[:3] + "****" + p[-4:] if len(p) >= 8 else "*" * len(p)


# --- ISBT 128 ---------------------------------------------------------------------------------

_MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_FACILITY_FIRST = set("ABCDEFGHIJKLMNPQRSTUVWXYZ123456789")  # A-N, P-Z, 1-9 (no O, no 0)
DIN_RE = re.compile(r"^[A-NP-Z1-9][A-Z0-9]{4}\d{2}\d{6}$")


def din_check_character(din13: str) -> str:
    """ISO/IEC 7064 MOD 37-2 keyboard check character over the 13 DIN characters."""
    s = 0
    for c in din13.upper():
        v = _MOD37_ALPHABET.find(c)
        if v < 0 or c == "*":
            raise ValidationError(f"献血条码含非法字符“{c}”", f"Invalid character '{c}' in the DIN",
                                  code="INVALID_DIN")
        s = ((s + v) * 2) % 37
    return _MOD37_ALPHABET[(38 - s) % 37]


def validate_facility_code(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 5 or code[0] not in _FACILITY_FIRST or not code[1:].isalnum():
        raise ValidationError(
            "机构代码应为5位，首位为A-N、P-Z或1-9",
            "The ISBT 128 facility code has 5 characters, the first one A-N, P-Z or 1-9",
            code="INVALID_FACILITY_CODE")
    return code


def format_din(facility: str, year: int, sequence: int) -> str:
    if not 0 < sequence <= 999_999:
        raise ValidationError("本年度献血条码序号已用尽", "The DIN sequence for this year is exhausted",
                              code="DIN_SEQUENCE_EXHAUSTED")
    return f"{validate_facility_code(facility)}{year % 100:02d}{sequence:06d}"


@dataclass(frozen=True)
class ScannedDin:
    din: str  # the 13 characters
    flags: str | None  # the two flag characters of data structure 001, when scanned from a barcode
    check: str | None  # the keyboard check character, when typed


def parse_din(raw: str) -> ScannedDin:
    """A scanned or typed DIN: `=` + DIN + flags (barcode, data structure 001), DIN + check, or DIN."""
    text = raw.strip().upper().replace(" ", "")
    flags = check = None
    if text.startswith("="):
        body = text[1:]
        if len(body) != 15:
            raise ValidationError("条码不是ISBT 128献血条码（数据结构001）",
                                  "Not an ISBT 128 DIN barcode (data structure 001)", code="INVALID_DIN")
        text, flags = body[:13], body[13:]
    elif len(text) == 14:
        text, check = text[:13], text[13]
    if not DIN_RE.match(text):
        raise ValidationError("献血条码格式错误", "The DIN is malformed", code="INVALID_DIN",
                              details={"value": raw})
    if check is not None and din_check_character(text) != check:
        raise ValidationError("献血条码校验字符错误，请重新输入", "The DIN's check character is wrong; re-enter it",
                              code="INVALID_DIN_CHECK", details={"value": raw})
    return ScannedDin(din=text, flags=flags, check=check)


def din_barcode_data(din13: str, flags: str = "00") -> str:
    """Data structure 001 as encoded in the barcode: `=` + DIN + two flag characters (no check char)."""
    return f"={din13}{flags}"


def classify_search(text: str) -> dict[str, str]:
    """What the clerk typed into a search box: an ID number, a DIN, a phone number or a name."""
    text = text.strip()
    for kind, parse in (("id_number", parse_resident_id), ("din", parse_din)):
        try:
            parse(text)
            return {kind: text}
        except ValidationError:
            pass
    digits = text.replace("-", "")
    if digits.isdigit() and 7 <= len(digits) <= 20:
        return {"phone": text}
    return {"name": text}
