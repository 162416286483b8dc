"""The headless device intake: every message stored raw the moment it arrives, whoever is signed in (nobody, here),
then matched to its donation or listed as unmatched; nothing is lost when the database is away."""
from __future__ import annotations

import socket
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from devices.analyzer.hl7 import build_oru, mllp_wrap
from devices.base import ConnectionState, RawMessage, wait_until
from devices.registry import create_device
from station.models import DeviceMessage, PreDonationTest
from station.services.intake import messages
from station.services.intake import service as intake_service
from station.services.intake.service import DeviceIntake
from station.workflow import State
from tests.station.flow import din_of, drive, new_donation, state_of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _send_hl7(port: int, message: bytes) -> bytes:
    """What the instrument does: connect, send one MLLP block, read the acknowledgement."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(mllp_wrap(message))
        ack = b""
        while not ack.endswith(b"\x1c\r"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            ack += chunk
    return ack


def _rows(ctx: Any) -> list[DeviceMessage]:
    with ctx.transaction() as s:
        rows = list(s.execute(select(DeviceMessage).order_by(DeviceMessage.id)).scalars())
        for r in rows:
            s.expunge(r)
        return rows


def test_a_result_sent_while_nobody_is_signed_in_is_stored_matched_and_filed_later(ctx: Any, staff: Any) -> None:
    donation_id = new_donation(ctx, staff)
    drive(ctx, staff, donation_id, State.EXAMINED)
    din = din_of(ctx, donation_id)
    intake = DeviceIntake(ctx)
    heard: list[Any] = []
    intake.subscribe(heard.append)
    port = _free_port()
    on_raw, on_event = intake.callbacks("hl7-1", "analyzer")
    worker = create_device("analyzer", "hl7", f"127.0.0.1:{port}", "hl7-1", {}, on_raw=on_raw, on_event=on_event)
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 10, 0.02)
        sent = build_oru(din, {"HGB": ("138", "g/L"), "HCT": ("42.0", "%"), "PLT": ("231", "10*9/L")},
                         control_id="MSG0001")
        ack = _send_hl7(port, sent)
        assert b"MSA|AA|MSG0001" in ack
        assert wait_until(lambda: bool(heard), 10, 0.02)
    finally:
        worker.stop()
    got = heard[0]
    assert (got.status, got.donation_id, got.sample_id) == ("matched", donation_id, din)
    stored = [r for r in _rows(ctx) if r.kind == "analyzer" and r.direction == "in"]
    assert len(stored) == 1 and stored[0].status == "matched" and stored[0].donation_id == donation_id
    assert stored[0].raw == mllp_wrap(sent)  # the bytes as they crossed the wire
    assert any(r.direction == "out" and b"MSA|AA" in r.raw for r in _rows(ctx))  # the ACK is kept too
    # nobody filed it: the donation still waits; the physician who opens it files what the intake stored
    assert state_of(ctx, donation_id) == State.EXAMINED.value
    assert messages.waiting_results(ctx, staff.physician, donation_id) == [stored[0].id]
    out = messages.file_analyzer_result(ctx, staff.physician, stored[0].id)
    assert out["status"] == "filed" and state_of(ctx, donation_id) == State.PRETESTED.value
    with ctx.transaction() as s:
        test = s.execute(select(PreDonationTest).where(PreDonationTest.donation_id == donation_id)).scalar_one()
        assert (test.hb_g_l, test.hct, test.plt_10e9_l, test.raw_message_id) == (138.0, 0.42, 231.0, stored[0].id)
    assert messages.waiting_results(ctx, staff.physician, donation_id) == []


def test_an_unknown_sample_is_stored_and_listed_as_unmatched(ctx: Any, staff: Any) -> None:
    intake = DeviceIntake(ctx)
    raw = RawMessage("a1", "analyzer", "hl7", "in", datetime.now(UTC), b"MSH|...", {})
    mid = intake.take_raw("a1", "analyzer", raw)

    class Result:
        sample_id, values, raw = "W000099000001", {}, None

        def to_json(self) -> dict[str, Any]:
            return {"sample_id": self.sample_id, "values": {}, "is_qc": False}

    event = Result()
    event.raw = raw  # type: ignore[misc]
    got = intake.take_event("a1", "analyzer", event)
    assert (got.status, got.message_id, got.reason) == ("unmatched", mid, "unknown sample")
    assert [u["message_id"] for u in messages.unmatched(ctx, staff.physician)] == [mid]


def test_a_message_the_database_cannot_take_is_spooled_then_stored_in_order(ctx: Any, monkeypatch: Any) -> None:
    intake = DeviceIntake(ctx)
    real = intake_service.store_raw_message
    down = {"on": True}

    def store(*args: Any, **kw: Any) -> int:
        if down["on"]:
            raise OSError("database server went away")
        return real(*args, **kw)

    monkeypatch.setattr(intake_service, "store_raw_message", store)
    first = RawMessage("scan-1", "scanner", "serial", "in", datetime.now(UTC), b"=W0000250000010 0\r", {"data": "x"})
    assert intake.take_raw("scan-1", "scanner", first) is None
    assert intake.spool.exists() and stat.S_IMODE(intake.spool.stat().st_mode) == 0o600
    assert _rows(ctx) == []
    down["on"] = False
    second = RawMessage("scan-1", "scanner", "serial", "in", datetime.now(UTC), b"=W0000250000020 0\r", {"data": "y"})
    assert intake.take_raw("scan-1", "scanner", second) is not None
    assert [r.raw for r in _rows(ctx)] == [first.raw, second.raw]  # the spooled one first, nothing twice
    assert not intake.spool.exists()


def test_a_spool_replay_that_fails_halfway_keeps_the_rest(ctx: Any, monkeypatch: Any) -> None:
    intake = DeviceIntake(ctx)
    real = intake_service.store_raw_message
    calls = {"n": 0, "fail_at": set()}

    def store(*args: Any, **kw: Any) -> int:
        calls["n"] += 1
        if calls["n"] in calls["fail_at"]:
            raise OSError("database server went away")
        return real(*args, **kw)

    monkeypatch.setattr(intake_service, "store_raw_message", store)
    calls["fail_at"] = {1, 2, 3}
    for i in range(3):
        intake.take_raw("p", "printer", RawMessage("p", "printer", "zpl", "out", datetime.now(UTC), b"^XA%d^XZ" % i, {}))
    assert len(intake.spool.read_bytes().splitlines()) == 3
    calls["fail_at"] = {calls["n"] + 2}  # the second spooled line fails this time
    with pytest.raises(OSError):
        intake.replay_spool()
    assert [r.raw for r in _rows(ctx)] == [b"^XA0^XZ"]
    assert len(intake.spool.read_bytes().splitlines()) == 2
    assert intake.replay_spool() == 2
    assert [r.raw for r in _rows(ctx)] == [b"^XA0^XZ", b"^XA1^XZ", b"^XA2^XZ"]


def test_card_reads_are_kept_encrypted_without_readable_personal_data(ctx: Any) -> None:
    intake = DeviceIntake(ctx)
    text = "张三 330106198805121235 浙江省杭州市西湖区文三路100号".encode("utf-16-le")
    raw = RawMessage("id-1", "idcard", "ga467", "in", datetime.now(UTC), text,
                     {"name": "张三", "address": "浙江省杭州市西湖区文三路100号", "id_number": "330106198805121235",
                      "card_type": "resident"})
    mid = intake.take_raw("id-1", "idcard", raw)
    (row,) = _rows(ctx)
    assert row.id == mid and text not in row.raw and "张三".encode("utf-16-le") not in row.raw
    assert row.parsed == {"card_type": "resident", "id_number_masked": "330106********1235"}
    import base64

    assert base64.b64decode(ctx.pii.decrypt(row.raw, intake_service.RAW_PURPOSE)) == text


def test_messages_naming_no_donation_are_linked_by_the_step_that_used_them(ctx: Any, staff: Any) -> None:
    donation_id = new_donation(ctx, staff)
    other = new_donation(ctx, staff)
    intake = DeviceIntake(ctx)
    mid = intake.take_raw("fp", "fingerprint", RawMessage("fp", "fingerprint", "serial", "in", datetime.now(UTC),
                                                          b"\xef\x01template", {"quality": 80}))
    intake.link([mid], donation_id)
    (row,) = _rows(ctx)
    assert (row.donation_id, row.status) == (donation_id, "matched")
    from station.errors import ValidationError

    with pytest.raises(ValidationError):
        intake.link([mid], other)


def test_spool_survives_a_new_intake(ctx: Any, monkeypatch: Any, tmp_path: Path) -> None:
    """A client killed while the database was away: the next start stores what it spooled."""
    intake = DeviceIntake(ctx)
    monkeypatch.setattr(intake_service, "store_raw_message", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    intake.take_raw("s", "scanner", RawMessage("s", "scanner", "serial", "in", datetime.now(UTC), b"abc", {}))
    monkeypatch.undo()
    time.sleep(0.01)
    DeviceIntake(ctx)  # the next start
    assert [r.raw for r in _rows(ctx)] == [b"abc"]
