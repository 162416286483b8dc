"""Unlocking the station's signing keys, and warnings about CA/TSA certificates that end soon.

A production station keeps no CA passphrase on disk. The administrator unlocks signing once per
client start: `unlock_signing(ctx, secret)` checks the passphrase (issuing CA key in the CA folder)
or the token PIN (issuing CA and TSA keys on a PKCS#11 token) by opening the keys, and keeps the
secret in this process's memory only (`ctx.resources`); donor certificates (24 h) and the local
time stamps are then issued from it until the client quits. Services without a screen take it
from STATION_CA_PASSPHRASE / STATION_CA_PIN. Only a demo folder (`[ca] unlock = "file"`,
`demo = true`) reads it from the passphrase file beside the keys.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from station.config import Config
from station.context import StationContext
from station.pki import locked_error, stored_secret

_SECRET = "ca_secret"
DEMO_README = "DEMO-KEYS-README.txt"


def ca_secret(ctx: StationContext) -> bytes:
    """The unlock secret of this process: typed at start (memory), else environment / demo file."""
    held = ctx.resources.get(_SECRET)
    if held is not None:
        return bytes(held)
    found = stored_secret(ctx.config)
    if found is None:
        raise locked_error(ctx.config)
    return found


def signing_locked(ctx: StationContext) -> bool:
    """True when signing needs the administrator's passphrase or PIN first."""
    return _SECRET not in ctx.resources and stored_secret(ctx.config) is None


def unlock_kind(config: Config) -> str:
    """"passphrase" or "pin": what the unlock dialog asks for."""
    return "pin" if config.ca.unlock == "pkcs11" else "passphrase"


def unlock_signing(ctx: StationContext, secret: str) -> dict[str, Any]:
    """Check the secret by opening the issuing CA (and the local TSA key), then keep it in memory.

    Raises SigningError (wrong passphrase / PIN, token missing) and keeps nothing then."""
    from signing.ca import LocalCA
    from signing.tsa import load_tsa_identity

    if not secret:
        raise locked_error(ctx.config)
    raw = secret.encode()
    ca = LocalCA.open(ctx.config.ca_dir, raw)
    try:
        tsa_folder = ctx.config.tsa_dir / ctx.config.tsa.key_type
        if not ctx.config.tsa.url and (tsa_folder / "tsa.cert.pem").exists():
            load_tsa_identity(tsa_folder, raw).close()
        ctx.resources[_SECRET] = raw
        return {"issuing_ca": ca.issuing_cert.subject.rfc4514_string(),
                "root_on_station": ca.root_available}
    finally:
        ca.close()


def lock_signing(ctx: StationContext) -> None:
    """Forget the secret (log-out of the administrator's unlock, client quit)."""
    ctx.resources.pop(_SECRET, None)


def certificate_expiry_warnings(ctx: StationContext | Config, now: datetime | None = None,
                                window_days: int | None = None) -> list[dict[str, Any]]:
    """CA and TSA certificates (and an offline root's CRL) ending within the configured window:
    what the administrator's screen and `station ca expiry` show. Reads public files only."""
    from signing.ca import LocalCA, expiry_warnings
    from signing.tsa import tsa_certificates

    config = ctx.config if isinstance(ctx, StationContext) else ctx
    if not (config.ca_dir / LocalCA.ROOT_CERT).exists():
        return []
    tsa: list[Any] = []
    if not config.tsa.url:
        current = tsa_certificates(config.tsa_dir / config.tsa.key_type)
        tsa = current[:1]
    days = config.ca.expiry_warning_days if window_days is None else window_days
    found = expiry_warnings(config.ca_dir, tsa, now or datetime.now(UTC), timedelta(days=days))
    out = []
    for w in found:
        zh, en = w.message()
        out.append({**w.to_json(), "message_zh": zh, "message_en": en})
    return out


def write_demo_marker(config: Config) -> None:
    """The demo folder says that its CA passphrase lies beside the keys."""
    from signing.atomic import atomic_write

    text = (
        "演示用数据目录 / DEMONSTRATION DATA FOLDER\n\n"
        f"CA 口令保存在 {config.ca_passphrase_file}，与 CA 和时间戳服务的私钥放在一起：\n"
        "复制此目录的人可以签发证书、伪造任意时间的时间戳。请勿用于真实献血记录。\n"
        "生产站点请用 `station init`（口令由管理员输入，不保存）、首次启动向导或令牌（PKCS#11）。\n\n"
        f"The CA passphrase is stored in {config.ca_passphrase_file}, beside the CA and time stamp\n"
        "keys: whoever copies this folder can issue certificates and make time stamps for any date.\n"
        "Do not use it for real donation records. Set up a production station with `station init`\n"
        "(passphrase typed by the administrator, not stored), the first-run wizard, or a token.\n"
    )
    atomic_write(config.data_dir / "pki" / DEMO_README, text.encode("utf-8"))
