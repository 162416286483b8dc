"""Schema versions: Alembic upgrades, and the start-up check (newer refused, older upgraded after a backup)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from station.config import Config
from station.errors import StationError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class SchemaError(StationError):
    code = "SCHEMA_MISMATCH"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, url: str) -> None:
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def ensure_schema_current(engine: Engine, config: Config) -> None:
    """Refuse a database written by a newer program; upgrade an older one after an automatic backup."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise SchemaError(
            f"数据库版本（{current}）比本程序新，请升级工作站程序后再使用",
            f"The database schema ({current}) is newer than this program; install the newer station version",
            details={"database": current, "program": head})
    if current is not None:
        from station.backup import backup

        backup(config, config.data_dir / "backups" / f"before-upgrade-{current}.bak")
    upgrade(engine, config.database_url)
