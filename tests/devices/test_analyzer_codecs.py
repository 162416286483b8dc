"""ASTM E1381/E1394 and HL7/MLLP codecs, unit normalisation, and fuzzing of the receivers."""
from __future__ import annotations

import pytest
from devhelpers import SYSMEX_CAPTURE
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.analyzer import astm, e1394, hl7
from devices.analyzer.results import UnitError, normalise
from devices.analyzer.sim import sysmex_records


def transfer_bytes(records: list[str]) -> list[bytes]:
    return astm.build_frames(records)


def run_sender(receiver: astm.AstmReceiver, frames: list[bytes]) -> astm.ReceiverOutput:
    out = receiver.feed(astm.ENQ, 0.0)
    assert out.reply == astm.ACK
    total = astm.ReceiverOutput()
    for frame in frames:
        o = receiver.feed(frame, 0.0)
        assert o.reply == astm.ACK, o.errors
    o = receiver.feed(astm.EOT, 0.0)
    total.transfers += o.transfers
    return total


def test_checksum_and_frame_layout() -> None:
    frame = astm.build_frame(1, b"L|1|N\r", True)
    assert frame.startswith(b"\x021L|1|N\r\x03")
    body = b"1L|1|N\r\x03"
    assert frame[-4:-2] == b"%02X" % (sum(body) % 256)
    assert frame.endswith(b"\r\n")
    parsed = astm.parse_frame(frame)
    assert parsed.fn == 1 and parsed.final and parsed.text == b"L|1|N\r"


def test_sysmex_capture_parsed_and_normalised() -> None:
    receiver = astm.AstmReceiver()
    out = run_sender(receiver, transfer_bytes(SYSMEX_CAPTURE))
    [transfer] = out.transfers
    [sample] = e1394.parse_message(transfer.text.decode("latin-1"))
    assert sample.sample_id == "27"
    assert sample.instrument.startswith("XN-550")
    assert not sample.is_qc
    assert sample.values["HGB"].value == 80.0 and sample.values["HGB"].unit == "g/L"
    assert sample.values["HGB"].raw_value == "8.0" and sample.values["HGB"].raw_unit == "g/dL"
    assert sample.values["PLT"].value == 99.0 and sample.values["PLT"].unit == "10^9/L"
    assert sample.values["MPV"].value == 8.1 and sample.values["MPV"].flag == "L"
    assert sample.measured_at is not None and sample.measured_at.year == 2024


def test_long_record_continues_in_etb_frames() -> None:
    records = SYSMEX_CAPTURE[:1] + ["C|1|I|" + "x" * 600 + "|G"] + SYSMEX_CAPTURE[1:]
    frames = transfer_bytes(records)
    assert any(f[-5:-4] == astm.ETB for f in frames)
    assert all(len(f) <= 247 for f in frames)
    receiver = astm.AstmReceiver()
    [transfer] = run_sender(receiver, frames).transfers
    assert "x" * 600 in transfer.text.decode()
    assert e1394.parse_message(transfer.text.decode())[0].values["HGB"].value == 80.0


def test_frame_numbers_wrap_and_duplicates_are_kept_once() -> None:
    records = sysmex_records("W000025000001", {"HGB": ("13.8", "g/dL")}) * 3
    frames = transfer_bytes(records)
    assert [f[1:2] for f in frames[:9]] == [b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"0", b"1"]
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    for i, frame in enumerate(frames):
        assert receiver.feed(frame, 0).reply == astm.ACK
        if i == 2:  # our ACK got lost: the sender repeats the frame
            assert receiver.feed(frame, 0).reply == astm.ACK
    [transfer] = receiver.feed(astm.EOT, 0).transfers
    assert transfer.text.decode().count("R|1|") == 3


def test_bad_checksum_nak_then_retry_accepted() -> None:
    frames = transfer_bytes(SYSMEX_CAPTURE)
    bad = bytearray(frames[1])
    bad[-4:-2] = b"00"
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    assert receiver.feed(frames[0], 0).reply == astm.ACK
    out = receiver.feed(bytes(bad), 0)
    assert out.reply == astm.NAK and "checksum" in out.errors[0]
    for frame in frames[1:]:
        assert receiver.feed(frame, 0).reply == astm.ACK
    [transfer] = receiver.feed(astm.EOT, 0).transfers
    assert transfer.complete


