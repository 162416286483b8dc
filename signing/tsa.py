"""The local RFC 3161 time stamp authority (HTTP service) and the client side used for signing."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from signing.atomic import atomic_write
from signing.ca import (
    DEFAULT_PKCS11_MODULE,
    LocalCA,
    PrivateKey,
    TokenKey,
    cert_pem,
    destroy_key,
    generate_key,
    open_session,
)
from signing.errors import SigningError

log = logging.getLogger(__name__)

KeyType = Literal["rsa", "ecdsa"]
# Default policy OID: below the station's private arc (see signing.ca.STATION_OID_ARC).
DEFAULT_POLICY_OID = "2.25.8443491541988420561474692446645106832.2.1"
_DIGESTS: dict[str, int] = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_384": 48,
                            "sha3_512": 64}
_MAX_REQUEST = 64 * 1024


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class _SerialNumbers:
    """Strictly increasing serials seeded from the clock, so they stay unique across restarts."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return self._last


@dataclass
class TimeStampAuthority:
    """Answers DER TimeStampReq with DER TimeStampResp; independent of the transport."""

    key: PrivateKey | TokenKey  # a software key or a key on a PKCS#11 token
    cert: x509.Certificate
    chain: list[x509.Certificate]
    policy_oid: str = DEFAULT_POLICY_OID
    _serials: _SerialNumbers = field(default_factory=_SerialNumbers)
    session: object = None  # the token session holding `key`, closed by close()

    def __post_init__(self) -> None:
        self._cert_asn1 = _to_asn1(self.cert)
        self._chain_asn1 = [_to_asn1(c) for c in self.chain]
        self._ess = tsp.SigningCertificateV2({"certs": [{
            "hash_algorithm": {"algorithm": "sha256"},
            "cert_hash": hashlib.sha256(self._cert_asn1.dump()).digest(),
            "issuer_serial": {
                "issuer": [asn1_x509.GeneralName({"directory_name": self._cert_asn1.issuer})],
                "serial_number": self._cert_asn1.serial_number,
            },
        }]})
        rsa_key = isinstance(self.key, rsa.RSAPrivateKey) or (
            isinstance(self.key, TokenKey) and self.key.kind == "rsa")
        if rsa_key:
            self._sig_algo = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
        else:
            self._sig_algo = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})

    def respond(self, request_der: bytes, now: datetime | None = None) -> bytes:
        try:
            req = tsp.TimeStampReq.load(request_der)
            req.native  # force a full parse so malformed requests are caught here
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "malformed TimeStampReq")
        if req["version"].native != "v1":
            return _rejection("bad_request", "unsupported version")
        imprint = req["message_imprint"]
        algo = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        if algo not in _DIGESTS:
            return _rejection("bad_alg", f"hash algorithm {algo} not accepted")
        if len(digest) != _DIGESTS[algo]:
            return _rejection("bad_data_format", "digest length does not match algorithm")
        requested_policy = req["req_policy"].native
        if requested_policy is not None and requested_policy != self.policy_oid:
            return _rejection("unaccepted_policy", f"policy {requested_policy} not supported")
        return self.grant(req, now).dump()

    def grant(self, req: tsp.TimeStampReq, now: datetime | None = None) -> tsp.TimeStampResp:
        now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        # Millisecond precision: DER GeneralizedTime strips trailing zeros itself.
        now = now.replace(microsecond=(now.microsecond // 1000) * 1000)
        tst_info_args: dict[str, object] = {
            "version": "v1",
            "policy": self.policy_oid,
            "message_imprint": req["message_imprint"],
            "serial_number": self._serials.next(),
            "gen_time": now,
            "accuracy": {"millis": 500},
            "tsa": asn1_x509.GeneralName({"directory_name": self._cert_asn1.subject}),
        }
        if req["nonce"].native is not None:
            tst_info_args["nonce"] = req["nonce"]
        tst_info = tsp.TSTInfo(tst_info_args)
        tst_der = tst_info.dump()
        signed_attrs = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": now})]}),
            cms.CMSAttribute({"type": "message_digest",
                              "values": [hashlib.sha256(tst_der).digest()]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [self._ess]}),
        ])
        signature = self._sign(signed_attrs.dump())
        certs = [self._cert_asn1] if req["cert_req"].native else []
        if req["cert_req"].native:
            certs += self._chain_asn1
        signed_data = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(tst_der),
            },
            "certificates": [cms.CertificateChoices({"certificate": c}) for c in certs] or None,
            "signer_infos": [{
                "version": "v1",
                "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                    "issuer": self._cert_asn1.issuer,
                    "serial_number": self._cert_asn1.serial_number,
                }}),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attrs,
                "signature_algorithm": self._sig_algo,
                "signature": signature,
            }],
        })
        if not certs:
            del signed_data["certificates"]
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})

    def close(self) -> None:
        if self.session is not None:
            self.session.close()  # type: ignore[attr-defined]
            self.session = None

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self.key, TokenKey):
            return self.key.sign(data, hashes.SHA256())
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


