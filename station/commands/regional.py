"""`station regional check|ack|sync|sim`: the regional platform check, the upload queue and its simulator."""
from __future__ import annotations

import argparse
import os

from station.cli import emit
from station.commands._shared import (
    acting_user,
    add_as_user,
    add_simulator_options,
    donor_id_for,
    open_ctx,
    serve_until_interrupted,
)
from station.errors import UsageError


def _add_url(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=None, help="the platform's base URL (default: STATION_REGIONAL_URL)")
    p.add_argument("--timeout", type=float, default=None,
                       help="seconds to wait for an answer (default: configuration, 2 s)")


def _platform(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from station.commands.ca import station_config
    from station.platforms.regional import HttpRegionalPlatform

    cfg = station_config(args).regional
    url = args.url or os.environ.get("STATION_REGIONAL_URL") or cfg.url
    if not url:
        raise UsageError("请用 --url、环境变量 STATION_REGIONAL_URL 或配置 [regional] url 指定区域平台地址",
                         "Give the regional platform's URL with --url, STATION_REGIONAL_URL or [regional] url "
                         "in the configuration", code="NO_REGIONAL_URL")
    timeout = args.timeout if args.timeout is not None else cfg.timeout_seconds
    return HttpRegionalPlatform(url, timeout=timeout, token=os.environ.get(cfg.token_env))


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("regional", parents=[common], help="regional deferral/history check and upload queue")
    sub = p.add_subparsers(dest="regional_command", required=True)
    c = sub.add_parser("check", parents=[common], help="look a donor up on the regional platform and merge")
    c.add_argument("--id-number", required=True)
    c.add_argument("--id-type", default="resident")
    c.add_argument("--donation", type=int, default=None, help="the donation this check belongs to")
    _add_url(c)
    add_as_user(c)
    c.set_defaults(handler=run_check)
    a = sub.add_parser("ack", parents=[common], help="a physician acknowledges a check that was not done")
    a.add_argument("check_id", type=int)
    a.add_argument("--note", required=True)
    add_as_user(a)
    a.set_defaults(handler=run_ack)
    s = sub.add_parser("sync", parents=[common], help="send the deferrals recorded here to the platform")
    _add_url(s)
    add_as_user(s)
    s.set_defaults(handler=run_sync)
    m = sub.add_parser("sim", parents=[common], help="serve the regional platform simulator on loopback")
    add_simulator_options(m, 8765)
    m.set_defaults(handler=run_sim)


def run_check(args: argparse.Namespace) -> int:
    from station.services.operations.regional import check_donor

    platform = _platform(args)
    ctx = open_ctx(args)
    try:
        actor = acting_user(ctx, args)
        donor_id = donor_id_for(ctx, actor, args)
        out = check_donor(ctx, actor, donor_id, platform, donation_id=args.donation)
    finally:
        ctx.close()
    human = (f"regional check #{out['check_id']}: {out['status']}, +{out['deferrals_added']} deferrals, "
             f"+{out['history_added']} donations, {out['elapsed_ms']} ms")
    if out["status"] != "done":
        human += "\n" + out["message_en"] + "\n" + out["message_zh"]
    emit(args, out, human)
    return 0 if out["status"] == "done" else 1


def run_ack(args: argparse.Namespace) -> int:
    from station.services.operations.regional import acknowledge_not_done

    ctx = open_ctx(args)
    try:
        out = acknowledge_not_done(ctx, acting_user(ctx, args), args.check_id, args.note)
    finally:
        ctx.close()
    emit(args, out, f"regional check #{out['check_id']} acknowledged")
    return 0


def run_sync(args: argparse.Namespace) -> int:
    from station.services.operations.regional import sync_uploads

    platform = _platform(args)
    ctx = open_ctx(args)
    try:
        out = sync_uploads(ctx, acting_user(ctx, args), platform)
    finally:
        ctx.close()
    emit(args, out, f"sent {out['sent']}, failed {out['failed']}, left {out['left']}"
                    + (f" ({out['error']})" if out["error"] else ""))
    return 0 if out["left"] == 0 else 1


def run_sim(args: argparse.Namespace) -> int:
    from station.platforms.regional_sim import RegionalSimulator

    with RegionalSimulator(port=args.port, mode=args.mode, delay=args.delay) as sim:
        return serve_until_interrupted(args, sim)
