"""Archive search (the seed's archive list) and the list of items past retention for disposal review."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from station.context import StationContext
from station.models import Donation, Donor
from station.models.archive import ArchiveItem
from station.security import Action, Actor, require_permission

ID_TYPES = ("resident", "hmt", "foreigner", "passport")


def item_row(item: ArchiveItem) -> dict[str, Any]:
    """One row of the archive list; the ID number only masked."""
    return {
        "item_number": item.item_number, "archive_number": item.archive_number, "year": item.year,
        "name": item.donor_name, "retention_years": item.retention_years,
        "retention_until": item.retention_until.isoformat(),
        "collection_time": item.collection_time.isoformat() if item.collection_time else None,
        "id_type": item.id_type, "id_number": item.id_number_masked, "din": item.din,
        "department": item.department, "full_text_count": item.full_text_count,
        "donation_date": item.donation_date.isoformat(), "package_url": item.package_url,
        "package_sha256": item.package_sha256, "status": item.status,
        "archived_at": item.archived_at.isoformat(),
        "last_verified_at": item.last_verified_at.isoformat() if item.last_verified_at else None,
        "last_verify_passed": item.last_verify_passed,
    }


def search_archive(ctx: StationContext, actor: Actor, name: str | None = None, id_number: str | None = None,
                   din: str | None = None, date_from: date | None = None, date_to: date | None = None,
                   limit: int = 500) -> list[dict[str, Any]]:
    """Archived items by donor name (part of it), full ID number (exact, via the blind index), DIN and
    donation date range; newest first."""
    require_permission(actor, Action.VIEW_ARCHIVE)
    q = select(ArchiveItem)
    if name and name.strip():
        q = q.where(ArchiveItem.donor_name.contains(name.strip(), autoescape=True))
    if din and din.strip():
        text = "".join(din.split()).upper()
        q = q.where(ArchiveItem.din == text[:13])
    if id_number and id_number.strip():
        from station.services.donors import id_index

        number = "".join(id_number.split()).upper()
        indexes = [id_index(ctx, t, number) for t in ID_TYPES]
        q = q.join(Donation, Donation.id == ArchiveItem.donation_id).join(Donor, Donor.id == Donation.donor_id) \
             .where(Donor.id_number_index.in_(indexes))
    if date_from is not None:
        q = q.where(ArchiveItem.donation_date >= date_from)
    if date_to is not None:
        q = q.where(ArchiveItem.donation_date <= date_to)
    q = q.order_by(ArchiveItem.year.desc(), ArchiveItem.item_number.desc()).limit(limit)
    with ctx.sessions() as s:
        return [item_row(i) for i in s.execute(q).scalars()]



def search_archive_text(ctx: StationContext, actor: Actor, text: str) -> list[dict[str, Any]]:
    """The archive list's search box: a DIN, a full ID number (exact) or part of the name; IDs come back masked."""
    from station.identifiers import classify_search

    criteria = classify_search(text)
    if "phone" in criteria:
        criteria = {"name": text.strip()}
    return search_archive(ctx, actor, **criteria)


def due_for_disposal(ctx: StationContext, actor: Actor, on: date | None = None) -> list[dict[str, Any]]:
    """Items whose retention period ended before `on` (default today): for appraisal, never deleted here."""
    require_permission(actor, Action.VIEW_ARCHIVE)
    on = on or ctx.today()
    q = (select(ArchiveItem).where(ArchiveItem.retention_until < on)
         .order_by(ArchiveItem.retention_until, ArchiveItem.year, ArchiveItem.item_number))
    with ctx.sessions() as s:
        return [item_row(i) for i in s.execute(q).scalars()]


def open_record(ctx: StationContext, actor: Actor, archive_number: str, *, lang: str = "zh_CN",
                extract_to: Any = None) -> dict[str, Any]:
    """One archived item as the archivist opens it: the package fetched from the records store, the four
    checks run again on it, and each record's signature report (signatures, time stamps, long-term
    validation). With `extract_to` (a folder) the three PDFs are copied there to be opened in a viewer.
    Opening is audited: archived records hold personal health data."""
    require_permission(actor, Action.VIEW_ARCHIVE)
    import shutil
    from pathlib import Path

    from archive.package import record_file_name
    from archive.store import store_from_config
    from station import audit
    from station.errors import NotFound
    from station.models import SignedRecord
    from station.services.archiving.job import _verifier, load_facts, verify_package

    number = archive_number.strip()
    with ctx.sessions() as s:
        item = s.execute(select(ArchiveItem).where(ArchiveItem.archive_number == number)).scalar_one_or_none()
        if item is None:
            raise NotFound(f"未找到档案 {number}", f"No archive item {number}", code="ARCHIVE_ITEM_NOT_FOUND")
        records = {r.kind: r for r in s.execute(select(SignedRecord).where(
            SignedRecord.donation_id == item.donation_id)).scalars()}
        facts = load_facts(ctx, s, item.donation_id)
        row = item_row(item)
    verifier = _verifier(ctx)
    reports: dict[str, Any] = {}
    files: dict[str, str] = {}
    try:
        with store_from_config(ctx.config).open(item.package_name) as bag_dir:
            problems = verify_package(ctx, item, bag_dir, verifier, records, facts)
            for kind in ("consent", "registration", "collection"):
                path = Path(bag_dir) / "data" / record_file_name(kind)
                if not path.is_file():
                    continue
                report = verifier.verify(path.read_bytes(), f"data/{record_file_name(kind)}")
                reports[kind] = {"passed": report.passed, "text": report.to_text(lang), **report.to_json()}
                if extract_to is not None:
                    target = Path(extract_to) / f"{item.archive_number}_{Path(record_file_name(kind)).name}"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
                    files[kind] = str(target)
    finally:
        verifier.close()
    with ctx.transaction() as s:
        audit.record(s, actor, "archive.open", "archive_item", item.id, at=ctx.now(),
                     after={"archive_number": item.archive_number, "passed": not problems},
                     donation_id=item.donation_id)
    return {**row, "passed": not problems, "problems": problems, "records": reports, "files": files}
