"""ZPL II for an ISBT 128 donation label (pure: LabelData -> ZPL text)."""
from __future__ import annotations

import re
from dataclasses import dataclass

DIN_RE = re.compile(r"^[A-NP-Z1-9][0-9]{4}[0-9]{2}[0-9]{6}$")
FLAGS_RE = re.compile(r"^[0-9A-Z]{2}$")
_MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"


class LabelError(ValueError):
    pass


def _mod37_2(din: str) -> str:
    """ISO/IEC 7064 MOD 37-2 keyboard check character (re-verification only; the caller computes it)."""
    s = 0
    for c in din:
        s = ((s + _MOD37_ALPHABET.index(c)) * 2) % 37
    return _MOD37_ALPHABET[(38 - s) % 37]


@dataclass(frozen=True)
class LabelData:
    """Everything printed, as plain strings; the product code comes from site configuration."""

    din: str  # 13 characters
    flags: str  # 2 flag characters of data structure 001
    check_char: str  # MOD 37-2 over the DIN, printed boxed, never in the barcode
    abo_rhd: str  # e.g. "O RhD+" / "A RhD-" (eye-readable)
    product_code: str  # ISBT 128 product code, e.g. "E3090V00"
    collection_date: str  # e.g. "2024-06-27"
    product_name: str = "APHERESIS PLATELETS"
    facility: str = ""

    def validate(self) -> None:
        if not DIN_RE.match(self.din):
            raise LabelError(f"DIN {self.din!r} is not 13 characters αppppyynnnnnn")
        if not FLAGS_RE.match(self.flags):
            raise LabelError(f"flag characters {self.flags!r} are not two of 0-9/A-Z")
        if self.check_char != _mod37_2(self.din):
            raise LabelError(f"check character {self.check_char!r} does not match DIN {self.din}")
        if not re.match(r"^[A-Z][0-9A-Z]{4}[0-9A-Z]{3}$", self.product_code):
            raise LabelError(f"product code {self.product_code!r} is not an ISBT 128 product code")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", self.collection_date):
            raise LabelError(f"collection date {self.collection_date!r} is not YYYY-MM-DD")


def _fd(text: str) -> str:
    """Field data with ZPL's control characters (^ and ~) removed: they would start commands."""
    return text.replace("^", " ").replace("~", " ")


def build_label_zpl(label: LabelData, dpi: int = 203) -> str:
    """A 100 x 50 mm label: DIN Code 128 (=DIN+flags), eye-readable DIN, flags, boxed check
    character, ABO/RhD, product code (=< + code) and the collection date."""
    label.validate()
    dots = dpi / 25.4
    x = lambda mm: round(mm * dots)
    din_text = f"{label.din[0:5]} {label.din[5:7]} {label.din[7:13]}"
    lines = [
        "^XA",
        "^CI28",  # UTF-8 field data
        f"^PW{x(100)}",
        f"^LL{x(50)}",
        "^LH0,0",
        # DIN barcode: data structure 001 is '=' + DIN + flags; Code 128 auto subset (">:" start B)
        f"^FO{x(4)},{x(3)}^BY2,3,{x(12)}^BCN,{x(12)},N,N,N,A^FD={label.din}{label.flags}^FS",
        f"^FO{x(4)},{x(17)}^A0N,{x(5)},{x(5)}^FD{din_text}^FS",
        f"^FO{x(52)},{x(17)}^A0R,{x(3)},{x(3)}^FD{label.flags}^FS",
        f"^FO{x(57)},{x(16)}^GB{x(7)},{x(7)},2^FS",
        f"^FO{x(58.5)},{x(17)}^A0N,{x(5)},{x(5)}^FD{label.check_char}^FS",
        f"^FO{x(70)},{x(3)}^A0N,{x(10)},{x(8)}^FD{_fd(label.abo_rhd)}^FS",
        f"^FO{x(4)},{x(26)}^BY2,3,{x(10)}^BCN,{x(10)},N,N,N,A^FD=<{label.product_code}^FS",
        f"^FO{x(4)},{x(38)}^A0N,{x(4)},{x(4)}^FD{_fd(label.product_name)} {label.product_code}^FS",
        f"^FO{x(4)},{x(44)}^A0N,{x(4)},{x(4)}^FDCOLLECTED {label.collection_date}^FS",
    ]
    if label.facility:
        lines.append(f"^FO{x(60)},{x(44)}^A0N,{x(3)},{x(3)}^FD{_fd(label.facility)}^FS")
    lines.append("^PQ1")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class HostStatus:
    """The parts of a Zebra ~HS answer that stop printing."""

    paper_out: bool
    paused: bool
    head_open: bool
    ribbon_out: bool

    @property
    def ready(self) -> bool:
        return not (self.paper_out or self.paused or self.head_open or self.ribbon_out)

    def problems(self) -> tuple[str, str]:
        zh, en = [], []
        for flag, z, e in ((self.paper_out, "缺纸", "paper out"), (self.paused, "暂停", "paused"),
                           (self.head_open, "打印头打开", "head open"),
                           (self.ribbon_out, "色带用完", "ribbon out")):
            if flag:
                zh.append(z)
                en.append(e)
        return "、".join(zh), ", ".join(en)


def parse_host_status(data: bytes) -> HostStatus:
    """~HS reply: three STX ... ETX strings; string 1 field 2 = paper out, 3 = pause;
    string 2 field 3 = head up, field 4 = ribbon out."""
    strings = re.findall(rb"\x02([^\x03]*)\x03", data)
    if len(strings) < 2:
        raise LabelError("incomplete ~HS status")
    one = strings[0].decode("ascii", "replace").split(",")
    two = strings[1].decode("ascii", "replace").split(",")
    if len(one) < 3 or len(two) < 4:
        raise LabelError("malformed ~HS status")
    return HostStatus(one[1] == "1", one[2] == "1", two[2] == "1", two[3] == "1")


def host_status_reply(paper_out: bool = False, paused: bool = False, head_open: bool = False,
                      ribbon_out: bool = False) -> bytes:
    """What a Zebra printer answers to ~HS (the simulator uses it)."""
    s1 = f"\x02030,{int(paper_out)},{int(paused)},1245,000,0,0,0,000,0,0,0\x03\r\n"
    s2 = f"\x02001,0,{int(head_open)},{int(ribbon_out)},0,2,4,0,00000000,1,000\x03\r\n"
    s3 = "\x021234,0\x03\r\n"
    return (s1 + s2 + s3).encode("ascii")
