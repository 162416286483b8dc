"""Backup and restore drill: `station backup`, then `station restore` into a new data folder gives the same
donations, readable with the restored personal-data key; a damaged backup is refused and changes nothing."""
from __future__ import annotations

import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from tests.station.conftest import PG_MODE, copy_station, run_cli

pytestmark = pytest.mark.skipif(PG_MODE, reason="the drill restores an SQLite backup file (runs in the SQLite pass)")
from tests.station.flow import PASSWORD, Clock


def _rows(data: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(data / "station.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


DONATIONS = "SELECT id, din, donor_id, state, version, modification_count FROM donation ORDER BY id"


@pytest.fixture(scope="module")
def source_station(station_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from station.context import open_context
    from station.demo import run_demo

    data = copy_station(station_template, tmp_path_factory.mktemp("backup-src") / "data")
    ctx = open_context(data, clock=Clock())
    try:
        run_demo(ctx, 8, seed=11)
    finally:
        ctx.close()
    return data


@pytest.fixture(scope="module")
def backup_file(source_station: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("backup") / "station.bak"
    res = run_cli("backup", "--out", str(out), data_dir=source_station)
    assert res.returncode == 0, res.stderr
    assert out.exists()
    return out


def _new_station(tmp_path: Path) -> Path:
    from station.bootstrap import init_data_dir

    data = tmp_path / "new"
    init_data_dir(data, admin_password=PASSWORD, with_ca=False)
    return data


def _id_numbers(data: Path) -> list[str]:
    """Every donor's ID number, decrypted with the data folder's own key."""
    from station.context import open_context
    from station.models import Donor

    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            donors = s.query(Donor).order_by(Donor.id).all()
            return [ctx.pii.decrypt(d.id_number_cipher, "id_number") for d in donors]
    finally:
        ctx.close()


def test_restore_into_a_new_data_dir_gives_the_same_donations(source_station: Path, backup_file: Path,
                                                               tmp_path: Path) -> None:
    new = _new_station(tmp_path)
    assert _rows(new, DONATIONS) == []
    res = run_cli("restore", str(backup_file), data_dir=new)
    assert res.returncode == 0, res.stderr
    assert _rows(new, DONATIONS) == _rows(source_station, DONATIONS)
    assert len(_rows(new, DONATIONS)) == 8
    # the restored chain is the source's as it was when backed up; the source then audited the backup itself
    source_chain = _rows(source_station, "SELECT seq, hash, action FROM audit_entry ORDER BY seq")
    # (`station backup` signed in, which is audited and in the backup, audited the backup and signed out)
    assert [row[2] for row in source_chain[-3:]] == ["user.login", "backup.create", "user.logout"]
    assert _rows(new, "SELECT seq, hash, action FROM audit_entry ORDER BY seq") == source_chain[:-2]
    # the donors' ID numbers decrypt with the restored key, and lookup by ID number works
    numbers = _id_numbers(source_station)
    assert _id_numbers(new) == numbers
    show = run_cli("donor", "show", "--id-number", numbers[0], "--json", data_dir=new)
    assert show.returncode == 0, show.stderr
    verify = run_cli("audit", "verify", data_dir=new)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_restore_keeps_the_replaced_key(backup_file: Path, tmp_path: Path) -> None:
    from station.backup import restore
    from station.config import load_config

    new = _new_station(tmp_path)
    cfg = load_config(new)
    own_key = cfg.pii_key_path.read_bytes()
    restore(cfg, backup_file)
    assert cfg.pii_key_path.read_bytes() != own_key
    kept = list(cfg.pii_key_path.parent.glob("pii.key.before-restore-*"))
    assert [k.read_bytes() for k in kept] == [own_key]


def _corrupt_member(backup: Path, dest: Path, member: str) -> Path:
    """Flip one byte inside a member of the backup (the tar stays readable; the checksum must catch it)."""
    shutil.copy(backup, dest)
    with tarfile.open(backup) as tar:
        info = tar.getmember(member)
    raw = bytearray(dest.read_bytes())
    pos = info.offset_data + info.size // 2
    raw[pos] ^= 0xFF
    dest.write_bytes(bytes(raw))
    return dest


@pytest.mark.parametrize("damage", ["member", "truncated", "not_a_backup"])
def test_damaged_backup_is_refused(source_station: Path, backup_file: Path, tmp_path: Path, damage: str) -> None:
    target = tmp_path / "target"
    shutil.copytree(source_station, target)
    bad = tmp_path / "bad.bak"
    if damage == "member":
        _corrupt_member(backup_file, bad, "station.db")
        expected = "station.db fails its checksum"
    elif damage == "truncated":
        bad.write_bytes(backup_file.read_bytes()[:700])
        expected = "damaged or not a station backup"
    else:
        bad.write_bytes(b"hello, I am not a backup\n" * 40)
        expected = "damaged or not a station backup"
    before = _rows(target, DONATIONS)
    key_before = (target / "keys" / "pii.key").read_bytes()
    if damage == "member":  # through the command line once; the service for the other kinds
        res = run_cli("restore", str(bad), data_dir=target)
        assert res.returncode == 1
        assert expected in res.stderr
        assert "Traceback" not in res.stderr
    else:
        from station.backup import BackupError, restore
        from station.config import load_config

        with pytest.raises(BackupError) as e:
            restore(load_config(target), bad)
        assert expected in e.value.message_en and e.value.message_zh
    assert _rows(target, DONATIONS) == before
    assert (target / "keys" / "pii.key").read_bytes() == key_before


def test_missing_backup_file(tmp_path: Path, source_station: Path) -> None:
    res = run_cli("restore", str(tmp_path / "nope.bak"), data_dir=source_station)
    assert res.returncode == 1 and "Backup file not found" in res.stderr and "Traceback" not in res.stderr
