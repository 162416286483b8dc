"""One donation, step by step: every step a service function taking the acting user, one transaction each."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station import audit
from station.audit import snapshot
from station.context import StationContext
from station.errors import ConfirmationRequired, HardStop, NotFound, ValidationError
from station.identifiers import din_check_character, format_din, parse_din
from station.models import (
    AdverseReaction,
    Collection,
    ConsumableLot,
    DinSequence,
    Donation,
    DonationCheck,
    DonationHistory,
    DonationStep,
    Donor,
    EligibilityDecision,
    EligibilityOverride,
    Equipment,
    Examination,
    PreDonationTest,
    QuestionnaireAnswer,
)
from station.rules import engine as rules
from station.rules.questionnaire import question_set_for, question_set_named
from station.security import Action, Actor, require_permission
from station.services.common import advance, load_donation, require_number, require_text
from station.services.donors import active_deferrals, as_active, record_deferral
from station.workflow import OPEN_STATES, State

# --- registration ------------------------------------------------------------------------------

def allocate_din(session: Session, facility_code: str, year: int) -> str:
    """Next DIN for the facility and year; the sequence row is locked so numbers are unique and gap-free."""
    query = select(DinSequence).where(DinSequence.facility_code == facility_code,
                                      DinSequence.year == year).with_for_update()
    seq = session.execute(query).scalar_one_or_none()
    if seq is None:
        # The year's first number: two stations may both find no row; the loser's insert fails inside its
        # savepoint and it locks the winner's row instead.
        try:
            with session.begin_nested():
                session.add(DinSequence(facility_code=facility_code, year=year, last_value=0))
        except IntegrityError:
            pass
        seq = session.execute(query).scalar_one()
    seq.last_value += 1
    return format_din(facility_code, year, seq.last_value)


def register_donation(ctx: StationContext, actor: Actor, donor_id: int, *,
                      donation_type: str = "apheresis_platelets", planned_doses: float = 1.0) -> dict[str, Any]:
    require_permission(actor, Action.REGISTER_DONATION)
    if donation_type not in ("apheresis_platelets", "apheresis_plasma"):
        raise ValidationError("本工作站只登记成分献血", "This station registers apheresis donations only",
                              code="INVALID_DONATION_TYPE")
    rs = rules.ruleset_for(ctx.today())
    if not 1 <= planned_doses <= rs.section("dose")["max_doses"]:
        raise ValidationError("计划采集量应为1至2个治疗量", "Plan 1 to 2 therapeutic doses", code="INVALID_DOSES")
    now, today = ctx.now(), ctx.today()
    with ctx.transaction() as s:
        donor = s.get(Donor, donor_id, with_for_update=True)
        if donor is None:
            raise NotFound("未找到献血者", "Donor not found", code="DONOR_NOT_FOUND")
        open_one = s.execute(select(Donation).where(Donation.donor_id == donor_id,
                                                    Donation.state.in_([st.value for st in OPEN_STATES]))
                             ).unique().scalar_one_or_none()
        if open_one is not None:
            raise ValidationError(f"该献血者已有进行中的献血（{open_one.din}）",
                                  f"This donor already has a donation in progress ({open_one.din})",
                                  code="DONATION_IN_PROGRESS", details={"donation_id": open_one.id})
        stops = [f for f in rules.check_intervals(rs, _prior_donations(s, donor_id, today), today, donation_type,
                                                  rs.section("dose")["planned_volume_ml_per_dose"] * planned_doses)
                 if f.status == "fail"]
        hard = [f for f in stops if not f.overridable]
        if hard:
            # GB 18467's intervals and yearly limits are hard stops: no donation is opened that no one may assess.
            raise HardStop(f"不能登记献血：{'；'.join(f.message_zh for f in hard)}",
                           f"Cannot register a donation: {'; '.join(f.message_en for f in hard)}",
                           code="DONATION_INTERVAL", details={"codes": [f.code for f in hard],
                                                              "next_eligible": hard[0].limit})
        din = allocate_din(s, ctx.config.site.facility_code, today.year)
        queue = (s.execute(select(func.max(Donation.queue_number)).where(Donation.donation_date == today,
                                                                       Donation.site_id == ctx.site_id)).scalar() or 0) + 1
        d = Donation(din=din, donor_id=donor_id, site_id=ctx.site_id, station_id=ctx.station_id,
                     donation_type=donation_type, planned_doses=planned_doses, state=State.REGISTERED.value,
                     queue_number=queue, donation_date=today, registered_at=now, registered_by=actor.user_id)
        s.add(d)
        s.flush()
        s.add(DonationStep(donation_id=d.id, step="register", state_from=None, state_to=d.state, at=now,
                           actor_id=actor.user_id, station_id=ctx.station_id))
        audit.record(s, actor, "donation.register", "donation", d.id, at=now, after=snapshot(d), donation_id=d.id)
        out: dict[str, Any] = {"donation_id": d.id, "din": din, "check_character": din_check_character(din), "queue_number": queue,
               "state": d.state,
               # a shortened interval only a physician's approval for HLA-matched need allows: shown at the desk
               "interval_notices": [{"code": f.code, "message_zh": f.message_zh, "message_en": f.message_en}
                                    for f in stops]}
    if ctx.config.regional.url:
        # The regional deferral and history check (一地发现，处处屏蔽), after the registration's own transaction:
        # an unreachable platform is recorded as "not done" and must be acknowledged by the physician.
        from station.platforms.regional import platform_from_config
        from station.services.operations.regional import check_donor

        out["regional_check"] = check_donor(ctx, actor, donor_id, platform_from_config(ctx.config),
                                            donation_id=out["donation_id"])
    return out


# --- questionnaire -----------------------------------------------------------------------------

def questionnaire_for(ctx: StationContext, donation_id: int) -> dict[str, Any]:
    with ctx.transaction() as s:
        d = s.get(Donation, donation_id)
        if d is None:
            raise NotFound("未找到献血记录", "Donation not found", code="DONATION_NOT_FOUND")
        qs = question_set_for(d.donation_date)
        return {"name": qs.name, "version": qs.version, "consent_title_zh": qs.consent_title_zh,
                "consent_title_en": qs.consent_title_en, "consent_zh": list(qs.consent_zh),
                "consent_en": list(qs.consent_en),
                "questions": [{"id": q.id, "zh": q.zh, "en": q.en} for q in qs.for_sex(d.donor.sex)]}


def sign_questionnaire(ctx: StationContext, actor: Actor, donation_id: int, answers: dict[str, str], *,
                       expected_version: int | None = None) -> dict[str, Any]:
    """The donor's answers to every question of the version in force; the donor signs on the tablet."""
    require_permission(actor, Action.SIGN_QUESTIONNAIRE)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        qs = question_set_for(d.donation_date)
        questions = qs.for_sex(d.donor.sex)
        missing = [q.id for q in questions if answers.get(q.id) not in ("yes", "no")]
        unknown = sorted(set(answers) - {q.id for q in questions})
        if missing or unknown:
            raise ValidationError(f"健康征询未答完：{', '.join(missing) or ''}{'；多余：' + ', '.join(unknown) if unknown else ''}",
                                  f"Every question needs a yes/no answer; missing: {', '.join(missing) or 'none'}"
                                  f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}",
                                  code="QUESTIONNAIRE_INCOMPLETE", details={"missing": missing, "unknown": unknown})
        flagged = []
        for q in questions:
            bad = answers[q.id] == q.disqualifying
            s.add(QuestionnaireAnswer(donation_id=d.id, question_id=q.id, answer=answers[q.id], disqualifying=bad))
            if bad:
                flagged.append(q.id)
        d.questionnaire_set, d.questionnaire_version, d.questionnaire_signed_at = qs.name, qs.version, now
        advance(s, d, "sign_questionnaire", actor, now, ctx.station_id,
                details={"question_set": f"{qs.name} {qs.version}", "answers": answers, "flagged": flagged})
        return {"donation_id": d.id, "state": d.state, "flagged": flagged}


