"""ZPL label printer driver: TCP 9100 (socket://host:9100) or serial, status by ~HS."""
from __future__ import annotations

import hashlib
import queue
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from devices.base import ConnectionState, DeviceFault, RawMessage
from devices.printer.zpl import LabelData, LabelError, build_label_zpl, parse_host_status
from devices.transport import SerialWorker


@dataclass
class PrintJobEvent:
    job_id: str
    din: str
    zpl_sha256: str
    bytes_sent: int
    raw: RawMessage

    def to_json(self) -> dict[str, Any]:
        return {"event": "label_printed", "job_id": self.job_id, "din": self.din,
                "zpl_sha256": self.zpl_sha256, "bytes": self.bytes_sent,
                "sent_at": self.raw.received_at.isoformat()}


TEST_LABEL = LabelData("W000025000001", "00", "W", "O RhD+", "E3090V00", date.today().isoformat(),
                       facility="TEST")


class ZplPrinterWorker(SerialWorker):
    kind = "printer"
    protocol = "zpl"

    def __init__(self, name: str, port: str, *, query_status: bool = True, dpi: int = 203,
                 status_timeout: float = 2.0, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self.query_status = query_status
        self.dpi = dpi
        self.status_timeout = status_timeout
        self._jobs: queue.Queue[tuple[str, LabelData]] = queue.Queue()
        self._count = 0

    def print_label(self, label: LabelData) -> str:
        """Queue one label (validated now: a wrong check character is refused before printing)."""
        label.validate()
        self._count += 1
        job_id = f"{self.name}-{int(time.time())}-{self._count}"
        self._jobs.put((job_id, label))
        return job_id

    def device_test_trigger(self) -> None:
        self.print_label(TEST_LABEL)

    def _printer_status(self) -> None:
        if not self.query_status:
            return
        self._write(b"~HS")
        data = b""
        deadline = time.monotonic() + self.status_timeout
        while time.monotonic() < deadline and data.count(b"\x03") < 3:
            data += self._read()
        try:
            status = parse_host_status(data)
        except LabelError as exc:
            raise DeviceFault("打印机无状态应答", f"printer does not answer ~HS ({exc})") from exc
        if not status.ready:
            zh, en = status.problems()
            raise DeviceFault(f"打印机未就绪：{zh}", f"printer not ready: {en}")

    def _serve(self) -> None:
        self._printer_status()
        self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
        while not self._stopping.is_set():
            try:
                job_id, label = self._jobs.get(timeout=0.1)
            except queue.Empty:
                self._read()  # notice a dropped connection
                continue
            try:
                self._printer_status()
                zpl = build_label_zpl(label, self.dpi).encode("utf-8")
                self._write(zpl)
            except DeviceFault:
                self._jobs.put((job_id, label))  # printed after the fault clears, not lost
                raise
            except LabelError as exc:
                self._warn(f"{self.name}：标签数据错误（{exc}）", f"{self.name}: bad label data ({exc})")
                continue
            raw = self._raw(zpl, parsed={"job_id": job_id, "din": label.din}, direction="out")
            self._emit(PrintJobEvent(job_id, label.din, hashlib.sha256(zpl).hexdigest(), len(zpl), raw))
