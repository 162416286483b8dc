"""First-run set-up of a station PC (the client's wizard): check each answer, then write the configuration.

Qt-free: the wizard in `ui/firstrun/` shows these checks page by page and runs them off the main
thread; tests drive them directly. Every check raises a StationError whose message is in both
languages; `apply_setup` re-checks everything and runs the same initialisation as `station init`.
"""
from __future__ import annotations

import os
import queue
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from station.config import (
    ArchiveConfig,
    CAConfig,
    Config,
    DeviceConfig,
    StationConfig,
    TSAConfig,
    UIConfig,
    config_path,
    default_devices,
)
from station.errors import LocalizedError, StationError, ValidationError

STATION_KINDS = ("desk", "chair", "office")
CONNECT_TIMEOUT_SECONDS = 5


class SetupCheckFailed(StationError):
    """An answer of the first-run set-up does not work (the message says which and why)."""

    code = "SETUP_CHECK_FAILED"


# -- the answers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteAnswers:
    name: str
    facility_code: str
    station_name: str
    station_kind: str = "chair"
    name_en: str = ""


@dataclass(frozen=True)
class CAAnswers:
    mode: str = "local"  # local: create the station's own CA + TSA; centre: the centre's CA folder
    directory: str = ""  # centre: the folder with root.cert.pem, issuing.cert.pem and their keys
    passphrase: str = ""  # centre: the passphrase of those keys; local + "passphrase": the new CA's
    tsa_url: str = ""  # centre: required; local: empty (the embedded service) or a URL
    # local: how the new CA's keys are kept (the production choices first):
    #   "passphrase": encrypted with a passphrase the operator types now and at every client start,
    #                 stored nowhere (the default);
    #   "token": root, issuing CA and TSA keys generated on a PKCS#11 token, unlocked by its PIN;
    #   "demo": a random passphrase in a file beside the keys (demonstration only; the folder says so).
    custody: str = "passphrase"
    passphrase_again: str = ""  # local + "passphrase": typed twice
    token_label: str = ""  # local + "token"
    token_pin: str = ""
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"


@dataclass(frozen=True)
class SetupAnswers:
    site: SiteAnswers
    database_url: str = ""  # empty: the embedded SQLite file
    records_store_url: str = ""  # empty: <data>/archive-store
    ca: CAAnswers = CAAnswers()
    devices: dict[str, DeviceConfig] = field(default_factory=default_devices)
    language: str = "zh_CN"


def validate_site(answers: SiteAnswers) -> SiteAnswers:
    """Names present, an ISBT 128 facility code, a known station kind; returns the trimmed answers."""
    from station.identifiers import validate_facility_code

    name, station_name = answers.name.strip(), answers.station_name.strip()
    if not name:
        raise ValidationError("请填写血站名称", "Enter the blood centre's name", code="SETUP_SITE_NAME")
    if not station_name:
        raise ValidationError("请填写工作站名称（例如“机采1号位”）", "Enter the station's name (e.g. 'Chair 1')",
                              code="SETUP_STATION_NAME")
    if answers.station_kind not in STATION_KINDS:
        raise ValidationError(f"工作站类型应为 {'、'.join(STATION_KINDS)}",
                              f"The station kind is one of {', '.join(STATION_KINDS)}", code="SETUP_STATION_KIND")
    code = validate_facility_code(answers.facility_code.strip().upper())
    return replace(answers, name=name, station_name=station_name, facility_code=code,
                   name_en=answers.name_en.strip())


# -- database ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DatabaseCheck:
    url: str  # as it will be configured ("" = the embedded SQLite file)
    shown: str  # the password hidden
    engine: str  # sqlite | postgresql
    server_version: str
    has_schema: bool  # other stations already use this database


def _database_error(zh: str, en: str, url: str) -> SetupCheckFailed:
    from station.bootstrap import _redact

    return SetupCheckFailed(zh, en, details={"url": _redact(url)})


