"""Records stores behind one interface: a local or network folder (`file://`) and S3-compatible (`s3://`).

A package is a BagIt bag stored under `<year>/<name>`. Writing is all-or-nothing:
- file: the bag is built in a hidden staging folder next to its final place, every file is
  fsynced and made read-only, then the folder is renamed into place (atomic) and the parent
  fsynced;
- s3: every file is uploaded with object lock (compliance mode until the retention date), the
  tag manifest last (a bag without it counts as not stored), then every object is read back
  and its SHA-256 compared with the local file.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from archive.errors import ArchiveError, StoreConflict, StoreUnavailable

MARKER = "tagmanifest-sha256.txt"  # written last: its presence means the bag is complete
CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class StoredPackage:
    name: str  # "<year>/<archive number>_<DIN>"
    url: str
    sha256: str  # of tagmanifest-sha256.txt, which pins every other file's SHA-256


class RecordsStore(Protocol):
    url: str

    def staging_dir(self, year: int) -> Path:
        """A fresh empty folder to build a bag in (on the store's file system where that helps)."""

    def discard_staging(self, folder: Path) -> None: ...

    def clean_staging(self) -> int:
        """Remove staging folders left by an interrupted run; returns how many."""

    def put(self, folder: Path, name: str, retain_until: date) -> StoredPackage:
        """Store the finished bag in `folder` as `name`; raises StoreConflict if it exists."""

    def find(self, year: int, prefix: str) -> list[str]:
        """Names of complete packages of `year` whose last part starts with `prefix`."""

    def list_packages(self) -> Iterator[str]: ...

    @contextmanager
    def open(self, name: str) -> Iterator[Path]:
        """A local folder holding the stored bag (the folder itself, or a downloaded copy)."""
        yield Path()

    def package_url(self, name: str) -> str: ...


def _unavailable(exc: BaseException, url: str) -> StoreUnavailable:
    return StoreUnavailable(f"档案存储不可用（{url}）：{exc}；已停止本批归档，可稍后重新运行继续",
                            f"The records store {url} is unavailable: {exc}; the batch stopped and a rerun "
                            f"continues where it left off", details={"store": url, "error": str(exc)})


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    """A local or network folder; packages are read-only once written."""

    STAGING_PREFIX = ".staging-"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = root.as_uri()

    def _check_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unavailable(exc, self.url) from exc
        if not os.access(self.root, os.W_OK):
            raise _unavailable(PermissionError("not writable"), self.url)

    def staging_dir(self, year: int) -> Path:
        self._check_root()
        parent = self.root / str(year)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            folder = parent / f"{self.STAGING_PREFIX}{secrets.token_hex(6)}"
            folder.mkdir()
        except OSError as exc:
            raise _unavailable(exc, self.url) from exc
        return folder

    def discard_staging(self, folder: Path) -> None:
        _remove_tree(folder)

    def clean_staging(self) -> int:
        if not self.root.exists():
            return 0
        found = [p for p in self.root.glob(f"*/{self.STAGING_PREFIX}*") if p.is_dir()]
        for p in found:
            _remove_tree(p)
        return len(found)

    def put(self, folder: Path, name: str, retain_until: date) -> StoredPackage:
        target = self.root / name
        if target.exists():
            raise StoreConflict(f"档案包已存在：{name}", f"The package {name} already exists",
                                details={"package": name})
        try:
            # fsync every file and make it read-only before it becomes visible under its final name
            for path in sorted(folder.rglob("*"), reverse=True):
                if path.is_file():
                    with open(path, "rb") as fh:
                        os.fsync(fh.fileno())
                    os.chmod(path, 0o444)
            for path in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
                _fsync_dir(path)
                os.chmod(path, 0o555)
            _fsync_dir(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            # same parent folder: the rename is atomic and needs no write access to the bag itself
            os.rename(folder, target)
            os.chmod(target, 0o555)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise _unavailable(exc, self.url) from exc
        return StoredPackage(name, self.package_url(name), sha256_file(target / MARKER))

    def find(self, year: int, prefix: str) -> list[str]:
        parent = self.root / str(year)
        if not parent.is_dir():
            return []
        # the names first (no stat): the folder holds the whole year's packages and this runs per commit
        return sorted(f"{year}/{p.name}" for p in parent.iterdir()
                      if p.name.startswith(prefix) and not p.name.startswith(".")
                      and p.is_dir() and (p / MARKER).is_file())

    def list_packages(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for year_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()):
            for p in sorted(year_dir.iterdir()):
                if p.is_dir() and not p.name.startswith("."):
                    yield f"{year_dir.name}/{p.name}"

    @contextmanager
    def open(self, name: str) -> Iterator[Path]:
        path = self.root / name
        if not path.is_dir():
            raise StoreConflict(f"档案包不存在：{name}", f"The package {name} is missing from the store",
                                code="ARCHIVE_PACKAGE_MISSING", details={"package": name})
        yield path

    def package_url(self, name: str) -> str:
        return (self.root / name).as_uri()


def _remove_tree(path: Path) -> None:
    def make_writable(func: Any, p: str, _exc: Any) -> None:
        os.chmod(os.path.dirname(p), 0o755)
        os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if os.path.isdir(p) else 0))
        func(p)

    for p in [path, *path.rglob("*")] if path.exists() else []:
        if p.is_dir():
            os.chmod(p, 0o755)
    shutil.rmtree(path, onerror=make_writable)


