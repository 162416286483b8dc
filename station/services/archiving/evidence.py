"""Use cases of the archive's evidence records (RFC 4998): protect and renew, verify at any date.

Each use case checks the permission, records the run (an ArchiveJob row of kind "renew" or
"evidence") in one transaction, and writes audit entries; the evidence itself lives in the records
store as new objects (archive/renewal.py), never in the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive.evidence import EvidenceError, EvidenceResult, Trust, file_members, verify_record
from archive.renewal import PackageEvidence, Progress, RenewalPolicy, RenewalReport, Renewer, verify_packages
from archive.store import RecordsStore, store_from_config
from station import audit
from station.context import StationContext
from station.errors import ArchiveError, UsageError
from station.models.archive import ArchiveItem, ArchiveJob
from station.security import Action, Actor, require_permission


def _archive_error(exc: EvidenceError) -> ArchiveError:
    return ArchiveError(exc.message_zh, exc.message_en, code=exc.code, details=exc.details)


def station_trust(ca_dir: Path, extra_roots: list[Any] | None = None) -> Trust:
    """The station CA's root (and any roots kept after a rollover in <ca>/trust/*.pem), its issuing CA
    as an intermediate, and its CRLs."""
    from cryptography import x509

    from signing.ca import LocalCA

    roots: list[x509.Certificate] = list(extra_roots or [])
    intermediates: list[x509.Certificate] = []
    crls: list[x509.CertificateRevocationList] = []
    if (ca_dir / LocalCA.ROOT_CERT).exists():
        root, issuing, ca_crls = LocalCA.load_public(ca_dir)
        roots.append(root)
        intermediates.append(issuing)
        crls += ca_crls
    kept = ca_dir / "trust"
    if kept.is_dir():
        for pem in sorted(kept.glob("*.pem")):
            roots += x509.load_pem_x509_certificates(pem.read_bytes())
    if not roots:
        raise UsageError(f"未找到站点 CA（{ca_dir}），无法验证证据记录",
                         f"No station CA at {ca_dir}: evidence records cannot be verified", code="NO_TRUST_ROOTS")
    return Trust(tuple(roots), tuple(intermediates), tuple(crls))


def _timestamper(ctx: StationContext) -> Any:
    from signing.tsa import http_timestamper
    from station.services.records import timestamp_service_url

    return http_timestamper(timestamp_service_url(ctx), ctx.config.tsa.timeout_seconds)


def _finish_job(ctx: StationContext, actor: Actor, job_id: int, status: str, message: str | None,
                action: str, after: dict[str, Any]) -> None:
    with ctx.transaction() as s:
        job = s.get(ArchiveJob, job_id)
        if job is not None:
            job.finished_at = ctx.now()
            job.status = status
            job.message = message
            audit.record(s, actor, action, "archive_job", job_id, at=job.finished_at, after=after)


def _start_job(ctx: StationContext, actor: Actor, kind: str, params: dict[str, Any]) -> int:
    with ctx.transaction() as s:
        for old in s.execute(select(ArchiveJob).where(ArchiveJob.kind == kind, ArchiveJob.status == "running")
                             ).scalars():
            old.status = "interrupted"  # killed: the renewal resumes its run from the store
        job = ArchiveJob(kind=kind, started_at=ctx.now(), actor_id=actor.user_id or None, parameters=params,
                         status="running", failed=[])
        s.add(job)
        s.flush()
        audit.record(s, actor, f"archive.{kind}_start", "archive_job", job.id, at=job.started_at, after=params)
        return job.id


def renew_evidence(ctx: StationContext, actor: Actor, *, hash_algorithm: str | None = None,
                   force_timestamp: bool = False, renew_within_days: int = 365, progress: Progress | None = None,
                   store: RecordsStore | None = None, timestamper: Any = None, workers: int = 2) -> RenewalReport:
    """Give every stored package without evidence its first archive time stamp, renew the time stamps
    whose TSA certificate expires within `renew_within_days` (or all, `force_timestamp`), and renew
    the hash tree of every record to `hash_algorithm` if given.  One time-stamp request per kind."""
    require_permission(actor, Action.ARCHIVE)
    store = store or store_from_config(ctx.config)
    with ctx.sessions() as s:
        retention = dict(s.execute(select(ArchiveItem.package_name, ArchiveItem.retention_until)).all())
    default_until = ctx.now().date() + timedelta(days=366 * ctx.config.archive.retention_years)
    policy = RenewalPolicy(algorithm=hash_algorithm or "sha256", hash_tree=hash_algorithm is not None,
                           force_timestamp=force_timestamp, renew_before=timedelta(days=renew_within_days))
    params = {"store": store.url, "hash_algorithm": hash_algorithm, "force_timestamp": force_timestamp,
              "renew_within_days": renew_within_days}
    job_id = _start_job(ctx, actor, "renew", params)

    def until(package: str) -> date:  # an evidence record is kept as long as its package ("": run objects)
        return retention.get(package) or default_until

    try:
        renewer = Renewer(store, timestamper or _timestamper(ctx), retain_until=until, workers=workers,
                          progress=progress)
        report = renewer.renew(store.list_packages(), policy)
    except EvidenceError as exc:
        _finish_job(ctx, actor, job_id, "stopped", exc.message_en, "archive.renew_stopped",
                    {"code": exc.code, "reason": exc.message_en})
        raise _archive_error(exc) from exc
    except BaseException as exc:
        _finish_job(ctx, actor, job_id, "stopped", str(exc), "archive.renew_stopped", {"reason": str(exc)})
        raise
    summary = report.to_json()
    _finish_job(ctx, actor, job_id, "done", None, "archive.renew_end",
                {k: summary[k] for k in ("protected", "timestamp_renewed", "hashtree_renewed", "up_to_date",
                                         "resumed")}
                | {"runs": [{"run": r.run, "kind": r.kind, "algorithm": r.algorithm, "root": r.root,
                             "time": r.time, "packages": r.packages} for r in report.runs],
                   "problems": report.problems[:50]})
    return report


def verify_evidence(ctx: StationContext, actor: Actor, *, at: datetime | None = None,
                    store: RecordsStore | None = None, progress: Progress | None = None
                    ) -> list[PackageEvidence]:
    """Verify every archived package against its newest evidence record, as of `at` (default now)."""
    require_permission(actor, Action.VIEW_ARCHIVE)
    store = store or store_from_config(ctx.config)
    trust = station_trust(ctx.config.ca_dir)
    with ctx.sessions() as s:
        names = list(s.execute(select(ArchiveItem.package_name).order_by(ArchiveItem.year, ArchiveItem.item_number)
                               ).scalars())
    names += sorted(set(store.list_packages()) - set(names))
    job_id = _start_job(ctx, actor, "evidence", {"store": store.url, "at": at.isoformat() if at else None})
    results: list[PackageEvidence] = []
    try:
        results = verify_packages(store, names, trust, at=at, progress=progress)
    finally:
        failed = [r.package for r in results if not r.passed]
        _finish_job(ctx, actor, job_id, "done", None, "archive.evidence_end",
                    {"packages": len(results), "not_passed": len(failed), "first_not_passed": failed[:20]})
    return results


@dataclass
class FileEvidence:
    evidence: EvidenceResult
    report: Any  # signing.verify's report of the PDF, validated at the time the evidence proves

    @property
    def passed(self) -> bool:
        return self.evidence.passed and bool(getattr(self.report, "passed", False))


def verify_file_with_evidence(pdf: Path, record: Path, roots: list[Any], crls: list[Any],
                              at: datetime | None) -> FileEvidence:
    """`station verify FILE.pdf --evidence ER`: the evidence record proves the file existed at its
    first archive time stamp; the signatures are then validated as of that time (past-signature
    validation with the record as proof of existence), unless `at` names another time."""
    from signing.verify import verify_pdf

    data = pdf.read_bytes()
    try:
        der = record.read_bytes()
    except OSError as exc:
        raise UsageError(f"无法读取证据记录：{record}", f"Cannot read the evidence record {record}: {exc}",
                         code="USAGE") from exc
    result = verify_record(der, file_members(pdf.name, data), Trust(tuple(roots), (), tuple(crls)), at=at,
                           whole_group=False)
    when = at if at is not None else result.existed_at if result.passed else None
    report = verify_pdf(data, roots, crls, when, file_name=str(pdf))
    return FileEvidence(result, report)