def normalise_database_url(url: str) -> str:
    """'' stays '' (SQLite in the data folder); postgresql:// means the psycopg driver; anything else is refused."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = url.strip()
    if not url:
        return ""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise _database_error(f"数据库地址格式不正确：{url}",
                              f"Not a database URL: {url} (example: postgresql+psycopg://station@server/station)",
                              url) from None
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database:
            raise _database_error("SQLite 地址缺少文件路径", "The SQLite URL names no file", url)
        return url
    if parsed.get_backend_name() != "postgresql":
        raise _database_error(f"不支持的数据库类型：{parsed.get_backend_name()}（可用 SQLite 或 PostgreSQL）",
                              f"Unsupported database: {parsed.get_backend_name()} (use SQLite or PostgreSQL)", url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.host or not parsed.database:
        raise _database_error("PostgreSQL 地址须包含服务器和数据库名（postgresql+psycopg://用户@服务器/数据库）",
                              "A PostgreSQL URL names the server and the database "
                              "(postgresql+psycopg://user@server/database)", url)
    return parsed.render_as_string(hide_password=False)


def check_database(url: str, data_dir: Path) -> DatabaseCheck:
    """Connect (with a short timeout) and read the server version; nothing is created or changed."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import DBAPIError

    from station.bootstrap import _redact

    url = normalise_database_url(url)
    if not url or url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1]) if url else data_dir / "station.db"
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _probe_writable(folder)
        except OSError as exc:
            raise SetupCheckFailed(f"无法在 {folder} 中写入数据库文件（{exc.strerror or exc}）",
                                   f"Cannot write the database file in {folder} ({exc.strerror or exc})") from exc
        import sqlite3

        return DatabaseCheck(url, str(path), "sqlite", sqlite3.sqlite_version, path.exists() and path.stat().st_size > 0)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, poolclass=_null_pool())
    except ImportError as exc:  # a program built without the PostgreSQL extra
        raise _database_error("本程序未包含 PostgreSQL 驱动（psycopg），请安装含 PostgreSQL 支持的版本",
                              "This program was built without the PostgreSQL driver (psycopg); install a build "
                              "with PostgreSQL support", url) from exc
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            has_schema = inspect(conn).has_table("alembic_version")
    except DBAPIError as exc:
        reason = _pg_reason(exc)
        raise _database_error(f"无法连接数据库 {_redact(url)}：{reason[0]}",
                              f"Cannot connect to the database {_redact(url)}: {reason[1]}", url) from exc
    finally:
        engine.dispose()
    return DatabaseCheck(url, _redact(url), "postgresql", version, has_schema)


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _pg_reason(exc: Any) -> tuple[str, str]:
    """A short reason from the driver's message (its first line names the cause: refused, no such database...)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    lowered = first.lower()
    if "does not exist" in lowered and "database" in lowered:
        return f"数据库不存在（{first}）", f"the database does not exist ({first})"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"用户名或密码错误（{first}）", f"wrong user name or password ({first})"
    if "refused" in lowered or "timeout" in lowered or "timed out" in lowered or "could not translate" in lowered:
        return f"服务器无应答，请检查地址、端口和网络（{first}）", f"the server does not answer: check host, port and network ({first})"
    return first, first


def _probe_writable(folder: Path) -> None:
    """Write, read back and remove a small file: proves the folder takes files (os.access can be wrong on shares)."""
    fd, name = tempfile.mkstemp(prefix=".station-setup-", dir=folder)
    try:
        os.write(fd, b"station set-up probe\n")
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)


# -- records store ----------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreCheck:
    url: str  # as configured ("" = <data>/archive-store)
    location: str
    kind: str  # file | s3


@dataclass(frozen=True)
class S3Settings:
    endpoint: str = ""
    region: str = "us-east-1"
    access_key: str = ""
    secret_key: str = ""


def check_records_store(url: str, data_dir: Path, s3: S3Settings = S3Settings()) -> StoreCheck:
    """A file:// folder must take a file; an s3:// bucket must answer a listing with these credentials."""
    from archive.store import open_store

    url = url.strip()
    parsed = urlparse(url)
    if not url:
        folder = data_dir / "archive-store"
    elif parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise SetupCheckFailed(f"file:// 地址应为本机路径：{url}（网络共享请先映射或挂载）",
                                   f"A file:// URL is a local path: {url} (mount or map a network share first)",
                                   code="SETUP_STORE_URL")
        folder = Path(unquote(parsed.path))
    elif parsed.scheme == "s3":
        if not parsed.netloc:
            raise SetupCheckFailed("档案存储地址缺少存储桶名（s3://存储桶/前缀）",
                                   "The store URL names no bucket (s3://bucket/prefix)", code="SETUP_STORE_URL")
        store = open_store(url, endpoint=s3.endpoint, region=s3.region, access_key=s3.access_key,
                           secret_key=s3.secret_key)
        try:
            next(iter(store.list_packages()), None)
        except LocalizedError as exc:
            raise SetupCheckFailed(f"档案存储 {url} 无法访问：{exc.details.get('error') or exc.message_zh}",
                                   f"The records store {url} cannot be reached: "
                                   f"{exc.details.get('error') or exc.message_en}", code="SETUP_STORE") from exc
        _require_object_lock(store, url)
        return StoreCheck(url, f"{s3.endpoint or 'AWS'} {parsed.netloc}{parsed.path}", "s3")
    else:
        raise SetupCheckFailed(f"不支持的档案存储地址：{url}（请用 file:///文件夹 或 s3://存储桶/前缀）",
                               f"Unsupported records store URL: {url} (use file:///folder or s3://bucket/prefix)",
                               code="SETUP_STORE_URL")
    if not folder.is_absolute():
        raise SetupCheckFailed(f"档案存储文件夹应为绝对路径：{folder}", f"The store folder must be an absolute path: {folder}",
                               code="SETUP_STORE_URL")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _probe_writable(folder)
    except OSError as exc:
        raise SetupCheckFailed(f"档案存储文件夹 {folder} 不可写（{exc.strerror or exc}）",
                               f"The records store folder {folder} is not writable ({exc.strerror or exc})",
                               code="SETUP_STORE") from exc
    return StoreCheck(url, str(folder), "file")


