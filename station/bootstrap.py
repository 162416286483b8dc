"""First set-up of a data folder: configuration, personal-data key, database, first administrator."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from station.config import (
    Config,
    config_from_dict,
    config_path,
    config_to_dict,
    default_devices,
    load_config,
    write_config,
)
from station.context import StationContext, open_context
from station.db import database_unavailable, make_engine
from station.models import User
from station.schema import ensure_schema_current
from station.security import SYSTEM, PiiCipher


@dataclass(frozen=True)
class InitResult:
    data_dir: Path
    config_file: Path
    database_url: str
    pii_key: Path
    admin_username: str
    admin_password: str | None  # shown once when generated
    created: bool
    ca_dir: Path | None
    demo: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"data_dir": str(self.data_dir), "config": str(self.config_file), "database": _redact(self.database_url),
                "pii_key": str(self.pii_key), "admin_username": self.admin_username,
                "admin_password": self.admin_password, "created": self.created,
                "ca_dir": str(self.ca_dir) if self.ca_dir else None, "demo": self.demo}


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def init_data_dir(data_dir: Path, *, database_url: str | None = None, admin_password: str | None = None,
                  with_ca: bool = True, config: Config | None = None,
                  ca_passphrase: bytes | None = None, demo: bool = False) -> InitResult:
    """Idempotent: an existing installation keeps its configuration, keys, data and users.

    The configuration file is written last, so a set-up that fails (database unreachable, CA not
    writable) leaves no station.toml behind and can simply be run again.

    `ca_passphrase` (typed by the administrator) protects a new CA and is stored nowhere; without it
    a new CA is a demo CA whose passphrase file lies beside the keys (see `ensure_local_pki`).

    A new installation uses `database_url`, else (without a `config`) the STATION_DATABASE_URL environment
    variable (for deployment scripts), else the embedded SQLite file.

    `demo`: a demo folder (marked in station.toml and in the database), where `station demo` may create the
    demo staff with their published password; an existing folder that is not a demo is never made one.
    The first administrator must change the password at the first sign-in, whether it was given or made."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if config is None:  # a configuration handed in (the first-run wizard's) says where its database is
        database_url = database_url or os.environ.get("STATION_DATABASE_URL") or None
    created = not config_path(data_dir).exists()
    if created:
        cfg = config or Config(data_dir=data_dir, devices=default_devices())
        if database_url:
            cfg = replace(cfg, database=replace(cfg.database, url=database_url))
        # the same checks a later load makes, before anything is written
        cfg = config_from_dict(config_to_dict(cfg), data_dir)
        has_ca = (cfg.ca_dir / "index.json").exists()
        if with_ca and not has_ca and cfg.ca.unlock == "file":
            # the unlock mode follows how the new CA's passphrase is kept
            cfg = replace(cfg, ca=replace(cfg.ca, unlock="file" if ca_passphrase is None else "prompt",
                                          demo=ca_passphrase is None))
        if demo:
            cfg = replace(cfg, station=replace(cfg.station, demo=True))
    else:
        cfg = load_config(data_dir)
        if demo and not cfg.station.demo:
            from station.errors import UsageError

            raise UsageError(f"{data_dir} 已是正式安装，不能改为演示目录", f"{data_dir} is an existing installation "
                             "that is not a demo; it cannot be made one", code="NOT_A_DEMO")
    if not cfg.pii_key_path.exists():
        PiiCipher.create_key_file(cfg.pii_key_path)
    # the CA before the first administrator: a CA that cannot be made must not cost the one-time password
    ca_dir = ensure_local_pki(cfg, ca_passphrase) if with_ca else None
    engine = make_engine(cfg.database_url)
    try:
        ensure_schema_current(engine, cfg)
    except OperationalError as exc:
        raise database_unavailable(exc) from exc
    finally:
        engine.dispose()
    ctx = open_context(data_dir, config=cfg)
    password = None
    try:
        with ctx.transaction() as s:
            has_admin = s.execute(select(func.count()).select_from(User)).scalar_one() > 0
            from station.models.security import InstallationFlag

            flag = s.get(InstallationFlag, DEMO_FLAG)
            demo_db = flag is not None and flag.value == "true"
        if cfg.station.demo and has_admin and not demo_db:
            # a demo folder joining a real centre's database would let `station demo` loose on it
            from station.errors import UsageError

            raise UsageError("该数据库已有正式安装的数据，不能作为演示目录使用",
                             "This database already holds a real installation; a demo folder cannot use it",
                             code="NOT_A_DEMO")
        if not has_admin:
            from station.services.users import create_user

            password = admin_password or ("Adm1n-" + secrets.token_urlsafe(9))
            create_user(ctx, SYSTEM, "admin", "系统管理员", ["admin"], password, must_change_password=True)
        ctx._ensure_site()
        if cfg.station.demo:
            mark_demo(ctx)
    finally:
        ctx.close()
    if created:
        # written last: a data folder holds a configuration only once everything it names exists
        write_config(cfg)
    return InitResult(data_dir=data_dir, config_file=config_path(data_dir), database_url=cfg.database_url,
                      pii_key=cfg.pii_key_path, admin_username="admin", admin_password=password, created=created,
                      ca_dir=ca_dir, demo=cfg.station.demo)


