"""The station's local certification authority: root and issuing CA, certificate index, CRL.

Folder layout (all written atomically):
    root.key.pem, issuing.key.pem   PKCS#8, encrypted with the CA passphrase; absent when the
                                    key is elsewhere (see custody.json)
    root.cert.pem, issuing.cert.pem
    custody.json                    where the keys are: root "folder" | "offline" (exported to
                                    a file the operator keeps) | "pkcs11"; issuing "folder" |
                                    "pkcs11"; the issuing CA generations (rollover)
    pseudonym.key.sealed            the donor-ID pseudonym key, sealed with the passphrase, when
                                    the root key is not in the folder (on a token: an HMAC key)
    retired/                        issuing CA certificates (and keys, for their CRLs) replaced
                                    by `station ca rollover --issuing`, with their CRLs
    index.json                      every certificate issued, with its revocation state
    crl.der, crl.pem                the issuing CA's current CRL (signer and TSA certificates)
    root-crl.der, root-crl.pem      the root's CRL (an ARL covering the issuing CA): long-term
                                    validation needs revocation data for every certificate
                                    below the trust anchor

Privacy of donor certificates: the clear ID number never enters a certificate. The
subject carries the donor's name and, in the serialNumber attribute, a pseudonym
"IDP1:<hex>" = HMAC-SHA256(key derived from the root CA key when the CA is created, ID
number), truncated to 128 bits; kept beside the root key or, when the root key leaves the
station, sealed with the issuing key's passphrase or as an HMAC key on the token. A bare hash of an 18-digit Chinese ID number could be reversed by brute force
(birth date and region code leave ~10^9 candidates), a keyed hash cannot without the
passphrase-protected CA key; the same donor still maps to the same pseudonym, so a
certificate can be matched to the donor record by whoever holds the CA.
The SHA-256 of the fingerprint template evidence attached to the consent (signing.pades:
fingerprint-template.json, the scanner's template with its format) is bound in a private,
non-critical extension (FINGERPRINT_TEMPLATE_HASH_OID, DER: SEQUENCE { AlgorithmIdentifier,
OCTET STRING }): sha256(attached file) == the extension's value.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from asn1crypto import algos, core
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.atomic import atomic_write
from signing.errors import SigningError

# -- keys on a PKCS#11 token --------------------------------------------------------------
# CA and TSA keys on a PKCS#11 token (HSM, smart card, SoftHSM2 in tests) sign on the token.
# A `TokenKey` is a private key object found by label on a logged-in session; it never leaves
# the token (generated with CKA_SENSITIVE, not extractable). It signs in two ways:
#   - `sign(data, hash)`: hash in software, sign the digest on the token (CKM_ECDSA or
#     CKM_RSA_PKCS over a DigestInfo), the raw mechanisms `signing.keystore` uses for staff
#     keys, since many tokens lack the combined ones;
#   - certificates and CRLs (`sign_certificate`, `sign_crl`): cryptography's builders sign only
#     with a software key, so they sign with a throwaway key of the same algorithm, the
#     to-be-signed part is re-signed on the token and the signature replaced (the signature
#     algorithm identifier, ecdsa-with-SHA384, does not depend on the key).
# A `TokenSecret` is an HMAC key on the token (the donor ID pseudonym key when the root CA key
# is not on the station).
_CURVES = {"secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1}


def token_error(label: str, exc: BaseException | None = None) -> SigningError:
    detail = f": {exc}" if exc else ""
    return SigningError(f"未找到密钥令牌“{label}”或无法访问，请插入令牌后重试",
                        f"Key token '{label}' not found or not accessible; insert it and try "
                        f"again{detail}", code="TOKEN_MISSING")


class _SharedSession:
    """One logged-in session per token and process, shared by whoever opens it (PKCS#11 login
    state belongs to the application, so a second C_Login fails with "already logged in").
    `close()` releases this holder; the last one closes the real session."""

    _open: dict[tuple[str, str], list[Any]] = {}  # key -> [session, holders, pin digest]
    _lock = threading.Lock()

    def __init__(self, key: tuple[str, str]) -> None:
        self._key = key
        self._closed = False

    def __getattr__(self, name: str) -> Any:
        entry = _SharedSession._open.get(self._key)
        if entry is None or self._closed:
            raise SigningError("令牌会话已关闭", "The token session is closed",
                               code="TOKEN_MISSING")
        return getattr(entry[0], name)

    def close(self) -> None:
        with _SharedSession._lock:
            if self._closed:
                return
            self._closed = True
            entry = _SharedSession._open.get(self._key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del _SharedSession._open[self._key]
                with contextlib.suppress(Exception):  # a token pulled out: nothing to close
                    entry[0].close()


def open_session(module_path: str, token_label: str, pin: str) -> Any:
    """A logged-in read-write session on the token (close it when done)."""
    key = (module_path, token_label)
    digest = hashlib.sha256(pin.encode()).digest()
    with _SharedSession._lock:
        entry = _SharedSession._open.get(key)
        if entry is not None:
            if not hmac.compare_digest(entry[2], digest):
                raise SigningError(f"令牌“{token_label}”的 PIN 错误",
                                   f"Wrong PIN for token '{token_label}'", code="TOKEN_PIN")
            entry[1] += 1
            return _SharedSession(key)
        session = _login(module_path, token_label, pin)
        _SharedSession._open[key] = [session, 1, digest]
        return _SharedSession(key)


def _login(module_path: str, token_label: str, pin: str) -> Any:
    import pkcs11
    from pkcs11.exceptions import (
        NoSuchToken,
        PinIncorrect,
        PinLenRange,
        PinLocked,
        PKCS11Error,
    )

    if not Path(module_path).exists():
        raise SigningError(f"找不到 PKCS#11 模块：{module_path}",
                           f"PKCS#11 module not found: {module_path}", code="PKCS11_MODULE")
    try:
        lib = pkcs11.lib(module_path)
    except (PKCS11Error, RuntimeError, OSError) as exc:
        raise SigningError(f"无法加载 PKCS#11 模块：{module_path}",
                           f"Cannot load PKCS#11 module {module_path}: {exc}",
                           code="PKCS11_MODULE") from exc
    token = None
    for attempt in range(2):
        try:
            token = lib.get_token(token_label=token_label)
            break
        except NoSuchToken:
            if attempt == 0:
                lib.reinitialize()
    if token is None:
        raise token_error(token_label)
    try:
        return token.open(user_pin=pin, rw=True)
    except (PinIncorrect, PinLenRange) as exc:
        raise SigningError(f"令牌“{token_label}”的 PIN 错误", f"Wrong PIN for token '{token_label}'",
                           code="TOKEN_PIN") from exc
    except PinLocked as exc:
        raise SigningError(f"令牌“{token_label}”的 PIN 已锁定", f"The PIN of token '{token_label}' "
                           "is locked", code="PIN_LOCKED") from exc


def _key_id(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()[:16]


@dataclass
class TokenKey:
    """A private key on the token, found by label; the public half is read from the token."""

    session: Any
    label: str

    def __post_init__(self) -> None:
        from pkcs11 import KeyType, ObjectClass
        from pkcs11.exceptions import PKCS11Error

        try:
            self._private = self.session.get_key(object_class=ObjectClass.PRIVATE_KEY,
                                                 label=self.label)
            public = self.session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=self.label)
        except PKCS11Error as exc:
            raise SigningError(f"令牌上没有密钥“{self.label}”", f"No key '{self.label}' on the token",
                               code="TOKEN_KEY_MISSING") from exc
        if public.key_type == KeyType.EC:
            from pkcs11.util.ec import encode_ec_public_key

            self.kind = "ec"
            der = encode_ec_public_key(public)
        else:
            from pkcs11.util.rsa import encode_rsa_public_key

            self.kind = "rsa"
            der = _rsa_spki(encode_rsa_public_key(public))
        loaded = serialization.load_der_public_key(der)
        assert isinstance(loaded, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey))
        self._public = loaded

    def public_key(self) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
        return self._public

    def sign(self, data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        """A DER ECDSA signature, or an RSA PKCS#1 v1.5 signature, of `data`."""
        from pkcs11 import Mechanism

        h = hashes.Hash(algorithm)
        h.update(data)
        digest = h.finalize()
        if self.kind == "ec":
            raw = self._private.sign(digest, mechanism=Mechanism.ECDSA)
            half = len(raw) // 2
            return encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                        int.from_bytes(raw[half:], "big"))
        info = algos.DigestInfo({"digest_algorithm": {"algorithm": algorithm.name},
                                 "digest": digest}).dump()
        return bytes(self._private.sign(info, mechanism=Mechanism.RSA_PKCS))

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        temp = builder.sign(_throwaway(self.kind), hashes.SHA384())
        parsed = asn1_x509.Certificate.load(temp.public_bytes(serialization.Encoding.DER))
        signed = asn1_x509.Certificate({
            "tbs_certificate": parsed["tbs_certificate"],
            "signature_algorithm": parsed["signature_algorithm"],
            "signature_value": self.sign(temp.tbs_certificate_bytes, hashes.SHA384()),
        })
        return x509.load_der_x509_certificate(signed.dump())

    def sign_crl(self, builder: x509.CertificateRevocationListBuilder
                 ) -> x509.CertificateRevocationList:
        temp = builder.sign(_throwaway(self.kind), hashes.SHA384())
        parsed = asn1_crl.CertificateList.load(temp.public_bytes(serialization.Encoding.DER))
        signed = asn1_crl.CertificateList({
            "tbs_cert_list": parsed["tbs_cert_list"],
            "signature_algorithm": parsed["signature_algorithm"],
            "signature": self.sign(temp.tbs_certlist_bytes, hashes.SHA384()),
        })
        return x509.load_der_x509_crl(signed.dump())