def _require_object_lock(store: Any, url: str) -> None:
    """Archive packages are written once under a compliance-mode retention: a bucket without object lock
    would refuse the first archiving run, so it is refused now."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        reply = store.client.get_object_lock_configuration(Bucket=store.bucket)
        enabled = reply.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "") != "ObjectLockConfigurationNotFoundError":
            raise SetupCheckFailed(f"档案存储 {url} 无法访问：{exc}", f"The records store {url} cannot be reached: {exc}",
                                   code="SETUP_STORE") from exc
        enabled = False
    except BotoCoreError as exc:
        raise SetupCheckFailed(f"档案存储 {url} 无法访问：{exc}", f"The records store {url} cannot be reached: {exc}",
                               code="SETUP_STORE") from exc
    if not enabled:
        raise SetupCheckFailed(f"存储桶 {store.bucket} 未启用对象锁定（一次写入），不能用作档案存储",
                               f"The bucket {store.bucket} has no object lock (write once): it cannot hold the archive",
                               code="SETUP_STORE_LOCK")


# -- CA and time stamps -----------------------------------------------------------------------
@dataclass(frozen=True)
class ChainCheck:
    root_subject: str
    issuing_subject: str
    root_sha256: str
    not_after: datetime  # the earliest expiry in the chain


def verify_chain_pem(pem: bytes, now: datetime | None = None) -> list[Any]:
    """Certificates in PEM, leaf (issuing CA) first, ending in a self-signed root: each signed by the next,
    each a CA, each valid now. Returns the certificates; raises SetupCheckFailed saying what is wrong."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    now = now or datetime.now(UTC)
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise SetupCheckFailed(f"证书链不是有效的 PEM 证书（{exc}）", f"The chain is not valid PEM certificates ({exc})",
                               code="SETUP_CHAIN") from None
    for cert in certs:
        subject = cert.subject.rfc4514_string()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise SetupCheckFailed(f"证书不在有效期内：{subject}（{cert.not_valid_before_utc:%Y-%m-%d} 至 "
                                   f"{cert.not_valid_after_utc:%Y-%m-%d}）",
                                   f"A certificate is not valid now: {subject} ({cert.not_valid_before_utc:%Y-%m-%d} "
                                   f"to {cert.not_valid_after_utc:%Y-%m-%d})", code="SETUP_CHAIN")
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise SetupCheckFailed(f"不是 CA 证书：{subject}", f"Not a CA certificate: {subject}", code="SETUP_CHAIN")
    issuers = certs[1:] + certs[-1:]  # the root signs itself
    for cert, issuer in zip(certs, issuers, strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise SetupCheckFailed(
                f"证书链验证失败：{cert.subject.rfc4514_string()} 不是由 {issuer.subject.rfc4514_string()} 签发的",
                f"The chain does not verify: {cert.subject.rfc4514_string()} is not issued by "
                f"{issuer.subject.rfc4514_string()}", code="SETUP_CHAIN") from None
    return certs


def check_centre_ca(folder: str, passphrase: str, now: datetime | None = None) -> ChainCheck:
    """The centre's CA folder (the station layout of signing.ca): the chain issuing -> root verifies and
    the passphrase opens both keys, which belong to those certificates (the station issues donor
    certificates under the centre's issuing CA)."""
    from cryptography.hazmat.primitives import hashes, serialization

    from signing.ca import LocalCA

    path = Path(folder.strip()).expanduser()
    if not folder.strip():
        raise ValidationError("请选择血站 CA 文件夹", "Choose the centre's CA folder", code="SETUP_CA_FOLDER")
    missing = [n for n in (LocalCA.ROOT_CERT, LocalCA.ISSUING_CERT, LocalCA.ROOT_KEY, LocalCA.ISSUING_KEY,
                           LocalCA.INDEX) if not (path / n).is_file()]
    if missing:
        raise SetupCheckFailed(f"CA 文件夹 {path} 缺少：{', '.join(missing)}",
                               f"The CA folder {path} lacks: {', '.join(missing)}", code="SETUP_CA_FOLDER")
    pem = (path / LocalCA.ISSUING_CERT).read_bytes() + b"\n" + (path / LocalCA.ROOT_CERT).read_bytes()
    chain = verify_chain_pem(pem, now)
    if len(chain) != 2:
        raise SetupCheckFailed("每个证书文件应只含一个证书", "Each certificate file holds exactly one certificate",
                               code="SETUP_CHAIN")
    issuing, root = chain
    if not passphrase:
        raise ValidationError("请输入 CA 密钥口令", "Enter the CA keys' passphrase", code="SETUP_CA_PASSPHRASE")
    for cert, key_file in ((root, LocalCA.ROOT_KEY), (issuing, LocalCA.ISSUING_KEY)):
        try:
            key = serialization.load_pem_private_key((path / key_file).read_bytes(), password=passphrase.encode())
        except (ValueError, TypeError) as exc:
            raise SetupCheckFailed(f"CA 密钥口令不正确，或密钥文件 {key_file} 已损坏",
                                   f"Wrong CA passphrase, or a damaged key file {key_file}",
                                   code="SETUP_CA_PASSPHRASE") from exc
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
            raise SetupCheckFailed(f"密钥 {key_file} 与证书不匹配：{cert.subject.rfc4514_string()}",
                                   f"The key {key_file} does not belong to {cert.subject.rfc4514_string()}",
                                   code="SETUP_CA_KEY")
    return ChainCheck(root.subject.rfc4514_string(), issuing.subject.rfc4514_string(),
                      root.fingerprint(hashes.SHA256()).hex(), min(c.not_valid_after_utc for c in (root, issuing)))


@dataclass(frozen=True)
class TsaCheck:
    url: str
    gen_time: datetime
    tsa_subject: str


def check_tsa(url: str, timeout: float = 10.0) -> TsaCheck:
    """Send one RFC 3161 request (a random digest, with a nonce) and check the reply grants a matching token."""
    import asyncio
    import hashlib
    import secrets

    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    from signing.tsa import http_timestamper

    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f"时间戳服务地址应为 http:// 或 https:// 地址：{url}",
                              f"The time stamp service URL is an http:// or https:// URL: {url}", code="SETUP_TSA_URL")
    digest = hashlib.sha256(secrets.token_bytes(32)).digest()
    try:
        token = asyncio.run(http_timestamper(url, timeout).async_timestamp(digest, "sha256"))
    except TimestampRequestError as exc:
        raise SetupCheckFailed(f"时间戳服务 {url} 未给出有效应答：{exc}",
                               f"The time stamp service {url} gave no valid reply: {exc}", code="SETUP_TSA") from exc
    signed = token["content"]
    info = signed["encap_content_info"]["content"].parsed
    return TsaCheck(url, info["gen_time"].native, _tsa_signer(signed))


