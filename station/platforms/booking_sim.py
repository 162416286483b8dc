"""A booking platform simulator speaking BOOKINGS.md on loopback: answers well, slowly, with errors or garbage."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from station.platforms.sim import LoopbackSimulator


class BookingSimulator(LoopbackSimulator):
    """`with BookingSimulator() as sim: HttpBookingSource(sim.url)`; `add_booking(...)` or `load(file)`, and change
    `mode` / `delay` at any time (platform_sim.LoopbackSimulator). bad_shape answers {"bookings": "none"};
    `broken_rows` are served after the good ones for the day they name (rows the station must list as broken)."""

    name = "booking-sim"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, mode: str = "ok", delay: float = 0.0,
                 token: str | None = None) -> None:
        super().__init__(host, port, mode=mode, delay=delay, token=token)
        self.bookings: list[dict[str, Any]] = []
        self.broken_rows: dict[str, list[Any]] = {}

    def answer(self, method: str, path: str, query: dict[str, str], doc: Any) -> tuple[int, Any]:
        if path != "/v1/bookings":
            return 404, {"error": "not found"}
        if method != "GET":
            return 405, {"error": "GET only"}
        day = query.get("date", "")
        if len(day) != 10:
            return 400, {"error": "date=YYYY-MM-DD required"}
        if self.mode == "bad_shape":
            return 200, {"date": day, "bookings": "none"}
        rows = [b for b in self.bookings if b.get("date") == day] + self.broken_rows.get(day, [])
        return 200, {"date": day, "bookings": rows}

    def add_booking(self, booking_ref: str, day: str, slot_start: str, slot_end: str, name: str, id_number: str, *,
                    id_type: str = "resident", donation_type: str = "apheresis_platelets") -> dict[str, Any]:
        row = {"booking_ref": booking_ref, "date": day, "slot_start": slot_start, "slot_end": slot_end, "name": name,
               "id_type": id_type, "id_number": id_number, "donation_type": donation_type}
        self.bookings.append(row)
        return row

    def load(self, path: Path) -> int:
        """Serve the bookings of a JSON booking file (a list, or {"bookings": [...]}); returns how many."""
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = doc.get("bookings", []) if isinstance(doc, dict) else doc
        self.bookings.extend(r for r in rows if isinstance(r, dict))
        return len(rows)
