"""Shared page furniture of the records: styles, header/footer with page x of y, DIN block, signature boxes."""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from pyhanko.pdf_utils.metadata.model import VENDOR as PYHANKO_VENDOR
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from station.errors import StationError
from station.forms.data import (
    DonationNumber,
    Number,
    RhD,
    SignatureMeaning,
    SignatureSlot,
    SignerRole,
    SiteInfo,
)
from station.forms.fonts import FormFont
from station.forms.pdfa import install_pdfa

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
TOP_MARGIN = 33 * mm
BOTTOM_MARGIN = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

INK = colors.black
GRID = colors.HexColor("#7a7a7a")
LABEL_BG = colors.HexColor("#eef1f5")
SECTION_BG = colors.HexColor("#d9e1ec")
FAIL_BG = colors.HexColor("#fde0e0")
FAIL_INK = colors.HexColor("#b00000")
OK_INK = colors.HexColor("#1d6b2f")


_POWER = re.compile(r"\^(-?\d+)")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789-")
_SUPERSCRIPT_RUN = re.compile(f"[{_SUPERSCRIPTS}]+")
_SUPERSCRIPT_MARK = re.compile(r"\^(-?\d+)")


class FormRenderError(StationError):
    """A record cannot be rendered faithfully (e.g. a character the form font cannot draw)."""

    code = "FORM_RENDER_ERROR"


# --- text formatting ----------------------------------------------------------------------------

SEX_ZH = {"male": "男", "female": "女", "unknown": "未知"}
RHD_ZH: dict[RhD, str] = {"positive": "阳性", "negative": "阴性"}


def utc_offset(value: datetime) -> str:
    """' +08:00' for a time that knows its zone (the snapshot gives the site's), '' otherwise."""
    offset = value.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f" {sign}{minutes // 60:02d}:{minutes % 60:02d}"


def fmt_dt(value: datetime | None) -> str:
    """A time as printed on a record: the site's local time with its offset (2026-12-05 03:29 +08:00)."""
    return value.strftime("%Y-%m-%d %H:%M") + utc_offset(value) if value else "—"


