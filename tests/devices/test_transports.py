"""Drivers over real virtual serial ports and TCP, each simulator in a separate process."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import serial
from devhelpers import RESIDENT_CARD

from devices.analyzer import astm, hl7
from devices.analyzer.driver import AstmAnalyzerWorker, Hl7AnalyzerWorker
from devices.base import ConnectionState, wait_until
from devices.idcard.reader import IdCardReaderWorker
from devices.transport import free_tcp_port

ROOT = Path(__file__).resolve().parents[2]


def test_idcard_one_read_per_placement(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    reader_sim = sim("idcard", device, "--hold", "1000")
    worker = IdCardReaderWorker("reader-1", station, poll_interval=0.05, **collector.kwargs())
    worker.start()
    try:
        reader_sim.control({"cmd": "place", "card": RESIDENT_CARD})
        event = collector.next()
        assert event.card.id_number == "110101199003077774" and event.card.name == "张三"
        assert event.raw.raw.startswith(bytes.fromhex("AAAAAA9669"))
        assert event.raw.parsed["id_number"] == "110101199003077774"
        # the card stays on the reader: no second read
        assert collector.none_within(0.6)
        reader_sim.control({"cmd": "remove"})
        time.sleep(0.2)
        reader_sim.control({"cmd": "place", "card": {**RESIDENT_CARD, "name": "李四"}})
        assert collector.next().card.name == "李四"
    finally:
        worker.stop()


def test_idcard_faults_reported_and_recovered(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    reader_sim = sim("idcard", device, "--hold", "1000")
    worker = IdCardReaderWorker("reader-1", station, poll_interval=0.05, response_timeout=0.3,
                                **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        reader_sim.control({"cmd": "fault", "mode": "silent"})
        assert wait_until(lambda: collector.saw_error("does not answer"), 5)
        reader_sim.control({"cmd": "fault", "mode": "garble"})
        reader_sim.control({"cmd": "place", "card": RESIDENT_CARD})
        assert wait_until(lambda: collector.saw_error("corrupted"), 5)
        assert collector.events.empty()
        reader_sim.control({"cmd": "remove"})
        reader_sim.control({"cmd": "fault", "mode": None})
        reader_sim.control({"cmd": "place", "card": RESIDENT_CARD})
        assert collector.next().card.id_number == "110101199003077774"
        assert worker.status.state == ConnectionState.CONNECTED
    finally:
        worker.stop()


def test_idcard_read_failure_stays_shown_until_a_good_read(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    reader_sim = sim("idcard", device, "--hold", "1000")
    worker = IdCardReaderWorker("reader-2", station, poll_interval=0.05, response_timeout=0.5, warning_hold=30,
                                **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        reader_sim.control({"cmd": "fault", "mode": "read_fail"})
        reader_sim.control({"cmd": "place", "card": RESIDENT_CARD})
        assert wait_until(lambda: "read" in worker.status.reason_en.lower()
                          and worker.status.state == ConnectionState.ERROR, 5)
        time.sleep(1.0)  # twenty polls later, finding no card, the clerk still sees why nothing was read
        assert worker.status.state == ConnectionState.ERROR and "read" in worker.status.reason_en.lower()
        assert collector.events.empty()
        reader_sim.control({"cmd": "remove"})
        reader_sim.control({"cmd": "fault", "mode": None})
        reader_sim.control({"cmd": "place", "card": RESIDENT_CARD})
        assert collector.next().card.id_number == "110101199003077774"
        assert worker.status.state == ConnectionState.CONNECTED  # the good read ends the warning
    finally:
        worker.stop()


def test_astm_over_pty_with_retry_and_qc(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    worker = AstmAnalyzerWorker("xn-1", station, **collector.kwargs())
    worker.start()
    analyzer = sim("analyzer", device)
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        analyzer.control({"cmd": "send", "sample_id": "W000025000001",
                          "values": {"HGB": 13.8, "HCT": 41.2, "PLT": 250}, "fault": "bad_checksum"})
        result = collector.next()
        assert result.sample_id == "W000025000001" and not result.is_qc
        assert result.values["HGB"].value == 138.0 and result.values["HCT"].value == 0.412
        assert result.raw.raw.startswith(astm.ENQ) and result.raw.raw.endswith(astm.EOT)
        assert analyzer.control({"cmd": "state"})["naks"] >= 1
        analyzer.control({"cmd": "send", "sample_id": "QC-LOT1", "values": {"HGB": 12}, "qc": True})
        assert collector.next().is_qc
    finally:
        worker.stop()


def test_astm_nak_storm_and_garbage_deliver_nothing(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    worker = AstmAnalyzerWorker("xn-1", station, **collector.kwargs())
    worker.start()
    analyzer = sim("analyzer", device)
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        analyzer.control({"cmd": "send_raw", "hex": (b"\x02garbage\x03\r\n\xff\x00").hex()})
        analyzer.control({"cmd": "send", "sample_id": "W1", "values": {"HGB": 13}, "fault": "nak_storm"})
        assert wait_until(lambda: collector.saw_error("rejected in a row"), 10)
        assert collector.events.empty()
        analyzer.control({"cmd": "send", "sample_id": "W2", "values": {"HGB": 13}})
        assert collector.next().sample_id == "W2"
    finally:
        worker.stop()


def test_astm_simulator_killed_mid_message_then_restarted(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    worker = AstmAnalyzerWorker("xn-1", station, receiver_timeout=1.0, **collector.kwargs())
    worker.start()
    analyzer = sim("analyzer", device)
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        analyzer.control({"cmd": "send", "sample_id": "W3", "values": {"HGB": 13}, "fault": "cut"})
        assert wait_until(lambda: worker.receiver.receiving, 5)
        analyzer.kill()  # switched off mid-message
        assert wait_until(lambda: collector.saw_error("timeout"), 5)
        assert collector.events.empty()
        analyzer.start()
        analyzer.control({"cmd": "send", "sample_id": "W4", "values": {"HGB": 14}})
        result = collector.next()
        assert result.sample_id == "W4" and result.values["HGB"].value == 140.0
        assert worker.status.state == ConnectionState.CONNECTED
    finally:
        worker.stop()


def test_unplugged_port_reported_and_recovered(tmp_path, collector) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")

    def socat() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"])
        assert wait_until(lambda: Path(a).exists() and Path(b).exists(), 5)
        return proc

    worker = AstmAnalyzerWorker("xn-1", a, backoff_initial=0.05, backoff_max=0.2, **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: collector.saw_error("cannot open port"), 5)
        proc = socat()
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        proc.terminate()  # the cable is pulled
        proc.wait(5)
        assert wait_until(lambda: worker.status.state != ConnectionState.CONNECTED, 5)
        proc = socat()
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        dev = serial.serial_for_url(b, timeout=1)
        frames = astm.build_frames(["H|\\^&", "O|1|W5||^^^^HGB|||||||N", "R|1|^^^^HGB^1|130|g/L||N||F", "L|1|N"])
        dev.write(astm.ENQ)
        assert dev.read(1) == astm.ACK
        for frame in frames:
            dev.write(frame)
            assert dev.read(1) == astm.ACK
        dev.write(astm.EOT)
        assert collector.next().values["HGB"].value == 130.0
        dev.close()
        proc.terminate()
        proc.wait(5)
    finally:
        worker.stop()


def test_hl7_over_tcp_ack_and_ae(sim, collector) -> None:
    port = free_tcp_port()
    worker = Hl7AnalyzerWorker("bc-1", f"mllp://127.0.0.1:{port}", **collector.kwargs())
    worker.start()
    analyzer = sim("analyzer", f"mllp://127.0.0.1:{port}", "--protocol", "hl7")
    try:
        analyzer.control({"cmd": "send", "sample_id": "W000025000007",
                          "values": {"HGB": ["138", "g/L"], "PLT": ["230", "10*9/L"]}})
        result = collector.next()
        assert result.sample_id == "W000025000007" and result.values["PLT"].value == 230.0
        analyzer.control({"cmd": "send", "raw": "MSH|^~\\&|BC|M|||20240101||ADT^A01|77|P|2.3.1"})
        assert wait_until(lambda: len(analyzer.control({"cmd": "state"})["acks"]) == 2, 10)
        acks = analyzer.control({"cmd": "state"})["acks"]
        assert acks[0]["code"] == "AA" and acks[1] == {"code": "AR", "control_id": "77",
                                                       "text": acks[1]["text"]}
        assert collector.events.empty()
    finally:
        worker.stop()


def test_hl7_garbage_and_a_cut_block_are_reported_then_a_good_message_is_filed(collector) -> None:
    port = free_tcp_port()
    worker = Hl7AnalyzerWorker("bc-2", f"mllp://127.0.0.1:{port}", garbage_quiet=0.3, block_timeout=0.8,
                               **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(b"\x00\x01 not HL7 at all")  # no block ever starts
            assert wait_until(lambda: "outside an MLLP block" in worker.status.reason_en, 5)
            conn.sendall(hl7.SB + b"MSH|^~\\&|BC|M|||20261201||ORU^R01|9|P|2.3.1\rOBR|1||W0000")  # then silence
            assert wait_until(lambda: "cut short" in worker.status.reason_en, 5)
            conn.sendall(hl7.mllp_wrap(hl7.build_oru("W000025000008", {"HGB": ("13.1", "g/dL")}, control_id="10")))
            conn.settimeout(5)
            assert b"MSA|AA|10" in conn.recv(4096)
        result = collector.next()
        assert result.sample_id == "W000025000008" and result.values["HGB"].value == 131.0
        assert collector.events.empty()  # nothing was made of the garbage or of the cut block
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
    finally:
        worker.stop()


def station_cmd(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_station_device_test_end_to_end(pty_pair, sim) -> None:
    station, device = pty_pair
    analyzer = sim("analyzer", device)
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "device", "test", "analyzer",
                             "--port", station, "--count", "1", "--timeout", "20", "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    analyzer.control({"cmd": "send", "sample_id": "W000025000001", "values": {"HGB": 13.8, "PLT": 250}})
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    result = [x for x in lines if x["event"] == "analyzer_result"]
    assert len(result) == 1 and result[0]["values"]["HGB"]["value"] == 138.0
    assert result[0]["values"]["HGB"]["unit"] == "g/L"


def test_station_device_test_timeout(pty_pair) -> None:
    station, _ = pty_pair
    done = station_cmd("device", "test", "analyzer", "--port", station, "--timeout", "1", "--json")
    assert done.returncode == 1
    assert "no device event within 1 s" in done.stderr or "1 秒内未收到设备事件" in done.stderr
    assert "Traceback" not in done.stderr
