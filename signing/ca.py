"""The station's local certification authority: root and issuing CA, certificate index, CRL.

Folder layout (all written atomically):
    root.key.pem, issuing.key.pem   PKCS#8, encrypted with the CA passphrase
    root.cert.pem, issuing.cert.pem
    index.json                      every certificate issued, with its revocation state
    crl.der, crl.pem                the issuing CA's current CRL (signer and TSA certificates)
    root-crl.der, root-crl.pem      the root's CRL (an ARL covering the issuing CA): long-term
                                    validation needs revocation data for every certificate
                                    below the trust anchor

Privacy of donor certificates: the clear ID number never enters a certificate. The
subject carries the donor's name and, in the serialNumber attribute, a pseudonym
"IDP1:<hex>" = HMAC-SHA256(key derived from the root CA key, ID number), truncated to
128 bits. A bare hash of an 18-digit Chinese ID number could be reversed by brute force
(birth date and region code leave ~10^9 candidates), a keyed hash cannot without the
passphrase-protected CA key; the same donor still maps to the same pseudonym, so a
certificate can be matched to the donor record by whoever holds the CA.
The fingerprint template's SHA-256 is bound in a private, non-critical extension
(FINGERPRINT_TEMPLATE_HASH_OID, DER: SEQUENCE { AlgorithmIdentifier, OCTET STRING }).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from asn1crypto import algos, core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.atomic import atomic_write
from signing.errors import SigningError

# A UUID-based OID arc (ITU-T X.667, 2.25.<uuid>) that needs no registration; the station
# allocates sub-arcs below it.
STATION_OID_ARC = "2.25.8443491541988420561474692446645106832"
FINGERPRINT_TEMPLATE_HASH_OID = x509.ObjectIdentifier(STATION_OID_ARC + ".1")
DONOR_ID_PSEUDONYM_PREFIX = "IDP1:"

DONOR_VALIDITY = timedelta(hours=24)
STAFF_VALIDITY = timedelta(days=365)
TSA_VALIDITY = timedelta(days=5 * 365)
ISSUING_VALIDITY = timedelta(days=10 * 365)
ROOT_VALIDITY = timedelta(days=25 * 365)
CRL_VALIDITY = timedelta(days=7)
# Certificates start a little in the past so that a clock a few seconds behind still accepts them.
BACKDATE = timedelta(minutes=5)

StaffRole = Literal["physician", "nurse", "registrar", "archivist", "admin"]
RevocationReason = Literal[
    "unspecified", "key_compromise", "affiliation_changed", "superseded",
    "cessation_of_operation", "certificate_hold",
]
_REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
}

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class _FingerprintHash(core.Sequence):
    _fields = [("hash_algorithm", algos.DigestAlgorithm), ("hash_value", core.OctetString)]


def encode_fingerprint_extension(sha256_digest: bytes) -> bytes:
    """DER value of the fingerprint-template-hash extension."""
    if len(sha256_digest) != 32:
        raise ValueError("fingerprint template hash must be a SHA-256 digest (32 bytes)")
    return _FingerprintHash({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "hash_value": sha256_digest,
    }).dump()


def fingerprint_hash_of(cert: x509.Certificate) -> bytes | None:
    """The fingerprint template SHA-256 bound into a donor certificate, if any."""
    try:
        ext = cert.extensions.get_extension_for_oid(FINGERPRINT_TEMPLATE_HASH_OID)
    except x509.ExtensionNotFound:
        return None
    value = ext.value
    assert isinstance(value, x509.UnrecognizedExtension)
    parsed = _FingerprintHash.load(value.value)
    return bytes(parsed["hash_value"].native)


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return now.astimezone(timezone.utc)


def new_signer_key() -> ec.EllipticCurvePrivateKey:
    """Signer keys are ECDSA P-256: fast to generate and to sign with, and accepted by NSS."""
    return ec.generate_private_key(ec.SECP256R1())


def _load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _load_key(path: Path, passphrase: bytes) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningError(
            "CA 口令错误，无法解密 CA 私钥",
            f"Wrong CA passphrase: cannot decrypt {path.name}",
            code="CA_PASSPHRASE",
        ) from exc
    assert isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))
    return key


def _encrypted_pem(key: PrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class IssuedCertificate:
    """One row of the CA's index."""

    serial: int
    kind: str  # donor | staff | tsa
    subject: str
    username: str | None
    role: str | None
    not_before: str
    not_after: str
    sha256: str
    revoked_at: str | None = None
    revocation_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": str(self.serial), "kind": self.kind, "subject": self.subject,
            "username": self.username, "role": self.role, "not_before": self.not_before,
            "not_after": self.not_after, "sha256": self.sha256, "revoked_at": self.revoked_at,
            "revocation_reason": self.revocation_reason,
        }

    @staticmethod
    def from_json(row: dict[str, Any]) -> IssuedCertificate:
        return IssuedCertificate(**{**row, "serial": int(row["serial"])})