def _tsa_signer(signed: Any) -> str:
    """The subject of the certificate that signed the token (the token may carry its whole chain)."""
    from cryptography import x509

    sid = signed["signer_infos"][0]["sid"]
    for cert in signed["certificates"] or []:
        if cert.name != "certificate":
            continue
        c = cert.chosen
        if (sid.name == "issuer_and_serial_number" and c.serial_number == sid.chosen["serial_number"].native
                and c.issuer == sid.chosen["issuer"]) or \
                (sid.name == "subject_key_identifier" and c.key_identifier == sid.chosen.native):
            return x509.load_der_x509_certificate(c.dump()).subject.rfc4514_string()
    return ""


def check_ca(answers: CAAnswers, tsa_timeout: float = 10.0) -> tuple[ChainCheck | None, TsaCheck | None]:
    """The CA step: the centre's CA folder and its (required) time stamp service, or the local CA with an
    optional time stamp service URL."""
    chain = None
    if answers.mode == "centre":
        chain = check_centre_ca(answers.directory, answers.passphrase)
        if not answers.tsa_url.strip():
            raise ValidationError("使用血站 CA 时须填写血站的时间戳服务地址",
                                  "With the centre's CA, enter the centre's time stamp service URL", code="SETUP_TSA_URL")
    elif answers.mode != "local":
        raise ValidationError("CA 方式应为本机新建或血站 CA", "The CA is the local one or the centre's", code="SETUP_CA_MODE")
    else:
        check_custody(answers)
    return chain, (check_tsa(answers.tsa_url, tsa_timeout) if answers.tsa_url.strip() else None)


