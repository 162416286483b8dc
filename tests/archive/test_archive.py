"""Archiving end to end on the file store: checks, numbering, bags, search, retention, tamper detection."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.errors import InvalidScheme
from archive.numbering import format_archive_number, retention_until
from archive.store import FileStore
from station.errors import PermissionDenied
from station.models import Donation, SignedRecord
from station.models.archive import ArchiveCounter, ArchiveItem
from station.services.archiving.job import run_archive, verify_store
from station.services.archiving.search import due_for_disposal, search_archive
from station.services.archiving.selection import select_candidates

VENV_BIN = Path(sys.executable).parent


def store_root(ctx) -> Path:
    return ctx.config.data_dir / "archive-store"


def items(ctx) -> list[ArchiveItem]:
    with ctx.sessions() as s:
        return list(s.execute(select(ArchiveItem).order_by(ArchiveItem.item_number)).scalars())


def writable(path: Path) -> None:
    for p in [path, *path.parents][:4]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def test_scheme_formats_and_refuses_unknown_fields() -> None:
    assert format_archive_number("{fonds}-{year}-{retention}-{department}-{item:05d}", fonds="J001", year=2026,
                                 retention_years=10, department="XF2", item=7) == "J001-2026-D10-XF2-00007"
    with pytest.raises(InvalidScheme):
        format_archive_number("{fonds}-{item}-{colour}", fonds="J", year=2026, retention_years=10,
                              department="X", item=1)
    with pytest.raises(InvalidScheme):
        format_archive_number("{fonds}-{year}", fonds="J", year=2026, retention_years=10, department="X", item=1)
    assert retention_until(2026, 10) == date(2036, 12, 31)


def test_run_archives_every_signed_donation_with_valid_bags(ctx, archivist, built_station) -> None:
    seen: list[tuple[int, int, str]] = []
    result = run_archive(ctx, archivist, progress=lambda d, t, m: seen.append((d, t, m)))
    n = len(built_station["signed_dins"])
    assert result.to_json() == {"archived": n, "failed": [], "skipped_incomplete": 0}
    assert seen[0][0] == 0 and seen[-1][:2] == (n, n)
    rows = items(ctx)
    assert [i.item_number for i in rows] == list(range(1, n + 1))
    assert rows[0].archive_number.endswith("-D10-XF2-00001")
    assert {i.din for i in rows} == set(built_station["signed_dins"])
    with ctx.sessions() as s:
        assert s.get(ArchiveCounter, rows[0].year).last_item == n
        states = set(s.execute(select(Donation.state).where(Donation.din.in_([i.din for i in rows]))).scalars())
    assert states == {"archived"}
    for item in rows:
        bag = store_root(ctx) / item.package_name
        out = subprocess.run([str(VENV_BIN / "bagit.py"), "--validate", str(bag)], capture_output=True, text=True,
                             check=False)
        assert out.returncode == 0, out.stderr
        info = (bag / "bag-info.txt").read_text("utf-8")
        assert f"External-Identifier: {item.archive_number}" in info
        assert (bag / "manifest-sha256.txt").is_file() and (bag / "manifest-sha512.txt").is_file()
        meta = json.loads((bag / "data" / "metadata.json").read_text("utf-8"))
        assert meta["din"] == item.din and meta["full_text_count"] == 3 and meta["retention_years"] == 10
        assert "*" in meta["id_number_masked"]
        assert (bag / "data" / "metadata.xml").read_text("utf-8").count("<record>") == 3
        report = json.loads((bag / "data" / "verification-report.json").read_text("utf-8"))
        assert [c["check"] for c in report["checks"]] == ["authenticity", "integrity", "usability", "security"]
        assert all(c["passed"] for c in report["checks"])
        assert all(r["passed"] for r in report["signature_reports"])
        # read-only once written
        assert not os.stat(bag / "data" / "records" / "consent.pdf").st_mode & 0o222
    # idempotent: a second run finds nothing to do
    again = run_archive(ctx, archivist)
    assert again.to_json() == {"archived": 0, "failed": [], "skipped_incomplete": 0}
    assert verify_store(ctx, archivist) == []


def test_search_and_disposal_list(ctx, archivist) -> None:
    run_archive(ctx, archivist)
    rows = items(ctx)
    first = rows[0]
    found = search_archive(ctx, archivist, din=first.din)
    assert [r["archive_number"] for r in found] == [first.archive_number]
    assert "*" in found[0]["id_number"]
    with ctx.sessions() as s:
        donation = s.get(Donation, first.donation_id)
        full_id = ctx.pii.decrypt(donation.donor.id_number_cipher, "id_number")
    by_id = search_archive(ctx, archivist, id_number=full_id)
    assert first.archive_number in [r["archive_number"] for r in by_id]
    assert full_id not in json.dumps(by_id)
    by_name = search_archive(ctx, archivist, name=first.donor_name[:1])
    assert first.archive_number in [r["archive_number"] for r in by_name]
    assert search_archive(ctx, archivist, date_from=date(1990, 1, 1), date_to=date(1990, 12, 31)) == []
    assert due_for_disposal(ctx, archivist) == []
    past = due_for_disposal(ctx, archivist, on=date(first.year + 11, 1, 1))
    assert len(past) == len(rows)
    from station.security import SYSTEM

    nobody = SYSTEM.__class__(user_id=99, username="reg", display_name="reg", roles=frozenset({"registrar"}))
    with pytest.raises(PermissionDenied):
        search_archive(ctx, nobody, name="x")
    with pytest.raises(PermissionDenied):
        run_archive(ctx, nobody)


def test_incomplete_donations_are_listed_with_what_is_missing(ctx, archivist) -> None:
    with ctx.sessions() as s:
        rec = s.execute(select(SignedRecord).where(SignedRecord.kind == "collection").limit(1)).scalar_one()
        din = s.get(Donation, rec.donation_id).din
    (ctx.config.records_dir / rec.path).unlink()
    sel = select_candidates(ctx)
    [inc] = sel.incomplete
    assert inc.din == din and any("collection" in m for m in inc.missing)
    result = run_archive(ctx, archivist)
    assert result.skipped_incomplete == 1 and din not in {i.din for i in items(ctx)}
    assert [i.item_number for i in items(ctx)] == list(range(1, result.archived + 1))


def test_a_failed_check_skips_only_that_donation(ctx, archivist) -> None:
    with ctx.sessions() as s:
        recs = list(s.execute(select(SignedRecord).where(SignedRecord.kind == "registration")
                              .order_by(SignedRecord.donation_id)).scalars())
        bad_din = s.get(Donation, recs[1].donation_id).din
    path = ctx.config.records_dir / recs[1].path
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # one flipped bit inside the signed range
    path.write_bytes(bytes(data))
    result = run_archive(ctx, archivist)
    [failure] = result.failed
    assert failure.din == bad_din and failure.check == "authenticity"
    assert "registration.pdf" in failure.reason
    assert result.archived == len(recs) - 1
    rows = items(ctx)
    assert bad_din not in {i.din for i in rows}
    assert [i.item_number for i in rows] == list(range(1, len(rows) + 1))
    assert not any(p.name.startswith(".staging") for p in store_root(ctx).rglob("*"))


def test_unembedded_font_fails_usability(ctx, archivist, built_station) -> None:
    """A record with a font that is not embedded (reportlab's Helvetica) is not archived."""
    import io

    from reportlab.pdfgen import canvas

    from archive.checks import SignatureVerifier, check_usability, inspect_record

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "plain Helvetica")
    c.showPage()
    c.save()
    path = ctx.config.data_dir / "plain.pdf"
    path.write_bytes(buf.getvalue())
    verifier = SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        facts = inspect_record("consent", path, verifier)
    finally:
        verifier.close()
    usab = check_usability([facts])
    assert not usab.passed and "Helvetica" in usab.reason
    assert not facts.signatures_passed


