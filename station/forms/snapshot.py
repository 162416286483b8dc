"""Build the record snapshots of one donation from the database, and render its three records."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.config import Config
from station.context import LOCAL_TZ
from station.errors import NotFound, ValidationError
from station.forms.collection import render_collection
from station.forms.consent import render_consent
from station.forms.data import (
    Abo,
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
    LabResult,
    MaterialLot,
    Override,
    QuestionAnswer,
    RegistrationExamRecordData,
    RegistrationInfo,
    RenderedRecord,
    ResultSource,
    RhD,
    SeparatorInfo,
    Sex,
    SiteInfo,
)
from station.forms.registration import render_registration_exam
from station.models import (
    AdverseReaction,
    Collection,
    ConsumableLot,
    Deferral,
    DeviceMessage,
    Donation,
    DonationCheck,
    DonationHistory,
    EligibilityDecision,
    PreDonationTest,
    QuestionnaireAnswer,
    Station,
    User,
)
from station.models import Examination as ExaminationRow
from station.rules.engine import REASONABLE_LABELS, ruleset_named
from station.rules.questionnaire import question_set_named
from station.security import PiiCipher

ID_TYPE_ZH = {"resident": "居民身份证", "hmt": "港澳台居民居住证", "foreigner": "外国人永久居留身份证",
              "passport": "护照"}
DONATION_TYPE_ZH = {"whole_blood": "全血", "apheresis_platelets": "机采血小板", "apheresis_plasma": "机采血浆"}
PROCEDURE_ZH = {"PLT": "单采血小板", "PLT_PLS": "单采血小板+血浆", "PLS": "单采血浆"}
REACTION_ZH = {"vasovagal": "血管迷走神经反应", "citrate": "枸橼酸盐反应", "hematoma": "穿刺部位血肿",
               "nerve_injury": "神经损伤", "allergic": "过敏反应", "other": "其他"}
GRADE_ZH = {1: "轻度", 2: "中度", 3: "重度"}
ITEM_ZH = {"kit": "一次性使用血细胞分离器", "ac": "抗凝剂 ACD-A", "saline": "生理盐水"}
POST_ITEM_ZH = {"donor_condition_ok": "献血者状况良好", "puncture_site_ok": "穿刺部位无异常",
                "product_appearance_ok": "血小板外观正常", "label_applied": "已贴血袋标签",
                "bag_intact": "血袋及管路完好"}
EXTRA_LABELS = {"collected_volume_ml": ("采集量", "mL")}


def _local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def _missing(what_zh: str, what_en: str, donation_id: int) -> ValidationError:
    return ValidationError(f"献血记录 {donation_id} 尚无{what_zh}，不能生成记录表",
                           f"Donation {donation_id} has no {what_en} yet; the record cannot be rendered",
                           code="RECORD_INCOMPLETE", details={"donation_id": donation_id, "missing": what_en})


def site_info(config: Config) -> SiteInfo:
    """The per-site text of the forms, from the installation's configuration."""
    site = config.site
    return SiteInfo(site_name=site.name, department=site.department, station_name=config.station.name,
                    phones=tuple(site.phones), consent_doc_number=site.consent_doc_number,
                    registration_doc_number=site.registration_doc_number,
                    collection_doc_number=site.collection_doc_number)


def _donation(session: Session, donation_id: int) -> Donation:
    donation = session.get(Donation, donation_id)
    if donation is None:
        raise NotFound(f"未找到献血记录 {donation_id}", f"Donation {donation_id} not found",
                       code="DONATION_NOT_FOUND")
    return donation


def _site_for(session: Session, donation: Donation, site: SiteInfo) -> SiteInfo:
    """The station printed is where this donation took place, not where the record is rendered."""
    if donation.station_id is not None:
        station = session.get(Station, donation.station_id)
        if station is not None:
            return dataclasses.replace(site, station_name=station.name)
    return site


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return user.display_name if user else f"#{user_id}"


