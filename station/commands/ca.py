"""`station ca init|issue-staff|revoke|crl|rollover|root-crl|expiry`: the station's local CA and its keys."""
from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives import hashes

from station.cli import emit
from station.config import Config, config_from_dict, config_path, load_config, resolve_data_dir
from station.errors import UsageError
from station.pki import PASSPHRASE_ENV, read_passphrase



def station_config(args: argparse.Namespace) -> Config:
    """The installation's configuration, or the defaults when `station init` has not run."""
    data_dir = resolve_data_dir(args.data_dir)
    if config_path(data_dir).exists():
        return load_config(data_dir)
    return config_from_dict({}, data_dir)


ROOT_PASSPHRASE_ENV = "STATION_ROOT_KEY_PASSPHRASE"
ROOT_PIN_ENV = "STATION_ROOT_PIN"


def _secret(env: str, prompt: str, twice: bool = False, minimum: int = 1) -> bytes:
    value = os.environ.get(env)
    if not value:
        if not os.isatty(0):
            raise UsageError(f"请在终端中输入，或设置 {env}", f"Type it on a terminal or set {env}",
                             code="SECRET_REQUIRED")
        value = getpass.getpass(prompt)
        if twice and getpass.getpass("再次输入 / again: ") != value:
            raise UsageError("两次输入不一致", "The two entries differ", code="SECRET_MISMATCH")
    if len(value) < minimum:
        raise UsageError(f"至少 {minimum} 个字符", f"At least {minimum} characters are needed",
                         code="SECRET_TOO_SHORT")
    return value.encode()


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("ca", parents=[common], help="local CA: init, staff certificates, "
                                                          "revocation, CRL")
    sub = p.add_subparsers(dest="ca_command", required=True)
    init = sub.add_parser("init", parents=[common], help="create the root and issuing CA and "
                                                         "the TSA certificate")
    init.add_argument("--organisation", default=None, help="organisation name in certificates")
    init.add_argument("--root-key-out", default=None, metavar="FILE",
                      help="export the root key to FILE (encrypted with a passphrase typed now, or "
                           f"{ROOT_PASSPHRASE_ENV}) and keep it off the station")
    init.add_argument("--token", default=None, metavar="LABEL",
                      help="generate the issuing CA and TSA keys on this PKCS#11 token "
                           "(PIN typed, or STATION_CA_PIN)")
    init.add_argument("--root-token", default=None, metavar="LABEL",
                      help="generate the root key on this PKCS#11 token (kept away from the "
                           f"station; PIN typed, or {ROOT_PIN_ENV})")
    init.add_argument("--module", default=None, help="PKCS#11 module (default: SoftHSM2's)")
    init.add_argument("--demo", action="store_true",
                      help="demo folder: a random passphrase stored beside the keys (says so)")
    init.set_defaults(handler=run_init)
    from station.commands._shared import add_as_user

    issue = sub.add_parser("issue-staff", parents=[common],
                           help="generate a staff signing key and certificate (1 year): an administrator "
                                "(--user) and the staff member (--staff-user), who sets the PIN, both sign in")
    issue.add_argument("--staff-user", required=True, metavar="NAME", help="the staff member's username")
    issue.add_argument("--staff-password-file", default=None, metavar="FILE",
                       help="the staff member's password (default: asked on the terminal)")
    issue.add_argument("--pin-file", default=None, metavar="FILE",
                       help="the new PIN, chosen by the staff member (default: asked twice on the terminal)")
    issue.add_argument("--name", default=None, help="printed name (default: the account's name)")
    issue.add_argument("--role", default=None, help="physician, nurse, ... (default: the account's role)")
    issue.add_argument("--token", default=None,
                       help="PKCS#11 token label: generate the key on the token")
    issue.add_argument("--module", default=None, help="PKCS#11 module (default: configuration)")
    issue.set_defaults(handler=run_issue_staff)

    revoke = sub.add_parser("revoke", parents=[common], help="revoke a certificate, publish CRL (administrator)")
    revoke.add_argument("--serial", required=True, help="certificate serial (decimal or 0x hex)")
    revoke.add_argument("--reason", default="unspecified",
                        choices=["unspecified", "key_compromise", "affiliation_changed",
                                 "superseded", "cessation_of_operation", "certificate_hold"])
    revoke.set_defaults(handler=run_revoke)

    crl = sub.add_parser("crl", parents=[common], help="publish a fresh CRL (administrator)")
    crl.set_defaults(handler=run_crl)
    roll = sub.add_parser("rollover", parents=[common],
                          help="new issuing CA and/or TSA key and certificate before expiry; the "
                               "old certificates stay for validation")
    roll.add_argument("--issuing", action="store_true", help="a new issuing CA (needs the root key)")
    roll.add_argument("--tsa", action="store_true", help="a new time stamp key and certificate")
    roll.add_argument("--root-key", default=None, metavar="FILE",
                      help=f"the exported root key (passphrase typed, or {ROOT_PASSPHRASE_ENV})")
    roll.set_defaults(handler=run_rollover)

    root_crl = sub.add_parser("root-crl", parents=[common],
                              help="sign a fresh root CRL with the off-station root key")
    root_crl.add_argument("--root-key", default=None, metavar="FILE", help="the exported root key")
    root_crl.set_defaults(handler=run_root_crl)

    expiry = sub.add_parser("expiry", parents=[common],
                            help="CA/TSA certificates ending soon (exit 1 when any)")
    expiry.add_argument("--days", type=int, default=None,
                        help="warning window in days (default: [ca] expiry_warning_days)")
    expiry.set_defaults(handler=run_expiry)
    for sp in (issue, revoke, crl, init, roll, root_crl, expiry):  # init: on an installed station only
        add_as_user(sp)


