"""Deliverable 1 of issue 20: no value is ever delivered under another sample id.

A real E1381 sender (devices.analyzer.astm.AstmSender, optionally one that moves on after a NAK
instead of retransmitting) talks to the receiver through a channel that loses, duplicates, reorders
and corrupts what passes in either direction; whatever the receiver hands on is parsed exactly as the
driver does, and every value that comes out must be the value the instrument reported for that
sample. The same for HL7 over MLLP (one ACK per message, MSA-2 = its MSH-10) and for the separator."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.analyzer import astm, e1394, hl7
from devices.analyzer.sim import sysmex_records

# samples with values that differ between every two samples, so a misfile cannot go unnoticed
SAMPLES = {f"W00002500{n:04d}": {"HGB": f"{11 + n * 0.3:.1f}", "PLT": str(120 + 15 * n),
                                 "MPV": f"{7 + n * 0.2:.1f}"} for n in range(1, 7)}
UNITS = {"HGB": "g/dL", "PLT": "10*3/uL", "MPV": "fL"}
EXPECTED = {sid: {"HGB": round(float(v["HGB"]) * 10, 6), "PLT": float(v["PLT"]), "MPV": float(v["MPV"])}
            for sid, v in SAMPLES.items()}


def records_of(sample_id: str) -> list[str]:
    return sysmex_records(sample_id, {k: (v, UNITS[k]) for k, v in SAMPLES[sample_id].items()})


# one action per unit on the wire: 0 pass, 1 drop, 2 duplicate, 3 corrupt one byte, 4 hold back
# (delivered after the next unit: a reordering)
ACTIONS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10_000)), max_size=400)
REPLY_ACTIONS = st.lists(st.integers(0, 3), max_size=400)


@dataclass
class Channel:
    actions: deque[tuple[int, int]]
    held: list[bytes] = field(default_factory=list)

    def carry(self, unit: bytes) -> list[bytes]:
        action, where = self.actions.popleft() if self.actions else (0, 0)
        out: list[bytes] = []
        if action == 0:
            out = [unit]
        elif action == 2:
            out = [unit, unit]
        elif action == 3 and unit:
            bad = bytearray(unit)
            bad[where % len(bad)] ^= 1 << (where % 8)
            out = [bytes(bad)]
        elif action == 4:
            self.held.append(unit)
            return []
        out += self.held
        self.held.clear()
        return out


def simulate(sample_ids: list[str], one_transfer: bool, actions: list[tuple[int, int]], replies: list[int],
             moves_on_after_nak: bool) -> list[astm.Transfer]:
    """Run the transfers through the faulty channel; returns what the receiver handed on.

    Replies (ACK/NAK) are passed (0), lost (1), repeated (2) or late (3): a late reply reaches the
    sender only when its next transfer starts, so that sender believes its ENQ was acknowledged,
    which together with a lost EOT and a lost ENQ puts its frames into the previous transfer: the
    situation in which the issue's receiver appended sample B's results to sample A."""
    receiver = astm.AstmReceiver(timeout=30.0)
    forward = Channel(deque(actions))
    reverse = deque(replies)
    late: list[bytes] = []
    now = 0.0
    delivered: list[astm.Transfer] = []
    groups = [[r for sid in sample_ids for r in records_of(sid)]] if one_transfer else \
        [records_of(sid) for sid in sample_ids]
    for records in groups:
        sender = astm.AstmSender(astm.build_frames(records), reply_timeout=15.0)
        pending = [sender.start(now)]
        for b in late:
            pending.append(sender.on_byte(b, now))
        late.clear()
        steps = 0
        while (sender.state != "done" or pending) and steps < 2000:
            steps += 1
            units = [p.send for p in pending if p.send]
            pending = []
            for unit in units:
                for piece in forward.carry(unit):
                    out = receiver.feed(piece, now)
                    delivered += out.transfers
                    for byte in out.reply:
                        b = bytes([byte])
                        action = reverse.popleft() if reverse else 0
                        if action == 3:
                            late.append(b)
                            continue
                        for _ in range({0: 1, 1: 0, 2: 2}[action]):
                            if moves_on_after_nak and b == astm.NAK and sender.state == "frames":
                                b = astm.ACK  # a sender that does not retransmit after a NAK
                            pending.append(sender.on_byte(b, now))
            if not pending and sender.state != "done":  # nothing came back: time passes
                now += 16.0
                pending.append(sender.tick(now))
                delivered += receiver.check_timeout(now).transfers
        for unit in forward.carry(b""):  # whatever the channel still held back
            delivered += receiver.feed(unit, now).transfers
        now += 1.0
    now += 60
    delivered += receiver.check_timeout(now).transfers
    return delivered


def filed_values(transfers: list[astm.Transfer]) -> list[tuple[str, dict[str, float]]]:
    """What the driver would file: every message of every transfer that parses (driver._on_transfer)."""
    out = []
    for transfer in transfers:
        for message in e1394.split_messages(transfer.text.decode("latin-1")):
            try:
                samples = e1394.parse_message(message)
            except e1394.AstmMessageError:
                continue
            out += [(s.sample_id, {k: m.value for k, m in s.values.items()}) for s in samples]
    return out


def _no_value_under_another_sample(ids, one_transfer, actions, replies, moves_on) -> None:
    for sample_id, values in filed_values(simulate(ids, one_transfer, actions, replies, moves_on)):
        assert sample_id in ids
        for analyte, value in values.items():
            assert value == pytest.approx(EXPECTED[sample_id][analyte]), (sample_id, analyte, value)


# With the receiver (a frame numbered expected-1 ACKed without comparing it) this test found a
# misfiled value in two of three runs of 1,500 examples (a late ACK, a lost EOT and a lost ENQ; the
# deterministic test_a_sender_that_moves_on_cannot_append_another_sample always fails with it); 6,000
# seeded random cases gave 5 misfiled values with that receiver and none with this one.
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(SAMPLES)), min_size=1, max_size=4, unique=True), st.booleans(),
       ACTIONS, REPLY_ACTIONS, st.booleans())
def test_astm_no_value_under_another_sample(ids, one_transfer, actions, replies, moves_on) -> None:
    _no_value_under_another_sample(ids, one_transfer, actions, replies, moves_on)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@settings(max_examples=30000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(SAMPLES)), min_size=1, max_size=4, unique=True), st.booleans(),
       ACTIONS, REPLY_ACTIONS, st.booleans())
def test_astm_no_value_under_another_sample_long(ids, one_transfer, actions, replies, moves_on) -> None:
    _no_value_under_another_sample(ids, one_transfer, actions, replies, moves_on)


def test_astm_clean_channel_files_everything() -> None:
    ids = sorted(SAMPLES)[:3]
    for one in (True, False):
        got = filed_values(simulate(ids, one, [], [], False))
        assert [sid for sid, _ in got] == ids
        assert all(v == pytest.approx(EXPECTED[sid]) for sid, v in got)


def test_a_different_frame_with_the_previous_number_is_naked_and_counted() -> None:
    """The issue's case: the sender does not retransmit after a NAK; what arrives with the number of
    the frame already acknowledged is another sample's data, not a repeat."""
    frames_a = astm.build_frames(records_of("W000025000001"))
    frames_b = astm.build_frames(records_of("W000025000002"))
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    assert receiver.feed(frames_a[0] + frames_a[1] + frames_a[2], 0).reply == astm.ACK * 3
    # frame 3 of sample B (the O record: same frame number as the one acknowledged, other content)
    assert frames_b[2][1:2] == frames_a[2][1:2] and frames_b[2] != frames_a[2]
    out = receiver.feed(frames_b[2], 0)
    assert out.reply == astm.NAK and "different content" in out.errors[0]
    # from then on the sender is known to be elsewhere: nothing more of this transfer is taken
    for frame in frames_a[2:]:
        out = receiver.feed(frame, 0)
        assert out.reply == astm.NAK and "out of step" in out.errors[0]
    out = receiver.feed(astm.EOT, 0)
    assert "discarded" in out.errors[0] and filed_values(out.transfers) == []
    # the next transfer starts clean
    receiver.feed(astm.ENQ, 0)
    for frame in frames_a:
        assert receiver.feed(frame, 0).reply == astm.ACK
    [transfer] = receiver.feed(astm.EOT, 0).transfers
    [(sid, values)] = filed_values([transfer])
    assert sid == "W000025000001" and values == pytest.approx(EXPECTED[sid])