class S3Store:
    """An S3-compatible bucket with object lock (plain S3 API: MinIO, Ceph and cloud stores work alike)."""

    def __init__(self, bucket: str, prefix: str, *, endpoint: str | None, region: str, access_key: str | None,
                 secret_key: str | None, staging_root: Path) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}"
        self.staging_root = staging_root
        self.client = boto3.client(
            "s3", endpoint_url=endpoint or None, region_name=region,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=BotoConfig(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30))

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NoSuchVersion"):
                raise
            raise _unavailable(exc, self.url) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc, self.url) from exc

    def staging_dir(self, year: int) -> Path:
        self.staging_root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"staging-{year}-", dir=self.staging_root))

    def discard_staging(self, folder: Path) -> None:
        _remove_tree(folder)

    def clean_staging(self) -> int:
        if not self.staging_root.exists():
            return 0
        found = [p for p in self.staging_root.glob("staging-*") if p.is_dir()]
        for p in found:
            _remove_tree(p)
        return len(found)

    def _key(self, name: str, rel: str = "") -> str:
        return f"{self.prefix}{name}/{rel}" if rel else f"{self.prefix}{name}/"

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._call(self.client.head_object, Bucket=self.bucket, Key=key)
            return True
        except ClientError:
            return False

    def put(self, folder: Path, name: str, retain_until: date) -> StoredPackage:
        if self._exists(self._key(name, MARKER)):
            raise StoreConflict(f"档案包已存在：{name}", f"The package {name} already exists",
                                details={"package": name})
        until = datetime.combine(retain_until + timedelta(days=1), time(0), tzinfo=UTC)
        files = sorted((p for p in folder.rglob("*") if p.is_file()),
                       key=lambda p: (p.name == MARKER, p.relative_to(folder).as_posix()))
        local = {}
        for path in files:
            rel = path.relative_to(folder).as_posix()
            digest = sha256_file(path)
            local[rel] = digest
            with open(path, "rb") as fh:
                # a partly uploaded bag (no tag manifest yet) is uploaded again on the next run;
                # object lock keeps every version, it only forbids deleting or shortening them
                self._call(self.client.put_object, Bucket=self.bucket, Key=self._key(name, rel), Body=fh,
                           ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until,
                           ContentType=_content_type(rel))
        # read back every object and compare, so that a store that silently dropped or changed a byte is caught now
        for rel, digest in local.items():
            got = self._object_sha256(self._key(name, rel))
            if got != digest:
                raise StoreUnavailable(f"档案存储回读校验失败：{name}/{rel}",
                                       f"Read-back check failed for {name}/{rel}: the store returned different bytes",
                                       details={"package": name, "file": rel})
        return StoredPackage(name, self.package_url(name), local[MARKER])

    def _object_sha256(self, key: str) -> str:
        body = self._call(self.client.get_object, Bucket=self.bucket, Key=key)["Body"]
        h = hashlib.sha256()
        for chunk in iter(lambda: body.read(CHUNK), b""):
            h.update(chunk)
        return h.hexdigest()

    def _list(self, prefix: str, delimiter: str | None = None) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        while True:
            page = self._call(self.client.list_objects_v2, **kwargs)
            yield page
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def _names_under(self, prefix: str) -> list[str]:
        names = []
        for page in self._list(prefix, "/"):
            for cp in page.get("CommonPrefixes", []):
                names.append(cp["Prefix"][len(self.prefix):].rstrip("/"))
        return names

    def find(self, year: int, prefix: str) -> list[str]:
        names = self._names_under(f"{self.prefix}{year}/{prefix}")
        return sorted(n for n in names if self._exists(self._key(n, MARKER)))

    def list_packages(self) -> Iterator[str]:
        for year_prefix in self._names_under(self.prefix):
            if year_prefix.isdigit():
                yield from sorted(self._names_under(f"{self.prefix}{year_prefix}/"))

    @contextmanager
    def open(self, name: str) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="bag-", dir=self.staging_root if self.staging_root.exists() else None))
        try:
            root = folder / name.split("/")[-1]
            root.mkdir()
            count = 0
            for page in self._list(self._key(name)):
                for obj in page.get("Contents", []):
                    rel = obj["Key"][len(self._key(name)):]
                    dest = root / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    body = self._call(self.client.get_object, Bucket=self.bucket, Key=obj["Key"])["Body"]
                    with open(dest, "wb") as fh:
                        shutil.copyfileobj(body, fh, CHUNK)
                    count += 1
            if not count:
                raise StoreConflict(f"档案包不存在：{name}", f"The package {name} is missing from the store",
                                    code="ARCHIVE_PACKAGE_MISSING", details={"package": name})
            yield root
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def package_url(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}/"

    def retention_of(self, name: str, rel: str) -> dict[str, Any]:
        """Object lock mode and date of one stored file (for checks and tests)."""
        out = self._call(self.client.head_object, Bucket=self.bucket, Key=self._key(name, rel))
        return {"Mode": out.get("ObjectLockMode"), "RetainUntilDate": out.get("ObjectLockRetainUntilDate")}