# --- examination and pre-donation test ---------------------------------------------------------

@dataclass(frozen=True)
class ExamInput:
    weight_kg: float
    systolic: int
    diastolic: int
    pulse: int
    height_cm: float | None = None
    temperature_c: float | None = None
    pulse_regular: bool = True
    endurance_athlete: bool = False
    general_condition: str = ""


def _confirm(prompts: list[dict[str, Any]], confirmations: set[str] | frozenset[str]) -> list[dict[str, Any]]:
    """Refuse until every implausible value is confirmed; return the confirmations to record."""
    unconfirmed = [p for p in prompts if p["code"] not in confirmations]
    if unconfirmed:
        raise ConfirmationRequired(unconfirmed)
    return prompts


def _validated_exam(ctx: StationContext, e: ExamInput, confirmations: frozenset[str]) -> tuple[ExamInput, list[Any]]:
    e = ExamInput(weight_kg=require_number(e.weight_kg, "体重", "Weight", low=1, high=400),
                  systolic=int(require_number(e.systolic, "收缩压", "Systolic pressure", low=20, high=320)),
                  diastolic=int(require_number(e.diastolic, "舒张压", "Diastolic pressure", low=10, high=250)),
                  pulse=int(require_number(e.pulse, "脉搏", "Pulse", low=10, high=300)),
                  height_cm=None if e.height_cm is None else require_number(e.height_cm, "身高", "Height", low=50, high=260),
                  temperature_c=None if e.temperature_c is None else require_number(e.temperature_c, "体温", "Temperature", low=25, high=45),
                  pulse_regular=bool(e.pulse_regular), endurance_athlete=bool(e.endurance_athlete),
                  general_condition=(e.general_condition or "").strip())
    if e.diastolic >= e.systolic:
        raise ValidationError("舒张压应低于收缩压，请核对", "Diastolic must be below systolic; check the values",
                              code="BP_INCONSISTENT")
    rs = rules.ruleset_for(ctx.today())
    prompts = rules.reasonableness_prompts(rs, {"weight_kg": e.weight_kg, "height_cm": e.height_cm,
                                                "systolic": e.systolic, "diastolic": e.diastolic, "pulse": e.pulse,
                                                "temperature_c": e.temperature_c})
    return e, _confirm(prompts, confirmations)


def record_examination(ctx: StationContext, actor: Actor, donation_id: int, exam: ExamInput, *,
                       confirmations: frozenset[str] = frozenset(), expected_version: int | None = None) -> dict[str, Any]:
    require_permission(actor, Action.EXAMINE)
    exam, confirmed = _validated_exam(ctx, exam, confirmations)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        advance(s, d, "record_examination", actor, now, ctx.station_id)
        row = Examination(donation_id=d.id, examined_by=actor.user_id, examined_at=now, confirmations=confirmed,
                          **asdict(exam))
        s.add(row)
        s.flush()
        audit.record(s, actor, "examination.record", "examination", row.id, at=now, after=snapshot(row), donation_id=d.id)
        return {"donation_id": d.id, "state": d.state, "findings": [f.to_json() for f in _exam_findings(ctx, d, row)]}


@dataclass(frozen=True)
class PretestInput:
    hb_g_l: float
    hct: float
    plt_10e9_l: float
    mpv_fl: float | None = None
    source: str = "manual"  # manual | device
    device_name: str | None = None
    raw_message_id: int | None = None
    raw_units: dict[str, Any] = field(default_factory=dict)
    manual_reason: str | None = None
    # the analyzer's flags per field: {"plt_10e9_l": {"flags": ["low_reliability"], "raw": "W"}}
    flags: dict[str, Any] = field(default_factory=dict)


# normalised analyzer flags (devices/analyzer/dialects.py) -> what the nurse is told
_FLAG_TEXT = {"low_reliability": ("低可信度", "low reliability"), "abnormal_high": ("偏高", "abnormal high"),
              "abnormal_low": ("偏低", "abnormal low"), "abnormal": ("异常", "abnormal"),
              "critical_high": ("危急高值", "critically high"), "critical_low": ("危急低值", "critically low"),
              "out_of_linearity": ("超出线性范围", "outside the linear range")}


def flag_prompts(flags: dict[str, Any], values: dict[str, float | None]) -> list[dict[str, Any]]:
    """A value the analyzer flagged is not used silently: each flagged value needs a recorded confirmation."""
    prompts: list[dict[str, Any]] = []
    for key, entry in sorted(flags.items()):
        names = [f for f in (entry or {}).get("flags", []) if f in _FLAG_TEXT]
        if not names or values.get(key) is None:
            continue
        zh_label, en_label, unit = rules.REASONABLE_LABELS.get(key, (key, key, ""))
        raw = str((entry or {}).get("raw", ""))[:16]
        zh = "、".join(_FLAG_TEXT[f][0] for f in names)
        en = ", ".join(_FLAG_TEXT[f][1] for f in names)
        value = values[key]
        prompts.append({"code": f"FLAGGED_{key.upper()}", "field": key, "value": value, "flags": names, "raw_flag": raw,
                        "message_zh": f"仪器将{zh_label}{value:g}{unit}标记为{zh}（{raw}），请复核后确认",
                        "message_en": f"The analyzer flagged {en_label} {value:g} {unit} as {en} ({raw}); "
                                      "check it and confirm"})
    return prompts


