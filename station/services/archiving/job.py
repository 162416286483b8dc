"""The archiving job: check, number, package and store every ready donation; resumable after a crash.

Per donation, the job is a small journal whose every prefix is safe:
  1. stage: copy the three signed PDFs to a staging folder (on the store's file system for
     `file://`), inspect the staged copies and run the four checks; a failed check ends here
     (nothing numbered, the donation stays `records_signed` and is reported);
  2. in ONE database transaction: lock the year's counter and take the next item number N;
     if the store already holds a complete package numbered N, an earlier run was killed
     between storing and committing: that package is verified and adopted (its item committed)
     instead of writing anything; otherwise the bag is finished, stored (atomic rename / upload
     with read-back) and only then the item, the counter and the donation's move to `archived`
     are committed together.
A kill before the commit leaves at most a stored package numbered N without an item, which the
next run adopts at exactly that number: no number is used twice, none is skipped, and no
package stays without its item. Staging folders of a killed run are removed at the next start.
"""
from __future__ import annotations

import gc
import logging
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import checks as ck
from archive.numbering import format_archive_number, retention_code, retention_until
from archive.package import (
    BagInfo,
    copy_with_sha256,
    environment,
    finish_bag,
    read_bag_info,
    read_metadata,
    record_file_name,
    validate_bag,
)
from archive.store import (
    MARKER,
    RecordsStore,
    StoreConflict,
    StoreUnavailable,
    sha256_file,
    store_from_config,
)
from station import audit
from station.context import StationContext
from station.errors import LocalizedError, StationError
from station.models import Collection, Donation, Donor, SignedRecord, Site
from station.models.archive import ArchiveCounter, ArchiveItem, ArchiveJob
from station.security import Action, Actor, require_permission
from station.services.archiving.numbering import allocate_item, numbering_problem, year_gaps
from station.services.archiving.selection import Candidate, Incomplete, record_refs, select_candidates
from station.services.common import advance, load_donation
from station.workflow import State

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Failure:
    din: str
    check: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"din": self.din, "check": self.check, "reason": self.reason}


@dataclass
class ArchiveRunResult:
    archived: int = 0
    failed: list[Failure] = field(default_factory=list)
    skipped_incomplete: int = 0
    incomplete: list[Incomplete] = field(default_factory=list)
    archive_numbers: list[str] = field(default_factory=list)
    recovered: int = 0  # packages of a killed run adopted (included in `archived`)
    stopped: LocalizedError | None = None  # a store that failed (ArchiveError): the batch stopped
    job_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The `station archive run --json` document (exactly these keys)."""
        return {"archived": self.archived, "failed": [f.to_json() for f in self.failed],
                "skipped_incomplete": self.skipped_incomplete}


@dataclass(frozen=True)
class DonationFacts:
    """What the metadata says about a donation, read from the database."""

    donation_id: int
    din: str
    donor_name: str
    id_type: str
    id_number: str
    id_number_masked: str
    donation_date: date
    donation_type: str
    collection_time: datetime | None
    site_name: str
    facility_code: str
    department: str

    def identity(self) -> ck.Identity:
        return ck.Identity(self.din, self.donor_name, self.id_number)


def load_facts(ctx: StationContext, session: Session, donation_id: int) -> DonationFacts:
    d = session.get(Donation, donation_id)
    if d is None:
        raise StationError(f"未找到献血记录 {donation_id}", f"Donation {donation_id} not found",
                           code="DONATION_NOT_FOUND")
    donor = session.get(Donor, d.donor_id)
    site = session.get(Site, d.site_id)
    assert donor is not None and site is not None
    started = session.execute(select(Collection.started_at).where(Collection.donation_id == d.id)
                              ).scalar_one_or_none()
    return DonationFacts(
        donation_id=d.id, din=d.din, donor_name=donor.name, id_type=donor.id_type,
        id_number=ctx.pii.decrypt(donor.id_number_cipher, "id_number"), id_number_masked=donor.id_number_masked,
        donation_date=d.donation_date, donation_type=d.donation_type, collection_time=started or d.needle_at,
        site_name=site.name, facility_code=site.code, department=site.department or ctx.config.site.department)


def expected_records(records: dict[str, Any]) -> dict[str, ck.ExpectedRecord]:
    """ExpectedRecord per kind from SignedRecord rows or RecordRefs; embedded evidence hashes included."""
    out = {}
    for kind, rec in records.items():
        evidence = {name: value for name, value in (rec.evidence or {}).items()
                    if isinstance(value, str) and len(value) == 64}
        out[kind] = ck.ExpectedRecord(kind, rec.sha256, rec.size, evidence)
    return out


def external_evidence(records: dict[str, Any]) -> list[tuple[str, Path, str | None]]:
    """Evidence files kept outside the PDFs: SignedRecord.evidence entries {"path": ..., "sha256": ...}."""
    out = []
    for kind, rec in records.items():
        for name, value in (rec.evidence or {}).items():
            if isinstance(value, dict) and value.get("path"):
                out.append((f"{kind}-{Path(name).name}", Path(value["path"]), value.get("sha256")))
    return out


@dataclass
class Staged:
    """One donation's records copied to its staging folder, waiting for inspection and commit."""

    cand: Candidate
    staging: Path
    files: list[tuple[str, Path]]
    missing: list[str]
    evidence: list[dict[str, str]]
    db: DonationFacts | None