def test_javascript_fails_security(ctx) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    from archive.checks import SignatureVerifier, check_security, inspect_record

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")})
    path = ctx.config.data_dir / "js.pdf"
    with open(path, "wb") as fh:
        w.write(fh)
    verifier = SignatureVerifier.from_ca_folder(ctx.config.ca_dir)
    try:
        facts = inspect_record("consent", path, verifier)
    finally:
        verifier.close()
    sec = check_security([facts], ["data/records/consent.pdf", "data/tool.exe"])
    assert not sec.passed
    assert "JavaScript" in sec.reason and "data/tool.exe" in sec.reason


@pytest.mark.parametrize("tamper, check, file", [
    ("flip_pdf", "integrity", "data/records/collection.pdf"),
    ("extra_exe", "security", "data/tool.exe"),
    ("edit_metadata", "integrity", "data/metadata.json"),
    ("edit_bag_info", "authenticity", "bag-info.txt"),
    ("remove_package", "integrity", ""),
])
def test_verify_names_the_tampered_file_and_check(ctx, archivist, tamper, check, file) -> None:
    run_archive(ctx, archivist)
    item = items(ctx)[1]
    bag = store_root(ctx) / item.package_name
    if tamper == "flip_pdf":
        target = bag / file
        writable(target)
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x20
        target.write_bytes(bytes(data))
    elif tamper == "extra_exe":
        writable(bag / "data" / "metadata.json")
        (bag / file).write_bytes(b"MZ\x90\x00fake executable")
    elif tamper == "edit_metadata":
        target = bag / file
        writable(target)
        meta = json.loads(target.read_text("utf-8"))
        meta["donor_name"] = "篡改"
        target.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    elif tamper == "edit_bag_info":
        target = bag / file
        writable(target)
        target.write_text(target.read_text("utf-8").replace(item.archive_number, "J001-2026-D10-XF2-99999"),
                          "utf-8")
    elif tamper == "remove_package":
        from archive.store import _remove_tree

        _remove_tree(bag)
    problems = verify_store(ctx, archivist)
    assert problems, "tampering must be caught"
    assert all(p["archive_number"] in (item.archive_number, None) for p in problems)
    assert any(p["check"] == check and p["file"] == file for p in problems), problems
    if tamper == "flip_pdf":  # the changed PDF also fails its signature and stored hash
        assert any(p["check"] == "authenticity" and p["file"] == file for p in problems)
    with ctx.sessions() as s:
        assert s.get(ArchiveItem, item.id).last_verify_passed is False


