"""Backup and restore: SQLite online backup API, pg_dump/pg_restore for PostgreSQL; checked by SHA-256."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signing.atomic import atomic_write
from station.config import Config
from station.errors import StationError


class BackupError(StationError):
    code = "BACKUP_FAILED"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _pg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def backup(config: Config, out: Path) -> dict[str, Any]:
    """One archive file: the database dump, the configuration and the keys needed to read the data."""
    url = config.database_url
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        if url.startswith("sqlite"):
            src_path = url.split("sqlite:///", 1)[1]
            if not Path(src_path).exists():
                raise BackupError("数据库文件不存在", f"The database file {src_path} does not exist")
            src = sqlite3.connect(src_path)
            dst = sqlite3.connect(t / "station.db")
            try:
                src.backup(dst)  # consistent copy while other connections keep working
            finally:
                dst.close()
                src.close()
            dump = t / "station.db"
            kind = "sqlite"
        else:
            dump = t / "station.pgdump"
            proc = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _pg_url(url)], check=False,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise BackupError(f"pg_dump 失败：{proc.stderr.strip()[:300]}", f"pg_dump failed: {proc.stderr.strip()[:300]}")
            kind = "postgresql"
        files = {dump.name: dump}
        for extra in (config.data_dir / "station.toml", config.pii_key_path):
            if extra.exists():
                files[extra.name] = extra
        manifest = {"format": "apheresis-station-backup/1", "database": kind,
                    "created_at": datetime.now(UTC).isoformat(),
                    "files": {name: _sha256(p) for name, p in files.items()}}
        (t / "manifest.json").write_text(json.dumps(manifest, indent=2))
        archive_tmp = t / "backup.tar"
        with tarfile.open(archive_tmp, "w") as tar:
            tar.add(t / "manifest.json", arcname="manifest.json")
            for name, p in files.items():
                tar.add(p, arcname=name)
        atomic_write(out, archive_tmp.read_bytes(), mode=0o600)
    return {"file": str(out), "database": kind, "sha256": _sha256(out), "files": sorted(manifest["files"])}


def restore(config: Config, backup_file: Path) -> dict[str, Any]:
    """Restore the database from a backup after checking every file against its manifest."""
    backup_file = Path(backup_file)
    if not backup_file.exists():
        raise BackupError(f"备份文件不存在：{backup_file}", f"Backup file not found: {backup_file}")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        try:
            with tarfile.open(backup_file, "r") as tar:
                tar.extractall(t, filter="data")
            manifest = json.loads((t / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError, KeyError):
            raise BackupError("备份文件已损坏或不是工作站备份", "The file is damaged or not a station backup") from None
        for name, digest in manifest["files"].items():
            if not (t / name).exists() or _sha256(t / name) != digest:
                raise BackupError(f"备份文件 {name} 校验失败", f"Backup member {name} fails its checksum")
        url = config.database_url
        if manifest["database"] == "sqlite":
            if not url.startswith("sqlite"):
                raise BackupError("备份来自SQLite，当前配置为PostgreSQL", "This backup is SQLite; the station uses PostgreSQL")
            target = Path(url.split("sqlite:///", 1)[1])
            src = sqlite3.connect(t / "station.db")
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        else:
            proc = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                                   f"--dbname={_pg_url(url)}", str(t / "station.pgdump")], check=False, capture_output=True, text=True)
            if proc.returncode != 0:
                raise BackupError(f"pg_restore 失败：{proc.stderr.strip()[:300]}", f"pg_restore failed: {proc.stderr.strip()[:300]}")
        if "pii.key" in manifest["files"]:
            _restore_pii_key(config, (t / "pii.key").read_bytes())
    return {"restored": str(backup_file), "database": manifest["database"], "created_at": manifest["created_at"]}


def _restore_pii_key(config: Config, restored: bytes) -> None:
    """The restored rows are encrypted and indexed with the backup's key, so that key goes with them; a
    different key already in place (a fresh `station init`) is kept beside it, never silently lost."""
    current = config.pii_key_path
    if current.exists():
        if current.read_bytes() == restored:
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        shutil.copy2(current, current.with_name(f"{current.name}.before-restore-{stamp}"))
    current.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(current, restored, mode=0o600)
