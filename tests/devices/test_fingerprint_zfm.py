"""R30x / ZFM serial fingerprint modules: packet codec, template and quality checks, the driver against the
module simulator in its own process over a pty; and the quality refusals of the fingerprint model."""
from __future__ import annotations

import json

import pytest

from devices.base import ConnectionState, wait_until
from devices.fingerprint import zfm
from devices.fingerprint.driver import FingerprintEvent, FingerprintRetry
from devices.fingerprint.model import FingerprintDataError, check_quality, decode_capture_line
from devices.fingerprint.zfm_driver import ZfmFingerprintWorker
from devices.fingerprint.zfm_sim import synthetic_pixels, synthetic_template
from devices.registry import create_device

# the command packets as the published libraries send them (address FF FF FF FF)
PUBLISHED = {
    "VfyPwd": (zfm.vfypwd(0), "EF01 FFFFFFFF 01 0007 13 00000000 001B"),
    "GenImg": (zfm.build_command(zfm.CMD_GENIMG), "EF01 FFFFFFFF 01 0003 01 0005"),
    "Img2Tz(1)": (zfm.build_command(zfm.CMD_IMG2TZ, b"\x01"), "EF01 FFFFFFFF 01 0004 02 01 0008"),
    "UpChar(1)": (zfm.build_command(zfm.CMD_UPCHAR, b"\x01"), "EF01 FFFFFFFF 01 0004 08 01 000E"),
    "UpImage": (zfm.build_command(zfm.CMD_UPIMAGE), "EF01 FFFFFFFF 01 0003 0A 000E"),
    "ack ok": (zfm.build_ack(0x00), "EF01 FFFFFFFF 07 0003 00 000A"),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_packets_are_byte_exact(name: str) -> None:
    packet, expected = PUBLISHED[name]
    assert packet == bytes.fromhex(expected.replace(" ", ""))
    assert zfm.decode_packet(packet).raw == packet


def test_decoder_resyncs_and_refuses_bad_packets() -> None:
    good = zfm.build_ack(0x02)
    bad = bytearray(good)
    bad[-1] ^= 0x01
    items = zfm.PacketDecoder().feed(b"\x00\x13" + bytes(bad) + good)
    assert [type(i).__name__ for i in items] == ["PacketError", "PacketError", "Packet"]
    assert items[1].reason == "checksum error" and zfm.parse_ack(items[2]) == (0x02, b"")
    other = zfm.build_ack(0x00, address=0x12345678)
    assert isinstance(zfm.PacketDecoder(0xFFFFFFFF).feed(other)[0], zfm.PacketError)
    with pytest.raises(zfm.ZfmFormatError):
        zfm.parse_ack(zfm.decode_packet(zfm.build_command(zfm.CMD_GENIMG)))
    # data packets: 02 ... then 08; anything else in between is refused
    parts = [zfm.decode_packet(p) for p in zfm.data_packets(bytes(range(200)), 64)]
    assert [p.pid for p in parts] == [2, 2, 2, 8]
    assembler = zfm.DataAssembler(1000)
    assert [assembler.add(p) for p in parts] == [False, False, False, True]
    assert assembler.data() == bytes(range(200))
    with pytest.raises(zfm.ZfmFormatError):
        zfm.DataAssembler(1000).add(zfm.decode_packet(zfm.build_ack(0)))
    with pytest.raises(zfm.ZfmFormatError, match="more than"):
        small = zfm.DataAssembler(100)
        for p in parts:
            small.add(p)


def test_template_checks() -> None:
    good = synthetic_template(3)
    assert zfm.check_template(good) == good and len(good) == 512
    for bad, reason in ((bytes(512), "empty"), (b"\xff" * 512, "empty"), (good[:100], "too short"),
                        (good[:300], "expected 512"), (b"\x01" + bytes(511), "empty")):
        with pytest.raises(zfm.ZfmFormatError, match=reason):
            zfm.check_template(bad)


def test_image_packing_and_quality() -> None:
    pixels = synthetic_pixels(3)
    packed = zfm.pack_image(pixels)
    assert len(packed) == 256 * 288 // 2
    unpacked = zfm.unpack_image(packed)
    assert all(abs(a - b) <= 15 for a, b in zip(unpacked[::97], pixels[::97], strict=True))
    assert zfm.image_quality(unpacked) >= 40
    assert zfm.image_quality(zfm.unpack_image(zfm.pack_image(synthetic_pixels(3, faint=True)))) < 40
    assert zfm.image_quality(b"\xff" * (256 * 288)) == 0
    with pytest.raises(zfm.ZfmFormatError):
        zfm.unpack_image(packed[:-1])


@pytest.mark.parametrize("value", [1e400, float("nan"), float("-inf"), 10**400, True, "90", None, 55.5, -1, 101])
def test_a_quality_that_is_no_score_is_a_refusal_not_a_crash(value: object) -> None:
    with pytest.raises(FingerprintDataError):
        check_quality(value)
    line = json.dumps({"type": "capture", "image_png_b64": "iVBORw0KGgo=", "template_b64": "AQIDBAUGBwgJ" * 4,
                       "quality": value}).replace("Infinity", "1e400")
    with pytest.raises(FingerprintDataError):
        decode_capture_line(line.encode())
    assert check_quality(90) == 90 and check_quality(90.0) == 90
    with pytest.raises(FingerprintDataError) as low:
        check_quality(12)
    assert low.value.retryable


def test_empty_template_over_json_lines_is_refused() -> None:
    png = "iVBORw0KGgo="
    for template in ("", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AQID"):
        with pytest.raises(FingerprintDataError, match="template"):
            decode_capture_line(json.dumps({"type": "capture", "image_png_b64": png, "template_b64": template,
                                            "quality": 90}).encode())


# -- the driver against the simulator ------------------------------------------------------

def _start(pty_pair, sim, collector, **options):
    station, device = pty_pair
    module = sim("fingerprint-zfm", device)
    worker = ZfmFingerprintWorker("fp-zfm", station, poll_interval=0.02, **options, **collector.kwargs())
    worker.start()
    assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 10)
    return module, worker


def test_a_capture_from_the_module(pty_pair, sim, collector) -> None:
    module, worker = _start(pty_pair, sim, collector)
    try:
        module.control({"cmd": "press", "seed": 3})
        worker.request_capture()
        event = collector.next(20)
        assert isinstance(event, FingerprintEvent)
        capture = event.capture
        assert capture.image_png.startswith(b"\x89PNG") and capture.quality >= 40
        assert capture.template == synthetic_template(3) and capture.template_format == "R30x character file"
        # the raw message is every packet the module sent for this press, in order
        decoder = zfm.PacketDecoder()
        packets = decoder.feed(event.raw.raw)
        assert all(isinstance(p, zfm.Packet) for p in packets) and decoder.pending() == 0
        assert [p.pid for p in packets][:2] == [zfm.PID_ACK, zfm.PID_ACK]  # GenImg, UpImage acks
        assert sum(1 for p in packets if p.pid == zfm.PID_END) == 2  # the image and the template
        assert event.raw.parsed["template_sha256"] == capture.template_sha256
        state = module.control({"cmd": "state"})
        assert state["commands"][0] == "13" and {"01", "0A", "02", "08"} <= set(state["commands"])
        module.control({"cmd": "press", "seed": 4})
        worker.request_capture()
        assert collector.next(20).capture.template_sha256 != capture.template_sha256
    finally:
        worker.stop()


@pytest.mark.parametrize("press,code,reason", [
    ({"image": "messy"}, 0x06, "disorderly"),
    ({"image": "few"}, 0x07, "feature points"),
    ({"image": "fail"}, 0x03, "press again"),
    ({"image": "faint"}, None, "image quality"),
    ({"template": "zeros"}, None, "empty template"),
    ({"template": "ff"}, None, "empty template"),
    ({"template": "short"}, None, "too short"),
])
def test_a_poor_press_is_retried_not_a_scanner_fault(pty_pair, sim, collector, press, code, reason) -> None:
    module, worker = _start(pty_pair, sim, collector)
    try:
        module.control({"cmd": "press", "seed": 5, **press})
        module.control({"cmd": "press", "seed": 5})
        worker.request_capture()
        retry = collector.next(20)
        assert isinstance(retry, FingerprintRetry), retry
        assert retry.code == code and reason in retry.reason_en and retry.reason_zh and not retry.final
        capture = collector.next(20)
        assert isinstance(capture, FingerprintEvent) and capture.capture.template == synthetic_template(5)
        assert not [s for s in collector.statuses if s.state != ConnectionState.CONNECTED]
        refused = [r for r in collector.raws if r.error]
        assert refused and refused[0].raw.startswith(zfm.START)  # the refused press's packets are kept
    finally:
        worker.stop()


def test_no_finger_and_exhausted_attempts_end_the_request(pty_pair, sim, collector) -> None:
    _module, worker = _start(pty_pair, sim, collector, finger_timeout=0.5, attempts=2)
    try:
        worker.request_capture()
        first, second = collector.next(10), collector.next(10)
        assert isinstance(first, FingerprintRetry) and first.code == 0x02 and not first.final
        assert isinstance(second, FingerprintRetry) and second.final and "no finger" in second.reason_en
        assert worker.status.state == ConnectionState.CONNECTED
        assert collector.none_within(0.5)
    finally:
        worker.stop()


def test_wrong_password_is_a_device_fault(pty_pair, sim, collector) -> None:
    station, device = pty_pair
    module = sim("fingerprint-zfm", device)
    module.control({"cmd": "fault", "mode": "wrong_password"})
    worker = create_device("fingerprint", "zfm", station, "fp-zfm", {"response_timeout": 0.5},
                           **collector.kwargs())
    assert isinstance(worker, ZfmFingerprintWorker)
    worker.start()
    try:
        assert wait_until(lambda: collector.saw_error("wrong module password"), 10)
        module.control({"cmd": "fault", "mode": None})
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 15)
    finally:
        worker.stop()


def test_the_supervisor_runs_the_module_simulator_for_the_registered_driver(tmp_path, collector) -> None:
    from devices.sim_supervisor import ALL_KINDS, DRIVER_OF, SimSupervisor

    assert "fingerprint-zfm" not in ALL_KINDS  # started only when asked for by name
    sims = SimSupervisor(tmp_path / "sims")
    try:
        sims.start(("fingerprint-zfm",))
        kind, driver = DRIVER_OF["fingerprint-zfm"]
        worker = create_device(kind, driver, sims.ports["fingerprint-zfm"], "fp-zfm", {"poll_interval": 0.02},
                               **collector.kwargs())
        worker.start()
        try:
            assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 10)
            sims.control("fingerprint-zfm", {"cmd": "press", "seed": 9})
            worker.device_test_trigger()  # type: ignore[attr-defined]
            assert collector.next(20).capture.template == synthetic_template(9)
        finally:
            worker.stop()
    finally:
        sims.stop()
