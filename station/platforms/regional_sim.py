"""A regional platform simulator speaking REGIONAL.md on loopback: answers well, slowly, with errors or garbage."""
from __future__ import annotations

import uuid
from typing import Any

from station.platforms.sim import MODES, LoopbackSimulator

__all__ = ["MODES", "RegionalSimulator"]


class RegionalSimulator(LoopbackSimulator):
    """`with RegionalSimulator() as sim: HttpRegionalPlatform(sim.url)`; change `mode` and `delay` at any time
    (modes: platform_sim.LoopbackSimulator; bad_shape answers JSON of the wrong shape)."""

    name = "regional-sim"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, mode: str = "ok", delay: float = 0.0) -> None:
        super().__init__(host, port, mode=mode, delay=delay)
        self.records: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
        self.uploads: list[dict[str, Any]] = []

    def answer(self, method: str, path: str, query: dict[str, str], doc: Any) -> tuple[int, Any]:
        if method != "POST":
            return 405, {"error": "POST only"}
        if path == "/v1/lookup":
            if self.mode == "bad_shape":
                return 200, {"deferrals": "none", "donations": [{"donated_on": 7}]}
            return 200, self.records.get((str(doc.get("id_type")), str(doc.get("id_number"))),
                                         {"deferrals": [], "donations": []})
        if path == "/v1/deferrals":
            if self.mode == "bad_shape":
                return 201, {"ok": True}
            self.uploads.append(doc)
            return 201, {"id": uuid.uuid4().hex[:16]}
        return 404, {"error": "not found"}

    def add_deferral(self, id_type: str, id_number: str, *, kind: str, reason_code: str, reason: str,
                     starts_on: str, until: str | None = None, site: str = "江苏省血液中心") -> None:
        self.records.setdefault((id_type, id_number), {"deferrals": [], "donations": []})["deferrals"].append(
            {"kind": kind, "reason_code": reason_code, "reason": reason, "starts_on": starts_on, "until": until,
             "site": site})

    def add_donation(self, id_type: str, id_number: str, *, donation_type: str, donated_on: str,
                     volume_ml: float = 250, site: str = "江苏省血液中心", had_reaction: bool = False) -> None:
        self.records.setdefault((id_type, id_number), {"deferrals": [], "donations": []})["donations"].append(
            {"donation_type": donation_type, "donated_on": donated_on, "volume_ml": volume_ml, "site": site,
             "had_reaction": had_reaction})
