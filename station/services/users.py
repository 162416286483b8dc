"""Staff accounts: create, authenticate (with lockout), sessions, passwords, signing-key PIN counter, staff cards.

A sign-in (password, staff card or command line) opens a session (user_session row); the Actor it returns
carries a handle that every permission check uses to check that the session is still valid: it ends at
sign-out, after `session_idle_minutes` without a service call, `session_max_hours` after sign-in, and at
once when the account is locked, deactivated or its password reset by an administrator."""
from __future__ import annotations

import functools
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from station import audit
from station.audit import snapshot
from station.context import StationContext
from station.errors import AuthenticationFailed, ConflictError, NotFound, PermissionDenied, ValidationError
from station.models import Role, User, UserRole
from station.models.security import UserSession
from station.security import (
    SYSTEM,
    Action,
    Actor,
    SessionHandle,
    check_password_strength,
    check_session,
    dummy_verify,
    hash_password,
    require_permission,
    verify_password,
)

# a session's last use is written at most this often (idle expiry is counted in minutes)
_TOUCH_EVERY = timedelta(seconds=20)


def actor_of(user: User, station: str = "", *, signed_in: bool = False, change_due: bool | None = None,
             session: SessionHandle | None = None) -> Actor:
    """The user as the acting person; `signed_in`: through a login, where an initial password must be
    changed before anything else (the station's own tools, e.g. demo seeding, act without a login)."""
    due = bool(user.must_change_password) if change_due is None else change_due
    return Actor(user_id=user.id, username=user.username, display_name=user.display_name,
                 roles=user.role_names, station=station, password_change_due=signed_in and due, session=session)


def _password_rule(ctx: StationContext, password: str, username: str, display_name: str = "") -> None:
    check_password_strength(password, username, min_length=ctx.config.security.password_min_length,
                            other_inputs=(display_name,) if display_name else ())


def create_user(ctx: StationContext, actor: Actor, username: str, display_name: str, roles: list[str],
                password: str, *, must_change_password: bool = True, staff_card_uid: str | None = None) -> Actor:
    require_permission(actor, Action.MANAGE_USERS)
    username = username.strip()
    if not username or not display_name.strip():
        raise ValidationError("请填写用户名和姓名", "Username and name are required", code="REQUIRED")
    bad = [r for r in roles if r not in Role._value2member_map_]
    if not roles or bad:
        raise ValidationError(f"未知角色：{', '.join(bad) or '无'}", f"Unknown roles: {', '.join(bad) or 'none'}",
                              code="INVALID_ROLE")
    _password_rule(ctx, password, username, display_name)
    now = ctx.now()
    with ctx.transaction() as s:
        if s.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise ConflictError(f"用户名 {username} 已存在", f"Username {username} already exists", code="DUPLICATE_USER")
        user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                    must_change_password=must_change_password, created_at=now, password_changed_at=now,
                    staff_card_uid=staff_card_uid, roles=[UserRole(role=r) for r in sorted(set(roles))])
        s.add(user)
        s.flush()
        audit.record(s, actor, "user.create", "user", user.id, at=now,
                     after={**snapshot(user), "roles": sorted(set(roles))})
        return actor_of(user, ctx.config.station.name)


# --- sessions ---------------------------------------------------------------------------------------

_ENDED = {
    "signed_out": ("会话已退出，请重新登录", "This session was signed out; sign in again"),
    "idle": ("长时间未操作，会话已过期，请重新登录", "The session expired after a period without use; sign in again"),
    "expired": ("会话已到最长时限，请重新登录", "The session reached its maximum length; sign in again"),
    "locked": ("账户已锁定，会话已结束", "The account is locked; the session has ended"),
    "deactivated": ("账户已停用，会话已结束", "The account was deactivated; the session has ended"),
    "password_reset": ("密码已被管理员重置，请用新密码重新登录",
                       "An administrator reset the password; sign in again with the new one"),
    "unknown": ("会话无效，请重新登录", "This session is not valid; sign in again"),
}


def session_ended(reason: str) -> PermissionDenied:
    zh, en = _ENDED.get(reason, _ENDED["unknown"])
    return PermissionDenied(zh, en, code="SESSION_ENDED", details={"reason": reason})


def _open_session(ctx: StationContext, s: Session, user: User, via: str, now: datetime) -> SessionHandle:
    row = UserSession(user_id=user.id, via=via, station=ctx.config.station.name, started_at=now, last_seen_at=now,
                      end_reason="")
    s.add(row)
    s.flush()
    return SessionHandle(row.id, functools.partial(validate_session, ctx))


