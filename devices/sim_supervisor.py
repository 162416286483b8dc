"""Runs every simulator as a separate process on socat pty pairs and 127.0.0.1 TCP ports.

Used by `station demo --headless` and the UI tests:

    with SimSupervisor(workdir) as sims:
        ports = sims.ports            # {"idcard": "/tmp/.../idcard-station", "analyzer-hl7": "mllp://127.0.0.1:P", ...}
        sims.control("idcard", {"cmd": "place", "card": {...}})
        sims.control("analyzer", {"cmd": "send", "sample_id": din, "values": {"HGB": 13.8}})
        sims.control("separator", {"cmd": "start", "height_cm": 172, ...})
"""
from __future__ import annotations

import atexit
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.transport import control_request, free_tcp_port

SERIAL_KINDS = ("idcard", "analyzer", "separator", "signature-pad", "fingerprint", "scanner")
ALL_KINDS = SERIAL_KINDS + ("analyzer-hl7", "printer")
# started only when asked for by name (start(("fingerprint-zfm",))): not part of the default set
OPTIONAL_SERIAL_KINDS = ("fingerprint-zfm",)

# (registry kind, driver) for each supervised simulator, so callers can create_device() directly
DRIVER_OF = {"idcard": ("idcard", "sam"), "analyzer": ("analyzer", "astm"),
             "analyzer-hl7": ("analyzer", "hl7"), "separator": ("separator", "jsonl"),
             "signature-pad": ("signature-pad", "serial"), "fingerprint": ("fingerprint", "serial"),
             "scanner": ("scanner", "serial"), "printer": ("printer", "zpl"),
             "fingerprint-zfm": ("fingerprint", "zfm")}


class SimulatorStartError(RuntimeError):
    pass


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the process that started it dies, even by SIGKILL, so a
    killed client leaves no simulator or socat behind."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child_options() -> dict[str, Any]:
    # the death signal follows the thread that started the child: only tie it to the main thread's life
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        return {"preexec_fn": _die_with_parent}
    return {}


@dataclass
class SimulatorHandle:
    kind: str
    station_port: str  # what the station's driver opens
    device_port: str  # what the simulator opens
    control_port: int
    process: subprocess.Popen[bytes]
    args: list[str]
    socat: subprocess.Popen[bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SimSupervisor:
    def __init__(self, workdir: str | Path, *, python: str = sys.executable, speed: float = 600.0,
                 start_timeout: float = 15.0) -> None:
        self.workdir = Path(workdir)
        self.python = python
        self.speed = speed
        self.start_timeout = start_timeout
        self.handles: dict[str, SimulatorHandle] = {}

    def __enter__(self) -> SimSupervisor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ports(self) -> dict[str, str]:
        return {kind: h.station_port for kind, h in self.handles.items()}

    def start(self, kinds: tuple[str, ...] = ALL_KINDS) -> dict[str, str]:
        if shutil.which("socat") is None and any(k in SERIAL_KINDS + OPTIONAL_SERIAL_KINDS for k in kinds):
            raise SimulatorStartError("socat is not installed (apt-get install socat)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        atexit.register(self.stop)  # an interpreter that exits without stop() still ends its simulators
        try:
            for kind in kinds:
                self._start_one(kind)
        except Exception:
            self.stop()
            raise
        return self.ports

    def _socat(self, kind: str) -> tuple[subprocess.Popen[bytes], str, str]:
        station = str(self.workdir / f"{kind}-station")
        device = str(self.workdir / f"{kind}-device")
        for path in (station, device):
            Path(path).unlink(missing_ok=True)
        proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={station}",
                                 f"pty,raw,echo=0,link={device}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **_child_options())
        deadline = time.monotonic() + self.start_timeout
        while not (Path(station).exists() and Path(device).exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SimulatorStartError(f"socat did not create the pty pair for {kind}")
            time.sleep(0.02)
        return proc, station, device

    def _start_one(self, kind: str) -> None:
        socat = None
        extra: list[str] = []
        if kind in SERIAL_KINDS + OPTIONAL_SERIAL_KINDS:
            socat, station_port, device_port = self._socat(kind)
            sim_kind = kind
            if kind == "separator":
                extra = ["--speed", str(self.speed)]
            if kind == "analyzer":
                extra = ["--protocol", "astm", "--reply-timeout", "2"]
            if kind == "scanner":
                extra = ["--interval", "0.02"]  # queued codes follow at once (a bag set is queued together)
        elif kind == "analyzer-hl7":
            port = free_tcp_port()
            station_port = device_port = f"mllp://127.0.0.1:{port}"
            sim_kind, extra = "analyzer", ["--protocol", "hl7"]
        elif kind == "printer":
            port = free_tcp_port()
            station_port, device_port = f"socket://127.0.0.1:{port}", f"tcp://127.0.0.1:{port}"
            sim_kind, extra = "printer", ["--store", str(self.workdir / "printer-jobs")]
        else:
            raise SimulatorStartError(f"no simulator for {kind}")
        ready = self.workdir / f"{kind}.ready"
        ready.unlink(missing_ok=True)
        args = [self.python, "-m", "devices.simulators", sim_kind, "--port", device_port,
                "--control-port", "0", "--ready-file", str(ready), "--start-delay", "0", *extra]
        log = open(self.workdir / f"{kind}.log", "ab")
        process = subprocess.Popen(args, stdout=log, stderr=log, cwd=str(Path(__file__).resolve().parents[1]),
                                   **_child_options())
        log.close()
        control_port = self._wait_ready(kind, ready, process)
        self.handles[kind] = SimulatorHandle(kind, station_port, device_port, control_port, process,
                                             args, socat)

    def _wait_ready(self, kind: str, ready: Path, process: subprocess.Popen[bytes]) -> int:
        deadline = time.monotonic() + self.start_timeout
        while not ready.exists():
            if process.poll() is not None:
                raise SimulatorStartError(f"{kind} simulator exited ({process.returncode}); "
                                          f"see {self.workdir / (kind + '.log')}")
            if time.monotonic() > deadline:
                process.kill()
                raise SimulatorStartError(f"{kind} simulator did not start in {self.start_timeout} s")
            time.sleep(0.02)
        return int(ready.read_text())

    def control(self, kind: str, request: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send one JSON request to a simulator's control socket; raises on an error reply."""
        reply = control_request(self.handles[kind].control_port, request, timeout)
        if not reply.get("ok"):
            raise SimulatorStartError(f"{kind} simulator refused {request.get('cmd')!r}: {reply.get('error')}")
        return reply

    def kill(self, kind: str) -> None:
        """Kill a simulator process (not its pty pair): a device switched off mid-message."""
        handle = self.handles[kind]
        handle.process.kill()
        handle.process.wait(5)

    def stop(self) -> None:
        for handle in self.handles.values():
            for proc in (handle.process, handle.socat):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
        for handle in self.handles.values():
            for proc in (handle.process, handle.socat):
                if proc is None:
                    continue
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.handles.clear()
        atexit.unregister(self.stop)
