"""The headless demo's hardware: every device simulator in its own process (ID-card reader, ASTM analyzer,
separator, signature pad, fingerprint scanner and barcode scanner on pty pairs; the HL7 analyzer over MLLP
and the label printer on TCP), talked to by the real drivers, and the run_demo hooks that take each
donation's ID data, donor evidence, pre-donation results, label, bag scans and collection data through them.

Every driver reports to the same headless device intake the desktop client uses
(`station.services.intake.service.DeviceIntake`): each message is stored raw the moment it arrives and
matched to its donation by DIN; the hooks then do what the workspaces do with what the intake stored: the
card's fields become the donor's; the pad's pen samples and the scanner's fingerprint capture become the
consent's evidence (linked to the donation); the analyzer's stored result is filed by the physician, ASTM and
HL7 in turn; the label goes to the printer as ZPL; the bag and segment barcodes come from the serial scanner;
the separator's stored end-of-run summary becomes the collection record."""
from __future__ import annotations

import hashlib
import json
import queue
import shutil
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Self

from devices.base import ConnectionState, DeviceStatus, DeviceWorker, wait_until
from devices.registry import create_device
from devices.sim_supervisor import DRIVER_OF, SimSupervisor, SimulatorStartError
from station.context import StationContext
from station.errors import DeviceError
from station.security import Actor
from station.services import donations as dn
from station.services.intake import messages
from station.services.intake.service import DeviceIntake, Intake
from station.services.intake.summaries import collection_result_from_summary

KINDS = ("idcard", "analyzer", "analyzer-hl7", "separator", "signature-pad", "fingerprint", "scanner", "printer")
DEVICE_LABELS = {"idcard": ("身份证阅读器", "ID-card reader"), "analyzer": ("血细胞分析仪", "haematology analyzer"),
                 "analyzer-hl7": ("血细胞分析仪（HL7）", "haematology analyzer (HL7)"),
                 "separator": ("血细胞分离机", "cell separator"), "signature-pad": ("签名板", "signature pad"),
                 "fingerprint": ("指纹仪", "fingerprint scanner"), "scanner": ("条码扫描枪", "barcode scanner"),
                 "printer": ("标签打印机", "label printer")}
COUNTS = ("idcard_reads", "analyzer_results", "analyzer_astm", "analyzer_hl7", "separator_runs", "signatures",
          "fingerprints", "labels_printed", "barcodes_scanned")
CARD_SEX = {"1": "male", "2": "female"}
SEX_CODE = {"male": "1", "female": "2"}
# the card's issuing authority by the ID number's region (the demo's regions, station.demo.REGIONS)
AUTHORITIES = {"330102": "杭州市公安局上城分局", "330105": "杭州市公安局拱墅分局", "330106": "杭州市公安局西湖分局",
               "330108": "杭州市公安局滨江分局", "330110": "杭州市公安局余杭分局", "330114": "杭州市公安局钱塘分局",
               "110105": "北京市公安局朝阳分局", "310104": "上海市公安局徐汇分局", "320102": "南京市公安局玄武分局"}
NATION_CODES = ("01",) * 17 + ("03", "11", "04")  # mostly 汉, some 回, 满, 藏
SEPARATOR_SPEED = 30000.0  # simulated seconds per second: a 45-minute run takes about 0.1 s
PROCESSED_TARGET_ML = 2700.0  # whole blood processed in a typical single-dose platelet run