def test_wrong_frame_number_and_oversized_frame_are_naked() -> None:
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    assert receiver.feed(astm.build_frame(3, b"H|\\^&\r", True), 0).reply == astm.NAK
    oversized = astm.STX + b"1" + b"A" * 400 + astm.ETX + b"00\r\n"
    assert receiver.feed(oversized, 0).reply == astm.NAK


def test_nak_storm_aborts_and_delivers_nothing() -> None:
    frames = transfer_bytes(SYSMEX_CAPTURE)
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    receiver.feed(frames[0], 0)
    bad = bytearray(frames[1])
    bad[-4:-2] = b"00"
    replies = [receiver.feed(bytes(bad), 0) for _ in range(7)]
    assert [r.reply for r in replies[:6]] == [astm.NAK] * 6
    assert not receiver.receiving
    assert not any(r.transfers for r in replies)
    assert receiver.feed(astm.EOT, 0).transfers == []


def test_receiver_timeout_discards_incomplete_message() -> None:
    frames = transfer_bytes(SYSMEX_CAPTURE)
    receiver = astm.AstmReceiver(timeout=30)
    receiver.feed(astm.ENQ, 100.0)
    receiver.feed(frames[0] + frames[1], 100.0)
    assert receiver.check_timeout(129.0).errors == []
    out = receiver.check_timeout(131.0)
    assert "timeout" in out.errors[0]
    for transfer in out.transfers:
        with pytest.raises(e1394.AstmMessageError):
            e1394.parse_message(transfer.text.decode())
    assert not receiver.receiving


def test_restarted_sender_enq_discards_partial() -> None:
    frames = transfer_bytes(SYSMEX_CAPTURE)
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    receiver.feed(frames[0] + frames[1], 0)
    out = receiver.feed(astm.ENQ, 0)
    assert out.reply == astm.ACK and "restarted" in out.errors[0]
    [transfer] = run_sender_after_enq(receiver, frames)
    assert e1394.parse_message(transfer.text.decode())[0].sample_id == "27"


def run_sender_after_enq(receiver: astm.AstmReceiver, frames: list[bytes]) -> list[astm.Transfer]:
    for frame in frames:
        assert receiver.feed(frame, 0).reply == astm.ACK
    return receiver.feed(astm.EOT, 0).transfers


def test_sender_contention_instrument_waits_one_second() -> None:
    sender = astm.AstmSender(transfer_bytes(SYSMEX_CAPTURE))
    assert sender.start(0).send == astm.ENQ
    assert sender.on_byte(astm.ENQ, 0).send == b""  # contention: the other side sent ENQ too
    assert sender.tick(0.5).send == b""
    assert sender.tick(1.01).send == astm.ENQ
    out = sender.on_byte(astm.ACK, 1.1)
    assert out.send.startswith(astm.STX + b"1")


def test_sender_gives_up_after_six_retries() -> None:
    sender = astm.AstmSender(transfer_bytes(SYSMEX_CAPTURE))
    sender.start(0)
    sender.on_byte(astm.ACK, 0)
    outs = [sender.on_byte(astm.NAK, 0) for _ in range(7)]
    assert all(o.send.startswith(astm.STX) for o in outs[:6])
    assert outs[6].done and not outs[6].ok and outs[6].send == astm.EOT


def test_e1394_qc_and_bad_messages() -> None:
    qc = sysmex_records("QC-12345", {"HGB": ("13.0", "g/dL")}, qc=True)
    assert e1394.parse_message("\r".join(qc))[0].is_qc
    with pytest.raises(e1394.AstmMessageError, match="L"):
        e1394.parse_message("\r".join(SYSMEX_CAPTURE[:-1]))
    with pytest.raises(e1394.AstmMessageError, match="delimiter"):
        e1394.parse_message("H|||||\rL|1|N")
    with pytest.raises(e1394.AstmMessageError, match="abnormally"):
        e1394.parse_message("\r".join(SYSMEX_CAPTURE[:-1] + ["L|1|E"]))
    unknown_unit = [r.replace("g/dL", "mg/furlong") for r in SYSMEX_CAPTURE]
    [sample] = e1394.parse_message("\r".join(unknown_unit))
    assert "HGB" not in sample.values and "unknown unit" in sample.rejected["HGB"]
    custom = [SYSMEX_CAPTURE[0].replace("|\\^&", "!@#$").replace("|", "!")] + \
        [r.replace("|", "!").replace("^", "#").replace("\\", "@") for r in SYSMEX_CAPTURE[1:]]
    assert e1394.parse_message("\r".join(custom))[0].values["HGB"].value == 80.0


