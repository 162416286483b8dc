"""`station init`: create the configuration, keys, database and first administrator of a data folder."""
from __future__ import annotations

import argparse

from station.cli import emit
from station.config import resolve_data_dir


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("init", parents=[common], help="set up a data folder (idempotent)")
    p.add_argument("--database-url", default=None, help="PostgreSQL URL instead of the embedded SQLite file")
    p.add_argument("--admin-password", default=None, help="first admin password (default: generated, shown once)")
    p.add_argument("--no-ca", action="store_true", help="do not create the local CA")
    p.add_argument("--demo", action="store_true",
                   help="a demo folder (marked so; the client shows DEMO; the only kind 'station demo' runs on): "
                        "the CA passphrase is stored beside the keys (the folder says so); otherwise it is "
                        "typed now (or STATION_CA_PASSPHRASE) and at every client start")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from station.bootstrap import init_data_dir
    from station.config import config_path

    data_dir = resolve_data_dir(args.data_dir)
    passphrase = None
    if not args.no_ca and not args.demo and not config_path(data_dir).exists():
        from station.commands.ca import PASSPHRASE_ENV, _secret

        passphrase = _secret(PASSPHRASE_ENV, "CA passphrase / CA 口令: ", twice=True, minimum=12)
    result = init_data_dir(data_dir, database_url=args.database_url,
                           admin_password=args.admin_password, with_ca=not args.no_ca,
                           ca_passphrase=passphrase, demo=args.demo)
    lines = [f"数据目录 / data folder:  {result.data_dir}", f"配置 / configuration:   {result.config_file}",
             f"数据库 / database:       {result.to_json()['database']}", f"个人信息密钥 / PII key: {result.pii_key}",
             f"CA:                      {result.ca_dir or '-'}"]
    if result.demo:
        lines.append("演示目录 / demo folder:   station demo 可在此运行 / 'station demo' runs here")
    if result.admin_password:
        lines.append(f"管理员 / administrator:  admin / {result.admin_password}  (首次登录须修改 / change at first login: "
                     "station passwd --user admin)")
    elif not result.created:
        lines.append("已存在的安装，未做更改 / existing installation kept as it was")
    emit(args, result.to_json(), "\n".join(lines))
    return 0
