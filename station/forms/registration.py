"""献血登记表 / 体检表: registration, ID card data, examination, pre-donation tests, eligibility decision."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from station.forms.consent import donor_pairs
from station.forms.data import (
    EligibilityDecisionInfo,
    LabResult,
    RegistrationExamRecordData,
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
    build_record,
    field_table,
    fmt_date,
    fmt_dt,
    fmt_num,
    fmt_range,
    grid_style,
)

REGISTRATION_TITLE = "献血登记表 / 体检表"
PHYSICIAN_SIGNATURE_FIELD = "physician_review"


def out_of_range(result: LabResult) -> bool:
    value = float(result.value)
    return ((result.ref_low is not None and value < float(result.ref_low))
            or (result.ref_high is not None and value > float(result.ref_high)))


def source_text(result: LabResult) -> str:
    src = result.source
    if src.kind == "device":
        return f"仪器：{src.device_name}；报文：{src.message_id}"
    who = f"（{src.entered_by}）" if src.entered_by else ""
    return f"手工录入{who}：{src.manual_reason}"


def _tests_table(ink: Ink, results: tuple[LabResult, ...]) -> Table:
    head = ["项目", "结果", "单位", "参考范围", "判定", "来源", "检测时间"]
    rows: list[list[Any]] = [[ink.markup(h, "cell_c") for h in head]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(results, start=1):
        bad = out_of_range(r)
        if bad:
            extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
        rows.append([
            ink.p(f"{r.name_zh}（{r.code}）"),
            ink.p(fmt_num(r.value, r.decimals), "fail_c" if bad else "cell_c"),
            ink.unit(r.unit),
            ink.p(fmt_range(r.ref_low, r.ref_high, r.decimals), "cell_c"),
            ink.p("超出范围" if bad else "范围内", "fail_c" if bad else "ok_c"),
            ink.p(source_text(r), "small"),
            ink.p(fmt_dt(r.measured_at), "cell_c"),
        ])
    widths = [30 * mm, 16 * mm, 18 * mm, 22 * mm, 16 * mm]
    widths += [CONTENT_W - sum(widths) - 42 * mm, 42 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(grid_style(ink.font.name, extra))
    return table


def _decision_flowables(ink: Ink, decision: EligibilityDecisionInfo) -> list[Flowable]:
    eligible = decision.result == "eligible"
    verdict = "合格，可以献血" if eligible else "暂不宜献血"
    story: list[Flowable] = [
        ink.markup(f"评估结论：<font size='11'>{ink.text(verdict)}</font>　　"
                   f"评估医师：{ink.text(decision.physician)}　　评估时间：{fmt_dt(decision.decided_at)}",
                   "body" if eligible else "fail"),
        ink.p(f"判定规则：{decision.rule_set_name}　版本：{decision.rule_set_version}", "body"),
    ]
    if not eligible:
        until = "永久屏蔽" if decision.permanent_deferral else f"暂缓至 {fmt_date(decision.deferral_until)}"
        story.append(ink.p(f"不宜献血原因：{decision.deferral_reason}（{until}）", "fail"))
    story.append(Spacer(1, 3))
    head = ["代码", "检查项目 / 标准", "实测值", "限值", "结果"]
    rows: list[list[Any]] = [[ink.markup(h, "cell_c") for h in head]]
    extra: list[tuple[Any, ...]] = []
    overridden = {o.finding_code for o in decision.overrides}
    for i, f in enumerate(decision.findings, start=1):
        if f.passed:
            result = ink.p("符合", "ok_c")
        else:
            extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
            result = ink.p("不符合（已由医师放行）" if f.code in overridden else "不符合", "fail_c")
        rows.append([ink.p(f.code, "small_c"), ink.unit(f.message, "cell"),
                     ink.unit(f.value, "fail_c" if not f.passed else "cell_c"),
                     ink.unit(f.limit, "cell_c"), result])
    widths = [32 * mm, 0.0, 26 * mm, 24 * mm, 30 * mm]
    widths[1] = CONTENT_W - sum(widths)
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(grid_style(ink.font.name, extra))
    story.append(table)
    if decision.overrides:
        story += [Spacer(1, 5), ink.p("医师放行记录", "body"), Spacer(1, 2)]
        rows = [[ink.markup(h, "cell_c") for h in ("项目代码", "放行医师", "理由", "时间")]]
        for o in decision.overrides:
            rows.append([ink.p(o.finding_code, "cell_c"), ink.p(o.physician, "cell_c"), ink.unit(o.reason, "cell"),
                         ink.p(fmt_dt(o.at), "cell_c")])
        widths = [20 * mm, 24 * mm, 0.0, 36 * mm]
        widths[2] = CONTENT_W - sum(widths)
        otable = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        otable.setStyle(grid_style(ink.font.name))
        story.append(otable)
    return story


def render_registration_exam(data: RegistrationExamRecordData, *, font_path: str | Path | None = None,
                             subfont_index: int = 0) -> RenderedRecord:
    """Render the registration / examination record; the physician signs in the returned slot."""
    font = register_cjk_font(font_path, subfont_index)
    ink = Ink(font)
    din = data.donation
    din_text = f"{din.eye_readable} [{din.check_character}]"
    reg, exam = data.registration, data.examination
    slots: list[SignatureSlot] = []

    story: list[Flowable] = [
        ink.section("献血者信息"),
        field_table(ink, donor_pairs(data.donor, din_text)),
        ink.section("一、献血登记"),
        field_table(ink, [
            ("登记时间", fmt_dt(reg.registered_at)),
            ("登记人", reg.registrar),
            ("献血类型", reg.donation_type),
            ("献血者类别", reg.donor_category),
            ("既往献血次数", str(reg.donation_count)),
            ("上次献血", f"{fmt_date(reg.last_donation)} {reg.last_donation_type}".strip()
             if reg.last_donation else "无"),
        ]),
        ink.section("二、身份证件信息"),
    ]
    card = data.id_card
    if card is None:
        story.append(ink.p("未读取身份证件（见献血者信息）", "body"))
    else:
        valid_to = card.valid_to_text or fmt_date(card.valid_to)
        story.append(field_table(ink, [
            ("姓名", card.name),
            ("性别", SEX_ZH[card.sex]),
            ("民族", card.nation),
            ("出生日期", fmt_date(card.birth_date)),
            ("公民身份号码", card.id_number),
            ("签发机关", card.authority),
            ("有效期限", f"{fmt_date(card.valid_from)} 至 {valid_to}"),
            ("读取方式", card.read_method),
            ("住址", card.address),
        ]))
    story += [
        ink.section("三、一般检查"),
        field_table(ink, [
            ("检查时间", fmt_dt(exam.examined_at)),
            ("检查医师", exam.examiner),
            ("体重", f"{fmt_num(exam.weight_kg)} kg"),
            ("身高", f"{fmt_num(exam.height_cm)} cm" if exam.height_cm is not None else "—"),
            ("血压", f"{exam.systolic_mmhg}/{exam.diastolic_mmhg} mmHg"),
            ("脉搏", f"{exam.pulse_per_min} 次/分"),
            ("体温", f"{fmt_num(exam.temperature_c)} ℃" if exam.temperature_c is not None else "—"),
            ("一般状况", exam.general_condition),
        ]),
        ink.section("四、献血前检测"),
        _tests_table(ink, data.pre_tests) if data.pre_tests else ink.p("无检测结果", "body"),
        ink.section("五、献血前评估"),
        *_decision_flowables(ink, data.decision),
    ]
    if data.confirmations:
        story += [ink.section("六、数据合理性核实"), Spacer(1, 1)]
        rows: list[list[Any]] = [[ink.markup(h, "cell_c") for h in ("数据项", "提示", "数值", "核实人", "时间")]]
        for c in data.confirmations:
            rows.append([ink.p(c.field, "cell_c"), ink.unit(c.message, "cell"), ink.unit(c.value, "cell_c"),
                         ink.p(c.confirmed_by, "cell_c"), ink.p(fmt_dt(c.at), "cell_c")])
        widths = [26 * mm, 0.0, 24 * mm, 20 * mm, 36 * mm]
        widths[1] = CONTENT_W - sum(widths)
        table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(grid_style(ink.font.name))
        story.append(table)
    story += [
        Spacer(1, 8),
        KeepTogether([
            ink.section("签名"),
            ink.p(f"登记人：{reg.registrar}　　登记时间：{fmt_dt(reg.registered_at)}", "body"),
            Spacer(1, 6),
            SignatureBox(ink, label="体检医师签名：", note="签名时间以电子签名时间戳为准",
                         field_name=PHYSICIAN_SIGNATURE_FIELD, role="physician", meaning="review",
                         sink=slots),
        ]),
    ]
    furniture = PageFurniture(font.name, data.site, REGISTRATION_TITLE, data.site.registration_doc_number,
                              f"献血条码 {din_text}　献血者 {ink.check(data.donor.name)}")
    pdf = build_record(story, font=font, furniture=furniture, created_at=data.decision.decided_at,
                       subject=f"{REGISTRATION_TITLE} {din.din}",
                       keywords=("registration", din.din, data.decision.rule_set_version))
    return RenderedRecord(kind="registration", pdf=pdf, signature_slots=tuple(slots))