def _validated_pretest(ctx: StationContext, p: PretestInput, confirmations: frozenset[str]) -> tuple[PretestInput, list[Any]]:
    hb = require_number(p.hb_g_l, "血红蛋白", "Haemoglobin", low=10, high=300)
    hct = require_number(p.hct, "红细胞压积", "Haematocrit", low=0.05, high=0.9)
    plt = require_number(p.plt_10e9_l, "血小板计数", "Platelet count", low=1, high=3000)
    mpv = None if p.mpv_fl is None else require_number(p.mpv_fl, "平均血小板体积", "MPV", low=1, high=40)
    if p.source not in ("manual", "device"):
        raise ValidationError("检测结果来源无效", "Invalid result source", code="INVALID_SOURCE")
    if p.source == "manual":
        require_text(p.manual_reason, "手工录入原因", "the reason for manual entry")
    elif p.raw_message_id is None:
        raise ValidationError("仪器结果须关联原始报文", "A device result must link to its raw message", code="RAW_MESSAGE_REQUIRED")
    if mpv is not None and not ctx.config.site.mpv_enabled:
        mpv = None
    rs = rules.ruleset_for(ctx.today())
    values = {"hb_g_l": hb, "hct": hct, "plt_10e9_l": plt, "mpv_fl": mpv}
    prompts = rules.reasonableness_prompts(rs, values) + flag_prompts(p.flags, values)
    clean = PretestInput(hb_g_l=hb, hct=hct, plt_10e9_l=plt, mpv_fl=mpv, source=p.source, device_name=p.device_name,
                         raw_message_id=p.raw_message_id, raw_units=dict(p.raw_units),
                         manual_reason=(p.manual_reason or "").strip() or None,
                         flags={k: v for k, v in p.flags.items() if k in values and values[k] is not None})
    return clean, _confirm(prompts, confirmations)


def record_pretest(ctx: StationContext, actor: Actor, donation_id: int, result: PretestInput, *,
                   confirmations: frozenset[str] = frozenset(), expected_version: int | None = None) -> dict[str, Any]:
    require_permission(actor, Action.PRETEST)
    result, confirmed = _validated_pretest(ctx, result, confirmations)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        advance(s, d, "record_pretest", actor, now, ctx.station_id)
        row = PreDonationTest(donation_id=d.id, tested_at=now, recorded_by=actor.user_id, **asdict(result))
        if confirmed:
            row.raw_units = {**row.raw_units, "confirmations": confirmed}
        s.add(row)
        s.flush()
        audit.record(s, actor, "pretest.record", "pre_donation_test", row.id, at=now, after=snapshot(row),
                     donation_id=d.id)
        return {"donation_id": d.id, "state": d.state}


# --- assessment --------------------------------------------------------------------------------

def _exam_findings(ctx: StationContext, d: Donation, e: Examination) -> list[rules.Finding]:
    rs = rules.ruleset_for(d.donation_date)
    out = [rules.check_weight(rs, d.donor.sex, e.weight_kg), *rules.check_blood_pressure(rs, e.systolic, e.diastolic),
           rules.check_pulse(rs, e.pulse, regular=e.pulse_regular, athlete=e.endurance_athlete)]
    t = rules.check_temperature(rs, e.temperature_c)
    return out + ([t] if t else [])


def latest_pretest(session: Session, donation_id: int) -> PreDonationTest | None:
    return session.execute(select(PreDonationTest).where(PreDonationTest.donation_id == donation_id,
                                                         PreDonationTest.superseded.is_(False))
                           .order_by(PreDonationTest.id.desc()).limit(1)).scalar_one_or_none()


def _prior_donations(session: Session, donor_id: int, on: date, *, excluding: int | None = None
                     ) -> list[rules.PastDonation]:
    query = select(DonationHistory).where(DonationHistory.donor_id == donor_id, DonationHistory.donated_on <= on)
    if excluding is not None:
        query = query.where((DonationHistory.donation_id.is_(None)) | (DonationHistory.donation_id != excluding))
    return [rules.PastDonation(h.donation_type, h.donated_on, h.volume_ml, h.had_reaction)
            for h in session.execute(query).scalars()]


def evaluate(session: Session, ctx: StationContext, d: Donation) -> tuple[rules.RuleSet, list[rules.Finding]]:
    """Every check of the rule set in force on the donation date, passed or failed."""
    rs = rules.ruleset_for(d.donation_date)
    donor = d.donor
    prior = _prior_donations(session, donor.id, d.donation_date, excluding=d.id)
    past_reaction = any(h.had_reaction for h in prior)
    findings: list[rules.Finding] = [
        rules.check_age(rs, donor.birth_date, d.donation_date, repeat_donor=bool(prior), past_reaction=past_reaction)]
    findings += rules.check_deferrals(rs, [as_active(x) for x in active_deferrals(session, donor.id, d.donation_date)],
                                      d.donation_date)
    per_dose = rs.section("dose")["planned_volume_ml_per_dose"]
    findings += rules.check_intervals(rs, prior, d.donation_date, d.donation_type, per_dose * d.planned_doses)
    exam = session.execute(select(Examination).where(Examination.donation_id == d.id)).scalar_one_or_none()
    if exam is not None:
        findings += _exam_findings(ctx, d, exam)
    test = latest_pretest(session, d.id)
    if test is not None:
        findings += [rules.check_hemoglobin(rs, donor.sex, test.hb_g_l), rules.check_hematocrit(rs, test.hct),
                     rules.check_platelets(rs, test.plt_10e9_l)]
    flagged = session.execute(select(QuestionnaireAnswer).where(QuestionnaireAnswer.donation_id == d.id,
                                                                QuestionnaireAnswer.disqualifying.is_(True))).scalars().all()
    if flagged and d.questionnaire_set:
        qs = question_set_named(d.questionnaire_set, d.questionnaire_version or "")
        text = {q.id: q for q in qs.questions}
        for a in flagged:
            q = text[a.question_id]
            findings.append(rules.Finding(code="QUESTIONNAIRE", status="fail", field=a.question_id, value=a.answer,
                                          message_zh=f"健康征询 {q.id}：{q.zh} 回答“{'是' if a.answer == 'yes' else '否'}”",
                                          message_en=f"Questionnaire {q.id}: {q.en} answered '{a.answer}'",
                                          overridable=rs.overridable("QUESTIONNAIRE"),
                                          deferral_days=rs.deferral_days("QUESTIONNAIRE")))
    return rs, findings