def test_a_true_repeat_is_acknowledged_and_kept_once() -> None:
    frames = astm.build_frames(records_of("W000025000001"))
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    for frame in frames:
        assert receiver.feed(frame, 0).reply == astm.ACK
        assert receiver.feed(frame, 0).reply == astm.ACK  # every ACK of ours was lost once
    [transfer] = receiver.feed(astm.EOT, 0).transfers
    assert transfer.complete and filed_values([transfer]) == [("W000025000001", EXPECTED["W000025000001"])]


def test_mismatched_repeats_count_towards_the_abort() -> None:
    frames_a = astm.build_frames(records_of("W000025000001"))
    frames_b = astm.build_frames(records_of("W000025000002"))
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    receiver.feed(frames_a[0] + frames_a[1] + frames_a[2], 0)
    outs = [receiver.feed(frames_b[2], 0) for _ in range(astm.MAX_NAKS)]
    assert all(o.reply == astm.NAK for o in outs)
    assert "transfer aborted" in outs[-1].errors[-1] and not receiver.receiving
    assert not any(o.transfers for o in outs)
    assert receiver.feed(frames_a[3] + astm.EOT, 0).transfers == []  # the rest is line noise now


def test_an_acknowledged_repeat_does_not_reset_the_nak_count() -> None:
    frames = astm.build_frames(records_of("W000025000001"))
    bad = bytearray(frames[2])
    bad[-4:-2] = b"00" if bytes(bad[-4:-2]) != b"00" else b"01"
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    receiver.feed(frames[0] + frames[1], 0)
    for _ in range(astm.MAX_NAKS - 1):
        assert receiver.feed(bytes(bad), 0).reply == astm.NAK
        assert receiver.feed(frames[1], 0).reply == astm.ACK  # a repeat is no progress
    out = receiver.feed(bytes(bad), 0)
    assert "transfer aborted" in out.errors[-1] and not receiver.receiving