@pytest.mark.parametrize("analyte,value,unit,expected,norm_unit", [
    ("HGB", "13.8", "g/dL", 138.0, "g/L"), ("HGB", "138", "g/L", 138.0, "g/L"),
    ("HCT", "41.2", "%", 0.412, "L/L"), ("HCT", "0.41", "L/L", 0.41, "L/L"),
    ("PLT", "250", "10*3/uL", 250.0, "10^9/L"), ("PLT", "250", "10^9/L", 250.0, "10^9/L"),
    ("WBC", "6.5", "10*3/µL", 6.5, "10^9/L"), ("MPV", "9.1", "fL", 9.1, "fL"),
])
def test_units(analyte: str, value: str, unit: str, expected: float, norm_unit: str) -> None:
    m = normalise(analyte, value, unit)
    assert m.value == pytest.approx(expected) and m.unit == norm_unit


@pytest.mark.parametrize("analyte,value,unit", [
    ("HGB", "13.8", ""), ("HGB", "13.8", "g"), ("HCT", "41", "fraction?"), ("PLT", "x", "10*3/uL"),
    ("HGB", "138", "g/dL"), ("HCT", "41", "L/L"), ("PLT", "NaN", "10*3/uL"), ("HGB", "-1", "g/L"),
])
def test_units_refused_never_guessed(analyte: str, value: str, unit: str) -> None:
    with pytest.raises(UnitError):
        normalise(analyte, value, unit)


ORU = ("MSH|^~\\&|BC-5390|Mindray|||20240627140000||ORU^R01|1234|P|2.3.1||||||UNICODE\r"
       "PID|1||^^^^MR\rPV1|1\r"
       "OBR|1||W000025000001|00001^Automated Count^99MRC||20240627135900|20240627135900\r"
       "OBX|1|NM|6690-2^WBC^LN||6.2|10*3/uL|4.0-10.0|N|||F\r"
       "OBX|2|NM|718-7^HGB^LN||13.8|g/dL|11.0-16.0|N|||F\r"
       "OBX|3|NM|4544-3^HCT^LN||41.5|%|37.0-54.0|N|||F\r"
       "OBX|4|NM|777-3^PLT^LN||245|10*3/uL|100-300|N|||F\r"
       "OBX|5|NM|32623-1^MPV^LN||9.4|fL|7.0-11.0|N|||F\r"
       "OBX|6|ST|08001^Take Mode^99MRC||O||||||F\r")


def test_hl7_oru_parsed() -> None:
    msg, [sample] = hl7.parse_oru(ORU.encode())
    assert msg.control_id == "1234" and sample.sample_id == "W000025000001" and not sample.is_qc
    assert sample.values["HGB"].value == 138.0
    assert sample.values["HCT"].value == pytest.approx(0.415)
    assert sample.values["PLT"].value == 245.0 and sample.values["WBC"].value == 6.2
    assert sample.values["MPV"].value == 9.4


def test_hl7_qc_flag() -> None:
    _, [sample] = hl7.parse_oru(ORU.replace("|1234|P|", "|1234|Q|").encode())
    assert sample.is_qc


def test_hl7_acks_parse_with_hl7apy() -> None:
    from hl7apy.parser import parse_message

    msg, _ = hl7.parse_oru(ORU.encode())
    ack = hl7.build_ack(msg.control_id, "AA", original=msg, ack_id="A1")
    parsed = parse_message(ack.decode().replace("\r", "\r"), find_groups=False)
    assert parsed.msa.msa_1.value == "AA" and parsed.msa.msa_2.value == "1234"
    ae = hl7.build_ack("1234", "AE", "message type 'ADT^A01' is not ORU^R01")
    parsed = parse_message(ae.decode(), find_groups=False)
    assert parsed.msa.msa_1.value == "AE"


@pytest.mark.parametrize("bad", [
    b"", b"garbage", ORU.replace("ORU^R01", "ADT^A01").encode(), ORU.replace("|1234|", "||").encode(),
    ORU.replace("OBR|1||W000025000001|", "OBR|1|||").encode(), b"MSH|^~\\&", "\xff\xfe".encode("latin-1"),
])
def test_hl7_bad_messages_refused(bad: bytes) -> None:
    with pytest.raises(hl7.Hl7Error):
        hl7.parse_oru(bad)


