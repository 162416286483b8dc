"""`station ca init|issue-staff|revoke|crl`: the station's local certification authority."""
from __future__ import annotations

import argparse
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives import hashes

from station.cli import emit
from station.config import Config, config_from_dict, config_path, load_config, resolve_data_dir
from station.errors import SigningError, UsageError

PASSPHRASE_ENV = "STATION_CA_PASSPHRASE"


def station_config(args: argparse.Namespace) -> Config:
    """The installation's configuration, or the defaults when `station init` has not run."""
    data_dir = resolve_data_dir(args.data_dir)
    if config_path(data_dir).exists():
        return load_config(data_dir)
    return config_from_dict({}, data_dir)


def read_passphrase(config: Config) -> bytes:
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env.encode()
    path = config.ca_passphrase_file
    if not path.exists():
        raise SigningError(f"未找到 CA 口令文件 {path}（或设置 {PASSPHRASE_ENV}）",
                           f"No CA passphrase file at {path} (or set {PASSPHRASE_ENV})",
                           code="CA_PASSPHRASE")
    return path.read_bytes().strip()


def staff_key_store(config: Config):  # type: ignore[no-untyped-def]
    from signing.ca import LocalCA
    from signing.keystore import Pkcs11KeyStore, Pkcs12KeyStore

    if config.staff_keys.kind == "pkcs11":
        root, issuing, _ = LocalCA.load_public(config.ca_dir)
        return Pkcs11KeyStore(config.staff_keys.pkcs11_module, config.staff_keys.token_label,
                              chain=[issuing, root])
    return Pkcs12KeyStore(config.staff_keys_dir)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("ca", parents=[common], help="local CA: init, staff certificates, "
                                                          "revocation, CRL")
    sub = p.add_subparsers(dest="ca_command", required=True)
    init = sub.add_parser("init", parents=[common], help="create the root and issuing CA and "
                                                         "the TSA certificate")
    init.add_argument("--organisation", default=None, help="organisation name in certificates")
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
    for sp in (issue, revoke, crl, init):  # init: on an installed station (before that it is installing)
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


def run_init(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA
    from signing.tsa import create_tsa_identity

    config = station_config(args)
    if config_path(config.data_dir).exists():
        with _administrator(args):  # on an installed station only its administrator makes a CA
            pass
    passphrase_file = config.ca_passphrase_file
    generated = False
    if os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV].encode()
    elif passphrase_file.exists():
        passphrase = passphrase_file.read_bytes().strip()
    else:
        # Embedded default: a random passphrase in a file only the station's account can read.
        from signing.atomic import atomic_write

        passphrase = secrets.token_urlsafe(32).encode()
        atomic_write(passphrase_file, passphrase + b"\n", mode=0o600)
        generated = True
    org = args.organisation or config.ca.organisation
    now = datetime.now(UTC)
    ca = LocalCA.create(config.ca_dir, passphrase, org, now)
    key_type = config.tsa.key_type if config.tsa.key_type in ("rsa", "ecdsa") else "ecdsa"
    tsa = create_tsa_identity(config.tsa_dir / key_type, ca, passphrase,
                              key_type, now)  # type: ignore[arg-type]
    payload = {
        "ca_dir": str(config.ca_dir), "organisation": org,
        "root_subject": ca.root_cert.subject.rfc4514_string(),
        "root_sha256": ca.root_cert.fingerprint(hashes.SHA256()).hex(),
        "tsa_dir": str(config.tsa_dir / key_type), "tsa_subject": tsa.cert.subject.rfc4514_string(),
        "passphrase_file": str(passphrase_file) if generated else None,
    }
    emit(args, payload, f"CA 已创建 / CA created: {config.ca_dir}\n"
                        f"根证书 / root: {payload['root_subject']}\n"
                        f"SHA-256: {payload['root_sha256']}")
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

    with _administrator(args) as (ctx, _admin):
        config = ctx.config
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
