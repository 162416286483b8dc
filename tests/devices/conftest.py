"""Fixtures for device tests: socat pty pairs and simulators in separate processes."""
from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(station end, device end) of a socat pty pair."""
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed")
    a, b = str(tmp_path / "station"), str(tmp_path / "device")
    proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while not (Path(a).exists() and Path(b).exists()):
        assert time.monotonic() < deadline, "socat did not start"
        time.sleep(0.02)
    yield a, b
    proc.terminate()
    proc.wait(5)


class SimProcess:
    """A simulator in its own process, driven through its control socket."""

    def __init__(self, tmp_path: Path, kind: str, port: str, *extra: str) -> None:
        self.ready = tmp_path / f"{kind}-{time.monotonic_ns()}.ready"
        self.args = [sys.executable, "-m", "devices.simulators", kind, "--port", port,
                     "--control-port", "0", "--ready-file", str(self.ready), "--start-delay", "0",
                     *extra]
        self.proc: subprocess.Popen[bytes] | None = None
        self.control_port = 0
        self.start()

    def start(self) -> None:
        self.ready.unlink(missing_ok=True)
        self.proc = subprocess.Popen(self.args, cwd=ROOT)
        deadline = time.monotonic() + 15
        while not self.ready.exists():
            assert self.proc.poll() is None, "simulator exited"
            assert time.monotonic() < deadline, "simulator did not start"
            time.sleep(0.02)
        self.control_port = int(self.ready.read_text())

    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        from devices.transport import control_request

        reply = control_request(self.control_port, request)
        assert reply.get("ok"), reply
        return reply

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Any]:
    started: list[SimProcess] = []

    def factory(kind: str, port: str, *extra: str) -> SimProcess:
        process = SimProcess(tmp_path, kind, port, *extra)
        started.append(process)
        return process

    yield factory
    for process in started:
        process.stop()


class Collector:
    """Callbacks of a worker, collected in queues."""

    def __init__(self) -> None:
        self.events: queue.Queue[Any] = queue.Queue()
        self.statuses: list[Any] = []
        self.raws: list[Any] = []

    def kwargs(self) -> dict[str, Any]:
        return {"on_event": self.events.put, "on_status": self.statuses.append,
                "on_raw": self.raws.append}

    def next(self, timeout: float = 10.0) -> Any:
        return self.events.get(timeout=timeout)

    def none_within(self, seconds: float) -> bool:
        try:
            self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def saw_error(self, text: str) -> bool:
        return any(s.state.value == "error" and text in s.reason_en for s in list(self.statuses))


@pytest.fixture
def collector() -> Collector:
    return Collector()

