"""The first-run wizard's device test: the real driver against a simulator on a socat pty, with a timeout."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from station.config import DeviceConfig
from station.firstrun import SetupCheckFailed, check_device, drivers_for, list_serial_ports


def test_a_reader_on_a_pty_answers(pty_pair: tuple[str, str], sim: Any) -> None:
    station_end, device_end = pty_pair
    sim("idcard", device_end)
    check = check_device("idcard", DeviceConfig(kind="idcard", driver="sam", port=station_end), timeout=10)
    assert check.answered and check.port == station_end


def test_a_pty_with_nothing_behind_it_does_not_answer(pty_pair: tuple[str, str]) -> None:
    station_end, _device_end = pty_pair
    started = time.monotonic()
    with pytest.raises(SetupCheckFailed) as failed:
        check_device("idcard", DeviceConfig(kind="idcard", driver="sam", port=station_end), timeout=3)
    assert time.monotonic() - started < 8  # the timeout holds
    assert "within 3 s" in failed.value.message("en") and station_end in failed.value.message("en")
    assert "3 秒内" in failed.value.message("zh_CN") and "无应答" in failed.value.message("zh_CN")


def test_a_port_that_does_not_exist_says_so(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(SetupCheckFailed) as failed:
        check_device("printer", DeviceConfig(kind="printer", driver="zpl", port=str(tmp_path / "ttyUSB9")), timeout=10)
    assert time.monotonic() - started < 5  # reported at once, not after the timeout
    assert "The device test failed" in failed.value.message("en") and "cannot open port" in failed.value.message("en")
    assert "无法打开端口" in failed.value.message("zh_CN")


def test_drivers_and_ports_are_listed() -> None:
    assert drivers_for("analyzer")[0] == "astm" and "hl7" in drivers_for("analyzer")
    assert all(p.device for p in list_serial_ports())