# -- inspection in worker processes: signature validation dominates the cost, so it runs on every core
_pool_verifier: ck.SignatureVerifier | None = None


def _die_with_parent(parent: int) -> None:
    """A job killed with SIGKILL cannot stop its workers: on Linux the kernel does it (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _pool_init(ca_dir: str, parent: int) -> None:
    global _pool_verifier
    _die_with_parent(parent)
    logging.disable(logging.WARNING)
    _pool_verifier = ck.SignatureVerifier.from_ca_folder(Path(ca_dir))
    # A forked worker inherits the job's whole heap; the collector would scan it (and copy its
    # pages) on every full collection. Frozen objects are left alone: only the worker's own are collected.
    gc.freeze()


def _pool_inspect(files: list[tuple[str, str]]) -> list[ck.RecordFacts]:
    assert _pool_verifier is not None
    return [ck.inspect_record(kind, Path(path), _pool_verifier, name=f"data/{record_file_name(kind)}")
            for kind, path in files]


class _Rollback(Exception):
    """Leave the archiving transaction without committing (the counter is not raised)."""

    def __init__(self, outcome: tuple[str, str | Failure]) -> None:
        super().__init__(outcome[0])
        self.outcome = outcome


class Archiver:
    """One archiving run's shared state: store, signature verifier, settings, actor."""

    def __init__(self, ctx: StationContext, actor: Actor, store: RecordsStore, verifier: ck.SignatureVerifier) -> None:
        self.ctx = ctx
        self.actor = actor
        self.store = store
        self.verifier = verifier
        cfg = ctx.config
        self.scheme = cfg.archive.number_scheme
        self.fonds = cfg.site.fonds
        self.department_code = cfg.archive.department_code
        self.retention_years = cfg.archive.retention_years
        self.station_id = ctx.station_id  # resolved now: resolving it inside a transaction would nest one

    # -- one donation -------------------------------------------------------------------
    def archive(self, cand: Candidate) -> tuple[str, str | Failure]:
        """("archived"|"recovered"|"skipped", archive number or reason) or ("failed", Failure)."""
        staged = self.stage(cand)
        try:
            facts = [ck.inspect_record(kind, path, self.verifier, name=f"data/{record_file_name(kind)}")
                     for kind, path in staged.files]
            return self.finish(staged, facts)
        finally:
            self.discard(staged)

    def stage(self, cand: Candidate) -> Staged:
        """Copy the records (and external evidence) into a fresh staging folder; read the donation's facts."""
        staging = self.store.staging_dir(cand.donation_date.year)
        staged = Staged(cand, staging, [], [], [], None)
        try:
            with self.ctx.sessions() as s:
                if not cand.records:  # a light candidate: its records are read now (see select_candidates)
                    cand = staged.cand = replace(cand, records=record_refs(self.ctx, s, cand.donation_id))
                staged.db = load_facts(self.ctx, s, cand.donation_id)
            (staging / "records").mkdir()
            for kind in ck.RECORD_KINDS:
                ref = cand.records.get(kind)
                if ref is None or not ref.path.is_file():
                    staged.missing.append(record_file_name(kind))
                    continue
                dest = staging / record_file_name(kind)
                copy_with_sha256(ref.path, dest)
                staged.files.append((kind, dest))
            for name, src, sha in external_evidence(cand.records):
                if not src.is_file():
                    staged.missing.append(f"evidence/{name}")
                    continue
                got, _size = copy_with_sha256(src, staging / "evidence" / name)
                staged.evidence.append({"file": f"data/evidence/{name}", "sha256": got, "expected_sha256": sha or ""})
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def discard(self, staged: Staged) -> None:
        if staged.staging.exists():
            self.store.discard_staging(staged.staging)

    def finish(self, staged: Staged, facts: list[ck.RecordFacts]) -> tuple[str, str | Failure]:
        """Judge the four checks on the inspected copies; commit (number, bag, store, item) if all pass."""
        cand, staging, db = staged.cand, staged.staging, staged.db
        assert db is not None
        expected = expected_records(cand.records)
        results = [
            ck.check_authenticity(facts, expected, db.identity()),
            ck.check_integrity(facts, staged.missing, None),
            ck.check_usability(facts),
            ck.check_security(facts, [p.relative_to(staging).as_posix() for p in staging.rglob("*")
                                      if p.is_file()]),
        ]
        for ev in staged.evidence:
            if ev["expected_sha256"] and ev["expected_sha256"] != ev["sha256"]:
                results[0].fail(ev["file"], "evidence file SHA-256 differs from the stored one")
        for r in results:
            if not r.passed:
                return "failed", Failure(cand.din, r.check, r.reason)
        return self._commit(cand, cand.donation_date.year, staging, db, facts, results, staged.evidence)

    def _commit(self, cand: Candidate, year: int, staging: Path, db: DonationFacts, facts: list[ck.RecordFacts],
                results: list[ck.CheckResult], evidence_files: list[dict[str, Any]]) -> tuple[str, str | Failure]:
        while True:
            try:
                outcome = self._commit_once(cand, year, staging, db, facts, results, evidence_files)
            except _Rollback as rb:
                return rb.outcome
            if outcome[0] != "retry":
                return outcome
            # the number went to a killed run's donation (now committed); the next number is ours

    def _commit_once(self, cand: Candidate, year: int, staging: Path, db: DonationFacts,
                     facts: list[ck.RecordFacts], results: list[ck.CheckResult],
                     evidence_files: list[dict[str, Any]]) -> tuple[str, str | Failure]:
        with self.ctx.transaction() as s:
            item_no = allocate_item(s, year)
            number = format_archive_number(self.scheme, fonds=self.fonds, year=year,
                                           retention_years=self.retention_years,
                                           department=self.department_code, item=item_no)
            adopted = self._adopt(s, year, item_no, number)
            if adopted is not None:
                if adopted == cand.donation_id:
                    return "recovered", number
                return "retry", number
            donation = load_donation(s, cand.donation_id)
            if donation.state != State.RECORDS_SIGNED.value:
                raise _Rollback(("skipped", f"{cand.din} is {donation.state}"))
            now = self.ctx.now()
            until = retention_until(year, self.retention_years)
            metadata = self._metadata(db, year, item_no, number, until, facts, cand, evidence_files, now)
            integrity = ck.check_integrity(facts, [], metadata, numbering_problem(s, year, item_no))
            if not integrity.passed:
                raise _Rollback(("failed", Failure(cand.din, integrity.check, integrity.reason)))
            results = [integrity if r.check == ck.INTEGRITY else r for r in results]
            report = {"checked_at": now, "passed": True, "checks": [r.to_json() for r in results],
                      "signature_reports": [f.signature_report for f in facts], "environment": environment()}
            finish_bag(staging, metadata, report, BagInfo(
                archive_number=number, organisation=db.site_name, din=db.din, donation_id=db.donation_id,
                description=f"献血记录 {db.din} {db.donation_date.isoformat()} / donation records",
                group=f"{self.fonds}-{year}"))
            name = f"{year}/{number}_{db.din}"
            stored = self.store.put(staging, name, until)
            self._add_item(s, metadata, stored.name, stored.url, stored.sha256, now, donation)
            return "archived", number

    def _metadata(self, db: DonationFacts, year: int, item_no: int, number: str, until: date,
                  facts: list[ck.RecordFacts], cand: Candidate, evidence_files: list[dict[str, Any]],
                  now: datetime) -> dict[str, Any]:
        records = []
        for f in facts:
            ref = cand.records[f.kind]
            records.append({"kind": f.kind, "file": f.name, "sha256": f.sha256, "size": f.size,
                            "format": "application/pdf; PAdES", "signed_at": ref.signed_at,
                            "signers": ref.signers, "embedded_evidence": f.embedded_files})
        return {
            "schema": "station-archive-metadata/1", "archive_number": number, "fonds": self.fonds, "year": year,
            "item_number": item_no, "retention_years": self.retention_years,
            "retention": retention_code(self.retention_years), "retention_until": until,
            "department": db.department, "department_code": self.department_code,
            "organisation": db.site_name, "facility_code": db.facility_code,
            "donation_id": db.donation_id, "din": db.din, "donation_type": db.donation_type,
            "donor_name": db.donor_name, "id_type": db.id_type, "id_number_masked": db.id_number_masked,
            "donation_date": db.donation_date, "collection_time": db.collection_time,
            "full_text_count": len(facts), "records": records, "evidence_files": evidence_files,
            "archived_at": now, "archived_by": self.actor.username,
        }

    def _add_item(self, s: Session, metadata: dict[str, Any], name: str, url: str, package_sha256: str,
                  now: datetime, donation: Donation, *, recovered: bool = False) -> ArchiveItem:
        def as_date(v: Any) -> date:
            return v if isinstance(v, date) else date.fromisoformat(v)

        def as_dt(v: Any) -> datetime | None:
            return v if isinstance(v, datetime) or v is None else datetime.fromisoformat(v)

        item = ArchiveItem(
            year=metadata["year"], item_number=metadata["item_number"], archive_number=metadata["archive_number"],
            retention_years=metadata["retention_years"], retention_until=as_date(metadata["retention_until"]),
            donation_id=donation.id, din=donation.din, donor_name=metadata["donor_name"],
            id_type=metadata["id_type"], id_number_masked=metadata["id_number_masked"],
            department=metadata["department"], donation_date=as_date(metadata["donation_date"]),
            collection_time=as_dt(metadata["collection_time"]), full_text_count=metadata["full_text_count"],
            package_name=name, package_url=url, package_sha256=package_sha256, status="archived",
            archived_at=as_dt(metadata["archived_at"]) or now, archived_by=self.actor.user_id or None)
        s.add(item)
        s.flush()
        advance(s, donation, "archive", self.actor, now, self.station_id,
                details={"archive_number": item.archive_number})
        audit.record(s, self.actor, "archive.recover_item" if recovered else "archive.item", "archive_item",
                     item.id, at=now, after={"archive_number": item.archive_number, "din": item.din,
                                             "package": url, "package_sha256": package_sha256},
                     donation_id=donation.id)
        return item

    def _adopt(self, s: Session, year: int, item_no: int, number: str) -> int | None:
        """A complete package numbered `number` without its item: verify it and commit its item."""
        names = self.store.find(year, f"{number}_")
        if not names:
            return None
        name = names[0]

        def conflict(reason: str) -> StoreConflict:
            return StoreConflict(
                f"档案存储中已有档号 {number} 的档案包（{name}），但无法与数据库核对：{reason}；请人工处理后再运行",
                f"The store already holds a package numbered {number} ({name}) that cannot be reconciled "
                f"with the database: {reason}; resolve it by hand, then run again",
                details={"package": name, "archive_number": number, "reason": reason})

        with self.store.open(name) as bag_dir:
            problems = validate_bag(bag_dir)
            if problems:
                raise conflict("; ".join(f"{f}: {r}" for f, _c, r in problems))
            info = read_bag_info(bag_dir)
            meta = read_metadata(bag_dir)
            tag_sha = sha256_file(bag_dir / MARKER)
            manifest = _manifest(bag_dir / "manifest-sha256.txt")
        if info.get("External-Identifier") != number or meta.get("archive_number") != number \
                or meta.get("item_number") != item_no:
            raise conflict("archive number in the package differs")
        donation_id = int(info.get("Station-Donation-Id", "0") or 0)
        donation = load_donation(s, donation_id)
        if donation.state != State.RECORDS_SIGNED.value or donation.din != info.get("Internal-Sender-Identifier"):
            raise conflict(f"donation {donation.din} is {donation.state}")
        for rec in s.execute(select(SignedRecord).where(SignedRecord.donation_id == donation_id)).scalars():
            if manifest.get(f"data/{record_file_name(rec.kind)}") != rec.sha256:
                raise conflict(f"{rec.kind} record differs from the signed record")
        problem = numbering_problem(s, year, item_no)
        if problem:
            raise conflict(problem)
        self._add_item(s, meta, name, self.store.package_url(name), tag_sha, self.ctx.now(), donation,
                       recovered=True)
        return donation_id


