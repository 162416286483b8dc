"""Logins: lockout after repeated failures (shared by all stations), forced password change for initial accounts."""
from __future__ import annotations

from datetime import timedelta

import pytest

from station.errors import AuthenticationFailed, PermissionDenied, ValidationError
from station.security import SYSTEM
from station.services import users
from tests.multistation.helpers import open_station


def test_initial_admin_must_change_password(ctx, station_db) -> None:
    actor, must_change = users.authenticate(ctx, "admin", station_db.admin_password)
    assert must_change is True and "admin" in actor.roles
    with pytest.raises(ValidationError) as weak:
        users.change_password(ctx, actor, station_db.admin_password, "short1")
    assert weak.value.code == "WEAK_PASSWORD"
    with pytest.raises(AuthenticationFailed):
        users.change_password(ctx, actor, "not-the-password-1", "Better-Copper-Kettle-7")
    # until the initial password is changed the signed-in account can do nothing else
    with pytest.raises(PermissionDenied) as due:
        users.list_users(ctx, actor)
    assert due.value.code == "PASSWORD_CHANGE_REQUIRED" and "初始密码" in due.value.message("zh_CN")
    actor = users.change_password(ctx, actor, station_db.admin_password, "Better-Copper-Kettle-7")
    assert not actor.password_change_due and users.list_users(ctx, actor)
    _, must_change = users.authenticate(ctx, "admin", "Better-Copper-Kettle-7")
    assert must_change is False
    with pytest.raises(AuthenticationFailed):
        users.authenticate(ctx, "admin", station_db.admin_password)


def test_new_accounts_must_change_password_by_default(ctx) -> None:
    users.create_user(ctx, SYSTEM, "nurse_new", "新护士", ["nurse"], "Initial-Copper-Gate-3")
    _, must_change = users.authenticate(ctx, "nurse_new", "Initial-Copper-Gate-3")
    assert must_change is True


def test_lockout_after_repeated_failures_holds_at_every_station(ctx, station_db) -> None:
    limit, minutes = ctx.config.security.max_failed_logins, ctx.config.security.lockout_minutes
    users.create_user(ctx, SYSTEM, "desk_user", "登记员甲", ["registrar"], "Right-Silver-Bridge-5", must_change_password=False)
    other = open_station(station_db.data_dir, "desk-2")
    try:
        for i in range(limit):
            station = ctx if i % 2 else other  # failures at two desks add up
            with pytest.raises(AuthenticationFailed) as info:
                users.authenticate(station, "desk_user", f"wrong-{i}")
            assert info.value.code == "AUTHENTICATION_FAILED"
        for station in (ctx, other):
            with pytest.raises(AuthenticationFailed) as locked:
                users.authenticate(station, "desk_user", "Right-Silver-Bridge-5")
            assert locked.value.code == "ACCOUNT_LOCKED"
            assert "锁定" in locked.value.message("zh_CN") and "locked" in locked.value.message("en")
        # the lock ends after the configured time
        later = ctx.now() + timedelta(minutes=minutes, seconds=5)
        other.clock = lambda: later
        actor, _ = users.authenticate(other, "desk_user", "Right-Silver-Bridge-5")
        assert actor.username == "desk_user"
    finally:
        other.close()


def test_failures_below_the_limit_reset_on_success(ctx) -> None:
    limit = ctx.config.security.max_failed_logins
    users.create_user(ctx, SYSTEM, "doc_user", "医生乙", ["physician"], "Right-Silver-Bridge-5", must_change_password=False)
    for _ in range(2):
        for _ in range(limit - 1):
            with pytest.raises(AuthenticationFailed):
                users.authenticate(ctx, "doc_user", "wrong")
        actor, _ = users.authenticate(ctx, "doc_user", "Right-Silver-Bridge-5")  # the count starts again from zero
        assert actor.username == "doc_user"


def test_unknown_user_and_wrong_password_read_the_same(ctx) -> None:
    users.create_user(ctx, SYSTEM, "arc_user", "档案丙", ["archivist"], "Right-Silver-Bridge-5", must_change_password=False)
    with pytest.raises(AuthenticationFailed) as unknown:
        users.authenticate(ctx, "no_such_user", "whatever-1")
    with pytest.raises(AuthenticationFailed) as wrong:
        users.authenticate(ctx, "arc_user", "whatever-1")
    assert unknown.value.to_json() == wrong.value.to_json()


def test_passwords_are_stored_as_argon2_hashes(ctx) -> None:
    from sqlalchemy import select

    from station.models import User

    users.create_user(ctx, SYSTEM, "hash_user", "哈希", ["nurse"], "Plain-Amber-Window-6", must_change_password=False)
    with ctx.transaction() as s:
        stored = s.execute(select(User.password_hash).where(User.username == "hash_user")).scalar_one()
    assert stored.startswith("$argon2") and "Plain-Amber-Window-6" not in stored
