"""Signing a donation's records and verifying them: pdfsig, qpdf, tampering, long term, revocation."""
from __future__ import annotations

import hashlib
import io
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from signing_helpers import PIN, Slot, donation_records, donor, make_pdf

from signing.keystore import Pkcs12KeyStore
from signing.pades import RecordSigner, SignerForSlot, SigningContext, TrustMaterial, sign_record
from signing.tsa import http_timestamper
from signing.verify import verify_pdf
from station.errors import SigningError

SLOT = Slot("NurseCollection", 0, (72.0, 100.0, 292.0, 170.0), "nurse", "collection")


def _verify(pki, data: bytes, **kw):
    return verify_pdf(data, [pki.ca.root_cert], **kw)


def test_every_record_verifies_as_b_lta(pki, signed):
    assert [r.kind for r in signed] == ["consent", "registration", "collection"]
    expected = {"consent": ("张三", "consent"), "registration": ("李医生", "review"),
                "collection": ("王护士", "collection")}
    for record in signed:
        assert record.sha256 == hashlib.sha256(record.pdf).hexdigest()
        report = _verify(pki, record.pdf, file_name=record.kind)
        assert report.passed, report.to_text("en")
        sig, stamp = report.signatures
        assert (sig.signer, sig.meaning) == expected[record.kind]
        assert sig.indication == "TOTAL_PASSED" and sig.sub_indication is None
        assert sig.pades_level == "B-LTA"
        assert sig.chain[-1].endswith("Root CA, Organization: 测试血液中心, Country: CN") or \
            "Root CA" in sig.chain[-1]
        assert len(sig.chain) == 3 and sig.best_signature_time and sig.claimed_signing_time
        assert stamp.meaning == "archive-timestamp" and stamp.indication == "TOTAL_PASSED"
        as_json = report.to_json()
        assert set(as_json) == {"file", "signatures", "passed"}
        assert set(as_json["signatures"][0]) == {
            "field", "signer", "meaning", "indication", "sub_indication",
            "claimed_signing_time", "best_signature_time", "coverage", "modification_level",
            "pades_level", "chain"}


def test_evidence_attached_before_signing_with_hashes(signed):
    consent = signed[0]
    d = donor()
    assert consent.evidence_sha256 == {
        "pen-data.json": hashlib.sha256(d.pen_data_json).hexdigest(),
        "fingerprint.png": hashlib.sha256(d.fingerprint_png).hexdigest(),
        "fingerprint-template.json": hashlib.sha256(d.fingerprint_template_evidence).hexdigest()}
    reader = PdfFileReader(io.BytesIO(consent.pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    found = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1].get_object()
        found[str(names[i])] = hashlib.sha256(spec["/EF"]["/F"].get_object().data).hexdigest()
    assert found == consent.evidence_sha256
    # The files are in the revision the donor signed, not added afterwards.
    sig = reader.embedded_regular_signatures[0]
    assert "/Names" in reader.get_historical_root(sig.signed_revision)


def test_donor_certificate_binds_the_attached_fingerprint_template(signed):
    """sha256(the template file attached to the record) == the hash in the donor certificate."""
    from signing.ca import fingerprint_hash_of

    reader = PdfFileReader(io.BytesIO(signed[0].pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    files = {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}
    spec = files["fingerprint-template.json"]
    attached = spec["/EF"]["/F"].get_object().data
    # the scanner's template itself is in the record, with its format
    import base64
    import json

    content = json.loads(attached)
    assert base64.b64decode(content["template_base64"]) == donor().fingerprint_template
    assert content["format"] == "ISO/IEC 19794-2:2005"
    assert spec["/AFRelationship"] == "/Supplement"
    donor_cert = x509.load_der_x509_certificate(
        reader.embedded_regular_signatures[0].signer_cert.dump())
    assert fingerprint_hash_of(donor_cert) == hashlib.sha256(attached).digest()
    # and not the hash of the image beside it
    assert fingerprint_hash_of(donor_cert) != hashlib.sha256(
        files["fingerprint.png"]["/EF"]["/F"].get_object().data).digest()


def test_no_fingerprint_scanner_no_template_and_no_extension(pki):
    import dataclasses

    from signing.ca import fingerprint_hash_of

    bare = dataclasses.replace(donor(), fingerprint_png=b"", fingerprint_template=b"")
    signer = RecordSigner(pki.ca, pki.context())
    [consent] = signer.sign_donation(donation_records()[:1], bare, {})
    assert set(consent.evidence_sha256) == {"pen-data.json"}
    reader = PdfFileReader(io.BytesIO(consent.pdf))
    cert = x509.load_der_x509_certificate(reader.embedded_regular_signatures[0].signer_cert.dump())
    assert fingerprint_hash_of(cert) is None


def test_poppler_pdfsig_trusts_every_signature(pki, signed, tmp_path):
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i",
                    str(pki.ca.folder / "root.cert.pem")], check=True)
    for record in signed:
        path = tmp_path / f"{record.kind}.pdf"
        path.write_bytes(record.pdf)
        out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)],
                             capture_output=True, text=True)
        text = out.stdout
        cades = text.count("ETSI.CAdES.detached")
        assert cades == 1, text
        assert text.count("Signature Validation: Signature is Valid.") == cades, text
        assert text.count("Certificate Validation: Certificate is Trusted.") == cades, text
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        stamp_fonts = [ln for ln in fonts.splitlines() if "StationCJKStamp" in ln]
        assert stamp_fonts and all(" yes yes " in ln for ln in stamp_fonts), fonts
        text_out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                  text=True).stdout
        assert {"consent": "知情同意", "registration": "医师审核",
                "collection": "采集执行"}[record.kind] in text_out