def preview_assessment(ctx: StationContext, actor: Actor, donation_id: int) -> dict[str, Any]:
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        d = s.get(Donation, donation_id)
        if d is None:
            raise NotFound("未找到献血记录", "Donation not found", code="DONATION_NOT_FOUND")
        rs, findings = evaluate(s, ctx, d)
        return {"ruleset": rs.label, "findings": [f.to_json() for f in findings],
                "failed": [f.to_json() for f in findings if f.status == "fail"]}


@dataclass(frozen=True)
class OverrideInput:
    code: str
    reason: str
    signature: bytes | None = None  # the physician's signature over the override (handwritten PNG or CMS)
    signature_kind: str | None = None


def assess(ctx: StationContext, actor: Actor, donation_id: int, *, overrides: tuple[OverrideInput, ...] = (),
           expected_version: int | None = None) -> dict[str, Any]:
    """The eligibility decision: every failed check defers unless a physician overrode it (where allowed)."""
    require_permission(actor, Action.ASSESS)
    if overrides:
        require_permission(actor, Action.OVERRIDE)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        from station.workflow import require as require_step

        require_step("assess", d.state)
        rs, findings = evaluate(s, ctx, d)
        failed = [f for f in findings if f.status == "fail"]
        by_code = {o.code: o for o in overrides}
        unknown = sorted(set(by_code) - {f.code for f in failed})
        if unknown:
            raise ValidationError(f"没有可豁免的未通过项：{', '.join(unknown)}",
                                  f"No failed check to override: {', '.join(unknown)}", code="OVERRIDE_UNKNOWN")
        hard = [f for f in failed if f.code in by_code and not f.overridable]
        if hard:
            raise HardStop(f"以下项目不允许豁免：{'；'.join(f.message_zh for f in hard)}",
                           f"These cannot be overridden: {'; '.join(f.message_en for f in hard)}",
                           code="NOT_OVERRIDABLE", details={"codes": [f.code for f in hard]})
        for o in overrides:
            require_text(o.reason, "豁免理由", "a reason for the override", min_len=4)
            if ctx.config.site.esign_enabled and not o.signature:
                raise ValidationError("豁免须由医生签名", "An override needs the physician's signature",
                                      code="OVERRIDE_SIGNATURE_REQUIRED")
        remaining = [f for f in failed if f.code not in by_code]
        result = "eligible" if not remaining else "deferred"
        decision = EligibilityDecision(donation_id=d.id, result=result,
                                       findings=[{**f.to_json(), "overridden": f.code in by_code} for f in findings],
                                       ruleset_name=rs.name, ruleset_version=rs.version, decided_by=actor.user_id,
                                       decided_at=now)
        decision.overrides = [EligibilityOverride(code=o.code, reason=o.reason.strip(), physician_id=actor.user_id,
                                                  at=now, signature=o.signature, signature_kind=o.signature_kind)
                              for o in overrides]
        s.add(decision)
        s.flush()
        audit.record(s, actor, "eligibility.decide", "eligibility_decision", decision.id, at=now,
                     after={"result": result, "ruleset": rs.label, "failed": [f.code for f in failed],
                            "overridden": sorted(by_code)}, donation_id=d.id)
        deferral_id = None
        if result == "deferred":
            permanent = any(f.code == "DEFERRAL_PERMANENT" for f in remaining)
            days = max((f.deferral_days for f in remaining), default=0)
            if not permanent and days > 0:
                reason = "；".join(f.message_zh for f in remaining)
                deferral_id = record_deferral(ctx, actor, d.donor_id, kind="temporary",
                                              reason_code=remaining[0].code, reason=reason,
                                              until=d.donation_date + timedelta(days=days), donation_id=d.id, session=s)
            advance(s, d, "assess", actor, now, ctx.station_id, target=State.DEFERRED.value,
                    details={"decision_id": decision.id})
        else:
            advance(s, d, "assess", actor, now, ctx.station_id, target=State.ASSESSED.value,
                    details={"decision_id": decision.id})
        return {"donation_id": d.id, "result": result, "state": d.state, "decision_id": decision.id,
                "ruleset": rs.label, "deferral_id": deferral_id,
                "reasons": [{"code": f.code, "message_zh": f.message_zh, "message_en": f.message_en,
                             "overridable": f.overridable} for f in remaining]}


def defer(ctx: StationContext, actor: Actor, donation_id: int, *, reason_code: str, reason: str,
          kind: str = "temporary", until: date | None = None, expected_version: int | None = None) -> dict[str, Any]:
    """A physician defers the donor before or at assessment (temporary with an until-date, or permanent)."""
    require_permission(actor, Action.ASSESS)
    require_text(reason, "暂缓原因", "a reason")
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        from station.workflow import require as require_step

        require_step("defer", d.state)
        deferral_id = record_deferral(ctx, actor, d.donor_id, kind=kind, reason_code=reason_code, reason=reason,
                                      until=until, donation_id=d.id, session=s)
        advance(s, d, "defer", actor, now, ctx.station_id, details={"deferral_id": deferral_id, "reason": reason})
        return {"donation_id": d.id, "state": d.state, "deferral_id": deferral_id}


# --- label -------------------------------------------------------------------------------------

def label_blood_group(abo: str | None, rhd: str | None) -> str:
    """The bag label's eye-readable group (the printer's font is Latin): "O RhD+", and never a bare "RhD" —
    what is not on file is printed as not typed."""
    return f"{abo or 'ABO UNTYPED'} RhD{rhd}" if rhd else (f"{abo} RhD UNTYPED" if abo else "ABO/RhD UNTYPED")


