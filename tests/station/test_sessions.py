"""Passwords and sessions in the service layer: the strength rule, forced changes, sessions that expire
(idle, absolute; the clock really moved with time-machine) and die at lockout, deactivation and reset,
password expiry, constant-time refusal of unknown names, every failed login audited, configuration ranges,
and the signing key's wrong-PIN counter."""
from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from station.errors import AuthenticationFailed, PermissionDenied, SigningError, ValidationError
from station.models import AuditEntry
from station.security import SYSTEM, check_password_strength
from station.services import users
from station.services.donors import search_donors
from tests.station.flow import PASSWORD

T0 = datetime(2026, 5, 13, 1, 0, tzinfo=UTC)


@pytest.fixture
def live(data_dir: Path):
    """The station on the real clock (time-machine moves it), not the tests' fixed Clock."""
    from station.context import open_context

    with time_machine.travel(T0, tick=False) as traveller:
        ctx = open_context(data_dir)
        try:
            yield ctx, traveller
        finally:
            ctx.close()


def _failed_logins(ctx) -> list[dict]:
    with ctx.transaction() as s:
        return [e.after for e in s.execute(select(AuditEntry).where(AuditEntry.action == "user.login_failed")
                                           .order_by(AuditEntry.seq)).scalars()]


@pytest.mark.parametrize("password,why", [
    (" " * 12, "only spaces"), ("\x00" * 12, "control characters"), ("        ", "only spaces"),
    ("Ab3$efgh", "at least 10"), ("aaaaaaaaaaaa", "one character repeated"),
    ("xx-doc01-2026-yy", "user name"), ("password123", "too easy"), ("Station2026!", "too easy"),
    ("Tab\there-Blue-Moon-4", "control characters"),
])
def test_weak_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_password_strength(password, "doc01")
    assert err.value.code == "WEAK_PASSWORD" and why in err.value.message("en")
    assert err.value.message("zh_CN") != err.value.message("en")


def test_a_strong_password_passes_and_policy_can_be_stricter() -> None:
    check_password_strength("Morning-Round-Ward-7", "doc01")
    check_password_strength("correct horse battery staple", "doc01")
    with pytest.raises(ValidationError):
        check_password_strength("Morning-Round-Ward-7", "doc01", min_length=24)
    with pytest.raises(ValidationError):  # a policy below 10 characters is raised to 10
        check_password_strength("Mx7#qPz2", "doc01", min_length=4)


def test_init_with_an_admin_password_forces_a_change(tmp_path: Path) -> None:
    from station.bootstrap import init_data_dir
    from station.context import open_context

    init_data_dir(tmp_path / "d", admin_password="Initial-Harbour-2026", with_ca=False)
    ctx = open_context(tmp_path / "d")
    try:
        admin, due = users.authenticate(ctx, "admin", "Initial-Harbour-2026")
        assert due and admin.password_change_due
        with pytest.raises(PermissionDenied) as err:
            users.list_users(ctx, admin)
        assert err.value.code == "PASSWORD_CHANGE_REQUIRED"
        admin = users.change_password(ctx, admin, "Initial-Harbour-2026", "Second-Harbour-2027")
        assert len(users.list_users(ctx, admin)) == 1
    finally:
        ctx.close()


def test_idle_and_absolute_expiry(live) -> None:
    ctx, traveller = live
    sec = ctx.config.security
    reg, _ = users.authenticate(ctx, "reg01", PASSWORD)
    search_donors(ctx, reg, name="王")
    # used every (idle - 1) minutes: alive until the absolute limit
    step = timedelta(minutes=sec.session_idle_minutes - 1)
    now = T0
    while now + step < T0 + timedelta(hours=sec.session_max_hours):
        now += step
        traveller.move_to(now)
        search_donors(ctx, reg, name="王")
    traveller.move_to(T0 + timedelta(hours=sec.session_max_hours, minutes=1))
    with pytest.raises(PermissionDenied) as err:
        search_donors(ctx, reg, name="王")
    assert err.value.code == "SESSION_ENDED" and err.value.details["reason"] == "expired"
    # a new sign-in, then idle one minute too long
    reg, _ = users.authenticate(ctx, "reg01", PASSWORD)
    traveller.shift(timedelta(minutes=sec.session_idle_minutes, seconds=61))
    with pytest.raises(PermissionDenied) as err:
        search_donors(ctx, reg, name="王")
    assert err.value.details["reason"] == "idle"
    with pytest.raises(PermissionDenied):  # and it stays ended
        search_donors(ctx, reg, name="王")