class LocalCA:
    """A two-level CA kept in one folder; open it with the passphrase to issue or revoke."""

    ROOT_KEY = "root.key.pem"
    ROOT_CERT = "root.cert.pem"
    ISSUING_KEY = "issuing.key.pem"
    ISSUING_CERT = "issuing.cert.pem"
    INDEX = "index.json"
    CRL_DER = "crl.der"
    CRL_PEM = "crl.pem"
    ROOT_CRL_DER = "root-crl.der"
    ROOT_CRL_PEM = "root-crl.pem"

    def __init__(self, folder: Path, root_key: PrivateKey, root_cert: x509.Certificate,
                 issuing_key: PrivateKey, issuing_cert: x509.Certificate,
                 org_name: str) -> None:
        self.folder = folder
        self._root_key = root_key
        self.root_cert = root_cert
        self._issuing_key = issuing_key
        self.issuing_cert = issuing_cert
        self.org_name = org_name
        self._lock = threading.Lock()
        # The pseudonym key is derived from the root key, so it needs no separate secret
        # file and is protected by the same passphrase.
        root_der = root_key.private_bytes(serialization.Encoding.DER,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
        self._pseudonym_key = hashlib.sha256(b"station donor id pseudonym v1\x00" + root_der).digest()

    # -- creation and opening -------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | Path, passphrase: bytes | str, org_name: str,
               now: datetime | None = None) -> LocalCA:
        folder = Path(folder)
        pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        if not pw:
            raise SigningError("CA 口令不能为空", "The CA passphrase must not be empty",
                               code="CA_PASSPHRASE")
        if (folder / cls.ROOT_CERT).exists():
            raise SigningError(f"CA 已存在：{folder}", f"A CA already exists in {folder}",
                               code="CA_EXISTS")
        now = _utc(now or datetime.now(timezone.utc))
        root_key = ec.generate_private_key(ec.SECP384R1())
        root_name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org_name} Root CA"),
        ])
        root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now + ROOT_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(root_ski, critical=False)
            .sign(root_key, hashes.SHA384())
        )
        issuing_key = ec.generate_private_key(ec.SECP384R1())
        issuing_name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org_name} Issuing CA"),
        ])
        issuing_cert = (
            x509.CertificateBuilder()
            .subject_name(issuing_name).issuer_name(root_name)
            .public_key(issuing_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now + ISSUING_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                           critical=False)
            .sign(root_key, hashes.SHA384())
        )
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / cls.ROOT_KEY, _encrypted_pem(root_key, pw), mode=0o600)
        atomic_write(folder / cls.ISSUING_KEY, _encrypted_pem(issuing_key, pw), mode=0o600)
        atomic_write(folder / cls.ROOT_CERT, cert_pem(root_cert))
        atomic_write(folder / cls.ISSUING_CERT, cert_pem(issuing_cert))
        ca = cls(folder, root_key, root_cert, issuing_key, issuing_cert, org_name)
        ca._write_index({"organisation": org_name, "certificates": []})
        ca.publish_crl(now)
        return ca

    @classmethod
    def open(cls, folder: str | Path, passphrase: bytes | str) -> LocalCA:
        folder = Path(folder)
        pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        if not (folder / cls.ROOT_CERT).exists():
            raise SigningError(f"未找到 CA：{folder}（请先运行 station ca init）",
                               f"No CA in {folder} (run `station ca init` first)",
                               code="CA_MISSING")
        root_key = _load_key(folder / cls.ROOT_KEY, pw)
        issuing_key = _load_key(folder / cls.ISSUING_KEY, pw)
        index = json.loads((folder / cls.INDEX).read_text("utf-8"))
        return cls(folder, root_key, _load_cert(folder / cls.ROOT_CERT), issuing_key,
                   _load_cert(folder / cls.ISSUING_CERT), index.get("organisation", ""))

    @staticmethod
    def load_public(folder: str | Path) -> tuple[x509.Certificate, x509.Certificate,
                                                 list[x509.CertificateRevocationList]]:
        """Root, issuing CA certificate and current CRLs, readable without the passphrase."""
        folder = Path(folder)
        crls = [x509.load_der_x509_crl((folder / name).read_bytes())
                for name in (LocalCA.CRL_DER, LocalCA.ROOT_CRL_DER) if (folder / name).exists()]
        return (_load_cert(folder / LocalCA.ROOT_CERT), _load_cert(folder / LocalCA.ISSUING_CERT),
                crls)

    # -- index ----------------------------------------------------------------------------
    def _read_index(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / self.INDEX).read_text("utf-8"))
        return data

    def _write_index(self, data: dict[str, Any]) -> None:
        atomic_write(self.folder / self.INDEX,
                     json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    def certificates(self) -> list[IssuedCertificate]:
        return [IssuedCertificate.from_json(r) for r in self._read_index()["certificates"]]

    def find(self, serial: int) -> IssuedCertificate | None:
        return next((c for c in self.certificates() if c.serial == serial), None)

    def _record(self, cert: x509.Certificate, kind: str, username: str | None,
                role: str | None) -> None:
        row = IssuedCertificate(
            serial=cert.serial_number, kind=kind, subject=cert.subject.rfc4514_string(),
            username=username, role=role,
            not_before=cert.not_valid_before_utc.isoformat(),
            not_after=cert.not_valid_after_utc.isoformat(),
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
        )
        with self._lock:
            index = self._read_index()
            index["certificates"].append(row.to_json())
            self._write_index(index)

    # -- issuing --------------------------------------------------------------------------
    def chain(self) -> list[x509.Certificate]:
        """Issuing CA first, then the root (the order signers attach them in)."""
        return [self.issuing_cert, self.root_cert]

    def donor_id_pseudonym(self, id_number: str) -> str:
        digest = hmac.new(self._pseudonym_key, id_number.strip().upper().encode("utf-8"),
                          hashlib.sha256).digest()
        return DONOR_ID_PSEUDONYM_PREFIX + digest[:16].hex()

    def _leaf_builder(self, subject: x509.Name, public_key: PublicKey, not_before: datetime,
                      not_after: datetime) -> x509.CertificateBuilder:
        issuing_ski = self.issuing_cert.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier).value
        return (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.issuing_cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuing_ski),
                critical=False)
        )

    def issue_donor_certificate(self, name: str, id_number: str,
                                fingerprint_template_sha256: bytes, now: datetime
                                ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """An ephemeral key (kept in memory only) and its 24-hour certificate for one consent."""
        now = _utc(now)
        if not name.strip() or not id_number.strip():
            raise SigningError("献血者姓名和证件号不能为空",
                               "Donor name and ID number are required", code="DONOR_IDENTITY")
        key = new_signer_key()
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.org_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Donors"),
            x509.NameAttribute(NameOID.COMMON_NAME, name.strip()),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, self.donor_id_pseudonym(id_number)),
        ])
        cert = (
            self._leaf_builder(subject, key.public_key(), now - BACKDATE, now + DONOR_VALIDITY)
            .add_extension(_signer_key_usage(), critical=True)
            .add_extension(x509.UnrecognizedExtension(
                FINGERPRINT_TEMPLATE_HASH_OID,
                encode_fingerprint_extension(fingerprint_template_sha256)), critical=False)
            .sign(self._issuing_key, hashes.SHA384())
        )
        self._record(cert, "donor", None, "donor")
        return key, cert

    def issue_staff_certificate(self, public_key: PublicKey, username: str, display_name: str,
                                role: str, now: datetime) -> x509.Certificate:
        """A one-year signing certificate for a key held by a staff member (file or token)."""
        now = _utc(now)
        if not username.strip() or not display_name.strip():
            raise SigningError("用户名和姓名不能为空", "Username and display name are required",
                               code="STAFF_IDENTITY")
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.org_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            x509.NameAttribute(NameOID.COMMON_NAME, display_name.strip()),
            x509.NameAttribute(NameOID.USER_ID, username.strip()),
        ])
        cert = (
            self._leaf_builder(subject, public_key, now - BACKDATE, now + STAFF_VALIDITY)
            .add_extension(_signer_key_usage(), critical=True)
            .sign(self._issuing_key, hashes.SHA384())
        )
        self._record(cert, "staff", username.strip(), role)
        return cert

    def issue_tsa_certificate(self, public_key: PublicKey, name: str,
                              now: datetime) -> x509.Certificate:
        """A TSA certificate: digitalSignature only, extended key usage timeStamping (critical)."""
        now = _utc(now)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ])
        cert = (
            self._leaf_builder(subject, public_key, now - BACKDATE, now + TSA_VALIDITY)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .sign(self._issuing_key, hashes.SHA384())
        )
        self._record(cert, "tsa", None, "tsa")
        return cert

    # -- revocation -----------------------------------------------------------------------
    def revoke(self, serial: int, reason: str, now: datetime) -> x509.CertificateRevocationList:
        now = _utc(now)
        if reason not in _REASONS:
            raise SigningError(f"未知的吊销原因：{reason}", f"Unknown revocation reason: {reason}",
                               code="REVOCATION_REASON")
        with self._lock:
            index = self._read_index()
            row = next((r for r in index["certificates"] if int(r["serial"]) == serial), None)
            if row is None:
                raise SigningError(f"本 CA 未签发序列号为 {serial} 的证书",
                                   f"This CA issued no certificate with serial {serial}",
                                   code="CERT_UNKNOWN")
            if row["revoked_at"] is None:
                row["revoked_at"] = now.isoformat()
                row["revocation_reason"] = reason
                self._write_index(index)
        return self.publish_crl(now)

    def publish_crl(self, now: datetime | None = None) -> x509.CertificateRevocationList:
        """Write fresh CRLs (issuing CA's and root's, DER and PEM); return the issuing CA's."""
        now = _utc(now or datetime.now(timezone.utc))
        self._publish_root_crl(now)
        crl_number = int(now.timestamp() * 1000)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.issuing_cert.subject)
            .last_update(now - timedelta(seconds=1))
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(crl_number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                self.issuing_cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value), critical=False)
        )
        for row in self.certificates():
            if row.revoked_at is None or row.kind == "ca":
                continue
            revoked = (
                x509.RevokedCertificateBuilder()
                .serial_number(row.serial)
                .revocation_date(datetime.fromisoformat(row.revoked_at))
                .add_extension(x509.CRLReason(_REASONS[row.revocation_reason or "unspecified"]),
                               critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(revoked)
        crl = builder.sign(self._issuing_key, hashes.SHA384())
        atomic_write(self.folder / self.CRL_DER, crl.public_bytes(serialization.Encoding.DER))
        atomic_write(self.folder / self.CRL_PEM, crl.public_bytes(serialization.Encoding.PEM))
        return crl

    def _publish_root_crl(self, now: datetime) -> x509.CertificateRevocationList:
        # The root revokes nothing today (one issuing CA); the empty ARL is still needed as
        # evidence that the issuing CA was not revoked.
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root_cert.subject)
            .last_update(now - timedelta(seconds=1))
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                self.root_cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value), critical=False)
            .sign(self._root_key, hashes.SHA384())
        )
        atomic_write(self.folder / self.ROOT_CRL_DER, crl.public_bytes(serialization.Encoding.DER))
        atomic_write(self.folder / self.ROOT_CRL_PEM, crl.public_bytes(serialization.Encoding.PEM))
        return crl

    def crls(self) -> list[x509.CertificateRevocationList]:
        """The issuing CA's CRL and the root's ARL, current."""
        issuing = self.crl()
        root = x509.load_der_x509_crl((self.folder / self.ROOT_CRL_DER).read_bytes())
        return [issuing, root]

    def crl(self) -> x509.CertificateRevocationList:
        """The current CRL; a new one is published when the stored one is older than a day."""
        path = self.folder / self.CRL_DER
        if path.exists():
            crl = x509.load_der_x509_crl(path.read_bytes())
            if crl.last_update_utc > datetime.now(timezone.utc) - timedelta(days=1):
                return crl
        return self.publish_crl()


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                         decipher_only=False)


def _signer_key_usage() -> x509.KeyUsage:
    # pyHanko's validator insists on nonRepudiation (content commitment) for document signers.
    return x509.KeyUsage(digital_signature=True, content_commitment=True,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=False, crl_sign=False, encipher_only=False,
                         decipher_only=False)
