"""The records as PDF/A-3b, signed: XMP identification, sRGB output intent, embedded files with
their relationship, every font embedded; checked with Apache PDFBox Preflight (an independent
validator, PDF/A-1b only: what part 3 permits and part 1 forbids is named and set aside) and
poppler's pdffonts. Also the signature appearances: the site's local time with its offset, and the
handwriting above the printed lines, never over them."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import form_samples as samples
import pytest
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.ca import LocalCA
from signing.keystore import Pkcs12KeyStore
from signing.pades import (
    STAMP_TEXT_HEIGHT,
    DonorSignature,
    RecordSigner,
    SigningContext,
    TrustMaterial,
)
from signing.tsa import create_tsa_identity, http_timestamper, start_in_thread
from signing.verify import verify_pdf
from station.forms import render_collection, render_consent, render_registration_exam

PASS = b"pdf/a test passphrase"
PIN = "135791"
JARS = ["preflight", "pdfbox2", "xmpbox", "fontbox2", "commons-logging", "javax.activation", "jaxb-api"]
CLASSPATH = ":".join(f"/usr/share/java/{j}.jar" for j in JARS)
# What PDF/A-1 forbids and PDF/A-3 allows (Preflight knows only part 1):
PART3_ALLOWS = {
    "1.4.7": "embedded files in the name tree (ISO 19005-3 6.8)",
    "1.2.9": "embedded files in file specifications (ISO 19005-3 6.8)",
    "2.2.2": "transparency: the handwriting's soft mask (ISO 19005-2 6.4)",
    "3.1.11": "no CIDSet in a CID font subset (optional from ISO 19005-2 6.2.11.4.2 on)",
    "5.3.1": "no appearance for the zero-size document time stamp widget (ISO 19005-2 6.3.3); "
             "checked separately below",
    "7.11.2": "pdfaid:part 3 instead of 1",
}


def handwriting(color: tuple[int, int, int, int]) -> bytes:
    """A signature that fills its whole image, to the very bottom edge."""
    img = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(5, 195), (150, 5), (300, 195), (450, 5), (595, 195)], fill=color, width=10)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdfa")
    now = datetime.now(UTC)
    ca = LocalCA.create(folder / "ca", PASS, "浙江省血液中心", now)
    authority = create_tsa_identity(folder / "tsa", ca, PASS, "ecdsa", now)
    staff = Pkcs12KeyStore(folder / "staff")
    staff.enrol(ca, "li", "李医生", "physician", PIN, now)
    staff.enrol(ca, "wang", "王护士", "nurse", PIN, now)
    donor = DonorSignature(name="王晓燕", id_number="330106199001011234",
                           handwriting_png=handwriting((220, 0, 0, 255)),
                           pen_data_json=b'{"strokes": [[[0, 0, 0.5]]]}',
                           fingerprint_png=handwriting((60, 60, 60, 255)),
                           fingerprint_template=b"FMR\x00 20\x00" + bytes(range(40)))
    records = [render_consent(samples.consent()), render_registration_exam(samples.registration_exam()),
               render_collection(samples.collection())]
    with start_in_thread(authority) as running, staff.open("li", PIN) as phys, \
            staff.open("wang", PIN) as nurse:
        ctx = SigningContext(TrustMaterial.from_ca_folder(ca.folder), http_timestamper(running.url),
                             time_zone="Asia/Shanghai")
        out = RecordSigner(ca, ctx).sign_donation(records, donor, {"physician": phys, "nurse": nurse})
    paths = {}
    for rec in out:
        paths[rec.kind] = folder / f"{rec.kind}.pdf"
        paths[rec.kind].write_bytes(rec.pdf)
    return ca, records, paths


def _catalog(path: Path):  # type: ignore[no-untyped-def]
    return PdfFileReader(io.BytesIO(path.read_bytes())).root


def test_signed_records_still_verify(signed):
    ca, _records, paths = signed
    for path in paths.values():
        report = verify_pdf(path.read_bytes(), [ca.root_cert])
        assert report.passed, report.to_text("en")


def test_xmp_identification_and_output_intent(signed):
    _ca, records, paths = signed
    for data in [r.pdf for r in records] + [p.read_bytes() for p in paths.values()]:
        root = PdfFileReader(io.BytesIO(data)).root
        xmp = root["/Metadata"].get_object()
        assert "/Filter" not in xmp
        text = xmp.data.decode("utf-8")
        assert re.search(r'pdfaid:part(>|=")3', text) and re.search(r'pdfaid:conformance(>|=")B', text)
        [intent] = root["/OutputIntents"]
        intent = intent.get_object()
        assert intent["/S"] == "/GTS_PDFA1"
        icc = intent["/DestOutputProfile"].get_object()
        assert icc["/N"] == 3 and icc.data[36:40] == b"acsp" and icc.data[16:20] == b"RGB "


def test_embedded_files_have_a_relationship_and_are_in_af(signed):
    _ca, _records, paths = signed
    root = _catalog(paths["consent"])
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = [names[i + 1].get_object() for i in range(0, len(names), 2)]
    assert len(specs) == 3
    af = [ref.get_object() for ref in root["/AF"]]
    for spec in specs:
        assert spec["/AFRelationship"] in ("/Supplement", "/Source", "/Data", "/Alternative")
        assert "/F" in spec and "/UF" in spec and "/Desc" in spec
        stream = spec["/EF"]["/F"].get_object()
        assert "/Subtype" in stream and "/ModDate" in stream["/Params"]
        assert any(spec is a or spec == a for a in af)


def test_every_font_is_embedded_pdffonts(signed):
    if not shutil.which("pdffonts"):
        pytest.skip("poppler-utils is not installed")
    _ca, _records, paths = signed
    for path in paths.values():
        lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]
        assert lines, path
        for line in lines:
            # columns: name type encoding emb sub uni object ID
            assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line), line


def test_preflight_finds_nothing_part_3_forbids(signed):
    if not (shutil.which("java") and all(Path(p).exists() for p in CLASSPATH.split(":"))):
        pytest.skip("Java or Apache PDFBox Preflight (libpdfbox2-java) is not installed")
    _ca, records, paths = signed
    unsigned = paths["consent"].with_name("unsigned-consent.pdf")
    unsigned.write_bytes(records[0].pdf)
    for path in [unsigned, *paths.values()]:
        out = subprocess.run(["java", "-cp", CLASSPATH, "org.apache.pdfbox.preflight.Validator_A1b",
                              str(path)], capture_output=True, text=True, timeout=120)
        codes = re.findall(r"^(\d+(?:\.\d+)+) : ", out.stdout, re.M)
        assert "valid PDF/A-1b" in out.stdout, out.stdout + out.stderr
        unexpected = [line for line in out.stdout.splitlines()
                      if re.match(r"^\d", line) and line.split(" : ")[0] not in PART3_ALLOWS]
        assert not unexpected, "\n".join(unexpected)
        assert "7.11.2" in codes  # it did read our identification (part 3)
    # 5.3.1 (no appearance) concerns only zero-size widgets
    for path in paths.values():
        reader = PdfFileReader(io.BytesIO(path.read_bytes()))
        for page in reader.root["/Pages"]["/Kids"]:
            for annot in page.get_object().get("/Annots", []):
                annot = annot.get_object()
                if "/AP" not in annot:
                    x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                    assert x1 == x2 and y1 == y2, annot


def _render(path: Path, tmp_path: Path, dpi: int = 144) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    return Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")


def test_appearance_local_time_and_handwriting_above_the_name(signed, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils is not installed")
    _ca, records, paths = signed
    text = subprocess.run(["pdftotext", str(paths["consent"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    # the appearance's time: the site's time with its offset, never UTC "+0000"
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00", text), text
    assert "+0000" not in text
    # every time the body prints carries its offset too
    body = subprocess.run(["pdftotext", "-", "-"], input=records[2].pdf, capture_output=True,
                          check=True).stdout.decode()
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?:\s*\+08:00)?", body)
    assert times and all("+08:00" in t for t in times), times
    # the red handwriting stays above the printed lines in the box
    [slot] = records[0].signature_slots
    dpi = 144
    page = _render(paths["consent"], tmp_path, dpi)
    scale = dpi / 72
    x1, y1, x2, y2 = slot.box
    height = page.height
    top, bottom = int(height - y2 * scale), int(height - y1 * scale)
    text_top = int(height - (y1 + STAMP_TEXT_HEIGHT) * scale)
    left, right = int(x1 * scale), int(x2 * scale)

    def red(y_from: int, y_to: int) -> int:
        count = 0
        for y in range(y_from, y_to):
            for x in range(left, right):
                r, g, b = page.getpixel((x, y))
                count += r > 150 and g < 90 and b < 90
        return count

    assert red(top, text_top) > 200  # the signature is there
    assert red(text_top, bottom) == 0  # and none of it where the name and time are printed