class _RejectionResp(core.Sequence):
    # asn1crypto's TimeStampResp makes the token mandatory; RFC 3161 makes it optional.
    _fields = [("status", tsp.PKIStatusInfo),
               ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def _rejection(fail_info: str, text: str) -> bytes:
    return _RejectionResp({"status": {
        "status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info}),
    }}).dump()


# -- persistence of the TSA identity ------------------------------------------------------
# Folder: tsa.cert.pem, chain.pem, and either tsa.key.pem (PKCS#8 encrypted with the
# passphrase) or custody.json naming the key on a PKCS#11 token; retired/ keeps the
# certificates of keys replaced by rollover (their keys are destroyed: a retired time stamp
# key that still existed could date new tokens inside the old certificate's validity).
TSA_KEY = "tsa.key.pem"
TSA_CERT = "tsa.cert.pem"
TSA_CHAIN = "chain.pem"
TSA_CUSTODY = "custody.json"
TSA_RETIRED = "retired"


@dataclass(frozen=True)
class TsaToken:
    """Where a TSA key on a PKCS#11 token is: module, token label, user PIN."""

    token_label: str
    pin: str
    module: str = DEFAULT_PKCS11_MODULE


def _new_tsa_key(key_type: KeyType, token: TsaToken | None, label: str
                 ) -> tuple[PrivateKey | TokenKey, object]:
    if key_type not in ("rsa", "ecdsa"):
        raise SigningError(f"不支持的 TSA 密钥类型：{key_type}",
                           f"Unsupported TSA key type: {key_type}", code="TSA_KEY_TYPE")
    if token is not None:
        session = open_session(token.module, token.token_label, token.pin)
        kind = "rsa" if key_type == "rsa" else "ec"
        return generate_key(session, label, kind, "secp256r1"), session
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072), None
    return ec.generate_private_key(ec.SECP256R1()), None


def _store_tsa(folder: Path, key: PrivateKey | TokenKey, cert: x509.Certificate, ca: LocalCA,
               passphrase: bytes, token: TsaToken | None, label: str) -> None:
    if isinstance(key, TokenKey):
        assert token is not None
        atomic_write(folder / TSA_CUSTODY, json.dumps({
            "kind": "pkcs11", "module": token.module, "token_label": token.token_label,
            "label": label}, indent=1).encode())
        (folder / TSA_KEY).unlink(missing_ok=True)
    else:
        if not passphrase:
            raise SigningError("TSA 密钥口令不能为空", "The TSA key passphrase must not be empty",
                               code="TSA_PASSPHRASE")
        atomic_write(folder / TSA_KEY, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase)), mode=0o600)
        (folder / TSA_CUSTODY).unlink(missing_ok=True)
    atomic_write(folder / TSA_CERT, cert_pem(cert))
    atomic_write(folder / TSA_CHAIN, b"".join(cert_pem(c) for c in ca.chain()))


def create_tsa_identity(folder: str | Path, ca: LocalCA, passphrase: bytes, key_type: KeyType,
                        now: datetime | None = None, *, token: TsaToken | None = None,
                        validity: timedelta | None = None) -> TimeStampAuthority:
    """Generate the TSA key (in software, or on the PKCS#11 `token`), have the CA certify it,
    and store it (software key encrypted with `passphrase`)."""
    folder = Path(folder)
    label = f"station-tsa-{key_type}-1"
    key, session = _new_tsa_key(key_type, token, label)
    cert = ca.issue_tsa_certificate(key.public_key(), f"{ca.org_name} TSA ({key_type.upper()})",
                                    now or datetime.now(timezone.utc), validity=validity)
    _store_tsa(folder, key, cert, ca, passphrase, token, label)
    return TimeStampAuthority(key, cert, ca.chain(), session=session)