def _donor(donation: Donation, pii: PiiCipher) -> DonorInfo:
    d = donation.donor
    rhd = {"+": "positive", "-": "negative"}.get(d.rhd)
    return DonorInfo(
        name=d.name, sex=cast(Sex, d.sex if d.sex in ("male", "female") else "unknown"),
        birth_date=d.birth_date, nation=d.nation, id_type=ID_TYPE_ZH.get(d.id_type, d.id_type),
        id_number=pii.decrypt(d.id_number_cipher, "id_number"), address=d.address,
        phone=pii.decrypt(d.phone_cipher, "phone") if d.phone_cipher else "",
        abo=cast(Abo, d.abo) if d.abo in ("A", "B", "O", "AB") else None,
        rhd=cast(RhD, rhd) if rhd else None, donor_number=f"{d.id:08d}")


def _number(donation: Donation) -> DonationNumber:
    return DonationNumber(donation.din, donation.din_flags or "00")


def _confirmations(prompts: list[Any], who: str, at: datetime) -> tuple[Confirmation, ...]:
    out = []
    for p in prompts:
        key = str(p.get("field", ""))
        if key in EXTRA_LABELS:
            zh, unit = EXTRA_LABELS[key]
        elif key in REASONABLE_LABELS:
            zh, _, unit = REASONABLE_LABELS[key]
        else:
            zh, unit = key, ""
        value = p.get("value")
        value_text = f"{value:g} {unit}".strip() if isinstance(value, (int, float)) else str(value)
        out.append(Confirmation(field=zh, message=str(p.get("message_zh", "")), value=value_text,
                                confirmed_by=who, at=_local(at)))
    return tuple(out)


# --- the three snapshots ----------------------------------------------------------------------------


def consent_data(session: Session, donation_id: int, site: SiteInfo, *, pii: PiiCipher) -> ConsentRecordData:
    """The consent and questionnaire as signed: the question set version stored on the donation."""
    donation = _donation(session, donation_id)
    if not donation.questionnaire_set or not donation.questionnaire_version \
            or donation.questionnaire_signed_at is None:
        raise _missing("健康征询记录", "signed questionnaire", donation_id)
    qs = question_set_named(donation.questionnaire_set, donation.questionnaire_version)
    rows = session.execute(select(QuestionnaireAnswer).where(QuestionnaireAnswer.donation_id == donation.id)
                           ).scalars().all()
    by_id = {r.question_id: r for r in rows}
    texts = {q.id: q.zh for q in qs.questions}
    unknown = sorted(set(by_id) - set(texts))
    if unknown:
        raise ValidationError(f"征询答案中有问卷 {qs.name} {qs.version} 不包含的问题：{', '.join(unknown)}",
                              f"Answers to questions not in {qs.name} {qs.version}: {', '.join(unknown)}",
                              code="QUESTIONNAIRE_MISMATCH")
    answers = []
    for number, q in enumerate((q for q in qs.questions if q.id in by_id), start=1):
        row = by_id[q.id]
        answer: bool | str = {"yes": True, "no": False}.get(row.answer, row.answer)
        answers.append(QuestionAnswer(number=str(number), text_zh=q.zh, answer=answer,
                                      disqualifying=row.disqualifying))
    return ConsentRecordData(
        site=_site_for(session, donation, site), donor=_donor(donation, pii), donation=_number(donation),
        consent_title=qs.consent_title_zh, consent_paragraphs=qs.consent_zh,
        question_set_name=qs.name, question_set_version=qs.version, answers=tuple(answers),
        completed_at=_local(donation.questionnaire_signed_at))


