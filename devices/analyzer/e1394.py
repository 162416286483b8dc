"""ASTM E1394 record parser: message text -> records -> one ParsedSample per order (Sysmex XN ids)."""
from __future__ import annotations

from dataclasses import dataclass

from devices.analyzer.dialects import DIALECTS, Dialect
from devices.analyzer.results import (
    ALIASES,
    ParsedSample,
    add_value,
    parse_timestamp,
    refuse,
    status_refusal,
    status_refusal_zh,
)


class AstmMessageError(ValueError):
    """A message that cannot be filed (bad header, missing terminator, unusable order)."""


@dataclass(frozen=True)
class Delimiters:
    field: str = "|"
    repeat: str = "\\"
    component: str = "^"
    escape: str = "&"


@dataclass(frozen=True)
class Record:
    type: str
    fields: tuple[str, ...]

    def get(self, n: int) -> str:
        """E1394 field number n (n=1 is the record type)."""
        return self.fields[n - 1] if 0 < n <= len(self.fields) else ""


def split_records(text: str) -> list[str]:
    return [r for r in text.replace("\n", "\r").split("\r") if r]


def delimiters_of(header: str) -> Delimiters:
    if len(header) < 5 or header[0] != "H":
        raise AstmMessageError("message does not start with an H record")
    d = Delimiters(header[1], header[2], header[3], header[4])
    chars = (d.field, d.repeat, d.component, d.escape)
    if len(set(chars)) != 4 or any(c.isalnum() or c in "\r\n " for c in chars):
        raise AstmMessageError(f"invalid delimiter definition {header[1:5]!r}")
    return d


def unescape(value: str, d: Delimiters) -> str:
    e = d.escape
    if e not in value:
        return value
    return (value.replace(f"{e}F{e}", d.field).replace(f"{e}S{e}", d.component)
            .replace(f"{e}R{e}", d.repeat).replace(f"{e}E{e}", e))


def parse_records(text: str) -> tuple[Delimiters, list[Record]]:
    lines = split_records(text)
    if not lines:
        raise AstmMessageError("empty message")
    d = delimiters_of(lines[0])
    records: list[Record] = []
    for i, line in enumerate(lines):
        if i == 0:
            fields = ["H", line[1:5]] + line[5:].split(d.field)[1:]
        else:
            fields = line.split(d.field)
        rtype = fields[0][:1].upper()
        if rtype not in "HPOROCQML" or not fields[0]:
            raise AstmMessageError(f"unknown record type {fields[0]!r}")
        records.append(Record(rtype, tuple(fields)))
    return d, records


def _components(value: str, d: Delimiters) -> list[str]:
    return value.split(d.component)


def _test_name(test_id: str, d: Delimiters) -> str:
    comps = _components(test_id, d)
    # universal test id: the local code starts at the 4th component; Sysmex puts it in the 5th
    for comp in comps[3:] + comps[:3]:
        if comp.strip():
            return comp.strip()
    return ""


def _sample_id(order: Record, d: Delimiters, dialect: Dialect) -> str:
    """The sample id of an O record, where the dialect says it is.

    Sysmex writes O.3 as ^^sample^attribute or rack^tube^sample^attribute: the 3rd component.
    Without a dialect that names the component, the id is the only filled one of the first three
    components (a 4th and later ones are attributes such as Sysmex's B/M/A); several filled ones
    are refused (taking the first would file the rack number as the sample id). An empty O.3
    falls back to O.4 (instrument specimen id) under the same rule."""
    for n in (3, 4):
        value = order.get(n).split(d.repeat)[0]
        comps = [c.strip() for c in _components(value, d)]
        if not any(comps):
            continue
        k = dialect.astm_sample_component
        if k:
            if len(comps) < k or not comps[k - 1]:
                raise AstmMessageError(f"O.{n} {value.strip()[:40]!r} has no sample id in component {k} "
                                       f"(dialect {dialect.name})")
            return comps[k - 1]
        filled = [c for c in comps[:3] if c]
        if not filled:
            raise AstmMessageError(f"O.{n} {value.strip()[:40]!r} has no sample id in its first three "
                                   "components")
        if len(filled) > 1:
            raise AstmMessageError(f"O.{n} {value.strip()[:40]!r} holds several ids (rack^tube^sample?): "
                                   "set the analyzer's dialect so the station knows which is the sample id")
        return filled[0]
    return ""


ACCEPTED_STATUS = {"", "F", "C"}
NORMAL_TERMINATION = {"", "N", "F"}


def parse_message(text: str, dialect: Dialect | None = None) -> list[ParsedSample]:
    """One E1394 message (H ... L) -> one ParsedSample per order record, or AstmMessageError."""
    dialect = dialect or DIALECTS["generic-astm"]
    d, records = parse_records(text)
    if records[-1].type != "L":
        raise AstmMessageError("message has no L (terminator) record")
    termination = records[-1].get(3).strip().upper()
    if termination not in NORMAL_TERMINATION:
        raise AstmMessageError(f"message terminated abnormally (L.3 = {termination!r})")
    header = records[0]
    sender = _components(header.get(5), d)
    instrument = "^".join(c for c in sender[:3] if c).strip() or "unknown"
    processing_id = header.get(12).strip().upper()
    samples: list[ParsedSample] = []
    current: ParsedSample | None = None
    for record in records[1:-1]:
        if record.type == "O":
            sample_id = unescape(_sample_id(record, d, dialect), d)
            if not sample_id:
                raise AstmMessageError("order record without a sample id")
            action = record.get(12).strip().upper()
            is_qc = action == "Q" or processing_id == "Q" or sample_id.upper().startswith("QC")
            current = ParsedSample(sample_id, instrument, is_qc, parse_timestamp(record.get(8)))
            samples.append(current)
        elif record.type == "R":
            if current is None:
                raise AstmMessageError("result record before any order record")
            name = _test_name(record.get(3), d).upper()
            analyte = dialect.test_codes.get(name) or ALIASES.get(name)
            if analyte is None:
                continue  # an analyte the station does not file (RBC, NEUT#...) stays in the raw message
            status = record.get(9).strip().upper()
            if status not in ACCEPTED_STATUS:
                refuse(current, analyte, status_refusal(analyte, status), zh=status_refusal_zh(analyte, status))
                continue
            add_value(current, analyte, unescape(record.get(4), d), unescape(record.get(5), d),
                      record.get(7), dialect)
            when = parse_timestamp(record.get(13))
            if when is not None and current.measured_at is None:
                current.measured_at = when
    if not samples:
        raise AstmMessageError("message holds no order (sample) record")
    return samples


def split_messages(text: str) -> list[str]:
    """A transfer may carry several messages: split before each H record."""
    messages: list[list[str]] = []
    for line in split_records(text):
        if line.startswith("H") or not messages:
            messages.append([])
        messages[-1].append(line)
    return ["\r".join(m) + "\r" for m in messages]