def print_label(ctx: StationContext, actor: Actor, donation_id: int) -> dict[str, Any]:
    """The label's content (the printer driver renders it); printing is recorded on the donation."""
    require_permission(actor, Action.PRINT_LABEL)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id)
        advance(s, d, "print_label", actor, now, ctx.station_id)
        d.label_printed_at = now
        site = ctx.config.site
        return {"din": d.din, "flags": d.din_flags, "check_character": din_check_character(d.din),
                "abo": d.donor.abo, "rhd": d.donor.rhd, "abo_rhd": label_blood_group(d.donor.abo, d.donor.rhd),
                "product_code": site.platelet_product_code,
                "collection_date": d.donation_date.isoformat(), "site_name": site.name,
                "facility_code": site.facility_code}


# --- collection --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreCollectionInput:
    donor_scan: str  # ID number from the card, or the donation's DIN on the wristband
    bag_din_scan: str
    separator_serial: str
    kit_lot: str
    ac_lot: str
    saline_lot: str


def _lot(session: Session, item: str, lot: str, at: datetime) -> tuple[ConsumableLot | None, str | None]:
    # Read, not locked: the check changes no stock. Locking here (lots, then the audit head) deadlocked
    # against finish_collection at another chair (audit head, then lots) on PostgreSQL.
    row = session.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.lot == lot.strip())
                          ).scalars().first()
    if row is None:
        return None, "LOT_UNKNOWN"
    if row.expired(at):  # at the moment of the check: a lot expiring at 12:00 is refused from 12:00 on
        return row, "LOT_EXPIRED"
    if row.quantity_on_hand <= 0:
        return row, "LOT_EXHAUSTED"
    return row, None


_ITEM_NAMES = {"kit": ("耗材", "kit"), "ac": ("抗凝剂", "anticoagulant"), "saline": ("生理盐水", "saline")}
_LOT_PROBLEMS = {"LOT_UNKNOWN": ("批号未登记", "lot not received"), "LOT_EXPIRED": ("已过期", "expired"),
                 "LOT_EXHAUSTED": ("库存为零", "none in stock")}


def precollection_check(ctx: StationContext, actor: Actor, donation_id: int, check: PreCollectionInput, *,
                        expected_version: int | None = None) -> dict[str, Any]:
    """Identity, bag, separator calibration and every lot; a failure is recorded and the step refused."""
    require_permission(actor, Action.PRECOLLECTION_CHECK)
    now, today = ctx.now(), ctx.today()
    problems: list[tuple[str, str, str]] = []
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        from station.workflow import require as require_step

        require_step("precollection_check", d.state)
        donor_ok = False
        scan = check.donor_scan.strip().upper()
        try:
            donor_ok = parse_din(scan).din == d.din
        except ValidationError:
            from station.services.donors import id_index, normalise_id

            try:
                number, _, _ = normalise_id(ctx, d.donor.id_type, scan)
                donor_ok = id_index(ctx, d.donor.id_type, number) == d.donor.id_number_index
            except ValidationError:
                donor_ok = False
        if not donor_ok:
            problems.append(("DONOR_MISMATCH", "献血者身份与本次献血不符", "The donor's identity does not match this donation"))
        try:
            bag_ok = parse_din(check.bag_din_scan).din == d.din
        except ValidationError:
            bag_ok = False
        if not bag_ok:
            problems.append(("BAG_MISMATCH", "血袋条码与本次献血条码不符", "The bag's DIN does not match this donation"))
        sep = s.execute(select(Equipment).where(Equipment.serial == check.separator_serial.strip())).scalar_one_or_none()
        if sep is None or not sep.active:
            problems.append(("SEPARATOR_UNKNOWN", f"分离机 {check.separator_serial} 未登记或已停用",
                             f"Separator {check.separator_serial} is not registered or out of service"))
        elif sep.calibration_due < today:
            problems.append(("SEPARATOR_UNCALIBRATED", f"分离机 {sep.serial} 校准已于{sep.calibration_due}过期",
                             f"Separator {sep.serial} calibration expired on {sep.calibration_due}"))
        from station.services.operations.regional import regional_problem  # the regional check not done, unacknowledged

        if (regional := regional_problem(s, d)) is not None:
            problems.append(regional)
        lots: dict[str, Any] = {}
        for item, lot in (("kit", check.kit_lot), ("ac", check.ac_lot), ("saline", check.saline_lot)):
            row, problem = _lot(s, item, lot, now)
            if problem:
                zh, en = _ITEM_NAMES[item]
                pz, pe = _LOT_PROBLEMS[problem]
                problems.append((problem, f"{zh}批号 {lot} {pz}", f"{en} lot {lot}: {pe}"))
            lots[item] = {"lot": lot.strip(), "catalogue_no": row.catalogue_no if row else None,
                          "expiry": row.expiry_text if row else None,
                          "expires_at": row.expires_at.isoformat() if row else None}
        items = {"donor_scan_ok": donor_ok, "bag_din_ok": bag_ok, "separator_serial": check.separator_serial.strip(),
                 "separator_model": sep.model if sep else None, "lots": lots,
                 "problems": [p[0] for p in problems]}
        check_row = DonationCheck(donation_id=d.id, kind="pre_collection", passed=not problems, items=items,
                                  failure_code=problems[0][0] if problems else None, checked_by=actor.user_id,
                                  checked_at=now)
        s.add(check_row)
        s.flush()
        audit.record(s, actor, "check.pre_collection", "donation_check", check_row.id, at=now,
                     after=snapshot(check_row), donation_id=d.id)
        if not problems:
            advance(s, d, "precollection_check", actor, now, ctx.station_id, details={"check_id": check_row.id})
            return {"donation_id": d.id, "state": d.state, "passed": True, "check_id": check_row.id}
    # the failed check is committed (recorded) before the refusal is raised
    raise HardStop("采前核对未通过：" + "；".join(p[1] for p in problems),
                   "Pre-collection check failed: " + "; ".join(p[2] for p in problems),
                   code=problems[0][0], details={"problems": [p[0] for p in problems]})