def _pre_tests(session: Session, test: PreDonationTest, sex: str, ruleset: Any, mpv: bool,
               ) -> tuple[LabResult, ...]:
    if test.source == "device":
        message = session.get(DeviceMessage, test.raw_message_id) if test.raw_message_id else None
        message_id = f"#{test.raw_message_id}" if test.raw_message_id else "—"
        if message is not None and message.sample_id:
            message_id += f"（样本 {message.sample_id}）"
        source = ResultSource(kind="device", device_name=test.device_name or "", message_id=message_id)
    else:
        source = ResultSource(kind="manual", manual_reason=test.manual_reason or "",
                              entered_by=_user_name(session, test.recorded_by))
    hb = ruleset.section("hemoglobin")
    plt = ruleset.section("platelets")
    at = _local(test.tested_at)
    results = [
        LabResult("HGB", "血红蛋白", test.hb_g_l, "g/L", hb["female_min" if sex == "female" else "male_min"],
                  None, source, at, decimals=0),
        LabResult("HCT", "红细胞压积", test.hct, "L/L", ruleset.section("hematocrit")["min"], None, source, at,
                  decimals=2),
        LabResult("PLT", "血小板计数", test.plt_10e9_l, "×10^9/L", plt["min"], plt["below"], source, at,
                  decimals=0),
    ]
    if mpv and test.mpv_fl is not None:
        # MPV has no eligibility limit in GB 18467: recorded where the site enables it, no range.
        results.append(LabResult("MPV", "平均血小板体积", test.mpv_fl, "fL", None, None, source, at, decimals=1))
    return tuple(results)


def _finding(f: dict[str, Any]) -> Finding:
    value = f.get("value")
    value_text = f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else ("—" if value is None else str(value))
    return Finding(code=str(f.get("code", "")), message=str(f.get("message_zh", "")), value=value_text,
                   limit=str(f.get("limit", "")) or "—", passed=f.get("status") != "fail")


def registration_exam_data(session: Session, donation_id: int, site: SiteInfo, *, pii: PiiCipher,
                           mpv_enabled: bool = True) -> RegistrationExamRecordData:
    """Registration, examination, the pre-donation test in force and the latest eligibility decision."""
    donation = _donation(session, donation_id)
    exam = session.execute(select(ExaminationRow).where(ExaminationRow.donation_id == donation.id)
                           ).scalar_one_or_none()
    if exam is None:
        raise _missing("体检记录", "examination", donation_id)
    decision = session.execute(select(EligibilityDecision).where(EligibilityDecision.donation_id == donation.id)
                               .order_by(EligibilityDecision.id.desc()).limit(1)).scalar_one_or_none()
    if decision is None:
        raise _missing("献血前评估", "eligibility decision", donation_id)
    test = session.execute(select(PreDonationTest).where(PreDonationTest.donation_id == donation.id,
                                                         PreDonationTest.superseded.is_(False))
                           .order_by(PreDonationTest.id.desc()).limit(1)).scalar_one_or_none()
    donor = _donor(donation, pii)
    ruleset = ruleset_named(decision.ruleset_name, decision.ruleset_version)
    history = session.execute(select(DonationHistory).where(
        DonationHistory.donor_id == donation.donor_id,
        DonationHistory.donated_on < donation.donation_date,
    ).order_by(DonationHistory.donated_on.desc())).scalars().all()
    history = [h for h in history if h.donation_id != donation.id]
    last = history[0] if history else None
    registration = RegistrationInfo(
        registered_at=_local(donation.registered_at), registrar=_user_name(session, donation.registered_by),
        donation_type=DONATION_TYPE_ZH.get(donation.donation_type, donation.donation_type),
        donor_category="再次献血" if history else "初次献血", donation_count=len(history),
        last_donation=last.donated_on if last else None,
        last_donation_type=DONATION_TYPE_ZH.get(last.donation_type, last.donation_type) if last else "")
    d = donation.donor
    id_card = None
    if d.card_valid_from is not None or d.card_valid_to is not None:  # only a card read stores its validity
        id_card = IdCardInfo(name=donor.name, sex=donor.sex, nation=donor.nation, birth_date=donor.birth_date,
                             address=donor.address, id_number=donor.id_number, authority=d.card_authority,
                             valid_from=d.card_valid_from, valid_to=d.card_valid_to,
                             valid_to_text="长期" if d.card_long_term else "", read_method="身份证阅读器")
    examiner = _user_name(session, exam.examined_by)
    deferral = session.execute(select(Deferral).where(Deferral.donation_id == donation.id)
                               .order_by(Deferral.id.desc()).limit(1)).scalar_one_or_none()
    decision_info = EligibilityDecisionInfo(
        result="eligible" if decision.result == "eligible" else "deferred",
        decided_at=_local(decision.decided_at), physician=_user_name(session, decision.decided_by),
        rule_set_name=decision.ruleset_name, rule_set_version=decision.ruleset_version,
        findings=tuple(_finding(f) for f in decision.findings),
        overrides=tuple(Override(o.code, _user_name(session, o.physician_id), o.reason, _local(o.at))
                        for o in sorted(decision.overrides, key=lambda o: o.id)),
        deferral_reason=deferral.reason if deferral else "",
        deferral_until=deferral.until if deferral else None,
        permanent_deferral=bool(deferral and deferral.kind == "permanent"))
    confirmations = _confirmations(list(exam.confirmations or []), examiner, exam.examined_at)
    pre_tests: tuple[LabResult, ...] = ()
    if test is not None:
        pre_tests = _pre_tests(session, test, donor.sex, ruleset, mpv_enabled)
        confirmations += _confirmations(list((test.raw_units or {}).get("confirmations", [])),
                                        _user_name(session, test.recorded_by), test.tested_at)
    return RegistrationExamRecordData(
        site=_site_for(session, donation, site), donor=donor, donation=_number(donation),
        registration=registration, id_card=id_card,
        examination=Examination(
            examined_at=_local(exam.examined_at), examiner=examiner, weight_kg=exam.weight_kg,
            height_cm=exam.height_cm, systolic_mmhg=exam.systolic, diastolic_mmhg=exam.diastolic,
            pulse_per_min=exam.pulse, temperature_c=exam.temperature_c,
            general_condition=exam.general_condition + ("" if exam.pulse_regular else "；脉律不齐")),
        pre_tests=pre_tests, decision=decision_info, confirmations=confirmations)