class DemoDevices:
    """Simulators + real drivers for the demo; use as a context manager.

        with DemoDevices(workdir) as hw:
            run_demo(ctx, n, seed, **hw.hooks())
            hw.figures()   # {"idcard_reads": .., "analyzer_results": .., "labels_printed": .., ...}

    The card files placed in the reader are kept in `workdir/cards` (one JSON per card, the
    simulator's own card-file format), so what each card held can be checked afterwards."""

    def __init__(self, workdir: str | Path, *, intake: DeviceIntake | None = None, timeout: float = 20.0,
                 connect_timeout: float = 15.0, separator_speed: float = SEPARATOR_SPEED) -> None:
        self.workdir = Path(workdir)
        self.intake = intake  # None: the events are only queued (a test of the simulators alone)
        self.cards_dir = self.workdir / "cards"
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.separator_speed = separator_speed
        self.sims: SimSupervisor | None = None
        self.workers: dict[str, DeviceWorker] = {}
        self.events: dict[str, queue.Queue[Intake]] = {k: queue.Queue() for k in KINDS}
        self.faults: dict[str, DeviceStatus | None] = dict.fromkeys(KINDS)  # last problem since the wait began
        self.counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self.cards_dir.exists():
            shutil.rmtree(self.cards_dir)  # the cards of an earlier run
        self.cards_dir.mkdir(parents=True)
        self.sims = SimSupervisor(self.workdir / "sims")
        try:
            ports = self.sims.start(KINDS)
        except (SimulatorStartError, OSError) as exc:
            self.sims = None
            raise DeviceError(f"设备模拟器无法启动（{exc}）；可用 --no-devices 手工录入",
                              f"the device simulators could not start ({exc}); use --no-devices to enter "
                              f"the data by hand", code="SIMULATOR_START_FAILED") from exc
        try:
            for kind in KINDS:
                registry_kind, driver = DRIVER_OF[kind]
                options = {"poll_interval": 0.05} if kind == "idcard" else {}
                name = f"demo-{kind}"
                if self.intake is not None:
                    on_raw, on_event = self.intake.callbacks(name, kind, then=self.events[kind].put)
                else:
                    on_raw, on_event = None, lambda ev, n=name, k=kind: self.events[k].put(
                        Intake(n, registry_kind, "received", event=ev))
                worker = create_device(registry_kind, driver, ports[kind], name, options, on_event=on_event,
                                       on_status=self._on_status, on_raw=on_raw)
                worker.start()
                self.workers[kind] = worker
            for kind, worker in self.workers.items():
                if not wait_until(lambda w=worker: w.status.state == ConnectionState.CONNECTED,  # type: ignore[misc]
                                  self.connect_timeout, 0.02):
                    raise self._error(kind, f"did not connect within {self.connect_timeout:g} s",
                                      f"{self.connect_timeout:g} 秒内未连接")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        self.workers.clear()
        if self.sims is not None:
            self.sims.stop()
            self.sims = None

    def figures(self) -> dict[str, int]:
        return {k: self.counts[k] for k in COUNTS}

    # -- helpers ------------------------------------------------------------------------------
    def _on_status(self, status: DeviceStatus) -> None:
        kind = status.device_name.removeprefix("demo-")
        if status.state != ConnectionState.CONNECTED and kind in self.faults:
            self.faults[kind] = status

    def _error(self, kind: str, what_en: str, what_zh: str) -> DeviceError:
        zh, en = DEVICE_LABELS[kind]
        worker = self.workers.get(kind)
        # a data fault (read failed, bad frame) is often cleared by the next poll: show the last one seen
        status = self.faults.get(kind) or (worker.status if worker is not None else None)
        if status is None or status.state == ConnectionState.CONNECTED:
            state_en, state_zh = " (the device is connected and reported no problem)", "（设备已连接，未报告故障）"
        else:
            state_en, state_zh = f" (device reports: {status.reason_en})", f"（设备报告：{status.reason_zh}）"
        log = self.workdir / "sims" / f"{kind}.log"
        return DeviceError(f"演示{zh}：{what_zh}{state_zh}；模拟器日志见 {log}",
                           f"demo {en}: {what_en}{state_en}; simulator log: {log}",
                           code="DEVICE_TIMEOUT", details={"device": kind})

    def _control(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        assert self.sims is not None, "DemoDevices is not started"
        self.faults[kind] = None  # a new exchange: earlier problems are not its problems
        try:
            return self.sims.control(kind, request)
        except (SimulatorStartError, OSError, ValueError) as exc:
            raise self._error(kind, f"the simulator did not take {request.get('cmd')!r} ({exc})",
                              f"模拟器未接受指令 {request.get('cmd')}（{exc}）") from exc

    def _await(self, kind: str, match: Callable[[Any], bool], timeout: float, what_en: str, what_zh: str) -> Intake:
        """What the intake did with the next event of `kind` that matches (`match` sees the driver's event);
        others (status lines, stale reads) are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._error(kind, f"no {what_en} within {timeout:g} s", f"{timeout:g} 秒内未收到{what_zh}")
            try:
                intake = self.events[kind].get(timeout=left)
            except queue.Empty:
                continue
            if match(intake.event):
                return intake

    # -- ID card: the registration desk -------------------------------------------------------
    def card_for(self, person: dict[str, Any]) -> dict[str, Any]:
        """The resident ID card a demo person carries (a card file for the reader simulator)."""
        number = person["id_number"]
        birth: date = person["birth_date"]
        h = int(hashlib.sha256(number.encode()).hexdigest(), 16)
        issued_year = max(birth.year + 16, date.today().year - 1 - h % 9)
        valid_from = date(issued_year, 1 + h % 12, 1 + h % 28)
        age_at_issue = issued_year - birth.year
        # GA 450: 16-25 years old: 10 years; 26-45: 20 years; 46 and older: long term
        valid_to: str = "长期" if age_at_issue >= 46 else \
            valid_from.replace(year=valid_from.year + (10 if age_at_issue <= 25 else 20)).isoformat()
        return {"card_type": "resident", "name": person["name"], "sex": SEX_CODE[person["sex"]],
                "nation": NATION_CODES[h % len(NATION_CODES)], "birth_date": birth.isoformat(),
                "address": person["address"], "id_number": number,
                "authority": AUTHORITIES.get(number[:6], "杭州市公安局西湖分局"),
                "valid_from": valid_from.isoformat(), "valid_to": valid_to}

    def id_source(self, person: dict[str, Any]) -> dict[str, Any]:
        """Put the person's card on the reader; return the person as the driver read the card."""
        card_path = self.cards_dir / f"{person['id_number']}.json"
        card_path.write_text(json.dumps(self.card_for(person), ensure_ascii=False, indent=1), encoding="utf-8")
        self._control("idcard", {"cmd": "enqueue", "card": str(card_path.resolve())})
        event = self._await("idcard", lambda e: e.card.id_number == person["id_number"], self.timeout,
                            "card read", "读卡结果").event
        self._control("idcard", {"cmd": "remove"})  # the clerk hands the card back
        self.counts["idcard_reads"] += 1
        card = event.card
        sex = CARD_SEX.get(card.sex)
        if sex is None:
            raise self._error("idcard", f"the card's sex code {card.sex!r} is not male/female",
                              f"证件性别代码 {card.sex!r} 无法识别")
        return {**person, "id_number": card.id_number, "name": card.name.strip(), "sex": sex,
                "birth_date": card.birth_date, "nation": card.nation_name, "address": card.address.strip(),
                "photo_wlt": card.photo_wlt or None, "photo_png": card.photo_png, "card_valid_to": card.valid_to,
                "card_authority": card.authority.strip(), "card_valid_from": card.valid_from,
                "card_long_term": card.valid_to is None}

    def hooks(self) -> dict[str, Callable[..., Any]]:
        """run_demo's device hooks, all through this hardware."""
        return {"id_source": self.id_source, "consent_source": self.consent_source,
                "pretest_source": self.pretest_source, "label_sink": self.label_sink,
                "scan_source": self.scan_source, "collection_source": self.collection_source}

    # -- donor tablet: the consent's handwriting and fingerprint --------------------------------
    def consent_source(self, ctx: StationContext, donation_id: int, din: str, seed: int) -> tuple[Any, Any]:
        """The donor signs on the pad and gives a fingerprint (`seed` is the donor's hand and finger);
        returns the captures as the drivers decoded them, for the consent's signature."""
        self._control("signature-pad", {"cmd": "sign", "seed": seed})
        sig = self._await("signature-pad", lambda e: True, self.timeout, "signature", "签名")
        self.counts["signatures"] += 1
        self._control("fingerprint", {"cmd": "finger", "seed": seed})
        worker = self.workers["fingerprint"]
        worker.request_capture()  # type: ignore[attr-defined]
        fp = self._await("fingerprint", lambda e: True, self.timeout, "fingerprint capture", "指纹采集结果")
        self.counts["fingerprints"] += 1
        if self.intake is not None:
            self.intake.link([sig.message_id, fp.message_id], donation_id)
        return sig.event.capture, fp.event.capture

    # -- analyzer: the physician's pre-donation test --------------------------------------------
    def pretest_source(self, ctx: StationContext, actor: Actor, donation_id: int, values: dict[str, Any]) -> None:
        """The analyzer sends the sample's results with the DIN as sample id: in turn the Sysmex-style
        ASTM analyzer (g/dL, %, 10*3/uL) and the Mindray-style HL7 one (g/L, %, 10*9/L). The result is
        kept raw and filed to the donation exactly as the physician's workspace does."""
        din = values["din"]
        hl7 = self.counts["analyzer_results"] % 2 == 1
        kind = "analyzer-hl7" if hl7 else "analyzer"
        if hl7:
            sent = {"HGB": [f"{values['hb_g_l']:.0f}", "g/L"], "HCT": [f"{values['hct'] * 100:.1f}", "%"],
                    "PLT": [f"{values['plt_10e9_l']:.0f}", "10*9/L"]}
        else:
            sent = {"HGB": [f"{values['hb_g_l'] / 10:.1f}", "g/dL"], "HCT": [f"{values['hct'] * 100:.1f}", "%"],
                    "PLT": [f"{values['plt_10e9_l']:.0f}", "10*3/uL"]}
        if values.get("mpv_fl") is not None:
            sent["MPV"] = [f"{values['mpv_fl']:.1f}", "fL"]
        self._control(kind, {"cmd": "send", "sample_id": din, "values": sent})
        intake = self._await(kind, lambda e: getattr(e, "sample_id", None) == din and not e.is_qc,
                             self.timeout, f"result for sample {din}", f"样本 {din} 的结果")
        out = {"status": intake.status, "reason": intake.reason}
        if intake.status == "matched" and intake.message_id is not None:
            out = messages.file_analyzer_result(ctx, actor, intake.message_id)  # the physician files it
        if out["status"] != "filed":
            raise DeviceError(f"分析仪结果未归档到献血记录（{out.get('reason') or out['status']}）",
                              f"the analyzer result for {din} was not filed ({out.get('reason') or out['status']})",
                              code="RESULT_NOT_FILED", details={"message_id": intake.message_id})
        self.counts["analyzer_results"] += 1
        self.counts["analyzer_hl7" if hl7 else "analyzer_astm"] += 1

    # -- label printer and bag scanner: labelling, the pre-collection and the sealing checks ------
    def label_sink(self, ctx: StationContext, donation_id: int, label: dict[str, Any]) -> str:
        """Send the donation's ISBT 128 label (dn.print_label's content) to the printer as ZPL; returns
        the job id once the printer took it (the ZPL is kept as an outgoing device message)."""
        from devices.printer.zpl import LabelData

        data = LabelData(din=label["din"], flags=label["flags"], check_char=label["check_character"],
                         abo_rhd=label["abo_rhd"], product_code=label["product_code"],
                         collection_date=label["collection_date"], facility=label["facility_code"])
        self.faults["printer"] = None
        job_id = self.workers["printer"].print_label(data)  # type: ignore[attr-defined]
        self._await("printer", lambda e: e.job_id == job_id, self.timeout,
                    f"label {label['din']} printed", f"标签 {label['din']} 打印结果")
        self.counts["labels_printed"] += 1
        return job_id

    def scan_source(self, ctx: StationContext, donation_id: int, din: str, codes: list[str]) -> list[str]:
        """The nurse scans `codes` (wristband, bags, segments) with the serial scanner; returns what the
        driver read, in order, each kept raw: the checks then judge the scans, not the codes meant."""
        read = []
        for code in codes:
            self._control("scanner", {"cmd": "scan", "data": code})
            intake = self._await("scanner", lambda e: True, self.timeout, f"barcode {code}", f"条码 {code}")
            if self.intake is not None and intake.donation_id is None:
                self.intake.link([intake.message_id], donation_id)  # a wristband or bag code naming no DIN
            read.append(intake.event.data)
        self.counts["barcodes_scanned"] += len(read)
        return read

    # -- separator: the collection chair --------------------------------------------------------
    def collection_source(self, ctx: StationContext, actor: Actor, donation_id: int,
                          plan: dict[str, Any]) -> dn.CollectionResult:
        """Run the procedure on the separator with the donor's parameters (time compressed); the driver's
        end-of-run summary becomes the collection record, its raw message kept and linked."""
        from devices.separator.model import ProcedureParameters, SeparatorDataError, blood_type_of

        donor = dn.donation_detail(ctx, actor, donation_id)["donor"]
        din = plan["din"]
        try:
            params = ProcedureParameters(height_cm=float(plan.get("height_cm") or 170), weight_kg=float(plan["weight_kg"]),
                                         sex="M" if donor["sex"] == "male" else "F", pre_count=float(plan["pre_count"]),
                                         hct=float(plan["hct"]), blood_type=blood_type_of(plan.get("abo"), plan.get("rhd")),
                                         donation_id=din)
        except SeparatorDataError as exc:
            raise DeviceError(f"分离机参数无效（{exc}）", f"the separator parameters are invalid ({exc})",
                              code="SEPARATOR_PARAMETERS") from exc
        inlet = min(80.0, params.weight_kg)  # mL/min: bounded by the citrate infusion limit
        run_minutes = float(min(70, max(30, round(PROCESSED_TARGET_ML / inlet))))
        self._control("separator", {"cmd": "start", **params.to_json(), "run_minutes": run_minutes,
                                    "speed": self.separator_speed})
        timeout = self.timeout + run_minutes * 60 / self.separator_speed
        intake = self._await("separator",
                             lambda e: e.type == "summary" and e.payload.donation_id == din, timeout,
                             f"end-of-run summary for {din}", f"{din} 的采集结束汇总")
        self.counts["separator_runs"] += 1
        return collection_result_from_summary(intake.event.payload.to_json(), intake.message_id)
