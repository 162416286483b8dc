"""Device benchmark: result latency after the last byte (ASTM EOT, MLLP end), ID-card read round trip,
ASTM messages parsed per second. Usage: python bench/devices.py [--quick]"""
from __future__ import annotations

import argparse
import json
import platform
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import serial

from devices.analyzer import astm, e1394, hl7
from devices.analyzer.driver import AstmAnalyzerWorker, Hl7AnalyzerWorker
from devices.analyzer.sim import sysmex_records
from devices.base import ConnectionState, wait_until
from devices.idcard.reader import IdCardReaderWorker
from devices.transport import free_tcp_port

ROOT = Path(__file__).resolve().parents[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def socat_pair(tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], str, str]:
    a, b = str(tmp / f"{name}-station"), str(tmp / f"{name}-device")
    proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                            stderr=subprocess.DEVNULL)
    wait_until(lambda: Path(a).exists() and Path(b).exists(), 5)
    return proc, a, b


def astm_latency(tmp: Path, n: int) -> list[float]:
    proc, station, device = socat_pair(tmp, "astm")
    arrived: queue.Queue[float] = queue.Queue()
    worker = AstmAnalyzerWorker("xn", station, on_event=lambda e: arrived.put(time.perf_counter()))
    worker.start()
    wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
    port = serial.serial_for_url(device, timeout=2)
    frames = astm.build_frames(sysmex_records("W000025000001", {"HGB": ("13.8", "g/dL"),
                                                                "HCT": ("41", "%"), "PLT": ("250", "10*3/uL")}))
    out = []
    for _ in range(n):
        port.write(astm.ENQ)
        assert port.read(1) == astm.ACK
        for frame in frames:
            port.write(frame)
            assert port.read(1) == astm.ACK
        port.write(astm.EOT)
        port.flush()
        t0 = time.perf_counter()
        t1 = arrived.get(timeout=5)
        out.append((t1 - t0) * 1000)
    worker.stop()
    port.close()
    proc.terminate()
    return out


def hl7_latency(n: int) -> list[float]:
    port = free_tcp_port()
    arrived: queue.Queue[float] = queue.Queue()
    worker = Hl7AnalyzerWorker("bc", f"mllp://127.0.0.1:{port}", on_event=lambda e: arrived.put(time.perf_counter()))
    worker.start()
    wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
    sock = socket.create_connection(("127.0.0.1", port))
    out = []
    for i in range(n):
        msg = hl7.mllp_wrap(hl7.build_oru("W000025000001", {"HGB": ("13.8", "g/dL"), "PLT": ("250", "10*3/uL")},
                                          control_id=f"M{i}"))
        sock.sendall(msg)
        t0 = time.perf_counter()
        t1 = arrived.get(timeout=5)
        out.append((t1 - t0) * 1000)
        buf = b""
        while not buf.endswith(hl7.EB + hl7.CR):
            buf += sock.recv(4096)
    sock.close()
    worker.stop()
    return out


def idcard_round_trip(tmp: Path, n: int) -> list[float]:
    proc, station, device = socat_pair(tmp, "idcard")
    card = tmp / "card.json"
    card.write_text(json.dumps({"name": "张三", "sex": "1", "nation": "01", "birth_date": "1990-03-07",
                                "address": "北京市东城区景山前街4号", "id_number": "110101199003077774",
                                "authority": "北京市公安局东城分局", "valid_from": "2015-01-01",
                                "valid_to": "2035-01-01"}, ensure_ascii=False))
    ready = tmp / "idcard.ready"
    sim = subprocess.Popen([sys.executable, "-m", "devices.simulators", "idcard", "--port", device,
                            "--card", str(card), "--loop", "--hold", "0.05", "--control-port", "0",
                            "--ready-file", str(ready)], cwd=ROOT)
    wait_until(ready.exists, 15)
    events: queue.Queue[float] = queue.Queue()
    worker = IdCardReaderWorker("reader", station, poll_interval=0.02,
                                on_event=lambda e: events.put(e.read_ms))
    worker.start()
    out = [events.get(timeout=10) for _ in range(n)]
    worker.stop()
    sim.terminate()
    sim.wait(5)
    proc.terminate()
    return out


def astm_parse_rate(seconds: float) -> float:
    frames = b"".join(astm.build_frames(sysmex_records(
        "W000025000001", {"WBC": ("6.2", "10*3/uL"), "HGB": ("13.8", "g/dL"), "HCT": ("41", "%"),
                          "PLT": ("250", "10*3/uL"), "MPV": ("9.1", "fL")})))
    data = astm.ENQ + frames + astm.EOT
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        receiver = astm.AstmReceiver()
        for transfer in receiver.feed(data, 0.0).transfers:
            for message in e1394.split_messages(transfer.text.decode("latin-1")):
                e1394.parse_message(message)
                count += 1
    return count / seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if shutil.which("socat") is None:
        print("socat is required", file=sys.stderr)
        return 1
    n = 40 if args.quick else 300
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        astm_ms = astm_latency(tmp, n)
        hl7_ms = hl7_latency(n)
        id_ms = idcard_round_trip(tmp, 10 if args.quick else 50)
    rate = astm_parse_rate(1.0 if args.quick else 3.0)
    figures = {
        "astm_eot_to_callback_p50_ms": {"value": round(pct(astm_ms, 50), 2), "unit": "ms", "target": 50, "better": "lower"},
        "astm_eot_to_callback_p95_ms": {"value": round(pct(astm_ms, 95), 2), "unit": "ms", "target": 50, "better": "lower"},
        "hl7_mllp_end_to_callback_p50_ms": {"value": round(pct(hl7_ms, 50), 2), "unit": "ms", "target": 50, "better": "lower"},
        "hl7_mllp_end_to_callback_p95_ms": {"value": round(pct(hl7_ms, 95), 2), "unit": "ms", "target": 50, "better": "lower"},
        "idcard_read_round_trip_p50_ms": {"value": round(pct(id_ms, 50), 1), "unit": "ms", "target": 300, "better": "lower"},
        "idcard_read_round_trip_p95_ms": {"value": round(pct(id_ms, 95), 1), "unit": "ms", "target": 300, "better": "lower"},
        "astm_messages_parsed_per_s": {"value": round(rate), "unit": "messages/s", "target": None, "better": "higher"},
    }
    print(f"{'figure':40} {'value':>10}  unit        target")
    for key, f in figures.items():
        print(f"{key:40} {f['value']:>10}  {f['unit']:<11} {f['target'] if f['target'] is not None else '-'}")
    print(f"samples: astm {len(astm_ms)}, hl7 {len(hl7_ms)}, idcard {len(id_ms)}; "
          f"mean astm {statistics.mean(astm_ms):.2f} ms")
    machine = f"{platform.node()} {platform.machine()} {platform.python_version()}"
    print(json.dumps({"bench": "devices", "machine": machine, "figures": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
