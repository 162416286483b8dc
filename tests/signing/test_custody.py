"""Key custody: the root CA key off the station (exported file or token), issuing CA and TSA keys
on a PKCS#11 token (SoftHSM2), and what still works without the root key."""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from signing_helpers import PASS, donation_records, donor

from signing.ca import (
    OFFLINE_ROOT_CRL_VALIDITY,
    Custody,
    LocalCA,
    load_exported_key,
)
from signing.pades import RecordSigner, SigningContext, TrustMaterial
from signing.tsa import (
    TsaToken,
    create_tsa_identity,
    http_timestamper,
    load_tsa_identity,
    rollover_tsa_identity,
    start_in_thread,
)
from signing.verify import verify_pdf
from station.errors import SigningError

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
ROOT_PASS = b"the root key stays in the safe"
needs_softhsm = pytest.mark.skipif(not (os.path.exists(MODULE) and shutil.which("softhsm2-util")),
                                   reason="SoftHSM2 is not installed")


def sign_consent(ca: LocalCA, tsa_url: str) -> bytes:
    ctx = SigningContext(TrustMaterial.from_ca_folder(ca.folder), http_timestamper(tsa_url))
    consent = donation_records()[0]
    [signed] = RecordSigner(ca, ctx).sign_donation([consent], donor(), {})
    return signed.pdf


def test_root_key_exported_and_not_kept_on_the_station(tmp_path):
    now = datetime.now(timezone.utc)
    out = tmp_path / "operator-usb" / "root.key.pem"
    ca = LocalCA.create(tmp_path / "ca", PASS, "测试血液中心", now,
                        custody=Custody(root_key="offline"), root_out=out,
                        root_passphrase=ROOT_PASS)
    folder = tmp_path / "ca"
    assert not (folder / LocalCA.ROOT_KEY).exists()
    assert (folder / LocalCA.ISSUING_KEY).exists()
    assert not ca.root_available
    # the exported file is the root's key, encrypted with the operator's own passphrase
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(out.read_bytes(), password=PASS)
    assert load_exported_key(out, ROOT_PASS).public_key() == ca.root_cert.public_key()
    # day to day: the issuing key alone issues donor certificates and the CA's CRL
    pseudonym = ca.donor_id_pseudonym("110101199003071234")
    reopened = LocalCA.open(folder, PASS)
    assert not reopened.root_available
    assert reopened.donor_id_pseudonym("110101199003071234") == pseudonym
    assert reopened.donor_id_pseudonym("110101199003071235") != pseudonym
    reopened.publish_crl(now)
    root_crl = x509.load_der_x509_crl((folder / LocalCA.ROOT_CRL_DER).read_bytes())
    assert root_crl.next_update_utc - root_crl.last_update_utc > OFFLINE_ROOT_CRL_VALIDITY - \
        timedelta(seconds=2)
    # what needs the root is refused until the operator brings the key
    with pytest.raises(SigningError) as err:
        reopened.rollover_issuing(now)
    assert err.value.code == "ROOT_KEY_OFFLINE"
    with pytest.raises(SigningError) as err:
        reopened.unlock_root(key_file=out, passphrase=b"wrong passphrase")
    assert err.value.code == "ROOT_PASSPHRASE"
    reopened.unlock_root(key_file=out, passphrase=ROOT_PASS)
    crl = reopened.publish_root_crl(now + timedelta(days=1))
    assert crl.is_signature_valid(ca.root_cert.public_key())  # type: ignore[arg-type]
    reopened.lock_root()
    assert not reopened.root_available


def test_wrong_passphrase_opens_nothing(tmp_path):
    out = tmp_path / "root.key.pem"
    LocalCA.create(tmp_path / "ca", PASS, "测试血液中心", custody=Custody(root_key="offline"),
                   root_out=out, root_passphrase=ROOT_PASS)
    with pytest.raises(SigningError) as err:
        LocalCA.open(tmp_path / "ca", b"not the passphrase")
    assert err.value.code == "CA_PASSPHRASE"


