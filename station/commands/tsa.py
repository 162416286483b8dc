"""`station tsa serve`: the local RFC 3161 time stamp authority over HTTP."""
from __future__ import annotations

import argparse
from datetime import UTC, datetime

from station.cli import emit_line
from station.commands.ca import station_config
from station.pki import read_passphrase


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("tsa", parents=[common], help="local RFC 3161 time stamp service")
    sub = p.add_subparsers(dest="tsa_command", required=True)
    serve = sub.add_parser("serve", parents=[common], help="serve time stamps over HTTP")
    serve.add_argument("--host", default=None, help="listen address (default: configuration)")
    serve.add_argument("--port", type=int, default=None, help="port (default: configuration)")
    serve.add_argument("--key-type", choices=["rsa", "ecdsa"], default=None,
                       help="TSA key type; a new TSA certificate is issued when it changes")
    serve.add_argument("--policy", default=None, help="TSA policy OID")
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA
    from signing.tsa import DEFAULT_POLICY_OID, create_tsa_identity, load_tsa_identity, serve

    config = station_config(args)
    passphrase = read_passphrase(config)
    host = args.host or config.tsa.local_host
    port = args.port if args.port is not None else config.tsa.local_port
    folder = config.tsa_dir / (args.key_type or config.tsa.key_type)
    if not (folder / "tsa.cert.pem").exists():  # the key may be on a token (custody.json)
        # One TSA identity per key type, made on first use with the CA's passphrase.
        ca = LocalCA.open(config.ca_dir, passphrase)
        key_type = args.key_type or config.tsa.key_type
        if key_type not in ("rsa", "ecdsa"):
            from station.errors import ValidationError

            raise ValidationError(f"TSA 密钥类型应为 rsa 或 ecdsa，而不是 {key_type}",
                                  f"The TSA key type must be rsa or ecdsa, not {key_type}", code="TSA_KEY_TYPE")
        from signing.tsa import TsaToken

        # CA keys on a token: the TSA key is made on the same token (the passphrase is its PIN)
        token = (TsaToken(ca.custody.token_label, passphrase.decode(), ca.custody.module)
                 if ca.custody.issuing_key == "pkcs11" else None)
        create_tsa_identity(folder, ca, passphrase, "rsa" if key_type == "rsa" else "ecdsa", datetime.now(UTC),
                            token=token)
        ca.close()
    authority = load_tsa_identity(folder, passphrase, args.policy or DEFAULT_POLICY_OID)
    emit_line({"event": "listening", "url": f"http://{host}:{port}/tsa",
               "tsa": authority.cert.subject.rfc4514_string(), "policy": authority.policy_oid})
    try:
        serve(authority, host, port)
    except OSError as exc:
        from station.errors import SigningError

        raise SigningError(f"无法在 {host}:{port} 上启动时间戳服务：{exc}",
                           f"Cannot serve time stamps on {host}:{port}: {exc}",
                           code="TSA_BIND") from exc
    return 0