MIN_CA_PASSPHRASE = 12


def check_custody(answers: CAAnswers) -> None:
    """The local CA's key custody: a passphrase typed twice (long enough), a token that answers to its
    PIN, or the demo choice."""
    if answers.custody == "passphrase":
        if len(answers.passphrase) < MIN_CA_PASSPHRASE:
            raise ValidationError(f"CA 口令至少 {MIN_CA_PASSPHRASE} 个字符（每次启动客户端时由管理员输入，不保存）",
                                  f"The CA passphrase needs at least {MIN_CA_PASSPHRASE} characters (typed by the "
                                  "administrator at every client start, stored nowhere)", code="SETUP_CA_PASSPHRASE")
        if answers.passphrase != answers.passphrase_again:
            raise ValidationError("两次输入的 CA 口令不一致", "The two CA passphrases differ", code="SETUP_CA_PASSPHRASE")
    elif answers.custody == "token":
        from signing.ca import open_session

        if not answers.token_label.strip() or not answers.token_pin:
            raise ValidationError("请填写令牌标签和 PIN", "Enter the token label and its PIN", code="SETUP_CA_TOKEN")
        try:
            open_session(answers.pkcs11_module, answers.token_label.strip(), answers.token_pin).close()
        except LocalizedError as exc:
            raise SetupCheckFailed(exc.message_zh, exc.message_en, code="SETUP_CA_TOKEN") from exc
    elif answers.custody != "demo":
        raise ValidationError("CA 密钥保管方式应为口令、令牌或演示", "The CA key custody is a passphrase, a token or demo",
                              code="SETUP_CA_CUSTODY")


# -- devices ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str


def list_serial_ports() -> list[PortInfo]:
    """The serial ports of this machine (USB adapters, COM ports); ptys and socket:// URLs are typed by hand."""
    from serial.tools import list_ports

    return [PortInfo(p.device, p.description if p.description and p.description != "n/a" else "")
            for p in sorted(list_ports.comports(), key=lambda p: p.device)]


def drivers_for(kind: str) -> list[str]:
    """The drivers a device kind can use, its usual one first ('simulator' and, for the pad, 'tablet' apart)."""
    from devices.registry import DEFAULT_DRIVER, DRIVERS

    usual = DEFAULT_DRIVER[kind]
    return [usual] + sorted(d for k, d in DRIVERS if k == kind and d != usual)


@dataclass(frozen=True)
class DeviceCheck:
    name: str
    port: str
    answered: bool
    detail_zh: str
    detail_en: str


