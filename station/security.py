"""Who may do what (role x action), password hashing (Argon2) and application-level PII encryption."""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from station.errors import PermissionDenied, StationError
from station.models import Role


class Action(enum.StrEnum):
    REGISTER_DONOR = "register_donor"
    VIEW_DONOR = "view_donor"
    EDIT_DONOR = "edit_donor"
    IMPORT_HISTORY = "import_history"
    RECORD_DEFERRAL = "record_deferral"
    LIFT_DEFERRAL = "lift_deferral"
    REGISTER_DONATION = "register_donation"
    SIGN_QUESTIONNAIRE = "sign_questionnaire"
    EXAMINE = "examine"
    PRETEST = "pretest"
    ASSESS = "assess"
    OVERRIDE = "override"
    PRINT_LABEL = "print_label"
    PRECOLLECTION_CHECK = "precollection_check"
    COLLECT = "collect"
    ADVERSE_REACTION = "adverse_reaction"
    POSTCOLLECTION_CHECK = "postcollection_check"
    SEAL = "seal"
    ABORT = "abort"
    AMEND = "amend"
    SIGN_RECORDS = "sign_records"
    FILE_DEVICE_RESULT = "file_device_result"
    ARCHIVE = "archive"
    VIEW_ARCHIVE = "view_archive"
    EXPORT = "export"
    MANAGE_USERS = "manage_users"
    MANAGE_EQUIPMENT = "manage_equipment"
    MANAGE_CONSUMABLES = "manage_consumables"
    VIEW_AUDIT = "view_audit"
    VIEW_QUALITY = "view_quality"
    BACKUP = "backup"


R = Role
A = Action
# The permission matrix. The UI only hides what this table already refuses.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    A.REGISTER_DONOR: frozenset({R.REGISTRAR, R.PHYSICIAN, R.ADMIN}),
    A.VIEW_DONOR: frozenset({R.REGISTRAR, R.PHYSICIAN, R.NURSE, R.ARCHIVIST, R.ADMIN}),
    A.EDIT_DONOR: frozenset({R.REGISTRAR, R.PHYSICIAN}),
    A.IMPORT_HISTORY: frozenset({R.REGISTRAR, R.ADMIN}),
    A.RECORD_DEFERRAL: frozenset({R.PHYSICIAN, R.REGISTRAR}),
    A.LIFT_DEFERRAL: frozenset({R.PHYSICIAN}),
    A.REGISTER_DONATION: frozenset({R.REGISTRAR, R.PHYSICIAN}),
    A.SIGN_QUESTIONNAIRE: frozenset({R.REGISTRAR, R.PHYSICIAN, R.NURSE}),
    A.EXAMINE: frozenset({R.PHYSICIAN}),
    A.PRETEST: frozenset({R.PHYSICIAN, R.NURSE}),
    A.ASSESS: frozenset({R.PHYSICIAN}),
    A.OVERRIDE: frozenset({R.PHYSICIAN}),
    A.PRINT_LABEL: frozenset({R.PHYSICIAN, R.NURSE}),
    A.PRECOLLECTION_CHECK: frozenset({R.NURSE}),
    A.COLLECT: frozenset({R.NURSE}),
    A.ADVERSE_REACTION: frozenset({R.NURSE, R.PHYSICIAN}),
    A.POSTCOLLECTION_CHECK: frozenset({R.NURSE}),
    A.SEAL: frozenset({R.NURSE}),
    A.ABORT: frozenset({R.NURSE, R.PHYSICIAN}),
    A.AMEND: frozenset({R.PHYSICIAN, R.NURSE}),
    A.SIGN_RECORDS: frozenset({R.NURSE, R.PHYSICIAN}),
    A.FILE_DEVICE_RESULT: frozenset({R.PHYSICIAN, R.NURSE}),
    A.ARCHIVE: frozenset({R.ARCHIVIST}),
    A.VIEW_ARCHIVE: frozenset({R.ARCHIVIST, R.ADMIN}),
    A.EXPORT: frozenset({R.ARCHIVIST, R.ADMIN}),
    A.MANAGE_USERS: frozenset({R.ADMIN}),
    A.MANAGE_EQUIPMENT: frozenset({R.ADMIN, R.NURSE}),
    A.MANAGE_CONSUMABLES: frozenset({R.ADMIN, R.NURSE}),
    A.VIEW_AUDIT: frozenset({R.ADMIN, R.ARCHIVIST}),
    A.VIEW_QUALITY: frozenset({R.ADMIN, R.PHYSICIAN, R.ARCHIVIST}),
    A.BACKUP: frozenset({R.ADMIN}),
}

ROLE_LABELS = {R.REGISTRAR: ("登记员", "Registrar"), R.PHYSICIAN: ("体检医生", "Physician"),
               R.NURSE: ("采血护士", "Apheresis nurse"), R.ARCHIVIST: ("档案管理员", "Archivist"),
               R.ADMIN: ("系统管理员", "Administrator")}


@dataclass(frozen=True, eq=False)
class SessionHandle:
    """A signed-in session as the services see it: `check(session_id)` raises once the session has ended
    (signed out, idle or absolute expiry, lockout, deactivation, password reset) and otherwise notes the use.
    Made by station.services.users at sign-in; the Actor carries it to every service call."""

    session_id: int
    check: Callable[[int], None] = field(repr=False)

    def validate(self) -> None:
        self.check(self.session_id)


