"""A stand-in instrument in its own process: sends the bytes of a JSON script to a serial port (pty,
COM, socket://) or an MLLP TCP port and prints what came back, for input the codecs have never seen.

    python tests/devices/feeder.py PORT SCRIPT.json

SCRIPT is a list of steps {"recv": N, "send": hex, "reply": N, "wait": seconds}: read N bytes first
(a device that answers the station's requests), write the bytes, then read up to N reply bytes
(serial: within 3 s; TCP: until N bytes or 3 s). Prints one JSON line: the replies (or, for recv
steps, what was received) as hex, in step order."""
from __future__ import annotations

import json
import socket
import sys
import time

import serial


def main() -> int:
    port, script_path = sys.argv[1], sys.argv[2]
    steps = json.loads(open(script_path, encoding="utf-8").read())
    replies = []
    if port.startswith("mllp://"):
        host, tcp = port.removeprefix("mllp://").rsplit(":", 1)
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.create_connection((host, int(tcp)), timeout=3)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        def write(data: bytes) -> None:
            sock.sendall(data)

        def read(n: int) -> bytes:
            got = b""
            end = time.monotonic() + 3
            while len(got) < n and time.monotonic() < end:
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    break
                if not chunk:
                    break
                got += chunk
                if got.endswith(b"\x1c\r"):
                    break
            return got
    else:
        link = serial.serial_for_url(port, timeout=3)

        def write(data: bytes) -> None:
            link.write(data)
            link.flush()

        def read(n: int) -> bytes:
            return bytes(link.read(n))
    for step in steps:
        if step.get("recv"):
            replies.append(read(step["recv"]).hex())
        if step.get("send"):
            write(bytes.fromhex(step["send"]))
        if step.get("reply"):
            replies.append(read(step["reply"]).hex())
        elif not step.get("recv"):
            replies.append("")
        time.sleep(step.get("wait", 0))
    print(json.dumps(replies))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
