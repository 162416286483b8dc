"""Analyzer flags travel with the value (issue 20, deliverable 3): a flagged value is filed with its flags,
and only with a recorded confirmation; the value is never used silently."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from devices.analyzer import e1394
from devices.analyzer.dialects import DIALECTS
from station.errors import ConfirmationRequired
from station.models import DeviceMessage, PreDonationTest
from station.services import donations as dn
from station.services.intake import messages as device_results
from station.workflow import State
from tests.station.flow import din_of, drive, new_donation

CJK = re.compile(r"[\u4e00-\u9fff]")


def _store_sysmex_result(ctx, din: str, plt_flag: str) -> int:
    """The analyzer's message as the driver delivers it (parsed with the sysmex dialect)."""
    text = "\r".join(["H|\\^&|||XN-550^00-24^22723^^^^BD634545||||||||E1394-97", "P|1",
                      f"O|1||^^{din}^B|^^^^WBC|||||||N||||||||||||||F",
                      "R|1|^^^^HGB^1|14.0|g/dL||N||F", "R|2|^^^^HCT^1|42.0|%||N||F",
                      f"R|3|^^^^PLT^1|210|10*3/uL||{plt_flag}||F", "L|1|N"]) + "\r"
    [sample] = e1394.parse_message(text, DIALECTS["sysmex"])
    parsed = {"event": "analyzer_result", **sample.to_json()}
    return device_results.store_raw_message(ctx, device_name="xn", kind="analyzer", protocol="astm",
                                            received_at=datetime.now(UTC), raw=text.encode(), parsed=parsed,
                                            sample_id=sample.sample_id)


def test_a_low_reliability_value_is_filed_only_with_a_recorded_confirmation(ctx, staff) -> None:
    did = new_donation(ctx, staff)
    drive(ctx, staff, did, State.EXAMINED)
    message_id = _store_sysmex_result(ctx, din_of(ctx, did), "W")
    with pytest.raises(ConfirmationRequired) as e:
        device_results.file_analyzer_result(ctx, staff.physician, message_id)
    (prompt,) = e.value.prompts
    assert prompt["code"] == "FLAGGED_PLT_10E9_L" and prompt["flags"] == ["low_reliability"]
    assert CJK.search(prompt["message_zh"]) and "low reliability (W)" in prompt["message_en"]
    with ctx.transaction() as s:
        m = s.get(DeviceMessage, message_id)
        assert m.status == "unmatched" and "FLAGGED_PLT_10E9_L" in m.error
        assert s.execute(select(PreDonationTest).where(PreDonationTest.donation_id == did)).first() is None
    out = device_results.file_analyzer_result(ctx, staff.physician, message_id,
                                              confirmations=frozenset({"FLAGGED_PLT_10E9_L"}))
    assert out["status"] == "filed"
    with ctx.transaction() as s:
        row = s.execute(select(PreDonationTest).where(PreDonationTest.donation_id == did)).scalar_one()
        assert row.plt_10e9_l == 210.0
        assert row.flags == {"plt_10e9_l": {"flags": ["low_reliability"], "raw": "W"}}
        assert [c["code"] for c in row.raw_units["confirmations"]] == ["FLAGGED_PLT_10E9_L"]
    assert dn.assess(ctx, staff.physician, did)["result"] == "eligible"


def test_an_abnormal_flag_asks_too_and_a_clean_result_files_at_once(ctx, staff) -> None:
    did = new_donation(ctx, staff)
    drive(ctx, staff, did, State.EXAMINED)
    with pytest.raises(ConfirmationRequired) as e:
        device_results.file_analyzer_result(ctx, staff.physician, _store_sysmex_result(ctx, din_of(ctx, did), "H"))
    assert e.value.prompts[0]["flags"] == ["abnormal_high"]
    other = new_donation(ctx, staff)
    drive(ctx, staff, other, State.EXAMINED)
    assert device_results.file_analyzer_result(
        ctx, staff.physician, _store_sysmex_result(ctx, din_of(ctx, other), "N"))["status"] == "filed"
    with ctx.transaction() as s:
        row = s.execute(select(PreDonationTest).where(PreDonationTest.donation_id == other)).scalar_one()
        assert row.flags == {} and "confirmations" not in row.raw_units
