"""D2 through the service: the separator summary's values, alarms and link are stored; the PDF lists the alarm."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from station.services.donations import CollectionResult

ALARM = {"code": "AC-LINE", "severity": "warning", "text_zh": "抗凝剂管路堵塞", "text_en": "AC line occluded",
         "at": datetime(2026, 5, 12, 2, 31, tzinfo=UTC).isoformat()}
SUMMARY = CollectionResult(whole_blood_processed_ml=2466.9, ac_used_ml=246.7, ac_to_donor_ml=166.9,
                           platelet_volume_ml=251.3, platelet_yield_e11=2.837, plasma_volume_ml=0.0,
                           run_minutes=58.4, post_plt_10e9_l=148.0, post_hct=0.392, alarms=(ALARM,),
                           rinseback_completed=True, raw_message_id=41)


def test_the_record_and_its_pdf_list_the_alarm(ctx: Any, staff: Any) -> None:
    """Through the service: what the summary carried is stored, and the collection PDF lists the alarm."""
    import pypdfium2 as pdfium

    from station.forms.snapshot import render_records_for
    from station.models import Collection
    from station.services import donations as dn
    from station.workflow import State
    from tests.station.flow import POST_OK, barcode, din_of, drive, new_donation

    from dataclasses import replace

    from station.models import DeviceMessage

    did = new_donation(ctx, staff)
    drive(ctx, staff, did, State.COLLECTING)
    with ctx.transaction() as s:
        m = DeviceMessage(device_name="separator", kind="separator", received_at=ctx.now(), raw=b"{}",
                          donation_id=did)
        s.add(m)
        s.flush()
        message_id = m.id
    dn.finish_collection(ctx, staff.nurse, did, replace(SUMMARY, raw_message_id=message_id), confirmations=frozenset())
    with ctx.transaction() as s:
        c = s.query(Collection).filter_by(donation_id=did).one()
        assert (c.ac_to_donor_ml, c.whole_blood_processed_ml, c.platelet_yield_e11) == (166.9, 2466.9, 2.837)
        assert (c.post_plt_10e9_l, c.post_hct, c.raw_message_id, c.run_minutes) == (148.0, 0.392, message_id, 58.4)
        assert [a["code"] for a in c.alarms] == ["AC-LINE"]
    dn.postcollection_check(ctx, staff.nurse, did, POST_OK)
    din = din_of(ctx, did)
    dn.seal(ctx, staff.nurse, did, [barcode(din), barcode(din)])
    with ctx.transaction() as s:
        rendered = render_records_for(ctx.config, s, did, pii=ctx.pii)
    pdf = next(r for r in rendered if "collection" in r.kind).pdf
    doc = pdfium.PdfDocument(pdf)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "AC-LINE" in text and "抗凝剂管路堵塞" in text and "无报警" not in text
    assert "166.9" in text and "148" in text and "0.392" in text