def check_device(name: str, device: DeviceConfig, timeout: float = 5.0) -> DeviceCheck:
    """Open the port through the device's own driver and wait until the device answers (the driver reports
    'connected': a reader answered its status request, a printer its ~HS) or sends something. A device that
    only speaks when used (scanner, analyzer) is asked to by its test trigger where it has one."""
    from devices.base import ConnectionState
    from devices.registry import UnknownDevice, create_device

    if not device.port.strip():
        raise ValidationError(f"{name}：请选择或输入端口", f"{name}: choose or type a port", code="SETUP_DEVICE_PORT")
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    try:
        worker = create_device(device.kind, device.driver, device.port.strip(), name, device.driver_options(),
                               on_event=lambda e: events.put(("event", e)),
                               on_status=lambda s: events.put(("status", s)))
    except (UnknownDevice, TypeError) as exc:
        raise ValidationError(f"{name}：设备配置错误（{exc}）", f"{name}: bad device configuration ({exc})",
                              code="SETUP_DEVICE") from exc
    deadline = time.monotonic() + timeout
    worker.start()
    try:
        trigger = getattr(worker, "device_test_trigger", None)
        if callable(trigger):
            trigger()
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                what, item = events.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                continue
            if what == "event":
                return DeviceCheck(name, device.port, True, "设备已应答", "the device answered")
            if item.state == ConnectionState.CONNECTED:
                return DeviceCheck(name, device.port, True, "设备已应答", "the device answered")
            if item.state == ConnectionState.ERROR:
                # the driver's own reason (port cannot be opened, reader does not answer, printer out of paper)
                raise SetupCheckFailed(f"设备测试未通过：{item.reason_zh}", f"The device test failed: {item.reason_en}",
                                       code="SETUP_DEVICE", details={"port": device.port})
    finally:
        worker.stop(timeout=2.0)
    raise SetupCheckFailed(f"{name}：{timeout:g} 秒内端口 {device.port} 上的设备无应答（请检查连接、电源，"
                           "扫描枪请扫一个条码、分析仪请发送一个结果）",
                           f"{name}: no answer on {device.port} within {timeout:g} s (check cable and power; "
                           "scan a barcode on a scanner, send a result from an analyzer)",
                           code="SETUP_DEVICE", details={"port": device.port})


# -- writing the configuration ----------------------------------------------------------------
def build_config(answers: SetupAnswers, data_dir: Path) -> Config:
    """The configuration the answers describe (the defaults for everything the wizard does not ask)."""
    site = validate_site(answers.site)
    database_url = normalise_database_url(answers.database_url)
    ca = CAConfig(organisation=site.name)
    tsa = TSAConfig(url=answers.ca.tsa_url.strip())
    if answers.ca.mode == "centre":
        # the centre's passphrase is typed at every client start, never stored on the station
        ca = replace(ca, directory=str(Path(answers.ca.directory.strip()).expanduser()), unlock="prompt")
    elif answers.ca.custody == "token":
        ca = replace(ca, unlock="pkcs11")
    elif answers.ca.custody == "demo":
        ca = replace(ca, unlock="file", demo=True)
    else:
        ca = replace(ca, unlock="prompt")
    base = Config(data_dir=data_dir)
    return Config(data_dir=data_dir,
                  site=replace(base.site, name=site.name, name_en=site.name_en or base.site.name_en,
                               facility_code=site.facility_code),
                  station=StationConfig(name=site.station_name, kind=site.station_kind),
                  database=replace(base.database, url=database_url),
                  archive=replace(ArchiveConfig(), store_url=answers.records_store_url.strip()),
                  ca=ca, tsa=tsa, ui=replace(UIConfig(), language=answers.language),
                  devices=dict(answers.devices))


@dataclass(frozen=True)
class SetupResult:
    config_file: Path
    admin_username: str
    admin_password: str | None
    database: str
    ca_dir: Path