@contextmanager
def _administrator(args: argparse.Namespace) -> Iterator[tuple[Any, Any]]:
    """The installed station with its administrator signed in (signed out when the block ends)."""
    from station.commands._shared import acting_user, open_ctx
    from station.security import Action, require_permission

    ctx = open_ctx(args)
    try:
        actor = acting_user(ctx, args)
        require_permission(actor, Action.MANAGE_USERS)
        yield ctx, actor
    finally:
        ctx.close()


def _require_administrator_if_installed(args: argparse.Namespace, config: Config) -> None:
    """The CA's maintenance commands on an installed station need its administrator signed in; on a folder
    that is not installed yet (a CA being prepared) they are installing, and run without a user."""
    if config_path(config.data_dir).exists():
        with _administrator(args):
            pass


def run_init(args: argparse.Namespace) -> int:
    from signing.ca import DEFAULT_PKCS11_MODULE, Custody, LocalCA
    from signing.tsa import TsaToken, create_tsa_identity
    from station.pki import PIN_ENV as CA_PIN_ENV
    from station.services.pki import write_demo_marker

    config = station_config(args)
    _require_administrator_if_installed(args, config)  # on an installed station only its administrator makes a CA
    passphrase_file = config.ca_passphrase_file
    module = args.module or DEFAULT_PKCS11_MODULE
    generated = False
    pin = root_pin = None
    root_passphrase = None
    passphrase = b""
    custody = Custody(root_key="folder", issuing_key="folder", module=module)
    if args.token:
        pin = _secret(CA_PIN_ENV, f"PIN of token {args.token} / 令牌 PIN: ").decode()
        custody = replace(custody, issuing_key="pkcs11", token_label=args.token)
    if args.root_token:
        root_pin = _secret(ROOT_PIN_ENV, f"PIN of root token {args.root_token} / 根令牌 PIN: ").decode()
        custody = replace(custody, root_key="pkcs11", root_token_label=args.root_token)
    elif args.root_key_out:
        root_passphrase = _secret(ROOT_PASSPHRASE_ENV, "root key passphrase / 根密钥口令: ",
                                  twice=True, minimum=8)
        custody = replace(custody, root_key="offline")
    elif args.token:
        custody = replace(custody, root_key="pkcs11", root_token_label=args.token)
        root_pin = pin
    if custody.issuing_key == "folder":
        if args.demo:
            if os.environ.get(PASSPHRASE_ENV):
                passphrase = os.environ[PASSPHRASE_ENV].encode()
            elif passphrase_file.exists():
                passphrase = passphrase_file.read_bytes().strip()
            else:
                # Demo: a random passphrase in a file beside the keys; the folder says so.
                from signing.atomic import atomic_write

                passphrase = secrets.token_urlsafe(32).encode()
                atomic_write(passphrase_file, passphrase + b"\n", mode=0o600)
                generated = True
            write_demo_marker(config)
        else:
            passphrase = _secret(PASSPHRASE_ENV, "CA passphrase / CA 口令: ", twice=True, minimum=12)
    org = args.organisation or config.ca.organisation
    now = datetime.now(UTC)
    ca = LocalCA.create(config.ca_dir, passphrase, org, now, custody=custody, pin=pin,
                        root_out=args.root_key_out, root_passphrase=root_passphrase,
                        root_pin=root_pin)
    key_type = config.tsa.key_type if config.tsa.key_type in ("rsa", "ecdsa") else "ecdsa"
    token = TsaToken(args.token, pin or "", module) if args.token else None
    tsa = create_tsa_identity(config.tsa_dir / key_type, ca, passphrase,
                              key_type, now, token=token)  # type: ignore[arg-type]
    tsa.close()
    ca.close()
    payload = {
        "ca_dir": str(config.ca_dir), "organisation": org,
        "root_subject": ca.root_cert.subject.rfc4514_string(),
        "root_sha256": ca.root_cert.fingerprint(hashes.SHA256()).hex(),
        "tsa_dir": str(config.tsa_dir / key_type), "tsa_subject": tsa.cert.subject.rfc4514_string(),
        "passphrase_file": str(passphrase_file) if generated else None,
        "demo": bool(args.demo), "root_key": custody.root_key, "issuing_key": custody.issuing_key,
        "root_key_file": args.root_key_out, "token": args.token,
        "unlock": "file" if args.demo else ("pkcs11" if args.token else "prompt"),
    }
    if config_path(config.data_dir).exists():
        # the installation's configuration says how the new keys are unlocked
        from station.config import write_config

        write_config(replace(config, ca=replace(config.ca, unlock=str(payload["unlock"]),
                                                demo=bool(args.demo))))
    where = {"folder": "本机 CA 目录 / in the CA folder",
             "offline": f"已导出，请带走保管 / exported, keep it away: {args.root_key_out}",
             "pkcs11": f"令牌 / on token {custody.root_token}"}[custody.root_key]
    emit(args, payload, f"CA 已创建 / CA created: {config.ca_dir}\n"
                        f"根证书 / root: {payload['root_subject']}\n"
                        f"SHA-256: {payload['root_sha256']}\n"
                        f"根密钥 / root key: {where}\n"
                        f"解锁方式 / unlock: [ca] unlock = \"{payload['unlock']}\"")
    return 0


