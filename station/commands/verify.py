"""`station verify FILE.pdf [--json] [--at ISO-DATE]`: long-term validation of a signed record."""
from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from station.cli import emit
from station.errors import UsageError, user_language


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("verify", parents=[common],
                              help="verify the signatures of a signed record (PAdES, long-term)")
    p.add_argument("file", help="signed PDF")
    p.add_argument("--at", default=None, help="validate as of this ISO 8601 date/time")
    p.add_argument("--trust-root", action="append", default=[],
                   help="PEM/DER root certificate to trust (default: the station CA's root)")
    p.add_argument("--crl", action="append", default=[],
                   help="extra CRL file (default: the station CA's current CRLs)")
    p.add_argument("--evidence", default=None, metavar="ER",
                   help="RFC 4998 evidence record (.ers) of the archived package: proves the file existed at "
                        "its archive time stamp, and the signatures are validated as of that time")
    p.set_defaults(handler=run)


def _parse_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at 日期格式错误：{text}", f"--at is not an ISO 8601 date: {text}",
                         code="USAGE") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _load_certs(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    return x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data \
        else [x509.load_der_x509_certificate(data)]


def _load_crl(path: Path) -> x509.CertificateRevocationList:
    data = path.read_bytes()
    return x509.load_pem_x509_crl(data) if b"-----BEGIN" in data else x509.load_der_x509_crl(data)


def run(args: argparse.Namespace) -> int:
    from signing.ca import LocalCA
    from signing.verify import verify_pdf
    from station.commands.ca import station_config

    # pyHanko logs every failed path with a traceback; the report already says what failed.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"文件不存在：{path}", f"No such file: {path}", code="USAGE")
    at = _parse_at(args.at)
    roots: list[x509.Certificate] = []
    crls: list[x509.CertificateRevocationList] = [_load_crl(Path(c)) for c in args.crl]
    for root in args.trust_root:
        roots += _load_certs(Path(root))
    if not roots:
        config = station_config(args)
        if not (config.ca_dir / LocalCA.ROOT_CERT).exists():
            raise UsageError(f"未找到站点 CA（{config.ca_dir}），请用 --trust-root 指定根证书",
                             f"No station CA at {config.ca_dir}; name a root with --trust-root",
                             code="NO_TRUST_ROOTS")
        root, _issuing, ca_crls = LocalCA.load_public(config.ca_dir)
        roots.append(root)
        crls += ca_crls
    if args.evidence:
        from station.services.archiving.evidence import verify_file_with_evidence

        both = verify_file_with_evidence(path, Path(args.evidence), roots, crls, at)
        ev = both.evidence
        line = (f"证据记录：{ev.status} {ev.sub_indication} {ev.reason}".rstrip() + (
                f"；该文件于 {ev.existed_at.isoformat()} 已存在" if ev.passed and ev.existed_at else "")
                if user_language() != "en" else
                f"Evidence record: {ev.status} {ev.sub_indication} {ev.reason}".rstrip() + (
                f"; the file existed at {ev.existed_at.isoformat()}" if ev.passed and ev.existed_at else ""))
        emit(args, {"evidence": ev.to_json(), "report": both.report.to_json()},
             line + "\n" + both.report.to_text(user_language()))
        return 0 if both.passed else 1
    report = verify_pdf(path.read_bytes(), roots, crls, at, file_name=str(path))
    emit(args, report.to_json(), report.to_text(user_language()))
    return 0 if report.passed else 1