def rollover_tsa_identity(folder: str | Path, ca: LocalCA, secret: bytes,
                          now: datetime | None = None, *, validity: timedelta | None = None
                          ) -> TimeStampAuthority:
    """A new TSA key and certificate (from the CA's current issuing CA) replace the old ones.

    The old certificate is kept in retired/ (time stamps made with it carry it and still
    validate); the old key is destroyed. `secret` unlocks the old identity (passphrase or
    token PIN) and protects the new one the same way."""
    folder = Path(folder)
    old = load_tsa_identity(folder, secret)
    custody = _tsa_custody(folder)
    key_type: KeyType = "rsa" if isinstance(old.key, rsa.RSAPrivateKey) or (
        isinstance(old.key, TokenKey) and old.key.kind == "rsa") else "ecdsa"
    token = None
    old_label = None
    if custody is not None:
        token = TsaToken(custody["token_label"], secret.decode(), custody["module"])
        old_label = str(custody["label"])
    number = len(list((folder / TSA_RETIRED).glob("tsa-*.cert.pem"))) + 2
    label = f"station-tsa-{key_type}-{number}"
    key, session = _new_tsa_key(key_type, token, label)
    now = now or datetime.now(timezone.utc)
    cert = ca.issue_tsa_certificate(key.public_key(), f"{ca.org_name} TSA ({key_type.upper()})",
                                    now, validity=validity)
    atomic_write(folder / TSA_RETIRED / f"tsa-{old.cert.serial_number}.cert.pem",
                 cert_pem(old.cert))
    atomic_write(folder / TSA_RETIRED / f"tsa-{old.cert.serial_number}.chain.pem",
                 b"".join(cert_pem(c) for c in old.chain))
    _store_tsa(folder, key, cert, ca, secret, token, label)
    if old_label is not None and old.session is not None:
        destroy_key(old.session, old_label)
    old.close()
    return TimeStampAuthority(key, cert, ca.chain(), session=session)


def tsa_certificates(folder: str | Path) -> list[x509.Certificate]:
    """The TSA's current certificate, then the retired ones (readable without a secret)."""
    folder = Path(folder)
    certs = []
    if (folder / TSA_CERT).exists():
        certs.append(x509.load_pem_x509_certificate((folder / TSA_CERT).read_bytes()))
    certs += [x509.load_pem_x509_certificate(p.read_bytes())
              for p in sorted((folder / TSA_RETIRED).glob("tsa-*.cert.pem"))
              if not p.name.endswith(".chain.pem")]
    return certs


def _tsa_custody(folder: Path) -> dict[str, str] | None:
    path = folder / TSA_CUSTODY
    if not path.exists():
        return None
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


def tsa_key_on_token(folder: str | Path) -> bool:
    return _tsa_custody(Path(folder)) is not None


def load_tsa_identity(folder: str | Path, passphrase: bytes,
                      policy_oid: str = DEFAULT_POLICY_OID) -> TimeStampAuthority:
    """Open the TSA identity: `passphrase` decrypts the key file, or is the token's user PIN
    when the key is on a PKCS#11 token (custody.json)."""
    folder = Path(folder)
    custody = _tsa_custody(folder)
    session = None
    key: PrivateKey | TokenKey
    if custody is not None:
        session = open_session(custody["module"], custody["token_label"], passphrase.decode())
        key = TokenKey(session, custody["label"])
    else:
        if not (folder / TSA_KEY).exists():
            raise SigningError(f"未找到 TSA 密钥：{folder}", f"No TSA key in {folder}",
                               code="TSA_MISSING")
        try:
            loaded = serialization.load_pem_private_key((folder / TSA_KEY).read_bytes(), passphrase)
        except (ValueError, TypeError) as exc:
            raise SigningError("口令错误，无法解密 TSA 私钥", "Wrong passphrase for the TSA key",
                               code="TSA_PASSPHRASE") from exc
        assert isinstance(loaded, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey))
        key = loaded
    cert = x509.load_pem_x509_certificate((folder / TSA_CERT).read_bytes())
    chain = x509.load_pem_x509_certificates((folder / TSA_CHAIN).read_bytes())
    return TimeStampAuthority(key, cert, chain, policy_oid, session=session)


