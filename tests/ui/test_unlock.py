"""The client's start-up unlock: the passphrase asked until right (or cancelled), kept in memory only,
and the certificates that end soon shown (clock moved with time-machine)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine

from station.bootstrap import init_data_dir
from station.context import open_context

PASSPHRASE = b"typed by the administrator 2026"


def _station(tmp_path: Path) -> Any:
    init_data_dir(tmp_path / "data", admin_password="Keeper-of-the-unlock-2026", ca_passphrase=PASSPHRASE)
    return open_context(tmp_path / "data")


def test_unlock_asks_until_right_and_keeps_nothing_on_disk(qapp: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from station.services.pki import signing_locked
    from ui.unlock import unlock_at_start

    monkeypatch.delenv("STATION_CA_PASSPHRASE", raising=False)
    ctx = _station(tmp_path)
    try:
        assert ctx.config.ca.unlock == "prompt" and signing_locked(ctx)
        answers = iter([("wrong passphrase", True), (PASSPHRASE.decode(), True)])
        told: list[str] = []
        assert unlock_at_start(ctx, ask=lambda _t, _l: next(answers), tell=lambda _t, text: told.append(text))
        assert not signing_locked(ctx)
        assert len(told) == 1 and ("口令" in told[0] or "passphrase" in told[0])
        assert not ctx.config.ca_passphrase_file.exists()
        assert not any(PASSPHRASE in p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    finally:
        ctx.close()


def test_cancelled_unlock_leaves_signing_locked(qapp: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from station.services.pki import signing_locked
    from ui.unlock import unlock_at_start

    monkeypatch.delenv("STATION_CA_PASSPHRASE", raising=False)
    ctx = _station(tmp_path)
    try:
        told: list[str] = []
        assert not unlock_at_start(ctx, ask=lambda _t, _l: ("", False), tell=lambda _t, text: told.append(text))
        assert signing_locked(ctx) and told
    finally:
        ctx.close()


def test_expiring_tsa_certificate_is_shown_after_unlock(qapp: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from ui.unlock import unlock_at_start

    monkeypatch.delenv("STATION_CA_PASSPHRASE", raising=False)
    ctx = _station(tmp_path)
    try:
        told: list[str] = []
        assert unlock_at_start(ctx, ask=lambda _t, _l: (PASSPHRASE.decode(), True), tell=lambda _t, t: told.append(t))
        assert told == []  # nothing ends within 90 days of a new CA
        with time_machine.travel(datetime.now(UTC) + timedelta(days=5 * 365 - 20), tick=True):
            assert unlock_at_start(ctx, tell=lambda _t, t: told.append(t))  # already unlocked: no prompt
        assert len(told) == 1 and "station ca rollover --tsa" in told[0]
    finally:
        ctx.close()
