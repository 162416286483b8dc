"""Which donations are ready to archive: three signed records present, not archived yet; the rest listed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive.checks import RECORD_KINDS
from station.context import StationContext
from station.models import Donation, SignedRecord, Site
from station.workflow import State


@dataclass(frozen=True)
class RecordRef:
    kind: str
    path: Path
    sha256: str
    size: int
    signed_at: datetime
    signers: list[Any]
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Candidate:
    donation_id: int
    din: str
    donation_date: date
    department: str
    records: dict[str, RecordRef]


@dataclass(frozen=True)
class Incomplete:
    donation_id: int
    din: str
    donation_date: date
    state: str
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"donation_id": self.donation_id, "din": self.din, "donation_date": self.donation_date.isoformat(),
                "state": self.state, "missing": self.missing}


@dataclass
class Selection:
    ready: list[Candidate]
    incomplete: list[Incomplete]


def record_path(ctx: StationContext, stored: str) -> Path:
    """SignedRecord.path is absolute, or relative to the records folder of the configuration."""
    p = Path(stored)
    return p if p.is_absolute() else ctx.config.records_dir / p


def select_candidates(ctx: StationContext, *, date_from: date | None = None, date_to: date | None = None,
                      department: str | None = None, check_files: bool = True,
                      with_records: bool = True) -> Selection:
    """Donations in `records_signed` with all three records (and their files) are ready; donations
    sealed but not signed, or signed with a record or file missing, are listed as incomplete.

    With `with_records=False` the ready candidates carry no record references (`records` empty):
    the archiving job reads them per donation (`record_refs`), so that what it holds for a year's
    batch is a few numbers per donation."""
    q = (select(Donation.id, Donation.din, Donation.donation_date, Donation.state, Site.department)
         .join(Site, Site.id == Donation.site_id)
         .where(Donation.state.in_((State.RECORDS_SIGNED.value, State.SEALED.value)))
         .order_by(Donation.donation_date, Donation.id))
    if date_from is not None:
        q = q.where(Donation.donation_date >= date_from)
    if date_to is not None:
        q = q.where(Donation.donation_date <= date_to)
    if department:
        # the department by name (as on the site) or by its archive code from the configuration
        names = {department}
        if department == ctx.config.archive.department_code:
            names.add(ctx.config.site.department)
        q = q.where(Site.department.in_(sorted(names)))
    ready: list[Candidate] = []
    incomplete: list[Incomplete] = []
    # plain rows, a chunk at a time (no ORM objects): the memory held stays small for a year's batch
    with ctx.sessions() as s:
        rows = s.execute(q).all()
        for chunk_start in range(0, len(rows), 500):
            chunk = rows[chunk_start:chunk_start + 500]
            records: dict[int, dict[str, Any]] = {}
            for rec in s.execute(select(*_COLUMNS).where(SignedRecord.donation_id.in_([r.id for r in chunk]))):
                records.setdefault(rec.donation_id, {})[rec.kind] = rec
            for r in chunk:
                _judge(ctx, r, records.get(r.id, {}), check_files, with_records, ready, incomplete)
    return Selection(ready, incomplete)


_COLUMNS = (SignedRecord.donation_id, SignedRecord.kind, SignedRecord.path, SignedRecord.sha256,
            SignedRecord.size, SignedRecord.signed_at, SignedRecord.signers, SignedRecord.evidence)


def _ref(ctx: StationContext, rec: Any) -> RecordRef:
    return RecordRef(rec.kind, record_path(ctx, rec.path), rec.sha256, rec.size, rec.signed_at,
                     list(rec.signers or []), dict(rec.evidence or {}))


def record_refs(ctx: StationContext, session: Any, donation_id: int) -> dict[str, RecordRef]:
    """The signed records of one donation, by kind."""
    rows = session.execute(select(*_COLUMNS).where(SignedRecord.donation_id == donation_id))
    return {rec.kind: _ref(ctx, rec) for rec in rows if rec.kind in RECORD_KINDS}


def _judge(ctx: StationContext, r: Any, recs: dict[str, Any], check_files: bool, with_records: bool,
           ready: list[Candidate], incomplete: list[Incomplete]) -> None:
    """Ready or incomplete (with what is missing): one donation row and its signed-record rows."""
    if r.state == State.SEALED.value:
        incomplete.append(Incomplete(r.id, r.din, r.donation_date, r.state,
                                     [f"{k} (not signed)" for k in RECORD_KINDS]))
        return
    missing = [f"{k} (no signed record)" for k in RECORD_KINDS if k not in recs]
    refs: dict[str, RecordRef] = {}
    for kind in RECORD_KINDS:
        rec = recs.get(kind)
        if rec is None:
            continue
        refs[kind] = ref = _ref(ctx, rec)
        if check_files and not ref.path.is_file():
            missing.append(f"{kind} (file {ref.path} missing)")
    if missing:
        incomplete.append(Incomplete(r.id, r.din, r.donation_date, r.state, missing))
    else:
        ready.append(Candidate(r.id, r.din, r.donation_date, r.department or "", refs if with_records else {}))