def fmt_dt_s(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") + utc_offset(value) if value else "—"


def fmt_date(value: date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def fmt_num(value: Number | None, decimals: int | None = None) -> str:
    """A measured value as printed: fixed decimals when the form says so, else as recorded."""
    if value is None:
        return "—"
    if decimals is not None:
        return f"{Decimal(str(value)):.{decimals}f}"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def fmt_range(low: Number | None, high: Number | None, decimals: int | None = None) -> str:
    if low is not None and high is not None:
        return f"{fmt_num(low, decimals)}–{fmt_num(high, decimals)}"
    if low is not None:
        return f"≥{fmt_num(low, decimals)}"
    if high is not None:
        return f"≤{fmt_num(high, decimals)}"
    return "—"


def blood_group_zh(abo: str | None, rhd: RhD | None) -> str:
    abo_text = f"{abo}型" if abo else "未定"
    rhd_text = f"RhD{RHD_ZH[rhd]}" if rhd else "RhD未定"
    return f"{abo_text}　{rhd_text}"


def pdf_date(value: datetime) -> str:
    """A PDF date string from the record's own time, so the same record gives the same bytes."""
    text = value.strftime("D:%Y%m%d%H%M%S")
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


# --- styles and checked text --------------------------------------------------------------------


@dataclass
class Ink:
    """Styles bound to the form font, and the one way data text enters a paragraph (escaped, checked)."""

    font: FormFont
    styles: dict[str, ParagraphStyle] = field(default_factory=dict)

    def __post_init__(self) -> None:
        name = self.font.name

        def style(key: str, size: float, leading: float, **kw: Any) -> None:
            kw.setdefault("textColor", INK)
            self.styles[key] = ParagraphStyle(key, fontName=name, fontSize=size, leading=leading,
                                              wordWrap="CJK", **kw)

        style("body", 9, 13)
        style("consent", 9.5, 15, firstLineIndent=19, spaceAfter=3)
        style("cell", 8.5, 11)
        style("cell_c", 8.5, 11, alignment=TA_CENTER)
        style("label", 8.5, 11, textColor=colors.HexColor("#333333"))
        style("small", 7.5, 10, textColor=colors.HexColor("#333333"))
        style("small_c", 7.5, 10, alignment=TA_CENTER)
        style("section", 10.5, 14, backColor=SECTION_BG, borderPadding=(3, 4, 3, 4),
              spaceBefore=9, spaceAfter=5)
        style("fail", 8.5, 11, textColor=FAIL_INK)
        style("fail_c", 8.5, 11, textColor=FAIL_INK, alignment=TA_CENTER)
        style("ok_c", 8.5, 11, textColor=OK_INK, alignment=TA_CENTER)
        face = pdfmetrics.getFont(name).face
        self._cmap: dict[int, int] = face.charToGlyph

    def check(self, text: str) -> str:
        """Refuse text the font cannot draw: a name printed as empty boxes is a wrong record."""
        missing = sorted({c for c in text if ord(c) >= 32 and ord(c) not in self._cmap})
        if missing:
            chars = "".join(missing)
            raise FormRenderError(
                f"表单字体 {self.font.path} 缺少字符“{chars}”，无法正确打印记录；请在配置中指定包含这些字符的字体",
                f"The form font {self.font.path} has no glyph for {chars!r}; the record cannot be "
                "printed faithfully; configure a font that covers these characters",
                details={"characters": [f"U+{ord(c):04X}" for c in missing]})
        return text

    def text(self, value: str) -> str:
        """Data text as paragraph markup: checked against the font, XML-escaped, line breaks kept.

        Superscript digits (×10⁹/L, common in rule messages) are printed as raised ordinary digits,
        since CJK fonts rarely have all of them: the same text, never a missing-glyph box.
        """
        plain = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group(0).translate(_FROM_SUPERSCRIPT), value)
        markup = escape(self.check(plain)).replace("\n", "<br/>")
        return _SUPERSCRIPT_MARK.sub(r"<super>\1</super>", markup) if plain != value else markup

    def p(self, value: str, style: str = "cell") -> Paragraph:
        return Paragraph(self.text(value), self.styles[style])

    def markup(self, markup: str, style: str = "cell") -> Paragraph:
        """Paragraph from markup the form code wrote itself (never data)."""
        return Paragraph(markup, self.styles[style])

    def unit(self, text: str, style: str = "cell_c") -> Paragraph:
        """Data text with powers such as ×10^9/L raised (the font has no superscript digits)."""
        return Paragraph(_POWER.sub(r"<super>\1</super>", self.text(text)), self.styles[style])

    def section(self, title: str) -> Paragraph:
        return Paragraph(escape(title), self.styles["section"])


def grid_style(font_name: str, extra: Sequence[tuple[Any, ...]] = (), header: bool = True) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        # Table cells default to Helvetica (even empty ones): that would put an unembedded font in.
        ("FONTNAME", (0, 0), (-1, -1), font_name),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), LABEL_BG))
    commands.extend(extra)
    return TableStyle(commands)


def field_table(ink: Ink, pairs: Sequence[tuple[str, str]], columns: int = 3,
                width: float = CONTENT_W, label_w: float = 21 * mm) -> Table:
    """Label/value pairs laid out `columns` pairs per row, labels shaded (a paper form's look)."""
    value_w = width / columns - label_w
    rows: list[list[Any]] = []
    for start in range(0, len(pairs), columns):
        row: list[Any] = []
        for label, value in pairs[start:start + columns]:
            row += [ink.p(label, "label"), ink.unit(value or "—", "cell")]
        while len(row) < 2 * columns:
            row += ["", ""]
        rows.append(row)
    table = Table(rows, colWidths=[label_w, value_w] * columns, hAlign="LEFT")
    extra = [("BACKGROUND", (i, 0), (i, -1), LABEL_BG) for i in range(0, 2 * columns, 2)]
    table.setStyle(grid_style(ink.font.name, extra, header=False))
    return table


# --- the DIN block (barcode + eye-readable DIN with the boxed check character) -------------------


