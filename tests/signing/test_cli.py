"""`station ca`, `station verify`: exit codes and JSON."""
from __future__ import annotations

import json
import os

import pytest

from station.cli import main


ADMIN_PW = "Keeper-of-Keys-2026"
STAFF_PW = "Morning-Round-Ward-7"
PIN = "739184"


def _secret(folder, name: str, text: str, mode: int = 0o600):
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(mode)
    return str(path)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An installed station (CA included) with its administrator and a physician, li."""
    from station.bootstrap import init_data_dir
    from station.context import open_context
    from station.security import SYSTEM
    from station.services.users import authenticate, change_password, create_user

    data = tmp_path / "station"
    monkeypatch.setenv("STATION_HOME", str(data))
    monkeypatch.setenv("STATION_STAFF_PIN", "13579")  # gone: must change nothing
    monkeypatch.delenv("STATION_CA_PASSPHRASE", raising=False)
    monkeypatch.delenv("STATION_PASSWORD_FILE", raising=False)
    init_data_dir(data, admin_password="Initial-Keeper-2026")
    ctx = open_context(data)
    try:
        admin, _ = authenticate(ctx, "admin", "Initial-Keeper-2026")
        change_password(ctx, admin, "Initial-Keeper-2026", ADMIN_PW)
        create_user(ctx, SYSTEM, "li", "李医生", ["physician"], STAFF_PW, must_change_password=False)
    finally:
        ctx.close()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD_FILE", _secret(secrets, "admin", ADMIN_PW))
    return data, secrets


def test_ca_commands(home, capsys):
    data, secrets = home
    staff_pw, pin = _secret(secrets, "li", STAFF_PW), _secret(secrets, "pin", PIN)
    assert (data / "pki" / "ca" / "root.cert.pem").exists()
    assert oct(os.stat(data / "pki" / "ca-passphrase").st_mode & 0o777) == "0o600"
    issue = ["ca", "issue-staff", "--staff-user", "li", "--staff-password-file", staff_pw, "--pin-file", pin, "--json"]
    assert main(issue) == 0
    issued = json.loads(capsys.readouterr().out)
    assert (issued["user"], issued["issued_by"]) == ("li", "admin")
    assert "李医生" in issued["subject"]
    assert (data / "pki" / "staff" / "li.p12").exists()
    from signing.keystore import Pkcs12KeyStore

    Pkcs12KeyStore(data / "pki" / "staff").open("li", PIN).close()  # the PIN li chose, not STATION_STAFF_PIN
    assert main(["ca", "revoke", "--serial", issued["serial"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked_count"] == 1
    # issuing and revoking are in the station's audit trail, with who did it
    from sqlalchemy import select

    from station.context import open_context
    from station.models import AuditEntry

    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            rows = s.execute(select(AuditEntry.action, AuditEntry.actor_name, AuditEntry.after).where(
                AuditEntry.action.in_(["user.certificate_issued", "certificate.revoke"])).order_by(AuditEntry.seq)).all()
    finally:
        ctx.close()
    assert [(a, who) for a, who, _ in rows] == [("user.certificate_issued", "admin"), ("certificate.revoke", "admin")]
    assert rows[1][2]["serial"] == issued["serial"] and rows[1][2]["holder"] == "li"
    assert main(["ca", "crl", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked"] == [issued["serial"]]
    assert main(["ca", "revoke", "--serial", "42"]) == 1
    assert "42" in capsys.readouterr().err


def test_issuing_needs_the_administrator_and_the_staff_member(home, capsys, monkeypatch):
    data, secrets = home
    staff_pw, pin = _secret(secrets, "li", STAFF_PW), _secret(secrets, "pin", PIN)
    base = ["ca", "issue-staff", "--staff-user", "li", "--pin-file", pin]
    # the staff member's password is wrong: nothing issued
    assert main([*base, "--staff-password-file", _secret(secrets, "bad", "Not-Her-Password-1")]) == 1
    err = capsys.readouterr().err
    assert "Wrong username or password" in err or "用户名或密码错误" in err
    assert not (data / "pki" / "staff" / "li.p12").exists()
    # a PIN that is too short or too simple, chosen by whoever: refused
    for weak in ("1234", "111111", "123456"):
        assert main([*base[:-1], _secret(secrets, "weak", weak), "--staff-password-file", staff_pw]) == 1
        assert "PIN" in capsys.readouterr().err
    assert not (data / "pki" / "staff" / "li.p12").exists()
    # not an administrator: li cannot issue a certificate (to herself or anyone)
    monkeypatch.setenv("STATION_USER", "li")
    monkeypatch.setenv("STATION_PASSWORD_FILE", staff_pw)
    assert main([*base, "--staff-password-file", staff_pw]) == 1
    assert not (data / "pki" / "staff" / "li.p12").exists()
    # no user at all (no terminal to ask on): a usage error, and revoking needs one too
    monkeypatch.delenv("STATION_USER")
    assert main(["ca", "revoke", "--serial", "42"]) == 2
    assert "--user" in capsys.readouterr().err


def test_verify_command(pki, signed, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "empty"))
    good = tmp_path / "consent.pdf"
    good.write_bytes(signed[0].pdf)
    root = str(pki.ca.folder / "root.cert.pem")
    assert main(["verify", str(good), "--json", "--trust-root", root]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True and report["signatures"][0]["pades_level"] == "B-LTA"
    assert main(["verify", str(good), "--trust-root", root, "--at", "2099-01-01"]) == 1
    capsys.readouterr()
    bad = tmp_path / "bad.pdf"
    data = bytearray(signed[0].pdf)
    data[data.index(b"stream", 200) + 40] ^= 1
    bad.write_bytes(bytes(data))
    assert main(["verify", str(bad), "--json", "--trust-root", root]) == 1
    assert json.loads(capsys.readouterr().out)["passed"] is False
    assert main(["verify", str(good), "--at", "not-a-date", "--trust-root", root]) == 2
    assert main(["verify", str(good)]) == 2  # no station CA and no --trust-root


def test_production_ca_init_exports_the_root_and_stores_no_passphrase(tmp_path, monkeypatch, capsys):
    from datetime import UTC, datetime, timedelta

    import time_machine

    monkeypatch.setenv("STATION_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("STATION_CA_PASSPHRASE", "typed by the administrator")
    monkeypatch.setenv("STATION_ROOT_KEY_PASSPHRASE", "kept in the safe 2026")
    away = tmp_path / "usb" / "root.key.pem"
    assert main(["ca", "init", "--json", "--root-key-out", str(away)]) == 0
    init = json.loads(capsys.readouterr().out)
    assert init["root_key"] == "offline" and init["passphrase_file"] is None
    pki = tmp_path / "data" / "pki"
    assert away.exists() and not (pki / "ca" / "root.key.pem").exists()
    assert not (pki / "ca-passphrase").exists() and not (pki / "DEMO-KEYS-README.txt").exists()
    # the issuing CA works with the passphrase alone
    assert main(["ca", "crl", "--json"]) == 0
    capsys.readouterr()
    # nothing ends within 90 days; within 6 years the TSA certificate does
    assert main(["ca", "expiry", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    assert main(["ca", "expiry", "--json", "--days", str(6 * 365)]) == 1
    assert "tsa" in {w["what"] for w in json.loads(capsys.readouterr().out)["warnings"]}
    # four years and eleven months later (clock moved): the TSA certificate is warned about
    later = datetime.now(UTC) + timedelta(days=5 * 365 - 30)
    with time_machine.travel(later, tick=True):
        assert main(["ca", "expiry", "--json"]) == 1
        warned = json.loads(capsys.readouterr().out)["warnings"]
        assert [w["what"] for w in warned if w["what"] == "tsa"] == ["tsa"]
        assert main(["ca", "rollover", "--tsa", "--json"]) == 0
        rolled = json.loads(capsys.readouterr().out)
        assert all(w["what"] != "tsa" for w in rolled["warnings"])
        assert len(list((pki / "tsa" / "ecdsa" / "retired").glob("tsa-*.cert.pem"))) == 1
        # the issuing CA needs the root key: refused without it, done with it
        assert main(["ca", "rollover", "--issuing"]) == 1
        assert "--root-key" in capsys.readouterr().err
        assert main(["ca", "rollover", "--issuing", "--root-key", str(away), "--json"]) == 0
        assert "G2" in json.loads(capsys.readouterr().out)["issuing"]["subject"]
        assert main(["ca", "root-crl", "--root-key", str(away), "--json"]) == 0
        capsys.readouterr()
    monkeypatch.delenv("STATION_CA_PASSPHRASE")
    assert main(["ca", "crl"]) == 1  # no passphrase on disk, none typed: refused with the reason
    assert "STATION_CA_PASSPHRASE" in capsys.readouterr().err