def _end_sessions(s: Session, user_id: int, now: datetime, reason: str) -> int:
    result = s.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                       .values(ended_at=now, end_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def validate_session(ctx: StationContext, session_id: int) -> None:
    """Raise PermissionDenied(SESSION_ENDED) unless the session is open, its user active and not locked, and
    neither idle nor absolute expiry has passed; otherwise note the use (for the idle expiry)."""
    sec = ctx.config.security
    now = ctx.now()
    reason = ""
    with ctx.transaction() as s:
        row = s.get(UserSession, session_id)
        user = s.get(User, row.user_id) if row is not None else None
        if row is None or user is None:
            reason = "unknown"
        elif row.ended_at is not None:
            reason = row.end_reason or "signed_out"
        else:
            if not user.active:
                reason = "deactivated"
            elif user.locked_until is not None and user.locked_until > now:
                reason = "locked"
            elif now - row.last_seen_at > timedelta(minutes=sec.session_idle_minutes):
                reason = "idle"
            elif now - row.started_at > timedelta(hours=sec.session_max_hours):
                reason = "expired"
            if reason:
                row.ended_at, row.end_reason = now, reason
                audit.record(s, SYSTEM, "user.session_end", "user", user.id, at=now,
                             after={"session": row.id, "reason": reason})
            elif now - row.last_seen_at >= _TOUCH_EVERY:
                row.last_seen_at = now
    if reason:  # raised after the transaction: the ending is stored
        raise session_ended(reason)


def sign_out(ctx: StationContext, actor: Actor) -> None:
    """End the actor's session (nothing to do for an actor without one)."""
    if actor.session is None:
        return
    now = ctx.now()
    with ctx.transaction() as s:
        row = s.get(UserSession, actor.session.session_id)
        if row is not None and row.ended_at is None:
            row.ended_at, row.end_reason = now, "signed_out"
            audit.record(s, actor, "user.logout", "user", actor.user_id, at=now, after={"session": row.id})


def _password_expired(ctx: StationContext, user: User, now: datetime) -> bool:
    changed = user.password_changed_at or user.created_at
    return now - changed > timedelta(days=ctx.config.security.password_max_age_days)


def authenticate(ctx: StationContext, username: str, password: str, *, via: str = "desktop") -> tuple[Actor, bool]:
    """The actor (in a new session) and whether a password change is due (initial, reset or expired password).

    Every refusal takes the time of one password verification, whether or not the user exists, and is
    audited; the account locks after `max_failed_logins` wrong passwords in a row."""
    sec = ctx.config.security
    now = ctx.now()
    failed_message = ("用户名或密码错误", "Wrong username or password")
    name = username.strip()
    refusal: AuthenticationFailed | None = None
    with ctx.transaction() as s:
        user = s.execute(select(User).where(User.username == name).with_for_update()).scalar_one_or_none()
        if user is None or not user.active:
            if user is None:
                dummy_verify(password)
            else:
                verify_password(user.password_hash, password)
            audit.record(s, SYSTEM, "user.login_failed", "user", user.id if user else "-", at=now,
                         after={"username": name[:64], "reason": "unknown_user" if user is None else "inactive",
                                "via": via})
            refusal = AuthenticationFailed(*failed_message)
        elif user.locked_until and user.locked_until > now:
            verify_password(user.password_hash, password)  # the same time as any other refusal
            minutes = int((user.locked_until - now).total_seconds() // 60) + 1
            audit.record(s, SYSTEM, "user.login_failed", "user", user.id, at=now,
                         after={"username": name, "reason": "locked", "via": via})
            refusal = AuthenticationFailed(f"账户已锁定，请{minutes}分钟后再试",
                                           f"The account is locked; try again in {minutes} min", code="ACCOUNT_LOCKED")
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            audit.record(s, SYSTEM, "user.login_failed", "user", user.id, at=now,
                         after={"username": name, "reason": "wrong_password", "failed_logins": user.failed_logins,
                                "via": via})
            if user.failed_logins >= sec.max_failed_logins:
                user.locked_until = now + timedelta(minutes=sec.lockout_minutes)
                user.failed_logins = 0
                ended = _end_sessions(s, user.id, now, "locked")
                audit.record(s, SYSTEM, "user.locked", "user", user.id, at=now,
                             after={"locked_until": user.locked_until, "sessions_ended": ended})
            refusal = AuthenticationFailed(*failed_message)
        else:
            user.failed_logins = 0
            user.locked_until = None
            expired = _password_expired(ctx, user, now)
            due = bool(user.must_change_password) or expired
            handle = _open_session(ctx, s, user, via, now)
            audit.record(s, actor_of(user, ctx.config.station.name), "user.login", "user", user.id, at=now,
                         after={"session": handle.session_id, "via": via, "password_change_due": due,
                                "password_expired": expired})
            return actor_of(user, ctx.config.station.name, signed_in=True, change_due=due, session=handle), due
    # the failure count and the audit entry above are committed before refusing
    assert refusal is not None
    raise refusal


def change_password(ctx: StationContext, actor: Actor, old_password: str, new_password: str) -> Actor:
    """Returns the actor with the change no longer due (the signed-in session carries on with it)."""
    check_session(actor)
    _password_rule(ctx, new_password, actor.username, actor.display_name)
    if old_password == new_password:
        raise ValidationError("新密码不能与旧密码相同", "The new password must differ from the old one", code="WEAK_PASSWORD")
    now = ctx.now()
    wrong = False
    with ctx.transaction() as s:
        user = s.get(User, actor.user_id, with_for_update=True)
        if user is None or not user.active:
            raise session_ended("deactivated")
        if not verify_password(user.password_hash, old_password):
            wrong = True
            audit.record(s, SYSTEM, "user.change_password_failed", "user", user.id, at=now,
                         after={"reason": "wrong_current_password"})
        else:
            user.password_hash = hash_password(new_password)
            user.must_change_password = False
            user.password_changed_at = now
            audit.record(s, actor, "user.change_password", "user", user.id, at=now)
            return replace(actor_of(user, actor.station, signed_in=True, session=actor.session),
                           password_change_due=False)
    assert wrong
    raise AuthenticationFailed("原密码错误", "The current password is wrong")


def _user_named(s: Session, username: str) -> User:
    user = s.execute(select(User).where(User.username == username).with_for_update()).scalar_one_or_none()
    if user is None:
        raise NotFound(f"未找到用户 {username}", f"No user {username}", code="USER_NOT_FOUND")
    return user


def reset_password(ctx: StationContext, actor: Actor, username: str, new_password: str) -> None:
    """An administrator sets a new password: the user must change it at the next sign-in; open sessions end."""
    require_permission(actor, Action.MANAGE_USERS)
    _password_rule(ctx, new_password, username)
    now = ctx.now()
    with ctx.transaction() as s:
        user = _user_named(s, username)
        user.password_hash = hash_password(new_password)
        user.must_change_password = True
        user.password_changed_at = now
        user.failed_logins = 0
        user.locked_until = None
        ended = _end_sessions(s, user.id, now, "password_reset")
        audit.record(s, actor, "user.reset_password", "user", user.id, at=now, after={"sessions_ended": ended})


def set_active(ctx: StationContext, actor: Actor, username: str, active: bool) -> None:
    """Deactivate (open sessions end at once) or reactivate an account."""
    require_permission(actor, Action.MANAGE_USERS)
    if not active and username == actor.username:
        raise ValidationError("不能停用自己的账户", "You cannot deactivate your own account", code="SELF_DEACTIVATE")
    now = ctx.now()
    with ctx.transaction() as s:
        user = _user_named(s, username)
        before = user.active
        user.active = active
        ended = 0 if active else _end_sessions(s, user.id, now, "deactivated")
        audit.record(s, actor, "user.activate" if active else "user.deactivate", "user", user.id, at=now,
                     before={"active": before}, after={"active": active, "sessions_ended": ended})


def actor_for_card(ctx: StationContext, card_uid: str) -> Actor:
    now = ctx.now()
    with ctx.transaction() as s:
        user = s.execute(select(User).where(User.staff_card_uid == card_uid, User.active.is_(True))).scalar_one_or_none()
        if user is None:
            raise NotFound("此工作卡未绑定用户", "This staff card is not registered to anyone", code="UNKNOWN_CARD")
        if user.locked_until is not None and user.locked_until > now:
            raise AuthenticationFailed("账户已锁定", "The account is locked", code="ACCOUNT_LOCKED")
        handle = _open_session(ctx, s, user, "card", now)
        audit.record(s, actor_of(user, ctx.config.station.name), "user.login", "user", user.id, at=now,
                     after={"session": handle.session_id, "via": "card"})
        return actor_of(user, ctx.config.station.name, signed_in=True,
                        change_due=bool(user.must_change_password) or _password_expired(ctx, user, now),
                        session=handle)


def list_users(ctx: StationContext, actor: Actor) -> list[dict[str, object]]:
    require_permission(actor, Action.MANAGE_USERS)
    with ctx.transaction() as s:
        return [{"id": u.id, "username": u.username, "display_name": u.display_name, "roles": sorted(u.role_names),
                 "active": u.active, "locked": bool(u.locked_until and u.locked_until > ctx.now()),
                 "signing_locked": u.signing_locked_at is not None,
                 "staff_card_uid": u.staff_card_uid, "certificate_serial": u.certificate_serial}
                for u in s.execute(select(User).order_by(User.username)).scalars()]


def user_actor(ctx: StationContext, username: str) -> Actor:
    """The actor of an existing account without a sign-in, for the station's own processes (demo seeding,
    tests); people, on the desktop or the command line, act through authenticate()."""
    with ctx.transaction() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise NotFound(f"未找到用户 {username}", f"No user {username}", code="USER_NOT_FOUND")
        return actor_of(user, ctx.config.station.name)


# --- the signing key's PIN ---------------------------------------------------------------------------

def _signing_locked_error(username: str) -> PermissionDenied:
    return PermissionDenied(f"用户 {username} 的签名密钥因多次 PIN 错误已锁定，请管理员解锁",
                            f"The signing key of {username} is locked after repeated wrong PINs; "
                            "an administrator must unlock it", code="SIGNING_KEY_LOCKED")


def open_signing_key(ctx: StationContext, actor: Actor, pin: str, opener: Any) -> Any:
    """Unlock the actor's signing key with the PIN, counting wrong PINs in the database: after
    `max_wrong_pins` in a row the key is locked (audited) until an administrator unlocks it.
    `opener(username, pin)` opens the key store (station.services.records passes the configured one)."""
    from station.errors import SigningError

    check_session(actor)
    with ctx.transaction() as s:
        user = s.get(User, actor.user_id)
        if user is not None and user.signing_locked_at is not None:
            raise _signing_locked_error(actor.username)
    try:
        credential = opener(actor.username, pin)
    except SigningError as exc:
        if exc.code not in ("WRONG_PIN", "PIN_LOCKED"):
            raise
        now = ctx.now()
        locked, count = False, 0
        with ctx.transaction() as s:
            user = s.get(User, actor.user_id, with_for_update=True)
            if user is None:
                raise
            user.wrong_pins = count = (user.wrong_pins or 0) + 1
            audit.record(s, SYSTEM, "user.wrong_pin", "user", user.id, at=now, after={"wrong_pins": user.wrong_pins})
            if user.wrong_pins >= ctx.config.security.max_wrong_pins or exc.code == "PIN_LOCKED":
                user.signing_locked_at = now
                locked = True
                audit.record(s, SYSTEM, "user.signing_key_locked", "user", user.id, at=now,
                             after={"wrong_pins": user.wrong_pins})
        if locked:
            raise _signing_locked_error(actor.username) from exc
        left = ctx.config.security.max_wrong_pins - count
        raise SigningError(f"PIN 错误（用户 {actor.username}），还可再试{left}次",
                           f"Wrong PIN for user {actor.username}; {left} more tries before the key is locked",
                           code="WRONG_PIN", details={"tries_left": left}) from exc
    with ctx.transaction() as s:
        user = s.get(User, actor.user_id)
        if user is not None and user.wrong_pins:
            user.wrong_pins = 0
    return credential


def unlock_signing_key(ctx: StationContext, actor: Actor, username: str) -> None:
    """An administrator lifts the wrong-PIN lock of a user's signing key."""
    require_permission(actor, Action.MANAGE_USERS)
    now = ctx.now()
    with ctx.transaction() as s:
        user = _user_named(s, username)
        before = {"wrong_pins": user.wrong_pins, "locked": user.signing_locked_at is not None}
        user.wrong_pins = 0
        user.signing_locked_at = None
        audit.record(s, actor, "user.signing_key_unlock", "user", user.id, at=now, before=before,
                     after={"wrong_pins": 0, "locked": False})


def signing_key_issued(ctx: StationContext, actor: Actor, username: str, serial: str) -> None:
    """Record a newly issued staff certificate (its key has a fresh PIN: the counter starts again)."""
    require_permission(actor, Action.MANAGE_USERS)
    now = ctx.now()
    with ctx.transaction() as s:
        user = _user_named(s, username)
        before = {"certificate_serial": user.certificate_serial}
        user.certificate_serial = serial
        user.wrong_pins = 0
        user.signing_locked_at = None
        audit.record(s, actor, "user.certificate_issued", "user", user.id, at=now, before=before,
                     after={"certificate_serial": serial})


def certificate_revoked(ctx: StationContext, actor: Actor, serial: str, reason: str) -> None:
    """Record an administrator's revocation of a certificate (the CA publishes the CRL); the holder, if a
    user of this station, no longer has a certificate on file."""
    require_permission(actor, Action.MANAGE_USERS)
    now = ctx.now()
    with ctx.transaction() as s:
        holder = s.execute(select(User).where(User.certificate_serial == serial)).scalar_one_or_none()
        if holder is not None:
            holder.certificate_serial = None
        audit.record(s, actor, "certificate.revoke", "user", holder.id if holder else "-", at=now,
                     after={"serial": serial, "reason": reason, "holder": holder.username if holder else None})