# -- HL7 over MLLP -----------------------------------------------------------------------------
def oru_of(sample_id: str, control_id: str) -> bytes:
    units = {"HGB": "g/dL", "PLT": "10*3/uL", "MPV": "fL"}
    return hl7.build_oru(sample_id, {k: (v, units[k]) for k, v in SAMPLES[sample_id].items()},
                         control_id=control_id)


def tcp_carry(channel: Channel, unit: bytes) -> list[bytes]:
    """MLLP runs over TCP: bytes are not corrupted or reordered inside a connection, but whole
    messages are lost, repeated (the analyzer resends after a lost ACK) or come in another order
    (resends across reconnections), and TCP splits them anywhere: action 3 splits the unit."""
    action, where = channel.actions[0] if channel.actions else (0, 0)
    if action == 3 and len(unit) > 1:
        channel.actions.popleft()
        cut = 1 + where % (len(unit) - 1)
        return [unit[:cut], unit[cut:]]
    return channel.carry(unit)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(SAMPLES)), min_size=1, max_size=5), ACTIONS, st.booleans())
def test_hl7_no_value_under_another_sample_and_one_ack_per_message(ids, actions, resend) -> None:
    from devices.analyzer.driver import Hl7Session

    session = Hl7Session("bc", "hl7")
    channel = Channel(deque(actions))
    control_ids = {f"C{i}": sid for i, sid in enumerate(ids)}
    outputs = []
    messages = [hl7.mllp_wrap(oru_of(sid, cid)) for cid, sid in control_ids.items()]
    if resend:  # the analyzer did not see some ACKs and sends those messages again
        messages += messages[::2]
    sent = 0
    for message in messages:
        for unit in tcp_carry(channel, message):
            outputs += session.feed(unit)
    for unit in channel.carry(b""):
        outputs += session.feed(unit)
    outputs += session.flush(partial=True)
    filed = [a for o in outputs for a in o.accepted]
    for accepted in filed:
        assert control_ids[accepted.control_id] == accepted.samples[0].sample_id
        for sample in accepted.samples:
            assert sample.sample_id in ids
            for analyte, m in sample.values.items():
                assert m.value == pytest.approx(EXPECTED[sample.sample_id][analyte])
    # one ACK for each whole message, MSA-2 its MSH-10; nothing filed twice
    for o in outputs:
        if o.accepted or o.refused or (o.ack and not o.invalid):
            assert o.ack is not None
            msa = next(s for s in o.ack.decode().split("\r") if s.startswith("MSA|")).split("|")
            assert msa[1] == "AA" and msa[2] in control_ids
        for accepted in o.accepted:
            assert msa[2] == accepted.control_id
    assert len({a.control_id for a in filed}) == len(filed)
    sent = sum(1 for o in outputs if o.ack is not None)
    assert sent >= len(filed)


