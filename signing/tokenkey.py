"""CA and TSA keys on a PKCS#11 token (HSM, smart card, SoftHSM2 in tests): they sign on the token.

A `TokenKey` is a private key object found by label on a logged-in session; it never leaves
the token (generated with CKA_SENSITIVE, not extractable). It signs in two ways:
  - `sign(data, hash)`: hash in software, sign the digest on the token (CKM_ECDSA or
    CKM_RSA_PKCS over a DigestInfo), the same raw mechanisms `signing.keystore` uses for staff
    keys, since many tokens lack the combined mechanisms;
  - certificates and CRLs (`sign_certificate`, `sign_crl`): cryptography's builders only sign
    with a software key, so they sign with a throwaway key of the same algorithm, the
    to-be-signed part is re-signed on the token and the signature replaced (the signature
    algorithm identifier, ecdsa-with-SHA384, does not depend on the key).
A `TokenSecret` is an HMAC key on the token (the donor ID pseudonym key when the root CA key
is not on the station).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import algos
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from station.errors import SigningError

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
