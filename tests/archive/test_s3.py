"""The S3 records store against moto's S3-compatible server on loopback (started here on a free port)."""
from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from archive.store import MARKER, S3Store, open_store
from station.models.archive import ArchiveItem
from station.services.archiving.job import run_archive, verify_store
from tests.moto_s3 import KEYS, moto_s3_server

VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3_endpoint():
    with moto_s3_server({"records": True}) as url:
        yield url


def _store(url: str, tmp_path: Path) -> S3Store:
    store = open_store("s3://records/centre-a", endpoint=url, region="us-east-1", access_key="testing",
                       secret_key="testing", staging_root=tmp_path / "staging")
    assert isinstance(store, S3Store)
    return store


def test_archive_to_s3_with_object_lock(ctx, archivist, s3_endpoint, tmp_path, built_station) -> None:
    store = _store(s3_endpoint, tmp_path)
    result = run_archive(ctx, archivist, store=store)
    n = len(built_station["signed_dins"])
    assert result.to_json() == {"archived": n, "failed": [], "skipped_incomplete": 0}
    names = list(store.list_packages())
    with ctx.sessions() as s:
        items = list(s.query(ArchiveItem).order_by(ArchiveItem.item_number))
    assert sorted(names) == sorted(i.package_name for i in items)
    assert items[0].package_url.startswith("s3://records/centre-a/")
    # compliance-mode lock until the end of the retention period
    retention = store.retention_of(items[0].package_name, "data/records/consent.pdf")
    assert retention["Mode"] == "COMPLIANCE"
    assert retention["RetainUntilDate"].date() > date(items[0].retention_until.year, 12, 31)
    # a locked version cannot be deleted
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    key = f"centre-a/{items[0].package_name}/data/records/consent.pdf"
    version = client.head_object(Bucket="records", Key=key)["VersionId"]
    with pytest.raises(ClientError):
        client.delete_object(Bucket="records", Key=key, VersionId=version)
    # downloaded bags validate with the independent bagit.py
    with store.open(items[0].package_name) as bag:
        out = subprocess.run([str(VENV_BIN / "bagit.py"), "--validate", str(bag)], capture_output=True, text=True,
                             check=False)
        assert out.returncode == 0, out.stderr
        assert (bag / MARKER).is_file()
    assert verify_store(ctx, archivist, store=store) == []
    # a changed object (a new version over the locked one) is caught by verify
    client.put_object(Bucket="records", Key=f"centre-a/{items[1].package_name}/data/metadata.json", Body=b"{}")
    problems = verify_store(ctx, archivist, store=store)
    assert any(p["file"] == "data/metadata.json" and p["check"] == "integrity" for p in problems)


def test_unreachable_s3_stops_cleanly_and_rerun_continues(ctx, archivist, s3_endpoint, tmp_path) -> None:
    dead = _store(f"http://127.0.0.1:{_free_port()}", tmp_path)
    result = run_archive(ctx, archivist, store=dead)
    assert result.stopped is not None and result.stopped.code == "ARCHIVE_STORE_UNAVAILABLE"
    assert result.archived == 0
    with ctx.sessions() as s:
        assert s.query(ArchiveItem).count() == 0
    assert run_archive(ctx, archivist, store=_store(s3_endpoint, tmp_path)).archived > 0