def _lot(session: Session, item: str, lot: str, catalogue: str = "") -> MaterialLot:
    row = session.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.lot == lot)
                          .order_by(ConsumableLot.id)).scalars().first()
    if row is None:
        raise ValidationError(f"{ITEM_ZH[item]}批号 {lot} 未在物料台账中登记，不能生成采集记录",
                              f"{item} lot {lot} is not in the inventory; the collection record cannot be rendered",
                              code="LOT_UNKNOWN")
    name = " ".join(x for x in (row.name or ITEM_ZH[item], row.specification) if x)
    return MaterialLot(name=name, catalogue=catalogue or row.catalogue_no, lot=row.lot, expiry=row.expiry_day)


def _checks(session: Session, donation: Donation) -> tuple[CheckEntry, ...]:
    rows = session.execute(select(DonationCheck).where(DonationCheck.donation_id == donation.id)
                           .order_by(DonationCheck.checked_at, DonationCheck.id)).scalars().all()
    out: list[CheckEntry] = []
    barcode = _number(donation).barcode_data
    for c in rows:
        at, who, items = _local(c.checked_at), _user_name(session, c.checked_by), c.items or {}
        if c.kind == "pre_collection":
            out.append(CheckEntry("pre", at, "—", "献血者身份", bool(items.get("donor_scan_ok")), who))
            out.append(CheckEntry("pre", at, barcode if items.get("bag_din_ok") else "—", "采血袋条码",
                                  bool(items.get("bag_din_ok")), who))
            for problem in items.get("problems") or []:
                if problem not in ("DONOR_MISMATCH", "BAG_MISMATCH"):
                    out.append(CheckEntry("pre", at, "—", "设备与耗材", False, who, note=str(problem)))
        elif c.kind == "post_collection":
            for key, label in POST_ITEM_ZH.items():
                if key in items:
                    out.append(CheckEntry("post", at, "—", label, bool(items[key]), who))
            if items.get("notes"):
                out.append(CheckEntry("post", at, "—", f"说明：{items['notes']}", c.passed, who))
        elif c.kind == "sealing":
            for scan in items.get("scans") or []:
                out.append(CheckEntry("sealing", at, str(scan.get("scan", "")), "血袋/留样管",
                                      bool(scan.get("match")), who))
    return tuple(out)