def _rsa_spki(pkcs1_der: bytes) -> bytes:
    from asn1crypto import keys

    return keys.PublicKeyInfo({
        "algorithm": {"algorithm": "rsa"},
        "public_key": keys.RSAPublicKey.load(pkcs1_der),
    }).dump()


@functools.cache
def _throwaway(kind: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_key(session: Any, label: str, kind: str = "ec", curve: str = "secp384r1") -> TokenKey:
    """Generate a non-extractable key pair on the token under `label` (replacing none: an
    existing key with that label is refused, so a key is never overwritten by mistake)."""
    from pkcs11 import Attribute, KeyType, ObjectClass

    if list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                 Attribute.LABEL: label})):
        raise SigningError(f"令牌上已有密钥“{label}”", f"The token already holds a key '{label}'",
                           code="TOKEN_KEY_EXISTS")
    private = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True}
    if kind == "ec":
        from pkcs11.util.ec import encode_named_curve_parameters

        if curve not in _CURVES:
            raise ValueError(f"unsupported curve {curve}")
        params = session.create_domain_parameters(KeyType.EC, {
            Attribute.EC_PARAMS: encode_named_curve_parameters(curve)}, local=True)
        params.generate_keypair(store=True, label=label, id=_key_id(label),
                                private_template=private)
    else:
        session.generate_keypair(KeyType.RSA, 3072, store=True, label=label, id=_key_id(label),
                                 private_template=private)
    return TokenKey(session, label)