def _manifest(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text("utf-8").splitlines():
        digest, _, rel = line.partition(" ")
        out[rel.strip()] = digest
    return out


def _verifier(ctx: StationContext) -> ck.SignatureVerifier:
    from signing.ca import LocalCA

    if not (ctx.config.ca_dir / LocalCA.ROOT_CERT).exists():
        raise StationError(f"未找到站点 CA（{ctx.config.ca_dir}），无法验证签名",
                           f"No station CA at {ctx.config.ca_dir}: signatures cannot be verified",
                           code="NO_TRUST_ROOTS")
    return ck.SignatureVerifier.from_ca_folder(ctx.config.ca_dir)


def _start_job(ctx: StationContext, actor: Actor, kind: str, params: dict[str, Any]) -> int:
    with ctx.transaction() as s:
        # a job still "running" was killed: say so, its work is resumed by this run
        for old in s.execute(select(ArchiveJob).where(ArchiveJob.status == "running")).scalars():
            old.status = "interrupted"
        job = ArchiveJob(kind=kind, started_at=ctx.now(), actor_id=actor.user_id or None, parameters=params,
                         status="running", failed=[])
        s.add(job)
        s.flush()
        audit.record(s, actor, f"archive.{kind}_start", "archive_job", job.id, at=job.started_at, after=params)
        return job.id


def run_archive(ctx: StationContext, actor: Actor, *, date_from: date | None = None, date_to: date | None = None,
                department: str | None = None, progress: Progress | None = None,
                store: RecordsStore | None = None, workers: int | None = None) -> ArchiveRunResult:
    """Archive every ready donation in the range; a failed check skips that donation, a store problem stops.

    `workers` processes inspect the PDFs (default: one per core, at most 4); numbering, packaging and
    committing stay in this process and in selection order."""
    require_permission(actor, Action.ARCHIVE)
    from archive.numbering import check_scheme

    check_scheme(ctx.config.archive.number_scheme)
    store = store or store_from_config(ctx.config)
    verifier = _verifier(ctx)
    report = progress or (lambda done, total, message: None)
    result = ArchiveRunResult()
    params = {"from": date_from, "to": date_to, "department": department, "store": store.url}
    try:
        store.clean_staging()
        result.job_id = _start_job(ctx, actor, "run", {k: str(v) if v else None for k, v in params.items()})
        selection = select_candidates(ctx, date_from=date_from, date_to=date_to, department=department,
                                      with_records=False)
        result.incomplete = selection.incomplete
        result.skipped_incomplete = len(selection.incomplete)
        total = len(selection.ready)
        report(0, total, f"{total} donations to archive, {result.skipped_incomplete} incomplete")
        archiver = Archiver(ctx, actor, store, verifier)
        for done, cand, outcome, value in _pipeline(ctx, archiver, selection.ready, workers):
            if outcome == "stopped":
                assert isinstance(value, LocalizedError)
                result.stopped = value
                report(done - 1, total, f"stopped: {value.message_en}")
                break
            if outcome in ("archived", "recovered"):
                result.archived += 1
                result.recovered += outcome == "recovered"
                assert isinstance(value, str)
                result.archive_numbers.append(value)
                report(done, total, f"{cand.din} -> {value}")
            elif outcome == "failed":
                assert isinstance(value, Failure)
                result.failed.append(value)
                report(done, total, f"{cand.din} failed {value.check}: {value.reason}")
            else:
                report(done, total, f"{cand.din} skipped: {value}")
    finally:
        verifier.close()
        if result.job_id is not None:
            with ctx.transaction() as s:
                job = s.get(ArchiveJob, result.job_id)
                if job is not None:
                    job.finished_at = ctx.now()
                    job.status = "stopped" if result.stopped else "done"
                    job.archived = result.archived
                    job.recovered = result.recovered
                    job.failed = [f.to_json() for f in result.failed]
                    job.skipped_incomplete = result.skipped_incomplete
                    job.message = result.stopped.message_en if result.stopped else None
                    audit.record(s, actor, "archive.run_end", "archive_job", job.id, at=job.finished_at,
                                 after={**result.to_json(), "status": job.status, "recovered": result.recovered})
    return result


def _pipeline(ctx: StationContext, archiver: Archiver, ready: list[Candidate], workers: int | None
              ) -> Iterator[tuple[int, Candidate, str, Any]]:
    """Stage and inspect ahead in worker processes; finish (commit) strictly in order in this process.

    The PDFs are parsed and rendered in the workers, never in the job itself: should a PDF crash
    a worker (a native PDF engine runs there), that donation is inspected again alone, fails the
    usability check if it crashes that worker too, and the batch goes on with a new pool.
    `workers=0` inspects in this process (for debugging)."""
    if workers == 0:
        for done, cand in enumerate(ready, 1):
            try:
                outcome, value = archiver.archive(cand)
            except (StoreUnavailable, StoreConflict) as exc:
                yield done, cand, "stopped", exc
                return
            yield done, cand, outcome, value
        return
    if not ready:
        return
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    workers = max(1, min(workers or min(4, os.cpu_count() or 1), len(ready)))
    pending: deque[tuple[Staged, Future[list[ck.RecordFacts]]]] = deque()
    queue = iter(ready)
    ahead = workers * 2
    pool = _inspection_pool(ctx, workers)
    try:
        done = 0
        while True:
            while len(pending) < ahead:
                nxt = next(queue, None)
                if nxt is None:
                    break
                try:
                    staged = archiver.stage(nxt)
                except (StoreUnavailable, StoreConflict) as exc:
                    yield done + 1, nxt, "stopped", exc
                    return
                pending.append((staged, _submit(pool, staged)))
            if not pending:
                return
            staged, future = pending.popleft()
            done += 1
            try:
                try:
                    facts: list[ck.RecordFacts] | None = future.result()
                except BrokenProcessPool:
                    log.warning("an inspection worker died; inspecting %s alone", staged.cand.din)
                    pool.shutdown(wait=True, cancel_futures=True)
                    facts = _inspect_alone(ctx, staged)
                    pool = _inspection_pool(ctx, workers)
                    pending = deque((st, _submit(pool, st)) for st, _f in pending)
                if facts is None:
                    outcome, value = "failed", Failure(
                        staged.cand.din, ck.USABILITY,
                        READER_CRASHED + " (twice)")
                else:
                    outcome, value = archiver.finish(staged, facts)
            except (StoreUnavailable, StoreConflict) as exc:
                yield done, staged.cand, "stopped", exc
                return
            finally:
                archiver.discard(staged)
            yield done, staged.cand, outcome, value
    finally:
        for staged, future in pending:
            future.cancel()
            archiver.discard(staged)
        pool.shutdown(wait=True, cancel_futures=True)


READER_CRASHED = "the inspection process died while reading the records: a PDF crashes the reader"


def _inspection_pool(ctx: StationContext, workers: int) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=_pool_init,
                               initargs=(str(ctx.config.ca_dir), os.getpid()))