DEMO_FLAG = "demo"  # installation_flag key: this database belongs to a demo folder


def mark_demo(ctx: StationContext) -> None:
    """Mark the installation's database as a demo's (station.toml says so in [station] demo)."""
    from station.models.security import InstallationFlag

    with ctx.transaction() as s:
        flag = s.get(InstallationFlag, DEMO_FLAG)
        if flag is None:
            s.add(InstallationFlag(key=DEMO_FLAG, value="true"))
        else:
            flag.value = "true"


def ensure_local_pki(cfg: Config, passphrase: bytes | None = None) -> Path | None:
    """The local CA (root + issuing) and the embedded TSA's identity, made when missing.

    `passphrase` protects (or, for an existing CA, opens) the keys; it is stored nowhere. Without
    one a new CA is a demo CA: a random passphrase in a file beside the keys, and the folder says
    so (pki/DEMO-KEYS-README.txt; the configuration has `[ca] demo = true`, `unlock = "file"`)."""
    from signing.atomic import atomic_write
    from signing.ca import LocalCA, read_custody
    from station.pki import stored_secret
    from station.services.pki import write_demo_marker

    ca_exists = (cfg.ca_dir / "index.json").exists() or any(cfg.ca_dir.glob("*.pem"))
    if not ca_exists:
        if passphrase is None:
            if not cfg.ca_passphrase_file.exists():
                atomic_write(cfg.ca_passphrase_file, secrets.token_urlsafe(24).encode() + b"\n", mode=0o600)
            write_demo_marker(cfg)
            passphrase = cfg.ca_passphrase_file.read_text().strip().encode()
        LocalCA.create(cfg.ca_dir, passphrase, cfg.ca.organisation)
    tsa_folder = cfg.tsa_dir / cfg.tsa.key_type
    if not cfg.tsa.url and not (tsa_folder / "tsa.cert.pem").exists():
        # The embedded time stamp service's identity, certified by the local CA (on the CA's
        # token when its keys are on one).
        from datetime import datetime

        from signing.tsa import TsaToken, create_tsa_identity

        secret = passphrase or stored_secret(cfg)
        if secret is None:
            from station.pki import locked_error

            raise locked_error(cfg)
        custody = read_custody(cfg.ca_dir)
        token = (TsaToken(custody.token_label, secret.decode(), custody.module)
                 if custody.issuing_key == "pkcs11" else None)
        ca = LocalCA.open(cfg.ca_dir, secret)
        try:
            create_tsa_identity(tsa_folder, ca, secret, cfg.tsa.key_type,  # type: ignore[arg-type]
                                datetime.now(UTC), token=token)
        finally:
            ca.close()
    return cfg.ca_dir


def open_station(data_dir: Path) -> StationContext:
    return open_context(data_dir)