def start_collection(ctx: StationContext, actor: Actor, donation_id: int, *, procedure_type: str = "PLT",
                     expected_version: int | None = None) -> dict[str, Any]:
    require_permission(actor, Action.COLLECT)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        from station.workflow import require as require_step

        require_step("start_collection", d.state)
        pre = s.execute(select(DonationCheck).where(DonationCheck.donation_id == d.id,
                                                    DonationCheck.kind == "pre_collection",
                                                    DonationCheck.passed.is_(True))
                        .order_by(DonationCheck.id.desc()).limit(1)).scalar_one()
        lots = pre.items["lots"]
        c = Collection(donation_id=d.id, separator_serial=pre.items["separator_serial"],
                       separator_model=pre.items.get("separator_model") or "", procedure_type=procedure_type,
                       kit_catalogue=lots["kit"]["catalogue_no"] or "", kit_lot=lots["kit"]["lot"],
                       ac_lot=lots["ac"]["lot"], saline_lot=lots["saline"]["lot"], started_at=now,
                       operator_id=actor.user_id, alarms=[])
        s.add(c)
        d.needle_at = now
        advance(s, d, "start_collection", actor, now, ctx.station_id)
        s.flush()
        audit.record(s, actor, "collection.start", "collection", c.id, at=now, after=snapshot(c), donation_id=d.id)
        return {"donation_id": d.id, "state": d.state, "collection_id": c.id}


@dataclass(frozen=True)
class CollectionResult:
    whole_blood_processed_ml: float
    ac_used_ml: float
    ac_to_donor_ml: float
    platelet_volume_ml: float
    platelet_yield_e11: float
    plasma_volume_ml: float = 0.0
    run_minutes: float | None = None
    post_plt_10e9_l: float | None = None
    post_hct: float | None = None
    alarms: tuple[dict[str, Any], ...] = ()
    rinseback_completed: bool = True
    raw_message_id: int | None = None
    # the device's own confirmation prompts (the separator summary's plausibility_prompts())
    device_prompts: tuple[dict[str, Any], ...] = ()


def _consume(session: Session, item: str, lot: str) -> None:
    row = session.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.lot == lot)
                          .with_for_update()).scalars().first()
    if row is None or row.quantity_on_hand <= 0:
        raise HardStop(f"{_ITEM_NAMES[item][0]}批号 {lot} 无库存", f"No stock left of {item} lot {lot}", code="LOT_EXHAUSTED")
    row.quantity_on_hand -= 1


def finish_collection(ctx: StationContext, actor: Actor, donation_id: int, result: CollectionResult, *,
                      confirmations: frozenset[str] = frozenset(), expected_version: int | None = None) -> dict[str, Any]:
    """The end-of-run summary; consumes one kit, AC and saline; the donation enters the donor's history."""
    require_permission(actor, Action.COLLECT)
    vals = {k: require_number(getattr(result, k), k, k, low=0, high=5000)
            for k in ("whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml", "platelet_volume_ml",
                      "platelet_yield_e11", "plasma_volume_ml")}
    if vals["ac_to_donor_ml"] > vals["ac_used_ml"]:
        raise ValidationError("回输抗凝剂量不能大于抗凝剂用量", "AC to donor cannot exceed AC used", code="AC_INCONSISTENT")
    rs = rules.ruleset_for(ctx.today())
    collected = vals["platelet_volume_ml"] + vals["plasma_volume_ml"]
    prompts = rules.reasonableness_prompts(rs, {"collected_volume_ml": collected,
                                                "platelet_yield_e11": vals["platelet_yield_e11"],
                                                "run_minutes": result.run_minutes})
    prompts += [dict(p) for p in result.device_prompts if p.get("code") and p.get("message_zh") and p.get("message_en")]
    confirmed = _confirm(prompts, confirmations)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        advance(s, d, "finish_collection", actor, now, ctx.station_id)
        c = s.execute(select(Collection).where(Collection.donation_id == d.id).with_for_update()).scalar_one()
        before = snapshot(c)
        for k, v in vals.items():
            setattr(c, k, v)
        c.ended_at = now
        c.run_minutes = result.run_minutes if result.run_minutes is not None else round(
            (now - c.started_at).total_seconds() / 60, 1)
        c.post_plt_10e9_l, c.post_hct = result.post_plt_10e9_l, result.post_hct
        c.alarms = [dict(a) for a in result.alarms]
        c.rinseback_completed = result.rinseback_completed
        c.raw_message_id = result.raw_message_id
        c.doses = round(vals["platelet_yield_e11"] / rs.section("dose")["therapeutic_dose_e11"], 2)
        c.confirmations = confirmed
        for item, lot in (("kit", c.kit_lot), ("ac", c.ac_lot), ("saline", c.saline_lot)):
            _consume(s, item, lot)
        s.add(DonationHistory(donor_id=d.donor_id, donation_type=d.donation_type, donated_on=d.donation_date,
                              volume_ml=collected, doses=c.doses or 0, place=ctx.config.site.name, source="local",
                              donation_id=d.id))
        s.flush()
        audit.record(s, actor, "collection.finish", "collection", c.id, at=now, before=before, after=snapshot(c),
                     donation_id=d.id)
        return {"donation_id": d.id, "state": d.state, "doses": c.doses, "collected_ml": collected}


REACTION_TYPES = {"vasovagal": ("血管迷走神经反应", "vasovagal reaction"), "citrate": ("枸橼酸盐反应", "citrate reaction"),
                  "hematoma": ("穿刺部位血肿", "haematoma"), "nerve_injury": ("神经损伤", "nerve injury"),
                  "allergic": ("过敏反应", "allergic reaction"), "other": ("其他", "other")}


def record_adverse_reaction(ctx: StationContext, actor: Actor, donation_id: int, *, type: str, grade: int,
                            treatment: str, outcome: str = "", occurred_at: datetime | None = None) -> dict[str, Any]:
    require_permission(actor, Action.ADVERSE_REACTION)
    if type not in REACTION_TYPES:
        raise ValidationError(f"未知献血反应类型 {type}", f"Unknown reaction type {type}", code="INVALID_REACTION")
    if grade not in (1, 2, 3):
        raise ValidationError("反应分级应为1（轻）、2（中）、3（重）", "Grade is 1 (mild), 2 (moderate) or 3 (severe)",
                              code="INVALID_GRADE")
    require_text(treatment, "处理措施", "the treatment given")
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id)
        from station.workflow import require as require_step

        require_step("record_adverse_reaction", d.state)
        when = occurred_at or now
        if d.needle_at and when < d.needle_at - timedelta(minutes=1):
            raise ValidationError("献血反应时间不能早于穿刺时间", "A reaction cannot precede the needle", code="INVALID_TIME")
        r = AdverseReaction(donation_id=d.id, type=type, grade=grade, occurred_at=when, treatment=treatment.strip(),
                            outcome=outcome.strip(), recorded_by=actor.user_id, recorded_at=now)
        s.add(r)
        hist = s.execute(select(DonationHistory).where(DonationHistory.donation_id == d.id)).scalar_one_or_none()
        if hist is not None:
            hist.had_reaction = True
        s.flush()
        audit.record(s, actor, "adverse_reaction.record", "adverse_reaction", r.id, at=now, after=snapshot(r),
                     donation_id=d.id)
        return {"donation_id": d.id, "reaction_id": r.id}