def test_one_flipped_byte_fails(pki, signed):
    data = bytearray(signed[1].pdf)
    # Inside the originally rendered page, which the physician's signature covers.
    pos = data.index(b"stream", 200) + 40
    data[pos] ^= 0x01
    report = _verify(pki, bytes(data))
    assert not report.passed
    assert report.signatures[0].indication == "TOTAL_FAILED"


def test_incremental_page_change_fails_and_is_named(pki, signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed[0].pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    new_content = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (ALTERED) Tj ET")
    page["/Contents"] = writer.add_object(new_content)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = _verify(pki, out.getvalue())
    assert not report.passed
    donor_sig = report.signatures[0]
    assert donor_sig.indication == "TOTAL_FAILED"
    assert donor_sig.modification_level == "OTHER"
    text = report.to_text("en")
    assert "modification" in text.lower()


def test_donor_signature_still_passes_three_days_later(pki, signed):
    later = datetime.now(timezone.utc) + timedelta(days=3)
    report = _verify(pki, signed[0].pdf, at=later)
    donor_sig = report.signatures[0]
    cert_expiry = datetime.now(timezone.utc) + timedelta(hours=24)
    assert later > cert_expiry
    assert donor_sig.indication == "TOTAL_PASSED", report.to_text("en")
    assert report.passed


def _enrol(pki, username: str, now: datetime) -> x509.Certificate:
    return pki.staff.enrol(pki.ca, username, "测试护士", "nurse", PIN, now)


def _sign(pki, username: str, trust: TrustMaterial) -> bytes:
    ctx = SigningContext(trust, http_timestamper(pki.tsa_url))
    with pki.staff.open(username, PIN) as cred:
        return sign_record(make_pdf("采集记录"), [SLOT], [SignerForSlot(
            SLOT.field_name, cred.signer, cred.certificate, "测试护士")], ctx).pdf


def test_revoked_staff_certificate(pki):
    now = datetime.now(timezone.utc)
    cert = _enrol(pki, "revoked.nurse", now)
    stale_trust = TrustMaterial.from_ca_folder(pki.ca.folder)  # CRL from before revocation
    before = _sign(pki, "revoked.nurse", stale_trust)
    # CRL revocation dates have one-second precision: revoke in a later second than the
    # signature's time stamp, as happens in practice.
    time.sleep(1.1)
    pki.ca.revoke(cert.serial_number, "key_compromise", datetime.now(timezone.utc))
    fresh = TrustMaterial.from_ca_folder(pki.ca.folder)
    # With the current CRL the station refuses to sign.
    with pytest.raises(SigningError) as err:
        _sign(pki, "revoked.nurse", fresh)
    assert err.value.code == "CERT_REVOKED" and "吊销" in err.value.message_zh
    # A station still holding the old CRL signs; verification with the new CRL fails it.
    after = _sign(pki, "revoked.nurse", stale_trust)
    report = _verify(pki, after, crls=fresh.crls)
    assert not report.passed
    assert report.signatures[0].indication != "TOTAL_PASSED"
    # The signature made before the revocation still passes (proof of existence by TSA).
    report_before = _verify(pki, before, crls=fresh.crls)
    assert report_before.signatures[0].indication == "TOTAL_PASSED", report_before.to_text("en")


def test_expired_staff_certificate_and_wrong_pin(pki, tmp_path):
    store = Pkcs12KeyStore(tmp_path / "staff")
    store.enrol(pki.ca, "old.nurse", "老护士", "nurse", PIN,
                datetime.now(timezone.utc) - timedelta(days=400))
    trust = TrustMaterial.from_ca_folder(pki.ca.folder)
    ctx = SigningContext(trust, http_timestamper(pki.tsa_url))
    with store.open("old.nurse", PIN) as cred, pytest.raises(SigningError) as err:
        sign_record(make_pdf("采集记录"), [SLOT], [SignerForSlot(
            SLOT.field_name, cred.signer, cred.certificate, "老护士")], ctx)
    assert err.value.code == "CERT_EXPIRED" and "过期" in err.value.message_zh
    with pytest.raises(SigningError) as err:
        store.open("old.nurse", "000000")
    assert err.value.code == "WRONG_PIN"
    assert re.search("PIN", err.value.message_zh) and "Wrong PIN" in err.value.message_en
    with pytest.raises(SigningError) as err:
        store.open("nobody", PIN)
    assert err.value.code == "NO_STAFF_KEY"
