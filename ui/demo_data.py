"""A demo data folder built through the services (no Qt): for screenshots, the benchmark and the UI tests."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from station.bootstrap import init_data_dir
from station.context import StationContext, open_context
from station.demo import _new_person, demo_actors, enrol_demo_staff, ensure_demo_inventory, run_demo
from station.security import Actor
from station.services import donations as dn
from station.services import donors as dr

ADMIN_PASSWORD = "Chief-Demo-2026"


@dataclass
class DemoStation:
    data_dir: Path
    ctx: StationContext
    actors: dict[str, Actor]
    lots: dict[str, str]
    waiting: dict[str, int] = field(default_factory=dict)  # state -> a donation waiting in it

    def close(self) -> None:
        self.ctx.close()


def new_person(seed: int, today: date) -> dict[str, Any]:
    return _new_person(random.Random(seed), today)


def build_demo_station(data_dir: Path, *, donations: int = 12, seed: int = 7, waiting: bool = True) -> DemoStation:
    """Initialise a data folder, run seeded donations through the workflow and leave a few mid-way."""
    init_data_dir(data_dir, admin_password=ADMIN_PASSWORD, demo=True)
    ctx = open_context(data_dir)
    ctx.site_id  # resolved outside any transaction (services read it inside theirs)
    report = run_demo(ctx, donations, seed) if donations else None
    actors = demo_actors(ctx)
    enrol_demo_staff(ctx)  # the nurse's and physician's signing keys (PIN DEMO_PIN) from the local CA
    if report is not None:  # the finished donations are signed, as they would be by the end of their day
        from station.demo_run import sign_sealed

        sign_sealed(ctx, report.sealed_ids, seed)
    lots = ensure_demo_inventory(ctx, actors["nurse"])
    demo = DemoStation(data_dir, ctx, actors, lots)
    if waiting:
        _leave_waiting(demo, seed)
    return demo


def _leave_waiting(demo: DemoStation, seed: int) -> None:
    ctx, reg, doc, nur = demo.ctx, demo.actors["registrar"], demo.actors["physician"], demo.actors["nurse"]
    today = ctx.today()
    for i, stop in enumerate(("questionnaire_signed", "pretested", "collecting")):
        p = new_person(seed * 100 + i, today)
        donor = dr.register_donor(ctx, reg, dr.DonorInput(id_number=p["id_number"], name=p["name"], sex=p["sex"],
                                                          birth_date=p["birth_date"], phone=p["phone"], abo=p["abo"],
                                                          rhd=p["rhd"], address=p["address"], nation="汉"))
        dr.import_history(ctx, reg, donor["donor_id"], [{"donation_type": "apheresis_platelets",
                                                          "donated_on": (today - timedelta(days=60)).isoformat(),
                                                          "volume_ml": 250, "place": "浙江省血液中心武林院区"}])
        d = dn.register_donation(ctx, reg, donor["donor_id"])
        did = d["donation_id"]
        q = dn.questionnaire_for(ctx, did)
        dn.sign_questionnaire(ctx, reg, did, {x["id"]: ("yes" if x["id"] in ("Q01", "Q13") else "no")
                                              for x in q["questions"]})
        demo.waiting[stop] = did
        if stop == "questionnaire_signed":
            continue
        male = p["sex"] == "male"
        dn.record_examination(ctx, doc, did, dn.ExamInput(weight_kg=68 if male else 55, height_cm=172 if male else 160,
                                                          systolic=118, diastolic=76, pulse=72, temperature_c=36.6,
                                                          general_condition="一般情况良好"))
        dn.record_pretest(ctx, doc, did, dn.PretestInput(hb_g_l=148 if male else 128, hct=0.43, plt_10e9_l=236,
                                                         mpv_fl=10.1, source="manual", manual_reason="演示：手工录入"))
        if stop == "pretested":
            continue
        dn.assess(ctx, doc, did)
        label = dn.print_label(ctx, nur, did)
        scan = f"={label['din']}{label['flags']}"
        dn.precollection_check(ctx, nur, did, dn.PreCollectionInput(
            donor_scan=scan, bag_din_scan=scan, separator_serial="TRIMA-1T05211", kit_lot=demo.lots["kit"],
            ac_lot=demo.lots["ac"], saline_lot=demo.lots["saline"]))
        dn.start_collection(ctx, nur, did)
