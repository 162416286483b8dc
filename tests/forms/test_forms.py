"""The three records and the bag label: same bytes for the same data, fonts embedded, text, barcodes, layout."""
from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import form_samples as samples
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from station.errors import ValidationError
from station.forms import (
    FontUnavailable,
    FormRenderError,
    RenderedRecord,
    render_collection,
    render_consent,
    render_label,
    render_registration_exam,
)
from station.forms.data import DonationNumber
from station.forms.layout import draw_din

HERE = Path(__file__).parent


def _records() -> list[RenderedRecord]:
    return [render_consent(samples.consent()), render_registration_exam(samples.registration_exam()),
            render_collection(samples.collection())]


@pytest.fixture(scope="module")
def records() -> list[RenderedRecord]:
    return _records()


@pytest.fixture(scope="module")
def label_pdf() -> bytes:
    return render_label(samples.label())


def _write(tmp_path: Path, name: str, pdf: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _text(path: Path, *extra: str) -> str:
    return subprocess.run(["pdftotext", *extra, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]


# --- same data, same bytes --------------------------------------------------------------------


def test_same_data_gives_same_bytes(records: list[RenderedRecord], label_pdf: bytes) -> None:
    again = _records()
    for first, second in zip(records, again, strict=True):
        assert first.pdf == second.pdf, first.kind
        assert first.signature_slots == second.signature_slots
    assert render_label(samples.label()) == label_pdf


def test_same_bytes_in_a_fresh_process(records: list[RenderedRecord]) -> None:
    """No dependence on process state (font registration order, clock, random document IDs)."""
    code = (f"import sys, hashlib; sys.path.insert(0, {str(HERE)!r}); import form_samples as s; "
            "from station.forms import render_consent, render_collection; "
            "print(hashlib.sha256(render_consent(s.consent()).pdf).hexdigest()); "
            "print(hashlib.sha256(render_collection(s.collection()).pdf).hexdigest())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == [hashlib.sha256(records[0].pdf).hexdigest(),
                           hashlib.sha256(records[2].pdf).hexdigest()]


def test_different_data_gives_different_bytes(records: list[RenderedRecord]) -> None:
    data = samples.consent()
    changed = dataclasses.replace(data, donor=dataclasses.replace(data.donor, phone="13900000000"))
    assert render_consent(changed).pdf != records[0].pdf


def test_creation_date_comes_from_the_record(tmp_path: Path, records: list[RenderedRecord]) -> None:
    info = subprocess.run(["pdfinfo", "-isodates", str(_write(tmp_path, "c.pdf", records[0].pdf))],
                          check=True, capture_output=True, text=True).stdout
    assert re.search(r"CreationDate:\s+2023-03-28T08:42:10\+08", info), info


# --- PDF well-formed, fonts embedded, Chinese text extractable --------------------------------


def test_qpdf_check_passes(tmp_path: Path, records: list[RenderedRecord], label_pdf: bytes) -> None:
    for record in records:
        path = _write(tmp_path, f"{record.kind}.pdf", record.pdf)
        result = subprocess.run(["qpdf", "--check", str(path)], check=False, capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    path = _write(tmp_path, "label.pdf", label_pdf)
    assert subprocess.run(["qpdf", "--check", str(path)], check=False).returncode == 0


def test_every_font_is_embedded(tmp_path: Path, records: list[RenderedRecord], label_pdf: bytes) -> None:
    pdfs = {r.kind: r.pdf for r in records} | {"label": label_pdf}
    for kind, pdf in pdfs.items():
        out = subprocess.run(["pdffonts", str(_write(tmp_path, f"{kind}.pdf", pdf))], check=True,
                             capture_output=True, text=True).stdout
        rows = out.splitlines()[2:]
        assert rows, f"{kind}: no fonts listed"
        for row in rows:
            # columns: name type encoding emb sub uni object generation
            name, *_, emb, sub, uni, _obj, _gen = row.split()
            assert (emb, sub, uni) == ("yes", "yes", "yes"), f"{kind}: {row}"
            assert "WenQuanYi" in name, f"{kind}: unexpected font {name}"


def test_consent_text_has_title_donor_questions_and_answers(tmp_path: Path,
                                                            records: list[RenderedRecord]) -> None:
    text = _text(_write(tmp_path, "consent.pdf", records[0].pdf))
    compact = re.sub(r"\s+", "", text)
    assert "无偿献血者知情同意及健康状况征询表" in compact
    assert "王晓燕" in compact and "110101199003077774" in compact
    assert "献血知情同意书" in compact and "《中华人民共和国献血法》" in compact
    for qa in samples.consent().answers:
        assert re.sub(r"\s+", "", qa.text_zh) in compact
    assert "※是" in compact  # the disqualifying answer is marked
    assert "ZJBC-JL-7.5-01" in compact and "0571-85171234" in compact
    assert "第1页/共1页" in compact


def test_registration_text_has_results_units_ranges_and_decision(tmp_path: Path,
                                                                 records: list[RenderedRecord]) -> None:
    compact = re.sub(r"\s+", "", _text(_write(tmp_path, "reg.pdf", records[1].pdf)))
    assert "献血登记表/体检表" in compact
    assert "血红蛋白（HGB）128g/L115–160范围内" in compact
    assert "血小板计数（PLT）142" in compact and "超出范围" in compact
    assert "GB18467-2011单采血小板版本：2011.3" in compact
    assert "不符合（已由医师放行）" in compact and "张主任" in compact
    assert "手工录入（李医生）：分析仪未报告MPV" in compact
    assert "ASTM-20230328-000417" in compact
    assert "登记人：陈登记" in compact


def test_collection_text_has_lots_volumes_checks(tmp_path: Path, records: list[RenderedRecord]) -> None:
    compact = re.sub(r"\s+", "", _text(_write(tmp_path, "col.pdf", records[2].pdf)))
    assert "成分血采集记录" in compact
    for needle in ("Trima Accel", "1T04512", "80300", "2007105151", "20092441", "200426299",
                   "2712 mL", "286 mL", "221 mL", "250 mL", "2.8", "枸橼酸盐反应", "热合核对",
                   "=W00002500000100", "A101"):
        assert re.sub(r"\s+", "", needle) in compact, needle


def test_html_like_data_is_printed_literally(tmp_path: Path) -> None:
    data = samples.consent()
    odd = dataclasses.replace(data, donor=dataclasses.replace(data.donor, address="A&B <b>路</b> 5号"))
    compact = re.sub(r"\s+", "", _text(_write(tmp_path, "odd.pdf", render_consent(odd).pdf)))
    assert "A&B<b>路</b>5号" in compact


# --- flowing onto more pages --------------------------------------------------------------------


def test_long_questionnaire_flows_to_two_pages(tmp_path: Path) -> None:
    record = render_consent(samples.consent(count=40, disqualifying_at=(3, 33)))
    path = _write(tmp_path, "long.pdf", record.pdf)
    assert _pages(path) == 2
    compact = re.sub(r"\s+", "", _text(path))
    assert "第1页/共2页" in compact and "第2页/共2页" in compact
    assert "（补充问题40）" in compact
    # the header row is repeated on the second page
    page2 = re.sub(r"\s+", "", _text(path, "-f", "2", "-l", "2"))
    assert "序号征询问题回答" in page2
    assert record.signature_slots[0].page == 1


def test_long_alarm_list_flows(tmp_path: Path) -> None:
    record = render_collection(samples.collection(alarms=60, reactions=4))
    path = _write(tmp_path, "alarms.pdf", record.pdf)
    assert _pages(path) >= 2
    compact = re.sub(r"\s+", "", _text(path))
    assert "A160" in compact and compact.count("枸橼酸盐反应") == 4
    assert record.signature_slots[0].page == _pages(path) - 1


# --- signature slots ------------------------------------------------------------------------------


def test_one_slot_per_record_with_role_and_meaning(records: list[RenderedRecord]) -> None:
    got = [(r.kind, [(s.field_name, s.role, s.meaning) for s in r.signature_slots]) for r in records]
    assert got == [("consent", [("donor_consent", "donor", "consent")]),
                   ("registration", [("physician_review", "physician", "review")]),
                   ("collection", [("nurse_collection", "nurse", "collection")])]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_signature_box_is_empty_and_on_the_page(tmp_path: Path, records: list[RenderedRecord],
                                                which: int) -> None:
    """Render at 72 dpi (1 px = 1 pt): inside the box, well clear of its dashed border, all white."""
    record = records[which]
    slot = record.signature_slots[0]
    x1, y1, x2, y2 = slot.box
    assert 0 < x1 < x2 < 595.3 and 0 < y1 < y2 < 841.9
    assert x2 - x1 > 150 and y2 - y1 > 50
    path = _write(tmp_path, "r.pdf", record.pdf)
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", str(slot.page + 1), "-l", str(slot.page + 1),
                    str(path), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    img = Image.open(png).convert("L")
    height = img.height
    inner = img.crop((int(x1) + 3, int(height - y2) + 3, int(x2) - 3, int(height - y1) - 3))
    assert inner.getextrema() == (255, 255), "something is drawn inside the signature box"
    # and the dashed border is really there (the box is visible to the signer)
    border = img.crop((int(x1) - 1, int(height - y2) - 1, int(x2) + 2, int(height - y2) + 2))
    assert border.getextrema()[0] < 200


# --- DIN barcode and boxed check character ------------------------------------------------------


def _zbar(png: Path) -> list[str]:
    # zbarimg exits 4 when it finds no barcode: the assertion on the list reports that
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], check=False, capture_output=True,
                         text=True).stdout
    return sorted(line for line in out.splitlines() if line)


needs_zbar = pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (apt zbar-tools) missing")


@needs_zbar
def test_collection_barcode_decodes_to_data_structure_001(tmp_path: Path) -> None:
    data = dataclasses.replace(samples.collection(), donation=DonationNumber("A999914123456", "00"))
    path = _write(tmp_path, "col.pdf", render_collection(data).pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
                   check=True)
    decoded = _zbar(next(tmp_path.glob("p*.png")))
    assert decoded == ["=A99991412345600"]  # check character N is not in the barcode
    # eye-readable: the DIN, the flags, then the check character N (boxed, see the drawing test)
    raw = _text(path, "-raw", "-f", "1", "-l", "1")
    assert re.search(r"A9999 14 123456\s+00\s+N\s", raw), raw[:200]


@needs_zbar
def test_label_barcodes_decode(tmp_path: Path) -> None:
    data = dataclasses.replace(samples.label(), donation=DonationNumber("G123498654321", "07"))
    path = _write(tmp_path, "label.pdf", render_label(data))
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(path), str(tmp_path / "l")], check=True)
    assert _zbar(next(tmp_path.glob("l*.png"))) == ["=<E3083V00", "=G12349865432107"]
    raw = _text(path, "-raw")
    assert re.search(r"G1234 98 654321\s+07\s+H\s", raw), raw  # DIN, flags, boxed check character H
    compact = re.sub(r"\s+", "", raw)
    assert "RhD阳性" in compact and "单采血小板" in compact


