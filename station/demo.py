"""`station demo --headless`: seeded, realistic donors driven through the whole workflow via the services."""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import func, select

from station.context import StationContext
from station.errors import LocalizedError, StationError
from station.identifiers import id_check_digit
from station.models import ConsumableLot, Donor, Equipment, User
from station.security import SYSTEM, Actor
from station.services import donations as dn
from station.services import donors as dr
from station.services import inventory, users

DEMO_USERS = (("reg01", "王登记", ["registrar"]), ("doc01", "李医生", ["physician"]), ("nur01", "张护士", ["nurse"]),
              ("arc01", "陈档案", ["archivist"]))
DEMO_PASSWORD = "Station-Demo-2026"
DEMO_PIN = "482916"  # the demo staff's signing-key PIN (PKCS#12 files in the data folder)
def is_demo(ctx: StationContext) -> bool:
    """A demo folder: marked in station.toml ([station] demo = true) and in its database, both."""
    from station.bootstrap import DEMO_FLAG
    from station.models.security import InstallationFlag

    if not ctx.config.station.demo:
        return False
    with ctx.transaction() as s:
        flag = s.get(InstallationFlag, DEMO_FLAG)
        return flag is not None and flag.value == "true"


def require_demo(ctx: StationContext) -> None:
    """`station demo` acts as the demo staff with the published password and PIN: only on a demo folder."""
    from station.errors import PermissionDenied

    if not is_demo(ctx):
        raise PermissionDenied(
            f"{ctx.config.data_dir} 不是演示数据目录：station demo 只在 station init --demo 建立的目录上运行",
            f"{ctx.config.data_dir} is not a demo folder: station demo runs only on a folder made by "
            "'station init --demo'", code="NOT_A_DEMO")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建文辉力志宏晓燕雪梅海波鹏飞"
REGIONS = ("330102", "330105", "330106", "330108", "330110", "330114", "110105", "310104", "320102")


