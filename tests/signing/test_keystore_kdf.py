"""The PKCS#12 staff key files resist offline PIN guessing: PBES2 (PBKDF2-SHA256, 600,000 rounds, AES-256)
on both bags and no 2,048-round MAC to test guesses against; one wrong guess costs far more than before."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from asn1crypto import cms
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from signing_helpers import PIN

from signing.keystore import PKCS12_KDF_ROUNDS, Pkcs12KeyStore, check_pin
from station.errors import SigningError


def _guess_seconds(data: bytes, guesses: int) -> float:
    start = time.perf_counter()
    for i in range(guesses):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(data, f"{i:06d}".encode())
    return (time.perf_counter() - start) / guesses


def test_the_file_has_no_mac_and_strong_kdf_on_every_bag(pki, tmp_path) -> None:
    store = Pkcs12KeyStore(tmp_path / "staff")
    store.enrol(pki.ca, "kdf.nurse", "密钥护士", "nurse", PIN, datetime.now(UTC))
    pfx = asn1_pkcs12.Pfx.load(store.path("kdf.nurse").read_bytes())
    assert not pfx["mac_data"].native  # no MAC: nothing cheaper than the bags to test a PIN against
    rounds, ciphers = [], []
    for info in pfx.authenticated_safe:
        if info["content_type"].native == "encrypted_data":  # the certificate bag
            alg = info["content"]["encrypted_content_info"]["content_encryption_algorithm"]
        else:  # the shrouded key bag
            bag = asn1_pkcs12.SafeContents.load(info["content"].native)[0]
            alg = bag["bag_value"]["encryption_algorithm"]
        assert alg["algorithm"].native == "pbes2"
        rounds.append(alg["parameters"]["key_derivation_func"]["parameters"]["iteration_count"].native)
        ciphers.append(alg["parameters"]["encryption_scheme"]["algorithm"].native)
    assert rounds and all(r >= 600_000 for r in rounds) and PKCS12_KDF_ROUNDS >= 600_000
    assert set(ciphers) == {"aes256_cbc"}
    assert isinstance(pfx["auth_safe"], cms.ContentInfo)
    with store.open("kdf.nurse", PIN) as cred:
        assert cred.certificate.subject.rfc4514_string()


def test_one_offline_guess_costs_far_more_than_before(pki, tmp_path) -> None:
    store = Pkcs12KeyStore(tmp_path / "staff")
    store.enrol(pki.ca, "kdf.doc", "密钥医生", "physician", PIN, datetime.now(UTC))
    new = store.path("kdf.doc").read_bytes()
    key, cert, extra = pkcs12.load_key_and_certificates(new, PIN.encode())
    # the file as the station wrote it before (BestAvailableEncryption: MAC at 2,048 iterations)
    old = pkcs12.serialize_key_and_certificates(b"kdf.doc", key, cert, extra,
                                                serialization.BestAvailableEncryption(PIN.encode()))
    before = _guess_seconds(old, 200)
    after = _guess_seconds(new, 5)
    print(f"one wrong PIN: before {before * 1e3:.3f} ms, now {after * 1e3:.1f} ms ({after / before:.0f}x)")
    assert after / before > 100, (before, after)
    assert after > 0.02  # tens of milliseconds of PBKDF2 per guess on this machine: a 6-digit PIN space is 6 h


@pytest.mark.parametrize("pin,code", [("1234", "PIN_TOO_SHORT"), ("12345", "PIN_TOO_SHORT"),
                                      ("000000", "PIN_TOO_SIMPLE"), ("123456", "PIN_TOO_SIMPLE"),
                                      ("987654", "PIN_TOO_SIMPLE"), ("12\x0034567", "PIN_INVALID")])
def test_pins_of_at_least_six_not_trivial(pki, tmp_path, pin: str, code: str) -> None:
    with pytest.raises(SigningError) as err:
        check_pin(pin)
    assert err.value.code == code
    with pytest.raises(SigningError):
        Pkcs12KeyStore(tmp_path / "staff").enrol(pki.ca, "weak.pin", "弱", "nurse", pin, datetime.now(UTC))
    assert not (tmp_path / "staff" / "weak.pin.p12").exists()
    check_pin("739184")
    check_pin("246810")