def test_label_is_100_by_100_mm(tmp_path: Path, label_pdf: bytes) -> None:
    info = subprocess.run(["pdfinfo", str(_write(tmp_path, "l.pdf", label_pdf))], check=True,
                          capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+283\.46\d* x 283\.46\d* pts", info), info


class _RecordingCanvas(Canvas):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rects: list[tuple[float, float, float, float]] = []
        self.centred: list[tuple[float, float, str]] = []

    def rect(self, x: float, y: float, width: float, height: float, *args: Any, **kwargs: Any) -> None:
        self.rects.append((x, y, width, height))
        super().rect(x, y, width, height, *args, **kwargs)

    def drawCentredString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        self.centred.append((x, y, text))
        super().drawCentredString(x, y, text, *args, **kwargs)


def test_check_character_is_drawn_inside_a_box(tmp_path: Path) -> None:
    from station.forms.fonts import register_cjk_font

    font = register_cjk_font()
    canv = _RecordingCanvas(str(tmp_path / "x.pdf"), initialFontName=font.name)
    draw_din(canv, 10, 10, DonationNumber("A999914123456"), font.name, bar_width=0.9, bar_height=30,
             text_size=10)
    (cx, cy, char), = canv.centred
    assert char == "N"
    assert any(x < cx < x + w and y <= cy < y + h for x, y, w, h in canv.rects)


# --- bad input ------------------------------------------------------------------------------------


def test_missing_font_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontUnavailable) as err:
        render_consent(samples.consent(), font_path=tmp_path / "nope.ttc")
    assert "nope.ttc" in err.value.message_zh and "nope.ttc" in err.value.message_en


