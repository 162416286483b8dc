"""The evidence use cases and command line on a real archived station: `station archive renew`,
`station archive verify --at`, `station verify FILE.pdf --evidence ER`, permissions and audit."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.renewal import FileObjects, latest_records
from archive.store import store_from_config
from station.errors import ArchiveError, PermissionDenied
from station.models import AuditEntry
from station.models.archive import ArchiveJob
from station.services.archiving.evidence import renew_evidence, verify_evidence
from station.services.archiving.job import run_archive

VENV_BIN = Path(sys.executable).parent


def test_renew_and_verify_use_cases_with_audit(ctx, archivist) -> None:
    from station.demo import demo_actors

    archived = run_archive(ctx, archivist).archived
    assert archived > 0
    with pytest.raises(PermissionDenied):
        renew_evidence(ctx, demo_actors(ctx)["nurse"])
    report = renew_evidence(ctx, archivist)
    assert report.protected == archived and len(report.runs) == 1
    again = renew_evidence(ctx, archivist)
    assert again.protected == 0 and again.up_to_date == archived and not again.runs
    results = verify_evidence(ctx, archivist)
    assert len(results) == archived and all(r.passed for r in results), [r.to_json() for r in results]
    from station.services.archiving.job import verify_store

    assert verify_store(ctx, archivist) == []  # evidence/ beside the packages is neither an orphan nor a change
    # as of a date before the first archive time stamp there is no proof of existence yet
    early = verify_evidence(ctx, archivist, at=datetime.now(UTC) - timedelta(days=1))
    assert all(r.to_json()["sub_indication"] == "NO_POE" for r in early)
    with ctx.sessions() as s:
        actions = list(s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())
        jobs = list(s.execute(select(ArchiveJob.kind, ArchiveJob.status).where(
            ArchiveJob.kind.in_(["renew", "evidence"]))).all())
    assert actions.count("archive.renew_end") == 2 and "archive.evidence_end" in actions
    assert ("renew", "done") in jobs


def test_tsa_down_is_refused_with_the_reason_and_the_job_says_stopped(ctx, archivist) -> None:
    from signing.tsa import http_timestamper

    run_archive(ctx, archivist)
    objects = FileObjects(store_from_config(ctx.config).root)  # type: ignore[attr-defined]
    before = sorted(objects.keys())
    with pytest.raises(ArchiveError) as exc:
        renew_evidence(ctx, archivist, timestamper=http_timestamper("http://127.0.0.1:9/tsa", timeout=1))
    assert exc.value.code == "EVIDENCE_TSA_UNAVAILABLE" and "原有证据不变" in exc.value.message_zh
    assert sorted(objects.keys()) == before
    with ctx.sessions() as s:
        job = s.execute(select(ArchiveJob).where(ArchiveJob.kind == "renew")).scalar_one()
        assert job.status == "stopped" and "unavailable" in (job.message or "")


def _secret(data_dir: Path, name: str, text: str) -> Path:
    path = data_dir.parent / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def _station(args: list[str], data_dir: Path, faketime: str | None = None, *,
             password: str | None = None) -> subprocess.CompletedProcess[str]:
    """`station ...` as the archivist runs it: signed in as arc01 (password from a 0600 file)."""
    from station.demo import DEMO_PASSWORD

    secret = _secret(data_dir, "arc01.password", password or DEMO_PASSWORD)
    env = {**os.environ, "STATION_LANG": "en", "STATION_USER": "arc01", "STATION_PASSWORD_FILE": str(secret)}
    cmd = [str(VENV_BIN / "station"), *args, "--data-dir", str(data_dir)]
    if faketime:
        cmd = ["faketime", faketime, *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)


def test_cli_renew_verify_at_and_verify_file_with_evidence(station_dir, tmp_path) -> None:
    out = _station(["archive", "run", "--json"], station_dir)
    assert out.returncode == 0, out.stderr
    archived = json.loads(out.stdout)["archived"]
    out = _station(["archive", "renew", "--json"], station_dir)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["protected"] == archived and doc["runs"][0]["kind"] == "protect"
    out = _station(["archive", "renew", "--timestamp", "--json"], station_dir)
    assert out.returncode == 0 and json.loads(out.stdout)["timestamp_renewed"] == archived, out.stderr
    out = _station(["archive", "renew", "--hash-algorithm", "sha512", "--json"], station_dir)
    assert out.returncode == 0 and json.loads(out.stdout)["hashtree_renewed"] == archived, out.stderr
    out = _station(["archive", "verify", "--evidence-only", "--at", datetime.now(UTC).isoformat(), "--json"],
                   station_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert doc["passed"] and len(doc["evidence"]) == archived
    assert [len({s["chain"] for s in e["steps"]}) for e in doc["evidence"]] == [2] * archived
    out = _station(["archive", "verify", "--evidence-only", "--at", "yesterday"], station_dir)
    assert out.returncode == 2 and "not an ISO 8601 date" in out.stderr and "Traceback" not in out.stderr
    # one record of one package, with that package's newest evidence record
    store_root = station_dir / "archive-store"
    objects = FileObjects(store_root)
    package, (count, key) = sorted(latest_records(objects).items())[0]
    pdf = next((store_root / package / "data" / "records").glob("*.pdf"))
    er = store_root / "evidence" / key
    assert count == 3
    out = _station(["verify", str(pdf), "--evidence", str(er), "--json"], station_dir)
    doc = json.loads(out.stdout)
    assert doc["evidence"]["status"] == "PASSED", doc["evidence"]
    assert doc["report"]["passed"] and out.returncode == 0, doc["report"]  # validated as of the time proven
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf.read_bytes() + b"\n%changed\n")
    out = _station(["verify", str(forged), "--evidence", str(er), "--json"], station_dir)
    assert out.returncode == 1 and json.loads(out.stdout)["evidence"]["sub_indication"] == "HASH_FAILURE"


def test_cli_verify_at_with_the_clock_twelve_years_on(station_dir) -> None:
    """Twelve years on (libfaketime), the station TSA's 5-year certificate has expired and nothing
    renewed the evidence: INDETERMINATE with OUT_OF_BOUNDS_NO_POE, exit 1, not PASSED."""
    assert _station(["archive", "run"], station_dir).returncode == 0
    assert _station(["archive", "renew"], station_dir).returncode == 0
    # twelve years on the archivist's password has long expired: changed first, as the station asks
    from station.demo import DEMO_PASSWORD

    later = "Twelve-Winters-Archive-2038"
    changed = _station(["passwd", "--user", "arc01", "--password-file", str(_secret(station_dir, "old", DEMO_PASSWORD)),
                        "--new-password-file", str(_secret(station_dir, "new", later))], station_dir, faketime="+12 years")
    assert changed.returncode == 0, changed.stderr
    out = _station(["archive", "verify", "--evidence-only", "--json"], station_dir, faketime="+12 years",
                   password=later)
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    assert doc["evidence"] and all(e["status"] == "INDETERMINATE" and e["sub_indication"] == "OUT_OF_BOUNDS_NO_POE"
                                   for e in doc["evidence"]), doc["evidence"][0]
    # the same records verify as of a date within the TSA certificate's validity
    at = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    out = _station(["archive", "verify", "--evidence-only", "--at", at, "--json"], station_dir, faketime="+12 years",
                   password=later)
    assert out.returncode == 0, out.stdout


def test_cli_renew_with_the_tsa_down_changes_nothing_and_says_so(station_dir) -> None:
    assert _station(["archive", "run"], station_dir).returncode == 0
    assert _station(["archive", "renew"], station_dir).returncode == 0
    evidence = station_dir / "archive-store" / "evidence"
    before = sorted(p.relative_to(evidence) for p in evidence.rglob("*"))
    config = station_dir / "station.toml"
    text = config.read_text("utf-8")
    assert '[tsa]\nurl = ""' in text
    config.write_text(text.replace('[tsa]\nurl = ""', '[tsa]\nurl = "http://127.0.0.1:9/tsa"'), "utf-8")
    out = _station(["archive", "renew", "--timestamp"], station_dir)
    assert out.returncode == 1 and "unavailable" in out.stderr and "unchanged" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert sorted(p.relative_to(evidence) for p in evidence.rglob("*")) == before
