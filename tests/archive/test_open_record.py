"""Opening an archived item: the stored package checked again, each record's signature report, the PDFs
extracted for a viewer, the opening audited; a record altered in the store is reported, not shown as valid."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from station.errors import NotFound, PermissionDenied
from station.models import AuditEntry
from station.services.archiving.job import run_archive
from station.services.archiving.search import open_record


def test_open_a_record_then_find_it_altered_in_the_store(ctx, archivist, tmp_path: Path) -> None:
    result = run_archive(ctx, archivist)
    assert result.archive_numbers
    number = result.archive_numbers[0]
    opened = open_record(ctx, archivist, number, lang="en", extract_to=tmp_path / "view")
    assert opened["passed"] and opened["problems"] == []
    assert sorted(opened["records"]) == ["collection", "consent", "registration"]
    assert all(r["passed"] and "B-LTA" in r["text"] for r in opened["records"].values())
    for path in opened["files"].values():
        assert Path(path).read_bytes().startswith(b"%PDF")
    with ctx.transaction() as s:
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "archive.open")).scalars().all()

    # someone edits a byte of the stored consent PDF behind the application's back
    store_root = Path(urlparse(ctx.config.archive_store_url).path)
    stored = next(store_root.rglob(f"{number}*/data/records/consent.pdf"))
    data = bytearray(stored.read_bytes())
    data[len(data) // 3] ^= 0x01
    stored.write_bytes(bytes(data))
    again = open_record(ctx, archivist, number, lang="en")
    assert not again["passed"] and any("consent" in p["file"] for p in again["problems"])
    assert not again["records"]["consent"]["passed"]


def test_open_record_refusals(ctx, archivist) -> None:
    from station.demo import demo_actors

    with pytest.raises(PermissionDenied):
        open_record(ctx, demo_actors(ctx)["nurse"], "J001-2026-D10-XF2-00001")
    with pytest.raises(NotFound):
        open_record(ctx, archivist, "J999-0000-X-00000")
