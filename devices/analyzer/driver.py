"""Analyzer drivers: ASTM E1381/E1394 on a serial port, HL7 ORU^R01 over MLLP on a TCP listener."""
from __future__ import annotations

import hashlib
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices.analyzer import astm, e1394, hl7
from devices.analyzer.dialects import Dialect, dialect_for
from devices.analyzer.results import AnalyzerResult, ParsedSample
from devices.base import ConnectionState, DeviceFault, DeviceWorker, utcnow
from devices.simbase import parse_host_port
from devices.transport import SerialWorker


class _ResultDelivery:
    """Shared by both drivers: bind parsed samples to their raw message and deliver them."""

    name: str

    def _deliver(self: Any, samples: list[ParsedSample], raw_bytes: bytes, received_at: Any) -> None:
        parsed = {"samples": [s.to_json() for s in samples]}
        raw = self._raw(raw_bytes, parsed=parsed, received_at=received_at)
        for sample in samples:
            if not sample.values and not sample.rejected:
                continue  # an order with no analyte the station files (e.g. a retic-only run)
            result: AnalyzerResult = sample.bind(raw, self.protocol)
            if result.rejected:
                self._warn(f"{self.name}：样本 {sample.sample_id} 部分结果被拒收："
                           + "；".join(result.rejected_zh.get(k, v) for k, v in result.rejected.items()),
                           f"{self.name}: sample {sample.sample_id}: results refused: "
                           + "; ".join(result.rejected.values()))
            self._emit(result)


class AstmAnalyzerWorker(_ResultDelivery, SerialWorker):
    kind = "analyzer"
    protocol = "astm"

    def __init__(self, name: str, port: str, *, receiver_timeout: float = astm.RECEIVER_TIMEOUT,
                 max_text: int | None = None, dialect: str | Dialect = "", **kwargs: Any) -> None:
        """`dialect` names the instrument family (devices.analyzer.dialects); it sets where the
        sample id is, the decimal mark, extra units, flags and the frame length (max_text
        overrides the dialect's)."""
        super().__init__(name, port, **kwargs)
        self.dialect = dialect if isinstance(dialect, Dialect) else dialect_for(dialect, "astm")
        self.receiver_timeout = receiver_timeout
        self.max_text = max_text or self.dialect.max_text
        self.receiver = astm.AstmReceiver(receiver_timeout, max_text)

    def _connect(self) -> None:
        super()._connect()
        self.receiver = astm.AstmReceiver(self.receiver_timeout, self.max_text)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            data = self._read()
            now = time.monotonic()
            out = self.receiver.feed(data, now) if data else self.receiver.check_timeout(now)
            if out.reply:
                self._write(out.reply)
            for error in out.errors:
                self._warn(f"{self.name}：{error}", f"{self.name}: {error}")
            for transfer in out.transfers:
                self._on_transfer(transfer)

    def _on_transfer(self, transfer: astm.Transfer) -> None:
        from devices.base import utcnow

        received_at = utcnow()
        text = transfer.text.decode("latin-1")
        if not text:
            self._raw(transfer.raw, error="empty transfer", received_at=received_at)
            return
        delivered = False
        messages = e1394.split_messages(text)
        for message in messages:
            try:
                samples = e1394.parse_message(message, self.dialect)
            except e1394.AstmMessageError as exc:
                self._raw(message.encode("latin-1"), error=str(exc), received_at=received_at)
                self._warn(f"{self.name}：报文无法归档（{exc}）", f"{self.name}: message refused ({exc})")
                continue
            self._deliver(samples, transfer.raw if len(messages) == 1
                          else message.encode("latin-1"), received_at)
            delivered = True
        if delivered and self.status.state != ConnectionState.CONNECTED and transfer.complete:
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")


@dataclass(frozen=True)
class Accepted:
    control_id: str
    samples: list[ParsedSample]
    raw: bytes
    received_at: datetime


