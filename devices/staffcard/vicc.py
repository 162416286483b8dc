"""A virtual staff card for the vsmartcard `vpcd` reader driver (Debian's own vicc is broken on 3.11).

vpcd protocol: TCP to 127.0.0.1:35963 (the reader's CHANNELID); every message is a 2-byte
big-endian length and a payload. A 1-byte payload is a control code (0 power off, 1 power on,
2 reset, 4 get ATR: answered with the ATR); anything longer is a command APDU, answered with
the response APDU.

The card: GET UID (FF CA 00 00 00) -> UID; SELECT by AID `STAFF_AID`; READ BINARY -> the
staff id (UTF-8).
"""
from __future__ import annotations

import argparse
import logging
import socket
import struct
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)

STAFF_AID = bytes.fromhex("F0535441464601")  # proprietary AID: F0 'STAFF' 01
DEFAULT_ATR = bytes.fromhex("3B8880010000000000000000" + "00")[:12]
SW_OK = b"\x90\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_CLA_NOT_SUPPORTED = b"\x6e\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_NOT_SELECTED = b"\x69\x86"


def _atr() -> bytes:
    """A T=1 ATR with historical bytes 'STAFF' and a correct TCK."""
    hist = b"STAFF"
    body = bytes([0x80 | len(hist), 0x80, 0x01]) + hist  # T0, TD1 (T=0 next TD), TD2 (T=1)
    atr = bytes([0x3B]) + body
    tck = 0
    for b in atr[1:]:
        tck ^= b
    return atr + bytes([tck])


class VirtualStaffCard:
    def __init__(self, uid: bytes, staff_id: str, atr: bytes | None = None) -> None:
        self.uid = uid
        self.staff_id = staff_id
        self.atr = atr or _atr()
        self.selected = False

    def apdu(self, command: bytes) -> bytes:
        if len(command) < 4:
            return SW_WRONG_LENGTH
        cla, ins, p1, p2 = command[:4]
        if cla == 0xFF and ins == 0xCA and p1 == 0x00:  # PC/SC GET DATA: UID
            return self.uid + SW_OK
        if cla not in (0x00, 0x80):
            return SW_CLA_NOT_SUPPORTED
        if ins == 0xA4:  # SELECT
            lc = command[4] if len(command) > 4 else 0
            aid = command[5:5 + lc]
            self.selected = p1 == 0x04 and aid == STAFF_AID
            return SW_OK if self.selected else SW_NOT_FOUND
        if ins == 0xB0:  # READ BINARY
            if not self.selected:
                return SW_NOT_SELECTED
            data = self.staff_id.encode("utf-8")
            offset = (p1 << 8) | p2
            le = command[4] if len(command) > 4 else 0
            chunk = data[offset:offset + (le or 256)]
            return chunk + SW_OK
        return SW_INS_NOT_SUPPORTED


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("vpcd closed the connection")
        data += chunk
    return data


class VpcdClient:
    """Connects a VirtualStaffCard to vpcd: the card is 'inserted' while connected."""

    def __init__(self, card: VirtualStaffCard, host: str = "127.0.0.1", port: int = 35963) -> None:
        self.card = card
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def insert(self, timeout: float = 10.0) -> None:
        """Connect to vpcd (retrying until it listens) and serve the card on a thread."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._sock.settimeout(None)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="vicc")
        self._thread.start()

    def remove(self) -> None:
        self._stop.set()
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(5)

    def _serve(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while not self._stop.is_set():
                (length,) = struct.unpack(">H", _recv_exact(sock, 2))
                payload = _recv_exact(sock, length)
                if length == 1:
                    code = payload[0]
                    if code == 4:
                        self._send(sock, self.card.atr)
                    elif code in (0, 1, 2):
                        self.card.selected = False
                    continue
                self._send(sock, self.card.apdu(payload))
        except (OSError, ConnectionError):
            return

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> None:
        sock.sendall(struct.pack(">H", len(data)) + data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.staffcard.vicc")
    parser.add_argument("--uid", default="04A1B2C3D4E5F6")
    parser.add_argument("--staff-id", default="N0001")
    parser.add_argument("--port", type=int, default=35963)
    args = parser.parse_args(argv)
    client = VpcdClient(VirtualStaffCard(bytes.fromhex(args.uid), args.staff_id), port=args.port)
    client.insert(timeout=60)
    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    client.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