def _new_pin(args: argparse.Namespace, username: str) -> str:
    """The PIN the staff member chooses: from --pin-file, else typed twice on the terminal."""
    from signing.keystore import check_pin
    from station.commands._shared import prompt_secret, read_secret_file

    if args.pin_file:
        pin = read_secret_file(args.pin_file, "PIN", "PIN")
    else:
        pin = prompt_secret(f"{username} 设定签名 PIN / {username}, choose your signing PIN: ", "--pin-file")
        if prompt_secret("PIN (again / 再次输入): ", "--pin-file") != pin:
            raise UsageError("两次输入的 PIN 不一致", "The two PINs differ", code="PIN_MISMATCH")
    check_pin(pin)
    return pin


def run_issue_staff(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA
    from signing.keystore import Pkcs11KeyStore, Pkcs12KeyStore
    from station.commands._shared import password_for, sign_in
    from station.services.users import signing_key_issued

    with _administrator(args) as (ctx, admin):
        config = ctx.config
        staff_name = args.staff_user.strip()
        if staff_name == admin.username:
            raise UsageError("管理员不能为自己签发签名证书：须另一位管理员与本人共同操作",
                             "An administrator cannot issue their own signing certificate: another administrator "
                             "and the staff member do it together", code="SELF_ISSUE")
        # the staff member signs in too: nobody gets a key whose PIN someone else chose
        staff = sign_in(ctx, staff_name, password_for(args, staff_name, attr="staff_password_file", env=None,
                                                      option="--staff-password-file"))
        roles = sorted(staff.roles & {"physician", "nurse", "registrar", "archivist"})
        role = args.role or (roles[0] if roles else "staff")
        ca = LocalCA.open(config.ca_dir, read_passphrase(config))
        store: Pkcs11KeyStore | Pkcs12KeyStore
        if args.token:
            store = Pkcs11KeyStore(args.module or config.staff_keys.pkcs11_module, args.token,
                                   chain=ca.chain())
        elif config.staff_keys.kind == "pkcs11":
            store = Pkcs11KeyStore(args.module or config.staff_keys.pkcs11_module,
                                   config.staff_keys.token_label, chain=ca.chain())
        else:
            store = Pkcs12KeyStore(config.staff_keys_dir)
        pin = _new_pin(args, staff_name)
        cert = store.enrol(ca, staff_name, args.name or staff.display_name, role, pin,
                           datetime.now(UTC))
        signing_key_issued(ctx, admin, staff_name, str(cert.serial_number))
        payload = {"user": staff_name, "issued_by": admin.username, "serial": str(cert.serial_number),
                   "subject": cert.subject.rfc4514_string(),
                   "not_after": cert.not_valid_after_utc.isoformat(),
                   "store": "pkcs11" if isinstance(store, Pkcs11KeyStore) else "pkcs12",
                   "token": getattr(store, "token_label", None)}
        emit(args, payload, f"已签发 / issued: {payload['subject']}\n"
                            f"序列号 / serial: {payload['serial']}\n"
                            f"有效期至 / valid until: {payload['not_after']}")
        return 0


def _serial(text: str) -> int:
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise UsageError(f"序列号格式错误：{text}", f"Bad serial number: {text}",
                         code="USAGE") from None


def run_revoke(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA

    with _administrator(args) as (ctx, admin):
        config = ctx.config
        serial = _serial(args.serial)
        ca = LocalCA.open(config.ca_dir, read_passphrase(config))
        crl = ca.revoke(serial, args.reason, datetime.now(UTC))
        from station.services.users import certificate_revoked

        certificate_revoked(ctx, admin, str(serial), args.reason)
        payload = {"serial": str(serial), "reason": args.reason,
                   "crl": str(Path(config.ca_dir) / LocalCA.CRL_DER),
                   "revoked_count": len(list(crl))}
        emit(args, payload, f"已吊销 / revoked: {serial} ({args.reason})")
        return 0


def run_crl(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA

    config = station_config(args)
    _require_administrator_if_installed(args, config)
    ca = LocalCA.open(config.ca_dir, read_passphrase(config))
    crl = ca.publish_crl()
    payload = {"crl_der": str(Path(config.ca_dir) / LocalCA.CRL_DER),
               "crl_pem": str(Path(config.ca_dir) / LocalCA.CRL_PEM),
               "this_update": crl.last_update_utc.isoformat(),
               "next_update": crl.next_update_utc.isoformat() if crl.next_update_utc else None,
               "revoked": [str(r.serial_number) for r in crl]}
    emit(args, payload, f"CRL 已发布 / published: {payload['crl_der']} "
                        f"(下次更新 / next update {payload['next_update']})")
    return 0

def _unlock_root(args: argparse.Namespace, ca) -> None:  # type: ignore[no-untyped-def]
    if ca.root_available:
        return
    if ca.custody.root_key == "pkcs11":
        ca.unlock_root(pin=_secret(ROOT_PIN_ENV, "root token PIN / 根令牌 PIN: ").decode())
        return
    if not args.root_key:
        from signing.ca import root_offline

        raise root_offline()
    ca.unlock_root(key_file=args.root_key,
                   passphrase=_secret(ROOT_PASSPHRASE_ENV, "root key passphrase / 根密钥口令: "))


def run_rollover(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA
    from signing.tsa import rollover_tsa_identity
    from station.services.pki import certificate_expiry_warnings

    if not (args.issuing or args.tsa):
        raise UsageError("请指定 --issuing 和/或 --tsa", "Name --issuing and/or --tsa", code="USAGE")
    config = station_config(args)
    _require_administrator_if_installed(args, config)
    secret = read_passphrase(config)
    ca = LocalCA.open(config.ca_dir, secret)
    now = datetime.now(UTC)
    payload: dict[str, object] = {}
    try:
        if args.issuing:
            _unlock_root(args, ca)
            old = ca.issuing_cert
            new = ca.rollover_issuing(now)
            ca.lock_root()
            payload["issuing"] = {"old_serial": str(old.serial_number),
                                  "new_serial": str(new.serial_number),
                                  "subject": new.subject.rfc4514_string(),
                                  "not_after": new.not_valid_after_utc.isoformat()}
        if args.tsa:
            if config.tsa.url:
                raise UsageError("本站使用外部时间戳服务（[tsa] url），没有本地 TSA 密钥",
                                 "This station uses an external time stamp service ([tsa] url); "
                                 "there is no local TSA key", code="NO_LOCAL_TSA")
            folder = config.tsa_dir / config.tsa.key_type
            authority = rollover_tsa_identity(folder, ca, secret, now)
            authority.close()
            payload["tsa"] = {"serial": str(authority.cert.serial_number),
                              "subject": authority.cert.subject.rfc4514_string(),
                              "not_after": authority.cert.not_valid_after_utc.isoformat(),
                              "retired": str(folder / "retired")}
    finally:
        ca.close()
    payload["warnings"] = certificate_expiry_warnings(config, now)
    lines = []
    if "issuing" in payload:
        lines.append(f"新签发 CA / new issuing CA: {payload['issuing']['subject']} "  # type: ignore[index]
                     f"(有效期至 / until {payload['issuing']['not_after']})")  # type: ignore[index]
    if "tsa" in payload:
        lines.append(f"新时间戳证书 / new TSA certificate: {payload['tsa']['serial']} "  # type: ignore[index]
                     f"(有效期至 / until {payload['tsa']['not_after']})")  # type: ignore[index]
    lines.append("旧证书保留用于验证 / old certificates kept for validation")
    emit(args, payload, "\n".join(lines))
    return 0


def run_root_crl(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA

    config = station_config(args)
    _require_administrator_if_installed(args, config)
    ca = LocalCA.open(config.ca_dir, read_passphrase(config))
    try:
        _unlock_root(args, ca)
        crl = ca.publish_root_crl()
        ca.lock_root()
    finally:
        ca.close()
    payload = {"root_crl": str(Path(config.ca_dir) / LocalCA.ROOT_CRL_DER),
               "next_update": crl.next_update_utc.isoformat() if crl.next_update_utc else None}
    emit(args, payload, f"根 CRL 已发布 / root CRL published (下次更新 / next update "
                        f"{payload['next_update']})")
    return 0


def run_expiry(args: argparse.Namespace) -> int:
    from station.services.pki import certificate_expiry_warnings

    config = station_config(args)
    _require_administrator_if_installed(args, config)
    days = args.days if args.days is not None else config.ca.expiry_warning_days
    warnings = certificate_expiry_warnings(config, window_days=days)
    from station.errors import user_language

    key = "message_en" if user_language() == "en" else "message_zh"
    text = "\n".join(w[key] for w in warnings) or \
        f"{days} 天内没有到期的 CA/TSA 证书 / nothing ends within {days} days"
    emit(args, {"window_days": days, "warnings": warnings}, text)
    return 1 if warnings else 0
