"""Analyzer simulators: a Sysmex-style ASTM sender on a serial port and a Mindray-style MLLP client."""
from __future__ import annotations

import itertools
import logging
import socket
import time
from datetime import datetime
from typing import Any

from devices.analyzer import astm, hl7
from devices.simbase import SerialSimulator, Simulator, connect_retry, parse_host_port

log = logging.getLogger(__name__)

DEFAULT_UNITS = {"WBC": "10*3/uL", "HGB": "g/dL", "HCT": "%", "PLT": "10*3/uL", "MPV": "fL"}


def sysmex_records(sample_id: str, values: dict[str, tuple[str, str]], *, qc: bool = False,
                   when: datetime | None = None) -> list[str]:
    """The records of one Sysmex XN result message (see the capture in standards.md)."""
    ts = (when or datetime.now()).strftime("%Y%m%d%H%M%S")
    tests = "\\".join(f"^^^^{name}" for name in values)
    records = ["H|\\^&|||XN-550^00-24^22723^^^^BD634545||||||||E1394-97",
               "P|1|||||||U||||||^"]
    records.append(f"O|1||^^{sample_id:>15}^B|{tests}|||||||{'Q' if qc else 'N'}||||||||||||||F")
    for i, (name, (value, unit)) in enumerate(values.items(), start=1):
        records.append(f"R|{i}|^^^^{name}^1|{value}|{unit}||N||F||||{ts}")
    records.append("L|1|N")
    return records


def values_from_request(request: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """{"HGB": 13.8} or {"HGB": ["138", "g/L"]} -> {"HGB": ("13.8", "g/dL")}."""
    out: dict[str, tuple[str, str]] = {}
    for name, spec in (request.get("values") or {}).items():
        if isinstance(spec, (list, tuple)):
            out[name.upper()] = (str(spec[0]), str(spec[1]))
        else:
            out[name.upper()] = (str(spec), DEFAULT_UNITS.get(name.upper(), ""))
    return out


class AstmAnalyzerSimulator(SerialSimulator):
    """Sends queued result messages with the real E1381 link protocol (retries, timeouts, contention)."""

    def __init__(self, port: str, control_port: int | None = None, *, reply_timeout: float = 3.0,
                 baudrate: int = 9600) -> None:
        # E1381 gives the sender 15 s to wait for a reply; the simulator defaults to 3 s so that a
        # station that opens its port after the ENQ was sent (pyserial flushes input on open)
        # gets the message promptly. Pass reply_timeout=15 to behave exactly like an instrument.
        super().__init__(port, control_port)
        self.baudrate = baudrate
        self.reply_timeout = reply_timeout
        self.queue: list[tuple[list[bytes], str | None, bytes]] = []  # frames, fault, preamble
        self.sender: astm.AstmSender | None = None
        self.fault_now: str | None = None
        self.sent_ok = 0
        self.failed = 0
        self.naks = 0
        self.next_start = 0.0
        self._first_attempt: set[int] = set()

    def enqueue(self, records: list[str], fault: str | None = None, preamble: bytes = b"") -> None:
        self.queue.append((astm.build_frames(records), fault, preamble))

    def tick(self) -> None:
        now = time.monotonic()
        if self.sender is None:
            if not self.queue or now < self.next_start:
                return
            frames, fault, preamble = self.queue[0]
            self.fault_now = fault
            if fault == "bad_checksum":  # the first transmission of frame 1 is corrupted once
                frames = [self._corrupt(frames[0])] + frames[1:]
                self.queue[0] = (self.queue[0][0], None, preamble)
            elif fault == "nak_storm":
                frames = [self._corrupt(f) for f in frames]
            self.sender = astm.AstmSender(frames, reply_timeout=self.reply_timeout)
            if preamble:
                self.write(preamble)
            self.write(self.sender.start(now).send)
            return
        self._apply(self.sender.tick(now))

    @staticmethod
    def _corrupt(frame: bytes) -> bytes:
        bad = bytearray(frame)
        bad[-4:-2] = b"00" if bytes(bad[-4:-2]) != b"00" else b"01"
        return bytes(bad)

    def on_data(self, data: bytes) -> None:
        now = time.monotonic()
        for value in data:
            if self.sender is None:
                return
            if bytes([value]) == astm.NAK:
                self.naks += 1
            out = self.sender.on_byte(bytes([value]), now)
            if self.fault_now == "cut" and self.sender.state == "frames" and self.sender.index >= 1:
                # die mid-message: stop talking after the first frame was accepted
                self.queue.pop(0)
                self.sender = None
                return
            self._apply(out)

    def _apply(self, out: astm.SenderOutput) -> None:
        if out.send:
            self.write(out.send)
        if out.done and self.sender is not None:
            self.sender = None
            if out.ok:
                self.queue.pop(0)
                self.sent_ok += 1
            else:
                self.failed += 1
                log.warning("ASTM transfer failed: %s", out.error)
                if self.fault_now == "nak_storm":
                    self.queue.pop(0)
                self.next_start = time.monotonic() + 1.0  # the instrument retries the message later

    # -- control ----------------------------------------------------------------------------
    def ctl_send(self, request: dict[str, Any]) -> dict[str, Any]:
        records = request.get("records")
        if records is None:
            records = sysmex_records(str(request["sample_id"]), values_from_request(request),
                                     qc=bool(request.get("qc")))
        preamble = bytes.fromhex(request.get("preamble_hex", ""))
        for _ in range(int(request.get("repeat", 1))):
            self.enqueue(list(records), request.get("fault"), preamble)
        return {"queued": len(self.queue)}

    def ctl_send_raw(self, request: dict[str, Any]) -> dict[str, Any]:
        self.write(bytes.fromhex(request["hex"]))
        return {}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"queued": len(self.queue), "sent_ok": self.sent_ok, "failed": self.failed,
                "naks": self.naks, "busy": self.sender is not None}