def collection_data(session: Session, donation_id: int, site: SiteInfo, *, pii: PiiCipher,
                    product_code: str = "") -> CollectionRecordData:
    """The collection as finished on the separator, with reactions and every check of the donation."""
    donation = _donation(session, donation_id)
    c = session.execute(select(Collection).where(Collection.donation_id == donation.id)).scalar_one_or_none()
    if c is None or c.ended_at is None:
        raise _missing("完成的采集记录", "finished collection", donation_id)
    reactions = session.execute(select(AdverseReaction).where(AdverseReaction.donation_id == donation.id)
                                .order_by(AdverseReaction.occurred_at, AdverseReaction.id)).scalars().all()
    operator = _user_name(session, c.operator_id)
    alarms = []
    for a in c.alarms or []:
        at = datetime.fromisoformat(str(a["at"]))
        alarms.append(AlarmEntry(at=_local(at) if at.tzinfo else at, code=str(a.get("code", "")),
                                 text=str(a.get("text_zh") or a.get("text_en") or "")))
    volumes = {k: getattr(c, k) for k in ("whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml",
                                          "platelet_volume_ml", "platelet_yield_e11", "plasma_volume_ml")}
    absent = [k for k, v in volumes.items() if v is None]
    if absent:
        raise _missing("采集结果（" + "、".join(absent) + "）", "collection results " + ", ".join(absent),
                       donation_id)
    return CollectionRecordData(
        site=_site_for(session, donation, site), donor=_donor(donation, pii), donation=_number(donation),
        separator=SeparatorInfo(model=c.separator_model, serial=c.separator_serial),
        procedure_type=PROCEDURE_ZH.get(c.procedure_type, c.procedure_type),
        kit=_lot(session, "kit", c.kit_lot, c.kit_catalogue), anticoagulant=_lot(session, "ac", c.ac_lot),
        saline=_lot(session, "saline", c.saline_lot),
        start_time=_local(c.started_at), end_time=_local(c.ended_at),
        run_time_min=round(c.run_minutes if c.run_minutes is not None
                           else (c.ended_at - c.started_at).total_seconds() / 60),
        whole_blood_processed_ml=volumes["whole_blood_processed_ml"], ac_used_ml=volumes["ac_used_ml"],
        ac_to_donor_ml=volumes["ac_to_donor_ml"], platelet_volume_ml=volumes["platelet_volume_ml"],
        platelet_yield_e11=volumes["platelet_yield_e11"], plasma_volume_ml=volumes["plasma_volume_ml"],
        post_platelet_count=c.post_plt_10e9_l, post_hct=c.post_hct, alarms=tuple(alarms),
        rinseback_completed=bool(c.rinseback_completed),
        adverse_reactions=tuple(AdverseReactionEntry(
            reaction_type=REACTION_ZH.get(r.type, r.type), grade=GRADE_ZH.get(r.grade, str(r.grade)),
            at=_local(r.occurred_at), treatment=r.treatment, recorded_by=_user_name(session, r.recorded_by),
            outcome=r.outcome) for r in reactions),
        checks=_checks(session, donation), operator=operator, product_code=product_code,
        therapeutic_doses=c.doses,
        confirmations=_confirmations(list(c.confirmations or []), operator, c.ended_at))


def render_records(session: Session, donation_id: int, site: SiteInfo, *, pii: PiiCipher,
                   font_path: str | Path | None = None, subfont_index: int = 0, mpv_enabled: bool = True,
                   product_code: str = "") -> list[RenderedRecord]:
    """The three records of a collected donation, in signing order: consent, registration, collection."""
    options: dict[str, Any] = {"font_path": font_path, "subfont_index": subfont_index}
    return [
        render_consent(consent_data(session, donation_id, site, pii=pii), **options),
        render_registration_exam(registration_exam_data(session, donation_id, site, pii=pii,
                                                        mpv_enabled=mpv_enabled), **options),
        render_collection(collection_data(session, donation_id, site, pii=pii, product_code=product_code),
                          **options),
    ]


def render_records_for(config: Config, session: Session, donation_id: int, *, pii: PiiCipher,
                       ) -> list[RenderedRecord]:
    """render_records with every option taken from the installation's configuration."""
    return render_records(session, donation_id, site_info(config), pii=pii,
                          font_path=config.records.font_path or None, mpv_enabled=config.site.mpv_enabled,
                          product_code=config.site.platelet_product_code)
