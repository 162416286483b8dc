"""无偿献血者知情同意及健康状况征询表: consent text, every question with the donor's answer, donor's signature box."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from station.forms.data import (
    ConsentRecordData,
    DonorInfo,
    QuestionAnswer,
    RenderedRecord,
    SignatureSlot,
)
from station.forms.fonts import register_cjk_font
from station.forms.layout import (
    CONTENT_W,
    FAIL_BG,
    SEX_ZH,
    Ink,
    PageFurniture,
    SignatureBox,
    blood_group_zh,
    build_record,
    field_table,
    fmt_date,
    fmt_dt,
    grid_style,
)

CONSENT_TITLE = "无偿献血者知情同意及健康状况征询表"
DONOR_SIGNATURE_FIELD = "donor_consent"


def donor_pairs(donor: DonorInfo, din_text: str) -> list[tuple[str, str]]:
    """The donor's details as printed on every record (ID number in full: a clinical record)."""
    return [
        ("姓名", donor.name),
        ("性别", SEX_ZH[donor.sex]),
        ("出生日期", fmt_date(donor.birth_date)),
        ("民族", donor.nation),
        ("证件类型", donor.id_type),
        ("证件号码", donor.id_number),
        ("联系电话", donor.phone),
        ("献血者编号", donor.donor_number),
        ("血型", blood_group_zh(donor.abo, donor.rhd)),
        ("献血条码", din_text),
        ("地址", donor.address),
    ]


def answer_text(answer: bool | str) -> str:
    if answer is True:
        return "是"
    if answer is False:
        return "否"
    return answer


def _questionnaire_table(ink: Ink, answers: tuple[QuestionAnswer, ...]) -> Table:
    rows: list[list[Any]] = [[ink.markup("序号", "cell_c"), ink.markup("征询问题", "cell"),
                              ink.markup("回答", "cell_c"), ink.markup("说明", "cell")]]
    extra: list[tuple[Any, ...]] = []
    for row_no, qa in enumerate(answers, start=1):
        answer = answer_text(qa.answer)
        if qa.disqualifying:
            extra.append(("BACKGROUND", (0, row_no), (-1, row_no), FAIL_BG))
            answer_cell = ink.markup(f"※ {ink.text(answer)}", "fail_c")
        else:
            answer_cell = ink.p(answer, "cell_c")
        rows.append([ink.p(qa.number, "cell_c"), ink.p(qa.text_zh), answer_cell, ink.p(qa.note)])
    table = Table(rows, colWidths=[12 * mm, CONTENT_W - 12 * mm - 20 * mm - 38 * mm, 20 * mm, 38 * mm],
                  repeatRows=1, hAlign="LEFT")
    table.setStyle(grid_style(ink.font.name, extra))
    return table


def render_consent(data: ConsentRecordData, *, font_path: str | Path | None = None,
                   subfont_index: int = 0) -> RenderedRecord:
    """Render the consent and health questionnaire record; the donor signs in the returned slot."""
    font = register_cjk_font(font_path, subfont_index)
    ink = Ink(font)
    din = data.donation
    din_text = f"{din.eye_readable} [{din.check_character}]"
    slots: list[SignatureSlot] = []
    disqualifying = sum(1 for qa in data.answers if qa.disqualifying)

    story: list[Flowable] = [
        ink.section("献血者信息"),
        field_table(ink, donor_pairs(data.donor, din_text)),
        ink.section(f"一、{data.consent_title}"),
    ]
    story += [ink.p(par, "consent") for par in data.consent_paragraphs]
    story += [
        ink.section("二、健康状况征询"),
        ink.p(f"征询表：{data.question_set_name}　版本：{data.question_set_version}　"
              f"共 {len(data.answers)} 题　填写完成时间：{fmt_dt(data.completed_at)}", "body"),
        Spacer(1, 3),
        _questionnaire_table(ink, data.answers),
        Spacer(1, 3),
        ink.p(f"※ 标记的回答不符合献血条件（共 {disqualifying} 项），由体检医师评估。"
              if disqualifying else "所有回答均未提示不宜献血的情况。", "small"),
        Spacer(1, 8),
        KeepTogether([
            ink.section("三、献血者签名"),
            ink.p("本人已阅读并理解上述告知内容，对健康状况征询的回答真实、完整，自愿无偿献血。", "body"),
            Spacer(1, 6),
            SignatureBox(ink, label="献血者签名：", note=data.signed_at_note,
                         field_name=DONOR_SIGNATURE_FIELD, role="donor", meaning="consent",
                         sink=slots),
        ]),
    ]
    furniture = PageFurniture(font.name, data.site, CONSENT_TITLE, data.site.consent_doc_number,
                              f"献血条码 {din_text}　献血者 {ink.check(data.donor.name)}")
    pdf = build_record(story, font=font, furniture=furniture, created_at=data.completed_at,
                       subject=f"{CONSENT_TITLE} {din.din}",
                       keywords=("consent", din.din, data.question_set_version))
    return RenderedRecord(kind="consent", pdf=pdf, signature_slots=tuple(slots))