def destroy_key(session: Any, label: str) -> int:
    """Destroy every object with this label (a retired TSA key); returns how many."""
    from pkcs11 import Attribute

    objects = list(session.get_objects({Attribute.LABEL: label}))
    for obj in objects:
        obj.destroy()
    return len(objects)


@dataclass
class TokenSecret:
    """An HMAC-SHA256 key on the token (imported once, then not extractable)."""

    session: Any
    label: str

    @classmethod
    def store(cls, session: Any, label: str, value: bytes) -> TokenSecret:
        from pkcs11 import Attribute, KeyType, ObjectClass

        session.create_object({
            Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.GENERIC_SECRET,
            Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.LABEL: label,
            Attribute.ID: _key_id(label), Attribute.VALUE: value, Attribute.SIGN: True,
            Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
        })
        return cls(session, label)

    def hmac(self, data: bytes) -> bytes:
        from pkcs11 import Mechanism, ObjectClass
        from pkcs11.exceptions import PKCS11Error

        try:
            key = self.session.get_key(object_class=ObjectClass.SECRET_KEY, label=self.label)
        except PKCS11Error as exc:
            raise SigningError(f"令牌上没有密钥“{self.label}”", f"No key '{self.label}' on the token",
                               code="TOKEN_KEY_MISSING") from exc
        return bytes(key.sign(data, mechanism=Mechanism.SHA256_HMAC))


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
# A root kept off the station signs its CRL (ARL) only when brought in: a year's validity,
# renewed by `station ca root-crl` (warned about like an expiring certificate).
OFFLINE_ROOT_CRL_VALIDITY = timedelta(days=365)
DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
ROOT_TOKEN_LABEL = "station-root-ca"
PSEUDONYM_TOKEN_LABEL = "station-donor-pseudonym"
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
CAKey = PrivateKey | TokenKey
KeyPlace = Literal["folder", "offline", "pkcs11"]


def issuing_token_label(generation: int) -> str:
    return f"station-issuing-ca-{generation}"


@dataclass(frozen=True)
class Custody:
    """Where the CA's keys are kept (custody.json; a folder without it is all "folder")."""

    root_key: KeyPlace = "folder"
    issuing_key: KeyPlace = "folder"  # folder | pkcs11
    module: str = DEFAULT_PKCS11_MODULE
    token_label: str = ""  # the issuing key's token
    root_token_label: str = ""  # the root key's token (default: token_label)
    generation: int = 1  # the current issuing CA's generation
    generations: tuple[dict[str, Any], ...] = ()  # {"generation", "sha256", "label"} per issuing CA

    def to_json(self) -> dict[str, Any]:
        return {"root_key": self.root_key, "issuing_key": self.issuing_key, "module": self.module,
                "token_label": self.token_label, "root_token_label": self.root_token_label,
                "generation": self.generation, "generations": list(self.generations)}

    @staticmethod
    def from_json(raw: dict[str, Any]) -> Custody:
        return Custody(root_key=raw.get("root_key", "folder"),
                       issuing_key=raw.get("issuing_key", "folder"),
                       module=raw.get("module", DEFAULT_PKCS11_MODULE),
                       token_label=raw.get("token_label", ""),
                       root_token_label=raw.get("root_token_label", ""),
                       generation=int(raw.get("generation", 1)),
                       generations=tuple(raw.get("generations", ())))

    @property
    def root_token(self) -> str:
        return self.root_token_label or self.token_label


def _sign_certificate(builder: x509.CertificateBuilder, key: CAKey) -> x509.Certificate:
    if isinstance(key, TokenKey):
        return key.sign_certificate(builder)
    return builder.sign(key, hashes.SHA384())


def _sign_crl(builder: x509.CertificateRevocationListBuilder,
              key: CAKey) -> x509.CertificateRevocationList:
    if isinstance(key, TokenKey):
        return key.sign_crl(builder)
    return builder.sign(key, hashes.SHA384())


