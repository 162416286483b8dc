"""A production station whose CA (root, issuing) and TSA keys were made on a PKCS#11 token by the
first-run set-up (SoftHSM2): nothing secret in the data folder, signing locked until the token PIN
is typed, then a donation's three records signed (the donor's 24 h certificate issued on the token)
and verified."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from station.errors import SigningError
from station.firstrun import CAAnswers, SetupAnswers, SiteAnswers, apply_setup

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "246802"
pytestmark = pytest.mark.skipif(not (os.path.exists(MODULE) and shutil.which("softhsm2-util")),
                                reason="SoftHSM2 is not installed")
SITE = SiteAnswers(name="杭州市血液中心", facility_code="w1234", station_name="机采3号位", station_kind="chair")


@pytest.fixture
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.delenv("STATION_CA_PIN", raising=False)
    monkeypatch.delenv("STATION_CA_PASSPHRASE", raising=False)
    # a label of its own: the PKCS#11 library, loaded once per process, re-reads SOFTHSM2_CONF
    # only when it does not find the token it is asked for
    label = f"station-ca-{uuid.uuid4().hex[:8]}"
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "11223344",
                    "--pin", PIN], check=True, capture_output=True)
    return label


def test_token_station_signs_after_the_pin_is_typed(tmp_path: Path, token: str) -> None:
    from signing.ca import LocalCA, read_custody
    from signing.verify import verify_pdf
    from station.config import load_config
    from station.context import open_context
    from station.demo import DEMO_PIN, demo_actors, enrol_demo_staff, run_demo
    from station.demo_run import demo_donor_evidence
    from station.services.pki import signing_locked, unlock_signing
    from station.services.records import sign_donation_records

    data = tmp_path / "data"
    apply_setup(SetupAnswers(site=SITE, ca=CAAnswers(custody="token", token_label=token, token_pin=PIN,
                                                     pkcs11_module=MODULE)), data)
    config = load_config(data)
    assert config.ca.unlock == "pkcs11" and not config.ca.demo
    assert read_custody(config.ca_dir).issuing_key == "pkcs11"
    assert not list(data.rglob("*.key.pem")) and not config.ca_passphrase_file.exists()
    assert (config.tsa_dir / "ecdsa" / "custody.json").exists()  # the TSA key is on the token too
    ctx = open_context(data)
    try:
        assert signing_locked(ctx)
        with pytest.raises(SigningError) as wrong:
            unlock_signing(ctx, "000000")
        assert wrong.value.code == "TOKEN_PIN" and signing_locked(ctx)
        unlock_signing(ctx, PIN)
        assert not signing_locked(ctx)
        report = run_demo(ctx, 2, 5)
        enrol_demo_staff(ctx)
        actors = demo_actors(ctx)
        did = report.sealed_ids[0]
        signature, fingerprint = demo_donor_evidence(7)
        sign_donation_records(ctx, actors["nurse"], did, pin=DEMO_PIN, donor_signature=signature,
                              fingerprint=fingerprint)
        done = sign_donation_records(ctx, actors["physician"], did, pin=DEMO_PIN)
        assert done["state"] == "records_signed"
        root, _issuing, crls = LocalCA.load_public(config.ca_dir)
        records = sorted((data / "records").rglob("*.pdf"))
        assert len(records) == 3
        for path in records:
            report_ = verify_pdf(path.read_bytes(), [root], crls)
            assert report_.passed, report_.to_text("en")
    finally:
        ctx.close()


def test_a_failed_token_setup_takes_its_keys_back_and_a_used_token_is_refused(
        tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import station.bootstrap
    from station.errors import StationError
    from station.firstrun import SetupCheckFailed

    answers = SetupAnswers(site=SITE, ca=CAAnswers(custody="token", token_label=token, token_pin=PIN,
                                                   pkcs11_module=MODULE))

    def broken(*_a: object, **_k: object) -> None:
        raise StationError("数据库在初始化时断开", "the database went away during set-up")

    real = station.bootstrap.init_data_dir
    monkeypatch.setattr(station.bootstrap, "init_data_dir", broken)
    with pytest.raises(StationError, match="went away"):
        apply_setup(answers, tmp_path / "data")
    monkeypatch.setattr(station.bootstrap, "init_data_dir", real)
    apply_setup(answers, tmp_path / "data")  # the token was left clean: a second attempt works
    with pytest.raises(SetupCheckFailed, match="already holds station CA keys"):
        apply_setup(answers, tmp_path / "other")


def test_tsa_service_from_the_command_line_signs_on_the_token(tmp_path: Path, token: str) -> None:
    """`station tsa serve --key-type rsa` on a token station: the new TSA key is made on the token
    (nothing in the folder), unlocked with STATION_CA_PIN, and grants a time stamp."""
    import json
    import socket
    import sys

    from signing.tsa import http_timestamper
    from station.config import load_config

    data = tmp_path / "data"
    apply_setup(SetupAnswers(site=SITE, ca=CAAnswers(custody="token", token_label=token, token_pin=PIN,
                                                     pkcs11_module=MODULE)), data)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "STATION_CA_PIN": PIN, "PYTHONPATH": str(Path.cwd())}
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "tsa", "serve", "--data-dir", str(data),
                             "--key-type", "rsa", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        event = json.loads(line)
        assert event["event"] == "listening" and "RSA" in event["tsa"]
        folder = load_config(data).tsa_dir / "rsa"
        assert (folder / "custody.json").exists() and not (folder / "tsa.key.pem").exists()
        import asyncio
        import hashlib
        import time

        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        for _ in range(50):  # the server binds just after printing
            try:
                token_info = asyncio.run(http_timestamper(event["url"]).async_timestamp(
                    hashlib.sha256(b"x").digest(), "sha256"))
                break
            except TimestampRequestError:  # not listening yet
                time.sleep(0.1)
        else:
            raise AssertionError("the TSA did not answer")
        signer = token_info["content"]["signer_infos"][0]["signature_algorithm"]["algorithm"].native
        assert "rsa" in signer
    finally:
        proc.terminate()
        proc.wait(timeout=10)
