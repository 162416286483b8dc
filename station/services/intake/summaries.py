"""What a stored separator summary becomes: the collection record's values, never re-keyed by the nurse."""
from __future__ import annotations

from typing import Any

from devices.separator.model import ProcedureSummary
from station.services.donations import CollectionResult


def collection_result_from_summary(summary: dict[str, Any], raw_message_id: int | None) -> CollectionResult:
    """The separator's end-of-run summary (as the intake stored it) as the collection record, linked to it."""
    s = ProcedureSummary.from_json(summary)
    return CollectionResult(
        whole_blood_processed_ml=s.whole_blood_processed_ml, ac_used_ml=s.ac_used_ml,
        ac_to_donor_ml=s.ac_to_donor_ml, platelet_volume_ml=s.platelet_volume_ml,
        platelet_yield_e11=s.platelet_yield_e11, plasma_volume_ml=s.plasma_volume_ml,
        run_minutes=s.run_time_min, post_plt_10e9_l=s.post_count, post_hct=s.post_hct,
        alarms=tuple(a.to_json() for a in s.alarms), rinseback_completed=s.rinseback_completed,
        raw_message_id=raw_message_id, device_prompts=tuple(s.plausibility_prompts()))