def _seal(secret: bytes, passphrase: bytes) -> bytes:
    """scrypt + AES-256-GCM: the pseudonym key at rest, unlocked with the CA passphrase."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    salt, nonce = os.urandom(16), os.urandom(12)
    kek = Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase)
    return b"SEAL1" + salt + nonce + AESGCM(kek).encrypt(nonce, secret, b"pseudonym")


def _unseal(blob: bytes, passphrase: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if not blob.startswith(b"SEAL1"):
        raise SigningError("假名密钥文件已损坏", "The pseudonym key file is damaged",
                           code="CA_PSEUDONYM")
    salt, nonce, box = blob[5:21], blob[21:33], blob[33:]
    kek = Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase)
    try:
        return AESGCM(kek).decrypt(nonce, box, b"pseudonym")
    except InvalidTag as exc:
        raise SigningError("CA 口令错误，无法解密 CA 私钥", "Wrong CA passphrase: cannot decrypt "
                           "the pseudonym key", code="CA_PASSPHRASE") from exc


def export_key(key: PrivateKey, path: str | Path, passphrase: bytes) -> None:
    """Write a key, encrypted with `passphrase`, to a file the operator takes away."""
    if len(passphrase) < 8:
        raise SigningError("导出根密钥的口令至少 8 个字符",
                           "The passphrase of the exported root key needs at least 8 characters",
                           code="ROOT_PASSPHRASE")
    atomic_write(path, _encrypted_pem(key, passphrase), mode=0o600)


def load_exported_key(path: str | Path, passphrase: bytes) -> PrivateKey:
    path = Path(path)
    if not path.is_file():
        raise SigningError(f"未找到根密钥文件：{path}", f"No root key file at {path}",
                           code="ROOT_KEY_MISSING")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningError("根密钥口令错误", f"Wrong passphrase for the root key {path.name}",
                           code="ROOT_PASSPHRASE") from exc
    assert isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))
    return key


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
    generation: int = 1  # the issuing CA generation that issued it (see rollover)

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": str(self.serial), "kind": self.kind, "subject": self.subject,
            "username": self.username, "role": self.role, "not_before": self.not_before,
            "not_after": self.not_after, "sha256": self.sha256, "revoked_at": self.revoked_at,
            "revocation_reason": self.revocation_reason, "generation": self.generation,
        }

    @staticmethod
    def from_json(row: dict[str, Any]) -> IssuedCertificate:
        return IssuedCertificate(**{**row, "serial": int(row["serial"])})


@dataclass
class _Retired:
    """An issuing CA replaced by rollover: still publishes its CRL until its certificate expires."""

    generation: int
    cert: x509.Certificate
    key: CAKey | None


class LocalCA:
    """A two-level CA kept in one folder; open it with the passphrase (or token PIN) to issue.

    Only the issuing CA's key is needed day to day (donor, staff and TSA certificates, its
    CRL). The root key is needed only to certify a new issuing CA (`rollover_issuing`) and to
    sign the root's CRL; it can live off the station (`custody.root_key` "offline": an
    encrypted file the operator keeps, or "pkcs11": a token), loaded with `unlock_root`.
    """

    ROOT_KEY = "root.key.pem"
    ROOT_CERT = "root.cert.pem"
    ISSUING_KEY = "issuing.key.pem"
    ISSUING_CERT = "issuing.cert.pem"
    INDEX = "index.json"
    CUSTODY = "custody.json"
    PSEUDONYM = "pseudonym.key.sealed"
    RETIRED = "retired"
    CRL_DER = "crl.der"
    CRL_PEM = "crl.pem"
    ROOT_CRL_DER = "root-crl.der"
    ROOT_CRL_PEM = "root-crl.pem"

    def __init__(self, folder: Path, root_key: CAKey | None, root_cert: x509.Certificate,
                 issuing_key: CAKey, issuing_cert: x509.Certificate,
                 org_name: str, custody: Custody | None = None,
                 pseudonym_key: bytes | TokenSecret | None = None,
                 retired: list[_Retired] | None = None, secret: bytes = b"",
                 session: Any = None) -> None:
        self.folder = folder
        self._root_key = root_key
        self.root_cert = root_cert
        self._issuing_key = issuing_key
        self.issuing_cert = issuing_cert
        self.org_name = org_name
        self.custody = custody or Custody()
        self.retired = retired or []
        self._secret = secret  # the passphrase (file keys) or PIN (token), for rollover
        self._session = session  # the logged-in token session when keys are on a token
        self._root_session: Any = None
        self._lock = threading.Lock()
        if pseudonym_key is None:
            if root_key is None or isinstance(root_key, TokenKey):
                raise SigningError("缺少献血者假名密钥", "The donor pseudonym key is missing",
                                   code="CA_PSEUDONYM")
            pseudonym_key = _pseudonym_from_root(root_key)
        self._pseudonym_key = pseudonym_key

    # -- creation and opening -------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | Path, passphrase: bytes | str, org_name: str,
               now: datetime | None = None, *, custody: Custody | None = None,
               pin: str | None = None, root_out: str | Path | None = None,
               root_passphrase: bytes | None = None, root_pin: str | None = None) -> LocalCA:
        """Create root and issuing CA.

        custody.root_key: "folder" (encrypted with `passphrase` beside the issuing key: the
        embedded default), "offline" (written to `root_out`, encrypted with
        `root_passphrase`, and not kept here) or "pkcs11" (generated on the token
        `custody.root_token` with `root_pin`, default `pin`). custody.issuing_key: "folder"
        (encrypted with `passphrase`) or "pkcs11" (generated on `custody.token_label`, `pin`).
        """
        folder = Path(folder)
        custody = custody or Custody()
        pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        needs_passphrase = "folder" in (custody.root_key, custody.issuing_key)
        if needs_passphrase and not pw:
            raise SigningError("CA 口令不能为空", "The CA passphrase must not be empty",
                               code="CA_PASSPHRASE")
        if custody.issuing_key == "pkcs11" and not (custody.token_label and pin):
            raise SigningError("CA 密钥放在令牌上时须给出令牌标签和 PIN",
                               "A CA key on a token needs the token label and its PIN",
                               code="TOKEN_PIN")
        if custody.root_key == "offline" and (root_out is None or not root_passphrase):
            raise SigningError("根密钥导出须给出文件和口令",
                               "Exporting the root key needs a file and a passphrase",
                               code="ROOT_PASSPHRASE")
        if custody.root_key == "offline" and len(root_passphrase or b"") < 8:
            raise SigningError("导出根密钥的口令至少 8 个字符",
                               "The passphrase of the exported root key needs at least 8 characters",
                               code="ROOT_PASSPHRASE")
        if (folder / cls.ROOT_CERT).exists():
            raise SigningError(f"CA 已存在：{folder}", f"A CA already exists in {folder}",
                               code="CA_EXISTS")
        now = _utc(now or datetime.now(timezone.utc))
        session = root_session = None
        if custody.issuing_key == "pkcs11":
            session = open_session(custody.module, custody.token_label, pin or "")
        root_key: CAKey
        software_root = ec.generate_private_key(ec.SECP384R1())
        if custody.root_key == "pkcs11":
            if custody.root_token == custody.token_label and session is not None:
                root_session = session
            else:
                root_session = open_session(custody.module, custody.root_token, root_pin or pin or "")
            root_key = generate_key(root_session, ROOT_TOKEN_LABEL)
        else:
            root_key = software_root
        root_name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org_name} Root CA"),
        ])
        root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
        root_cert = _sign_certificate(
            x509.CertificateBuilder()
            .subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now + ROOT_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(root_ski, critical=False), root_key)
        issuing_key: CAKey
        if session is not None:
            issuing_key = generate_key(session, issuing_token_label(1))
        else:
            issuing_key = ec.generate_private_key(ec.SECP384R1())
        issuing_cert = _issue_ca_certificate(root_key, root_cert, issuing_key.public_key(),
                                             org_name, now, generation=1)
        folder.mkdir(parents=True, exist_ok=True)
        # The pseudonym key: derived from the root key (as it always was), then kept where the
        # day-to-day key is when the root key leaves the folder.
        pseudonym: bytes | TokenSecret
        if isinstance(root_key, TokenKey):
            pseudonym = hashlib.sha256(b"station donor id pseudonym v2\x00" +
                                       root_cert.fingerprint(hashes.SHA256()) +
                                       os.urandom(32)).digest()
        else:
            pseudonym = _pseudonym_from_root(root_key)
        if custody.root_key == "folder":
            assert not isinstance(root_key, TokenKey)
            atomic_write(folder / cls.ROOT_KEY, _encrypted_pem(root_key, pw), mode=0o600)
        elif custody.root_key == "offline":
            assert root_out is not None and root_passphrase is not None
            assert not isinstance(root_key, TokenKey)
            export_key(root_key, root_out, root_passphrase)
        if custody.root_key != "folder":
            if session is not None:
                assert isinstance(pseudonym, bytes)
                pseudonym = TokenSecret.store(session, PSEUDONYM_TOKEN_LABEL, pseudonym)
            else:
                atomic_write(folder / cls.PSEUDONYM, _seal(pseudonym, pw), mode=0o600)
        if not isinstance(issuing_key, TokenKey):
            atomic_write(folder / cls.ISSUING_KEY, _encrypted_pem(issuing_key, pw), mode=0o600)
        atomic_write(folder / cls.ROOT_CERT, cert_pem(root_cert))
        atomic_write(folder / cls.ISSUING_CERT, cert_pem(issuing_cert))
        custody = replace(custody, generation=1, generations=(
            _generation_row(1, issuing_cert, custody),))
        atomic_write(folder / cls.CUSTODY, json.dumps(custody.to_json(), indent=1).encode())
        ca = cls(folder, root_key, root_cert, issuing_key, issuing_cert, org_name, custody,
                 pseudonym_key=pseudonym, secret=(pin or "").encode() if session else pw,
                 session=session)
        ca._root_session = root_session if root_session is not session else None
        ca._write_index({"organisation": org_name, "certificates": []})
        ca.publish_crl(now)
        if custody.root_key != "folder":
            ca.lock_root()
        return ca

    @classmethod
    def open(cls, folder: str | Path, passphrase: bytes | str, *,
             module: str | None = None) -> LocalCA:
        """Open the CA for issuing: `passphrase` is the CA passphrase (keys in the folder) or
        the token's user PIN (keys on a PKCS#11 token). The root key is opened only when it is
        in the folder; otherwise `unlock_root` brings it in for rollover and root CRLs."""
        folder = Path(folder)
        pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        if not (folder / cls.ROOT_CERT).exists():
            raise SigningError(f"未找到 CA：{folder}（请先运行 station ca init）",
                               f"No CA in {folder} (run `station ca init` first)",
                               code="CA_MISSING")
        custody = read_custody(folder)
        if module:
            custody = replace(custody, module=module)
        session = None
        root_key: CAKey | None = None
        issuing_key: CAKey
        pseudonym: bytes | TokenSecret | None = None
        if custody.issuing_key == "pkcs11":
            session = open_session(custody.module, custody.token_label, pw.decode())
            issuing_key = TokenKey(session, _label_of(custody, custody.generation))
        else:
            issuing_key = _load_key(folder / cls.ISSUING_KEY, pw)
        if custody.root_key == "folder":
            root_key = _load_key(folder / cls.ROOT_KEY, pw)
        elif session is not None:
            pseudonym = TokenSecret(session, PSEUDONYM_TOKEN_LABEL)
        else:
            pseudonym = _unseal((folder / cls.PSEUDONYM).read_bytes(), pw)
        retired = []
        for row in custody.generations:
            gen = int(row["generation"])
            if gen == custody.generation:
                continue
            cert_path = folder / cls.RETIRED / f"issuing-{gen}.cert.pem"
            if not cert_path.exists():
                continue
            key: CAKey | None = None
            if session is not None and row.get("label"):
                try:
                    key = TokenKey(session, str(row["label"]))
                except SigningError:
                    key = None
            elif (folder / cls.RETIRED / f"issuing-{gen}.key.pem").exists():
                key = _load_key(folder / cls.RETIRED / f"issuing-{gen}.key.pem", pw)
            retired.append(_Retired(gen, _load_cert(cert_path), key))
        index = json.loads((folder / cls.INDEX).read_text("utf-8"))
        return cls(folder, root_key, _load_cert(folder / cls.ROOT_CERT), issuing_key,
                   _load_cert(folder / cls.ISSUING_CERT), index.get("organisation", ""),
                   custody, pseudonym_key=pseudonym, retired=retired, secret=pw,
                   session=session)

    def close(self) -> None:
        """Close token sessions (file keys need nothing)."""
        for session in (self._root_session, self._session):
            if session is not None:
                with contextlib.suppress(Exception):  # a token pulled out: nothing to close
                    session.close()
        self._root_session = self._session = None

    @property
    def root_available(self) -> bool:
        return self._root_key is not None

    def unlock_root(self, *, key_file: str | Path | None = None,
                    passphrase: bytes | None = None, pin: str | None = None) -> None:
        """Bring the off-station root key in for this session (rollover, root CRL)."""
        if self._root_key is not None:
            return
        if self.custody.root_key == "offline":
            if key_file is None or passphrase is None:
                raise root_offline()
            key = load_exported_key(key_file, passphrase)
            if key.public_key() != self.root_cert.public_key():
                raise SigningError("该密钥文件不是本 CA 的根密钥",
                                   "The key file is not this CA's root key", code="ROOT_KEY_MISMATCH")
            self._root_key = key
        elif self.custody.root_key == "pkcs11":
            if not pin:
                raise root_offline()
            self._root_session = open_session(self.custody.module, self.custody.root_token, pin)
            self._root_key = TokenKey(self._root_session, ROOT_TOKEN_LABEL)
        else:
            raise root_offline()

    def lock_root(self) -> None:
        """Forget the root key again (it stays on its token / in its file)."""
        if self.custody.root_key == "folder":
            return
        self._root_key = None
        if self._root_session is not None:
            self._root_session.close()
            self._root_session = None

    @staticmethod
    def load_public(folder: str | Path) -> tuple[x509.Certificate, x509.Certificate,
                                                 list[x509.CertificateRevocationList]]:
        """Root, current issuing CA certificate and the CRLs (current issuing CA's, root's and
        those of retired issuing CAs), readable without the passphrase."""
        folder = Path(folder)
        names = [folder / LocalCA.CRL_DER, folder / LocalCA.ROOT_CRL_DER]
        names += sorted((folder / LocalCA.RETIRED).glob("issuing-*.crl.der"))
        crls = [x509.load_der_x509_crl(p.read_bytes()) for p in names if p.exists()]
        return (_load_cert(folder / LocalCA.ROOT_CERT), _load_cert(folder / LocalCA.ISSUING_CERT),
                crls)

    @staticmethod
    def issuing_certificates(folder: str | Path) -> list[x509.Certificate]:
        """Every issuing CA certificate this CA has had, current first: validation of records
        signed before a rollover needs the retired ones."""
        folder = Path(folder)
        certs = [_load_cert(folder / LocalCA.ISSUING_CERT)]
        retired = sorted((folder / LocalCA.RETIRED).glob("issuing-*.cert.pem"),
                         key=lambda p: -int(p.name.split("-")[1].split(".")[0]))
        return certs + [_load_cert(p) for p in retired]

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
            generation=self.custody.generation,
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
        data = id_number.strip().upper().encode("utf-8")
        if isinstance(self._pseudonym_key, TokenSecret):
            digest = self._pseudonym_key.hmac(data)
        else:
            digest = hmac.new(self._pseudonym_key, data, hashlib.sha256).digest()
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
                                fingerprint_template_sha256: bytes | None, now: datetime
                                ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """An ephemeral key (kept in memory only) and its 24-hour certificate for one consent.

        `fingerprint_template_sha256`: the SHA-256 of the template attached to the record, bound
        in the FINGERPRINT_TEMPLATE_HASH_OID extension; None (no scanner): no extension."""
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
        builder = (
            self._leaf_builder(subject, key.public_key(), now - BACKDATE, now + DONOR_VALIDITY)
            .add_extension(_signer_key_usage(), critical=True))
        if fingerprint_template_sha256 is not None:
            builder = builder.add_extension(x509.UnrecognizedExtension(
                FINGERPRINT_TEMPLATE_HASH_OID,
                encode_fingerprint_extension(fingerprint_template_sha256)), critical=False)
        cert = _sign_certificate(builder, self._issuing_key)
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
        cert = _sign_certificate(
            self._leaf_builder(subject, public_key, now - BACKDATE, now + STAFF_VALIDITY)
            .add_extension(_signer_key_usage(), critical=True), self._issuing_key)
        self._record(cert, "staff", username.strip(), role)
        return cert

    def issue_tsa_certificate(self, public_key: PublicKey, name: str, now: datetime,
                              validity: timedelta | None = None) -> x509.Certificate:
        """A TSA certificate: digitalSignature only, extended key usage timeStamping (critical).

        `validity` (default TSA_VALIDITY) never reaches past the issuing CA's own end."""
        now = _utc(now)
        not_after = min(now + (validity or TSA_VALIDITY), self.issuing_cert.not_valid_after_utc)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ])
        cert = _sign_certificate(
            self._leaf_builder(subject, public_key, now - BACKDATE, not_after)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True), self._issuing_key)
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
        """Write fresh CRLs (DER and PEM): the issuing CA's, those of retired issuing CAs whose
        certificate is still valid, and the root's when the root key is at hand (an offline
        root's CRL is renewed by `station ca root-crl`). Returns the current issuing CA's."""
        now = _utc(now or datetime.now(timezone.utc))
        if self._root_key is not None:
            self._publish_root_crl(now)
        rows = self.certificates()
        for old in self.retired:
            if old.key is None or old.cert.not_valid_after_utc < now:
                continue
            crl = self._issuing_crl(old.cert, old.key, old.generation, rows, now)
            atomic_write(self.folder / self.RETIRED / f"issuing-{old.generation}.crl.der",
                         crl.public_bytes(serialization.Encoding.DER))
        crl = self._issuing_crl(self.issuing_cert, self._issuing_key, self.custody.generation,
                                rows, now)
        atomic_write(self.folder / self.CRL_DER, crl.public_bytes(serialization.Encoding.DER))
        atomic_write(self.folder / self.CRL_PEM, crl.public_bytes(serialization.Encoding.PEM))
        return crl

    @staticmethod
    def _issuing_crl(cert: x509.Certificate, key: CAKey, generation: int,
                     rows: list[IssuedCertificate], now: datetime
                     ) -> x509.CertificateRevocationList:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(cert.subject)
            .last_update(now - timedelta(seconds=1))
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value), critical=False)
        )
        for row in rows:
            if row.revoked_at is None or row.kind == "ca" or row.generation != generation:
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
        return _sign_crl(builder, key)

    def _publish_root_crl(self, now: datetime) -> x509.CertificateRevocationList:
        # The root revokes nothing today; the empty ARL is still needed as evidence that the
        # issuing CAs (current and retired) were not revoked.
        assert self._root_key is not None
        validity = CRL_VALIDITY if self.custody.root_key == "folder" else OFFLINE_ROOT_CRL_VALIDITY
        crl = _sign_crl(
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root_cert.subject)
            .last_update(now - timedelta(seconds=1))
            .next_update(now + validity)
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                self.root_cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value), critical=False), self._root_key)
        atomic_write(self.folder / self.ROOT_CRL_DER, crl.public_bytes(serialization.Encoding.DER))
        atomic_write(self.folder / self.ROOT_CRL_PEM, crl.public_bytes(serialization.Encoding.PEM))
        return crl

    def publish_root_crl(self, now: datetime | None = None) -> x509.CertificateRevocationList:
        """The root's CRL, signed now (the root key must be unlocked: `unlock_root`)."""
        if self._root_key is None:
            raise root_offline()
        return self._publish_root_crl(_utc(now or datetime.now(timezone.utc)))

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

    # -- rollover -------------------------------------------------------------------------
    def rollover_issuing(self, now: datetime | None = None) -> x509.Certificate:
        """A new issuing CA (new key, certified by the root, which must be unlocked).

        The old issuing certificate moves to retired/ (its key too, kept only to sign its
        CRL while its certificate is valid) and stays in the trust material for validation;
        certificates issued from now on come from the new key. Certificates issued by the
        old one (staff certificates, the TSA's) stay valid until they expire.
        """
        if self._root_key is None:
            raise root_offline()
        now = _utc(now or datetime.now(timezone.utc))
        old_gen = self.custody.generation
        gen = old_gen + 1
        new_key: CAKey
        if self.custody.issuing_key == "pkcs11":
            new_key = generate_key(self._session, issuing_token_label(gen))
        else:
            new_key = ec.generate_private_key(ec.SECP384R1())
        new_cert = _issue_ca_certificate(self._root_key, self.root_cert, new_key.public_key(),
                                         self.org_name, now, generation=gen)
        retired_dir = self.folder / self.RETIRED
        retired_dir.mkdir(exist_ok=True)
        atomic_write(retired_dir / f"issuing-{old_gen}.cert.pem", cert_pem(self.issuing_cert))
        if not isinstance(self._issuing_key, TokenKey):
            atomic_write(retired_dir / f"issuing-{old_gen}.key.pem",
                         _encrypted_pem(self._issuing_key, self._secret), mode=0o600)
        old_crl = self.folder / self.CRL_DER
        if old_crl.exists():
            atomic_write(retired_dir / f"issuing-{old_gen}.crl.der", old_crl.read_bytes())
        if not isinstance(new_key, TokenKey):
            atomic_write(self.folder / self.ISSUING_KEY, _encrypted_pem(new_key, self._secret),
                         mode=0o600)
        atomic_write(self.folder / self.ISSUING_CERT, cert_pem(new_cert))
        self.retired.insert(0, _Retired(old_gen, self.issuing_cert, self._issuing_key))
        known = list(self.custody.generations)
        if not any(int(row["generation"]) == old_gen for row in known):
            # a CA folder made before custody.json existed: its first issuing CA is generation 1
            known.insert(0, _generation_row(old_gen, self.issuing_cert, self.custody))
        self.custody = replace(self.custody, generation=gen, generations=(
            *known, _generation_row(gen, new_cert, self.custody)))
        atomic_write(self.folder / self.CUSTODY,
                     json.dumps(self.custody.to_json(), indent=1).encode())
        self._issuing_key, self.issuing_cert = new_key, new_cert
        self.publish_crl(now)
        return new_cert