@dataclass
class Hl7Output:
    """What one MLLP item leads to: at most one ACK, the samples to file, what was refused."""

    ack: bytes | None = None
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[tuple[bytes, str, datetime]] = field(default_factory=list)  # whole messages
    invalid: list[tuple[bytes, str, datetime]] = field(default_factory=list)  # stray bytes, cut blocks
    notes: list[str] = field(default_factory=list)


class Hl7Session:
    """The message handling of the HL7 listener without the socket (so it can be tested alone).

    Each whole MLLP block gets exactly one ACK whose MSA-2 is that message's MSH-10: AA only when
    every analyte the station files was taken, AE (with an ERR per refused analyte) when some were
    refused, AR when the message itself was refused. A block that never ended gets no ACK (the
    analyzer resends it after its timeout). A message repeated byte for byte with the same control id
    (the analyzer did not get our ACK) is acknowledged again with the same answer and not filed a
    second time; the memory of control ids outlives a connection, since Mindray analyzers reconnect
    for every message."""

    def __init__(self, name: str, protocol: str = "hl7", *, profile: Any = None,
                 max_message: int = hl7.MAX_MESSAGE, remember: int = 256) -> None:
        self.name = name
        self.protocol = protocol
        self.profile = profile
        self.max_message = max_message
        self.decoder = hl7.MllpDecoder(max_message)
        self.remember = remember
        self._seen: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._acks = 0

    def new_connection(self) -> None:
        self.decoder = hl7.MllpDecoder(self.max_message)

    def feed(self, data: bytes) -> list[Hl7Output]:
        return [self.take(item) for item in self.decoder.feed(data)]

    def flush(self, *, partial: bool) -> list[Hl7Output]:
        return [self.take(item) for item in self.decoder.flush(partial=partial)]

    def _ack_id(self) -> str:
        self._acks += 1
        return f"ACK{self._acks}"

    def take(self, item: hl7.MllpItem, received_at: datetime | None = None) -> Hl7Output:
        received_at = received_at or utcnow()
        out = Hl7Output()
        if item.message is None:
            error = item.error or "invalid data"
            out.invalid.append((item.raw, error, received_at))
            if error.startswith("message longer"):  # a whole block: it is answered, by its id if readable
                control_id = hl7.control_id_of(item.raw[1:] if item.raw[:1] == hl7.SB else item.raw)
                out.ack = hl7.build_ack(control_id, "AR", error, errors=[hl7.AckError("MSH", 0, 0, "100",
                                                                                      error)],
                                        ack_id=self._ack_id())
            return out
        key = (hl7.control_id_of(item.message), hashlib.sha256(item.message).hexdigest())
        if key in self._seen:
            self._seen.move_to_end(key)
            out.ack = self._seen[key]
            out.notes.append(f"message {key[0]} received again (our acknowledgement was lost?): "
                             "acknowledged again, not filed twice")
            return out
        try:
            msg, samples = hl7.parse_oru(item.message, self.profile)
        except hl7.Hl7Error as exc:
            out.refused.append((item.raw, str(exc), received_at))
            out.ack = hl7.build_ack(exc.control_id, exc.ack_code, str(exc),
                                    errors=[hl7.AckError(exc.segment, exc.sequence, exc.field, exc.err_code,
                                                         str(exc))], ack_id=self._ack_id())
        else:
            out.accepted.append(Accepted(msg.control_id, samples, item.raw, received_at))
            errors = [e for s in samples for e in hl7.ack_errors(s)]
            if errors:
                text = f"{len(errors)} result(s) refused: " + "; ".join(e.text for e in errors)
                out.ack = hl7.build_ack(msg.control_id, "AE", text, errors=errors, original=msg,
                                        ack_id=self._ack_id())
            else:
                out.ack = hl7.build_ack(msg.control_id, "AA", original=msg, ack_id=self._ack_id())
        self._seen[key] = out.ack
        while len(self._seen) > self.remember:
            self._seen.popitem(last=False)
        return out


