"""Record snapshots built from the database after a demo run, and the three records rendered from them."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from station.bootstrap import init_data_dir
from station.context import StationContext, open_context
from station.demo import run_demo
from station.errors import NotFound, ValidationError
from station.forms.snapshot import (
    collection_data,
    consent_data,
    registration_exam_data,
    render_records_for,
    site_info,
)
from station.models import Donation, QuestionnaireAnswer
from station.rules.questionnaire import question_set_named


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StationContext, Any]]:
    data_dir = tmp_path_factory.mktemp("station")
    init_data_dir(data_dir, with_ca=False, admin_password="Snapshot-Pass-123!")
    ctx = open_context(data_dir)
    # resolve the site and station rows before the demo's transactions (SQLite allows one writer)
    assert ctx.site_id and ctx.station_id
    report = run_demo(ctx, 5, 7)
    assert report.sealed_ids, report.to_json()
    try:
        yield ctx, report
    finally:
        ctx.close()


def _compact(tmp_path: Path, name: str, pdf: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def test_sealed_donation_renders_three_records(demo: tuple[StationContext, Any], tmp_path: Path) -> None:
    ctx, report = demo
    donation_id = report.sealed_ids[0]
    with ctx.transaction() as s:
        records = render_records_for(ctx.config, s, donation_id, pii=ctx.pii)
        donation = s.get(Donation, donation_id)
        assert donation is not None
        id_number = ctx.pii.decrypt(donation.donor.id_number_cipher, "id_number")
        name, din = donation.donor.name, donation.din
        qs = question_set_named(donation.questionnaire_set or "", donation.questionnaire_version or "")
        answered = {a.question_id for a in s.execute(select(QuestionnaireAnswer).where(
            QuestionnaireAnswer.donation_id == donation_id)).scalars()}
    assert [r.kind for r in records] == ["consent", "registration", "collection"]
    assert [r.signature_slots[0].role for r in records] == ["donor", "physician", "nurse"]
    consent = _compact(tmp_path, "c.pdf", records[0].pdf)
    assert name in consent and id_number in consent  # the clinical record carries the full ID number
    for q in qs.questions:
        if q.id in answered:
            assert re.sub(r"\s+", "", q.zh) in consent, q.id
    assert ctx.config.site.consent_doc_number in consent
    registration = _compact(tmp_path, "r.pdf", records[1].pdf)
    assert "GB18467" in registration and "血红蛋白（HGB）" in registration
    collection = _compact(tmp_path, "k.pdf", records[2].pdf)
    assert din[:5] in collection and ctx.config.site.platelet_product_code in collection
    # times are stored in UTC and printed in the site's zone with the offset, every one of them
    for text in (consent, registration, collection):
        stamps = re.findall(r"\d{4}-\d\d-\d\d\d\d:\d\d(?::\d\d)?(?:\+08:00)?", text)
        assert stamps and all(t.endswith("+08:00") for t in stamps), stamps


def test_records_from_the_database_render_to_the_same_bytes(demo: tuple[StationContext, Any]) -> None:
    ctx, report = demo
    donation_id = report.sealed_ids[-1]
    with ctx.transaction() as s:
        first = [r.pdf for r in render_records_for(ctx.config, s, donation_id, pii=ctx.pii)]
    with ctx.transaction() as s:
        second = [r.pdf for r in render_records_for(ctx.config, s, donation_id, pii=ctx.pii)]
    assert first == second


def test_snapshots_carry_rule_set_and_checks(demo: tuple[StationContext, Any]) -> None:
    ctx, report = demo
    site = site_info(ctx.config)
    with ctx.transaction() as s:
        for donation_id in report.sealed_ids:
            reg = registration_exam_data(s, donation_id, site, pii=ctx.pii)
            assert reg.decision.result == "eligible"
            assert reg.decision.rule_set_version and reg.decision.findings
            assert {t.code for t in reg.pre_tests} >= {"HGB", "HCT", "PLT"}
            col = collection_data(s, donation_id, site, pii=ctx.pii)
            stages = {c.stage for c in col.checks}
            assert stages == {"pre", "post", "sealing"}
            assert all(c.passed for c in col.checks if c.stage == "sealing")
            assert col.kit.lot and col.anticoagulant.lot and col.saline.lot


def test_deferred_donation_has_no_collection_record(demo: tuple[StationContext, Any]) -> None:
    ctx, report = demo
    site = site_info(ctx.config)
    deferred = [d for d in report.donation_ids if d not in report.sealed_ids]
    assert deferred
    with ctx.transaction() as s:
        with pytest.raises(ValidationError) as err:
            collection_data(s, deferred[0], site, pii=ctx.pii)
        assert err.value.code == "RECORD_INCOMPLETE"
        with pytest.raises(NotFound):
            consent_data(s, 999_999, site, pii=ctx.pii)