def test_mllp_framing() -> None:
    dec = hl7.MllpDecoder(max_message=2000)
    items = dec.feed(b"noise" + hl7.mllp_wrap(b"A") + hl7.SB + b"B" * 3000 + hl7.EB + hl7.CR
                     + hl7.mllp_wrap(ORU.encode())[:10])
    assert [i.message for i in items] == [None, b"A", None]
    assert "longer" in (items[2].error or "")
    items = dec.feed(hl7.mllp_wrap(ORU.encode())[10:])
    assert items[0].message == ORU.encode()


def test_hl7_power_of_ten_units_with_an_unescaped_caret() -> None:
    # "10^9/L" in OBX-6 splits into components "10" and "9/L"; escaped (\\S\\) or with "*" it does not
    text = ORU.replace("|6.2|10*3/uL|", "|6.2|10^9/L|").replace("|245|10*3/uL|", "|245|10\\S\\3/uL|")
    _, [sample] = hl7.parse_oru(text.encode())
    assert sample.values["WBC"].value == 6.2 and sample.values["WBC"].raw_unit == "10^9/L"
    assert sample.values["PLT"].value == 245.0 and sample.values["PLT"].raw_unit == "10^3/uL"
    assert not sample.rejected
    # a coded unit (identifier^text^system) is still read from its first component
    _, [coded] = hl7.parse_oru(ORU.replace("|13.8|g/dL|", "|13.8|g/dL^gram per decilitre^UCUM|").encode())
    assert coded.values["HGB"].value == 138.0 and coded.values["HGB"].raw_unit == "g/dL"
    # other separators declared in MSH-2: '#' between fields, '$' between components
    other = ORU.replace("|", "#").replace("^", "$").replace("#6.2#10*3/uL#", "#6.2#10$9/L#")
    _, [sample] = hl7.parse_oru(other.encode())
    assert sample.sample_id == "W000025000001" and sample.values["WBC"].raw_unit == "10^9/L"
    assert sample.values["HGB"].value == 138.0


def test_mllp_flush_reports_stray_bytes_and_a_block_that_never_ended() -> None:
    dec = hl7.MllpDecoder()
    assert dec.feed(b"\x00\x01noise") == []  # not yet: more may follow before a block starts
    [stray] = dec.flush(partial=False)
    assert stray.message is None and stray.error == "bytes outside an MLLP block"
    assert dec.flush(partial=False) == []  # reported once
    assert dec.feed(hl7.SB + ORU.encode()[:40]) == []
    assert dec.flush(partial=False) == []  # a slow block is waited for...
    [cut] = dec.flush(partial=True)  # ...until the line closes or stays quiet too long
    assert cut.message is None and "cut short" in (cut.error or "")
    assert dec.feed(hl7.mllp_wrap(ORU.encode()))[0].message == ORU.encode()  # and the next one is whole


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=800))
def test_fuzz_astm_receiver_random_bytes(data: bytes) -> None:
    receiver = astm.AstmReceiver()
    out = receiver.feed(data, 0.0)
    for transfer in out.transfers:
        for message in e1394.split_messages(transfer.text.decode("latin-1")):
            try:
                e1394.parse_message(message)
            except e1394.AstmMessageError:
                pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_fuzz_corrupted_frame_never_changes_the_result(position: int, mask: int) -> None:
    frames = transfer_bytes(SYSMEX_CAPTURE)
    index = position % len(frames)
    frame = bytearray(frames[index])
    frame[position % len(frame)] ^= mask
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    transfers = []
    for i, f in enumerate(frames):
        out = receiver.feed(bytes(frame) if i == index else f, 0)
        if i == index and out.reply != astm.ACK:
            out = receiver.feed(f, 0)  # the sender retransmits after NAK / silence
        transfers += out.transfers
    transfers += receiver.feed(astm.EOT, 0).transfers
    for transfer in transfers:
        for message in e1394.split_messages(transfer.text.decode("latin-1")):
            try:
                samples = e1394.parse_message(message)
            except e1394.AstmMessageError:
                continue
            # whatever got through must be exactly the instrument's values
            for s in samples:
                for name, m in s.values.items():
                    assert (name, m.value) in {("HGB", 80.0), ("PLT", 99.0), ("MPV", 8.1)}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_mllp_and_hl7(data: bytes) -> None:
    for item in hl7.MllpDecoder().feed(data + hl7.mllp_wrap(data)):
        if item.message is not None:
            try:
                hl7.parse_oru(item.message)
            except hl7.Hl7Error:
                pass
