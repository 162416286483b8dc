"""Staff signing keys: a PKCS#12 file per user (embedded default) or a key on a PKCS#11 token.

Both stores hand out a `StaffCredential`: an open pyHanko `Signer` unlocked with the PIN,
held in memory for the signing session and closed afterwards. The PIN itself is never kept.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.atomic import atomic_write
from signing.ca import LocalCA, new_signer_key
from signing.errors import SigningError

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise SigningError(f"用户名不合法：{username!r}", f"Invalid username: {username!r}",
                           code="STAFF_USERNAME")
    return username


@dataclass
class StaffCredential:
    """An unlocked staff signer for one signing session; call close() (or use `with`)."""

    username: str
    signer: Signer
    certificate: x509.Certificate
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> StaffCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StaffKeyStore(Protocol):
    """Where staff keys live; pyHanko-shaped: unlock with a PIN, get a Signer."""

    def enrol(self, ca: LocalCA, username: str, display_name: str, role: str, pin: str,
              now: datetime) -> x509.Certificate:
        """Generate the user's key in the store, have the CA certify it, store the certificate."""
        ...

    def certificate(self, username: str) -> x509.Certificate | None:
        """The user's certificate, readable without the PIN (None when not enrolled)."""
        ...

    def open(self, username: str, pin: str) -> StaffCredential:
        """Unlock the user's key with the PIN; raises SigningError on a wrong PIN or no key."""
        ...


def wrong_pin(username: str) -> SigningError:
    return SigningError(f"PIN 错误（用户 {username}），请重新输入",
                        f"Wrong PIN for user {username}; please try again", code="WRONG_PIN")


def not_enrolled(username: str) -> SigningError:
    return SigningError(f"用户 {username} 没有签名证书，请先由管理员签发（station ca issue-staff）",
                        f"User {username} has no signing certificate; an administrator must "
                        f"issue one (station ca issue-staff)", code="NO_STAFF_KEY")


# PBKDF2-HMAC-SHA256 rounds for the PKCS#12 key and certificate bags (AES-256-CBC): one PIN guess costs
# 600,000 hash rounds per bag (OWASP's figure for PBKDF2-SHA256), where BestAvailableEncryption's file
# could be tested through its 2,048-round MAC in a tenth of a millisecond.
PKCS12_KDF_ROUNDS = 600_000
PIN_MIN_LENGTH = 6
PIN_MAX_LENGTH = 64
PUBLIC_INFO = serialization.PublicFormat.SubjectPublicKeyInfo


