"""Helpers for the signing tests: small PDFs with a CJK font, images, donors, records."""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from signing.pades import DonorSignature

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
PASS = b"correct horse battery staple"
PIN = "246810"
# an ISO/IEC 19794-2 record header and two minutiae, as a scanner sends them
FINGERPRINT_TEMPLATE = bytes.fromhex("464d520020323000000000260000012c01900000000001"
                                     "0164000240a0005a3c00c8006e5000")


@dataclass(frozen=True)
class Slot:
    field_name: str
    page: int
    box: tuple[float, float, float, float]
    role: str
    meaning: str


@dataclass(frozen=True)
class Record:
    kind: str
    pdf: bytes
    signature_slots: tuple[Slot, ...]


def make_pdf(title: str, pages: int = 1) -> bytes:
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842), invariant=True)
    for n in range(pages):
        c.setFont("WQY", 14)
        c.drawString(72, 760, f"{title} 第{n + 1}页")
        c.drawString(72, 730, "献血者姓名：张三  血型：A  RhD 阳性")
        c.showPage()
    c.save()
    return buf.getvalue()


def png(color: tuple[int, int, int, int] = (0, 0, 0, 255)) -> bytes:
    img = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(10, 80), (100, 20), (200, 70), (290, 30)], fill=color, width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def donation_records() -> list[Record]:
    box = (72.0, 100.0, 292.0, 170.0)
    return [
        Record("consent", make_pdf("无偿献血者知情同意书"),
               (Slot("DonorConsent", 0, box, "donor", "consent"),)),
        Record("registration", make_pdf("献血登记表"),
               (Slot("PhysicianReview", 0, box, "physician", "review"),)),
        Record("collection", make_pdf("成分血采集记录"),
               (Slot("NurseCollection", 0, box, "nurse", "collection"),)),
    ]


def donor() -> DonorSignature:
    return DonorSignature(name="张三", id_number="110101199003071234", handwriting_png=png(),
                          pen_data_json=b'{"strokes": [[[0, 0, 0.5], [10, 10, 0.7]]]}',
                          fingerprint_png=png((80, 80, 80, 255)),
                          fingerprint_template=FINGERPRINT_TEMPLATE)