def root_offline() -> SigningError:
    return SigningError(
        "此操作需要根 CA 密钥：请用 --root-key 给出导出的根密钥文件（或插入根密钥令牌并给出 PIN）",
        "This needs the root CA key: give the exported root key file with --root-key (or insert "
        "the root key token and give its PIN)", code="ROOT_KEY_OFFLINE")


def read_custody(folder: str | Path) -> Custody:
    path = Path(folder) / LocalCA.CUSTODY
    if not path.exists():
        return Custody()
    return Custody.from_json(json.loads(path.read_text("utf-8")))


def _generation_row(gen: int, cert: x509.Certificate, custody: Custody) -> dict[str, Any]:
    return {"generation": gen, "sha256": cert.fingerprint(hashes.SHA256()).hex(),
            "label": issuing_token_label(gen) if custody.issuing_key == "pkcs11" else None,
            "not_after": cert.not_valid_after_utc.isoformat()}


def _label_of(custody: Custody, gen: int) -> str:
    for row in custody.generations:
        if int(row["generation"]) == gen and row.get("label"):
            return str(row["label"])
    return issuing_token_label(gen)


def _pseudonym_from_root(root_key: PrivateKey) -> bytes:
    root_der = root_key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    return hashlib.sha256(b"station donor id pseudonym v1\x00" + root_der).digest()