def apply_setup(answers: SetupAnswers, data_dir: Path, *, tsa_timeout: float = 10.0,
                s3: S3Settings = S3Settings()) -> SetupResult:
    """Check every answer again, then initialise exactly as `station init` does and write station.toml.

    On any failure the data folder is left as it was found: what this attempt created is removed, and the
    configuration (written last, atomically) never exists half-made."""
    from station.bootstrap import init_data_dir

    if config_path(data_dir).exists():
        raise SetupCheckFailed(f"{config_path(data_dir)} 已存在：此工作站已配置", f"{config_path(data_dir)} exists: "
                               "this station is already set up", code="SETUP_ALREADY_DONE")
    config = build_config(answers, data_dir)
    config = replace(config, archive=replace(config.archive, s3_endpoint=s3.endpoint, s3_region=s3.region,
                                             s3_access_key=s3.access_key, s3_secret_key=s3.secret_key))
    check_database(config.database.url, data_dir)
    check_records_store(config.archive.store_url, data_dir, s3)
    check_ca(answers.ca, tsa_timeout)
    with _undo_on_failure(data_dir, config):
        secret: bytes | None = None
        if answers.ca.mode == "centre" or answers.ca.custody == "passphrase":
            secret = answers.ca.passphrase.encode()
        elif answers.ca.custody == "token":
            from signing.ca import Custody, LocalCA

            # root, issuing CA and (in ensure_local_pki) the TSA key are made on the token
            secret = answers.ca.token_pin.encode()
            custody = Custody(root_key="pkcs11", issuing_key="pkcs11", module=answers.ca.pkcs11_module,
                              token_label=answers.ca.token_label.strip())
            with _token_keys_undone_on_failure(answers.ca):
                LocalCA.create(config.ca_dir, b"", config.ca.organisation, custody=custody,
                               pin=answers.ca.token_pin).close()
                result = init_data_dir(data_dir, config=config, with_ca=True, ca_passphrase=secret)
            return SetupResult(result.config_file, result.admin_username, result.admin_password,
                               result.to_json()["database"], config.ca_dir)
        result = init_data_dir(data_dir, config=config, with_ca=True, ca_passphrase=secret)
    return SetupResult(result.config_file, result.admin_username, result.admin_password,
                       result.to_json()["database"], config.ca_dir)


STATION_TOKEN_LABELS = ("station-root-ca", "station-issuing-ca-1", "station-donor-pseudonym",
                        "station-tsa-ecdsa-1", "station-tsa-rsa-1")


@contextmanager
def _token_keys_undone_on_failure(ca: CAAnswers) -> Iterator[None]:
    """A token that already holds a station CA is refused; keys this attempt made go again if it fails."""
    from signing.ca import destroy_key, open_session

    session = open_session(ca.pkcs11_module, ca.token_label.strip(), ca.token_pin)
    try:
        from pkcs11 import Attribute

        if any(list(session.get_objects({Attribute.LABEL: label})) for label in STATION_TOKEN_LABELS):
            raise SetupCheckFailed(f"令牌“{ca.token_label}”上已有工作站 CA 的密钥，请换一个令牌或先清除",
                                   f"The token '{ca.token_label}' already holds station CA keys; use another "
                                   "token or clear it first", code="SETUP_CA_TOKEN")
        try:
            yield
        except BaseException:
            for label in STATION_TOKEN_LABELS:
                destroy_key(session, label)
            raise
    finally:
        session.close()


@contextmanager
def _undo_on_failure(data_dir: Path, config: Config) -> Iterator[None]:
    """Remove what a failed attempt created in the data folder (keys, CA, SQLite file), nothing else."""
    candidates = [config.pii_key_path, config.ca_passphrase_file, config.tsa_dir, data_dir / "records",
                  data_dir / "backups"]
    if not config.ca.directory:
        candidates.append(config.ca_dir)
    if not config.database.url:
        db = data_dir / "station.db"
        candidates += [db, db.with_name("station.db-wal"), db.with_name("station.db-shm")]
    new = [p for p in candidates if not p.exists()]
    before = set(data_dir.iterdir()) if data_dir.is_dir() else set()
    try:
        yield
    except BaseException:
        config_path(data_dir).unlink(missing_ok=True)
        after = set(data_dir.iterdir()) if data_dir.is_dir() else set()
        for path in new + sorted(after - before):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        raise


def needs_setup(data_dir: Path) -> bool:
    """The client shows the wizard when the data folder has no configuration."""
    return not config_path(data_dir).exists()

