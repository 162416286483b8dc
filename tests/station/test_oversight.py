"""Exports, audit viewing and backups: permission first, ID numbers masked in exports, each one audited."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from station.errors import PermissionDenied
from station.models import AuditEntry
from station.services import donations as dn
from station.services import oversight
from tests.station import flow


def test_export_masks_id_numbers_and_is_audited(ctx, staff, tmp_path) -> None:
    donor_id, number = flow.new_donor(ctx, staff.registrar)
    dn.register_donation(ctx, staff.registrar, donor_id)
    out = tmp_path / "export.csv"
    with pytest.raises(PermissionDenied):
        oversight.export_donations(ctx, staff.registrar, ctx.today(), ctx.today(), out)
    assert not out.exists()
    result = oversight.export_donations(ctx, staff.admin, ctx.today(), ctx.today(), out)
    text = out.read_text(encoding="utf-8-sig")
    assert result["rows"] == 1 and number not in text
    row = next(csv.DictReader(text.splitlines()))
    assert row["id_number_masked"] == number[:6] + "********" + number[-4:]
    with ctx.transaction() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "export.donations")).scalar_one()
        assert entry.actor_name == staff.admin.username and entry.after["rows"] == 1


def test_audit_history_needs_permission(ctx, staff) -> None:
    donor_id, _ = flow.new_donor(ctx, staff.registrar)
    did = dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]
    with pytest.raises(PermissionDenied):
        oversight.donation_history(ctx, staff.nurse, did)
    history = oversight.donation_history(ctx, staff.admin, did)
    assert [h["action"] for h in history] == ["donation.register"]
    assert oversight.verify_audit(ctx, staff.admin)["passed"]