class Hl7AnalyzerSimulator(Simulator):
    """Connects to the station's MLLP listener, sends each queued ORU and waits for its ACK."""

    def __init__(self, port: str, control_port: int | None = None, *, ack_timeout: float = 10.0) -> None:
        super().__init__(port, control_port)
        self.ack_timeout = ack_timeout
        self.queue: list[bytes] = []
        self.acks: list[dict[str, str]] = []
        self._ids = itertools.count(1)

    def ctl_send(self, request: dict[str, Any]) -> dict[str, Any]:
        if "raw" in request:
            message = str(request["raw"]).replace("\n", "\r").encode("utf-8")
        else:
            message = hl7.build_oru(str(request["sample_id"]), values_from_request(request),
                                    control_id=str(request.get("control_id") or f"MSG{next(self._ids):05d}"),
                                    qc=bool(request.get("qc")))
        for _ in range(int(request.get("repeat", 1))):
            self.queue.append(message)
        return {"queued": len(self.queue)}

    def ctl_state(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"queued": len(self.queue), "acks": self.acks[-20:]}

    def run(self) -> None:
        host, port = parse_host_port(self.port)
        while not self._stop.is_set():
            if not self.queue:
                self._stop.wait(0.02)
                continue
            sock = connect_retry(host, port, self._stop)
            if sock is None:
                return
            try:
                with sock:
                    while self.queue and not self._stop.is_set():
                        with self._lock:
                            message = self.queue[0]
                        code = self._send_one(sock, message)
                        with self._lock:
                            if code is not None:
                                self.queue.pop(0)
            except OSError as exc:
                log.warning("MLLP connection failed: %s", exc)
                self._stop.wait(0.5)

    def _send_one(self, sock: socket.socket, message: bytes) -> str | None:
        sock.sendall(hl7.mllp_wrap(message))
        sock.settimeout(0.1)
        decoder = hl7.MllpDecoder()
        deadline = time.monotonic() + self.ack_timeout
        while time.monotonic() < deadline and not self._stop.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                raise OSError("station closed the connection")
            for item in decoder.feed(data):
                if item.message is None:
                    continue
                text = item.message.decode("utf-8", "replace")
                msa = next((s for s in text.split("\r") if s.startswith("MSA|")), "MSA||")
                fields = msa.split("|")
                code = fields[1] if len(fields) > 1 else ""
                self.acks.append({"code": code, "control_id": fields[2] if len(fields) > 2 else "",
                                  "text": fields[3] if len(fields) > 3 else ""})
                return code
        return None  # no ACK: resend (Mindray resends after its ACK timeout)
