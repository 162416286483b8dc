"""The local CA: encrypted keys, donor privacy, certificate profiles, revocation and CRL."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.ca import (
    DONOR_VALIDITY,
    FINGERPRINT_TEMPLATE_HASH_OID,
    LocalCA,
    fingerprint_hash_of,
)
from station.errors import SigningError


@pytest.fixture
def ca(tmp_path):
    return LocalCA.create(tmp_path / "ca", "s3cret", "测试血液中心")


def test_keys_are_encrypted_and_passphrase_is_checked(ca, tmp_path):
    for name in (LocalCA.ROOT_KEY, LocalCA.ISSUING_KEY):
        assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "ca" / name).read_bytes()
    with pytest.raises(SigningError) as err:
        LocalCA.open(tmp_path / "ca", "wrong")
    assert err.value.code == "CA_PASSPHRASE"
    reopened = LocalCA.open(tmp_path / "ca", "s3cret")
    assert reopened.root_cert == ca.root_cert


def test_donor_certificate_binds_fingerprint_and_hides_id_number(ca):
    now = datetime.now(timezone.utc)
    digest = hashlib.sha256(b"fingerprint template").digest()
    key, cert = ca.issue_donor_certificate("张三", "110101199003071234", digest, now)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert cert.public_key() == key.public_key()
    der = cert.public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                       fromlist=["Encoding"]).Encoding.DER)
    assert b"110101199003071234" not in der and b"1234" not in cert.subject.rfc4514_string().encode()
    serial_attr = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    assert serial_attr == ca.donor_id_pseudonym("110101199003071234")
    assert serial_attr != ca.donor_id_pseudonym("110101199003071235")
    assert fingerprint_hash_of(cert) == digest
    ext = cert.extensions.get_extension_for_oid(FINGERPRINT_TEMPLATE_HASH_OID)
    assert not ext.critical
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == DONOR_VALIDITY + timedelta(minutes=5)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_cert_sign


def test_staff_and_tsa_profiles(ca):
    now = datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    staff = ca.issue_staff_certificate(key.public_key(), "li", "李医生", "physician", now)
    assert staff.not_valid_after_utc - now > timedelta(days=364)
    assert staff.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    tsa = ca.issue_tsa_certificate(key.public_key(), "TSA", now)
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_revocation_publishes_crl_and_index(ca, tmp_path):
    now = datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = ca.issue_staff_certificate(key.public_key(), "li", "李医生", "physician", now)
    assert ca.crl().get_revoked_certificate_by_serial_number(cert.serial_number) is None
    crl = ca.revoke(cert.serial_number, "key_compromise", now)
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    on_disk = x509.load_der_x509_crl((tmp_path / "ca" / LocalCA.CRL_DER).read_bytes())
    assert on_disk.is_signature_valid(ca.issuing_cert.public_key())
    assert on_disk.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    index = json.loads((tmp_path / "ca" / LocalCA.INDEX).read_text("utf-8"))
    row = next(r for r in index["certificates"] if int(r["serial"]) == cert.serial_number)
    assert row["revocation_reason"] == "key_compromise" and row["revoked_at"]
    with pytest.raises(SigningError):
        ca.revoke(12345, "unspecified", now)


def test_create_refuses_to_overwrite(ca, tmp_path):
    with pytest.raises(SigningError) as err:
        LocalCA.create(tmp_path / "ca", "x", "y")
    assert err.value.code == "CA_EXISTS"