# -- HTTP transport -----------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: _TsaHttpServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != \
                "application/timestamp-query":
            self._reply(415, "text/plain", b"expected application/timestamp-query\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > _MAX_REQUEST:
            self._reply(400, "text/plain", b"bad request length\n")
            return
        body = self.rfile.read(length)
        try:
            reply = self.server.authority.respond(body)
        except Exception:  # a bug must not kill the service thread; the client sees HTTP 500
            log.exception("time stamp request failed")
            self._reply(500, "text/plain", b"internal error\n")
            return
        self._reply(200, "application/timestamp-reply", reply)

    def do_GET(self) -> None:
        self._reply(405, "text/plain", b"POST an RFC 3161 TimeStampReq\n")

    def _reply(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("tsa %s " + format, self.client_address[0], *args)


class _TsaHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], authority: TimeStampAuthority) -> None:
        super().__init__(address, _Handler)
        self.authority = authority


@dataclass
class RunningTsa:
    """A TSA serving in a background thread (tests, the demo, the embedded default)."""

    server: _TsaHttpServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}/tsa"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RunningTsa:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(authority: TimeStampAuthority, host: str = "127.0.0.1",
                    port: int = 0) -> RunningTsa:
    server = _TsaHttpServer((host, port), authority)
    thread = threading.Thread(target=server.serve_forever, name="tsa", daemon=True)
    thread.start()
    return RunningTsa(server, thread)


def serve(authority: TimeStampAuthority, host: str, port: int) -> None:
    """Serve in the foreground until interrupted."""
    with _TsaHttpServer((host, port), authority) as server:
        server.serve_forever()


# -- client side --------------------------------------------------------------------------
def _client_base() -> type:
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper


class StationTimeStamper(_client_base()):  # type: ignore[misc]
    """pyHanko's RFC 3161 HTTP client with stricter reply checks.

    Refuses an HTTP error, a rejection, a reply for another nonce or another message imprint,
    each as a TimestampRequestError with a plain message (pyHanko 0.38 itself crashes on a
    nonce mismatch and cannot parse rejections without a token).
    """

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        import asyncio

        import requests
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        def task() -> tsp.TimeStampResp:
            try:
                raw = requests.post(self.url, req.dump(), headers=self.request_headers(),
                                    auth=self.auth, timeout=self.timeout)
            except (OSError, requests.RequestException) as exc:
                raise TimestampRequestError(f"cannot reach {self.url}: {exc}") from exc
            if raw.status_code != 200:
                raise TimestampRequestError(f"{self.url} answered HTTP {raw.status_code}")
            if raw.headers.get("Content-Type", "").split(";")[0] != "application/timestamp-reply":
                raise TimestampRequestError(f"{self.url} did not send a timestamp-reply")
            try:
                head = _RejectionResp.load(raw.content)
                status = head["status"]
                if status["status"].native not in ("granted", "granted_with_mods"):
                    text = "; ".join(status["status_string"].native or [])
                    fail = ", ".join(sorted(status["fail_info"].native or []))
                    raise TimestampRequestError(f"time stamp refused: {text} [{fail}]")
                return tsp.TimeStampResp.load(raw.content)
            except ValueError as exc:
                raise TimestampRequestError(f"malformed time stamp reply: {exc}") from exc

        return await asyncio.to_thread(task)

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        nonce, req = self.request_cms(message_digest, md_algorithm)
        res = await self.async_request_tsa_response(req)
        try:
            token = res["time_stamp_token"]
            info = token["content"]["encap_content_info"]["content"].parsed
            got_nonce = info["nonce"].native
            imprint = info["message_imprint"]
        except (KeyError, ValueError, TypeError) as exc:
            raise TimestampRequestError(f"malformed time stamp token: {exc}") from exc
        if got_nonce != req["nonce"].native:
            raise TimestampRequestError(
                f"the reply is for another request (nonce {got_nonce} instead of "
                f"{req['nonce'].native})")
        if imprint["hashed_message"].native != message_digest:
            raise TimestampRequestError("the reply time-stamps another document digest")
        return token


def http_timestamper(url: str, timeout: float = 5.0) -> StationTimeStamper:
    """The RFC 3161 HTTP client; create one per batch and reuse it (pyHanko caches a
    size-estimation token in it). Failures surface as TimestampRequestError, which the
    signing flow turns into a SigningError (see `signing.pades.timestamp_error`)."""
    return StationTimeStamper(url, timeout=timeout)
