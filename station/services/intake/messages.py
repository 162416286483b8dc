"""Use cases on stored device messages: keep a raw message, file a matched analyzer result into the pre-donation
test, the unmatched queue and its assignment, link a message to a donation, and what a screen shows of them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from station import audit
from station.context import StationContext
from station.errors import ConfirmationRequired, NotFound, ValidationError
from station.identifiers import parse_din
from station.models import DeviceMessage, Donation
from station.security import Action, Actor, require_permission
from station.services import donations
from station.workflow import State

# analyzer test ids -> the pre-donation test's fields (values arrive already normalised by the driver)
ANALYTES = {"HGB": "hb_g_l", "HCT": "hct", "PLT": "plt_10e9_l", "MPV": "mpv_fl"}
EXPECTED_UNITS = {"HGB": "g/L", "HCT": "L/L", "PLT": "10^9/L", "MPV": "fL"}


def store_raw_message(ctx: StationContext, *, device_name: str, kind: str, protocol: str, received_at: datetime,
                      raw: bytes, parsed: dict[str, Any], error: str | None = None, direction: str = "in",
                      sample_id: str | None = None, status: str = "received", donation_id: int | None = None) -> int:
    """Keep a device's raw bytes with their parsed form; returns the id that results link to.

    `donation_id` links a message that belongs to a donation from the start (a label sent for it, its
    bags scanned, its donor's signature); analyzer results are linked when they are filed."""
    with ctx.transaction() as s:
        m = DeviceMessage(device_name=device_name, kind=kind, protocol=protocol, direction=direction,
                          received_at=received_at, raw=raw, parsed=parsed, error=error, sample_id=sample_id,
                          status="rejected" if error else status, donation_id=donation_id)
        s.add(m)
        s.flush()
        return m.id


def file_analyzer_result(ctx: StationContext, actor: Actor, message_id: int, *,
                         confirmations: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Record a stored analyzer result (matched by the intake, or assigned by staff) as the donation's
    pre-donation test, the sample id (the DIN) deciding which donation.

    QC results are never filed; results for unknown samples or donations not waiting for a test go to
    the unmatched queue for staff; nothing is dropped. The analyzer's flags travel with the values: a
    flagged value is filed only with a recorded confirmation (ConfirmationRequired until then)."""
    require_permission(actor, Action.FILE_DEVICE_RESULT)
    with ctx.transaction() as s:
        m = s.get(DeviceMessage, message_id, with_for_update=True)
        if m is None:
            raise NotFound("未找到仪器报文", "Device message not found", code="MESSAGE_NOT_FOUND")
        if m.status == "filed":
            return {"status": "filed", "message_id": m.id, "donation_id": m.donation_id}
        parsed = m.parsed or {}
        if parsed.get("is_qc"):
            m.status = "qc"
            return {"status": "qc", "message_id": m.id}
        sample = (m.sample_id or parsed.get("sample_id") or "").strip()
        donation = None
        try:
            din = parse_din(sample).din if sample else None
        except ValidationError:
            din = None
        if din:
            donation = s.execute(select(Donation).where(Donation.din == din)).unique().scalar_one_or_none()
        if donation is not None and donation.state in (State.REGISTERED.value, State.QUESTIONNAIRE_SIGNED.value):
            m.status, m.donation_id = "matched", donation.id  # waits for the examination, then it is filed
            return {"status": "waiting", "message_id": m.id, "donation_id": donation.id,
                    "reason": "the examination is not recorded yet"}
        if donation is None or donation.state != State.EXAMINED.value:
            m.status = "unmatched"
            why = "unknown sample" if donation is None else f"donation is {donation.state}"
            m.error = why
            return {"status": "unmatched", "message_id": m.id, "reason": why}
        values = parsed.get("values", {})
        missing = [k for k in ("HGB", "HCT", "PLT") if k not in values]
        if missing:
            m.status = "unmatched"
            m.error = f"missing {', '.join(missing)}"
            return {"status": "unmatched", "message_id": m.id, "reason": m.error}
        donation_id = donation.id
    result = donations.PretestInput(
        hb_g_l=values["HGB"]["value"], hct=values["HCT"]["value"], plt_10e9_l=values["PLT"]["value"],
        mpv_fl=values.get("MPV", {}).get("value"), source="device", device_name=m.device_name, raw_message_id=m.id,
        raw_units={k: {"raw_value": v.get("raw_value"), "raw_unit": v.get("raw_unit")} for k, v in values.items()},
        flags={ANALYTES[k]: {"flags": list(v.get("flags") or []), "raw": str(v.get("flag") or "")}
               for k, v in values.items() if k in ANALYTES and v.get("flags")})
    try:
        donations.record_pretest(ctx, actor, donation_id, result, confirmations=confirmations)
    except ConfirmationRequired as exc:
        with ctx.transaction() as s:
            m2 = s.get(DeviceMessage, message_id)
            assert m2 is not None
            m2.status = "unmatched"
            m2.error = "not filed: needs confirmation (" + ", ".join(p["code"] for p in exc.prompts) + ")"
        raise
    except Exception:
        with ctx.transaction() as s:
            m2 = s.get(DeviceMessage, message_id)
            assert m2 is not None
            m2.status = "unmatched"
            m2.error = "not filed: needs review"
        raise
    with ctx.transaction() as s:
        m2 = s.get(DeviceMessage, message_id)
        assert m2 is not None
        m2.status, m2.donation_id = "filed", donation_id
        audit.record(s, actor, "device_message.file", "device_message", m2.id, at=ctx.now(),
                     after={"donation_id": donation_id, "sample_id": sample}, donation_id=donation_id)
    return {"status": "filed", "message_id": message_id, "donation_id": donation_id, "din": din,
            "values": {k: v.get("value") for k, v in values.items()}}


def unmatched(ctx: StationContext, actor: Actor) -> list[dict[str, Any]]:
    require_permission(actor, Action.FILE_DEVICE_RESULT)
    with ctx.transaction() as s:
        return [{"message_id": m.id, "device": m.device_name, "sample_id": m.sample_id, "received_at": m.received_at,
                 "reason": m.error, "values": (m.parsed or {}).get("values", {})}
                for m in s.execute(select(DeviceMessage).where(DeviceMessage.status == "unmatched")
                                   .order_by(DeviceMessage.id)).scalars()]


def assign_unmatched(ctx: StationContext, actor: Actor, message_id: int, din: str, *,
                     confirmations: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Staff decide which donation an unmatched result belongs to; the raw message keeps its link."""
    require_permission(actor, Action.FILE_DEVICE_RESULT)
    scanned = parse_din(din).din
    with ctx.transaction() as s:
        m = s.get(DeviceMessage, message_id, with_for_update=True)
        if m is None or m.status != "unmatched":
            raise NotFound("该报文不在待匹配列表中", "That message is not in the unmatched queue", code="MESSAGE_NOT_FOUND")
        before = {"sample_id": m.sample_id}
        m.sample_id = scanned
        m.resolved_by, m.resolved_at = actor.user_id, ctx.now()
        audit.record(s, actor, "device_message.assign", "device_message", m.id, at=ctx.now(), before=before,
                     after={"sample_id": scanned})
    return file_analyzer_result(ctx, actor, message_id, confirmations=confirmations)



def waiting_results(ctx: StationContext, actor: Actor, donation_id: int) -> list[int]:
    """Analyzer results the intake matched to this donation that are not filed yet, oldest first."""
    require_permission(actor, Action.FILE_DEVICE_RESULT)
    with ctx.transaction() as s:
        return list(s.execute(select(DeviceMessage.id).where(
            DeviceMessage.donation_id == donation_id, DeviceMessage.kind == "analyzer",
            DeviceMessage.status == "matched").order_by(DeviceMessage.id)).scalars())


def latest_separator_summary(ctx: StationContext, actor: Actor, donation_id: int) -> dict[str, Any] | None:
    """The last end-of-run summary the separator sent for this donation, as stored: {"message_id", "summary"}."""
    require_permission(actor, Action.COLLECT)
    with ctx.transaction() as s:
        m = next((m for m in s.execute(select(DeviceMessage).where(
            DeviceMessage.donation_id == donation_id, DeviceMessage.kind == "separator",
            DeviceMessage.error.is_(None)).order_by(DeviceMessage.id.desc())).scalars()
            if (m.parsed or {}).get("type") == "summary"), None)
        return None if m is None else {"message_id": m.id, "summary": dict(m.parsed)}

