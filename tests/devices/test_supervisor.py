"""The simulator supervisor drives a donation's data through the real drivers."""
from __future__ import annotations

import queue
import subprocess
from pathlib import Path

from devhelpers import RESIDENT_CARD

from devices.registry import create_device
from devices.sim_supervisor import DRIVER_OF, SimSupervisor

ROOT = Path(__file__).resolve().parents[2]


def restart(sims, kind: str) -> None:
    """Start one simulator again on the same ports, as after a power cycle of the device."""
    handle = sims.handles[kind]
    if handle.process.poll() is None:
        sims.kill(kind)
    ready = sims.workdir / f"{kind}.ready"
    ready.unlink(missing_ok=True)
    with open(sims.workdir / f"{kind}.log", "ab") as log:
        handle.process = subprocess.Popen(handle.args, stdout=log, stderr=log, cwd=str(ROOT))
    handle.control_port = sims._wait_ready(kind, ready, handle.process)



def test_supervisor_runs_every_simulator(tmp_path) -> None:
    events: queue.Queue = queue.Queue()
    with SimSupervisor(tmp_path / "sims") as sims:
        workers = []
        for kind, url in sims.ports.items():
            k, d = DRIVER_OF[kind]
            worker = create_device(k, d, url, kind, {},
                                   on_event=lambda e, kind=kind: events.put((kind, e)))
            worker.start()
            workers.append(worker)
        try:
            sims.control("idcard", {"cmd": "place", "card": RESIDENT_CARD})
            sims.control("analyzer", {"cmd": "send", "sample_id": "W000025000001",
                                      "values": {"HGB": 13.8, "HCT": 41.0, "PLT": 240}})
            sims.control("analyzer-hl7", {"cmd": "send", "sample_id": "W000025000002",
                                          "values": {"HGB": 12.9}})
            sims.control("separator", {"cmd": "start", "run_minutes": 10})
            seen: dict[str, object] = {}
            while not {"idcard", "analyzer", "analyzer-hl7"} <= seen.keys() or \
                    getattr(seen.get("separator"), "type", "") != "summary":
                kind, event = events.get(timeout=20)
                seen[kind] = event
            assert seen["idcard"].card.id_number == RESIDENT_CARD["id_number"]
            assert seen["analyzer"].values["HGB"].value == 138.0
            assert seen["analyzer-hl7"].sample_id == "W000025000002"
            # a simulator restarted on the same ports keeps working with the same driver
            restart(sims, "analyzer")
            sims.control("analyzer", {"cmd": "send", "sample_id": "W000025000003", "values": {"HGB": 14}})
            while True:
                kind, event = events.get(timeout=20)
                if kind == "analyzer":
                    assert event.sample_id == "W000025000003"
                    break
        finally:
            for worker in workers:
                worker.stop()
    assert sims.handles == {}
