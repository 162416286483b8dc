"""ID-card reader simulator: answers the SAM protocol byte-exact from card files (place/remove scriptable)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from devices.idcard import codec
from devices.idcard.cardfile import CardImage, card_from_dict, load_card
from devices.simbase import SerialSimulator

SAM_ID = bytes.fromhex("0501000012345678000000010000000a")


class IdCardSimulator(SerialSimulator):
    baudrate = 115200

    def __init__(self, port: str, cards: list[CardImage] | None = None, *, hold: float | None = 1.0,
                 gap: float = 0.3, loop: bool = False, control_port: int | None = None) -> None:
        super().__init__(port, control_port)
        self.queue: list[CardImage] = list(cards or [])
        self.hold = hold  # seconds a card stays after it was read (None: until removed by control)
        self.gap = gap
        self.loop = loop
        self.current: CardImage | None = None
        self.found = False
        self.selected = False
        self.read_at: float | None = None
        self.removed_at: float | None = time.monotonic() - gap
        self.fault: str | None = None
        self.reads = 0
        self.address_reads = 0
        self.sam_checks = 0
        self._decoder = codec.FrameDecoder()

    # -- card handling ----------------------------------------------------------------------
    def place(self, card: CardImage) -> None:
        self.current = card
        self.found = self.selected = False
        self.read_at = None

    def remove(self) -> None:
        self.current = None
        self.found = self.selected = False
        self.read_at = None
        self.removed_at = time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        if self.current is not None and self.hold is not None and self.read_at is not None \
                and now - self.read_at >= self.hold:
            if self.loop:
                self.queue.append(self.current)
            self.remove()
        if self.current is None and self.queue and self.removed_at is not None \
                and now - self.removed_at >= self.gap:
            self.place(self.queue.pop(0))

    # -- protocol ---------------------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, codec.FrameError):
                if item.reason == "checksum error":
                    self.respond(0x10)
                elif item.reason.startswith("bad length"):
                    self.respond(0x11)
                continue
            try:
                cmd, para, _ = codec.parse_request(item)
            except codec.IdCardFormatError:
                self.respond(0x11)
                continue
            self.handle(cmd, para)

    def respond(self, sw3: int, data: bytes = b"") -> None:
        if self.fault == "silent":
            return
        frame = bytearray(codec.build_response(sw3, data))
        if self.fault == "garble":
            frame[len(frame) // 2] ^= 0x5A
        if self.fault == "truncate":
            frame = frame[: len(frame) // 2]
        self.write(bytes(frame))

    def handle(self, cmd: int, para: int) -> None:
        if (cmd, para) == codec.CMD_SAM_STATUS:
            self.sam_checks += 1  # a driver asks this once per connection: counts reconnects
            self.respond(0x60 if self.fault == "sam_fail" else codec.SW_OK)
        elif (cmd, para) == codec.CMD_SAM_ID:
            self.respond(codec.SW_OK, SAM_ID)
        elif (cmd, para) == codec.CMD_FIND:
            if self.current is not None and not self.found:
                self.found = True
                self.respond(codec.SW_FOUND)
            else:
                self.respond(codec.SW_FIND_FAILED)
        elif (cmd, para) == codec.CMD_SELECT:
            if self.current is not None and self.found and not self.selected:
                self.selected = True
                self.respond(codec.SW_OK)
            else:
                self.respond(codec.SW_SELECT_FAILED)
        elif (cmd, para) in (codec.CMD_READ, codec.CMD_READ_FP):
            card = self.current
            if card is None or not self.selected or self.fault == "read_fail":
                self.respond(codec.SW_READ_FAILED)
                return
            with_fp = (cmd, para) == codec.CMD_READ_FP
            fp = (card.fingerprint or b"") if with_fp else None
            self.respond(codec.SW_OK, codec.encode_read_data(card.text, card.photo, fp))
            self.read_at = time.monotonic()
            self.reads += 1
        elif (cmd, para) == codec.CMD_READ_ADDR:
            # 追加住址: answered for the card just read; 91 when the card holds no appended address
            card = self.current
            if card is None or not self.selected or self.fault == "addr_fail":
                self.respond(codec.SW_READ_FAILED)
            elif self.fault == "addr_silent":
                return
            elif self.fault == "addr_unsupported":  # an older SAM that does not know 30 03
                self.respond(0x21)
            elif card.appended_address is None:
                self.respond(codec.SW_NO_CONTENT)
            else:
                self.respond(codec.SW_OK, codec.encode_appended_address(card.appended_address))
            self.address_reads += 1
        else:
            self.respond(0x21)

    # -- control ----------------------------------------------------------------------------
    @staticmethod
    def _card(request: dict[str, Any]) -> CardImage:
        card = request.get("card")
        if isinstance(card, dict):
            return card_from_dict(card)
        if isinstance(card, str):
            return load_card(Path(card))
        raise ValueError("'card' is a card description object or a card file path")

    def ctl_place(self, request: dict[str, Any]) -> dict[str, Any]:
        self.place(self._card(request))
        return {}

    def ctl_enqueue(self, request: dict[str, Any]) -> dict[str, Any]:
        self.queue.append(self._card(request))
        return {"queued": len(self.queue)}

    def ctl_remove(self, request: dict[str, Any]) -> dict[str, Any]:
        self.remove()
        return {}

    def ctl_fault(self, request: dict[str, Any]) -> dict[str, Any]:
        mode = request.get("mode")
        if mode not in (None, "silent", "garble", "truncate", "read_fail", "sam_fail", "addr_fail",
                        "addr_silent", "addr_unsupported"):
            raise ValueError(f"unknown fault mode {mode!r}")
        self.fault = mode
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"card": self.current.label if self.current else None, "found": self.found,
                "reads": self.reads, "address_reads": self.address_reads,
                "sam_checks": self.sam_checks, "queued": len(self.queue), "fault": self.fault}