def _content_type(rel: str) -> str:
    ext = rel.rsplit(".", 1)[-1].lower()
    return {"pdf": "application/pdf", "json": "application/json", "xml": "application/xml",
            "txt": "text/plain; charset=utf-8", "png": "image/png"}.get(ext, "application/octet-stream")


def open_store(url: str, *, endpoint: str = "", region: str = "us-east-1", access_key: str = "",
               secret_key: str = "", staging_root: Path | None = None) -> RecordsStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ArchiveError("档案存储地址缺少存储桶名", f"The store URL {url} names no bucket",
                               code="ARCHIVE_STORE_URL")
        return S3Store(parsed.netloc, parsed.path, endpoint=endpoint or None, region=region,
                       access_key=access_key or None, secret_key=secret_key or None,
                       staging_root=staging_root or Path(tempfile.gettempdir()) / "station-archive-staging")
    if parsed.scheme == "" and url:
        return FileStore(Path(url))
    raise ArchiveError(f"不支持的档案存储地址：{url}", f"Unsupported records store URL: {url} (use file:// or s3://)",
                       code="ARCHIVE_STORE_URL")


def store_from_config(config: Any) -> RecordsStore:
    a = config.archive
    return open_store(config.archive_store_url, endpoint=a.s3_endpoint, region=a.s3_region,
                      access_key=a.s3_access_key, secret_key=a.s3_secret_key,
                      staging_root=config.data_dir / "archive-staging")
