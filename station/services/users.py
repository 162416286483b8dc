"""Staff accounts: create, authenticate (with lockout), change passwords, identify by staff card."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from station import audit
from station.audit import snapshot
from station.context import StationContext
from station.errors import AuthenticationFailed, ConflictError, NotFound, ValidationError
from station.models import Role, User, UserRole
from station.security import (
    SYSTEM,
    Action,
    Actor,
    check_password_strength,
    hash_password,
    require_permission,
    verify_password,
)


def actor_of(user: User, station: str = "", *, signed_in: bool = False) -> Actor:
    """The user as the acting person; `signed_in`: through a login, where an initial password must be
    changed before anything else (command-line tools run by the administrator act without a login)."""
    return Actor(user_id=user.id, username=user.username, display_name=user.display_name,
                 roles=user.role_names, station=station,
                 password_change_due=signed_in and bool(user.must_change_password))


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
    check_password_strength(password)
    now = ctx.now()
    with ctx.transaction() as s:
        if s.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise ConflictError(f"用户名 {username} 已存在", f"Username {username} already exists", code="DUPLICATE_USER")
        user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                    must_change_password=must_change_password, created_at=now, staff_card_uid=staff_card_uid,
                    roles=[UserRole(role=r) for r in sorted(set(roles))])
        s.add(user)
        s.flush()
        audit.record(s, actor, "user.create", "user", user.id, at=now,
                     after={**snapshot(user), "roles": sorted(set(roles))})
        return actor_of(user, ctx.config.station.name)


def authenticate(ctx: StationContext, username: str, password: str) -> tuple[Actor, bool]:
    """The actor and whether a password change is due; locks the account after repeated failures."""
    sec = ctx.config.security
    now = ctx.now()
    failed_message = ("用户名或密码错误", "Wrong username or password")
    with ctx.transaction() as s:
        user = s.execute(select(User).where(User.username == username.strip()).with_for_update()).scalar_one_or_none()
        if user is None or not user.active:
            raise AuthenticationFailed(*failed_message)
        if user.locked_until and user.locked_until > now:
            minutes = int((user.locked_until - now).total_seconds() // 60) + 1
            raise AuthenticationFailed(f"账户已锁定，请{minutes}分钟后再试", f"The account is locked; try again in {minutes} min",
                                       code="ACCOUNT_LOCKED")
        if not verify_password(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= sec.max_failed_logins:
                user.locked_until = now + timedelta(minutes=sec.lockout_minutes)
                user.failed_logins = 0
                audit.record(s, SYSTEM, "user.locked", "user", user.id, at=now, after={"locked_until": user.locked_until})
        else:
            user.failed_logins = 0
            user.locked_until = None
            audit.record(s, actor_of(user, ctx.config.station.name), "user.login", "user", user.id, at=now)
            return actor_of(user, ctx.config.station.name, signed_in=True), user.must_change_password
    # the failure count above is committed before refusing
    raise AuthenticationFailed(*failed_message)


def change_password(ctx: StationContext, actor: Actor, old_password: str, new_password: str) -> Actor:
    """Returns the actor with the change no longer due (the signed-in session carries on with it)."""
    check_password_strength(new_password)
    if old_password == new_password:
        raise ValidationError("新密码不能与旧密码相同", "The new password must differ from the old one", code="WEAK_PASSWORD")
    now = ctx.now()
    with ctx.transaction() as s:
        user = s.get(User, actor.user_id, with_for_update=True)
        if user is None or not verify_password(user.password_hash, old_password):
            raise AuthenticationFailed("原密码错误", "The current password is wrong")
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        audit.record(s, actor, "user.change_password", "user", user.id, at=now)
        return actor_of(user, actor.station, signed_in=True)


def actor_for_card(ctx: StationContext, card_uid: str) -> Actor:
    with ctx.transaction() as s:
        user = s.execute(select(User).where(User.staff_card_uid == card_uid, User.active.is_(True))).scalar_one_or_none()
        if user is None:
            raise NotFound("此工作卡未绑定用户", "This staff card is not registered to anyone", code="UNKNOWN_CARD")
        return actor_of(user, ctx.config.station.name, signed_in=True)


def list_users(ctx: StationContext, actor: Actor) -> list[dict[str, object]]:
    require_permission(actor, Action.MANAGE_USERS)
    with ctx.transaction() as s:
        return [{"id": u.id, "username": u.username, "display_name": u.display_name, "roles": sorted(u.role_names),
                 "active": u.active, "locked": bool(u.locked_until and u.locked_until > ctx.now()),
                 "staff_card_uid": u.staff_card_uid, "certificate_serial": u.certificate_serial}
                for u in s.execute(select(User).order_by(User.username)).scalars()]


def user_actor(ctx: StationContext, username: str) -> Actor:
    """The actor of an existing account, for command-line tools run by an administrator on the station."""
    with ctx.transaction() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise NotFound(f"未找到用户 {username}", f"No user {username}", code="USER_NOT_FOUND")
        return actor_of(user, ctx.config.station.name)
