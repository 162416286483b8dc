"""Evidence records on the S3 store (moto on loopback): new objects under object lock beside the packages."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from evidence_helpers import ScratchPKI, make_packages

from archive.evidence import Trust
from archive.renewal import RenewalPolicy, Renewer, S3Objects, latest_records, verify_packages
from archive.store import S3Store, open_store
from signing.tsa import http_timestamper, start_in_thread
from tests.moto_s3 import KEYS, moto_s3_server


@pytest.fixture
def s3_endpoint():
    with moto_s3_server({"records": True}) as url:
        yield url


def test_evidence_on_s3_is_written_once_under_object_lock(s3_endpoint, tmp_path: Path) -> None:
    store = open_store("s3://records/centre-a", endpoint=s3_endpoint, region="us-east-1", access_key="testing",
                       secret_key="testing", staging_root=tmp_path / "staging")
    assert isinstance(store, S3Store)
    local = tmp_path / "bags"
    names = make_packages(local, 4)
    for name in names:
        store.put(local / name, name, date(2036, 12, 31))
    pki = ScratchPKI.create()
    now = datetime.now(UTC)
    with start_in_thread(pki.tsa(now - timedelta(hours=1), now + timedelta(days=1800))) as tsa:
        renewer = Renewer(store, http_timestamper(tsa.url), retain_until=lambda p: date(2036, 12, 31))
        assert renewer.renew(store.list_packages()).protected == 4
        assert sorted(store.list_packages()) == names  # evidence/ is not taken for a package
        objects = S3Objects(store)
        first = latest_records(objects)
        key = first[names[0]][1]
        lock = objects.retention_of(key)
        assert lock["Mode"] == "COMPLIANCE" and lock["RetainUntilDate"].date() == date(2037, 1, 1)
        client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
        head = client.head_object(Bucket="records", Key=objects.prefix + key)
        with pytest.raises(ClientError):
            client.delete_object(Bucket="records", Key=objects.prefix + key, VersionId=head["VersionId"])
        assert renewer.renew(names, RenewalPolicy(force_timestamp=True)).timestamp_renewed == 4
        again = client.head_object(Bucket="records", Key=objects.prefix + key)
        assert again["ETag"] == head["ETag"] and again["VersionId"] == head["VersionId"]  # not rewritten
        results = verify_packages(store, names, Trust((pki.root,)))
        assert all(r.passed and len(r.result.steps) == 2 for r in results), [r.to_json() for r in results]  # type: ignore[union-attr]