def draw_din(canv: Canvas, x: float, y: float, donation: DonationNumber, font_name: str, *,
             bar_width: float, bar_height: float, text_size: float) -> tuple[float, float]:
    """Draw the DIN barcode with the eye-readable line under it; return (width, height) used.

    The barcode carries data structure 001 (`=` + DIN + flags). The MOD 37-2 check character is
    printed only in the eye-readable line, boxed, as ISBT 128 requires (never in the barcode).
    """
    barcode = Code128(donation.barcode_data, barWidth=bar_width, barHeight=bar_height,
                      humanReadable=False, quiet=True)
    gap = text_size * 0.45
    text_y = y
    barcode.drawOn(canv, x, y + text_size * 1.5 + gap)
    barcode_w = float(barcode.width)

    # The eye-readable line: DIN in groups, flags small and raised, check character in a box.
    quiet = float(barcode.lquiet)
    tx = x + quiet
    canv.setFillColor(INK)
    canv.setFont(font_name, text_size)
    din_text = donation.eye_readable
    canv.drawString(tx, text_y + text_size * 0.3, din_text)
    tx += pdfmetrics.stringWidth(din_text, font_name, text_size) + text_size * 0.3
    flag_size = text_size * 0.6
    canv.setFont(font_name, flag_size)
    canv.saveState()
    # ISBT 128 prints the flag characters rotated 90 degrees clockwise, so that they are never
    # read as part of the DIN; they read top to bottom with the glyphs' tops to the right.
    flags_len = pdfmetrics.stringWidth(donation.flags, font_name, flag_size)
    canv.translate(tx + flag_size * 0.15, text_y + text_size * 0.55 + flags_len / 2)
    canv.rotate(-90)
    canv.drawString(0, 0, donation.flags)
    canv.restoreState()
    tx += flag_size * 1.7
    check_w = pdfmetrics.stringWidth(donation.check_character, font_name, text_size)
    box = text_size * 1.35
    canv.setLineWidth(max(0.6, text_size / 14))
    canv.rect(tx, text_y, max(box, check_w + text_size * 0.4), box, stroke=1, fill=0)
    canv.setFont(font_name, text_size)
    canv.drawCentredString(tx + max(box, check_w + text_size * 0.4) / 2, text_y + text_size * 0.3,
                           donation.check_character)
    width = max(barcode_w, tx + box - x)
    height = bar_height + text_size * 1.5 + gap
    return width, height


class DinBlock(Flowable):
    """The collection record's DIN as a flowable (barcode data recorded for tests and audit)."""

    def __init__(self, donation: DonationNumber, font_name: str) -> None:
        super().__init__()
        self.donation = donation
        self.font_name = font_name
        self.bar_width = 0.33 * mm
        self.bar_height = 11 * mm
        self.text_size = 11.0
        probe = Code128(donation.barcode_data, barWidth=self.bar_width, barHeight=self.bar_height,
                        humanReadable=False, quiet=True)
        self.width = float(probe.width) + 20 * mm
        self.height = self.bar_height + self.text_size * 1.5 + self.text_size * 0.45

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_din(self.canv, 0, 0, self.donation, self.font_name, bar_width=self.bar_width,
                 bar_height=self.bar_height, text_size=self.text_size)


# --- signature boxes ----------------------------------------------------------------------------


class SignatureBox(Flowable):
    """A labelled empty box; when drawn it records where it landed, for the signing code."""

    def __init__(self, ink: Ink, *, label: str, note: str, field_name: str, role: SignerRole,
                 meaning: SignatureMeaning, sink: list[SignatureSlot], width: float = 80 * mm,
                 box_height: float = 26 * mm) -> None:
        super().__init__()
        self.ink = ink
        self.label = ink.check(label)
        self.note = ink.check(note)
        self.field_name = field_name
        self.role = role
        self.meaning = meaning
        self.sink = sink
        self.box_width = width
        self.box_height = box_height
        self.label_w = 34 * mm
        self.width = self.label_w + width
        self.height = box_height + 12

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        font = self.ink.font.name
        box_x, box_y = self.label_w, 12.0
        canv.setFont(font, 10)
        canv.setFillColor(INK)
        canv.drawString(0, box_y + self.box_height - 14, self.label)
        canv.setFont(font, 7.5)
        canv.setFillColor(colors.HexColor("#333333"))
        canv.drawString(box_x, 2, self.note)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.7)
        canv.setDash(3, 2)
        canv.rect(box_x, box_y, self.box_width, self.box_height, stroke=1, fill=0)
        canv.setDash()
        ax, ay = canv.absolutePosition(box_x, box_y)
        self.sink.append(SignatureSlot(
            field_name=self.field_name, page=canv.getPageNumber() - 1,
            box=(round(ax, 2), round(ay, 2), round(ax + self.box_width, 2),
                 round(ay + self.box_height, 2)),
            role=self.role, meaning=self.meaning))


