"""Analyzer drivers: ASTM E1381/E1394 on a serial port, HL7 ORU^R01 over MLLP on a TCP listener."""
from __future__ import annotations

import socket
import time
from typing import Any

from devices.analyzer import astm, e1394, hl7
from devices.analyzer.results import AnalyzerResult, ParsedSample
from devices.base import ConnectionState, DeviceFault, DeviceWorker
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
                           + "；".join(result.rejected.values()),
                           f"{self.name}: sample {sample.sample_id}: results refused: "
                           + "; ".join(result.rejected.values()))
            self._emit(result)


class AstmAnalyzerWorker(_ResultDelivery, SerialWorker):
    kind = "analyzer"
    protocol = "astm"

    def __init__(self, name: str, port: str, *, receiver_timeout: float = astm.RECEIVER_TIMEOUT,
                 max_text: int = astm.MAX_TEXT, **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self.receiver_timeout = receiver_timeout
        self.max_text = max_text
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
        for message in e1394.split_messages(text):
            try:
                samples = e1394.parse_message(message)
            except e1394.AstmMessageError as exc:
                self._raw(message.encode("latin-1"), error=str(exc), received_at=received_at)
                self._warn(f"{self.name}：报文无法归档（{exc}）", f"{self.name}: message refused ({exc})")
                continue
            self._deliver(samples, transfer.raw if len(e1394.split_messages(text)) == 1
                          else message.encode("latin-1"), received_at)
            delivered = True
        if delivered and self.status.state != ConnectionState.CONNECTED and transfer.complete:
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")


class Hl7AnalyzerWorker(_ResultDelivery, DeviceWorker):
    """Listens on host:port (mllp://0.0.0.0:5100); the analyzer connects and sends ORU messages."""

    kind = "analyzer"
    protocol = "hl7"

    def __init__(self, name: str, port: str, *, idle_timeout: float = 0.0,
                 max_message: int = hl7.MAX_MESSAGE, garbage_quiet: float = 1.0, block_timeout: float = 30.0,
                 **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self.max_message = max_message
        self.garbage_quiet = garbage_quiet  # s of silence after which stray bytes are reported
        self.block_timeout = block_timeout  # s of silence inside a block after which it is reported cut
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._acks = 0

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
        decoder = hl7.MllpDecoder(self.max_message)
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
        from devices.base import utcnow

        for item in items:
            received_at = utcnow()
            if item.message is None:
                self._raw(item.raw, error=item.error, received_at=received_at)
                self._warn(f"{self.name}：收到无效数据（{item.error}）",
                           f"{self.name}: invalid data received ({item.error})")
                if item.error and "longer" in item.error:
                    self._send(conn, hl7.build_ack("", "AE", item.error))
                continue
            self._on_message(conn, item, received_at)

    def _send(self, conn: socket.socket, ack: bytes) -> None:
        try:
            conn.sendall(hl7.mllp_wrap(ack))
        except OSError as exc:
            self._warn(f"{self.name}：应答发送失败（{exc}）", f"{self.name}: sending the ACK failed ({exc})")
        self._raw(ack, parsed={"ack": ack.decode("utf-8", "replace")}, direction="out")

    def _on_message(self, conn: socket.socket, item: hl7.MllpItem, received_at: Any) -> None:
        assert item.message is not None
        try:
            msg, samples = hl7.parse_oru(item.message)
        except hl7.Hl7Error as exc:
            self._raw(item.raw, error=str(exc), received_at=received_at)
            self._warn(f"{self.name}：报文无法归档（{exc}）", f"{self.name}: message refused ({exc})")
            self._send(conn, hl7.build_ack(exc.control_id, "AE", str(exc)))
            return
        self._acks += 1
        self._deliver(samples, item.raw, received_at)
        self._send(conn, hl7.build_ack(msg.control_id, "AA", original=msg,
                                       ack_id=f"ACK{self._acks}"))
        if self.status.state != ConnectionState.CONNECTED:
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")
