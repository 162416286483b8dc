"""Separator, signature pad, fingerprint, label printer and scanner: models, codecs and drivers."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from devices.base import ConnectionState, wait_until
from devices.fingerprint.driver import FingerprintRetry, FingerprintWorker
from devices.fingerprint.model import FingerprintDataError, decode_capture_line
from devices.printer.driver import ZplPrinterWorker
from devices.printer.zpl import LabelData, LabelError, _mod37_2, build_label_zpl, parse_host_status
from devices.scanner.driver import SerialScannerWorker, classify
from devices.separator.adapters import JsonLinesAdapter
from devices.separator.driver import SeparatorWorker
from devices.separator.model import ProcedureParameters, SeparatorDataError
from devices.signature.driver import SignaturePadWorker
from devices.signature.model import PenSample, SignatureCapture
from devices.transport import free_tcp_port


@pytest.mark.parametrize("din,check", [("A999914123456", "N"), ("G123498654321", "H"),
                                       ("W000025000001", "W")])
def test_mod37_2_vectors(din: str, check: str) -> None:
    assert _mod37_2(din) == check


def test_isbt_label_zpl() -> None:
    label = LabelData("A999914123456", "00", "N", "O RhD+", "E3090V00", "2024-06-27")
    zpl = build_label_zpl(label)
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert "^FD=A99991412345600^FS" in zpl  # data structure 001: '=' + DIN + flags
    barcodes = [line for line in zpl.splitlines() if "^BC" in line]
    assert not any("A999914123456N" in b for b in barcodes)  # the check character is never encoded
    assert "^GB" in zpl and "^FDN^FS" in zpl  # boxed check character in the eye-readable text
    assert "^FD=<E3090V00^FS" in zpl and "2024-06-27" in zpl
    with pytest.raises(LabelError, match="check character"):
        build_label_zpl(LabelData("A999914123456", "00", "K", "O RhD+", "E3090V00", "2024-06-27"))
    with pytest.raises(LabelError, match="DIN"):
        build_label_zpl(LabelData("O999914123456", "00", "N", "O RhD+", "E3090V00", "2024-06-27"))


def test_printer_over_tcp_and_paper_out(sim, collector, tmp_path) -> None:
    port = free_tcp_port()
    printer = sim("printer", f"tcp://127.0.0.1:{port}", "--store", str(tmp_path / "jobs"))
    worker = ZplPrinterWorker("zebra", f"socket://127.0.0.1:{port}", **collector.kwargs())
    worker.start()
    try:
        label = LabelData("W000025000001", "00", "W", "A RhD-", "E3090V00", "2024-06-27")
        worker.print_label(label)
        event = collector.next()
        assert event.din == "W000025000001"
        # the driver reports the job once written; the simulator stores it when the bytes arrive
        assert wait_until(lambda: printer.control({"cmd": "state"})["jobs"] == 1, 5)
        state = printer.control({"cmd": "state"})
        assert state["jobs"] == 1 and "=W00002500000100" in state["last_job"]
        assert (tmp_path / "jobs" / "job-0001.zpl").read_bytes().startswith(b"^XA")
        printer.control({"cmd": "fault", "mode": "paper_out"})
        worker.print_label(label)
        assert wait_until(lambda: collector.saw_error("paper out"), 10)
        assert printer.control({"cmd": "state"})["jobs"] == 1
        printer.control({"cmd": "fault", "mode": None})
        assert collector.next(15).din == "W000025000001"  # the held job prints after the fault
        assert wait_until(lambda: printer.control({"cmd": "state"})["jobs"] == 2, 5)
    finally:
        worker.stop()


def test_host_status_parse() -> None:
    from devices.printer.zpl import host_status_reply

    assert parse_host_status(host_status_reply()).ready
    assert parse_host_status(host_status_reply(head_open=True)).problems()[1] == "head open"
    with pytest.raises(LabelError):
        parse_host_status(b"\x02030,0\x03")


def test_separator_adapter_validation() -> None:
    adapter = JsonLinesAdapter()
    [msg] = adapter.decode(b'{"type":"status","phase":"collecting","elapsed_s":600,"processed_ml":650,'
                           b'"yield_e11":0.9,"ac_used_ml":60,"alarms":[]}')
    assert msg.payload.processed_ml == 650
    for bad in (b"{", b"[]", b'{"type":"status","phase":"boiling"}',
                b'{"type":"status","phase":"collecting","elapsed_s":-1,"processed_ml":1,"yield_e11":1,"ac_used_ml":1}',
                b'{"type":"summary","procedure_type":"platelets"}', b'{"type":"launch"}'):
        with pytest.raises(SeparatorDataError):
            adapter.decode(bad)
    with pytest.raises(SeparatorDataError):
        ProcedureParameters(170, 65, "M", 250, 44, "A+")  # HCT given in % instead of a fraction


def test_separator_procedure_and_parameter_handoff(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    separator = sim("separator", device, "--speed", "1200")
    worker = SeparatorWorker("trima-1", station, **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        worker.send_parameters(ProcedureParameters(172, 68, "M", 245, 0.43, "O+",
                                                   donation_id="W000025000001"))
        types = []
        summary = None
        while summary is None:
            event = collector.next(15)
            types.append(event.type)
            if event.type == "summary":
                summary = event.payload
        assert "ack" in types and "status" in types and types.index("ack") < types.index("status")
        assert summary.donation_id == "W000025000001"
        assert 2.0 < summary.platelet_yield_e11 < 8.0 and summary.rinseback_completed
        assert summary.post_count is not None and summary.post_count < 245
        assert separator.control({"cmd": "state"})["parameters"]["blood_type"] == "O+"
        separator.control({"cmd": "send_raw", "hex": b'{"type":"status","phase":"x"}\n'.hex()})
        assert wait_until(lambda: collector.saw_error("unknown phase"), 5)
    finally:
        worker.stop()


def test_signature_model_png_and_hash() -> None:
    samples = [PenSample(10 + i, 20 + (i % 7), 500, i * 8, True) for i in range(50)]
    samples.append(PenSample(60, 27, 0, 400, False))
    capture = SignatureCapture(samples, 800, 300)
    capture.validate()
    again = SignatureCapture.from_json(capture.to_json())
    assert again.sha256 == capture.sha256 and len(capture.sha256) == 64
    png = capture.render_png(400, 150)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGBA" and image.size == (400, 150)
    alpha = image.getchannel("A")
    assert alpha.getextrema() == (0, 255)  # transparent background, opaque ink
    empty = SignatureCapture([PenSample(1, 1, 0, 0, False)], 800, 300)
    with pytest.raises(ValueError, match="empty"):
        empty.validate()


def test_signature_pad_driver(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    pad = sim("signature-pad", device)
    worker = SignaturePadWorker("pad-1", station, **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        pad.control({"cmd": "send_raw", "hex": b"BEGIN 800 300 1023\r\nS 900 10 5 0 1\r\nEND\r\n".hex()})
        assert wait_until(lambda: collector.saw_error("outside the pad"), 5)
        pad.control({"cmd": "sign"})
        event = collector.next()
        assert len(event.capture.samples) > 100 and event.capture.sha256 == event.raw.parsed["sha256"]
    finally:
        worker.stop()


def test_fingerprint_capture(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    scanner = sim("fingerprint", device)
    worker = FingerprintWorker("fp-1", station, **collector.kwargs())
    worker.start()
    try:
        worker.request_capture()
        first = collector.next()
        assert first.capture.image_png.startswith(b"\x89PNG") and first.capture.quality >= 40
        worker.request_capture()
        assert collector.next().capture.template_sha256 == first.capture.template_sha256
        scanner.control({"cmd": "finger", "seed": 7})
        worker.request_capture()
        assert collector.next().capture.template_sha256 != first.capture.template_sha256
        scanner.control({"cmd": "fault", "mode": "low_quality"})
        worker.request_capture()
        retry = collector.next()  # a poor press: the donor presses again, the scanner is not at fault
        assert isinstance(retry, FingerprintRetry) and "quality" in retry.reason_en and retry.final
        assert worker.status.state == ConnectionState.CONNECTED
    finally:
        worker.stop()
    with pytest.raises(FingerprintDataError):
        decode_capture_line(json.dumps({"type": "capture", "image_png_b64": "AAAA",
                                        "template_b64": "AAAA", "quality": 90}).encode())


def test_scanner(pty_pair, sim, collector) -> None:
    assert classify("=W00002500000100") == ("isbt128-din", {"din": "W000025000001", "flags": "00"})
    assert classify("=<E3090V00")[0] == "isbt128-product"
    station, device = pty_pair
    scanner = sim("scanner", device)
    worker = SerialScannerWorker("scan-1", station, **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
        scanner.control({"cmd": "send_raw", "hex": (b"A" * 2000 + b"\r\n" + b"\x01\x02\r\n").hex()})
        scanner.control({"cmd": "scan", "data": "=W00002500000100"})
        event = collector.next()
        assert event.fields == {"din": "W000025000001", "flags": "00"}
        assert collector.saw_error("oversized") and collector.saw_error("control characters")
    finally:
        worker.stop()