def check_pin(pin: str) -> None:
    """A staff signing PIN: at least 6 characters, not one repeated character, not a straight run (123456)."""
    if len(pin) < PIN_MIN_LENGTH:
        raise SigningError(f"PIN 至少 {PIN_MIN_LENGTH} 位", f"The PIN must have at least {PIN_MIN_LENGTH} characters",
                           code="PIN_TOO_SHORT")
    if len(pin) > PIN_MAX_LENGTH or any(ord(c) < 32 for c in pin):
        raise SigningError(f"PIN 最多 {PIN_MAX_LENGTH} 位，且不能含控制字符",
                           f"The PIN has at most {PIN_MAX_LENGTH} characters and no control characters",
                           code="PIN_INVALID")
    steps = {ord(b) - ord(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or (pin.isdigit() and steps in ({1}, {-1})):
        raise SigningError("PIN 太简单（同一数字重复或连续数字），请换一个",
                           "The PIN is too simple (one digit repeated or a straight run); choose another",
                           code="PIN_TOO_SIMPLE")


def pkcs12_encryption(password: bytes, rounds: int = PKCS12_KDF_ROUNDS) -> serialization.KeySerializationEncryption:
    return (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(rounds)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(password))


def without_mac(pfx_der: bytes) -> bytes:
    """The PKCS#12 file without its MAC (optional in RFC 7292). OpenSSL, and so cryptography, computes the
    MAC key with a fixed 2,048 iterations whatever the KDF rounds: an offline guesser would test PINs
    against the MAC at that cost and never pay the 600,000 rounds. Without it every guess has to decrypt
    a bag; a wrong PIN fails there, and a damaged file fails the key/certificate match in open()."""
    from asn1crypto import pkcs12 as asn1_pkcs12

    pfx = asn1_pkcs12.Pfx.load(pfx_der)
    return asn1_pkcs12.Pfx({"version": pfx["version"], "auth_safe": pfx["auth_safe"]}).dump()


class Pkcs12KeyStore:
    """One `<username>.p12` per staff member, encrypted with the member's PIN."""

    def __init__(self, directory: str | Path, kdf_rounds: int = PKCS12_KDF_ROUNDS) -> None:
        if kdf_rounds < PKCS12_KDF_ROUNDS:
            raise ValueError(f"PKCS#12 files are written with at least {PKCS12_KDF_ROUNDS} KDF rounds")
        self.directory = Path(directory)
        self.kdf_rounds = kdf_rounds

    def path(self, username: str) -> Path:
        return self.directory / f"{_check_username(username)}.p12"

    def enrol(self, ca: LocalCA, username: str, display_name: str, role: str, pin: str,
              now: datetime) -> x509.Certificate:
        check_pin(pin)
        key = new_signer_key()
        cert = ca.issue_staff_certificate(key.public_key(), username, display_name, role, now)
        data = pkcs12.serialize_key_and_certificates(
            name=username.encode(), key=key, cert=cert, cas=ca.chain(),
            encryption_algorithm=pkcs12_encryption(pin.encode(), self.kdf_rounds))
        atomic_write(self.path(username), without_mac(data), mode=0o600)
        atomic_write(self.directory / f"{username}.cert.pem",
                     cert.public_bytes(serialization.Encoding.PEM))
        return cert

    def certificate(self, username: str) -> x509.Certificate | None:
        pem = self.directory / f"{_check_username(username)}.cert.pem"
        return x509.load_pem_x509_certificate(pem.read_bytes()) if pem.exists() else None

    def open(self, username: str, pin: str) -> StaffCredential:
        path = self.path(username)
        if not path.exists():
            raise not_enrolled(username)
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), pin.encode())
        except ValueError as exc:
            raise wrong_pin(username) from exc
        if key is None or cert is None:
            raise not_enrolled(username)
        if key.public_key().public_bytes(serialization.Encoding.DER, PUBLIC_INFO) != \
                cert.public_key().public_bytes(serialization.Encoding.DER, PUBLIC_INFO):
            # without a MAC (see without_mac) a damaged or swapped file shows here
            raise SigningError(f"用户 {username} 的密钥文件已损坏", f"The key file of user {username} is damaged",
                               code="STAFF_KEY_DAMAGED")
        key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        signer = SimpleSigner(
            signing_cert=to_asn1_cert(cert), signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs([to_asn1_cert(c) for c in extra]))
        return StaffCredential(username, signer, cert)


