"""Staff cards through a real pcscd with the vsmartcard vpcd driver and our virtual card."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.base import wait_until
from devices.staffcard.monitor import StaffCardMonitor
from devices.staffcard.vicc import VirtualStaffCard, VpcdClient
from devices.transport import free_tcp_port

pytestmark = pytest.mark.pcsc
VPCD = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SOCKET = Path("/run/pcscd/pcscd.comm")


def _pcscd_alive() -> bool:
    if not SOCKET.exists():
        return False
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(SOCKET))
            return True
        except OSError:
            return False


@pytest.fixture
def vpcd_port(tmp_path: Path) -> Iterator[int]:
    """Start pcscd in the foreground with a vpcd reader on a free port (our own reader.conf.d)."""
    if shutil.which("pcscd") is None or not VPCD.exists():
        pytest.skip("pcscd or vsmartcard-vpcd is not installed")
    if _pcscd_alive():
        pytest.skip("another pcscd is already running; its reader set-up cannot be changed by the test")
    port = free_tcp_port()
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    (conf / "vpcd").write_text(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:{port}\n'
                               f"LIBPATH {VPCD}\nCHANNELID {port}\n")
    proc = subprocess.Popen(["pcscd", "-f", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        if not wait_until(_pcscd_alive, 10):
            pytest.skip("pcscd could not start (needs permission to create /run/pcscd)")

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                return False

        assert wait_until(listening, 30), "vpcd did not listen within 30 s"  # slow under load
        time.sleep(0.3)  # vpcd accepts one card connection; let the probe connection be dropped
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_insert_and_remove_staff_card(vpcd_port: int, collector) -> None:
    monitor = StaffCardMonitor("staff-card", "pcsc://Virtual PCD", **collector.kwargs())
    monitor.start()
    card = VpcdClient(VirtualStaffCard(bytes.fromhex("04A1B2C3D4E5F6"), "N0042"), port=vpcd_port)
    try:
        assert wait_until(lambda: monitor.status.state.value == "connected", 10)
        card.insert()
        inserted = collector.next(15)
        assert inserted.action == "inserted"
        assert inserted.uid == "04A1B2C3D4E5F6" and inserted.staff_id == "N0042"
        assert inserted.atr.startswith("3B") and inserted.raw.parsed["uid"] == "04A1B2C3D4E5F6"
        card.remove()
        removed = collector.next(15)
        assert removed.action == "removed" and removed.uid == "04A1B2C3D4E5F6"
        other = VpcdClient(VirtualStaffCard(bytes.fromhex("0411223344"), "D0007"), port=vpcd_port)
        other.insert()
        assert collector.next(15).staff_id == "D0007"
        other.remove()
    finally:
        card.remove()
        monitor.stop()


def test_virtual_card_apdus() -> None:
    card = VirtualStaffCard(b"\x01\x02", "N1")
    assert card.apdu(bytes([0xFF, 0xCA, 0, 0, 0])) == b"\x01\x02\x90\x00"
    assert card.apdu(bytes([0, 0xB0, 0, 0, 0])) == b"\x69\x86"
    from devices.staffcard.vicc import STAFF_AID

    assert card.apdu(bytes([0, 0xA4, 4, 0, len(STAFF_AID)]) + STAFF_AID) == b"\x90\x00"
    assert card.apdu(bytes([0, 0xB0, 0, 0, 0])) == b"N1\x90\x00"
    assert card.apdu(b"\x00") == b"\x67\x00"
