"""Staff-card monitor over PC/SC: card inserted -> ATR, UID, staff id event; card removed -> event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from devices.base import ConnectionState, DeviceFault, DeviceWorker, RawMessage
from devices.staffcard.vicc import STAFF_AID

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
SELECT_STAFF = [0x00, 0xA4, 0x04, 0x00, len(STAFF_AID)] + list(STAFF_AID)
READ_STAFF_ID = [0x00, 0xB0, 0x00, 0x00, 0x00]


@dataclass
class StaffCardEvent:
    action: str  # inserted | removed
    reader: str
    atr: str
    uid: str
    staff_id: str
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {"event": f"staff_card_{self.action}", "reader": self.reader, "atr": self.atr,
                "uid": self.uid, "staff_id": self.staff_id,
                "raw_received_at": self.raw.received_at.isoformat()}


class StaffCardMonitor(DeviceWorker):
    """`port` is `pcsc://` (any reader) or `pcsc://NAME` (readers whose name starts with NAME).

    Inserting a card identifies the user (the station maps ATR/UID/staff id to a user and asks
    for the PIN); removing it locks the session."""

    kind = "staff-card"
    protocol = "pcsc"

    def __init__(self, name: str, port: str = "pcsc://", *, poll_ms: int = 200, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        prefix = port.split("://", 1)[1] if "://" in port else port
        self.reader_prefix = unquote(prefix)
        self.poll_ms = poll_ms
        self._context: Any = None
        self._present: dict[str, tuple[str, str, str]] = {}

    def _scard(self) -> Any:
        try:
            from smartcard import scard
        except ImportError as exc:
            raise DeviceFault("未安装 pyscard，无法使用工作人员卡", "pyscard is not installed") from exc
        return scard

    def _connect(self) -> None:
        scard = self._scard()
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise DeviceFault("PC/SC 服务不可用（pcscd 未运行？）",
                              f"PC/SC service not available (is pcscd running?): "
                              f"{scard.SCardGetErrorMessage(hresult)}")
        self._context = context
        self._present = {}

    def _disconnect(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            scard = self._scard()
            scard.SCardReleaseContext(context)

    def _interrupt(self) -> None:
        return  # GetStatusChange times out every poll_ms

    def _readers(self) -> list[str]:
        scard = self._scard()
        hresult, readers = scard.SCardListReaders(self._context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise DeviceFault("读卡器列表获取失败", f"cannot list readers: {scard.SCardGetErrorMessage(hresult)}")
        return [r for r in readers if r.startswith(self.reader_prefix)]

    def _serve(self) -> None:
        scard = self._scard()
        states: dict[str, int] = {}
        warned_no_reader = False
        while not self._stopping.is_set():
            readers = self._readers()
            if not readers:
                if not warned_no_reader:
                    self._warn("未找到工作人员卡读卡器", f"no card reader matching {self.reader_prefix!r}")
                    warned_no_reader = True
                self._stopping.wait(self.poll_ms / 1000)
                continue
            if warned_no_reader:
                self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
                warned_no_reader = False
            request = [(r, states.get(r, scard.SCARD_STATE_UNAWARE)) for r in readers]
            hresult, changes = scard.SCardGetStatusChange(self._context, self.poll_ms, request)
            if hresult == scard.SCARD_E_TIMEOUT:
                continue
            if hresult != scard.SCARD_S_SUCCESS:
                raise DeviceFault("PC/SC 状态查询失败", f"PC/SC status failed: {scard.SCardGetErrorMessage(hresult)}")
            for reader, event_state, atr in changes:
                states[reader] = event_state & ~scard.SCARD_STATE_CHANGED
                present = bool(event_state & scard.SCARD_STATE_PRESENT)
                if present and reader not in self._present:
                    self._on_insert(reader, bytes(atr))
                elif not present and reader in self._present:
                    atr_hex, uid, staff_id = self._present.pop(reader)
                    raw = self._raw(b"", parsed={"action": "removed", "reader": reader, "uid": uid})
                    self._emit(StaffCardEvent("removed", reader, atr_hex, uid, staff_id, raw))

    def _on_insert(self, reader: str, atr: bytes) -> None:
        scard = self._scard()
        hresult, card, protocol = scard.SCardConnect(self._context, reader, scard.SCARD_SHARE_SHARED,
                                                     scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hresult != scard.SCARD_S_SUCCESS:
            self._warn("无法读取工作人员卡，请重新插卡",
                       f"cannot talk to the card in {reader}: {scard.SCardGetErrorMessage(hresult)}")
            self._present[reader] = (atr.hex().upper(), "", "")
            return
        transcript = bytearray()
        try:
            def transmit(apdu: list[int]) -> tuple[bytes, int]:
                hr, response = scard.SCardTransmit(card, protocol, apdu)
                if hr != scard.SCARD_S_SUCCESS:
                    raise DeviceFault("工作人员卡通信失败", f"card communication failed: {scard.SCardGetErrorMessage(hr)}")
                transcript.extend(bytes(apdu) + b"|" + bytes(response) + b"\n")
                body = bytes(response)
                return body[:-2], (body[-2] << 8 | body[-1]) if len(body) >= 2 else 0

            uid, sw = transmit(GET_UID)
            uid_hex = uid.hex().upper() if sw == 0x9000 else ""
            staff_id = ""
            _, sw = transmit(SELECT_STAFF)
            if sw == 0x9000:
                data, sw = transmit(READ_STAFF_ID)
                if sw == 0x9000:
                    staff_id = data.decode("utf-8", "replace")
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        atr_hex = atr.hex().upper()
        self._present[reader] = (atr_hex, uid_hex, staff_id)
        raw = self._raw(bytes(transcript), parsed={"action": "inserted", "reader": reader, "atr": atr_hex,
                                                   "uid": uid_hex, "staff_id": staff_id})
        self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
        self._emit(StaffCardEvent("inserted", reader, atr_hex, uid_hex, staff_id, raw))
