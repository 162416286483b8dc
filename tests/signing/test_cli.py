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
    assert main(["ca", "init", "--json", "--organisation", "测试中心"]) == 0
    init = json.loads(capsys.readouterr().out)
    assert init["organisation"] == "测试中心"
    assert (home / "pki" / "ca" / "root.cert.pem").exists()
    assert oct(os.stat(home / "pki" / "ca-passphrase").st_mode & 0o777) == "0o600"
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
