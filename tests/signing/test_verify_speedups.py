"""The validation speed-ups in signing.verify change no result.

Fast hex-string reading must return what pyHanko's own reader returns (or leave the case to it); the memo of signature checks must never let a changed signature pass; the
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


def test_fast_hex_reader_matches_the_library():
    from pyhanko.pdf_utils import generic as module

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


def _token_cases(n: int) -> list[bytes]:
    rng = random.Random(61)
    alphabet = b"abcXYZ019.+-#_ \n\r\t\f\x00()<>[]{}/%\xef\x80"
    cases = [b"", b"/", b"123", b"true]", b"Type/Font", b"a" * 5000 + b" x", b"a" * 64, b"a" * 63 + b"/"]
    for _ in range(n):
        weights = alphabet[:16] if rng.random() < 0.6 else alphabet
        cases.append(bytes(rng.choice(weights) for _ in range(rng.randint(0, 90))))
    return cases


def test_fast_delimiter_reader_matches_pyhanko():
    from pyhanko.pdf_utils import generic

    fast = generic.read_until_delimiter
    original = fast.__wrapped__
    assert fast is not original
    for case in _token_cases(500):
        for start in (0, 1):
            a, b = io.BytesIO(case), io.BytesIO(case)
            a.seek(start)
            b.seek(start)
            assert fast(a) == original(b), case[:40]
            assert a.tell() == b.tell(), case[:40]
            assert a.read() == b.read()


def test_fast_white_space_skipping_matches_pyhanko():
    from pyhanko.pdf_utils import generic

    fast = generic.read_non_whitespace
    original = fast.__wrapped__
    assert fast is not original
    extra = [b" " * 70 + b"x", b"%c\n  x", b"  %c\r\n%d\n y", b"   ", b"\x00\x00z", b"", b"%", b" " * 64]
    for case in _token_cases(400) + extra:
        for seek_back in (False, True):
            for allow_eof in (False, True):
                a, b = io.BytesIO(case), io.BytesIO(case)
                outcome = []
                for reader, stream in ((fast, a), (original, b)):
                    try:
                        outcome.append((reader(stream, seek_back=seek_back, allow_eof=allow_eof), stream.tell()))
                    except Exception as exc:
                        outcome.append((type(exc), None))
                assert outcome[0] == outcome[1], (case[:40], seek_back, allow_eof)


def test_memoised_name_decoding_matches_pyhanko():
    from pyhanko.pdf_utils import generic

    fast = generic._decode_name
    original = fast.__wrapped__
    cases = [b"Type", b"A#20B", b"F#2", b"#41#42", b"caf\xc3\xa9", b"bad\xef", b"x y", b"", b"Lime#47reen"]
    cases += [bytes(random.Random(i).choice(b"aZ9#0F2\xc3\xa9 ") for _ in range(i % 9)) for i in range(300)]
    for _ in range(2):  # the second round is served by the memo where the first succeeded
        for case in cases:
            try:
                want: object = original(case)
            except Exception as exc:
                want = type(exc)
            try:
                got: object = fast(case)
            except Exception as exc:
                got = type(exc)
            assert got == want and type(got) is type(want), case
    first, second = fast(b"Type"), fast(b"Type")
    assert first == second and first is not second  # the parser sets attributes on what it returns


def test_no_file_stays_in_memory_after_verification(pki, signed):
    import gc

    from pyhanko.pdf_utils.reader import PdfFileReader

    def readers() -> int:
        gc.collect()
        return sum(isinstance(o, PdfFileReader) for o in gc.get_objects())

    verify_pdf(signed[0].pdf, [pki.ca.root_cert])
    before = readers()
    for record in signed * 2:
        assert verify_pdf(record.pdf, [pki.ca.root_cert]).passed
    assert readers() == before


def test_memoised_name_hashable_matches_asn1crypto():
    from signing import verify

    original = verify._ORIGINAL["name_hashable"].fget
    names = [asn1_x509.Name.build({"common_name": cn, "organization_name": org})
             for cn in ("Station  Issuing CA", "station issuing ca", "Root", "王护士") for org in ("测试血液中心", "X")]
    for _ in range(2):
        for name in names:
            assert name.hashable == original(name)
    for a in names:  # equal exactly where the library's forms are equal (case folded, as RFC 5280 asks)
        for b in names:
            assert (a.hashable == b.hashable) == (original(a) == original(b))
    assert names[0].hashable == names[2].hashable and names[0].hashable != names[4].hashable


def _altered_page(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (X) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_diff_memo_is_per_file_and_never_passes_a_change(pki, signed):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, StandardDiffPolicy, SuspiciousModification

    record = signed[0].pdf
    assert verify_pdf(record, [pki.ca.root_cert]).passed
    altered = _altered_page(record)
    for _ in range(2):
        report = verify_pdf(altered, [pki.ca.root_cert])
        assert not report.passed and report.signatures[0].modification_level == "OTHER"
    assert verify_pdf(record, [pki.ca.root_cert]).passed
    # the memo's answer is the library's, and a second reader of other bytes starts empty
    reader = PdfFileReader(io.BytesIO(record), strict=False)
    original = StandardDiffPolicy.review_file.__wrapped__
    for base in range(reader.xrefs.total_revisions - 1):
        first = DEFAULT_DIFF_POLICY.review_file(reader, base)
        again = DEFAULT_DIFF_POLICY.review_file(reader, base)
        fresh = original(DEFAULT_DIFF_POLICY, PdfFileReader(io.BytesIO(record), strict=False), base)
        assert type(first) is type(fresh)
        if not isinstance(fresh, Exception):
            assert (first.modification_level, first.changed_form_fields) == \
                (again.modification_level, again.changed_form_fields) == \
                (fresh.modification_level, fresh.changed_form_fields)
            assert first.changed_form_fields is not again.changed_form_fields
    # a field lock (FieldMDPSpec holds a list) is part of the question
    from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec

    lock = FieldMDPSpec(FieldMDPAction.INCLUDE, ["Nothing"])
    locked = DEFAULT_DIFF_POLICY.review_file(reader, 1, field_mdp_spec=lock)
    assert type(locked) is type(original(DEFAULT_DIFF_POLICY, PdfFileReader(io.BytesIO(record), strict=False), 1,
                                         field_mdp_spec=lock))
    # the altered file asks the same questions of the policy and gets its own answers
    other = PdfFileReader(io.BytesIO(altered), strict=False)
    for base in range(reader.xrefs.total_revisions - 1):
        assert isinstance(DEFAULT_DIFF_POLICY.review_file(other, base), SuspiciousModification)