def test_orphan_package_in_store_is_reported(ctx, archivist) -> None:
    run_archive(ctx, archivist)
    item = items(ctx)[0]
    src = store_root(ctx) / item.package_name
    import shutil

    shutil.copytree(src, src.parent / "J001-2026-D10-XF2-09999_W000026999999")
    problems = verify_store(ctx, archivist)
    assert any("without an archive item" in p["reason"] for p in problems)


def test_crash_between_store_and_commit_is_adopted_on_rerun(ctx, archivist, monkeypatch) -> None:
    """A package stored but not committed (the process died) is verified and adopted at its number."""
    from station.services.archiving import job

    real = job.Archiver._add_item
    calls = {"n": 0}

    def dying(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("killed")  # leaves the transaction uncommitted, the package stored
        return real(self, *args, **kwargs)

    monkeypatch.setattr(job.Archiver, "_add_item", dying)
    with pytest.raises(SystemExit):
        run_archive(ctx, archivist)
    monkeypatch.setattr(job.Archiver, "_add_item", real)
    assert [i.item_number for i in items(ctx)] == [1, 2]
    assert len(list(FileStore(store_root(ctx)).list_packages())) == 3  # one stored without its item
    result = run_archive(ctx, archivist)
    assert result.recovered == 1
    rows = items(ctx)
    assert [i.item_number for i in rows] == list(range(1, len(rows) + 1))
    assert len(list(FileStore(store_root(ctx)).list_packages())) == len(rows)
    assert verify_store(ctx, archivist) == []


def test_unwritable_store_stops_the_batch_cleanly(ctx, archivist, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    store = FileStore(blocker / "store")
    result = run_archive(ctx, archivist, store=store)
    assert result.stopped is not None and result.archived == 0
    assert result.stopped.code == "ARCHIVE_STORE_UNAVAILABLE"
    assert items(ctx) == []
    # rerun against the real store continues
    assert run_archive(ctx, archivist).archived > 0


def test_cli_run_json_and_verify_exit_status(station_dir, built_station, tmp_path) -> None:
    from station.demo import DEMO_PASSWORD

    secret = tmp_path / "arc01.pw"  # the archivist signs in (a password file only its owner can read)
    secret.write_text(DEMO_PASSWORD + "\n")
    secret.chmod(0o600)
    env = {**os.environ, "STATION_LANG": "en", "STATION_USER": "arc01", "STATION_PASSWORD_FILE": str(secret)}
    station = str(VENV_BIN / "station")
    out = subprocess.run([station, "archive", "run", "--data-dir", str(station_dir), "--json"],
                         capture_output=True, text=True, env=env, check=False, timeout=300)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc == {"archived": len(built_station["signed_dins"]), "failed": [], "skipped_incomplete": 0}
    out = subprocess.run([station, "archive", "verify", "--data-dir", str(station_dir), "--json"],
                         capture_output=True, text=True, env=env, check=False, timeout=300)
    assert out.returncode == 0 and json.loads(out.stdout) == {"passed": True, "problems": []}
    out = subprocess.run([station, "archive", "run", "--data-dir", str(station_dir), "--from", "2026-13-01"],
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 2 and "not a date" in out.stderr and "Traceback" not in out.stderr


def test_a_pdf_that_crashes_the_reader_fails_its_donation_and_the_batch_goes_on(ctx, archivist, monkeypatch) -> None:
    """The PDF engine runs in the inspection workers: a record that kills its worker (here a
    SIGSEGV on one DIN's records, as a native crash would) fails that donation's usability check,
    every other donation is archived, and `archive verify` reports such a package instead of dying."""
    import faulthandler
    import signal

    from archive import checks
    from station.services.archiving import job

    with ctx.sessions() as s:
        recs = list(s.execute(select(SignedRecord).where(SignedRecord.kind == "consent")
                              .order_by(SignedRecord.donation_id)).scalars())
        victim = s.get(Donation, recs[1].donation_id).din
    victim_bytes = (ctx.config.records_dir / recs[1].path).read_bytes()
    real = checks._pdfium_facts

    def crashing(data: bytes):
        if data == victim_bytes:
            faulthandler.disable()  # pytest's crash report of the worker would only fill the log
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(data)

    monkeypatch.setattr(checks, "_pdfium_facts", crashing)  # the workers are forked: they inherit it
    result = job.run_archive(ctx, archivist, workers=2)
    assert [(f.din, f.check) for f in result.failed] == [(victim, "usability")]
    assert "died" in result.failed[0].reason
    assert result.archived == len(recs) - 1
    rows = items(ctx)
    assert [i.item_number for i in rows] == list(range(1, len(rows) + 1))
    assert not job.verify_store(ctx, archivist)  # the archived ones are sound; the pool is not left broken
