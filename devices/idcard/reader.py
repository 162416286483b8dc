"""The ID-card reader driver: polls find -> select -> read and reports one read per card placement."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from devices.base import DeviceFault, RawMessage, utcnow
from devices.idcard import codec
from devices.idcard.codec import IdCardData, WltDecoder
from devices.transport import SerialWorker


@dataclass
class IdCardEvent:
    """One card read, with the raw response it came from and how long the read took."""

    card: IdCardData
    raw: RawMessage
    read_ms: float
    address_raw: RawMessage | None = None  # the 30 03 reply (appended address), filed with the card

    def to_json(self) -> dict[str, Any]:
        return {"event": "idcard", **self.card.to_json(), "read_ms": round(self.read_ms, 1),
                "raw_received_at": self.raw.received_at.isoformat()}


class IdCardReaderWorker(SerialWorker):
    kind = "idcard"
    protocol = "sam-ga467"
    baudrate = 115200

    def __init__(self, name: str, port: str, *, with_fingerprint: bool = False,
                 poll_interval: float = 0.2, response_timeout: float = 2.0,
                 wlt_decoder: WltDecoder | None = None, warning_hold: float = 8.0,
                 today: Callable[[], date] | None = None, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        # the reader's calendar: a birth or issue date after today is refused
        self.today: Callable[[], date] = today or date.today
        self.with_fingerprint = with_fingerprint
        self.poll_interval = poll_interval
        self.response_timeout = response_timeout
        self.wlt_decoder = wlt_decoder
        # A failed read is followed by polls that find no card (the reader wants the card lifted first),
        # which would clear the warning within one poll interval: it is held this long, or until a good read.
        self.warning_hold = warning_hold
        self._warning_until = 0.0
        self._decoder = codec.FrameDecoder()
        self._card_present = False

    def _warn(self, reason_zh: str, reason_en: str) -> None:
        super()._warn(reason_zh, reason_en)
        self._warning_until = time.monotonic() + self.warning_hold

    def _transact(self, cmd: tuple[int, int], retries: int = 2) -> codec.Response:
        """Send one command and wait for its response; a corrupted or missing answer is retried."""
        fault = DeviceFault("读卡器无应答（超时），请检查连接和电源",
                            "reader does not answer (timeout): check cable and power")
        for _attempt in range(retries + 1):
            self._decoder.clear()
            self._write(codec.build_request(*cmd))
            outcome = self._await_response()
            if isinstance(outcome, DeviceFault):
                fault = outcome
                continue
            if outcome.sw3 in (0x10, 0x11):  # the reader saw our request corrupted: resend
                zh, en = codec.status_message(outcome.sw3)
                fault = DeviceFault(f"读卡器报告：{zh}", f"reader reports: {en}")
                continue
            return outcome
        raise fault

    def _await_response(self) -> codec.Response | DeviceFault:
        deadline = time.monotonic() + self.response_timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise DeviceFault("已停止", "stopped")
            data = self._read()
            if not data:
                continue
            for item in self._decoder.feed(data):
                if isinstance(item, codec.FrameError):
                    self._raw(item.raw, error=item.reason)
                    return DeviceFault(f"读卡器应答损坏（{item.reason}）",
                                       f"corrupted reply from reader ({item.reason})")
                try:
                    return codec.parse_response(item)
                except codec.IdCardFormatError as exc:
                    self._raw(item.raw, error=str(exc))
                    return DeviceFault("读卡器应答格式错误", f"malformed reply ({exc})")
        partial = self._decoder.partial_frame()
        if partial is not None:
            held, total = partial
            self._raw(self._decoder.take_pending(), error=f"truncated frame ({held} of {total} bytes)")
            return DeviceFault(f"读卡器应答不完整（收到 {held}/{total} 字节）",
                               f"incomplete reply from reader (truncated frame: {held} of {total} bytes)")
        return DeviceFault("读卡器无应答（超时），请检查连接和电源",
                           "reader does not answer (timeout): check cable and power")

    def _connect(self) -> None:
        super()._connect()
        self._decoder.clear()
        self._card_present = False
        status = self._transact(codec.CMD_SAM_STATUS)
        if not status.ok:
            zh, en = codec.status_message(status.sw3)
            raise DeviceFault(f"SAM模块状态异常：{zh}", f"SAM module not ready: {en}")

    def _serve(self) -> None:
        while not self._stopping.is_set():
            self._poll_once()
            self._stopping.wait(self.poll_interval)

    def _poll_once(self) -> None:
        started = time.perf_counter()
        found = self._transact(codec.CMD_FIND)
        if found.sw3 != codec.SW_FOUND:
            if found.sw3 in (codec.SW_FIND_FAILED, codec.SW_OK):
                self._card_present = False
                if time.monotonic() >= self._warning_until:  # no card: fine, once a warning was seen
                    self._set_connected()
            else:
                zh, en = codec.status_message(found.sw3)
                self._warn(f"{self.name}：寻卡失败：{zh}", f"{self.name}: find card failed: {en}")
            return
        if self._card_present:
            # some readers find a card again while it stays on the reader: one read per placement
            return
        selected = self._transact(codec.CMD_SELECT)
        if selected.sw3 != codec.SW_OK:
            zh, en = codec.status_message(selected.sw3)
            self._warn(f"{self.name}：{zh}", f"{self.name}: {en}")
            return
        cmd = codec.CMD_READ_FP if self.with_fingerprint else codec.CMD_READ
        response = self._transact(cmd)
        if response.sw3 != codec.SW_OK:
            zh, en = codec.status_message(response.sw3)
            self._raw(response.raw, error=f"SW3 {response.sw3:02X}: {en}")
            self._warn(f"{self.name}：{zh}", f"{self.name}: {en}")
            return
        try:
            card = codec.parse_read_data(response.data, self.with_fingerprint, self.today())
        except codec.IdCardFormatError as exc:
            self._refuse(exc, response.raw)
            return
        appended = self._read_appended_address(card, response.raw)
        if appended is False:
            return
        address_raw = appended if isinstance(appended, RawMessage) else None
        photo_failed = False
        if self.wlt_decoder is not None:
            try:
                card.photo_png = self.wlt_decoder.decode(card.photo_wlt)
            except Exception as exc:  # the card's text is good; the photo stays as WLT bytes
                self._warn(f"{self.name}：照片解码失败（{exc}）", f"{self.name}: photo decoding failed ({exc})")
                photo_failed = True
        self._card_present = True
        raw = self._raw(response.raw, parsed=card.to_json())
        if address_raw is not None:
            self._emit_raw(address_raw)
        if not photo_failed:  # a good read ends an earlier warning; a photo failure stays shown
            self._warning_until = 0.0
            self._set_connected()
        self._emit(IdCardEvent(card, raw, (time.perf_counter() - started) * 1000, address_raw))

    def _refuse(self, exc: codec.IdCardFormatError, *raws: bytes) -> None:
        """A card whose data cannot be filed: every frame kept with the reason, the clerk asked to place it
        again (the link stays up; the next placement is read as usual)."""
        if isinstance(exc, codec.IdCardFieldError):
            zh, en = exc.reason_zh, exc.reason_en
            parsed = {"refused_field": exc.field, "reason_zh": zh, "reason_en": en}
        else:
            zh = en = str(exc)
            parsed = {"reason_zh": zh, "reason_en": en}
        for data in raws:
            self._raw(data, parsed=parsed, error=en)
        self._warn(f"{self.name}：证件信息无法解析（{zh}），请移开证件后重新放卡",
                   f"{self.name}: card data cannot be parsed ({en}); remove the card and place it again")
        self._card_present = True

    def _read_appended_address(self, card: IdCardData, read_raw: bytes) -> RawMessage | bool | None:
        """30 03 after a good read: the appended address goes into `card`.

        Returns the raw entry of the 30 03 reply (filed with the card), None when no reply is to be
        filed, or False when the card was refused (reported already)."""
        try:
            reply = self._transact(codec.CMD_READ_ADDR)
        except DeviceFault as fault:
            if self._stopping.is_set():
                raise
            self._raw(read_raw, parsed={"reason_en": "appended address not read"},
                      error=f"appended address (30 03) not read: {fault.reason_en}")
            self._warn(f"{self.name}：追加住址读取失败（{fault.reason_zh}），请移开证件后重新放卡",
                       f"{self.name}: reading the appended address failed ({fault.reason_en}); "
                       "remove the card and place it again")
            self._card_present = True
            return False
        if reply.sw3 == codec.SW_OK:
            try:
                card.appended_address = codec.parse_appended_address(reply.data)
            except codec.IdCardFormatError as exc:
                self._refuse(exc, read_raw, reply.raw)
                return False
            card.extra["appended_address_status"] = "present" if card.appended_address else "none"
        elif reply.sw3 == codec.SW_NO_CONTENT:
            card.extra["appended_address_status"] = "none"
        elif reply.sw3 == 0x21:
            # a SAM that does not know 30 03 (bad command): the card's appended address stays unknown
            card.extra["appended_address_status"] = "unsupported"
        else:
            zh, en = codec.status_message(reply.sw3)
            self._raw(read_raw, parsed={"reason_en": f"appended address: {en}"},
                      error=f"appended address (30 03) failed: SW3 {reply.sw3:02X} {en}")
            self._raw(reply.raw, error=f"SW3 {reply.sw3:02X}: {en}")
            self._warn(f"{self.name}：追加住址读取失败（{zh}），请移开证件后重新放卡",
                       f"{self.name}: reading the appended address failed ({en}); "
                       "remove the card and place it again")
            self._card_present = True
            return False
        return RawMessage(self.name, self.kind, self.protocol, "in", utcnow(), reply.raw,
                          {"command": "30 03", "sw3": f"{reply.sw3:02X}",
                           "appended_address": card.appended_address,
                           "status": card.extra["appended_address_status"]})

    def _set_connected(self) -> None:
        from devices.base import ConnectionState

        self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