def test_a_session_dies_at_lockout_deactivation_reset_and_sign_out(live) -> None:
    ctx, traveller = live
    admin = users.user_actor(ctx, "admin")
    reg, _ = users.authenticate(ctx, "reg01", PASSWORD)
    for _ in range(ctx.config.security.max_failed_logins):
        with pytest.raises(AuthenticationFailed):
            users.authenticate(ctx, "reg01", "Wrong-Password-999")
    with pytest.raises(PermissionDenied) as err:
        search_donors(ctx, reg, name="王")
    assert err.value.details["reason"] == "locked"
    traveller.shift(timedelta(minutes=ctx.config.security.lockout_minutes + 1))
    reg, _ = users.authenticate(ctx, "reg01", PASSWORD)
    search_donors(ctx, reg, name="王")
    users.set_active(ctx, admin, "reg01", False)
    with pytest.raises(PermissionDenied) as err:
        search_donors(ctx, reg, name="王")
    assert err.value.details["reason"] == "deactivated"
    with pytest.raises(AuthenticationFailed):
        users.authenticate(ctx, "reg01", PASSWORD)
    users.set_active(ctx, admin, "reg01", True)
    reg, _ = users.authenticate(ctx, "reg01", PASSWORD)
    users.reset_password(ctx, admin, "reg01", "Reset-By-Admin-2026")
    with pytest.raises(PermissionDenied) as err:
        search_donors(ctx, reg, name="王")
    assert err.value.details["reason"] == "password_reset"
    reg, due = users.authenticate(ctx, "reg01", "Reset-By-Admin-2026")
    assert due  # an administrator's reset: the user changes it at the next sign-in
    reg = users.change_password(ctx, reg, "Reset-By-Admin-2026", "Own-Choice-Lantern-5")
    search_donors(ctx, reg, name="王")
    users.sign_out(ctx, reg)
    with pytest.raises(PermissionDenied) as err:
        search_donors(ctx, reg, name="王")
    assert err.value.details["reason"] == "signed_out"


def test_passwords_expire(live) -> None:
    ctx, traveller = live
    days = ctx.config.security.password_max_age_days
    _, due = users.authenticate(ctx, "nur01", PASSWORD)
    assert not due
    # the demo staff's passwords were set when the template was built (before T0, by the fixed test clock)
    with ctx.transaction() as s:
        from station.models import User

        changed = s.execute(select(User.password_changed_at).where(User.username == "nur01")).scalar_one()
    traveller.move_to(changed + timedelta(days=days, hours=1))
    nurse, due = users.authenticate(ctx, "nur01", PASSWORD)
    assert due and nurse.password_change_due
    nurse = users.change_password(ctx, nurse, PASSWORD, "Fresh-Autumn-Leaves-8")
    assert not nurse.password_change_due
    _, due = users.authenticate(ctx, "nur01", "Fresh-Autumn-Leaves-8")
    assert not due


def test_every_failed_login_is_audited_one_by_one(ctx) -> None:
    for name, password in (("reg01", "Wrong-Password-1"), ("nobody", "Wrong-Password-2"), ("reg01", "Wrong-3-x")):
        with pytest.raises(AuthenticationFailed) as err:
            users.authenticate(ctx, name, password)
        assert err.value.message("en") == "Wrong username or password"  # the same for unknown names
    failed = _failed_logins(ctx)
    assert [(f["username"], f["reason"]) for f in failed] == [
        ("reg01", "wrong_password"), ("nobody", "unknown_user"), ("reg01", "wrong_password")]
    assert [f.get("failed_logins") for f in failed] == [1, None, 2]
    assert all("Wrong" not in str(f) for f in failed)  # never the password typed