@dataclass(frozen=True)
class Actor:
    """The person acting: passed to every service (immutable, safe to hand to worker threads)."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]
    station: str = ""
    # signed in with an initial (or reset, or expired) password: nothing is allowed until it is changed
    password_change_due: bool = False
    # the sign-in this actor acts in (None: the station's own processes and tools, e.g. the demo seeding);
    # every permission check first checks that this session is still valid
    session: SessionHandle | None = field(default=None, compare=False, repr=False)

    def can(self, action: Action) -> bool:
        return bool(self.roles & {r.value for r in PERMISSIONS[action]})


SYSTEM = Actor(user_id=0, username="system", display_name="system", roles=frozenset({"admin"}))


def check_session(actor: Actor) -> None:
    """Raise (PermissionDenied, code SESSION_ENDED) when the actor's sign-in is no longer valid."""
    if actor.session is not None:
        actor.session.validate()


def require_permission(actor: Actor, action: Action) -> None:
    check_session(actor)
    if actor.password_change_due:
        raise PermissionDenied(f"{actor.display_name}须先修改初始密码（或已重置、已过期的密码），才能进行其他操作",
                               f"{actor.display_name} must change the password (initial, reset or expired) "
                               "before doing anything else",
                               code="PASSWORD_CHANGE_REQUIRED", details={"action": action.value})
    if not actor.can(action):
        raise PermissionDenied(f"{actor.display_name}无权执行此操作（{action.value}）",
                               f"{actor.display_name} may not do this ({action.value})",
                               details={"action": action.value, "roles": sorted(actor.roles)})


_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: tuple[PasswordHasher, str] | None = None


def dummy_verify(password: str) -> None:
    """Spend the time of one real verification (for user names that do not exist: no timing difference);
    the dummy hash is made once, with the parameters new passwords get."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    verify_password(_dummy[1], password)


PASSWORD_MAX_LENGTH = 256
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 too guessable ... 4 very unguessable; 3 = "safely unguessable" (~10^10 guesses)


def check_password_strength(password: str, username: str = "", *, min_length: int = 10,
                            other_inputs: tuple[str, ...] = ()) -> None:
    """The password rule: at least `min_length` characters (never fewer than 10), no control characters,
    not one character repeated, not whitespace only, not containing the user name, and not guessable by
    zxcvbn's estimate (dictionary words, names, dates, keyboard patterns, l33t substitutions)."""
    from station.errors import ValidationError

    def weak(zh: str, en: str) -> ValidationError:
        return ValidationError(zh, en, code="WEAK_PASSWORD")

    min_length = max(10, min_length)
    if not password.strip() or any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise weak("密码不能只含空格，也不能含控制字符", "A password cannot be only spaces or contain control characters")
    if len(password) < min_length:
        raise weak(f"密码至少{min_length}个字符", f"A password needs at least {min_length} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise weak(f"密码最多{PASSWORD_MAX_LENGTH}个字符", f"A password has at most {PASSWORD_MAX_LENGTH} characters")
    if len(set(password)) == 1:
        raise weak("密码不能由同一个字符重复组成", "A password cannot be one character repeated")
    name = username.strip().lower()
    if name and name in password.lower():
        raise weak("密码不能包含用户名", "A password cannot contain the user name")
    from zxcvbn import zxcvbn

    inputs = [x for x in (username, *other_inputs, "station", "apheresis") if x]
    result = zxcvbn(password[:100], user_inputs=inputs)  # zxcvbn's time grows with length; 100 is plenty
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = (result.get("feedback") or {}).get("warning") or ""
        raise ValidationError("密码太容易被猜中，请加长或用几个不相关的词组合",
                              "This password is too easy to guess; make it longer or combine unrelated words"
                              + (f" ({hint})" if hint else ""), code="WEAK_PASSWORD",
                              details={"score": result["score"]})


class PiiKeyMissing(StationError):
    code = "PII_KEY_MISSING"


class PiiCipher:
    """AES-256-GCM for ID and phone numbers at rest; HMAC-SHA256 blind indexes for exact lookup."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the PII master key must be 32 bytes")
        self._enc = AESGCM(self._derive(master_key, b"station pii encryption v1"))
        self._mac_key = self._derive(master_key, b"station pii blind index v1")

    @staticmethod
    def _derive(master: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    @classmethod
    def from_file(cls, path: Path) -> PiiCipher:
        if not path.exists():
            raise PiiKeyMissing(f"找不到个人信息加密密钥 {path}", f"The personal-data key {path} is missing")
        raw = path.read_bytes().strip()
        return cls(base64.b64decode(raw))

    @staticmethod
    def create_key_file(path: Path) -> None:
        from signing.atomic import atomic_write

        atomic_write(path, base64.b64encode(secrets.token_bytes(32)) + b"\n", mode=0o600)

    def encrypt(self, value: str, purpose: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._enc.encrypt(nonce, value.encode("utf-8"), purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> str:
        return self._enc.decrypt(blob[:12], blob[12:], purpose.encode()).decode("utf-8")

    def blind_index(self, value: str, purpose: str) -> str:
        return hmac.new(self._mac_key, purpose.encode() + b"\x00" + value.encode("utf-8"), hashlib.sha256).hexdigest()