def _issue_ca_certificate(root_key: CAKey, root_cert: x509.Certificate, public_key: PublicKey,
                          org_name: str, now: datetime, generation: int) -> x509.Certificate:
    # Generation 1 keeps the name it always had; later ones say which they are, so that two
    # issuing CAs valid at the same time have different names (and CRLs).
    cn = f"{org_name} Issuing CA" + (f" G{generation}" if generation > 1 else "")
    issuing_name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])
    root_ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    not_after = min(now + ISSUING_VALIDITY, root_cert.not_valid_after_utc)
    return _sign_certificate(
        x509.CertificateBuilder()
        .subject_name(issuing_name).issuer_name(root_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                       critical=False), root_key)


# -- expiry warnings ----------------------------------------------------------------------
@dataclass(frozen=True)
class ExpiryWarning:
    """A certificate (or the root's CRL) that ends within the warning window, or has ended."""

    what: str  # root | issuing | tsa | root_crl
    subject: str
    not_after: datetime
    days_left: float
    action: str  # the command that renews it

    @property
    def expired(self) -> bool:
        return self.days_left <= 0

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "subject": self.subject, "not_after": self.not_after.isoformat(),
                "days_left": round(self.days_left, 1), "expired": self.expired,
                "action": self.action}

    def message(self) -> tuple[str, str]:
        names = {"root": ("根 CA 证书", "root CA certificate"),
                 "issuing": ("签发 CA 证书", "issuing CA certificate"),
                 "tsa": ("时间戳服务证书", "time stamp certificate"),
                 "root_crl": ("根 CA 吊销列表", "root CA revocation list")}
        zh, en = names[self.what]
        when = f"{self.not_after:%Y-%m-%d %H:%M} UTC"
        if self.expired:
            return (f"{zh}已于 {when} 过期：{self.subject}；请运行 {self.action}",
                    f"The {en} expired on {when}: {self.subject}; run {self.action}")
        return (f"{zh}将于 {when} 过期（剩 {int(self.days_left)} 天）：{self.subject}；请运行 {self.action}",
                f"The {en} expires on {when} ({int(self.days_left)} days left): {self.subject}; "
                f"run {self.action}")


