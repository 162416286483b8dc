"""The headless device intake: every message from every device stored raw the moment it arrives, then matched.

A driver calls `on_raw` for every message it sends or receives (good, refused, outgoing) and `on_event` for what
it decoded; `DeviceIntake.callbacks(name, kind)` gives the pair to hand to `devices.registry.create_device`. Both
run on the device's own worker thread, never on a screen's: a message is in the database before any screen hears
of it, and whether anybody is signed in makes no difference. Then the intake matches what it can:

- an analyzer result by its sample id (the DIN) to the donation (``matched``), QC results apart (``qc``), the
  rest on the unmatched list with the reason (``unmatched``); filing a matched result into the pre-donation
  test is the physician's step (`messages.file_analyzer_result`), so an unattended result waits, never lost;
- a separator summary, a printed label and a scanned DIN to their donation by DIN.

What the intake did is reported to listeners as an `Intake` (the desktop client turns it into a Qt signal; the
headless demo queues it). If the database cannot take a message, it is appended to a spool file in the data
folder and stored first thing the next time a message arrives or the intake starts: nothing is dropped.
Card reads and fingerprint templates are personal data: their raw bytes are kept encrypted (PII key)."""
from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from signing.atomic import atomic_write
from station.context import StationContext
from station.errors import ValidationError
from station.identifiers import mask_id, parse_din
from station.models import DeviceMessage, Donation
from station.services.intake.messages import store_raw_message

log = logging.getLogger(__name__)

ENCRYPTED_KINDS = frozenset({"idcard", "fingerprint"})  # raw bytes carry personal data
RAW_PURPOSE = "device raw message"
_REMEMBERED = 512  # raw messages whose stored id an event may still ask for


@dataclass(frozen=True)
class Intake:
    """What the intake did with one device event: stored as `message_id`, with the status it left it in."""

    device: str
    kind: str
    status: str  # received | matched | unmatched | qc | rejected | failed (not stored: spooled)
    message_id: int | None = None
    donation_id: int | None = None
    sample_id: str | None = None
    reason: str = ""
    event: Any = None
    values: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Intake], None]


def _kind_of(kind: str) -> str:
    return "analyzer" if kind.startswith("analyzer") else kind


