"""HL7 v2.3.1 ORU^R01 over MLLP (Mindray BC series): framing, parsing and acknowledgements (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.analyzer.dialects import DIALECTS, Dialect
from devices.analyzer.results import (
    ALIASES,
    LOINC,
    ParsedSample,
    add_value,
    parse_timestamp,
    refuse,
    status_refusal,
    status_refusal_zh,
)

SB, EB, CR = b"\x0b", b"\x1c", b"\x0d"
MAX_MESSAGE = 1 << 20


class Hl7Error(ValueError):
    """A message that cannot be filed: answered AR (the message itself: MSH, type, version) or AE.

    `err_code` is an HL7 table 0357 code for the ERR segment; segment/sequence/field locate it."""

    def __init__(self, reason: str, control_id: str = "", *, ack_code: str = "AE", err_code: str = "207",
                 segment: str = "MSH", sequence: int = 1, field: int = 0) -> None:
        super().__init__(reason)
        self.control_id = control_id
        self.ack_code = ack_code
        self.err_code = err_code
        self.segment = segment
        self.sequence = sequence
        self.field = field


# HL7 table 0357 (message error condition codes) used in our ERR segments
ERR_TEXT = {"100": "Segment sequence error", "101": "Required field missing", "102": "Data type error",
            "103": "Table value not found", "200": "Unsupported message type", "203": "Unsupported version id",
            "207": "Application internal error"}


@dataclass(frozen=True)
class AckError:
    """One refusal, written as an ERR segment: where (segment^sequence^field), the 0357 code, the text."""

    segment: str
    sequence: int
    field: int
    code: str
    text: str


def control_id_of(raw: bytes) -> str:
    """MSH-10 read from the start of a message even when the rest cannot be parsed ('' if unreadable)."""
    head = raw[:2048].decode("latin-1")
    start = head.find("MSH")
    if start < 0 or len(head) < start + 8:
        return ""
    fs = head[start + 3]
    if fs.isalnum() or fs in "\r\n":
        return ""
    first = head[start:].replace("\n", "\r").split("\r", 1)[0]
    parts = first.split(fs)
    return parts[9].strip()[:64] if len(parts) > 9 else ""


def mllp_wrap(message: bytes) -> bytes:
    return SB + message + EB + CR


@dataclass(frozen=True)
class MllpItem:
    message: bytes | None  # None: an error (garbage or oversized block)
    raw: bytes
    error: str | None = None


class MllpDecoder:
    """Byte stream -> MLLP blocks; bytes outside blocks and oversized blocks are reported, not kept."""

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self.max_message = max_message
        self._buf = bytearray()
        self._in_block = False
        self._discarding = False
        self._prev_eb = False
        self._garbage = bytearray()

    def feed(self, data: bytes) -> list[MllpItem]:
        out: list[MllpItem] = []
        for value in data:
            b = bytes([value])
            if not self._in_block:
                if b == SB:
                    if self._garbage.strip(b"\r\n"):
                        out.append(MllpItem(None, bytes(self._garbage), "bytes outside an MLLP block"))
                    self._garbage.clear()
                    self._in_block = True
                    self._buf.clear()
                    self._discarding = False
                else:
                    self._garbage += b
                    if len(self._garbage) > 4096:
                        out.append(MllpItem(None, bytes(self._garbage), "bytes outside an MLLP block"))
                        self._garbage.clear()
                continue
            if b == SB:  # a new block began before the end of this one: the previous was cut
                out.append(MllpItem(None, bytes(self._buf[:256]), "MLLP block cut short"))
                self._buf.clear()
                self._discarding = False
                self._prev_eb = False
                continue
            if b == CR and self._prev_eb:
                self._in_block = False
                self._prev_eb = False
                if self._discarding:
                    out.append(MllpItem(None, bytes(self._buf[:256]),
                                        f"message longer than {self.max_message} bytes"))
                else:
                    body = bytes(self._buf[:-1])
                    out.append(MllpItem(body, SB + body + EB + CR))
                self._buf.clear()
                self._discarding = False
                continue
            self._prev_eb = b == EB
            if self._discarding:
                continue
            self._buf += b
            if len(self._buf) > self.max_message + 1:
                self._discarding = True
        return out


    def flush(self, *, partial: bool) -> list[MllpItem]:
        """What is left when the line goes quiet or closes: stray bytes outside a block (reported),
        and with `partial` a block that never ended (reported as cut short); nothing is kept."""
        out: list[MllpItem] = []
        if self._garbage.strip(b"\r\n"):
            out.append(MllpItem(None, bytes(self._garbage), "bytes outside an MLLP block"))
        self._garbage.clear()
        if partial and self._in_block:
            out.append(MllpItem(None, bytes(SB + self._buf[:256]), "MLLP block cut short (no end before the "
                                "line went quiet or closed)"))
            self._in_block = self._discarding = self._prev_eb = False
            self._buf.clear()
        return out


@dataclass
class Hl7Message:
    segments: list[list[str]]
    field_sep: str
    component_sep: str
    repetition_sep: str
    escape: str
    subcomponent_sep: str
    control_id: str
    message_type: str
    processing_id: str
    version: str
    sending_application: str
    sending_facility: str


def decode_text(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Hl7Error("message is neither UTF-8 nor GB18030 text", control_id_of(raw), ack_code="AR",
                   err_code="102")


def parse_hl7(raw: bytes) -> Hl7Message:
    text = decode_text(raw)
    segments_text = [s for s in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if s.strip()]
    if not segments_text or not segments_text[0].startswith("MSH") or len(segments_text[0]) < 8:
        raise Hl7Error("message does not start with an MSH segment", control_id_of(raw), ack_code="AR",
                       err_code="100")
    msh = segments_text[0]
    fs = msh[3]
    enc = msh[4:].split(fs, 1)[0]
    if len(enc) < 4 or fs.isalnum() or len(set(enc[:4] + fs)) != 5:
        raise Hl7Error(f"invalid encoding characters {enc!r}", control_id_of(raw), ack_code="AR",
                       err_code="102", field=2)
    segments = [s.split(fs) for s in segments_text]
    # MSH-1 is the separator itself, so MSH-n is index n-1 of the split; we insert it to align
    segments[0] = ["MSH", fs] + segments[0][1:]
    for seg in segments:
        if len(seg[0]) != 3 or not seg[0].isalnum() or not seg[0].isupper():
            raise Hl7Error(f"bad segment name {seg[0][:10]!r}", control_id_of(raw), ack_code="AR",
                           err_code="100", segment=seg[0][:3])

    def header(n: int) -> str:
        return segments[0][n] if n < len(segments[0]) else ""

    control_id = header(10).strip()[:64]
    msg = Hl7Message(segments, fs, enc[0], enc[1], enc[2], enc[3], control_id,
                     header(9), header(11), header(12), header(3), header(4))
    if not control_id:
        raise Hl7Error("MSH-10 (message control id) is empty", ack_code="AR", err_code="101", field=10)
    return msg


def _field(seg: list[str], n: int) -> str:
    return seg[n] if n < len(seg) else ""


def unescape(value: str, msg: Hl7Message) -> str:
    e = msg.escape
    if e not in value:
        return value
    return (value.replace(f"{e}F{e}", msg.field_sep).replace(f"{e}S{e}", msg.component_sep)
            .replace(f"{e}R{e}", msg.repetition_sep).replace(f"{e}T{e}", msg.subcomponent_sep)
            .replace(f"{e}E{e}", e))


def _unit(field: str, msg: Hl7Message) -> str:
    """OBX-6 (CE: identifier^text^system) -> the unit. Analyzers often write a power of ten with an
    unescaped component separator ("10^9/L" rather than "10\\S\\9/L" or "10*9/L"): a purely numeric
    first component followed by one starting with a digit is that unit, put back together."""
    parts = field.split(msg.component_sep)
    if len(parts) > 1 and parts[0].strip().isdigit() and parts[1][:1].isdigit():
        return unescape(f"{parts[0]}^{parts[1]}", msg)
    return unescape(parts[0], msg)


def _sample_id(msg: Hl7Message, pid: list[str] | None, obr: list[str], dialect: Dialect) -> str:
    cs = msg.component_sep
    for spec in dialect.hl7_sample_fields:
        name, n = spec.split("-")
        seg = obr if name == "OBR" else pid
        if seg is None:
            continue
        value = unescape(_field(seg, int(n)).split(msg.repetition_sep)[0].split(cs)[0].strip(), msg)
        if value:
            return value
    return ""


def parse_oru(raw: bytes, dialect: Dialect | None = None) -> tuple[Hl7Message, list[ParsedSample]]:
    """An ORU^R01 -> one ParsedSample per OBR, or Hl7Error (with the control id when known).

    Parsed by hand rather than with hl7apy: hl7apy validates against the HL7 reference structures of
    the declared version and refuses (or silently regroups) exactly the vendor deviations the
    dialects must accept: Mindray's unescaped '^' in OBX-6 ("10^9/L"), HemoScreen's sample id in
    PID-2 beside an OBR without one, OBX before PID on some firmware, GB18030 text, and custom
    encoding characters. hl7apy is used where the structure is ours: the ACKs we build are
    checked with it in the tests."""
    dialect = dialect or DIALECTS["generic-hl7"]
    msg = parse_hl7(raw)
    cs = msg.component_sep
    mtype = msg.message_type.split(cs)
    if mtype[0] != "ORU" or (len(mtype) > 1 and mtype[1] not in ("R01", "")):
        raise Hl7Error(f"message type {msg.message_type!r} is not ORU^R01", msg.control_id, ack_code="AR",
                       err_code="200", field=9)
    if not msg.version.startswith("2."):
        raise Hl7Error(f"HL7 version {msg.version!r} is not 2.x", msg.control_id, ack_code="AR",
                       err_code="203", field=12)
    processing = msg.processing_id.split(cs)[0].strip().upper()
    instrument = msg.sending_application.split(cs)[0] or msg.sending_facility.split(cs)[0] or "unknown"
    samples: list[ParsedSample] = []
    current: ParsedSample | None = None
    pid: list[str] | None = None
    obr_count = 0
    for index, seg in enumerate(msg.segments[1:], start=2):
        name = seg[0]
        if name == "PID":
            pid = seg
        elif name == "OBR":
            obr_count += 1
            sample_id = _sample_id(msg, pid, seg, dialect)
            if not sample_id:
                where = " / ".join(dialect.hl7_sample_fields)
                raise Hl7Error(f"OBR without a sample id ({where}; dialect {dialect.name})", msg.control_id,
                               err_code="101", segment="OBR", sequence=obr_count,
                               field=int(dialect.hl7_sample_fields[0].split("-")[1]))
            is_qc = processing == "Q" or sample_id.upper().startswith("QC")
            current = ParsedSample(sample_id, instrument, is_qc, parse_timestamp(_field(seg, 7)))
            samples.append(current)
        elif name == "OBX":
            if current is None:
                raise Hl7Error("OBX before any OBR", msg.control_id, err_code="100", segment="OBX", sequence=1)
            sequence = int(_field(seg, 1)) if _field(seg, 1).strip().isdigit() and len(_field(seg, 1)) < 6 \
                else index
            # OBX-3 as identifier^text^system^alternate id^alternate text: a LOINC code or a known
            # local name in any component ("718-7^HGB^LN", "HGB^Hemoglobin^L", "^HB")
            ident = [c.strip() for c in _field(seg, 3).split(cs)]
            analyte = next((a for c in ident for a in (LOINC.get(c), dialect.test_codes.get(c.upper()),
                                                       ALIASES.get(c.upper())) if a), None)
            if analyte is None:
                continue  # other parameters stay in the raw message
            if _field(seg, 2).strip() not in ("NM", ""):
                refuse(current, analyte, f"{analyte}: value type {_field(seg, 2)[:10]!r} is not NM",
                       ("OBX", sequence, 2), "102", zh=f"{analyte}：数值类型 {_field(seg, 2)[:10]!r} 不是 NM")
                continue
            status = _field(seg, 11).strip().upper()
            if status not in ("", "F", "C"):
                refuse(current, analyte, status_refusal(analyte, status), ("OBX", sequence, 11), "207",
                       zh=status_refusal_zh(analyte, status))
                continue
            add_value(current, analyte, unescape(_field(seg, 5), msg), _unit(_field(seg, 6), msg),
                      unescape(_field(seg, 8), msg), dialect, ("OBX", sequence, 5))
            when = parse_timestamp(_field(seg, 14))
            if when is not None and current.measured_at is None:
                current.measured_at = when
    if not samples:
        raise Hl7Error("ORU without an OBR segment", msg.control_id, err_code="100", segment="OBR", sequence=1)
    return msg, samples


def ack_errors(sample: ParsedSample) -> list[AckError]:
    """The ERR segments for what was refused of one sample."""
    out = []
    for analyte, reason in sample.rejected.items():
        segment, sequence, fld, code = sample.refused_at.get(analyte, ("OBX", 0, 0, "207"))
        out.append(AckError(segment or "OBX", sequence, fld, code, f"sample {sample.sample_id}: {reason}"))
    return out


def _ack_text(text: str) -> str:
    return "".join(c if c.isprintable() and c not in "|^~\\&" else " " for c in text)


def build_ack(control_id: str, code: str = "AA", text: str = "", *, original: Hl7Message | None = None,
              now: datetime | None = None, ack_id: str | None = None,
              errors: list[AckError] | None = None) -> bytes:
    """MSH + MSA (AA accepted, AE error, AR rejected) for the message with `control_id`, and one ERR
    per refusal: ERR-1 in the v2.3.1 layout (segment^sequence^field^code&text) that Mindray-era
    receivers read, ERR-2 (location), ERR-3 (table 0357 code), ERR-4 (severity E), ERR-7
    (diagnostic text) and ERR-8 (the text for the user) in the v2.5 layout."""
    when = (now or datetime.now()).strftime("%Y%m%d%H%M%S")
    receiving_app = original.sending_application if original else ""
    receiving_fac = original.sending_facility if original else ""
    version = original.version if original and original.version else "2.3.1"
    msh = (f"MSH|^~\\&|STATION|BLOODCENTRE|{_ack_text(receiving_app)}|{_ack_text(receiving_fac)}|{when}||"
           f"ACK^R01|{ack_id or 'ACK' + when}|P|{_ack_text(version)}")
    text = _ack_text(text)[:80]
    msa = f"MSA|{code}|{_ack_text(control_id)}" + (f"|{text}" if text else "")
    lines = [msh, msa]
    for e in errors or []:
        label = ERR_TEXT.get(e.code, "Application error")
        detail = _ack_text(e.text)[:200]
        segment = "".join(c for c in e.segment if c.isascii() and c.isalnum())[:3] or "MSH"
        lines.append(f"ERR|{segment}^{e.sequence}^{e.field}^{e.code}&{label}|{segment}^{e.sequence}^{e.field}|"
                     f"{e.code}^{label}^HL70357|E|||{detail}|{detail}")
    return ("\r".join(lines) + "\r").encode("utf-8")


def build_oru(sample_id: str, values: dict[str, tuple[str, str]], *, control_id: str,
              qc: bool = False, when: datetime | None = None, instrument: str = "BC-5390") -> bytes:
    """An ORU^R01 as a Mindray BC sends it (used by the simulator and the tests)."""
    ts = (when or datetime.now()).strftime("%Y%m%d%H%M%S")
    codes = {v: k for k, v in LOINC.items()}
    lines = [f"MSH|^~\\&|{instrument}|Mindray|||{ts}||ORU^R01|{control_id}|{'Q' if qc else 'P'}|2.3.1||||||UNICODE",
             "PID|1||^^^^MR",
             "PV1|1",
             f"OBR|1||{sample_id}|00001^Automated Count^99MRC||{ts}|{ts}"]
    for i, (name, (value, unit)) in enumerate(values.items(), start=1):
        lines.append(f"OBX|{i}|NM|{codes.get(name, '')}^{name}^LN||{value}|{unit}|||||F|||{ts}")
    return ("\r".join(lines) + "\r").encode("utf-8")