def test_font_file_that_is_not_a_font_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font at all" * 10)
    with pytest.raises(FontUnavailable):
        render_consent(samples.consent(), font_path=bogus)


def test_character_the_font_cannot_draw_is_refused() -> None:
    data = samples.consent()
    odd = dataclasses.replace(data, donor=dataclasses.replace(data.donor, name="王\U0001F600"))
    with pytest.raises(FormRenderError) as err:
        render_consent(odd)
    assert "U+1F600" in err.value.details["characters"]


def test_malformed_din_is_refused() -> None:
    with pytest.raises(ValidationError):
        DonationNumber("O12345678901")
    with pytest.raises(ValidationError):
        DonationNumber("A999914123456", "0")


def test_superscript_digits_are_printed_raised_not_refused(tmp_path: Path) -> None:
    """Rule messages say ×10⁹/L; the font lacks ⁹, so the digit is printed raised instead of refused."""
    data = samples.registration_exam()
    findings = (*data.decision.findings[:-1],
                dataclasses.replace(data.decision.findings[-1], message="血小板计数 150–450 ×10⁹/L"))
    odd = dataclasses.replace(data, decision=dataclasses.replace(data.decision, findings=findings))
    compact = re.sub(r"\s+", "", _text(_write(tmp_path, "s.pdf", render_registration_exam(odd).pdf)))
    assert "血小板计数150–450×109/L" in compact
