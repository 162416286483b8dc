"""The separator driver: reads adapter frames, delivers status/alarms/summary, sends parameters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.base import ConnectionState, RawMessage
from devices.separator.adapters import SeparatorAdapter, adapter_for
from devices.separator.model import ProcedureParameters, SeparatorDataError
from devices.transport import LineBuffer, SerialWorker


@dataclass
class SeparatorEvent:
    type: str  # hello | status | alarm | summary | ack | error
    payload: Any
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        body = self.payload.to_json() if hasattr(self.payload, "to_json") else dict(self.payload)
        body.pop("type", None)
        return {"event": f"separator_{self.type}", **body,
                "raw_received_at": self.raw.received_at.isoformat()}


class SeparatorWorker(SerialWorker):
    kind = "separator"
    protocol = "jsonl"

    def __init__(self, name: str, port: str, *, adapter: str | SeparatorAdapter = "jsonl",
                 baudrate: int = 115200, **kwargs: Any) -> None:
        super().__init__(name, port, baudrate=baudrate, **kwargs)
        self.adapter = adapter_for(adapter) if isinstance(adapter, str) else adapter
        self.protocol = self.adapter.name
        self._lines = LineBuffer()
        self._pending_parameters: bytes | None = None
        self._handed_off: str = ""  # the DIN of the donation whose parameters the device was given

    def send_parameters(self, params: ProcedureParameters) -> None:
        """Hand the donor's parameters to the device (sent now, or as soon as it is connected)."""
        data = self.adapter.encode_parameters(params)
        self._pending_parameters = data
        self._handed_off = params.donation_id
        if self._serial is not None:
            self._flush_parameters()

    def _flush_parameters(self) -> None:
        data, self._pending_parameters = self._pending_parameters, None
        if data:
            self._write(data)
            self._raw(data, parsed={"parameters": data.decode("utf-8", "replace")}, direction="out")

    def _connect(self) -> None:
        super()._connect()
        self._lines.clear()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            if self._pending_parameters:
                self._flush_parameters()
            data = self._read()
            if not data:
                continue
            overflowed = self._lines.overflowed
            for line in self._lines.feed(data):
                self._on_line(line)
            if self._lines.overflowed != overflowed:
                self._warn(f"{self.name}：收到超长数据行，已丢弃", f"{self.name}: oversized line dropped")

    def _on_line(self, line: bytes) -> None:
        try:
            messages = self.adapter.decode(line)
        except SeparatorDataError as exc:
            self._raw(line, error=str(exc))
            self._warn(f"{self.name}：无法识别的数据（{exc}）", f"{self.name}: unusable data ({exc})")
            return
        for message in messages:
            payload = message.payload
            parsed = payload.to_json() if hasattr(payload, "to_json") else dict(payload)
            other = self._other_donation(message)
            if other:
                error = (f"{message.type} for donation {other[:32]} but the device was set up for "
                         f"{self._handed_off}: not delivered")
                self._raw(line, parsed={"type": message.type, **parsed}, error=error)
                self._warn(f"{self.name}：收到献血 {other[:32]} 的数据，而设备设置的是 {self._handed_off}，未采用",
                           f"{self.name}: {error}")
                continue
            raw = self._raw(line, parsed={"type": message.type, **parsed})
            if self.status.state != ConnectionState.CONNECTED:
                self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
            self._emit(SeparatorEvent(message.type, payload, raw))

    def _other_donation(self, message: Any) -> str:
        """The donation a summary or acknowledgement names when it is not the one handed off ('' if the
        same, or when either side names none): such a message is never delivered, so that a run is
        never filed under another donation."""
        payload = message.payload
        named = payload.get("donation_id") if isinstance(payload, dict) else getattr(payload, "donation_id", "")
        named = str(named or "")
        if message.type in ("summary", "ack") and named and self._handed_off and named != self._handed_off:
            return named
        return ""
