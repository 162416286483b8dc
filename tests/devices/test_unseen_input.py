"""Input no one on the team wrote the codecs against, from a separate process (tests/devices/feeder.py)
through a socat pty pair or TCP to `station device test ... --json`: other vendors' ASTM, HL7 variants,
faulty frames. Nothing wrong may come out as a result; each fault shows as a status with its reason,
and the driver takes the next good message."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from devices.analyzer import astm, hl7
from devices.transport import free_tcp_port

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is needed for pty pairs")
ROOT = Path(__file__).resolve().parents[2]
FEEDER = Path(__file__).with_name("feeder.py")
ACK, NAK = astm.ACK.hex(), astm.NAK.hex()


def astm_steps(frames: list[bytes], *, enq: bool = True, eot: bool = True) -> list[dict[str, Any]]:
    steps = [{"send": astm.ENQ.hex(), "reply": 1}] if enq else []
    steps += [{"send": f.hex(), "reply": 1} for f in frames]
    if eot:
        steps.append({"send": astm.EOT.hex(), "wait": 0.3})
    return steps


def frames_of(records: list[str], max_text: int = astm.MAX_TEXT) -> list[bytes]:
    return astm.build_frames(records, max_text=max_text)


class DeviceTest:
    """`station device test KIND --json` in its own process, reading until the driver is listening."""

    def __init__(self, *args: str, count: int, timeout: float = 20, connect: bool = True) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "station.cli", "device", "test", *args,
                                      "--count", str(count), "--timeout", str(timeout), "--json"],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[dict[str, Any]] = []
        assert self.proc.stdout is not None
        if not connect:  # a device that must answer before the driver says it is connected
            time.sleep(1.0)
            return
        for line in self.proc.stdout:  # the first status line: the port is open / the listener is up
            self.lines.append(json.loads(line))
            if self.lines[-1].get("state") == "connected":
                break
        else:
            pytest.fail(f"station device test did not connect: {self.proc.stderr.read() if self.proc.stderr else ''}")

    def finish(self) -> tuple[int, list[dict[str, Any]], str]:
        out, err = self.proc.communicate(timeout=40)
        self.lines += [json.loads(line) for line in out.splitlines()]
        return self.proc.returncode, self.lines, err

    def results(self) -> list[dict[str, Any]]:
        return [x for x in self.lines if x.get("event") == "analyzer_result"]

    def errors(self) -> list[str]:
        return [x["reason_en"] for x in self.lines if x.get("state") == "error"]


def feed(port: str, steps: list[dict[str, Any]], tmp_path: Path) -> list[str]:
    script = tmp_path / f"script-{time.monotonic_ns()}.json"
    script.write_text(json.dumps(steps))
    done = subprocess.run([sys.executable, str(FEEDER), port, str(script)], check=True, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    return json.loads(done.stdout)


def good_astm(sample: str = "W000025000099") -> list[bytes]:
    return frames_of(["H|\\^&|||OTHER^1", "P|1", f"O|1|{sample}||^^^^HGB", "R|1|^^^^HGB|14.1|g/dL||N||F",
                      "L|1|N"])


# -- ASTM from other vendors ------------------------------------------------------------------
def test_astm_variants_from_other_vendors(pty_pair, tmp_path) -> None:
    station, device = pty_pair
    run = DeviceTest("analyzer", "--port", station, count=5)
    messages = [
        # other delimiters declared in the H record: field !, repeat @, component #, escape &
        frames_of(["H!@#&!!!ACME#XL", "P!1", "O!1!W000025000001!!###HGB", "R!1!###HGB!13.5!g/dL!!N!!F", "L!1!N"]),
        # two patients, each with an order, in one message; C comment records; flagged results
        frames_of(["H|\\^&|||MULTI", "P|1", "O|1|W000025000002||^^^^HGB\\^^^^PLT", "C|1|I|haemolysed?|G",
                   "R|1|^^^^HGB|9.1|g/dL|11.0-16.0|L||F", "C|1|I|low value checked|G",
                   "R|2|^^^^PLT|455|10*3/uL|150-400|H||F",
                   "P|2", "O|1|W000025000003||^^^^HCT", "R|1|^^^^HCT|41.5|%||N||F", "L|1|N"]),
        # records split over ETB intermediate frames, the frame number wrapping past 7
        frames_of(["H|\\^&|||SPLIT", "P|1", "O|1|W000025000004||^^^^HGB",
                   "R|1|^^^^HGB|12.9|g/dL||N||F|||20240101120000", "R|2|^^^^PLT|201|10*3/uL||N||F",
                   "R|3|^^^^MPV|10.2|fL||N||F", "L|1|N"], max_text=12),
    ]
    # lower-case hex checksums
    lower = [f[:-4] + f[-4:-2].lower() + f[-2:] for f in good_astm("W000025000005")]
    assert any(f[-4:-2] != f[-4:-2].upper() for f in lower)
    steps: list[dict[str, Any]] = []
    for frames in [*messages, lower]:
        steps += astm_steps(frames)
    replies = feed(device, steps, tmp_path)
    assert set(replies) == {ACK, ""}, replies  # every frame taken at first sending
    assert len(messages[2]) > 8
    code, _, err = run.finish()
    assert code == 0, err
    got = {r["sample_id"]: r["values"] for r in run.results()}
    assert set(got) == {"W000025000001", "W000025000002", "W000025000003", "W000025000004", "W000025000005"}
    assert got["W000025000001"]["HGB"]["value"] == 135.0 and got["W000025000001"]["HGB"]["unit"] == "g/L"
    assert got["W000025000002"]["HGB"]["value"] == 91.0 and got["W000025000002"]["PLT"]["value"] == 455.0
    assert got["W000025000003"]["HCT"]["value"] == pytest.approx(0.415)
    assert got["W000025000004"]["MPV"]["value"] == 10.2 and got["W000025000004"]["PLT"]["value"] == 201.0
    assert got["W000025000005"]["HGB"]["value"] == 141.0


def test_astm_eot_mid_message_and_nak_storm_then_recovery(pty_pair, tmp_path) -> None:
    station, device = pty_pair
    run = DeviceTest("analyzer", "--port", station, count=1)
    cut = frames_of(["H|\\^&", "P|1", "O|1|W000025000010||^^^^HGB", "R|1|^^^^HGB|13.0|g/dL||N||F",
                     "L|1|N"], max_text=10)
    bad = bytearray(good_astm("W000025000011")[0])
    bad[-4:-2] = b"00" if bytes(bad[-4:-2]) != b"00" else b"01"
    steps = astm_steps(cut[:3])  # EOT after three frames: the rest never comes
    # a NAK storm: the same corrupted frame seven times, then the sender gives up
    steps += [{"send": astm.ENQ.hex(), "reply": 1}] + [{"send": bytes(bad).hex(), "reply": 1}] * 7
    steps += [{"send": astm.EOT.hex(), "wait": 0.3}]
    steps += astm_steps(good_astm("W000025000012"))
    replies = feed(device, steps, tmp_path)
    storm = replies[len(cut[:3]) + 2:len(cut[:3]) + 2 + 8]
    assert storm == [ACK] + [NAK] * 7, storm  # every corrupted frame refused, the last one too
    code, _, err = run.finish()
    assert code == 0, err
    assert [r["sample_id"] for r in run.results()] == ["W000025000012"]  # nothing from the faulty ones
    errors = " | ".join(run.errors()).lower()
    assert "transfer ended inside a record" in errors, errors  # the EOT mid-message
    assert "checksum" in errors and "7 frames rejected in a row: transfer aborted" in errors, errors


# -- HL7 variants ----------------------------------------------------------------------------
def oru(control: str, sample: str, obx: list[str], *, sep: str = "\r", msh2: str = "^~\\&", pid: bool = True) -> bytes:
    comp = msh2[0]
    segs = [f"MSH|{msh2}|OTHERLAB|LAB|STATION|BC|20240101120000||ORU{comp}R01|{control}|P|2.5.1"]
    if pid:
        segs.append("PID|1||P123")
    segs.append(f"OBR|1||{sample}|CBC")
    segs += [f"OBX|{i + 1}|NM|{o}|||||F" for i, o in enumerate(obx)]
    return hl7.mllp_wrap((sep.join(segs) + sep).encode())


def test_hl7_variants_on_one_connection(tmp_path) -> None:
    port = free_tcp_port()
    run = DeviceTest("analyzer", "--protocol", "hl7", "--port", f"mllp://127.0.0.1:{port}", count=5)
    messages = [
        oru("A1", "W000025000021", ["HGB^Hemoglobin||13.2|g/dl"], sep="\n"),
        oru("A2", "W000025000022", ["PLT^Platelets||230|10^9/L"], sep="\r\n"),
        oru("A3", "W000025000023", ["HCT$Haematocrit||40.5|%"], msh2="$~\\&"),
        oru("A4", "W000025000024", ["HGB^Hemoglobin||140|g/L"], pid=False),
        oru("A5", "W000025000025", ["HGB^Hemoglobin||12.0|g/dL"]),
    ]
    steps = [{"send": m.hex(), "reply": 4096} for m in messages[:4]]
    steps.insert(2, {"send": b"garbage between frames\r\n\x00\xff".hex()})
    steps.append({"send": messages[4].hex(), "reply": 4096})
    replies = feed(f"mllp://127.0.0.1:{port}", steps, tmp_path)
    acks = [bytes.fromhex(r) for r in replies if r]
    assert len(acks) == 5, (replies, run.finish())
    from hl7apy.parser import parse_message

    for control, ack in zip(["A1", "A2", "A3", "A4", "A5"], acks, strict=True):
        assert ack.startswith(hl7.SB) and ack.endswith(hl7.EB + hl7.CR)
        msg = parse_message(ack[1:-2].decode().replace("\n", "\r"), find_groups=False)
        assert msg.msa.msa_1.value == "AA" and msg.msa.msa_2.value == control
    code, _, err = run.finish()
    assert code == 0, err
    got = {r["sample_id"]: r["values"] for r in run.results()}
    assert got["W000025000021"]["HGB"]["value"] == 132.0
    assert got["W000025000022"]["PLT"]["value"] == 230.0, (got, run.errors())
    assert got["W000025000023"]["HCT"]["value"] == pytest.approx(0.405)
    assert got["W000025000024"]["HGB"]["value"] == 140.0
    assert got["W000025000025"]["HGB"]["value"] == 120.0


def test_hl7_oversized_message_refused_then_recovery(tmp_path) -> None:
    port = free_tcp_port()
    run = DeviceTest("analyzer", "--protocol", "hl7", "--port", f"mllp://127.0.0.1:{port}", count=1)
    huge = oru("BIG", "W000025000031", ["HGB^Hemoglobin||13.0|g/dL"] + ["NTE^x||" + "x" * 1000 + "|"] * 1200)
    assert len(huge) > hl7.MAX_MESSAGE
    feed(f"mllp://127.0.0.1:{port}", [{"send": huge.hex(), "wait": 0.5}], tmp_path)
    good = oru("OK1", "W000025000032", ["HGB^Hemoglobin||13.0|g/dL"])
    replies = feed(f"mllp://127.0.0.1:{port}", [{"send": good.hex(), "reply": 4096}], tmp_path)
    assert b"MSA|AA|OK1" in bytes.fromhex(replies[0])
    code, _, err = run.finish()
    assert code == 0, err
    assert [r["sample_id"] for r in run.results()] == ["W000025000032"]
    assert any("longer than 1048576 bytes" in e for e in run.errors()), \
        run.errors()


# -- ID-card reader frames -------------------------------------------------------------------
def test_idcard_bad_checksum_truncated_and_unknown_card_type_then_a_good_read(pty_pair, tmp_path) -> None:
    from devhelpers import RESIDENT_CARD

    from devices.idcard import codec
    from devices.idcard.cardfile import card_from_dict

    station, device = pty_pair
    run = DeviceTest("idcard", "--port", station, "-o", "response_timeout=0.4", "-o", "poll_interval=0.05",
                     count=1, timeout=30, connect=False)
    card = card_from_dict(RESIDENT_CARD)
    good = codec.build_response(codec.SW_OK, codec.encode_read_data(card.text, card.photo, None))
    bad_sum = good[:-1] + bytes([good[-1] ^ 0xFF])
    truncated = good[: len(good) // 2]
    text = bytearray(card.text)
    text[codec.CARD_TYPE_OFFSET:codec.CARD_TYPE_OFFSET + 2] = "Q".encode("utf-16-le")
    unknown_type = codec.build_response(codec.SW_OK, codec.encode_read_data(bytes(text), card.photo, None))
    request = len(codec.build_request(*codec.CMD_FIND))

    def answer(*responses: bytes) -> list[dict[str, Any]]:
        return [{"recv": request, "send": r.hex()} for r in responses]

    ok, found = codec.build_response(codec.SW_OK), codec.build_response(codec.SW_FOUND)
    steps = answer(ok)  # SAM status
    steps += answer(found, ok, bad_sum, bad_sum, bad_sum)  # find, select, read and its two retries
    steps += answer(ok, found, ok, truncated, truncated, truncated)  # reconnected: SAM status, ...
    steps += answer(ok, found, ok, unknown_type)
    # the card placed again: read, then 30 03 (appended address) answered 91, none on this card
    steps += answer(codec.build_response(codec.SW_FIND_FAILED), found, ok, good,
                    codec.build_response(codec.SW_NO_CONTENT))
    received = feed(device, steps, tmp_path)
    assert all(len(r) == 2 * request for r in received), received  # the reader asked every time
    code, lines, err = run.finish()
    assert code == 0, err
    reads = [x for x in lines if x.get("event") == "idcard"]
    assert len(reads) == 1 and reads[0]["id_number"] == "110101199003077774"  # only the good read
    errors = " | ".join(run.errors())
    assert "corrupted reply from reader (checksum" in errors, errors
    assert f"incomplete reply from reader (truncated frame: {len(truncated)} of {len(good)} bytes)" in errors, errors
    assert "unsupported card type marker 'Q'" in errors, errors
