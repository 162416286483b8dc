"""成分血采集记录: DIN barcode with boxed check character, separator, lots, times, volumes, reactions, checks."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from station.forms.data import CollectionRecordData, MaterialLot, RenderedRecord, SignatureSlot
from station.forms.fonts import register_cjk_font
from station.forms.layout import (
    CONTENT_W,
    FAIL_BG,
    SEX_ZH,
    DinBlock,
    Ink,
    PageFurniture,
    SignatureBox,
    blood_group_zh,
    build_record,
    field_table,
    fmt_date,
    fmt_dt,
    fmt_dt_s,
    fmt_num,
    grid_style,
)

COLLECTION_TITLE = "成分血采集记录"
NURSE_SIGNATURE_FIELD = "nurse_collection"
STAGE_ZH = {"pre": "采前核对", "post": "采后核对", "sealing": "热合核对"}


def _table(ink: Ink, head: list[str], rows: list[list[Any]], widths: list[float],
           extra: list[tuple[Any, ...]] | None = None) -> Table:
    """A gridded table whose widths fill the content width (the one 0.0 width takes the rest)."""
    fill = CONTENT_W - sum(widths)
    widths = [fill if w == 0.0 else w for w in widths]
    table = Table([[ink.markup(h, "cell_c") for h in head], *rows], colWidths=widths, repeatRows=1,
                  hAlign="LEFT")
    table.setStyle(grid_style(ink.font.name, extra or []))
    return table


def _materials(ink: Ink, data: CollectionRecordData) -> Table:
    rows: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = []
    used_on = data.start_time.date()
    for i, (kind, lot) in enumerate((("耗材", data.kit), ("抗凝剂", data.anticoagulant),
                                     ("生理盐水", data.saline)), start=1):
        expired = lot.expiry < used_on
        if expired:
            extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
        rows.append(_material_row(ink, kind, lot, expired))
    return _table(ink, ["类别", "名称", "目录号/规格", "批号", "有效期"], rows,
                  [20 * mm, 0.0, 30 * mm, 34 * mm, 30 * mm], extra)


def _material_row(ink: Ink, kind: str, lot: MaterialLot, expired: bool) -> list[Any]:
    expiry = fmt_date(lot.expiry) + ("（已过期）" if expired else "")
    return [ink.p(kind, "cell_c"), ink.p(lot.name), ink.p(lot.catalogue, "cell_c"),
            ink.p(lot.lot, "cell_c"), ink.p(expiry, "fail_c" if expired else "cell_c")]


def render_collection(data: CollectionRecordData, *, font_path: str | Path | None = None,
                      subfont_index: int = 0) -> RenderedRecord:
    """Render the component collection record; the nurse signs in the returned slot."""
    font = register_cjk_font(font_path, subfont_index)
    ink = Ink(font)
    din = data.donation
    din_text = f"{din.eye_readable} [{din.check_character}]"
    donor = data.donor
    slots: list[SignatureSlot] = []

    summary = field_table(ink, [
        ("姓名", donor.name), ("性别", SEX_ZH[donor.sex]),
        ("血型", blood_group_zh(donor.abo, donor.rhd)), ("献血者编号", donor.donor_number),
        ("证件号码", donor.id_number), ("产品码", data.product_code or "—"),
    ], columns=2, width=CONTENT_W - 68 * mm, label_w=19 * mm)
    head = Table([[DinBlock(din, font.name), summary]], colWidths=[68 * mm, CONTENT_W - 68 * mm],
                 hAlign="LEFT")
    head.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font.name),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))

    story: list[Flowable] = [
        ink.section("献血条码及献血者"),
        head,
        ink.section("一、设备与耗材"),
        field_table(ink, [("血细胞分离机", data.separator.model), ("设备序列号", data.separator.serial),
                          ("采集程序", data.procedure_type)]),
        Spacer(1, 4),
        _materials(ink, data),
        ink.section("二、采集过程"),
        field_table(ink, [
            ("开始时间", fmt_dt_s(data.start_time)),
            ("结束时间", fmt_dt_s(data.end_time)),
            ("运行时间", f"{data.run_time_min} 分钟"),
            ("处理全血量", f"{fmt_num(data.whole_blood_processed_ml)} mL"),
            ("抗凝剂用量", f"{fmt_num(data.ac_used_ml)} mL"),
            ("回输抗凝剂", f"{fmt_num(data.ac_to_donor_ml)} mL"),
            ("血小板容量", f"{fmt_num(data.platelet_volume_ml)} mL"),
            ("血小板含量", f"{fmt_num(data.platelet_yield_e11)} ×10^11"),
            ("治疗量", f"{fmt_num(data.therapeutic_doses)} 个" if data.therapeutic_doses is not None
             else "—"),
            ("血浆容量", f"{fmt_num(data.plasma_volume_ml)} mL"),
            ("采后血小板", f"{fmt_num(data.post_platelet_count)} ×10^9/L"
             if data.post_platelet_count is not None else "—"),
            ("采后红细胞压积", fmt_num(data.post_hct) if data.post_hct is not None else "—"),
            ("回输（冲洗）", "已完成" if data.rinseback_completed else "未完成"),
        ]),
    ]
    story += [ink.section("三、设备报警")]
    if data.alarms:
        story.append(_table(ink, ["时间", "报警代码", "内容"],
                            [[ink.p(fmt_dt_s(a.at), "cell_c"), ink.p(a.code, "cell_c"), ink.p(a.text)]
                             for a in data.alarms], [44 * mm, 24 * mm, 0.0]))
    else:
        story.append(ink.p("无报警", "body"))
    story += [ink.section("四、献血反应")]
    if data.adverse_reactions:
        story.append(_table(ink, ["时间", "反应类型", "程度", "处理", "转归", "记录人"],
                            [[ink.p(fmt_dt(r.at), "cell_c"), ink.p(r.reaction_type, "fail"),
                              ink.p(r.grade, "cell_c"), ink.p(r.treatment), ink.p(r.outcome, "cell_c"),
                              ink.p(r.recorded_by, "cell_c")] for r in data.adverse_reactions],
                            [42 * mm, 34 * mm, 12 * mm, 0.0, 18 * mm, 18 * mm]))
    else:
        story.append(ink.p("无献血反应", "body"))
    story += [ink.section("五、采前采后核对及热合核对")]
    rows: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = []
    for i, c in enumerate(data.checks, start=1):
        if not c.passed:
            extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
        result = ("一致" if c.passed else "不一致") + (f"（{c.note}）" if c.note else "")
        rows.append([ink.p(STAGE_ZH[c.stage], "cell_c"), ink.p(fmt_dt_s(c.at), "cell_c"), ink.p(c.item),
                     ink.p(c.scanned, "cell_c"), ink.p(result, "ok_c" if c.passed else "fail_c"),
                     ink.p(c.operator, "cell_c")])
    if rows:
        story.append(_table(ink, ["环节", "时间", "核对对象", "扫描条码", "结果", "核对人"], rows,
                            [18 * mm, 44 * mm, 0.0, 38 * mm, 20 * mm, 18 * mm], extra))
    else:
        story.append(ink.p("无核对记录", "fail"))
    if data.confirmations:
        story += [ink.section("六、数据合理性核实")]
        story.append(_table(ink, ["数据项", "提示", "数值", "核实人", "时间"],
                            [[ink.p(c.field, "cell_c"), ink.unit(c.message, "cell"), ink.unit(c.value, "cell_c"),
                              ink.p(c.confirmed_by, "cell_c"), ink.p(fmt_dt(c.at), "cell_c")]
                             for c in data.confirmations], [30 * mm, 0.0, 24 * mm, 20 * mm, 36 * mm]))
    story += [
        Spacer(1, 8),
        KeepTogether([
            ink.section("签名"),
            ink.p(f"采集操作者：{data.operator}", "body"),
            Spacer(1, 6),
            SignatureBox(ink, label="采集护士签名：", note="签名时间以电子签名时间戳为准",
                         field_name=NURSE_SIGNATURE_FIELD, role="nurse", meaning="collection",
                         sink=slots),
        ]),
    ]
    furniture = PageFurniture(font.name, data.site, COLLECTION_TITLE, data.site.collection_doc_number,
                              f"献血条码 {din_text}　献血者 {ink.check(donor.name)}")
    pdf = build_record(story, font=font, furniture=furniture, created_at=data.end_time,
                       subject=f"{COLLECTION_TITLE} {din.din}", keywords=("collection", din.din))
    return RenderedRecord(kind="collection", pdf=pdf, signature_slots=tuple(slots))
