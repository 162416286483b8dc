"""Helpers for the foundation tests: a settable clock, donors with valid ID numbers, one call per workflow
step with realistic values (the call patterns of station/demo.py), and a snapshot of the whole database."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from station.context import StationContext
from station.identifiers import id_check_digit
from station.models import Base
from station.rules.questionnaire import question_set_for
from station.security import Actor
from station.services import donations as dn
from station.services import donors as dr
from station.services import inventory
from station.workflow import State

# 10:00 in Shanghai on 2026-05-12: the local date the services count in
START = datetime(2026, 5, 12, 2, 0, tzinfo=UTC)
SEPARATOR = "TEST-SEP-0001"
LOTS = {"kit": "KIT-T-0001", "ac": "AC-T-0001", "saline": "NS-T-0001"}
PASSWORD = "Station-Demo-2026"  # station.demo.DEMO_PASSWORD; the test admin has it too


class Clock:
    """ctx.clock for tests: a fixed instant that a test may move."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set_date(self, day: date, hour_utc: int = 2) -> None:
        self.at = datetime(day.year, day.month, day.day, hour_utc, 0, tzinfo=UTC)

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


_seq = itertools.count(1)


def id_number(birth: date, sex: str, region: str = "330106") -> str:
    """A valid 18-digit resident ID number for the birth date and sex (17th digit odd for men)."""
    n = next(_seq) % 500
    seq = n * 2 + (1 if sex == "male" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def birth_for_age(today: date, age: int) -> date:
    return date(today.year - age, 1, 15) if (today.month, today.day) >= (1, 15) else date(today.year - age - 1, 1, 15)


def new_donor(ctx: StationContext, registrar: Actor, *, sex: str = "male", age: int = 30,
              name: str = "测试献血者", birth: date | None = None) -> tuple[int, str]:
    """Register a donor; returns (donor_id, ID number)."""
    birth = birth or birth_for_age(ctx.today(), age)
    number = id_number(birth, sex)
    out = dr.register_donor(ctx, registrar, dr.DonorInput(id_number=number, name=name, sex=sex, birth_date=birth,
                                                          phone="13800138000", abo="A", rhd="+"))
    return out["donor_id"], number


GOOD_EXAM = dn.ExamInput(weight_kg=65.0, height_cm=170, systolic=120, diastolic=75, pulse=72, temperature_c=36.6,
                         general_condition="一般情况良好")
GOOD_PRETEST = dn.PretestInput(hb_g_l=140.0, hct=0.42, plt_10e9_l=250.0, mpv_fl=9.5, source="manual",
                               manual_reason="测试：手工录入")
GOOD_COLLECTION = dn.CollectionResult(whole_blood_processed_ml=2600, ac_used_ml=236, ac_to_donor_ml=184,
                                      platelet_volume_ml=250, platelet_yield_e11=2.9, plasma_volume_ml=0,
                                      run_minutes=70, post_plt_10e9_l=175, post_hct=0.42)
POST_OK = {k: True for k in dn.POST_ITEMS}


def exam(**changes: Any) -> dn.ExamInput:
    return replace(GOOD_EXAM, **changes)


def pretest(**changes: Any) -> dn.PretestInput:
    return replace(GOOD_PRETEST, **changes)


def healthy_answers(ctx: StationContext, sex: str) -> dict[str, str]:
    qs = question_set_for(ctx.today())
    return {q.id: ("no" if q.disqualifying == "yes" else "yes") for q in qs.for_sex(sex)}


def din_of(ctx: StationContext, donation_id: int) -> str:
    with ctx.transaction() as s:
        return s.execute(text("SELECT din FROM donation WHERE id = :i"), {"i": donation_id}).scalar_one()


def donor_of(ctx: StationContext, donation_id: int) -> int:
    """The donor id of a donation."""
    with ctx.transaction() as s:
        return s.execute(text("SELECT donor_id FROM donation WHERE id = :i"), {"i": donation_id}).scalar_one()


def state_of(ctx: StationContext, donation_id: int) -> str:
    with ctx.transaction() as s:
        return s.execute(text("SELECT state FROM donation WHERE id = :i"), {"i": donation_id}).scalar_one()


def barcode(din: str) -> str:
    return f"={din}00"


def ensure_inventory(ctx: StationContext, admin: Actor) -> None:
    today = ctx.today()
    inventory.register_equipment(ctx, admin, serial=SEPARATOR, model="Trima Accel 7",
                                 calibration_due=today + timedelta(days=900))
    for item, cat in (("kit", "80300"), ("ac", "ACD-A-500"), ("saline", "NS-1000")):
        inventory.receive_lot(ctx, admin, item=item, catalogue_no=cat, lot=LOTS[item],
                              expiry=today + timedelta(days=900), quantity=500, name=item, unit="pc")


def precheck_input(din: str) -> dn.PreCollectionInput:
    return dn.PreCollectionInput(donor_scan=barcode(din), bag_din_scan=barcode(din), separator_serial=SEPARATOR,
                                 kit_lot=LOTS["kit"], ac_lot=LOTS["ac"], saline_lot=LOTS["saline"])


@dataclass
class Staff:
    registrar: Actor
    physician: Actor
    nurse: Actor
    archivist: Actor
    admin: Actor


def step_calls(ctx: StationContext, staff: Staff, donation_id: int, sex: str = "male") -> dict[str, Callable[[], Any]]:
    """Each workflow step as one service call with valid input: only the state can make it refuse."""
    din = din_of(ctx, donation_id)
    doc, nurse = staff.physician, staff.nurse

    def sign_records() -> Any:
        from station.services.records import sign_donation_records

        return sign_donation_records(ctx, nurse, donation_id, pin="000000")

    return {
        "sign_questionnaire": lambda: dn.sign_questionnaire(ctx, staff.registrar, donation_id, healthy_answers(ctx, sex)),
        "record_examination": lambda: dn.record_examination(ctx, doc, donation_id, GOOD_EXAM),
        "record_pretest": lambda: dn.record_pretest(ctx, doc, donation_id, GOOD_PRETEST),
        "assess": lambda: dn.assess(ctx, doc, donation_id),
        "defer": lambda: dn.defer(ctx, doc, donation_id, reason_code="PHYSICIAN", reason="医生判断暂缓献血",
                                  until=ctx.today() + timedelta(days=7)),
        "print_label": lambda: dn.print_label(ctx, nurse, donation_id),
        "precollection_check": lambda: dn.precollection_check(ctx, nurse, donation_id, precheck_input(din)),
        "start_collection": lambda: dn.start_collection(ctx, nurse, donation_id),
        "finish_collection": lambda: dn.finish_collection(ctx, nurse, donation_id, GOOD_COLLECTION),
        "postcollection_check": lambda: dn.postcollection_check(ctx, nurse, donation_id, POST_OK),
        "seal": lambda: dn.seal(ctx, nurse, donation_id, [barcode(din), barcode(din)]),
        "sign_records": sign_records,
        "abort": lambda: dn.abort(ctx, nurse, donation_id, "测试：中止采集"),
        "record_adverse_reaction": lambda: dn.record_adverse_reaction(ctx, nurse, donation_id, type="vasovagal",
                                                                      grade=1, treatment="平卧休息，口服温糖水"),
        "amend_examination": lambda: dn.amend_examination(ctx, doc, donation_id, exam(weight_kg=66.0),
                                                          "更正体重录入错误"),
        "amend_pretest": lambda: dn.amend_pretest(ctx, doc, donation_id, pretest(hb_g_l=141.0), "更正录入错误"),
        "amend_collection": lambda: dn.amend_collection(ctx, nurse, donation_id, {"ac_used_ml": 240.0},
                                                        "更正抗凝剂用量"),
    }


# the path to each state: the steps taken from `registered`
PATHS: dict[State, tuple[str, ...]] = {
    State.REGISTERED: (),
    State.QUESTIONNAIRE_SIGNED: ("sign_questionnaire",),
    State.EXAMINED: ("sign_questionnaire", "record_examination"),
    State.PRETESTED: ("sign_questionnaire", "record_examination", "record_pretest"),
    State.ASSESSED: ("sign_questionnaire", "record_examination", "record_pretest", "assess"),
    State.DEFERRED: ("sign_questionnaire", "defer"),
    State.PRECOLLECTION_CHECKED: ("sign_questionnaire", "record_examination", "record_pretest", "assess",
                                  "print_label", "precollection_check"),
    State.COLLECTING: ("sign_questionnaire", "record_examination", "record_pretest", "assess", "print_label",
                       "precollection_check", "start_collection"),
    State.COLLECTED: ("sign_questionnaire", "record_examination", "record_pretest", "assess", "print_label",
                      "precollection_check", "start_collection", "finish_collection"),
    State.POSTCOLLECTION_CHECKED: ("sign_questionnaire", "record_examination", "record_pretest", "assess",
                                   "print_label", "precollection_check", "start_collection", "finish_collection",
                                   "postcollection_check"),
    State.SEALED: ("sign_questionnaire", "record_examination", "record_pretest", "assess", "print_label",
                   "precollection_check", "start_collection", "finish_collection", "postcollection_check", "seal"),
    State.ABORTED: ("sign_questionnaire", "record_examination", "record_pretest", "assess", "print_label",
                    "precollection_check", "start_collection", "abort"),
}


def new_donation(ctx: StationContext, staff: Staff, *, sex: str = "male", age: int = 30) -> int:
    donor_id, _ = new_donor(ctx, staff.registrar, sex=sex, age=age)
    return dn.register_donation(ctx, staff.registrar, donor_id)["donation_id"]


def drive(ctx: StationContext, staff: Staff, donation_id: int, target: State, sex: str = "male") -> None:
    calls = step_calls(ctx, staff, donation_id, sex)
    for step in PATHS[target]:
        calls[step]()
    assert state_of(ctx, donation_id) == target.value


def db_snapshot(ctx: StationContext) -> dict[str, Any]:
    """Every row of every table (the whole database content), in primary-key order."""
    out: dict[str, Any] = {}
    with ctx.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


def snapshot_summary(snap: dict[str, Any]) -> dict[str, int]:
    return {name: len(rows) for name, rows in snap.items()}