POST_ITEMS = ("donor_condition_ok", "puncture_site_ok", "product_appearance_ok", "label_applied", "bag_intact")


def postcollection_check(ctx: StationContext, actor: Actor, donation_id: int, items: dict[str, bool], *,
                         notes: str = "", expected_version: int | None = None) -> dict[str, Any]:
    require_permission(actor, Action.POSTCOLLECTION_CHECK)
    missing = [k for k in POST_ITEMS if k not in items]
    if missing:
        raise ValidationError(f"采后核对项目未完成：{', '.join(missing)}", f"Post-collection items missing: {', '.join(missing)}",
                              code="CHECK_INCOMPLETE", details={"missing": missing})
    failed = [k for k in POST_ITEMS if not items[k]]
    if failed and len(notes.strip()) < 2:
        raise ValidationError("有未通过的核对项目，请填写说明", "Explain the items that did not pass", code="REQUIRED")
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        advance(s, d, "postcollection_check", actor, now, ctx.station_id)
        row = DonationCheck(donation_id=d.id, kind="post_collection", passed=not failed,
                            items={**{k: bool(items[k]) for k in POST_ITEMS}, "notes": notes.strip()},
                            failure_code=failed[0] if failed else None, checked_by=actor.user_id, checked_at=now)
        s.add(row)
        s.flush()
        audit.record(s, actor, "check.post_collection", "donation_check", row.id, at=now, after=snapshot(row),
                     donation_id=d.id)
        return {"donation_id": d.id, "state": d.state, "passed": not failed}


def seal(ctx: StationContext, actor: Actor, donation_id: int, scans: list[str], *,
         expected_version: int | None = None) -> dict[str, Any]:
    """Sealing check: every scanned bag and segment must carry this donation's DIN; a mismatch is a hard stop."""
    require_permission(actor, Action.SEAL)
    if not scans:
        raise ValidationError("请扫描每个血袋和留样管", "Scan every bag and segment", code="NO_SCANS")
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        from station.workflow import require as require_step

        require_step("seal", d.state)
        results = []
        for raw in scans:
            try:
                scanned = parse_din(raw).din
                ok = scanned == d.din
            except ValidationError:
                scanned, ok = None, False
            results.append({"scan": raw.strip(), "din": scanned, "match": ok})
        passed = all(r["match"] for r in results)
        row = DonationCheck(donation_id=d.id, kind="sealing", passed=passed,
                            items={"expected_din": d.din, "scans": results},
                            failure_code=None if passed else "SEALING_MISMATCH", checked_by=actor.user_id,
                            checked_at=now)
        s.add(row)
        s.flush()
        audit.record(s, actor, "check.sealing", "donation_check", row.id, at=now, after=snapshot(row), donation_id=d.id)
        if passed:
            advance(s, d, "seal", actor, now, ctx.station_id, details={"check_id": row.id})
            return {"donation_id": d.id, "state": d.state, "passed": True, "scans": results}
    bad = [str(r["scan"]) for r in results if not r["match"]]
    raise HardStop(f"热合核对不符！扫描的条码 {', '.join(bad)} 不属于本次献血 {d.din}，请立即停止并核查",
                   f"SEALING MISMATCH: scanned {', '.join(bad)} does not belong to donation {d.din}; stop and investigate",
                   code="SEALING_MISMATCH", details={"scans": results, "expected": d.din})


def abort(ctx: StationContext, actor: Actor, donation_id: int, reason: str, *,
          expected_version: int | None = None) -> dict[str, Any]:
    require_permission(actor, Action.ABORT)
    reason = require_text(reason, "中止原因", "a reason for aborting")
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        d.abort_reason = reason
        was_collecting = d.state == State.COLLECTING.value
        advance(s, d, "abort", actor, now, ctx.station_id, details={"reason": reason})
        c = s.execute(select(Collection).where(Collection.donation_id == d.id)).scalar_one_or_none()
        if was_collecting and c is not None:
            # The kit was installed and primed, AC and saline connected: they are used up even though the
            # run did not finish (finish_collection consumes them otherwise). Never blocks the abort.
            for item, lot in (("kit", c.kit_lot), ("ac", c.ac_lot), ("saline", c.saline_lot)):
                row = s.execute(select(ConsumableLot).where(ConsumableLot.item == item, ConsumableLot.lot == lot)
                                .with_for_update()).scalars().first()
                if row is not None and row.quantity_on_hand > 0:
                    row.quantity_on_hand -= 1
        if d.needle_at is not None and c is not None:
            if c.ended_at is None:
                c.ended_at = now
            exists = s.execute(select(DonationHistory).where(DonationHistory.donation_id == d.id)).scalar_one_or_none()
            if exists is None:  # the needle went in: the attempt counts towards the donor's intervals
                s.add(DonationHistory(donor_id=d.donor_id, donation_type=d.donation_type, donated_on=d.donation_date,
                                      volume_ml=(c.platelet_volume_ml or 0) + (c.plasma_volume_ml or 0),
                                      place=ctx.config.site.name, source="local", donation_id=d.id))
        return {"donation_id": d.id, "state": d.state}


# --- amendments (counted: the seeds' record modification rate) ---------------------------------

def _amend(ctx: StationContext, actor: Actor, donation_id: int, step: str, reason: str, apply: Any,
           expected_version: int | None) -> dict[str, Any]:
    require_permission(actor, Action.AMEND)
    reason = require_text(reason, "修改原因", "a reason for the change", min_len=4)
    now = ctx.now()
    with ctx.transaction() as s:
        d = load_donation(s, donation_id, expected_version=expected_version)
        from station.workflow import require as require_step

        require_step(step, d.state)
        if s.execute(select(func.count()).select_from(DonationCheck).where(
                DonationCheck.donation_id == d.id, DonationCheck.kind == "sealing", DonationCheck.passed.is_(True))).scalar():
            raise ValidationError("已热合的记录不能修改", "Sealed records cannot be changed", code="RECORD_LOCKED")
        entity, before, after = apply(s, d)
        d.modification_count += 1
        audit.record(s, actor, f"{entity}.amend", entity, d.id, at=now, before=before,
                     after={**after, "reason": reason}, donation_id=d.id)
        return {"donation_id": d.id, "modification_count": d.modification_count}


