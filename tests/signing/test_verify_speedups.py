"""The validation speed-ups in signing.verify (and archive.checks) change no result.

Fast hex-string reading must return what pyHanko's and pypdf's own readers return (or leave the
case to them); the memo of signature checks must never let a changed signature pass; the
memoised name comparison must still follow RFC 5280.
"""
from __future__ import annotations

import binascii
import io
import random
import re

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

import archive.checks  # noqa: F401 - installs the pypdf reader
from signing.ca import LocalCA
from signing.verify import read_hex_body, verify_pdf

HEX_CASES = [
    b"<>", b"<41>", b"<4142434>", b"< 41 4\n2\r43\t44\f45\x00 >", b"<feff00410042>", b"<FEFF00E4>",
    b"<3031%comment\n3233>", b"<41G2>", b"<4142", b"<41<42>", b"<" + b"0" * 70000 + b">",
    b"<" + b"ab" * 40000 + b"7>", b"<30 31\n>", b"< >",
]


def _random_cases(n: int) -> list[bytes]:
    rng = random.Random(6)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%<zZ"
    return [b"<" + bytes(rng.choice(alphabet[:28] if rng.random() < 0.7 else alphabet)
                         for _ in range(rng.randint(0, 40))) + (b">" if rng.random() < 0.9 else b"")
            for _ in range(n)]


def _outcome(reader, data: bytes):
    stream = io.BytesIO(data + b" /Next 1 0 R")
    try:
        value = reader(stream)
    except Exception as exc:
        return ("error", type(exc).__name__)
    return (type(value).__name__, bytes(value.original_bytes) if hasattr(value, "original_bytes")
            else bytes(value), stream.tell())


@pytest.mark.parametrize("library", ["pyhanko", "pypdf"])
def test_fast_hex_reader_matches_the_library(library):
    if library == "pyhanko":
        from pyhanko.pdf_utils import generic as module
    else:
        from pypdf.generic import _data_structures as module
    fast = module.read_hex_string_from_stream
    original = fast.__wrapped__  # installed: the library's function is wrapped
    for case in HEX_CASES + _random_cases(400):
        assert _outcome(fast, case) == _outcome(original, case), case[:60]


def test_read_hex_body_leaves_unusual_forms_to_the_library():
    for case in (b"<41%x\n>", b"<4G>", b"<41"):
        stream = io.BytesIO(case)
        assert read_hex_body(stream) is None
        assert stream.tell() == 0
    stream = io.BytesIO(b"<4 1 4>rest")
    assert read_hex_body(stream) == b"A@"
    assert stream.read() == b"rest"


def test_signature_memo_remembers_only_what_passed(pki):
    from pyhanko_certvalidator import sig_validate

    root, issuing, _crls = LocalCA.load_public(pki.ca.folder)
    cert = asn1_x509.Certificate.load(issuing.public_bytes(serialization.Encoding.DER))
    issuer_key = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER)).public_key
    sig = cert["signature_value"].native
    tbs = cert["tbs_certificate"].dump()
    algo = cert["signature_algorithm"]
    altered = tbs[:-1] + bytes([tbs[-1] ^ 1])
    validate = sig_validate._validate_raw
    assert getattr(validate, "__wrapped__", None) is not None
    for _ in range(2):  # the second round is served by the memo for the good one only
        validate(sig, tbs, issuer_key, algo)
        with pytest.raises(InvalidSignature):
            validate(sig, altered, issuer_key, algo)
        with pytest.raises(InvalidSignature):
            validate(sig[:-1] + bytes([sig[-1] ^ 1]), tbs, issuer_key, algo)


def _flip_signer_signature(pdf: bytes) -> bytes:
    """Flip one bit of the first CMS signature value, keeping the /Contents length."""
    m = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", pdf)
    assert m is not None
    der = binascii.unhexlify(m.group(1))
    info = cms.ContentInfo.load(der, strict=False)
    value = info["content"]["signer_infos"][0]["signature"].native
    pos = der.index(value) + len(value) // 2
    changed = der[:pos] + bytes([der[pos] ^ 0x10]) + der[pos + 1:]
    hex_new = binascii.hexlify(changed)
    hex_new = hex_new.upper() if m.group(1).isupper() else hex_new
    return pdf[:m.start(1)] + hex_new + pdf[m.end(1):]


def test_changed_signature_fails_after_the_good_one_passed(pki, signed):
    record = signed[0]
    assert verify_pdf(record.pdf, [pki.ca.root_cert]).passed  # fills every memo
    tampered = _flip_signer_signature(record.pdf)
    assert len(tampered) == len(record.pdf) and tampered != record.pdf
    report = verify_pdf(tampered, [pki.ca.root_cert])
    assert not report.passed
    assert report.signatures[0].indication != "TOTAL_PASSED"
    assert verify_pdf(record.pdf, [pki.ca.root_cert]).passed


def test_memoised_name_comparison_follows_rfc5280():
    a = asn1_x509.Name.build({"common_name": "Station  Issuing CA", "organization_name": "测试血液中心"})
    b = asn1_x509.Name.build({"common_name": "station issuing ca", "organization_name": "测试血液中心"})
    c = asn1_x509.Name.build({"common_name": "Station Root CA", "organization_name": "测试血液中心"})
    assert a.dump() != b.dump()
    for _ in range(2):
        assert a == b and b == a
        assert a != c and c != a
        assert a != "Station Issuing CA"
