"""D18: stopping the client with SIGTERM (or killing it) leaves none of its simulator processes running."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is needed for the simulators")

ROOT = Path(__file__).resolve().parents[2]
CLIENT = """
import json, sys
from devices.sim_supervisor import SimSupervisor
from ui.app import ensure_application, install_signal_handlers
app = ensure_application()
sup = SimSupervisor(sys.argv[1])
sup.start(("scanner", "fingerprint"))
print(json.dumps([p.pid for h in sup.handles.values() for p in (h.process, h.socat) if p]), flush=True)
if sys.argv[2] == "handlers":
    install_signal_handlers(app)
try:
    app.exec()
finally:
    sup.stop()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, parent gone or not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _run(tmp_path: Path, mode: str, sig: int) -> list[int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-c", CLIENT, str(tmp_path / "sims"), mode], stdout=subprocess.PIPE,
                            env=env, cwd=ROOT)
    assert proc.stdout is not None
    children = json.loads(proc.stdout.readline())
    assert len(children) == 4 and all(_alive(p) for p in children)
    time.sleep(0.5)
    proc.send_signal(sig)
    proc.wait(20)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in children if _alive(p)]


def test_sigterm_stops_the_simulators(tmp_path: Path) -> None:
    assert _run(tmp_path, "handlers", signal.SIGTERM) == []


def test_a_killed_client_leaves_no_simulator(tmp_path: Path) -> None:
    # no handler can run on SIGKILL: the children die with their parent (PR_SET_PDEATHSIG)
    assert _run(tmp_path, "none", signal.SIGKILL) == []