class DeviceIntake:
    """One per station process; thread-safe (each device calls it from its own worker thread)."""

    def __init__(self, ctx: StationContext, *, spool: Path | None = None) -> None:
        self.ctx = ctx
        self.spool = spool or Path(ctx.config.data_dir) / "run" / "intake-spool.jsonl"
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._stored: OrderedDict[int, tuple[Any, int | None]] = OrderedDict()
        self.replay_spool()

    # -- wiring ------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def callbacks(self, name: str, kind: str, *, then: Callable[[Intake], None] | None = None
                  ) -> tuple[Callable[[Any], None], Callable[[Any], None]]:
        """(on_raw, on_event) for one device; `then` also hears this device's intakes (after the listeners)."""
        def on_raw(raw: Any) -> None:
            self.take_raw(name, kind, raw)

        def on_event(event: Any) -> None:
            intake = self.take_event(name, kind, event)
            if then is not None:
                then(intake)

        return on_raw, on_event

    # -- raw messages --------------------------------------------------------------------------------
    def take_raw(self, name: str, kind: str, raw: Any) -> int | None:
        """Store one raw message as it crossed the wire (refused ones too, with their error)."""
        kind = _kind_of(kind)
        message_id = self._store(name, kind, raw, parsed=dict(getattr(raw, "parsed", {}) or {}),
                                 error=getattr(raw, "error", None))
        with self._lock:
            self._stored[id(raw)] = (raw, message_id)  # the object is kept so its id cannot be reused meanwhile
            while len(self._stored) > _REMEMBERED:
                self._stored.popitem(last=False)
        return message_id

    def _stored_id(self, name: str, kind: str, raw: Any) -> int | None:
        with self._lock:
            known = self._stored.get(id(raw))
        if known is not None and known[0] is raw:
            return known[1]
        return self.take_raw(name, kind, raw)  # a driver that reported the event without its raw message

    def _store(self, name: str, kind: str, raw: Any, *, parsed: dict[str, Any], error: str | None) -> int | None:
        data: bytes = bytes(getattr(raw, "raw", b"") or b"")
        if kind in ENCRYPTED_KINDS:
            data = self.ctx.pii.encrypt(base64.b64encode(data).decode("ascii"), RAW_PURPOSE)
            parsed = _without_personal_data(kind, parsed)
        fields = {"device_name": name[:64], "kind": kind[:32], "protocol": str(getattr(raw, "protocol", ""))[:32],
                  "direction": str(getattr(raw, "direction", "in"))[:8],
                  "received_at": getattr(raw, "received_at", None) or self.ctx.now(), "raw": data,
                  "parsed": parsed, "error": error}
        try:
            self.replay_spool()
            return store_raw_message(self.ctx, **fields)
        except Exception as exc:  # the database is away: keep the message on disk, store it later
            log.error("device message from %s could not be stored (%s); spooled to %s", name, exc, self.spool)
            self._append_spool(fields)
            return None

    def _append_spool(self, fields: dict[str, Any]) -> None:
        doc = {**fields, "raw": base64.b64encode(fields["raw"]).decode("ascii"),
               "received_at": fields["received_at"].isoformat()}
        with self._lock:
            _append(self.spool, (json.dumps(doc, ensure_ascii=False, default=str) + "\n").encode("utf-8"))

    def replay_spool(self) -> int:
        """Store what an earlier failure spooled, in order. Each line leaves the spool once it is stored, so a
        database that fails again halfway keeps the rest spooled and stores nothing twice."""
        with self._lock:
            if not self.spool.exists():
                return 0
            lines = self.spool.read_bytes().splitlines()
            for i, line in enumerate(lines):
                try:
                    doc = json.loads(line)
                    doc["raw"] = base64.b64decode(doc["raw"])
                    doc["received_at"] = datetime.fromisoformat(doc["received_at"])
                except (ValueError, KeyError, TypeError):  # a line cut short by a crash while it was written
                    log.warning("a damaged line in %s was kept aside", self.spool)
                    _append(self.spool.with_suffix(".damaged"), line + b"\n")
                    continue
                try:
                    store_raw_message(self.ctx, **doc)
                except Exception:
                    atomic_write(self.spool, b"".join(x + b"\n" for x in lines[i:]), mode=0o600)
                    raise
            self.spool.unlink()
            return len(lines)

    def link(self, message_ids: list[int | None], donation_id: int) -> None:
        """Messages that name no donation themselves (the donor's fingerprint and pen data on the tablet) belong
        to this one: the step that used them says so. A message already linked elsewhere is refused."""
        ids = [m for m in message_ids if m is not None]
        with self.ctx.transaction() as s:
            for m in s.execute(select(DeviceMessage).where(DeviceMessage.id.in_(ids)).with_for_update()).scalars():
                if m.donation_id not in (None, donation_id):
                    raise ValidationError("该设备报文已属于另一次献血", "That device message belongs to another donation",
                                          code="MESSAGE_LINKED_ELSEWHERE", details={"message_id": m.id})
                m.donation_id = donation_id
                if m.status == "received":
                    m.status = "matched"

    # -- decoded events --------------------------------------------------------------------------------
    def take_event(self, name: str, kind: str, event: Any) -> Intake:
        """Match what a driver decoded to a donation, then tell the listeners."""
        kind = _kind_of(kind)
        raw = getattr(event, "raw", None)
        message_id = self._stored_id(name, kind, raw) if raw is not None else None
        try:
            intake = self._match(name, kind, event, message_id)
        except Exception as exc:  # matching failed: the message stays stored as received, staff see it
            log.exception("device message %s from %s could not be matched", message_id, name)
            intake = Intake(name, kind, "received", message_id, reason=f"not matched: {exc}", event=event)
        if message_id is None and raw is not None:
            intake = Intake(name, kind, "failed", None, intake.donation_id, intake.sample_id,
                            "the database did not take the message; it is kept in the spool file", event)
        for listener in self._listeners:
            try:
                listener(intake)
            except Exception:  # a listener's bug must not stop the next device message
                log.exception("intake listener failed")
        return intake

    def _match(self, name: str, kind: str, event: Any, message_id: int | None) -> Intake:
        if kind == "analyzer" and hasattr(event, "sample_id") and hasattr(event, "values"):
            return self._match_result(name, event, message_id)
        din = _din_of(kind, event)
        donation_id = None
        if din and message_id is not None:
            with self.ctx.transaction() as s:
                donation_id = s.execute(select(Donation.id).where(Donation.din == din)).scalar_one_or_none()
                m = s.get(DeviceMessage, message_id, with_for_update=True)
                if m is not None:
                    m.sample_id = din
                    if kind == "separator":
                        m.parsed = {"type": "summary", **event.payload.to_json()}
                    if donation_id is not None:
                        m.donation_id, m.status = donation_id, "matched"
        return Intake(name, kind, "matched" if donation_id else "received", message_id, donation_id, din, event=event)

    def _match_result(self, name: str, event: Any, message_id: int | None) -> Intake:
        sample = str(event.sample_id or "").strip()
        values = {k: getattr(v, "value", v) for k, v in event.values.items()}
        parsed = event.to_json()
        if message_id is None:
            return Intake(name, "analyzer", "failed", None, sample_id=sample, event=event, values=values)
        din = _din(sample)
        with self.ctx.transaction() as s:
            m = s.get(DeviceMessage, message_id, with_for_update=True)
            assert m is not None
            m.parsed, m.sample_id = parsed, sample[:64] or None
            donation = s.execute(select(Donation).where(Donation.din == din)).unique().scalar_one_or_none() \
                if din else None
            if parsed.get("is_qc"):
                m.status, why = "qc", "quality-control sample"
            elif donation is None:
                m.status, why = "unmatched", "unknown sample"
                m.error = why
            else:
                m.status, m.donation_id, why = "matched", donation.id, ""
            return Intake(name, "analyzer", m.status, message_id, m.donation_id, sample, why, event, values)


def _append(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _din(text: str) -> str | None:
    try:
        return parse_din(text).din if text else None
    except ValidationError:
        return None


def _din_of(kind: str, event: Any) -> str | None:
    """The donation a non-analyzer message names, if it names one."""
    if kind == "separator" and getattr(event, "type", None) == "summary":
        return _din(str(getattr(event.payload, "donation_id", "") or ""))
    if kind == "printer":
        return _din(str(getattr(event, "din", "") or (getattr(event, "to_json", dict)() or {}).get("din", "")))
    if kind == "scanner":
        return _din(str(getattr(event, "data", "") or ""))
    return None


def _without_personal_data(kind: str, parsed: dict[str, Any]) -> dict[str, Any]:
    """What may stay readable of a card read or a fingerprint: no name, address, photo, template."""
    if kind == "idcard":
        number = str(parsed.get("id_number") or "")
        return {"card_type": parsed.get("card_type"), "id_number_masked": mask_id(number) if number else ""}
    if kind == "fingerprint":
        return {k: parsed[k] for k in ("quality", "template_format", "device", "captured_at", "template_sha256",
                                       "image_sha256") if k in parsed}
    return parsed