def amend_examination(ctx: StationContext, actor: Actor, donation_id: int, exam: ExamInput, reason: str, *,
                      confirmations: frozenset[str] = frozenset(), expected_version: int | None = None) -> dict[str, Any]:
    exam, confirmed = _validated_exam(ctx, exam, confirmations)

    def apply(s: Session, d: Donation) -> tuple[str, dict[str, Any], dict[str, Any]]:
        row = s.execute(select(Examination).where(Examination.donation_id == d.id)).scalar_one()
        before = snapshot(row)
        for k, v in asdict(exam).items():
            setattr(row, k, v)
        row.confirmations = confirmed
        s.flush()
        return "examination", before, snapshot(row)

    return _amend(ctx, actor, donation_id, "amend_examination", reason, apply, expected_version)


def amend_pretest(ctx: StationContext, actor: Actor, donation_id: int, result: PretestInput, reason: str, *,
                  confirmations: frozenset[str] = frozenset(), expected_version: int | None = None) -> dict[str, Any]:
    result, _confirmed = _validated_pretest(ctx, result, confirmations)

    def apply(s: Session, d: Donation) -> tuple[str, dict[str, Any], dict[str, Any]]:
        old = latest_pretest(s, d.id)
        before = snapshot(old) if old else {}
        if old:
            old.superseded = True
        row = PreDonationTest(donation_id=d.id, tested_at=ctx.now(), recorded_by=actor.user_id, **asdict(result))
        s.add(row)
        s.flush()
        return "pre_donation_test", before, snapshot(row)

    return _amend(ctx, actor, donation_id, "amend_pretest", reason, apply, expected_version)


def amend_collection(ctx: StationContext, actor: Actor, donation_id: int, changes: dict[str, float], reason: str, *,
                     expected_version: int | None = None) -> dict[str, Any]:
    allowed = {"whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml", "platelet_volume_ml", "platelet_yield_e11",
               "plasma_volume_ml", "post_plt_10e9_l", "post_hct", "run_minutes"}
    bad = sorted(set(changes) - allowed)
    if bad:
        raise ValidationError(f"不能修改：{', '.join(bad)}", f"Cannot change: {', '.join(bad)}", code="INVALID_FIELD")
    clean = {k: require_number(v, k, k, low=0, high=5000) for k, v in changes.items()}

    def apply(s: Session, d: Donation) -> tuple[str, dict[str, Any], dict[str, Any]]:
        row = s.execute(select(Collection).where(Collection.donation_id == d.id)).scalar_one()
        before = snapshot(row)
        for k, v in clean.items():
            setattr(row, k, v)
        s.flush()
        return "collection", before, snapshot(row)

    return _amend(ctx, actor, donation_id, "amend_collection", reason, apply, expected_version)


# --- reading -----------------------------------------------------------------------------------

def _latest_regional(session: Session, donation_id: int) -> dict[str, Any] | None:
    from station.services.operations.regional import latest_check

    return latest_check(session, donation_id)


def donation_detail(ctx: StationContext, actor: Actor, donation_id: int) -> dict[str, Any]:
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        d = s.get(Donation, donation_id)
        if d is None:
            raise NotFound("未找到献血记录", "Donation not found", code="DONATION_NOT_FOUND")
        exam = s.execute(select(Examination).where(Examination.donation_id == d.id)).scalar_one_or_none()
        test = latest_pretest(s, d.id)
        decision = s.execute(select(EligibilityDecision).where(EligibilityDecision.donation_id == d.id)
                             .order_by(EligibilityDecision.id.desc()).limit(1)).scalar_one_or_none()
        coll = s.execute(select(Collection).where(Collection.donation_id == d.id)).scalar_one_or_none()
        reactions = s.execute(select(AdverseReaction).where(AdverseReaction.donation_id == d.id)).scalars().all()
        checks = s.execute(select(DonationCheck).where(DonationCheck.donation_id == d.id)
                           .order_by(DonationCheck.id)).scalars().all()
        return {"donation_id": d.id, "din": d.din, "check_character": din_check_character(d.din), "state": d.state,
                "version": d.version, "queue_number": d.queue_number, "donation_date": d.donation_date.isoformat(),
                "donation_type": d.donation_type, "planned_doses": d.planned_doses,
                "donor": {"donor_id": d.donor.id, "name": d.donor.name, "sex": d.donor.sex,
                          "id_number_masked": d.donor.id_number_masked, "abo": d.donor.abo, "rhd": d.donor.rhd,
                          "birth_date": d.donor.birth_date.isoformat()},
                "examination": snapshot(exam) if exam else None, "pretest": snapshot(test) if test else None,
                "decision": ({"result": decision.result, "findings": decision.findings,
                              "ruleset": f"{decision.ruleset_name} v{decision.ruleset_version}",
                              "overrides": [{"code": o.code, "reason": o.reason} for o in decision.overrides]}
                             if decision else None),
                "collection": snapshot(coll) if coll else None,
                "adverse_reactions": [snapshot(r) for r in reactions],
                "regional_check": _latest_regional(s, d.id),
                "checks": [{"kind": c.kind, "passed": c.passed, "items": c.items, "at": c.checked_at.isoformat()}
                           for c in checks],
                "steps": [{"step": st.step, "state": st.state_to, "at": st.at.isoformat(), "actor_id": st.actor_id}
                          for st in d.steps],
                "modification_count": d.modification_count}


def list_donations(ctx: StationContext, actor: Actor, *, states: tuple[str, ...] = (), on: date | None = None,
                   limit: int = 200) -> list[dict[str, Any]]:
    require_permission(actor, Action.VIEW_DONOR)
    with ctx.transaction() as s:
        q = select(Donation)
        if states:
            q = q.where(Donation.state.in_(states))
        if on:
            q = q.where(Donation.donation_date == on)
        rows = s.execute(q.order_by(Donation.queue_number, Donation.id).limit(limit)).unique().scalars()
        return [{"donation_id": d.id, "din": d.din, "state": d.state, "queue_number": d.queue_number,
                 "donor_name": d.donor.name, "id_number_masked": d.donor.id_number_masked, "sex": d.donor.sex,
                 "version": d.version, "donation_date": d.donation_date.isoformat()} for d in rows]