def test_unknown_names_take_as_long_as_known_ones(ctx) -> None:
    def timed(name: str) -> float:
        start = time.perf_counter()
        with pytest.raises(AuthenticationFailed):
            users.authenticate(ctx, name, "Wrong-Password-1")
        return time.perf_counter() - start

    users.create_user(ctx, SYSTEM, "timing01", "计时", ["registrar"], "Timing-Check-2026", must_change_password=False)
    known, unknown = [], []
    for i in range(4):  # below the lockout limit
        known.append(timed("timing01"))
        unknown.append(timed(f"ghost{i}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)
    assert statistics.median(unknown) > 0.01  # a real hash was computed (argon2: tens of ms)


@pytest.mark.parametrize("key,value", [("idle_lock_minutes", 0), ("max_failed_logins", 0), ("lockout_minutes", -5),
                                       ("session_idle_minutes", 0), ("session_max_hours", 1000),
                                       ("password_min_length", 4), ("max_wrong_pins", 0),
                                       ("idle_lock_minutes", float("nan"))])
def test_out_of_range_settings_are_refused_at_load(tmp_path: Path, key: str, value: float) -> None:
    from station.config import config_from_dict

    with pytest.raises(ValidationError) as err:
        config_from_dict({"security": {key: value}}, tmp_path)
    assert err.value.code == "CONFIG_OUT_OF_RANGE"
    assert f"[security].{key}" in err.value.message("en") and "allowed range" in err.value.message("en")
    assert config_from_dict({"security": {key: 5}}, tmp_path) if key != "password_min_length" else True


def test_wrong_pins_lock_the_signing_key_until_an_administrator_unlocks_it(ctx) -> None:
    from signing.keystore import wrong_pin

    opened = []

    def opener(username: str, pin: str) -> str:
        if pin != "739184":
            raise wrong_pin(username)
        opened.append(username)
        return "credential"

    nurse, _ = users.authenticate(ctx, "nur01", PASSWORD)
    limit = ctx.config.security.max_wrong_pins
    for i in range(limit - 1):
        with pytest.raises(SigningError) as err:
            users.open_signing_key(ctx, nurse, "000000", opener)
        assert err.value.details["tries_left"] == limit - 1 - i
    assert users.open_signing_key(ctx, nurse, "739184", opener) == "credential"  # a right PIN resets the count
    for _ in range(limit - 1):
        with pytest.raises(SigningError):
            users.open_signing_key(ctx, nurse, "000000", opener)
    with pytest.raises(PermissionDenied) as err:
        users.open_signing_key(ctx, nurse, "000000", opener)
    assert err.value.code == "SIGNING_KEY_LOCKED"
    with pytest.raises(PermissionDenied):  # even the right PIN, now
        users.open_signing_key(ctx, nurse, "739184", opener)
    assert opened == ["nur01"]
    with pytest.raises(PermissionDenied):  # not by the nurse herself
        users.unlock_signing_key(ctx, nurse, "nur01")
    admin = users.user_actor(ctx, "admin")
    assert [u["signing_locked"] for u in users.list_users(ctx, admin) if u["username"] == "nur01"] == [True]
    users.unlock_signing_key(ctx, admin, "nur01")
    assert users.open_signing_key(ctx, nurse, "739184", opener) == "credential"
    with ctx.transaction() as s:
        actions = [a for a in s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars()
                   if "pin" in a or "signing_key" in a]
    assert actions.count("user.wrong_pin") == 2 * (limit - 1) + 1
    assert "user.signing_key_locked" in actions and actions[-1] == "user.signing_key_unlock"
