"""The capture corpus (tests/devices/captures/, each file with a .source.md) through the real drivers.

Each message is sent from a separate process (tests/devices/feeder.py) over a socat pty pair (ASTM
E1381) or an MLLP connection (HL7) to `station device test analyzer --driver FAMILY --json`, which
runs the driver exactly as the station does; the values, units and flags it prints are compared
with what the instrument wrote, converted by hand here."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_unseen_input import ACK, NAK, DeviceTest, astm_steps, feed

from devices.analyzer import astm, hl7
from devices.transport import free_tcp_port

CAPTURES = Path(__file__).with_name("captures")
pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is needed for pty pairs")


def records(name: str) -> list[str]:
    return [r for r in (CAPTURES / name).read_bytes().decode("latin-1").split("\r") if r]


def test_every_capture_has_its_source() -> None:
    captures = [p for p in CAPTURES.iterdir() if not p.name.endswith(".source.md")]
    assert captures
    for path in captures:
        source = path.with_name(path.name + ".source.md").read_text(encoding="utf-8")
        assert "Licence" in source or "licence" in source, path.name


def values_of(result: dict) -> dict[str, tuple[float, str, list[str]]]:
    return {k: (round(v["value"], 6), v["unit"], v["flags"]) for k, v in result["values"].items()}


def test_sysmex_xn350_in_240_character_frames(pty_pair, tmp_path) -> None:
    station, device = pty_pair
    run = DeviceTest("analyzer", "--driver", "sysmex-xn", "--port", station, count=1)
    frames = astm.build_frames(records("sysmex-xn350-labbook.astm"))
    replies = feed(device, astm_steps(frames), tmp_path)
    assert set(replies) == {ACK, ""}
    code, _, err = run.finish()
    assert code == 0, err
    [result] = run.results()
    assert result["sample_id"] == "1535" and result["instrument"].startswith("XN-350")
    assert values_of(result) == {"HGB": (193.0, "g/L", []), "HCT": (0.651, "L/L", []),
                                 "WBC": (13.73, "10^9/L", []), "PLT": (161.0, "10^9/L", []),
                                 "MPV": (8.8, "fL", [])}
    assert result["rejected"] == {}


def test_sysmex_whole_message_in_one_long_frame(pty_pair, tmp_path) -> None:
    """XN-550 and XP-100 send a message as one frame (1,565 / 2,607 characters): the sysmex
    dialect takes it; the generic ASTM driver keeps E1381's 240 and refuses it (NAK)."""
    station, device = pty_pair
    text = ("\r".join(records("sysmex-xn350-labbook.astm")) + "\r").encode("latin-1")
    assert len(text) > 2000
    one = [astm.build_frame(1, text, True)]
    generic = DeviceTest("analyzer", "--driver", "astm", "--port", station, count=1, timeout=4)
    replies = feed(device, astm_steps(one), tmp_path)
    assert replies[1] == NAK
    code, lines, _ = generic.finish()
    assert code != 0 and not generic.results()
    run = DeviceTest("analyzer", "--driver", "sysmex-xn", "--port", station, count=1)
    replies = feed(device, astm_steps(one), tmp_path)
    assert set(replies) == {ACK, ""}
    code, _, err = run.finish()
    assert code == 0, err
    [result] = run.results()
    assert result["sample_id"] == "1535" and values_of(result)["PLT"] == (161.0, "10^9/L", [])


def test_sysmex_xn550_capture_with_its_flag(pty_pair, tmp_path) -> None:
    station, device = pty_pair
    run = DeviceTest("analyzer", "--driver", "sysmex-xn", "--port", station, count=1)
    feed(device, astm_steps(astm.build_frames(records("sysmex-xn550-standards.astm"))), tmp_path)
    code, _, err = run.finish()
    assert code == 0, err
    [result] = run.results()
    assert result["sample_id"] == "27"
    assert values_of(result) == {"HGB": (80.0, "g/L", []), "PLT": (99.0, "10^9/L", []),
                                 "MPV": (8.1, "fL", ["abnormal_low"])}
    assert result["values"]["MPV"]["flag"] == "L"


def _ack_of(reply_hex: str):
    from hl7apy.parser import parse_message

    [item] = hl7.MllpDecoder().feed(bytes.fromhex(reply_hex))
    assert item.message is not None
    return parse_message(item.message.decode(), find_groups=False)


def test_mindray_bc5380_example_with_the_mindray_dialect(tmp_path) -> None:
    port = free_tcp_port()
    run = DeviceTest("analyzer", "--driver", "mindray-bc", "--port", f"mllp://127.0.0.1:{port}", count=1)
    message = (CAPTURES / "mindray-bc5380-manual-example.hl7").read_bytes()
    [reply] = feed(f"mllp://127.0.0.1:{port}", [{"send": hl7.mllp_wrap(message).hex(), "reply": 4096}],
                   tmp_path)
    code, _, err = run.finish()
    assert code == 0, err
    [result] = run.results()
    assert result["sample_id"] == "20071207011" and result["instrument"] == "BC-5380"
    assert values_of(result) == {"WBC": (9.81, "10^9/L", []), "HGB": (65.0, "g/L", ["abnormal_low"]),
                                 "HCT": (0.405, "L/L", []), "PLT": (212.0, "10^9/L", []),
                                 "MPV": (6.6, "fL", ["abnormal_low"])}
    ack = _ack_of(reply)
    assert ack.msa.msa_1.value == "AA" and ack.msa.msa_2.value == "1"
    assert not [s for s in ack.children if s.name == "ERR"]


def test_mindray_example_without_a_dialect_is_answered_ae_naming_hct(tmp_path) -> None:
    """The generic HL7 driver does not guess that an empty OBX-6 means a fraction: HCT is refused,
    the rest filed, and the ACK says AE with an ERR that names HCT's OBX and the unit field."""
    port = free_tcp_port()
    run = DeviceTest("analyzer", "--driver", "hl7", "--port", f"mllp://127.0.0.1:{port}", count=1)
    message = (CAPTURES / "mindray-bc5380-manual-example.hl7").read_bytes()
    [reply] = feed(f"mllp://127.0.0.1:{port}", [{"send": hl7.mllp_wrap(message).hex(), "reply": 4096}],
                   tmp_path)
    code, _, err = run.finish()
    assert code == 0, err
    [result] = run.results()
    assert "HCT" not in result["values"] and "unknown unit (empty)" in result["rejected"]["HCT"]
    assert result["values"]["PLT"]["value"] == 212.0
    ack = _ack_of(reply)
    assert ack.msa.msa_1.value == "AE" and ack.msa.msa_2.value == "1"
    [err_segment] = [s for s in ack.children if s.name == "ERR"]
    # the ACK echoes v2.3.1, whose ERR has only ERR-1 (segment^sequence^field^code): read it there,
    # and read the v2.5 fields (ERR-2..8) with hl7apy's v2.5 definition of the segment
    assert err_segment.children[0].value == "OBX^24^6^103&Table value not found"
    from hl7apy.parser import parse_segment

    [raw_err] = [line for line in bytes.fromhex(reply).decode().split("\r") if line.startswith("ERR|")]
    err = parse_segment(raw_err, version="2.5")
    assert err.err_2.value == "OBX^24^6"  # the HCT OBX (set id 24), OBX-6 (units)
    assert err.err_3.err_3_1.value == "103" and err.err_3.err_3_3.value == "HL70357"
    assert err.err_4.value == "E"
    assert "HCT: unknown unit (empty)" in err.err_7.value and err.err_8.value == err.err_7.value