def test_hl7_repeated_message_is_acknowledged_again_not_filed_twice() -> None:
    from devices.analyzer.driver import Hl7Session

    session = Hl7Session("bc", "hl7")
    block = hl7.mllp_wrap(oru_of("W000025000001", "M1"))
    [first] = session.feed(block)
    [again] = session.feed(block)
    assert first.accepted and not again.accepted
    assert again.ack == first.ack and b"MSA|AA|M1" in first.ack
    assert "not filed twice" in again.notes[0]
    # the same control id with other content is another message: filed, and answered for itself
    [other] = session.feed(hl7.mllp_wrap(oru_of("W000025000002", "M1")))
    assert other.accepted and other.accepted[0].samples[0].sample_id == "W000025000002"


@pytest.mark.parametrize("cut", range(1, 8))
def test_a_sender_that_moves_on_cannot_append_another_sample(cut: int) -> None:
    """Sample A's transfer stops after `cut` frames (its sender gave up, its EOT and the next ENQ were
    lost); the sender then sends sample B's frames 1, 2, ... and moves on after every NAK. B's frame
    with the number we expect must never be appended to A's message (the issue's 120 instead of 210)."""
    frames_a = astm.build_frames(records_of("W000025000001"))
    frames_b = astm.build_frames(records_of("W000025000002"))
    receiver = astm.AstmReceiver()
    receiver.feed(astm.ENQ, 0)
    delivered: list[astm.Transfer] = []
    for frame in frames_a[:cut]:
        out = receiver.feed(frame, 0)
        assert out.reply == astm.ACK
    for frame in frames_b:
        delivered += receiver.feed(frame, 0).transfers
    delivered += receiver.feed(astm.EOT, 0).transfers
    for sample_id, values in filed_values(delivered):
        for analyte, value in values.items():
            assert value == pytest.approx(EXPECTED[sample_id][analyte])


# -- separator -------------------------------------------------------------------------------------
def test_separator_summary_for_another_donation_is_never_delivered(pty_pair, sim, collector) -> None:
    """The device was set up for donation A; a summary (or acknowledgement) naming donation B, a line
    cut and run into the next, are refused with the raw line kept; A's own summary still comes."""
    import json as _json
    from datetime import UTC, datetime, timedelta

    from devices.base import wait_until
    from devices.separator.driver import SeparatorWorker
    from devices.separator.model import ProcedureParameters

    station, device = pty_pair
    separator = sim("separator", device, "--speed", "1200")
    worker = SeparatorWorker("trima-1", station, **collector.kwargs())
    worker.start()
    try:
        assert wait_until(lambda: worker.status.state.value == "connected", 5)
        worker.send_parameters(ProcedureParameters(172, 68, "M", 245, 0.43, "O+", donation_id="W000025000001"))
        end = datetime.now(UTC)
        other = {"type": "summary", "procedure_type": "platelets", "device_serial": "SIM", "kit_catalogue": "80300",
                 "kit_lot": "L", "ac_lot": "A", "started_at": (end - timedelta(minutes=70)).isoformat(),
                 "ended_at": end.isoformat(), "run_time_min": 60, "whole_blood_processed_ml": 2600,
                 "ac_used_ml": 236, "ac_to_donor_ml": 184, "platelet_volume_ml": 250, "platelet_yield_e11": 1.2,
                 "plasma_volume_ml": 0, "post_count": 120, "post_hct": 0.4, "operator": "",
                 "rinseback_completed": True, "alarms": [], "donation_id": "W000025000002"}
        line = _json.dumps(other).encode()
        separator.control({"cmd": "send_raw", "hex": (line + b"\n" + line[:80] + line + b"\n").hex()})
        assert wait_until(lambda: collector.saw_error("for donation W000025000002 but the device was set up "
                                                      "for W000025000001"), 10)
        summaries = []
        while not summaries:
            event = collector.next(20)
            if event.type == "summary":
                summaries.append(event.payload)
        assert [s.donation_id for s in summaries] == ["W000025000001"]
        assert summaries[0].platelet_yield_e11 != 1.2
        refused = [r for r in collector.raws if r.error and "W000025000002" in r.error]
        assert refused and refused[0].raw == line
        assert any(r.error and "not a JSON line" in r.error for r in collector.raws)
    finally:
        worker.stop()