class Pkcs11KeyStore:
    """Staff keys generated on, and never leaving, a PKCS#11 token (USB key, smart card, HSM).

    Objects are found by label = username. The token is initialised beforehand by the
    administrator (user PIN set); `enrol` logs in with the user PIN.
    """

    def __init__(self, module_path: str, token_label: str,
                 chain: list[x509.Certificate] | None = None) -> None:
        self.module_path = module_path
        self.token_label = token_label
        self.chain = chain or []

    def _token(self) -> Any:
        import pkcs11
        from pkcs11.exceptions import NoSuchToken, PKCS11Error

        if not Path(self.module_path).exists():
            raise SigningError(f"找不到 PKCS#11 模块：{self.module_path}",
                               f"PKCS#11 module not found: {self.module_path}",
                               code="PKCS11_MODULE")
        try:
            lib = pkcs11.lib(self.module_path)
        except (PKCS11Error, RuntimeError, OSError) as exc:
            raise SigningError(f"无法加载 PKCS#11 模块：{self.module_path}",
                               f"Cannot load PKCS#11 module {self.module_path}: {exc}",
                               code="PKCS11_MODULE") from exc
        for attempt in range(2):
            try:
                return lib.get_token(token_label=self.token_label)
            except NoSuchToken:
                if attempt == 0:
                    # A token plugged in after the module was loaded is only seen after
                    # re-initialising the module.
                    lib.reinitialize()
        raise SigningError(f"未找到签名令牌“{self.token_label}”，请插入 USB Key 后重试",
                           f"Token '{self.token_label}' not found; insert the USB key and "
                           "try again", code="TOKEN_MISSING")

    def _login(self, username: str, pin: str) -> Any:
        from signing.ca import open_session

        self._token()  # the module and the token are there (clear messages otherwise)
        try:
            # one logged-in session per token and process, shared with CA and TSA keys on the
            # same token (a second C_Login would fail with "already logged in")
            return open_session(self.module_path, self.token_label, pin)
        except SigningError as exc:
            if exc.code == "TOKEN_PIN":
                raise wrong_pin(username) from exc
            if exc.code == "PIN_LOCKED":
                raise SigningError("PIN 已被锁定，请联系管理员解锁",
                                   "The PIN is locked; ask an administrator to unlock the token",
                                   code="PIN_LOCKED") from exc
            raise

    @staticmethod
    def _key_id(username: str) -> bytes:
        return hashlib.sha256(username.encode()).digest()[:16]

    def enrol(self, ca: LocalCA, username: str, display_name: str, role: str, pin: str,
              now: datetime) -> x509.Certificate:
        from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
        from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

        _check_username(username)
        session = self._login(username, pin)
        try:
            key_id = self._key_id(username)
            for old in session.get_objects({Attribute.LABEL: username}):
                old.destroy()  # re-enrolment replaces the previous key and certificate
            params = session.create_domain_parameters(KeyType.EC, {
                Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            public, _private = params.generate_keypair(
                store=True, label=username, id=key_id,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                                  Attribute.SIGN: True})
            public_key = serialization.load_der_public_key(encode_ec_public_key(public))
            from cryptography.hazmat.primitives.asymmetric import ec

            assert isinstance(public_key, ec.EllipticCurvePublicKey)
            cert = ca.issue_staff_certificate(public_key, username, display_name, role, now)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: username,
                Attribute.ID: key_id,
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.ISSUER: cert.issuer.public_bytes(),
                Attribute.SERIAL_NUMBER: to_asn1_cert(cert)["tbs_certificate"]["serial_number"]
                .dump(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            })
            return cert
        finally:
            session.close()

    def certificate(self, username: str) -> x509.Certificate | None:
        from pkcs11 import Attribute, ObjectClass

        token = self._token()
        # Certificates are public objects: readable without logging in.
        with token.open() as session:
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                            Attribute.LABEL: username}):
                return x509.load_der_x509_certificate(obj[Attribute.VALUE])
        return None

    def open(self, username: str, pin: str) -> StaffCredential:
        from pkcs11 import Attribute, ObjectClass
        from pyhanko.sign.pkcs11 import PKCS11Signer

        _check_username(username)
        session = self._login(username, pin)
        try:
            certs = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                              Attribute.LABEL: username}))
            keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                             Attribute.LABEL: username}))
            if not certs or not keys:
                raise not_enrolled(username)
            cert = x509.load_der_x509_certificate(certs[0][Attribute.VALUE])
            signer = PKCS11Signer(
                session, cert_label=username, key_label=username,
                signing_cert=to_asn1_cert(cert),
                ca_chain=[to_asn1_cert(c) for c in self.chain],
                other_certs_to_pull=None,
                # Hash in software, sign the digest on the token (CKM_ECDSA): many tokens,
                # SoftHSM among them, lack the combined CKM_ECDSA_SHA256 mechanism.
                use_raw_mechanism=True)
        except BaseException:
            session.close()
            raise
        return StaffCredential(username, signer, cert, session.close)
