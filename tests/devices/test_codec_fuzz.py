"""Fuzzing of the analyzer and separator codecs (issue 20, deliverable 5).

Every codec either returns its result or raises its own refusal type (FrameError, AstmMessageError,
Hl7Error, SeparatorDataError); nothing else may escape (decimal.Overflow, OverflowError, ValueError,
RecursionError, IndexError ... were how the station crashed). Messages are generated from the
protocols' grammar with hostile values in every field. The quick runs are part of the suite; the long
runs (`pytest -m slow tests/devices/test_codec_fuzz.py`, 5,000 examples each, about 4 minutes per codec on
one core) are bounded by their example counts."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.analyzer import astm, e1394, hl7
from devices.analyzer.dialects import DIALECTS
from devices.analyzer.driver import Hl7Session
from devices.separator.adapters import JsonLinesAdapter
from devices.separator.model import SeparatorDataError

HOSTILE = ["1E+999999999", "1e-999999999", "NaN", "nan", "Infinity", "-inf", "sNaN", "\x00", "10^999",
           "1" + "0" * 400, "9" * 40, "²³", "١٢٣", "１２３", "0x10", "1_000", "", " ", "-0", "+.5", "5.",
           "1,5", "0,2", "1.234,5", "1.2.3", "1e5", "1E3", "\u202e12", "1\x00", "😀", "-1", "999999",
           "0.0000000000000000000000001", "12" * 200]
UNITS = ["g/dL", "g/L", "%", "L/L", "10*3/uL", "10^9/L", "10*9/L", "fL", "", "1", "10^", "^", "\x00", "µL"]
ANALYTE_CODES = ["HGB", "HB", "HCT", "PLT", "MPV", "WBC", "718-7", "4544-3", "777-3", "6690-2", "RBC", "X"]
FLAGS = ["", "N", "H", "L", "W", "A", "*", "HH", "H~A", "W\\H", "\x00", "?" * 50]
STATUS = ["", "F", "C", "P", "R", "X", "I", "\x00"]

text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
value = st.one_of(st.sampled_from(HOSTILE), st.decimals(allow_nan=True, allow_infinity=True).map(str),
                  st.floats().map(repr), st.integers().map(str), st.text(max_size=12))
QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- ASTM E1381 (low level) ---------------------------------------------------------------------
def _low_level(data: bytes, pieces: list[bytes]) -> None:
    try:
        astm.parse_frame(data)
    except astm.FrameError:
        pass
    receiver = astm.AstmReceiver(max_text=8192)
    for piece in pieces:
        out = receiver.feed(piece, 0.0)
        assert set(out.reply) <= set(astm.ACK + astm.NAK)
    receiver.check_timeout(1e9)


frames = st.lists(st.one_of(
    st.binary(max_size=300),
    st.builds(lambda fn, body, final: astm.build_frame(fn, body, final), st.integers(0, 7), st.binary(max_size=300),
              st.booleans()),
    st.sampled_from([astm.ENQ, astm.EOT, astm.ACK, astm.NAK, astm.STX, astm.ETX + b"00\r\n"])), max_size=40)


@QUICK
@given(st.binary(max_size=400), frames)
def test_fuzz_astm_low_level(data: bytes, pieces: list[bytes]) -> None:
    _low_level(data, pieces)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@LONG
@given(st.binary(max_size=2000), frames)
def test_fuzz_astm_low_level_long(data: bytes, pieces: list[bytes]) -> None:
    _low_level(data, pieces)


# -- ASTM E1394 (high level) --------------------------------------------------------------------
@st.composite
def astm_messages(draw) -> str:
    delims = draw(st.sampled_from(["|\\^&", "!@#$", "|\\^&", "||^&", "|\\^"]))
    f, r, c = (delims + "   ")[0], (delims + "   ")[1], (delims + "   ")[2]
    header = draw(st.sampled_from(["H", "H" + delims, ""])) + f + f + f + draw(text) + f * 7 + draw(
        st.sampled_from(["", "P", "Q"]))
    records = [header, "P" + f + "1"]
    for _ in range(draw(st.integers(0, 3))):
        o3 = c.join(draw(st.lists(text, max_size=5)))
        records.append(f"O{f}1{f}{o3}{f}{draw(text)}{f}{c * 4}WBC" + f * 7 + draw(st.sampled_from(["N", "Q", ""])))
        for i in range(draw(st.integers(0, 5))):
            code = draw(st.one_of(st.sampled_from(ANALYTE_CODES), text))
            records.append(f"R{f}{i + 1}{f}{c * 4}{code}{c}1{f}{draw(value)}{f}{draw(st.sampled_from(UNITS))}{f}{f}"
                           f"{draw(st.sampled_from(FLAGS))}{f}{f}{draw(st.sampled_from(STATUS))}{f * 4}{draw(text)}")
        if draw(st.booleans()):
            records.append(draw(text))
    records.append(draw(st.sampled_from(["L|1|N", f"L{f}1{f}N", "L|1|E", "", "L"])))
    return "\r".join(records) + "\r"


def _high_level(message: str) -> None:
    for dialect in ("generic-astm", "sysmex", "horiba"):
        try:
            samples = e1394.parse_message(message, DIALECTS[dialect])
        except e1394.AstmMessageError:
            continue
        for sample in samples:
            for m in sample.values.values():
                assert m.value == m.value and abs(m.value) < 1e6  # finite and in range
            json.dumps(sample.to_json())
    # and through the link layer, as the driver gets it
    receiver = astm.AstmReceiver(max_text=8192)
    receiver.feed(astm.ENQ, 0)
    try:
        data = message.encode("latin-1")
    except UnicodeEncodeError:
        data = message.encode("utf-8")
    for frame in astm.build_frames([data.decode("latin-1")]):
        receiver.feed(frame, 0)
    for transfer in receiver.feed(astm.EOT, 0).transfers:
        for part in e1394.split_messages(transfer.text.decode("latin-1")):
            try:
                e1394.parse_message(part, DIALECTS["sysmex"])
            except e1394.AstmMessageError:
                pass


@QUICK
@given(astm_messages())
def test_fuzz_astm_high_level(message: str) -> None:
    _high_level(message)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@LONG
@given(astm_messages())
def test_fuzz_astm_high_level_long(message: str) -> None:
    _high_level(message)


# -- HL7 v2 / MLLP ------------------------------------------------------------------------------
@st.composite
def hl7_messages(draw) -> bytes:
    enc = draw(st.sampled_from(["|^~\\&", "#$~\\&", "|^~\\", "||~\\&", "|^^\\&"]))
    f, c = enc[0], enc[1]
    mtype = draw(st.sampled_from([f"ORU{c}R01", "ORU", f"ADT{c}A01", "", draw(text)]))
    version = draw(st.sampled_from(["2.3.1", "2.5", "3", "", draw(text)]))
    segments = [f"MSH{enc}{f}{draw(text)}{f}{draw(text)}{f}{f}{f}{f}{f}{mtype}{f}{draw(text)}{f}"
                f"{draw(st.sampled_from(['P', 'Q', '']))}{f}{version}"]
    for _ in range(draw(st.integers(0, 2))):
        segments.append(f"PID{f}1{f}{draw(text)}{f}{draw(text)}")
        segments.append(f"OBR{f}1{f}{draw(text)}{f}{draw(text)}{f}{draw(text)}")
        for i in range(draw(st.integers(0, 5))):
            code = draw(st.one_of(st.sampled_from(ANALYTE_CODES), text))
            segments.append(f"OBX{f}{draw(st.sampled_from([str(i + 1), '', '99999999999', 'x']))}{f}"
                            f"{draw(st.sampled_from(['NM', 'ST', '']))}{f}{code}{c}{code}{c}LN{f}{f}{draw(value)}{f}"
                            f"{draw(st.sampled_from(UNITS))}{f}{f}{draw(st.sampled_from(FLAGS))}{f}{f}{f}"
                            f"{draw(st.sampled_from(STATUS))}")
    if draw(st.booleans()):
        segments.append(draw(text))
    body = "\r".join(segments).encode(draw(st.sampled_from(["utf-8", "gb18030", "latin-1"])), "replace")
    return body


def _hl7(message: bytes, noise: bytes) -> None:
    for dialect in ("generic-hl7", "mindray-bc", "dymind", "hemoscreen"):
        try:
            _, samples = hl7.parse_oru(message, DIALECTS[dialect])
        except hl7.Hl7Error:
            continue
        for sample in samples:
            json.dumps(sample.to_json())
            hl7.ack_errors(sample)
    session = Hl7Session("fuzz", profile=DIALECTS["mindray-bc"], max_message=4096)
    outputs = session.feed(noise + hl7.mllp_wrap(message) + noise[:3]) + session.flush(partial=True)
    whole = [o for o in outputs if not o.invalid]
    for out in whole:
        assert out.ack is not None and b"\rMSA|A" in out.ack
        assert all(len(line.split("|")) <= 9 for line in out.ack.decode().split("\r") if line.startswith("ERR"))


@QUICK
@given(hl7_messages(), st.binary(max_size=20))
def test_fuzz_hl7(message: bytes, noise: bytes) -> None:
    _hl7(message, noise)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@LONG
@given(hl7_messages(), st.binary(max_size=60))
def test_fuzz_hl7_long(message: bytes, noise: bytes) -> None:
    _hl7(message, noise)


# -- separator (JSON lines) ---------------------------------------------------------------------
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
                      st.sampled_from([10 ** 400, -(10 ** 400), float("nan"), float("inf"), 1e308,
                                       "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00",
                                       "2024-06-27T13:54:07+08:00", "2024-06-27T13:54:07", "", "\x00"]))
NOW = datetime.now(UTC)
TIMES = [(NOW - timedelta(minutes=m)).isoformat() for m in (0, 70, 480, 60 * 30)] + [
    "0001-01-01T00:00:00+08:00", "1999-12-31T23:00:00+00:00", (NOW + timedelta(days=1)).isoformat()]


@st.composite
def separator_lines(draw) -> bytes:
    kind = draw(st.sampled_from(["summary", "status", "alarm", "hello", "x", None]))
    obj = draw(st.dictionaries(st.sampled_from(
        ["procedure_type", "device_serial", "kit_catalogue", "kit_lot", "ac_lot", "started_at", "ended_at",
         "run_time_min", "whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml", "platelet_volume_ml",
         "platelet_yield_e11", "plasma_volume_ml", "post_count", "post_hct", "operator", "rinseback_completed",
         "alarms", "phase", "elapsed_s", "processed_ml", "yield_e11", "code", "severity", "at"]),
        st.one_of(json_leaf, st.sampled_from(TIMES), st.lists(json_leaf, max_size=3),
                  st.lists(st.dictionaries(st.sampled_from(["code", "severity", "at"]), json_leaf), max_size=2)),
        max_size=26))
    if kind is not None:
        obj["type"] = kind
    line = json.dumps(obj, allow_nan=True).encode()
    return draw(st.sampled_from([line, line[: len(line) // 2], b"[" * 5000 + b"]" * 5000, line + b"\xff"]))


def _separator(line: bytes) -> None:
    try:
        messages = JsonLinesAdapter().decode(line)
    except SeparatorDataError:
        return
    for message in messages:
        payload = message.payload
        if hasattr(payload, "to_json"):
            json.dumps(payload.to_json())


@QUICK
@given(separator_lines())
def test_fuzz_separator(line: bytes) -> None:
    _separator(line)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@LONG
@given(separator_lines())
def test_fuzz_separator_long(line: bytes) -> None:
    _separator(line)


def test_a_segment_name_that_is_a_separator_cannot_break_the_ack() -> None:
    """Found by test_fuzz_hl7_long: a last segment "|" in a message whose field separator is '#' was
    named in the ERR location as it was, adding a field to the ERR segment."""
    message = b"MSH#$~\\&#A#B#####ORU$R01#X1#P#2.3.1\rPID#1\rOBR#1#W1\r|"
    [out] = Hl7Session("fuzz").feed(hl7.mllp_wrap(message))
    [err] = [line for line in out.ack.decode().split("\r") if line.startswith("ERR")]
    assert len(err.split("|")) == 9 and err.startswith("ERR|MSH^1^0^100&")


def test_the_values_of_the_issue_are_refusals_not_crashes() -> None:
    from devices.analyzer.results import UnitError, normalise

    for raw in ("1E+999999999", "NaN", "10^999", "²³", "1" + "0" * 400, "\x00", "1e-999999999"):
        with pytest.raises(UnitError):
            normalise("PLT", raw, "10*9/L")
    oru = hl7.build_oru("W000025000001", {"PLT": ("1E+999999999", "10*9/L")}, control_id="X1")
    _, [sample] = hl7.parse_oru(oru)
    assert "not a number" in sample.rejected["PLT"]
    for line in (b'{"type":"status","phase":"collecting","elapsed_s":1' + b"0" * 400 + b',"processed_ml":1,'
                 b'"yield_e11":1,"ac_used_ml":1}', b"[" * 100000 + b"]" * 100000):
        with pytest.raises(SeparatorDataError):
            JsonLinesAdapter().decode(line)