# --- page furniture and the build ---------------------------------------------------------------


@dataclass(frozen=True)
class PageFurniture:
    """What every page of a record carries: site, title, control number, page x of y, phones, DIN."""

    font_name: str
    site: SiteInfo
    title: str
    doc_number: str
    footer_left: str

    def draw(self, canv: Canvas, page: int, total: int) -> None:
        top = PAGE_H - 12 * mm
        left, right = MARGIN_X, PAGE_W - MARGIN_X
        canv.saveState()
        canv.setFillColor(INK)
        canv.setFont(self.font_name, 10.5)
        canv.drawString(left, top, self.site.site_name)
        canv.setFont(self.font_name, 8)
        canv.drawRightString(right, top, f"文件编号：{self.doc_number}")
        canv.setFont(self.font_name, 15)
        canv.drawCentredString(PAGE_W / 2, top - 9 * mm, self.title)
        canv.setFont(self.font_name, 8)
        canv.drawString(left, top - 15.5 * mm,
                        f"部门：{self.site.department}　　采集点：{self.site.station_name}")
        canv.drawRightString(right, top - 15.5 * mm, f"第 {page} 页 / 共 {total} 页")
        canv.setStrokeColor(INK)
        canv.setLineWidth(0.8)
        canv.line(left, top - 17.5 * mm, right, top - 17.5 * mm)
        # footer
        canv.setLineWidth(0.5)
        canv.line(left, 15 * mm, right, 15 * mm)
        canv.setFont(self.font_name, 7.5)
        canv.drawString(left, 11 * mm, self.footer_left)
        phones = "　".join(self.site.phones)
        canv.drawRightString(right, 11 * mm, f"{self.site.phone_label}：{phones}")
        canv.restoreState()


def _canvas_class(furniture: PageFurniture, created: str,
                  pdfa: dict[str, Any] | None = None) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each can print 'page x of y'."""

    class RecordCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []
            # The record's own time, not the wall clock: same record, same bytes.
            self.setDateFormatter(lambda *_: created)
            if pdfa is not None:
                install_pdfa(self, **pdfa)  # PDF/A-3b: XMP identification, sRGB output intent

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                furniture.draw(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return RecordCanvas


# The Producer is pyHanko's name: the signing step keeps an Info /Producer that already names it,
# and writes exactly that name into the XMP, so the two stay equal after every signature (PDF/A
# wants the information dictionary and the XMP to agree). The creator tool stays ours.
RECORD_PRODUCER = PYHANKO_VENDOR


def build_record(story: list[Flowable], *, font: FormFont, furniture: PageFurniture,
                 created_at: datetime, subject: str, keywords: Sequence[str] = ()) -> bytes:
    """Lay the story out on A4 pages with the furniture and return the PDF bytes (deterministic)."""
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN, title=furniture.title, author=furniture.site.site_name,
        subject=subject, creator="apheresis-station", producer=RECORD_PRODUCER,
        keywords=list(keywords), invariant=1, initialFontName=font.name, initialFontSize=9,
        initialLeading=13, lang="zh-CN")
    frame = Frame(MARGIN_X, BOTTOM_MARGIN, CONTENT_W, PAGE_H - TOP_MARGIN - BOTTOM_MARGIN,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="record", frames=[frame])])
    pdfa = {"title": furniture.title, "author": furniture.site.site_name, "subject": subject,
            "keywords": ", ".join(keywords), "creator": "apheresis-station",
            "producer": RECORD_PRODUCER, "created": created_at}
    doc.build(story, canvasmaker=_canvas_class(furniture, pdf_date(created_at), pdfa))
    return buf.getvalue()
