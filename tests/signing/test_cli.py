"""`station ca`, `station verify`: exit codes and JSON."""
from __future__ import annotations

import json
import os

import pytest

from station.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("STATION_HOME", str(tmp_path))
    monkeypatch.setenv("STATION_STAFF_PIN", "13579")
    monkeypatch.delenv("STATION_CA_PASSPHRASE", raising=False)
    return tmp_path


def test_ca_commands(home, capsys):
    assert main(["ca", "init", "--json", "--organisation", "测试中心", "--demo"]) == 0
    init = json.loads(capsys.readouterr().out)
    assert init["organisation"] == "测试中心"
    assert (home / "pki" / "ca" / "root.cert.pem").exists()
    assert oct(os.stat(home / "pki" / "ca-passphrase").st_mode & 0o777) == "0o600"
    assert "DEMO" in (home / "pki" / "DEMO-KEYS-README.txt").read_text("utf-8")
    assert main(["ca", "issue-staff", "--user", "li", "--name", "李医生", "--role", "physician",
                 "--json"]) == 0
    issued = json.loads(capsys.readouterr().out)
    assert (home / "pki" / "staff" / "li.p12").exists()
    assert main(["ca", "revoke", "--serial", issued["serial"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked_count"] == 1
    assert main(["ca", "crl", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked"] == [issued["serial"]]
    assert main(["ca", "revoke", "--serial", "42"]) == 1
    assert "42" in capsys.readouterr().err


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