def _submit(pool: Any, staged: Staged) -> Any:
    """The inspection's future; a pool that broke since the last result gives a future holding that."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(_pool_inspect, _inspection_files(staged))
    except BrokenProcessPool as exc:
        broken: Future[list[ck.RecordFacts]] = Future()
        broken.set_exception(exc)
        return broken


def _inspection_files(staged: Staged) -> list[tuple[str, str]]:
    return [(kind, str(path)) for kind, path in staged.files]


def _inspect_alone(ctx: StationContext, staged: Staged) -> list[ck.RecordFacts] | None:
    """Inspect one donation in a worker of its own: its facts, or None if that worker dies as well."""
    inspector = Inspector(ctx)
    try:
        return inspector(_inspection_files(staged))
    finally:
        inspector.close()


class Inspector:
    """Inspects a package's records in a worker process, so that a PDF that crashes the reader fails
    that package (None) instead of the caller; the next call gets a new worker."""

    def __init__(self, ctx: StationContext) -> None:
        self.ctx = ctx
        self._pool: Any = None

    def __call__(self, files: list[tuple[str, str]]) -> list[ck.RecordFacts] | None:
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            self._pool = _inspection_pool(self.ctx, 1)
        try:
            return self._pool.submit(_pool_inspect, files).result()  # type: ignore[no-any-return]
        except BrokenProcessPool:
            self.close()
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# -- periodic verification of what is stored ------------------------------------------------------
def _problem(item: ArchiveItem | None, package: str, file: str, check: str, reason: str) -> dict[str, Any]:
    return {"archive_number": item.archive_number if item else None, "din": item.din if item else None,
            "package": package, "file": file, "check": check, "reason": reason}


Inspect = Callable[[list[tuple[str, str]]], "list[ck.RecordFacts] | None"]


def verify_package(ctx: StationContext, item: ArchiveItem, bag_dir: Path, verifier: ck.SignatureVerifier,
                   records: dict[str, SignedRecord], db: DonationFacts, inspect: Inspect | None = None
                   ) -> list[dict[str, Any]]:
    """The four checks again on a stored bag, against the item and the signed records in the database.

    `inspect` reads the records (an `Inspector` does it in a worker process); by default they are
    read here with `verifier`."""
    name = item.package_name
    problems = [_problem(item, name, f, c, r) for f, c, r in validate_bag(bag_dir)]
    marker = bag_dir / MARKER
    if not marker.is_file():
        problems.append(_problem(item, name, MARKER, ck.INTEGRITY, "tag manifest missing"))
    elif sha256_file(marker) != item.package_sha256:
        problems.append(_problem(item, name, MARKER, ck.AUTHENTICITY,
                                 "tag manifest changed since archiving (package SHA-256 differs)"))
    info = read_bag_info(bag_dir)
    if info.get("External-Identifier") != item.archive_number:
        problems.append(_problem(item, name, "bag-info.txt", ck.AUTHENTICITY,
                                 f"External-Identifier {info.get('External-Identifier')!r} is not the archive number"))
    try:
        meta: dict[str, Any] | None = read_metadata(bag_dir)
    except (OSError, ValueError) as exc:
        meta = None
        problems.append(_problem(item, name, "data/metadata.json", ck.INTEGRITY, f"metadata unreadable: {exc}"))
    if meta is not None:
        for key, want in (("archive_number", item.archive_number), ("item_number", item.item_number),
                          ("year", item.year), ("din", item.din)):
            if meta.get(key) != want:
                problems.append(_problem(item, name, "data/metadata.json", ck.AUTHENTICITY,
                                         f"{key} {meta.get(key)!r} differs from the archive item ({want!r})"))
    present: list[tuple[str, str]] = []
    missing = []
    for kind in ck.RECORD_KINDS:
        path = bag_dir / "data" / record_file_name(kind)
        if path.is_file():
            present.append((kind, str(path)))
        else:
            missing.append(f"data/{record_file_name(kind)}")
    if inspect is None:
        facts: list[ck.RecordFacts] | None = [
            ck.inspect_record(kind, Path(path), verifier, name=f"data/{record_file_name(kind)}")
            for kind, path in present]
    else:
        facts = inspect(present)
    if facts is None:
        problems.append(_problem(item, name, "data/", ck.USABILITY, READER_CRASHED))
        return problems
    files = [p.relative_to(bag_dir).as_posix() for p in bag_dir.rglob("*") if p.is_file()]
    results = [ck.check_authenticity(facts, expected_records(records), db.identity(), meta),
               ck.check_integrity(facts, missing, meta), ck.check_usability(facts),
               ck.check_security(facts, files)]
    for r in results:
        problems += [_problem(item, name, f.file, r.check, f.reason) for f in r.findings]
    return problems


def _items(ctx: StationContext) -> Iterator[ArchiveItem]:
    with ctx.sessions() as s:
        ids = list(s.execute(select(ArchiveItem.id).order_by(ArchiveItem.year, ArchiveItem.item_number)).scalars())
    for start in range(0, len(ids), 200):
        # the session is closed before yielding: on SQLite every session holds the write lock
        with ctx.sessions() as s:
            chunk = s.execute(select(ArchiveItem).where(ArchiveItem.id.in_(ids[start:start + 200]))
                              .order_by(ArchiveItem.year, ArchiveItem.item_number)).scalars().all()
        yield from chunk


def verify_store(ctx: StationContext, actor: Actor, progress: Progress | None = None,
                 store: RecordsStore | None = None) -> list[dict[str, Any]]:
    """Re-run the four checks on every stored package; also missing packages, orphans and numbering gaps."""
    require_permission(actor, Action.VIEW_ARCHIVE)
    store = store or store_from_config(ctx.config)
    verifier = _verifier(ctx)
    inspector = Inspector(ctx)
    report = progress or (lambda done, total, message: None)
    problems: list[dict[str, Any]] = []
    job_id = _start_job(ctx, actor, "verify", {"store": store.url})
    try:
        stored = set(store.list_packages())
        with ctx.sessions() as s:
            total = s.query(ArchiveItem).count()
        seen: set[str] = set()
        for done, item in enumerate(_items(ctx), 1):
            seen.add(item.package_name)
            item_problems: list[dict[str, Any]] = []
            if item.package_name not in stored:
                item_problems.append(_problem(item, item.package_name, "", ck.INTEGRITY,
                                              "package missing from the store"))
            else:
                with ctx.sessions() as s:
                    records = {r.kind: r for r in s.execute(select(SignedRecord).where(
                        SignedRecord.donation_id == item.donation_id)).scalars()}
                    db = load_facts(ctx, s, item.donation_id)
                with store.open(item.package_name) as bag_dir:
                    item_problems += verify_package(ctx, item, bag_dir, verifier, records, db, inspector)
            problems += item_problems
            with ctx.transaction() as s:
                row = s.get(ArchiveItem, item.id)
                if row is not None:
                    row.last_verified_at = ctx.now()
                    row.last_verify_passed = not item_problems
                    row.status = "archived" if not item_problems else "check_failed"
            report(done, total, f"{item.archive_number}: {'ok' if not item_problems else 'FAILED'}")
        for orphan in sorted(stored - seen):
            problems.append(_problem(None, orphan, "", ck.INTEGRITY, "package in the store without an archive item"))
        with ctx.sessions() as s:
            years = set(s.execute(select(ArchiveItem.year).distinct()).scalars())
            years |= set(s.execute(select(ArchiveCounter.year)).scalars())
            for year in sorted(years):
                problems += [_problem(None, "", "", ck.INTEGRITY, p) for p in year_gaps(s, year)]
    finally:
        inspector.close()
        verifier.close()
        with ctx.transaction() as s:
            job = s.get(ArchiveJob, job_id)
            if job is not None:
                job.finished_at = ctx.now()
                job.status = "done"
                job.failed = problems[:200]
                audit.record(s, actor, "archive.verify_end", "archive_job", job_id, at=job.finished_at,
                             after={"problems": len(problems)})
    return problems


def archive_ready_donations(ctx: StationContext, actor: Actor,
                            progress: Callable[[int, int], None]) -> list[dict[str, Any]]:
    """The archivist's one click: `run_archive`, reported as one row per donation (archived with its number and
    DIN, or failed with the reason); a store that stopped the batch is raised after the rows it finished."""
    result = run_archive(ctx, actor, progress=lambda done, total, _what="": progress(done, total))
    dins: dict[str, str] = {}
    if result.archive_numbers:
        with ctx.sessions() as s:
            dins = dict(s.execute(select(ArchiveItem.archive_number, ArchiveItem.din).where(
                ArchiveItem.archive_number.in_(result.archive_numbers))).tuples().all())
    rows: list[dict[str, Any]] = [{"ok": True, "archive_number": n, "din": dins.get(n, ""), "reason": ""}
                                  for n in result.archive_numbers]
    rows += [{"ok": False, "din": f.din, "archive_number": "", "reason": f"{f.check}: {f.reason}"}
             for f in result.failed]
    if result.stopped is not None:
        raise result.stopped
    return rows
