"""A separator summary that is possible but unusual (issue 20, deliverable 5) is recorded only with the
nurse's recorded confirmation, through the same confirmation mechanism as the station's own checks."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from devices.separator.model import ProcedureSummary
from station.errors import ConfirmationRequired
from station.models import Collection
from station.services import donations as dn
from station.workflow import State
from tests.station.flow import GOOD_COLLECTION, drive, new_donation


def test_a_long_span_summary_needs_a_recorded_confirmation(ctx, staff) -> None:
    did = new_donation(ctx, staff)
    drive(ctx, staff, did, State.COLLECTING)
    start = datetime.now(UTC) - timedelta(hours=9)
    summary = ProcedureSummary.from_json({
        "procedure_type": "platelets", "device_serial": "1T01234", "kit_catalogue": "80300", "kit_lot": "L",
        "ac_lot": "A", "started_at": start.isoformat(), "ended_at": (start + timedelta(minutes=480)).isoformat(),
        "run_time_min": 70, "whole_blood_processed_ml": 2600, "ac_used_ml": 236, "ac_to_donor_ml": 184,
        "platelet_volume_ml": 250, "platelet_yield_e11": 2.9, "plasma_volume_ml": 0, "rinseback_completed": True})
    result = replace(GOOD_COLLECTION, run_minutes=summary.run_time_min,
                     device_prompts=tuple(summary.plausibility_prompts()))
    with pytest.raises(ConfirmationRequired) as e:
        dn.finish_collection(ctx, staff.nurse, did, result)
    assert [p["code"] for p in e.value.prompts] == ["SEPARATOR_SPAN_LONG"]
    assert "480" in e.value.prompts[0]["message_zh"] and "480 min" in e.value.prompts[0]["message_en"]
    dn.finish_collection(ctx, staff.nurse, did, result, confirmations=frozenset({"SEPARATOR_SPAN_LONG"}))
    with ctx.transaction() as s:
        c = s.execute(select(Collection).where(Collection.donation_id == did)).scalar_one()
        assert [p["code"] for p in c.confirmations] == ["SEPARATOR_SPAN_LONG"]
