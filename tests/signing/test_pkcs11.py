"""Staff keys generated on a PKCS#11 token (SoftHSM2), used to sign; PIN and token errors."""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timezone

import pytest
from signing_helpers import Slot, make_pdf

from signing.keystore import Pkcs11KeyStore
from signing.pades import SignerForSlot, SigningContext, TrustMaterial, sign_record
from signing.tsa import http_timestamper
from signing.verify import verify_pdf
from station.errors import SigningError

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
pytestmark = [pytest.mark.pkcs11,
              pytest.mark.skipif(not (os.path.exists(MODULE) and shutil.which("softhsm2-util")),
                                 reason="SoftHSM2 is not installed")]


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "station-test",
                    "--so-pin", "87654321", "--pin", "123456"], check=True, capture_output=True)
    yield "station-test"
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def test_key_on_token_signs_and_verifies(pki, token):
    store = Pkcs11KeyStore(MODULE, token, chain=pki.ca.chain())
    cert = store.enrol(pki.ca, "zhao.nurse", "赵护士", "nurse", "123456",
                       datetime.now(timezone.utc))
    assert store.certificate("zhao.nurse") == cert
    slot = Slot("NurseCollection", 0, (72.0, 100.0, 292.0, 170.0), "nurse", "collection")
    ctx = SigningContext(TrustMaterial.from_ca_folder(pki.ca.folder), http_timestamper(pki.tsa_url))
    with store.open("zhao.nurse", "123456") as cred:
        record = sign_record(make_pdf("采集记录"), [slot], [SignerForSlot(
            slot.field_name, cred.signer, cred.certificate, "赵护士")], ctx)
    report = verify_pdf(record.pdf, [pki.ca.root_cert])
    assert report.passed, report.to_text("en")
    assert report.signatures[0].signer == "赵护士"


def test_wrong_pin_and_missing_token(pki, token):
    store = Pkcs11KeyStore(MODULE, token, chain=pki.ca.chain())
    with pytest.raises(SigningError) as err:
        store.open("zhao.nurse", "000000")
    assert err.value.code == "WRONG_PIN"
    with pytest.raises(SigningError) as err:
        Pkcs11KeyStore(MODULE, "no-such-token").open("zhao.nurse", "123456")
    assert err.value.code == "TOKEN_MISSING" and "USB Key" in err.value.message_zh
    with pytest.raises(SigningError) as err:
        Pkcs11KeyStore("/nonexistent/module.so", token).open("x", "1")
    assert err.value.code == "PKCS11_MODULE"