@pytest.fixture(scope="module")
def tokens(tmp_path_factory):
    folder = tmp_path_factory.mktemp("softhsm-ca")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    for label, pin in (("station-ca", "135790"), ("root-safe", "975310")):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--so-pin", "87654321", "--pin", pin], check=True, capture_output=True)
    yield {"ca": ("station-ca", "135790"), "root": ("root-safe", "975310")}
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def _token_objects(label: str, pin: str) -> list[tuple[str, bool]]:
    """The private keys on the token, as another process sees them (label, extractable)."""
    import json
    import sys

    code = (
        "import json, sys, pkcs11\n"
        "from pkcs11 import Attribute, ObjectClass\n"
        f"t = pkcs11.lib({MODULE!r}).get_token(token_label={label!r})\n"
        f"with t.open(user_pin={pin!r}) as s:\n"
        "    print(json.dumps([[str(o[Attribute.LABEL]), bool(o[Attribute.EXTRACTABLE])]"
        " for o in s.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})]))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=os.environ)
    return [tuple(row) for row in json.loads(out.stdout)]  # type: ignore[misc]


@needs_softhsm
def test_ca_and_tsa_keys_on_tokens_sign_records_that_verify(tmp_path, tokens):
    now = datetime.now(timezone.utc)
    ca_label, ca_pin = tokens["ca"]
    root_label, root_pin = tokens["root"]
    custody = Custody(root_key="pkcs11", issuing_key="pkcs11", module=MODULE,
                      token_label=ca_label, root_token_label=root_label)
    ca = LocalCA.create(tmp_path / "ca", b"", "测试血液中心", now, custody=custody,
                        pin=ca_pin, root_pin=root_pin)
    assert sorted(p.name for p in (tmp_path / "ca").glob("*.key.pem")) == []
    assert not ca.root_available  # the root token is logged out once the CA is made
    tsa = create_tsa_identity(tmp_path / "tsa", ca, b"", "ecdsa", now,
                              token=TsaToken(ca_label, ca_pin, MODULE))
    assert not (tmp_path / "tsa" / "tsa.key.pem").exists()
    keys = _token_objects(ca_label, ca_pin)
    assert {k for k, _ in keys} == {"station-issuing-ca-1", "station-tsa-ecdsa-1"}
    assert not any(extractable for _, extractable in keys)
    assert [k for k, _ in _token_objects(root_label, root_pin)] == ["station-root-ca"]
    # the certificates the token keys signed verify with the public keys
    issuing = ca.issuing_cert
    ca.root_cert.public_key().verify(issuing.signature, issuing.tbs_certificate_bytes,
                                     ec.ECDSA(hashes.SHA384()))
    tsa.close()
    ca.close()

    # a later process: the PIN typed at start opens issuing CA and TSA
    ca = LocalCA.open(tmp_path / "ca", ca_pin)
    authority = load_tsa_identity(tmp_path / "tsa", ca_pin.encode())
    pseudonym = ca.donor_id_pseudonym("110101199003071234")
    with start_in_thread(authority) as running:
        pdf = sign_consent(ca, running.url)
    report = verify_pdf(pdf, [ca.root_cert])
    assert report.passed, report.to_text("en")
    assert LocalCA.open(tmp_path / "ca", ca_pin).donor_id_pseudonym("110101199003071234") == \
        pseudonym
    with pytest.raises(SigningError) as err:
        LocalCA.open(tmp_path / "ca", "000000")
    assert err.value.code == "TOKEN_PIN"
    # the root on its own token: needed for rollover, refused without its PIN
    with pytest.raises(SigningError) as err:
        ca.rollover_issuing(now)
    assert err.value.code == "ROOT_KEY_OFFLINE"
    ca.unlock_root(pin=root_pin)
    new = ca.rollover_issuing(datetime.now(timezone.utc))
    assert new.issuer == ca.root_cert.subject
    assert {k for k, _ in _token_objects(ca_label, ca_pin)} >= {"station-issuing-ca-1",
                                                                "station-issuing-ca-2"}
    authority.close()
    # the TSA key on the token rolls over too: a new key, the old one destroyed on the token
    new_tsa = rollover_tsa_identity(tmp_path / "tsa", ca, ca_pin.encode())
    labels = {k for k, _ in _token_objects(ca_label, ca_pin)}
    assert "station-tsa-ecdsa-2" in labels and "station-tsa-ecdsa-1" not in labels
    assert new_tsa.cert.issuer == new.subject
    with start_in_thread(new_tsa) as running:
        pdf = sign_consent(ca, running.url)
    report = verify_pdf(pdf, [ca.root_cert])
    assert report.passed, report.to_text("en")
    # a staff key on the same token, while the CA holds its session: one login per process
    from signing.keystore import Pkcs11KeyStore

    store = Pkcs11KeyStore(MODULE, ca_label, chain=ca.chain())
    store.enrol(ca, "qian.nurse", "钱护士", "nurse", ca_pin, datetime.now(timezone.utc))
    with store.open("qian.nurse", ca_pin) as cred:
        assert cred.certificate.issuer == new.subject
    with pytest.raises(SigningError) as err:
        store.open("qian.nurse", "999999")
    assert err.value.code == "WRONG_PIN"
    new_tsa.close()
    ca.close()


def test_a_key_file_of_another_ca_is_refused(tmp_path):
    ours, theirs = tmp_path / "ours.pem", tmp_path / "theirs.pem"
    ca = LocalCA.create(tmp_path / "a", PASS, "测试血液中心", custody=Custody(root_key="offline"),
                        root_out=ours, root_passphrase=ROOT_PASS)
    LocalCA.create(tmp_path / "b", PASS, "别的血液中心", custody=Custody(root_key="offline"),
                   root_out=theirs, root_passphrase=ROOT_PASS)
    with pytest.raises(SigningError) as err:
        ca.unlock_root(key_file=theirs, passphrase=ROOT_PASS)
    assert err.value.code == "ROOT_KEY_MISMATCH" and not ca.root_available
    with pytest.raises(SigningError) as err:
        ca.unlock_root(key_file=tmp_path / "missing.pem", passphrase=ROOT_PASS)
    assert err.value.code == "ROOT_KEY_MISSING"
    with pytest.raises(SigningError) as err:
        LocalCA.create(tmp_path / "c", PASS, "测试", custody=Custody(root_key="offline"),
                       root_out=tmp_path / "short.pem", root_passphrase=b"short")
    assert err.value.code == "ROOT_PASSPHRASE" and not (tmp_path / "c").exists()
