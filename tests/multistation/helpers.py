"""Shared by the multi-station tests and their worker processes: stations, staff, donors, donation steps."""
from __future__ import annotations

import os
import random
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from station.context import StationContext, open_context
from station.identifiers import id_check_digit

PG_ENV = "STATION_TEST_PG_URL"


# --- databases ---------------------------------------------------------------------------------

def pg_server_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def create_pg_database(server_url: str, prefix: str = "station_ms") -> str:
    """A fresh database on the test server; returns its URL."""
    from sqlalchemy import create_engine

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(server_url: str, db_url: str) -> None:
    from sqlalchemy import create_engine

    name = make_url(db_url).database
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def init_station(data_dir: Path, database_url: str | None) -> str:
    """A data folder on the given database (None: the embedded SQLite file); returns the admin password."""
    from station.bootstrap import init_data_dir

    result = init_data_dir(data_dir, database_url=database_url, with_ca=False)
    assert result.admin_password, "a new installation generates the first administrator's password"
    return result.admin_password


def open_station(data_dir: Path, name: str = "") -> StationContext:
    """Another station (desk, chair) of the same centre: same data folder and database, its own name and pool."""
    from station.config import load_config

    cfg = load_config(data_dir)
    if name:
        cfg = replace(cfg, station=replace(cfg.station, name=name))
    return open_context(data_dir, config=cfg)


def table_counts(ctx: StationContext) -> dict[str, Any]:
    """Row counts of every table plus every versioned row's version: equal before and after means unchanged."""
    from station.models.base import Base

    out: dict[str, Any] = {}
    with ctx.transaction() as s:
        for name, table in sorted(Base.metadata.tables.items()):
            out[name] = s.execute(select(func.count()).select_from(table)).scalar_one()
            if "version" in table.c:
                out[name + ".versions"] = sorted(s.execute(select(table.c.id, table.c.version)).all())
        out["donation.states"] = sorted(s.execute(text("SELECT id, state FROM donation")).all())
    return out


# --- people ------------------------------------------------------------------------------------

REGIONS = ("330102", "330106", "110105", "310104", "320102")


def random_id_number(rng: random.Random, *, sex: str = "male", birth: date | None = None) -> str:
    birth = birth or date(rng.randint(1972, 2004), rng.randint(1, 12), rng.randint(1, 28))
    seq = rng.randint(0, 99) * 10 + (rng.choice((1, 3, 5, 7, 9)) if sex == "male" else rng.choice((0, 2, 4, 6, 8)))
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def donor_input(rng: random.Random, *, name: str | None = None, sex: str = "male", id_number: str | None = None) -> Any:
    from station.services.donors import DonorInput

    return DonorInput(id_number=id_number or random_id_number(rng, sex=sex), name=name or f"测试{rng.randint(0, 99999)}",
                      sex=sex, phone=f"139{rng.randint(10_000_000, 99_999_999)}", abo="O", rhd="+",
                      address="浙江省杭州市上城区")


# --- donation steps (the values of station.demo._drive, one function per step) ------------------

def healthy_answers(ctx: StationContext, donation_id: int) -> dict[str, str]:
    from station.services import donations as dn

    return {q["id"]: ("yes" if q["id"] in ("Q01", "Q13") else "no")
            for q in dn.questionnaire_for(ctx, donation_id)["questions"]}


def exam_input() -> Any:
    from station.services import donations as dn

    return dn.ExamInput(weight_kg=70.0, height_cm=175, systolic=120, diastolic=78, pulse=72, temperature_c=36.6,
                        general_condition="一般情况良好")


def pretest_input() -> Any:
    from station.services import donations as dn

    return dn.PretestInput(hb_g_l=145.0, hct=0.43, plt_10e9_l=250.0, mpv_fl=10.0, source="manual",
                           manual_reason="测试：手工录入血细胞分析结果")


def collection_result() -> Any:
    from station.services import donations as dn

    return dn.CollectionResult(whole_blood_processed_ml=2600, ac_used_ml=236, ac_to_donor_ml=184,
                               platelet_volume_ml=250, platelet_yield_e11=3.0, run_minutes=70,
                               post_plt_10e9_l=175, post_hct=0.43)


def precheck_input(din_scan: str, lots: dict[str, str]) -> Any:
    from station.services import donations as dn

    return dn.PreCollectionInput(donor_scan=din_scan, bag_din_scan=din_scan, separator_serial="TRIMA-1T05211",
                                 kit_lot=lots["kit"], ac_lot=lots["ac"], saline_lot=lots["saline"])


STEPS = ("sign_questionnaire", "record_examination", "record_pretest", "assess", "print_label",
         "precollection_check", "start_collection", "finish_collection", "postcollection_check", "seal")


def do_step(ctx: StationContext, actors: dict[str, Any], lots: dict[str, str], donation_id: int, step: str,
            *, expected_version: int | None = None) -> dict[str, Any]:
    """One workflow step with realistic values, by the role that does it at a real station."""
    from station.services import donations as dn

    reg, doc, nur = actors["registrar"], actors["physician"], actors["nurse"]
    v = {"expected_version": expected_version}
    if step == "sign_questionnaire":
        return dn.sign_questionnaire(ctx, reg, donation_id, healthy_answers(ctx, donation_id), **v)
    if step == "record_examination":
        return dn.record_examination(ctx, doc, donation_id, exam_input(), **v)
    if step == "record_pretest":
        return dn.record_pretest(ctx, doc, donation_id, pretest_input(), **v)
    if step == "assess":
        return dn.assess(ctx, doc, donation_id, **v)
    if step == "print_label":
        return dn.print_label(ctx, nur, donation_id)
    din_scan = _din_scan(ctx, doc, donation_id)
    if step == "precollection_check":
        return dn.precollection_check(ctx, nur, donation_id, precheck_input(din_scan, lots), **v)
    if step == "start_collection":
        return dn.start_collection(ctx, nur, donation_id, **v)
    if step == "finish_collection":
        return dn.finish_collection(ctx, nur, donation_id, collection_result(), **v)
    if step == "postcollection_check":
        return dn.postcollection_check(ctx, nur, donation_id, {k: True for k in dn.POST_ITEMS}, **v)
    if step == "seal":
        from station.identifiers import din_check_character

        detail = dn.donation_detail(ctx, doc, donation_id)
        return dn.seal(ctx, nur, donation_id, [din_scan, detail["din"] + din_check_character(detail["din"])], **v)
    raise ValueError(step)


def _din_scan(ctx: StationContext, actor: Any, donation_id: int) -> str:
    from station.models import Donation

    with ctx.transaction() as s:
        d = s.get(Donation, donation_id)
        assert d is not None
        return f"={d.din}{d.din_flags}"


def staff(ctx: StationContext) -> tuple[dict[str, Any], dict[str, str]]:
    """The demo staff (registrar, physician, nurse, archivist) and consumable lots, created on first use."""
    from station.demo import demo_actors, ensure_demo_inventory

    actors = demo_actors(ctx)
    return actors, ensure_demo_inventory(ctx, actors["nurse"])


def new_donation(ctx: StationContext, actors: dict[str, Any], rng: random.Random) -> int:
    from station.services import donations as dn
    from station.services import donors as dr

    donor = dr.register_donor(ctx, actors["registrar"], donor_input(rng))
    return dn.register_donation(ctx, actors["registrar"], donor["donor_id"])["donation_id"]


def drive_to(ctx: StationContext, actors: dict[str, Any], lots: dict[str, str], donation_id: int, last_step: str) -> None:
    for step in STEPS[:STEPS.index(last_step) + 1]:
        do_step(ctx, actors, lots, donation_id, step)
