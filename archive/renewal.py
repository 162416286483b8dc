"""Evidence records kept beside the packages in the records store, and their renewal (RFC 4998 5.2).

Nothing stored is ever changed (the packages may be under S3 object lock, the folder store makes them
read-only): every protection or renewal writes NEW objects under `evidence/` of the store, which
`list_packages` of both stores ignores (only year folders are packages):

    evidence/<year>/<package>.<n>.ers   the package's complete EvidenceRecord (DER) holding n archive
                                        time stamps; a renewal writes n+1 beside n (n stays valid
                                        until its last TSA certificate expires)
    evidence/runs/<run>.run.json        one run: kind, algorithm, the RFC 3161 token, the sorted
                                        leaves of its hash tree and, per package, the record it
                                        extends and the record it writes
    evidence/runs/<run>.done.json       written after every record of the run is stored and synced

One run = one hash tree over all its packages and ONE time-stamp request.  Order of work: leaves and
tree first, then the TSA (a TSA that is down raises EvidenceError and nothing at all is written),
then the run object, then the records, then a sync, then the done marker.  A run killed midway has
a run object and no done marker: the next renewal finishes it first, with the token already
obtained (the records it wrote are kept; the missing ones are written), before planning anything
new.  Until then every package keeps its previous record, which still verifies.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import cms

from archive.evidence import (
    DEFAULT_WEAK_SINCE,
    EvidenceError,
    EvidenceResult,
    HashTree,
    RecordParts,
    Trust,
    ats_algorithm,
    ats_time_stamp_der,
    encode_ats,
    hasher,
    hashtree_renewed,
    new_record,
    node_hash,
    package_member_hashes,
    package_members,
    reduced_hashtree,
    renewed_member,
    request_time_stamp,
    timestamp_renewed,
    token_facts,
    verify_record,
)

Progress = Callable[[int, int, str], None]
PREFIX = "evidence/"
RECORD_SUFFIX = ".ers"
PROTECT, TIMESTAMP, HASHTREE = "protect", "timestamp", "hashtree"


# -- objects beside the packages ---------------------------------------------------------------------


class EvidenceObjects(Protocol):
    url: str

    def put(self, key: str, data: bytes, retain_until: date) -> bool:
        """Store a new object; False if an identical one is there already; EvidenceError if another is."""

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def flush(self) -> None:
        """Make everything put so far durable (the folder store syncs once per batch)."""


def _conflict(url: str, key: str) -> EvidenceError:
    return EvidenceError(f"证据对象已存在且内容不同：{key}", f"A different evidence object {key} already exists in "
                         f"{url}; stored objects are never replaced", code="EVIDENCE_CONFLICT", details={"key": key})


def _unavailable(url: str, exc: BaseException) -> EvidenceError:
    return EvidenceError(f"档案存储不可用（{url}）：{exc}；可稍后重新运行继续",
                         f"The records store {url} is unavailable: {exc}; a rerun continues where this stopped",
                         code="EVIDENCE_STORE_UNAVAILABLE", details={"error": str(exc)})


class FileObjects:
    """`evidence/` of a folder store: objects created exclusively (O_EXCL: an existing name is never
    replaced), read-only; one sync per batch, before the run's done marker."""

    def __init__(self, root: Path) -> None:
        self.root = root / "evidence"
        self._base = str(self.root) + os.sep
        self.url = self.root.as_uri()
        self._made: set[Path] = set()

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(key)
        return self.root / key

    def put(self, key: str, data: bytes, retain_until: date) -> bool:
        path = self._path(key)
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
            try:
                # O_EXCL: never replaces an existing object; read-only from the start
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
            except FileExistsError:
                return self._same(path, data, key)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except OSError as exc:
            raise _unavailable(self.url, exc) from exc
        return True

    def discard_torn(self, key: str) -> None:
        """Remove a record an interrupted run left half-written (killed inside its write): it was
        never stored (its run has no done marker and it does not even parse)."""
        path = self._path(key)
        os.chmod(path, 0o644)
        path.unlink()

    def _same(self, path: Path, data: bytes, key: str) -> bool:
        if path.read_bytes() == data:
            return False
        raise _conflict(self.url, key)

    def get(self, key: str) -> bytes | None:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(key)
        try:
            with open(self._base + key, "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _unavailable(self.url, exc) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = self._path(prefix.rstrip("/")) if prefix else self.root
        if not base.is_dir():
            return
        cut = len(self._base)
        stack = [str(base)]
        while stack:
            folder = stack.pop()
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        yield entry.path[cut:].replace(os.sep, "/")

    def flush(self) -> None:
        os.sync()


class S3Objects:
    """`evidence/` of an S3 store: every object under compliance-mode object lock, never overwritten."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.prefix = f"{store.prefix}evidence/"
        self.url = f"s3://{store.bucket}/{self.prefix}"

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in ("NoSuchKey", "404", "NoSuchVersion"):
                raise KeyError(kwargs.get("Key")) from exc
            raise _unavailable(self.url, exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(self.url, exc) from exc

    def put(self, key: str, data: bytes, retain_until: date) -> bool:
        existing = self.get(key)
        if existing is not None:
            if existing == data:
                return False
            raise _conflict(self.url, key)
        until = datetime.combine(retain_until + timedelta(days=1), time(0), tzinfo=UTC)
        self._call(self.store.client.put_object, Bucket=self.store.bucket, Key=self.prefix + key, Body=data,
                   ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until,
                   ContentType="application/octet-stream")
        return True

    def get(self, key: str) -> bytes | None:
        try:
            body = self._call(self.store.client.get_object, Bucket=self.store.bucket, Key=self.prefix + key)["Body"]
        except KeyError:
            return None
        return bytes(body.read())

    def exists(self, key: str) -> bool:
        try:
            self._call(self.store.client.head_object, Bucket=self.store.bucket, Key=self.prefix + key)
            return True
        except KeyError:
            return False

    def keys(self, prefix: str = "") -> Iterator[str]:
        kwargs: dict[str, Any] = {"Bucket": self.store.bucket, "Prefix": self.prefix + prefix}
        while True:
            page = self._call(self.store.client.list_objects_v2, **kwargs)
            for obj in page.get("Contents", []):
                yield obj["Key"][len(self.prefix):]
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def flush(self) -> None:
        """Nothing to do: S3 has acknowledged every put."""

    def retention_of(self, key: str) -> dict[str, Any]:
        out = self._call(self.store.client.head_object, Bucket=self.store.bucket, Key=self.prefix + key)
        return {"Mode": out.get("ObjectLockMode"), "RetainUntilDate": out.get("ObjectLockRetainUntilDate")}


def evidence_objects(store: Any) -> EvidenceObjects:
    if hasattr(store, "client") and hasattr(store, "bucket"):
        return S3Objects(store)
    return FileObjects(Path(store.root))


def record_key(package: str, count: int) -> str:
    return f"{package}.{count:06d}{RECORD_SUFFIX}"


def latest_records(objects: EvidenceObjects) -> dict[str, tuple[int, str]]:
    """package -> (archive time stamps in its newest record, that record's key)."""
    out: dict[str, tuple[int, str]] = {}
    for key in objects.keys():  # noqa: SIM118 (an object store, not a dict)
        if key.startswith("runs/") or not key.endswith(RECORD_SUFFIX):
            continue
        stem = key[:-len(RECORD_SUFFIX)]
        package, _, count = stem.rpartition(".")
        if not count.isdigit():
            continue
        n = int(count)
        if package not in out or out[package][0] < n:
            out[package] = (n, key)
    return out


# -- hashing packages (in worker processes for large runs) -------------------------------------------


def _renewed_members(hashes: dict[str, bytes], previous: bytes, algorithm: str) -> dict[str, bytes]:
    """Hash-tree renewal: H'(H'(file) + H'(DER of the previous ArchiveTimeStampSequence)) per file."""
    h = hasher(algorithm)
    ha = h(RecordParts.parse(previous).sequence_der())
    return {rel: renewed_member(h, v, ha) for rel, v in hashes.items()}


def _hash_chunk(args: tuple[str, list[tuple[str, str]], str]) -> list[tuple[str, dict[str, bytes]]]:
    root, items, algorithm = args
    objects = FileObjects(Path(root))
    out = []
    for name, previous_key in items:
        hashes = package_member_hashes(Path(root) / name, algorithm)
        if previous_key:
            previous = objects.get(previous_key)
            if previous is None:
                raise EvidenceError(f"证据记录不见了：{previous_key}", f"The evidence record {previous_key} "
                                    f"disappeared from the store", code="EVIDENCE_MISSING")
            hashes = _renewed_members(hashes, previous, algorithm)
        out.append((name, hashes))
    return out


def hash_packages(store: Any, names: list[str], algorithm: str, workers: int = 0,
                  objects: EvidenceObjects | None = None, previous: Mapping[str, str] | None = None
                  ) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(package, {file: H(file)}) for every package, or with `previous` (package -> the key of its
    record) the hash-tree renewal values H'(H'(file) + ha); folder stores are read in `workers`
    processes for large runs."""
    previous = previous or {}
    root = getattr(store, "root", None)
    if root is None or workers <= 1 or len(names) < 2000:
        for name in names:
            with store.open(name) as bag:
                hashes = package_member_hashes(bag, algorithm)
            if name in previous:
                assert objects is not None
                der = objects.get(previous[name])
                if der is None:
                    raise EvidenceError(f"证据记录不见了：{previous[name]}", f"The evidence record "
                                        f"{previous[name]} disappeared from the store", code="EVIDENCE_MISSING")
                hashes = _renewed_members(hashes, der, algorithm)
            yield name, hashes
        return
    chunks = [(str(root), [(n, previous.get(n, "")) for n in names[i:i + 500]], algorithm)
              for i in range(0, len(names), 500)]
    with ProcessPoolExecutor(workers) as pool:
        for part in pool.map(_hash_chunk, chunks):
            yield from part


# -- runs ---------------------------------------------------------------------------------------------


@dataclass
class Entry:
    package: str
    previous_key: str  # "" for a first protection
    previous_count: int
    members: list[bytes]  # the first list's own values (sorted)
    leaf: bytes
    previous: bytes | None = None  # the previous record's DER


@dataclass
class RunResult:
    run: str
    kind: str
    algorithm: str
    packages: int
    written: int
    time: str
    root: str
    resumed: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RenewalPolicy:
    algorithm: str = "sha256"  # for first protection, and the target of hash-tree renewal
    renew_before: timedelta = timedelta(days=365)  # renew time stamps whose TSA certificate expires within this
    force_timestamp: bool = False
    hash_tree: bool = False  # renew the hash tree of every record whose last chain uses another algorithm
    weak_since: Mapping[str, date] = field(default_factory=lambda: dict(DEFAULT_WEAK_SINCE))


@dataclass
class RenewalReport:
    protected: int = 0
    timestamp_renewed: int = 0
    hashtree_renewed: int = 0
    up_to_date: int = 0
    resumed: int = 0
    runs: list[RunResult] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"protected": self.protected, "timestamp_renewed": self.timestamp_renewed,
                "hashtree_renewed": self.hashtree_renewed, "up_to_date": self.up_to_date,
                "resumed": self.resumed, "runs": [r.to_json() for r in self.runs], "problems": self.problems}


def _run_id(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


class Renewer:
    """Protects and renews the evidence of the packages of one records store."""

    def __init__(self, store: Any, timestamper: Any, *, objects: EvidenceObjects | None = None,
                 retain_until: Callable[[str], date] | None = None, workers: int = 0,
                 progress: Progress | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.timestamper = timestamper
        self.objects = objects or evidence_objects(store)
        self.workers = workers
        self.progress = progress or (lambda done, total, message: None)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.retain_until = retain_until or (lambda package: (self.clock() + timedelta(days=3660)).date())

    # -- planning -------------------------------------------------------------------------------
    def renew(self, packages: Iterable[str], policy: RenewalPolicy | None = None) -> RenewalReport:
        policy = policy or RenewalPolicy()
        report = RenewalReport()
        for run in self.unfinished_runs():
            result = self.finish(run, report)
            report.runs.append(result)
            report.resumed += result.written
        names = list(packages)
        latest = latest_records(self.objects)
        now = self.clock()
        protect: list[str] = []
        by_kind: dict[tuple[str, str], list[Entry]] = {}
        known = self._classify([(name, *latest[name]) for name in names if name in latest])
        for name in names:
            info = known.get(name)
            if info is None:  # no record yet (or its object is gone): first protection
                protect.append(name)
                continue
            key, count, chain_alg, leaf, expires = info
            weak = policy.weak_since.get(chain_alg)
            weakening = weak is not None and (now + policy.renew_before).date() >= weak
            if weakening and chain_alg == policy.algorithm:
                report.problems.append({"package": name, "reason": f"{chain_alg} is not secure from {weak}: "
                                                                   f"renew the hash tree to a stronger algorithm"})
            if (policy.hash_tree or weakening) and chain_alg != policy.algorithm:
                by_kind.setdefault((HASHTREE, policy.algorithm), []).append(Entry(name, key, count, [], b""))
                continue
            if policy.force_timestamp or expires is None or expires - now <= policy.renew_before:
                # the previous record is read again when the new one is written (not kept: 100,000 of them)
                by_kind.setdefault((TIMESTAMP, chain_alg), []).append(Entry(name, key, count, [leaf], leaf))
            else:
                report.up_to_date += 1
        if protect:
            entries = []
            for name, hashes in hash_packages(self.store, protect, policy.algorithm, self.workers):
                members = sorted(hashes.values())
                entries.append(Entry(name, "", 0, members, _leaf(policy.algorithm, members)))
            by_kind[(PROTECT, policy.algorithm)] = entries
        hashtree = by_kind.get((HASHTREE, policy.algorithm))
        if hashtree:
            self._hashtree_members(hashtree, policy.algorithm)
        for (kind, algorithm), entries in by_kind.items():
            if not entries:
                continue
            result = self.run(kind, algorithm, entries)
            report.runs.append(result)
            if kind == PROTECT:
                report.protected += result.written
            elif kind == TIMESTAMP:
                report.timestamp_renewed += result.written
            else:
                report.hashtree_renewed += result.written
        return report

    def _classify(self, items: list[tuple[str, int, str]]) -> dict[str, tuple[str, int, str, bytes, datetime | None]]:
        """package -> (record key, ATS count, last chain's algorithm, H(last time stamp), when the last
        time stamp's certificates first expire), read in the workers for large folder stores."""
        if isinstance(self.objects, FileObjects) and self.workers > 1 and len(items) >= 2000:
            root = str(self.objects.root.parent)
            chunks = [(root, items[i:i + 1000]) for i in range(0, len(items), 1000)]
            out: dict[str, tuple[str, int, str, bytes, datetime | None]] = {}
            with ProcessPoolExecutor(self.workers) as pool:
                for part in pool.map(_classify_chunk, chunks):
                    out.update(part)
            return out
        return _classify_items(self.objects, items)

    def _hashtree_members(self, entries: list[Entry], algorithm: str) -> None:
        by_name = {e.package: e for e in entries}
        previous = {e.package: e.previous_key for e in entries}
        for name, renewed in hash_packages(self.store, list(by_name), algorithm, self.workers, self.objects,
                                           previous):
            e = by_name[name]
            e.members = sorted(renewed.values())
            e.leaf = _leaf(algorithm, e.members)

    # -- one run ----------------------------------------------------------------------------------
    def run(self, kind: str, algorithm: str, entries: list[Entry]) -> RunResult:
        tree = HashTree(algorithm, (e.leaf for e in entries))
        token = request_time_stamp(self.timestamper, tree.root, algorithm)  # nothing is written before this
        now = self.clock()
        run_id = _run_id(now)
        planned: list[list[Any]] = [[e.package, e.previous_key, record_key(e.package, e.previous_count + 1),
                                     tree.index[e.leaf]] for e in entries]
        plan = {
            "version": 1, "run": run_id, "kind": kind, "algorithm": algorithm, "created": now.isoformat(),
            "root": tree.root.hex(), "token": base64.b64encode(token).decode(),
            "leaves": [leaf.hex() for leaf in tree.levels[0]],
            "entries": planned,
        }
        self.objects.put(f"runs/{run_id}.run.json", json.dumps(plan, separators=(",", ":")).encode(),
                         self.retain_until(""))
        written = self._write(kind, algorithm, tree, token, entries, planned)
        self.objects.flush()
        self._done(run_id, written)
        return RunResult(run_id, kind, algorithm, len(entries), written, _token_time(token), tree.root.hex())

    def _write(self, kind: str, algorithm: str, tree: HashTree, token: bytes, entries: list[Entry],
               plan_entries: list[list[Any]]) -> int:
        total = len(entries)
        if isinstance(self.objects, FileObjects) and self.workers > 1 and total >= 2000:
            return self._write_in_workers(kind, algorithm, tree, token, entries, plan_entries)
        written = 0
        step = max(1, total // 200)
        for n, (e, planned) in enumerate(zip(entries, plan_entries, strict=True), 1):
            previous = e.previous if e.previous is not None or not e.previous_key else \
                self.objects.get(e.previous_key)
            der = build_record(kind, algorithm, token, e.members, tree.siblings(e.leaf), previous)
            if self.objects.put(planned[2], der, self.retain_until(e.package)):
                written += 1
            if n % step == 0 or n == total:
                self.progress(n, total, f"{kind} {e.package}")
        return written

    def _write_in_workers(self, kind: str, algorithm: str, tree: HashTree, token: bytes, entries: list[Entry],
                          plan_entries: list[list[Any]]) -> int:
        assert isinstance(self.objects, FileObjects)
        root = str(self.objects.root.parent)
        size = 1000
        chunks = [(root, kind, algorithm, token,
                   [(p[2], e.members, tree.siblings(e.leaf), e.previous_key)
                    for e, p in zip(entries[i:i + size], plan_entries[i:i + size], strict=True)])
                  for i in range(0, len(entries), size)]
        written = done = 0
        with ProcessPoolExecutor(self.workers) as pool:
            for count in pool.map(_write_chunk, chunks):
                written += count
                done = min(len(entries), done + size)
                self.progress(done, len(entries), f"{kind} {entries[done - 1].package}")
        return written

    def _done(self, run_id: str, written: int) -> None:
        self.objects.put(f"runs/{run_id}.done.json", json.dumps(
            {"run": run_id, "written": written, "finished": self.clock().isoformat()}).encode(),
            self.retain_until(""))

    # -- resuming -----------------------------------------------------------------------------------
    def unfinished_runs(self) -> list[dict[str, Any]]:
        keys = set(self.objects.keys("runs/"))
        out = []
        for key in sorted(keys):
            if key.endswith(".run.json") and key.replace(".run.json", ".done.json") not in keys:
                data = self.objects.get(key)
                if data is not None:
                    out.append(json.loads(data))
        return out

    def finish(self, plan: dict[str, Any], report: RenewalReport) -> RunResult:
        """Write the records an interrupted run did not write, with the token it already had."""
        kind, algorithm = plan["kind"], plan["algorithm"]
        token = base64.b64decode(plan["token"])
        leaves = [bytes.fromhex(x) for x in plan["leaves"]]
        tree = HashTree(algorithm, leaves)
        if tree.root.hex() != plan["root"]:
            raise EvidenceError("中断的证据续期记录已损坏", f"The interrupted run {plan['run']} is damaged",
                                code="EVIDENCE_RUN_DAMAGED")
        todo = []
        for p in plan["entries"]:
            have = self.objects.get(p[2])
            if have is None:
                todo.append(p)
            elif not _complete(have, token):
                if not isinstance(self.objects, FileObjects):
                    raise _conflict(self.objects.url, p[2])
                self.objects.discard_torn(p[2])
                todo.append(p)
        entries: list[Entry] = []
        planned: list[list[Any]] = []
        h = hasher(algorithm)
        need_hashes = [p[0] for p in todo] if kind in (PROTECT, HASHTREE) else []
        previous_of = {p[0]: p[1] for p in todo} if kind == HASHTREE else None
        hashes = dict(hash_packages(self.store, need_hashes, algorithm, self.workers, self.objects, previous_of)
                      ) if need_hashes else {}
        for package, previous_key, new_key, leaf_index in todo:
            previous = self.objects.get(previous_key) if previous_key else None
            if kind == PROTECT:
                members = sorted(hashes[package].values())
            elif kind == TIMESTAMP:
                assert previous is not None
                members = [h(ats_time_stamp_der(RecordParts.parse(previous).last_ats()))]
            else:
                members = sorted(hashes[package].values())  # already H'(H'(file) + ha)
            leaf = _leaf(algorithm, members)
            if leaf != leaves[leaf_index]:
                report.problems.append({"package": package, "reason": "the package changed since the interrupted "
                                                                      "run planned it; not renewed by that run"})
                continue
            count = int(new_key[:-len(RECORD_SUFFIX)].rpartition(".")[2]) - 1
            entries.append(Entry(package, previous_key, count, members, leaf, previous))
            planned.append([package, previous_key, new_key, leaf_index])
        written = self._write(kind, algorithm, tree, token, entries, planned)
        self.objects.flush()
        self._done(plan["run"], written)
        return RunResult(plan["run"], kind, algorithm, len(plan["entries"]), written, _token_time(token),
                         plan["root"], resumed=True)


def _classify_items(objects: EvidenceObjects, items: list[tuple[str, int, str]]
                    ) -> dict[str, tuple[str, int, str, bytes, datetime | None]]:
    expiry: dict[bytes, datetime | None] = {}
    out = {}
    for name, count, key in items:
        der = objects.get(key)
        if der is None:
            continue
        parts = RecordParts.parse(der)
        algorithm = ats_algorithm(parts.chains[-1][0])
        token = ats_time_stamp_der(parts.last_ats())
        leaf = hasher(algorithm)(token)
        if leaf not in expiry:
            facts = token_facts(cms.ContentInfo.load(token))
            certs = [facts.signer, *facts.certificates] if facts.signer else facts.certificates
            expiry[leaf] = min(c.not_valid_after_utc for c in certs) if certs else None
        out[name] = (key, count, algorithm, leaf, expiry[leaf])
    return out


def _classify_chunk(args: tuple[str, list[tuple[str, int, str]]]
                    ) -> dict[str, tuple[str, int, str, bytes, datetime | None]]:
    root, items = args
    return _classify_items(FileObjects(Path(root)), items)


def build_record(kind: str, algorithm: str, token: bytes, members: list[bytes], siblings: list[bytes],
                 previous: bytes | None) -> bytes:
    ats = encode_ats(algorithm, reduced_hashtree(members, siblings), token)
    if kind == PROTECT:
        return new_record(algorithm, ats)
    if previous is None:
        raise EvidenceError("缺少上一份证据记录", "The previous evidence record is missing", code="EVIDENCE_MISSING")
    if kind == TIMESTAMP:
        return timestamp_renewed(previous, ats)
    return hashtree_renewed(previous, algorithm, ats)


def _write_chunk(args: tuple[str, str, str, bytes, list[tuple[str, list[bytes], list[bytes], str]]]) -> int:
    root, kind, algorithm, token, items = args
    objects = FileObjects(Path(root))
    written = 0
    for new_key, members, siblings, previous_key in items:
        previous = objects.get(previous_key) if previous_key else None
        if objects.put(new_key, build_record(kind, algorithm, token, members, siblings, previous), date.max):
            written += 1
    return written


def _leaf(algorithm: str, members: list[bytes]) -> bytes:
    return members[0] if len(members) == 1 else node_hash(hasher(algorithm), members)


def _complete(der: bytes, token: bytes) -> bool:
    try:
        return ats_time_stamp_der(RecordParts.parse(der).last_ats()) == token
    except (ValueError, IndexError):
        return False


def _token_time(token: bytes) -> str:
    from archive.evidence import tst_info

    return tst_info(cms.ContentInfo.load(token))["gen_time"].native.isoformat()


# -- verification over the store ---------------------------------------------------------------------


@dataclass
class PackageEvidence:
    package: str
    record: str | None
    result: EvidenceResult | None
    problem: str = ""

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.passed

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"package": self.package, "record": self.record, "passed": self.passed}
        if self.result is not None:
            out.update(self.result.to_json())
        else:
            out.update({"status": "INDETERMINATE", "sub_indication": "NO_POE", "reason": self.problem})
        return out


def verify_packages(store: Any, packages: Iterable[str], trust: Trust, *, at: datetime | None = None,
                    weak_since: Mapping[str, date] | None = None, progress: Progress | None = None,
                    objects: EvidenceObjects | None = None) -> list[PackageEvidence]:
    objects = objects or evidence_objects(store)
    latest = latest_records(objects)
    names = list(packages)
    report = progress or (lambda done, total, message: None)
    out = []
    for n, name in enumerate(names, 1):
        have = latest.get(name)
        if have is None:
            out.append(PackageEvidence(name, None, None, "the package has no evidence record"))
        else:
            der = objects.get(have[1]) or b""
            try:
                with store.open(name) as bag:
                    result = verify_record(der, package_members(bag), trust, at=at, weak_since=weak_since)
                out.append(PackageEvidence(name, have[1], result))
            except Exception as exc:  # the store's own errors: a missing package, no connection
                reason = getattr(exc, "message_en", None) or str(exc)
                out.append(PackageEvidence(name, have[1], EvidenceResult(
                    "FAILED", "FORMAT_FAILURE", f"the package cannot be read from the store: {reason}")))
        report(n, len(names), f"{name}: {'ok' if out[-1].passed else out[-1].to_json()['status']}")
    return out