@dataclass
class DemoReport:
    donations: int = 0
    deferred: int = 0
    aborted: int = 0
    collected: int = 0
    sealed: int = 0
    returning_donors: int = 0
    adverse_reactions: int = 0
    refused_interval: int = 0  # returning donors refused at registration: GB 18467's interval is a hard stop
    deferral_reasons: Counter[str] = field(default_factory=Counter)
    donation_ids: list[int] = field(default_factory=list)
    sealed_ids: list[int] = field(default_factory=list)
    # the donor's tablet capture per donation (signature, fingerprint), when taken through the devices
    evidence: dict[int, tuple[Any, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"donations": self.donations, "deferred": self.deferred, "aborted": self.aborted,
                "collected": self.collected, "sealed": self.sealed, "returning_donors": self.returning_donors,
                "adverse_reactions": self.adverse_reactions, "refused_interval": self.refused_interval,
                "deferral_reasons": dict(self.deferral_reasons)}


def enrol_demo_staff(ctx: StationContext) -> list[str]:
    """Give the demo nurse and physician a one-year signing certificate from the local CA, their key
    in a PIN-protected store (PKCS#12 files by default, a PKCS#11 token when so configured)."""
    from datetime import datetime

    from signing.ca import LocalCA
    from station.bootstrap import ensure_local_pki
    from station.pki import staff_key_store
    from station.services.pki import ca_secret

    ensure_local_pki(ctx.config)
    store = staff_key_store(ctx.config)
    ca = None
    enrolled = []
    for username, name, roles in DEMO_USERS:
        if roles[0] not in ("nurse", "physician"):
            continue
        try:
            store.open(username, DEMO_PIN).close()
            continue
        except LocalizedError:  # no usable key yet (SigningError)
            pass
        ca = ca or LocalCA.open(ctx.config.ca_dir, ca_secret(ctx))
        store.enrol(ca, username, name, roles[0], DEMO_PIN, datetime.now(UTC))
        enrolled.append(username)
    if ca is not None:
        ca.close()
    return enrolled


def demo_actors(ctx: StationContext) -> dict[str, Actor]:
    """The demo staff (created once, password known, no forced change: a demo, not a production account)."""
    out = {}
    for username, name, roles in DEMO_USERS:
        with ctx.transaction() as s:
            exists = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if exists is None:
            users.create_user(ctx, SYSTEM, username, name, roles, DEMO_PASSWORD, must_change_password=False)
        out[roles[0]] = users.user_actor(ctx, username)
    return out


def ensure_demo_inventory(ctx: StationContext, nurse: Actor) -> dict[str, str]:
    today = ctx.today()
    with ctx.transaction() as s:
        have_sep = s.execute(select(Equipment).where(Equipment.serial == "TRIMA-1T05211")).scalar_one_or_none()
        lots = {r.item: r for r in s.execute(select(ConsumableLot).where(
            ConsumableLot.expires_at > ctx.now(), ConsumableLot.quantity_on_hand > 50)).scalars()}
    admin = SYSTEM
    if have_sep is None:
        inventory.register_equipment(ctx, admin, serial="TRIMA-1T05211", model="Trima Accel 7",
                                     calibration_due=today + timedelta(days=180))
        inventory.register_equipment(ctx, admin, serial="AMICUS-AM3320", model="Amicus 5.0",
                                     calibration_due=today - timedelta(days=3))  # overdue: refused at pre-check
    wanted = {"kit": ("80300", "机采血小板耗材", "套"), "ac": ("ACD-A-500", "ACD-A抗凝剂 500mL", "袋"),
              "saline": ("NS-1000", "0.9%氯化钠注射液 1000mL", "袋")}
    out = {}
    for item, (cat, name, unit) in wanted.items():
        if item in lots:
            out[item] = lots[item].lot
            continue
        lot = f"{item.upper()}{today:%y%m}{len(name):02d}"
        inventory.receive_lot(ctx, admin, item=item, catalogue_no=cat, lot=lot, expiry=today + timedelta(days=365),
                              quantity=500, name=name, unit=unit)
        out[item] = lot
    return out


def _id_number(rng: random.Random, birth: date, sex: str) -> str:
    seq = rng.randint(0, 99) * 10 + (rng.choice((1, 3, 5, 7, 9)) if sex == "male" else rng.choice((0, 2, 4, 6, 8)))
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def _new_person(rng: random.Random, today: date) -> dict[str, Any]:
    sex = rng.choice(("male", "male", "female"))
    age = rng.randint(19, 54)
    birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return {"id_number": _id_number(rng, birth, sex), "name": name, "sex": sex, "birth_date": birth,
            "phone": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            "abo": rng.choice(("A", "B", "O", "O", "AB")), "rhd": "+" if rng.random() > 0.01 else "-",
            "address": f"浙江省杭州市西湖区文三路{rng.randint(1, 400)}号"}


Scenario = str  # ok | low_hb | permanent | reaction | abort | questionnaire


@dataclass(frozen=True)
class DemoHooks:
    """Where the demo's device data comes from (station.demo_devices.DemoDevices.hooks()); a hook left
    None means the same values are entered by hand (or, for the scans, typed as the labels read)."""

    id_source: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    consent_source: Callable[[StationContext, int, str, int], tuple[Any, Any]] | None = None
    pretest_source: Callable[[StationContext, Actor, int, dict[str, Any]], None] | None = None
    label_sink: Callable[[StationContext, int, dict[str, Any]], str] | None = None
    scan_source: Callable[[StationContext, int, str, list[str]], list[str]] | None = None
    collection_source: Callable[[StationContext, Actor, int, dict[str, Any]], dn.CollectionResult] | None = None


def run_demo(ctx: StationContext, n: int, seed: int, *, on_donation: Callable[[int, str], None] | None = None,
             **hooks: Any) -> DemoReport:
    """Drive n donors through the workflow. Device hooks (DemoHooks' fields), when given, deliver ID data,
    the donor's handwriting and fingerprint, analyzer results, labels, bag scans and separator summaries
    through the real drivers; otherwise the same values are entered by hand."""
    hw = DemoHooks(**hooks)
    id_source = hw.id_source
    rng = random.Random(seed)
    actors = demo_actors(ctx)
    reg, doc, nur = actors["registrar"], actors["physician"], actors["nurse"]
    lots = ensure_demo_inventory(ctx, nur)
    today = ctx.today()
    report = DemoReport()
    with ctx.transaction() as s:
        existing = s.execute(select(Donor.id).order_by(Donor.id)).scalars().all()
        existing_count = s.execute(select(func.count()).select_from(Donor)).scalar_one()
    returning = [d for d in existing]
    rng.shuffle(returning)
    scenarios: list[Scenario] = ["ok"] * n
    if n >= 3:
        scenarios[1] = "low_hb"
        scenarios[2] = "permanent"
    if n >= 5:
        scenarios[4] = "reaction"
    if n >= 8:
        scenarios[7] = "abort"
    if n >= 11:
        scenarios[10] = "questionnaire"
    for i in range(n):
        scenario = scenarios[i]
        use_returning = returning and scenario == "ok" and rng.random() < 0.3
        if use_returning:
            donor_id = returning.pop()
            report.returning_donors += 1
        else:
            person = _new_person(rng, today)
            if id_source is not None:
                person = id_source(person)
            out = dr.register_donor(ctx, reg, dr.DonorInput(
                id_number=person["id_number"], name=person["name"], sex=person["sex"], birth_date=person["birth_date"],
                phone=person["phone"], abo=person["abo"], rhd=person["rhd"], address=person["address"],
                nation=person.get("nation", "汉"), photo_wlt=person.get("photo_wlt"),
                photo_png=person.get("photo_png"), card_valid_to=person.get("card_valid_to"),
                card_authority=person.get("card_authority", ""), card_valid_from=person.get("card_valid_from"),
                card_long_term=bool(person.get("card_long_term"))))
            donor_id = out["donor_id"]
            if not out["created"]:
                report.returning_donors += 1
            if rng.random() < 0.4 and existing_count == 0:
                past = today - timedelta(days=rng.choice((30, 45, 60, 120)))
                dr.import_history(ctx, reg, donor_id, [{"donation_type": "apheresis_platelets", "donated_on": past.isoformat(),
                                                       "volume_ml": 250, "place": "浙江省血液中心武林院区"}])
            if scenario == "permanent":
                dr.record_deferral(ctx, doc, donor_id, kind="permanent", reason_code="HBV_POSITIVE",
                                   reason="既往乙肝表面抗原阳性（区域屏蔽库）", source="regional")
        try:
            d = dn.register_donation(ctx, reg, donor_id)
        except StationError as exc:
            if exc.code == "DONATION_INTERVAL":
                report.refused_interval += 1  # donated today already (an earlier run): refused at the desk
            continue  # or a returning donor with a donation still open elsewhere
        donation_id = d["donation_id"]
        report.donations += 1
        report.donation_ids.append(donation_id)
        state = _drive(ctx, rng, scenario, donation_id, reg, doc, nur, lots, report, hw, seed * 1000 + i)
        if on_donation:
            on_donation(donation_id, state)
    return report


def _drive(ctx: StationContext, rng: random.Random, scenario: Scenario, donation_id: int, reg: Actor, doc: Actor,
           nur: Actor, lots: dict[str, str], report: DemoReport, hw: DemoHooks, donor_seed: int) -> str:
    q = dn.questionnaire_for(ctx, donation_id)
    answers = {}
    for item in q["questions"]:
        healthy_no = item["id"] not in ("Q01", "Q13")
        answers[item["id"]] = "no" if healthy_no else "yes"
    if scenario == "questionnaire":
        answers["Q03"] = "yes"  # took aspirin this week
    dn.sign_questionnaire(ctx, reg, donation_id, answers)
    detail = dn.donation_detail(ctx, doc, donation_id)
    if hw.consent_source is not None:  # the donor signs the consent on the pad and gives a fingerprint
        report.evidence[donation_id] = hw.consent_source(ctx, donation_id, detail["din"], donor_seed)
    male = detail["donor"]["sex"] == "male"
    exam = dn.ExamInput(weight_kg=round(rng.uniform(56, 85) if male else rng.uniform(48, 68), 1),
                        height_cm=round(rng.uniform(165, 185) if male else rng.uniform(152, 170)),
                        systolic=rng.randint(105, 132), diastolic=rng.randint(65, 84), pulse=rng.randint(62, 88),
                        temperature_c=round(rng.uniform(36.2, 37.0), 1), general_condition="一般情况良好")
    dn.record_examination(ctx, doc, donation_id, exam)
    hb = rng.randint(128, 160) if male else rng.randint(118, 140)
    if scenario == "low_hb":
        hb = 112 if not male else 116
    values = {"hb_g_l": float(hb), "hct": round(rng.uniform(0.39, 0.47), 2), "plt_10e9_l": float(rng.randint(180, 320)),
              "mpv_fl": round(rng.uniform(8.5, 11.5), 1), "din": detail["din"]}
    if hw.pretest_source is not None:
        hw.pretest_source(ctx, doc, donation_id, values)
    else:
        dn.record_pretest(ctx, doc, donation_id, dn.PretestInput(
            hb_g_l=values["hb_g_l"], hct=values["hct"], plt_10e9_l=values["plt_10e9_l"], mpv_fl=values["mpv_fl"],
            source="manual", manual_reason="演示：手工录入血细胞分析结果"))
    result = dn.assess(ctx, doc, donation_id)
    if result["result"] != "eligible":
        report.deferred += 1
        for r in result["reasons"]:
            report.deferral_reasons[r["code"]] += 1
        return "deferred"
    label = dn.print_label(ctx, nur, donation_id)
    if hw.label_sink is not None:
        hw.label_sink(ctx, donation_id, label)

    def scanned(codes: list[str]) -> list[str]:
        return codes if hw.scan_source is None else hw.scan_source(ctx, donation_id, label["din"], codes)

    din_scan = f"={label['din']}{label['flags']}"
    wristband, bag = scanned([din_scan, din_scan])
    dn.precollection_check(ctx, nur, donation_id, dn.PreCollectionInput(
        donor_scan=wristband, bag_din_scan=bag, separator_serial="TRIMA-1T05211",
        kit_lot=lots["kit"], ac_lot=lots["ac"], saline_lot=lots["saline"]))
    dn.start_collection(ctx, nur, donation_id)
    if scenario == "abort":
        dn.record_adverse_reaction(ctx, nur, donation_id, type="vasovagal", grade=2,
                                   treatment="立即停止采集，平卧、保暖，口服温糖水", outcome="20分钟后缓解，自行离开")
        report.adverse_reactions += 1
        dn.abort(ctx, nur, donation_id, "献血者出现中度血管迷走神经反应，终止采集")
        report.aborted += 1
        return "aborted"
    params = {"din": label["din"], "weight_kg": exam.weight_kg, "height_cm": exam.height_cm,
              "pre_count": values["plt_10e9_l"], "hct": values["hct"], "abo": label["abo"], "rhd": label["rhd"]}
    if hw.collection_source is not None:
        summary = hw.collection_source(ctx, nur, donation_id, params)
    else:
        yield_e11 = round(rng.uniform(2.6, 3.4), 2)
        processed = round(rng.uniform(2200, 3200))
        ac = round(processed / 11)
        summary = dn.CollectionResult(whole_blood_processed_ml=processed, ac_used_ml=ac, ac_to_donor_ml=round(ac * 0.78),
                                      platelet_volume_ml=round(rng.uniform(230, 260)), platelet_yield_e11=yield_e11,
                                      plasma_volume_ml=0, run_minutes=round(rng.uniform(55, 85)),
                                      post_plt_10e9_l=round(values["plt_10e9_l"] * 0.7), post_hct=values["hct"])
    dn.finish_collection(ctx, nur, donation_id, summary)
    report.collected += 1
    if scenario == "reaction":
        dn.record_adverse_reaction(ctx, nur, donation_id, type="citrate", grade=1,
                                   treatment="减慢回输速度，口服葡萄糖酸钙", outcome="症状消失")
        report.adverse_reactions += 1
    dn.postcollection_check(ctx, nur, donation_id, {k: True for k in dn.POST_ITEMS})
    dn.seal(ctx, nur, donation_id, scanned([din_scan, din_scan, label["din"] + label["check_character"]]))
    report.sealed += 1
    report.sealed_ids.append(donation_id)
    return "sealed"
