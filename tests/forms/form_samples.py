"""Realistic snapshots of one platelet donation, used by the form tests and render_examples.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from station.forms.data import (
    AdverseReactionEntry,
    AlarmEntry,
    CheckEntry,
    CollectionRecordData,
    Confirmation,
    ConsentRecordData,
    DonationNumber,
    DonorInfo,
    EligibilityDecisionInfo,
    Examination,
    Finding,
    IdCardInfo,
    LabelData,
    LabResult,
    MaterialLot,
    Override,
    QuestionAnswer,
    RegistrationExamRecordData,
    RegistrationInfo,
    ResultSource,
    SeparatorInfo,
    SiteInfo,
)

CST = timezone(timedelta(hours=8))
T0 = datetime(2023, 3, 28, 8, 42, 10, tzinfo=CST)

SITE = SiteInfo(
    site_name="浙江省血液中心",
    department="献血服务二科",
    station_name="机采室 3号位",
    phones=("0571-85171234", "0571-85175678"),
    consent_doc_number="ZJBC-JL-7.5-01",
    registration_doc_number="ZJBC-JL-7.5-02",
    collection_doc_number="ZJBC-JL-7.5-03",
)

DONOR = DonorInfo(
    name="王晓燕", sex="female", birth_date=date(1990, 3, 7), nation="汉族", id_type="居民身份证",
    id_number="110101199003077774", address="浙江省杭州市西湖区文三路 478 号华星时代广场 A 座 1201 室",
    phone="13800571234", abo="A", rhd="positive", donor_number="D330100012345")

DONATION = DonationNumber(din="W000025000001", flags="00")

CONSENT_PARAGRAPHS = (
    ("献血是爱心奉献的体现，为保护您和受血者的健康与安全，请您如实填写健康状况征询表。"
    "根据《中华人民共和国献血法》，血站对献血者必须免费进行必要的健康检查。"),
    ("单采血小板献血采用血细胞分离机进行，采集过程中血液在一次性密闭管路中流动，"
    "分离出血小板后其余成分回输给您。采集过程约需 60–90 分钟。"),
    ("少数献血者在献血过程中或献血后可能出现头晕、出汗、口唇麻木（枸橼酸盐反应）、穿刺部位淤青等反应，"
    "工作人员将及时处理。如献血后出现不适，请拨打本表下方的回告电话。"),
    ("您的血液将进行相关检测，检测不合格的血液将按规定报废，检测结果将通知您。"
    "您的个人信息将依法保密。"),
)

BASE_QUESTIONS = (
    "您今天身体状况良好，并已进食早餐吗？",
    "过去一周内是否有感冒、发热、咳嗽、腹泻等症状？",
    "过去两周内是否服用过阿司匹林或其他含阿司匹林的药物？",
    "过去一年内是否接受过输血或血液制品治疗？",
    "是否患有或曾患有肝炎、梅毒、艾滋病或其他传染病？",
    "过去六个月内是否有文身、穿耳孔或针灸治疗？",
    "是否患有心脏病、高血压、糖尿病或其他慢性疾病？",
    "女性：目前是否处于妊娠期、哺乳期或月经期？",
    "过去十二个月内是否有高危性行为？",
    "近期是否到过疟疾流行地区？",
)


def answers(count: int = 10, disqualifying_at: tuple[int, ...] = (3,)) -> tuple[QuestionAnswer, ...]:
    result = []
    for i in range(count):
        text = BASE_QUESTIONS[i % len(BASE_QUESTIONS)]
        if i >= len(BASE_QUESTIONS):
            text = f"（补充问题 {i + 1}）{text}"
        bad = (i + 1) in disqualifying_at
        answer: bool | str = True if i == 0 else bad
        result.append(QuestionAnswer(number=str(i + 1), text_zh=text, answer=answer, disqualifying=bad,
                                     note="3月20日服用阿司匹林 1 片" if bad else ""))
    return tuple(result)


def consent(count: int = 10, disqualifying_at: tuple[int, ...] = (3,)) -> ConsentRecordData:
    return ConsentRecordData(
        site=SITE, donor=DONOR, donation=DONATION, consent_title="献血知情同意书",
        consent_paragraphs=CONSENT_PARAGRAPHS, question_set_name="成分献血者健康征询表",
        question_set_version="2023.1", answers=answers(count, disqualifying_at), completed_at=T0)


def registration_exam(findings_fail: bool = True) -> RegistrationExamRecordData:
    device = ResultSource(kind="device", device_name="Sysmex XN-550 (22723)", message_id="ASTM-20230328-000417")
    manual = ResultSource(kind="manual", manual_reason="分析仪未报告MPV，按仪器屏幕读数录入",
                          entered_by="李医生")
    tests = (
        LabResult("HGB", "血红蛋白", Decimal(128), "g/L", Decimal(115), Decimal(160), device,
                  T0 + timedelta(minutes=20)),
        LabResult("HCT", "红细胞压积", Decimal("0.39"), "L/L", Decimal("0.36"), None, device,
                  T0 + timedelta(minutes=20), decimals=2),
        LabResult("PLT", "血小板计数", Decimal(142), "×10^9/L", Decimal(150), Decimal(450), device,
                  T0 + timedelta(minutes=20)),
        LabResult("MPV", "平均血小板体积", Decimal("10.4"), "fL", Decimal("7.0"), Decimal("12.5"), manual,
                  T0 + timedelta(minutes=21), decimals=1),
    )
    findings = (
        Finding("AGE", "年龄 18–55 周岁", "33 岁", "18–55", True),
        Finding("WEIGHT", "体重 女 ≥45 kg", "52.5 kg", "≥45", True),
        Finding("BP", "血压 90–139 / 60–89 mmHg", "118/76 mmHg", "90–139/60–89", True),
        Finding("PULSE", "脉搏 60–100 次/分", "72 次/分", "60–100", True),
        Finding("HGB", "血红蛋白 女 ≥115 g/L", "128 g/L", "≥115", True),
        Finding("PLT", "血小板计数 150–450 ×10^9/L", "142 ×10^9/L", "150–450",
                not findings_fail),
        Finding("INTERVAL", "距上次单采血小板 ≥14 天", "42 天", "≥14", True),
    )
    overrides = (Override("PLT", "张主任", "复检后血小板 152 ×10^9/L，同意采集单份", T0 + timedelta(minutes=35)),) \
        if findings_fail else ()
    return RegistrationExamRecordData(
        site=SITE, donor=DONOR, donation=DONATION,
        registration=RegistrationInfo(registered_at=T0 - timedelta(minutes=12), registrar="陈登记",
                                      donation_type="机采血小板", donor_category="再次献血",
                                      donation_count=6, last_donation=date(2023, 2, 14),
                                      last_donation_type="机采血小板"),
        id_card=IdCardInfo(name=DONOR.name, sex="female", nation="汉", birth_date=DONOR.birth_date,
                           address=DONOR.address, id_number=DONOR.id_number, authority="杭州市公安局西湖分局",
                           valid_from=date(2015, 6, 1), valid_to=date(2035, 6, 1),
                           read_method="身份证阅读器"),
        examination=Examination(examined_at=T0 + timedelta(minutes=10), examiner="李医生",
                                weight_kg=Decimal("52.5"), height_cm=Decimal(162), systolic_mmhg=118,
                                diastolic_mmhg=76, pulse_per_min=72, temperature_c=Decimal("36.6"),
                                general_condition="精神良好，皮肤无黄染，双臂静脉充盈良好"),
        pre_tests=tests,
        decision=EligibilityDecisionInfo(
            result="eligible", decided_at=T0 + timedelta(minutes=36), physician="李医生",
            rule_set_name="GB 18467-2011 单采血小板", rule_set_version="2011.3", findings=findings,
            overrides=overrides),
        confirmations=(Confirmation("weight_kg", "体重低于常见范围，请核实", "52.5 kg", "李医生",
                                    T0 + timedelta(minutes=11)),),
    )


def collection(alarms: int = 2, reactions: int = 1) -> CollectionRecordData:
    start = T0 + timedelta(minutes=50)
    return CollectionRecordData(
        site=SITE, donor=DONOR, donation=DONATION,
        separator=SeparatorInfo(model="Trima Accel", serial="1T04512"),
        procedure_type="单采血小板（单份）",
        kit=MaterialLot("血液成分分离机配套管路", "80300", "2007105151", date(2024, 7, 1)),
        anticoagulant=MaterialLot("ACD-A 500ml", "ACD-A", "20092441", date(2024, 8, 31)),
        saline=MaterialLot("生理盐水 1000ml", "NS-1000", "200426299", date(2024, 4, 25)),
        start_time=start, end_time=start + timedelta(minutes=68), run_time_min=68,
        whole_blood_processed_ml=Decimal(2712), ac_used_ml=Decimal(286), ac_to_donor_ml=Decimal(221),
        platelet_volume_ml=Decimal(250), platelet_yield_e11=Decimal("2.8"), plasma_volume_ml=Decimal(0),
        post_platelet_count=Decimal(118), post_hct=Decimal("0.38"),
        alarms=tuple(AlarmEntry(start + timedelta(minutes=10 + i), f"A{i + 101}",
                                "回输压力过低，已调整针头位置") for i in range(alarms)),
        rinseback_completed=True,
        adverse_reactions=tuple(AdverseReactionEntry("枸橼酸盐反应（口唇麻木）", "轻度",
                                                     start + timedelta(minutes=40 + i),
                                                     "口服钙剂，降低回输速度", "周护士", "缓解")
                                for i in range(reactions)),
        checks=(
            CheckEntry("pre", start - timedelta(minutes=5), "=W00002500000100", "献血者条码", True, "周护士"),
            CheckEntry("pre", start - timedelta(minutes=4), "=W00002500000100", "采集管路血袋", True, "周护士"),
            CheckEntry("post", start + timedelta(minutes=70), "=W00002500000100", "血小板袋", True, "周护士"),
            CheckEntry("post", start + timedelta(minutes=71), "=W00002500000100", "留样管", True, "周护士"),
            CheckEntry("sealing", start + timedelta(minutes=75), "=W00002500000100", "血小板袋热合", True,
                       "周护士"),
        ),
        operator="周护士", product_code="E3083V00", therapeutic_doses=Decimal(1),
    )


def label() -> LabelData:
    return LabelData(site_name=SITE.site_name, donation=DONATION, abo="A", rhd="positive",
                     product_code="E3083V00", product_description="单采血小板（去白细胞）",
                     collection_date=date(2023, 3, 28),
                     expiry=datetime(2023, 4, 2, 10, 0, tzinfo=CST))