class Hl7AnalyzerWorker(_ResultDelivery, DeviceWorker):
    """Listens on host:port (mllp://0.0.0.0:5100); the analyzer connects and sends ORU messages."""

    kind = "analyzer"
    protocol = "hl7"

    def __init__(self, name: str, port: str, *, idle_timeout: float = 0.0,
                 max_message: int = hl7.MAX_MESSAGE, garbage_quiet: float = 1.0, block_timeout: float = 30.0,
                 dialect: str | Dialect = "", **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self.profile = dialect if isinstance(dialect, Dialect) else dialect_for(dialect, "hl7")
        self.max_message = max_message
        self.garbage_quiet = garbage_quiet  # s of silence after which stray bytes are reported
        self.block_timeout = block_timeout  # s of silence inside a block after which it is reported cut
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._session = Hl7Session(name, self.protocol, profile=self.profile, max_message=max_message)

    def _connect(self) -> None:
        host, port = parse_host_port(self.port, "0.0.0.0")
        try:
            listener = socket.create_server((host, port), reuse_port=False)
        except OSError as exc:
            raise DeviceFault(f"无法监听 {host}:{port}（{exc}）", f"cannot listen on {host}:{port} ({exc})") from exc
        listener.settimeout(0.1)
        self._listener = listener

    def _disconnect(self) -> None:
        for sock in (self._conn, self._listener):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass
        self._conn = self._listener = None

    def _interrupt(self) -> None:
        return  # every socket call times out within 0.1 s

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, _addr = self._listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(0.1)
            self._conn = conn
            try:
                self._serve_connection(conn)
            finally:
                conn.close()
                self._conn = None

    def _serve_connection(self, conn: socket.socket) -> None:
        self._session.new_connection()
        decoder = self._session.decoder
        last_data = time.monotonic()
        while not self._stopping.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                quiet = time.monotonic() - last_data
                if quiet >= self.garbage_quiet:  # stray bytes are reported once the line is quiet,
                    self._handle(conn, decoder.flush(partial=quiet >= self.block_timeout))  # a cut block later
                continue
            except OSError as exc:
                self._warn(f"{self.name}：连接中断（{exc}）", f"{self.name}: connection lost ({exc})")
                self._handle(conn, decoder.flush(partial=True))
                return
            if not data:  # the analyzer closed the connection; it reconnects for its next message
                self._handle(conn, decoder.flush(partial=True))
                return
            last_data = time.monotonic()
            self._handle(conn, decoder.feed(data))

    def _handle(self, conn: socket.socket, items: list[hl7.MllpItem]) -> None:
        for item in items:
            self._apply(conn, self._session.take(item))

    def _apply(self, conn: socket.socket, out: Hl7Output) -> None:
        for raw, error, received_at in out.invalid:
            self._raw(raw, error=error, received_at=received_at)
            self._warn(f"{self.name}：收到无效数据（{error}）", f"{self.name}: invalid data received ({error})")
        for raw, error, received_at in out.refused:
            self._raw(raw, error=error, received_at=received_at)
            self._warn(f"{self.name}：报文无法归档（{error}）", f"{self.name}: message refused ({error})")
        for note in out.notes:
            self._warn(f"{self.name}：{note}", f"{self.name}: {note}")
        for accepted in out.accepted:
            self._deliver(accepted.samples, accepted.raw, accepted.received_at)
        if out.ack is not None:
            self._send(conn, out.ack)
        if out.accepted and self.status.state != ConnectionState.CONNECTED:
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")

    def _send(self, conn: socket.socket, ack: bytes) -> None:
        try:
            conn.sendall(hl7.mllp_wrap(ack))
        except OSError as exc:
            self._warn(f"{self.name}：应答发送失败（{exc}）", f"{self.name}: sending the ACK failed ({exc})")
        self._raw(ack, parsed={"ack": ack.decode("utf-8", "replace")}, direction="out")
