"""The inspection of one record (archive.checks): what the in-process ways of getting the facts still catch.

The page text comes from PDFium instead of a pdftotext process: it must give the DIN, name and ID
number that poppler gives, on the station's own forms and on signed records, and a record whose
text lacks them must still fail. The render check needs a page that PDFium draws with content;
a file PDFium cannot open, a blank page and a page-less document fail usability.
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from archive import checks as ck
from station.models import Donation, SignedRecord

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))


def _poppler(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-q", str(path), "-"], capture_output=True, check=True)
    return ck._normalise(out.stdout.decode("utf-8"))


def _pdfium(pdf: bytes) -> str:
    return ck._normalise(ck._pdfium_facts(pdf).text)


def test_pdfium_text_of_the_station_forms_shows_what_poppler_shows(tmp_path: Path) -> None:
    import form_samples as samples

    from station.forms import render_collection, render_consent, render_registration_exam

    samples_and_records = [(samples.consent(), render_consent), (samples.registration_exam(), render_registration_exam),
                           (samples.collection(), render_collection)]
    for data, render in samples_and_records:
        pdf = render(data).pdf
        poppler, text = _poppler(pdf, tmp_path), _pdfium(pdf)
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


def _blank_pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(pages):
        c.showPage()
    c.save()
    return buf.getvalue()


def test_render_check_needs_a_page_with_content(ctx, tmp_path: Path) -> None:
    import form_samples as samples

    from station.forms import render_consent

    good = ck._pdfium_facts(render_consent(samples.consent()).pdf)
    assert good.ok and good.render_ok and good.pages >= 1, good
    broken = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    for data, why in ((broken, "PDFium"), (b"", "PDFium"), (b"not a pdf at all", "PDFium"),
                      (_blank_pdf(1), "blank")):
        facts = ck._pdfium_facts(data)
        assert not facts.render_ok and why in facts.render_detail, (data[:20], facts)
    blank_file = tmp_path / "blank.pdf"
    blank_file.write_bytes(_blank_pdf(1))
    verifier = ck.SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        facts = ck.inspect_record("consent", blank_file, verifier)
        truncated = tmp_path / "cut.pdf"
        truncated.write_bytes(render_consent(samples.consent()).pdf[:900])
        cut = ck.inspect_record("consent", truncated, verifier)
    finally:
        verifier.close()
    usability = ck.check_usability([facts])
    assert not usability.passed and "blank" in usability.reason
    assert not ck.check_usability([cut]).passed and not cut.signatures_passed


def test_pdfium_sees_javascript_and_attachments_the_walk_must_also_see(ctx, tmp_path: Path) -> None:
    """PDFium's counts of document JavaScript and attachments back up the structure walk: both find them."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    action = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}))
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])})})
    writer.add_attachment("tool.exe", b"MZ\x90\x00")
    buf = io.BytesIO()
    writer.write(buf)
    independent = ck._pdfium_facts(buf.getvalue())
    assert independent.ok and independent.javascript == 1 and independent.attachments == 1
    path = tmp_path / "hostile.pdf"
    path.write_bytes(buf.getvalue())
    verifier = ck.SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        facts = ck.inspect_record("consent", path, verifier)
    finally:
        verifier.close()
    security = ck.check_security([facts])
    assert not security.passed
    assert "JavaScript" in security.reason and "embedded executable tool.exe" in security.reason


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


def _plain_types(value) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _plain_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_types(v) for v in value)
    return type(value) in (str, int, float, bool, type(None))


def test_the_facts_sent_back_by_a_worker_hold_plain_values_only(ctx) -> None:
    """The facts travel from the inspection worker to the job by pickle: a PDF string object (a str
    subclass tied to its file) in the report would drag the whole parsed file along, 200 KB a record."""
    import pickle

    kind, path, _identity = _signed(ctx)[0]
    verifier = ck.SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        facts = ck.inspect_record(kind, path, verifier)
    finally:
        verifier.close()
    assert facts.signature_report and _plain_types(facts.signature_report)
    assert all(_plain_types(v) for v in vars(facts).values())
    assert len(pickle.dumps(facts)) < 16_000
