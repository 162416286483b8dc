"""The inspection of one record (archive.checks): what the cheaper ways of getting the facts still catch.

The page text comes from pypdf instead of a pdftotext process: it must give the DIN, name and ID
number that poppler gives, on the station's own forms and on signed records, and a record whose
text lacks them must still fail. The render check reads pdftoppm's PPM output.
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from archive import checks as ck
from station.models import Donation, SignedRecord

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))


def _poppler(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-q", str(path), "-"], capture_output=True, check=True)
    return ck._normalise(out.stdout.decode("utf-8"))


def _pypdf(pdf: bytes) -> str:
    return ck._normalise("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))


def test_pypdf_text_of_the_station_forms_shows_what_poppler_shows(tmp_path: Path) -> None:
    import form_samples as samples

    from station.forms import render_collection, render_consent, render_registration_exam

    samples_and_records = [(samples.consent(), render_consent), (samples.registration_exam(), render_registration_exam),
                           (samples.collection(), render_collection)]
    for data, render in samples_and_records:
        pdf = render(data).pdf
        poppler, text = _poppler(pdf, tmp_path), _pypdf(pdf)
        assert sorted(poppler) == sorted(text)  # the same characters, perhaps in another order
        for needle in (data.donor.name, data.donor.id_number, data.donation.din):
            assert needle in text and needle in poppler, needle


def _signed(ctx) -> list[tuple[str, Path, ck.Identity]]:
    out = []
    with ctx.sessions() as s:
        for rec in s.execute(select(SignedRecord).order_by(SignedRecord.id).limit(6)).scalars():
            d = s.get(Donation, rec.donation_id)
            idn = ctx.pii.decrypt(d.donor.id_number_cipher, "id_number")
            out.append((rec.kind, ctx.config.records_dir / rec.path, ck.Identity(d.din, d.donor.name, idn)))
    return out


def test_signed_records_pass_and_a_wrong_identity_fails(ctx, tmp_path: Path) -> None:
    verifier = ck.SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        for kind, path, identity in _signed(ctx):
            facts = ck.inspect_record(kind, path, verifier)
            poppler = _poppler(path.read_bytes(), tmp_path)
            for needle in (identity.din, identity.name, identity.id_number):
                assert (needle in facts.text) == (needle in poppler)
            expected = {kind: ck.ExpectedRecord(kind, facts.sha256, facts.size)}
            assert ck.check_authenticity([facts], expected, identity).passed
            assert ck.check_usability([facts]).passed and facts.render_ok
            for wrong in (ck.Identity(identity.din, "张冒名", identity.id_number),
                          ck.Identity(identity.din[:-1] + "9", identity.name, identity.id_number)):
                result = ck.check_authenticity([facts], expected, wrong)
                assert not result.passed and "not found in the record text" in result.reason
            if ck.REQUIRED_TEXT[kind].count("id_number"):
                wrong_id = ck.Identity(identity.din, identity.name, "110101199001010000")
                assert not ck.check_authenticity([facts], expected, wrong_id).passed
    finally:
        verifier.close()


def test_render_check_needs_a_whole_image(tmp_path: Path) -> None:
    good = b"P6\n2 1\n255\n" + bytes(6)
    assert ck._is_ppm_image(good)
    for bad in (b"", good[:-1], b"P6\n0 1\n255\n", b"P5\n2 1\n255\n" + bytes(2), b"\x89PNG\r\n\x1a\n"):
        assert not ck._is_ppm_image(bad), bad
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    qpdf, render = ck._start_tools(broken)
    _q_ok, _q_detail, render_ok, detail = ck._finish_tools(qpdf, render)
    assert not render_ok and detail.startswith("pdftoppm")


def test_a_damaged_object_fails_the_record_instead_of_stopping_the_batch(ctx, tmp_path: Path) -> None:
    """A byte changed inside a name of the signed revision's catalog: pyHanko parses it only when
    the revisions are walked, after opening; the record fails, the inspection does not raise."""
    kind, path, identity = _signed(ctx)[0]
    data = path.read_bytes()
    pos = data.index(b"/PageMode") + 2
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(data[:pos] + b"\xef" + data[pos + 1:])
    verifier = ck.SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        facts = ck.inspect_record(kind, damaged, verifier)
    finally:
        verifier.close()
    assert not facts.signatures_passed
    expected = {kind: ck.ExpectedRecord(kind, facts.sha256, facts.size)}
    assert not ck.check_authenticity([facts], expected, identity).passed
