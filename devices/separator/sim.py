"""Separator simulator: runs a realistic platelet procedure from the handed-off parameters."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from devices.separator.model import ProcedureParameters, SeparatorDataError
from devices.simbase import SerialSimulator
from devices.transport import LineBuffer

DEFAULT_PARAMETERS = ProcedureParameters(170, 65, "M", 250, 0.44, "A+")


def blood_volume_l(p: ProcedureParameters) -> float:
    """Nadler's total blood volume (litres)."""
    h = p.height_cm / 100
    if p.sex == "M":
        return 0.3669 * h ** 3 + 0.03219 * p.weight_kg + 0.6041
    return 0.3561 * h ** 3 + 0.03308 * p.weight_kg + 0.1833


class SeparatorSimulator(SerialSimulator):
    baudrate = 115200

    def __init__(self, port: str, control_port: int | None = None, *, speed: float = 60.0,
                 autostart: bool = False, serial_number: str = "SIM-TRIMA-0001",
                 run_minutes: float = 60.0, status_every_s: float = 60.0) -> None:
        super().__init__(port, control_port)
        self.speed = speed
        self.serial_number = serial_number
        self.run_minutes = run_minutes
        self.status_every_s = status_every_s  # simulated seconds between status messages
        self.parameters: ProcedureParameters | None = None
        self.started: float | None = None
        self.started_at: datetime | None = None
        self.last_status = -1e9
        self.alarms: list[dict[str, Any]] = []
        self.pending_alarms: list[tuple[float, dict[str, Any]]] = []
        self.summaries = 0
        self.clock_offset = timedelta(0)
        self._lines = LineBuffer()
        self._hello_sent = False
        if autostart:
            self.start_procedure(DEFAULT_PARAMETERS)

    def now(self) -> datetime:
        """The separator's own clock: the PC's, moved by `clock` (as a technician sets a device's clock)."""
        return datetime.now(UTC) + self.clock_offset

    def ctl_clock(self, request: dict[str, Any]) -> dict[str, Any]:
        self.clock_offset = datetime.fromisoformat(str(request["now"])) - datetime.now(UTC)
        return {"offset_s": self.clock_offset.total_seconds()}

    def send(self, obj: dict[str, Any]) -> None:
        self.write(json.dumps(obj, ensure_ascii=False).encode() + b"\n")

    def start_procedure(self, params: ProcedureParameters) -> None:
        self.parameters = params
        self.started = time.monotonic()
        self.started_at = self.now()
        self.last_status = -1e9
        self.alarms = []

    def on_data(self, data: bytes) -> None:
        for line in self._lines.feed(data):
            try:
                msg = json.loads(line)
                if msg.get("type") != "parameters":
                    raise SeparatorDataError(f"unknown request {msg.get('type')!r}")
                fields = {k: msg[k] for k in ProcedureParameters.__dataclass_fields__ if k in msg}
                params = ProcedureParameters(**fields)
            except (ValueError, TypeError, AttributeError) as exc:
                self.send({"type": "error", "text": str(exc)})
                continue
            self.send({"type": "ack", "ref": "parameters", "ok": True,
                       "donation_id": params.donation_id})
            self.start_procedure(params)

    def _figures(self, minutes: float) -> dict[str, float]:
        assert self.parameters is not None
        p = self.parameters
        inlet = min(80.0, 1.0 * p.weight_kg)  # mL/min, bounded by the AC infusion limit
        processed = inlet * minutes
        ac_ratio = 11.0
        ac_used = processed / ac_ratio
        efficiency = 0.55
        yield_e11 = p.pre_count * 1e9 * (processed / 1000) * (1 - p.hct) / (1 - 0.44) * efficiency / 1e11
        return {"processed_ml": round(processed, 1), "ac_used_ml": round(ac_used, 1),
                "yield_e11": round(yield_e11, 2)}

    def tick(self) -> None:
        if not self._hello_sent and self.serial is not None:
            self.send({"type": "hello", "model": "SIM-APH", "serial": self.serial_number, "protocol": 1})
            self._hello_sent = True
        if self.started is None or self.parameters is None or self.started_at is None:
            return
        sim_s = (time.monotonic() - self.started) * self.speed
        minutes = min(sim_s / 60, self.run_minutes)
        for at, alarm in list(self.pending_alarms):
            if sim_s >= at:
                self.pending_alarms.remove((at, alarm))
                alarm = {**alarm, "at": (self.started_at + timedelta(seconds=sim_s)).isoformat()}
                self.alarms.append(alarm)
                self.send({"type": "alarm", **alarm})
        phase = "priming" if sim_s < 120 else "collecting" if minutes < self.run_minutes else "ended"
        if sim_s - self.last_status >= self.status_every_s and phase != "ended":
            self.last_status = sim_s
            self.send({"type": "status", "phase": phase, "elapsed_s": round(sim_s, 1),
                       **self._figures(minutes), "alarms": self.alarms})
        if phase == "ended":
            self._finish()

    def _finish(self) -> None:
        assert self.parameters is not None and self.started_at is not None
        p = self.parameters
        figures = self._figures(self.run_minutes)
        tbv = blood_volume_l(p)
        platelets_per_l = p.pre_count - figures["yield_e11"] * 1e11 / (tbv * 1e9) * 0.67
        # the run is simulated faster than real time: its times are placed so that it ends now, as a
        # real run's summary does (a summary ending in the future is refused as a clock fault)
        ended = self.now()
        started = ended - timedelta(minutes=self.run_minutes + 8)
        summary = {
            "type": "summary", "procedure_type": p.procedure_type, "device_serial": self.serial_number,
            "kit_catalogue": "80300", "kit_lot": "2405A117", "ac_lot": "ACD2406-03",
            "started_at": started.isoformat(), "ended_at": ended.isoformat(),
            "run_time_min": self.run_minutes, "whole_blood_processed_ml": figures["processed_ml"],
            "ac_used_ml": figures["ac_used_ml"], "ac_to_donor_ml": round(figures["ac_used_ml"] * 0.85, 1),
            "platelet_volume_ml": round(figures["yield_e11"] * 60, 0),
            "platelet_yield_e11": figures["yield_e11"],
            "plasma_volume_ml": 0.0, "post_count": round(max(platelets_per_l, 0.0), 0),
            "post_hct": round(p.hct * 0.98, 3), "operator": "", "rinseback_completed": True,
            "alarms": self.alarms, "donation_id": p.donation_id}
        self.send(summary)
        self.summaries += 1
        self.started = None

    # -- control ----------------------------------------------------------------------------
    def ctl_start(self, request: dict[str, Any]) -> dict[str, Any]:
        fields = {k: request[k] for k in ProcedureParameters.__dataclass_fields__ if k in request}
        defaults = DEFAULT_PARAMETERS.to_json()
        if "height_cm" in fields:  # a donor's parameters: a group left out is unknown, not the default's
            defaults.pop("blood_type", None)
        params = ProcedureParameters(**{**defaults, **fields})
        if "run_minutes" in request:
            self.run_minutes = float(request["run_minutes"])
        if "speed" in request:
            self.speed = float(request["speed"])
        self.start_procedure(params)
        return {}

    def ctl_alarm(self, request: dict[str, Any]) -> dict[str, Any]:
        at = float(request.get("after_s", 0)) + ((time.monotonic() - self.started) * self.speed
                                                  if self.started else 0)
        self.pending_alarms.append((at, {"code": request.get("code", "PRESSURE-LOW"),
                                         "severity": request.get("severity", "warning"),
                                         "text_zh": request.get("text_zh", "采血压力低"),
                                         "text_en": request.get("text_en", "low draw pressure")}))
        return {}

    def ctl_send_raw(self, request: dict[str, Any]) -> dict[str, Any]:
        self.write(bytes.fromhex(request["hex"]))
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"running": self.started is not None, "summaries": self.summaries,
                "parameters": self.parameters.to_json() if self.parameters else None}