def expiry_warnings(ca_folder: str | Path, tsa_certificates: list[x509.Certificate],
                    now: datetime, window: timedelta) -> list[ExpiryWarning]:
    """What ends within `window` of `now`: root and issuing CA, the TSA certificates in use,
    and the root's CRL (an offline root must be brought in before it lapses)."""
    now = _utc(now)
    root, issuing, _ = LocalCA.load_public(ca_folder)
    items: list[tuple[str, str, datetime, str]] = [
        ("root", root.subject.rfc4514_string(), root.not_valid_after_utc, "a new CA (station ca init)"),
        ("issuing", issuing.subject.rfc4514_string(), issuing.not_valid_after_utc,
         "station ca rollover --issuing"),
    ]
    items += [("tsa", c.subject.rfc4514_string(), c.not_valid_after_utc, "station ca rollover --tsa")
              for c in tsa_certificates]
    root_crl = Path(ca_folder) / LocalCA.ROOT_CRL_DER
    # a root kept in the folder re-signs its CRL with every publish_crl; an off-station one must
    # be brought in before its CRL lapses
    if root_crl.exists() and read_custody(ca_folder).root_key != "folder":
        crl = x509.load_der_x509_crl(root_crl.read_bytes())
        if crl.next_update_utc is not None:
            items.append(("root_crl", root.subject.rfc4514_string(), crl.next_update_utc,
                          "station ca root-crl"))
    out = []
    for what, subject, not_after, action in items:
        left = not_after - now
        if left <= window:
            out.append(ExpiryWarning(what, subject, not_after, left.total_seconds() / 86400, action))
    return out


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
