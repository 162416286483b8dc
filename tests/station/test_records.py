"""The records service: each person signs their own record, a wrong PIN or a crash between writing the PDFs
and recording them loses nothing and leaves nothing half-done, and the finished records verify."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.errors import InvalidTransition, SigningError
from station.demo import DEMO_PIN
from station.models import Donation, SignedRecord


@pytest.fixture(scope="module")
def signing_station(tmp_path_factory: pytest.TempPathFactory):
    from station.bootstrap import init_data_dir
    from station.context import open_context
    from station.demo import demo_actors, enrol_demo_staff, run_demo

    data = tmp_path_factory.mktemp("records") / "data"
    init_data_dir(data, admin_password="Records-Keeper-2026")
    ctx = open_context(data)
    report = run_demo(ctx, 6, 3)
    enrol_demo_staff(ctx)
    yield ctx, demo_actors(ctx), report
    ctx.close()


def _rows(ctx, donation_id: int) -> int:
    with ctx.transaction() as s:
        return s.execute(select(func.count()).select_from(SignedRecord)
                         .where(SignedRecord.donation_id == donation_id)).scalar_one()


def _state(ctx, donation_id: int) -> str:
    with ctx.transaction() as s:
        return s.get(Donation, donation_id).state


def test_wrong_pin_signs_nothing(signing_station) -> None:
    from station.demo_run import demo_donor_evidence
    from station.services.records import sign_donation_records

    ctx, actors, report = signing_station
    did = report.sealed_ids[0]
    signature, fingerprint = demo_donor_evidence(1)
    with pytest.raises(SigningError) as err:
        sign_donation_records(ctx, actors["nurse"], did, pin="9999", donor_signature=signature,
                              fingerprint=fingerprint)
    assert "PIN" in err.value.message("zh_CN") and "9999" not in err.value.message("en")
    assert _rows(ctx, did) == 0 and _state(ctx, did) == "sealed"


def test_crash_after_writing_then_signing_again(signing_station, monkeypatch: pytest.MonkeyPatch) -> None:
    from station.demo_run import demo_donor_evidence
    from station.services import records

    ctx, actors, report = signing_station
    did = report.sealed_ids[1]
    signature, fingerprint = demo_donor_evidence(2)
    real_record = records.audit.record

    def crash(*args, **kwargs):
        raise RuntimeError("power cut while recording the signed records")

    monkeypatch.setattr(records.audit, "record", crash)
    with pytest.raises(RuntimeError):
        records.sign_donation_records(ctx, actors["nurse"], did, pin=DEMO_PIN, donor_signature=signature,
                                      fingerprint=fingerprint)
    assert _rows(ctx, did) == 0 and _state(ctx, did) == "sealed"  # the PDFs may exist; no row points to them
    monkeypatch.setattr(records.audit, "record", real_record)
    out = records.sign_donation_records(ctx, actors["nurse"], did, pin=DEMO_PIN, donor_signature=signature,
                                        fingerprint=fingerprint)
    assert sorted(r["kind"] for r in out["signed"]) == ["collection", "consent"]
    assert out["pending"] == ["registration"] and _state(ctx, did) == "sealed"
    with pytest.raises(SigningError) as nothing:  # the nurse has nothing more to sign
        records.sign_donation_records(ctx, actors["nurse"], did, pin=DEMO_PIN)
    assert nothing.value.code == "NOTHING_TO_SIGN"
    done = records.sign_donation_records(ctx, actors["physician"], did, pin=DEMO_PIN)
    assert done["state"] == "records_signed" and done["pending"] == []

    from signing.ca import LocalCA
    from signing.verify import verify_pdf

    root, _issuing, crls = LocalCA.load_public(ctx.config.ca_dir)
    with ctx.transaction() as s:
        rows = s.execute(select(SignedRecord).where(SignedRecord.donation_id == did)).scalars().all()
    assert sorted(r.kind for r in rows) == ["collection", "consent", "registration"]
    for row in rows:
        data = Path(row.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256 == hashlib.sha256(data).hexdigest()
        assert verify_pdf(data, [root], crls).passed, row.kind
    consent = next(r for r in rows if r.kind == "consent")
    assert set(consent.evidence) == {"pen-data.json", "fingerprint.png", "fingerprint-template.json"}
    # the donor certificate binds the very template attached to the consent (not the image)
    import io

    from cryptography import x509
    from pyhanko.pdf_utils.reader import PdfFileReader

    from signing.ca import fingerprint_hash_of

    reader = PdfFileReader(io.BytesIO(Path(consent.path).read_bytes()))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    files = {str(names[i]): names[i + 1].get_object()["/EF"]["/F"].get_object().data
             for i in range(0, len(names), 2)}
    donor_cert = x509.load_der_x509_certificate(reader.embedded_regular_signatures[0].signer_cert.dump())
    assert fingerprint_hash_of(donor_cert) == hashlib.sha256(files["fingerprint-template.json"]).digest()
    import base64
    import json

    # and that file holds the scanner's own template
    attached = json.loads(files["fingerprint-template.json"])
    assert base64.b64decode(attached["template_base64"]) == fingerprint.template
    assert attached["format"] == fingerprint.template_format
    assert hashlib.sha256(files["fingerprint-template.json"]).hexdigest() == consent.evidence["fingerprint-template.json"]
    assert [s["role"] for s in consent.signers] == ["donor"]


def test_only_a_sealed_donation_is_signed(signing_station) -> None:
    from station.services.records import sign_donation_records

    ctx, actors, report = signing_station
    not_sealed = next(d for d in report.donation_ids if d not in report.sealed_ids)
    with pytest.raises(InvalidTransition):
        sign_donation_records(ctx, actors["nurse"], not_sealed, pin=DEMO_PIN)
    assert _rows(ctx, not_sealed) == 0
