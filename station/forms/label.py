"""The ISBT 128 bag label as a PDF: DIN barcode with the boxed check character, ABO/RhD, product code."""
from __future__ import annotations

import io
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from station.errors import ValidationError
from station.forms.data import LabelData
from station.forms.fonts import register_cjk_font
from station.forms.layout import RHD_ZH, Ink, draw_din, fmt_date, fmt_dt

LABEL_SIZE = (100 * mm, 100 * mm)
_PRODUCT_CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def product_barcode_data(product_code: str) -> str:
    """ISBT 128 data structure 003 (product code): `=<` + the 8-character product code."""
    if len(product_code) != 8 or not set(product_code) <= _PRODUCT_CODE_CHARS:
        raise ValidationError(f"ISBT 128产品码应为8位字母数字：{product_code}",
                              f"An ISBT 128 product code has 8 letters or digits: {product_code}",
                              code="INVALID_PRODUCT_CODE", details={"product_code": product_code})
    return f"=<{product_code}"


def render_label(data: LabelData, *, font_path: str | Path | None = None, subfont_index: int = 0) -> bytes:
    """Render the 100 x 100 mm bag label (one page) for a PDF-capable printer or preview."""
    font = register_cjk_font(font_path, subfont_index)
    ink = Ink(font)
    name = font.name
    width, height = LABEL_SIZE
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=LABEL_SIZE, invariant=1, initialFontName=name, initialFontSize=9,
                  initialLeading=11, lang="zh-CN")
    # The collection date, not the wall clock: the same label gives the same bytes.
    stamp = data.collection_date.strftime("D:%Y%m%d000000")
    canv.setDateFormatter(lambda *_: stamp)
    canv.setTitle(f"ISBT 128 label {data.donation.din}")
    canv.setCreator("apheresis-station")
    canv.setProducer("apheresis-station (reportlab)")

    pad = 4 * mm
    # Upper left quadrant (ISBT 128 layout): the DIN.
    canv.setFont(name, 7)
    canv.drawString(pad, height - pad - 5, ink.check(data.site_name))
    draw_din(canv, pad, height - 33 * mm, data.donation, name, bar_width=0.25 * mm,
             bar_height=15 * mm, text_size=10)
    # Upper right: ABO and RhD, large.
    abo = data.abo or "?"
    canv.setFont(name, 40)
    canv.drawCentredString(width - 21 * mm, height - 22 * mm, abo)
    canv.setFont(name, 11)
    rhd = f"RhD {RHD_ZH[data.rhd]}" if data.rhd else "RhD 未定"
    canv.drawCentredString(width - 21 * mm, height - 29 * mm, rhd)
    canv.setLineWidth(0.6)
    canv.line(pad, height - 38 * mm, width - pad, height - 38 * mm)
    # Lower half: the product code barcode and the product description.
    product = Code128(product_barcode_data(data.product_code), barWidth=0.25 * mm, barHeight=13 * mm,
                      humanReadable=False, quiet=True)
    product.drawOn(canv, pad, height - 55 * mm)
    canv.setFont(name, 9)
    canv.drawString(pad + float(product.lquiet), height - 60 * mm, data.product_code)
    canv.setFont(name, 12)
    canv.drawString(pad, height - 68 * mm, ink.check(data.product_description))
    canv.line(pad, height - 72 * mm, width - pad, height - 72 * mm)
    canv.setFont(name, 9)
    canv.drawString(pad, height - 79 * mm, f"采集日期：{fmt_date(data.collection_date)}")
    if data.expiry is not None:
        canv.drawString(pad, height - 85 * mm, f"有效期至：{fmt_dt(data.expiry)}")
    canv.setFont(name, 7)
    canv.drawString(pad, pad, f"{ink.check(data.site_name)}　ISBT 128")
    canv.showPage()
    canv.save()
    return buf.getvalue()
