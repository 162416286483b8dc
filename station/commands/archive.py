"""`station archive run|verify|search|due-for-disposal`: one-click archiving from the command line."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from station.cli import emit
from station.errors import UsageError, user_language


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("archive", parents=[common], help="archive signed records / 电子档案归档")
    sub = p.add_subparsers(dest="archive_command", required=True)

    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        from station.commands._shared import add_as_user

        sp = sub.add_parser(name, parents=[common], help=help_text)
        add_as_user(sp)
        sp.set_defaults(handler=handler)
        return sp

    run = add("run", "check, number, package and store every signed donation", _run)
    run.add_argument("--from", dest="date_from", default=None, help="first donation date (YYYY-MM-DD)")
    run.add_argument("--to", dest="date_to", default=None, help="last donation date (YYYY-MM-DD)")
    run.add_argument("--department", default=None, help="department name or archive department code")
    verify = add("verify", "re-run the four-property checks on every stored package", _verify)
    verify.add_argument("--evidence", action="store_true",
                        help="also verify every package against its evidence record (RFC 4998)")
    verify.add_argument("--at", default=None,
                        help="verify the evidence records as of this date/time (ISO 8601; implies --evidence)")
    verify.add_argument("--evidence-only", action="store_true",
                        help="verify the evidence records only, not the four-property checks")
    renew = add("renew", "protect and renew the evidence records (RFC 4998) of every stored package", _renew)
    renew.add_argument("--hash-algorithm", default=None, choices=("sha256", "sha384", "sha512", "sha3_256",
                                                                   "sha3_384", "sha3_512"),
                       help="hash-tree renewal: re-protect every record whose last chain uses another algorithm")
    renew.add_argument("--timestamp", action="store_true",
                       help="time-stamp renewal of every record now (default: those whose TSA certificate "
                            "expires within --within days)")
    renew.add_argument("--within", type=int, default=365, help="days before a TSA certificate expires (default 365)")
    search = add("search", "search archived items", _search)
    search.add_argument("--name", default=None)
    search.add_argument("--id", dest="id_number", default=None, help="full ID number")
    search.add_argument("--din", default=None)
    search.add_argument("--from", dest="date_from", default=None)
    search.add_argument("--to", dest="date_to", default=None)
    due = add("due-for-disposal", "items past their retention period (for appraisal; nothing is deleted)", _due)
    due.add_argument("--on", default=None, help="as of this date (default today)")


def _date(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} 日期格式错误：{text}（应为 YYYY-MM-DD）",
                         f"{option} is not a date: {text} (use YYYY-MM-DD)") from None


def _open(args: argparse.Namespace) -> Any:
    from station.commands._shared import open_ctx

    return open_ctx(args)


def _actor(ctx: Any, args: argparse.Namespace) -> Any:
    from station.commands._shared import acting_user

    return acting_user(ctx, args)


def _progress_bar() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, message: str) -> None:
        width = 30
        filled = width * done // total if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message[:60]:<60}")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _run(args: argparse.Namespace) -> int:
    from station.services.archiving.job import run_archive

    date_from, date_to = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    ctx = _open(args)
    try:
        result = run_archive(ctx, _actor(ctx, args), date_from=date_from, date_to=date_to,
                             department=args.department, progress=_progress_bar())
    finally:
        ctx.close()
    zh = user_language() != "en"
    lines = [(f"已归档 {result.archived} 份，未通过检测 {len(result.failed)} 份，资料不全跳过 {result.skipped_incomplete} 份"
              if zh else f"Archived {result.archived}, failed checks {len(result.failed)}, "
                         f"skipped as incomplete {result.skipped_incomplete}")]
    lines += [f"  {n}" for n in result.archive_numbers]
    for f in result.failed:
        lines.append(f"  {'未通过' if zh else 'FAILED'} {f.din} [{f.check}] {f.reason}")
    for inc in result.incomplete:
        lines.append(f"  {'资料不全' if zh else 'incomplete'} {inc.din}: {', '.join(inc.missing)}")
    emit(args, result.to_json(), "\n".join(lines))
    if result.stopped is not None:
        print(result.stopped.message(user_language()), file=sys.stderr)
        return 1
    return 1 if result.failed else 0


def _moment(text: str | None, option: str) -> Any:
    from datetime import UTC, datetime

    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} 日期格式错误：{text}", f"{option} is not an ISO 8601 date: {text}") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _evidence_lines(results: list[Any], zh: bool) -> list[str]:
    bad = [r for r in results if not r.passed]
    lines = [(f"证据记录：{len(results) - len(bad)}/{len(results)} 个档案包通过" if zh else
              f"Evidence records: {len(results) - len(bad)} of {len(results)} packages passed")]
    for r in bad:
        j = r.to_json()
        lines.append(f"  {r.package} {j['status']}/{j['sub_indication']}: {j['reason']}")
    return lines


def _verify(args: argparse.Namespace) -> int:
    from station.services.archiving.job import verify_store

    at = _moment(args.at, "--at")
    with_evidence = args.evidence or args.evidence_only or at is not None
    ctx = _open(args)
    try:
        actor = _actor(ctx, args)
        problems = [] if args.evidence_only else verify_store(ctx, actor, progress=_progress_bar())
        evidence = None
        if with_evidence:
            from station.services.archiving.evidence import verify_evidence

            evidence = verify_evidence(ctx, actor, at=at, progress=_progress_bar())
    finally:
        ctx.close()
    zh = user_language() != "en"
    if evidence is not None:
        passed = not problems and all(r.passed for r in evidence)
        lines = [] if args.evidence_only else [("检测未通过：" if zh else "Problems found:") if problems else
                                               ("全部档案包四性检测通过" if zh else "Every stored package passed the four checks")]
        lines += [f"  {p['archive_number'] or p['package']} {p['file']} [{p['check']}] {p['reason']}" for p in problems]
        lines += _evidence_lines(evidence, zh)
        emit(args, {"passed": passed, "problems": problems, "evidence": [r.to_json() for r in evidence]},
             "\n".join(lines))
        return 0 if passed else 1
    if problems:
        text = "\n".join([("检测未通过：" if zh else "Problems found:")]
                         + [f"  {p['archive_number'] or p['package']} {p['file']} [{p['check']}] {p['reason']}"
                            for p in problems])
    else:
        text = "全部档案包四性检测通过" if zh else "Every stored package passed the four checks"
    emit(args, {"passed": not problems, "problems": problems}, text)
    return 1 if problems else 0


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(无 / none)"
    head = ("item_number", "archive_number", "year", "name", "retention_years", "collection_time", "id_type",
            "id_number", "din", "department", "full_text_count")
    out = ["\t".join(head)]
    for r in rows:
        out.append("\t".join("" if r[h] is None else str(r[h]) for h in head))
    return "\n".join(out)


def _search(args: argparse.Namespace) -> int:
    from station.services.archiving.search import search_archive

    date_from, date_to = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    ctx = _open(args)
    try:
        rows = search_archive(ctx, _actor(ctx, args), name=args.name, id_number=args.id_number, din=args.din,
                              date_from=date_from, date_to=date_to)
    finally:
        ctx.close()
    emit(args, rows, _table(rows))
    return 0


def _due(args: argparse.Namespace) -> int:
    from station.services.archiving.search import due_for_disposal

    on = _date(args.on, "--on")
    ctx = _open(args)
    try:
        rows = due_for_disposal(ctx, _actor(ctx, args), on)
    finally:
        ctx.close()
    emit(args, rows, _table(rows))
    return 0


def _renew(args: argparse.Namespace) -> int:
    from station.services.archiving.evidence import renew_evidence

    if args.within < 0:
        raise UsageError("--within 不能为负数", "--within must not be negative")
    ctx = _open(args)
    try:
        report = renew_evidence(ctx, _actor(ctx, args), hash_algorithm=args.hash_algorithm,
                                force_timestamp=args.timestamp, renew_within_days=args.within,
                                progress=_progress_bar())
    finally:
        ctx.close()
    zh = user_language() != "en"
    text = (f"首次保全 {report.protected} 个，时间戳续期 {report.timestamp_renewed} 个，哈希树续期 "
            f"{report.hashtree_renewed} 个，无需续期 {report.up_to_date} 个，续完中断的续期 {report.resumed} 个"
            if zh else
            f"Protected {report.protected}, time-stamp renewed {report.timestamp_renewed}, hash-tree renewed "
            f"{report.hashtree_renewed}, up to date {report.up_to_date}, finished from an interrupted run "
            f"{report.resumed}")
    lines = [text] + [f"  {r.kind} {r.algorithm} {r.time} {r.packages} root {r.root[:16]}..." for r in report.runs]
    lines += [f"  {p['package']}: {p['reason']}" for p in report.problems]
    emit(args, report.to_json(), "\n".join(lines))
    return 1 if report.problems else 0
