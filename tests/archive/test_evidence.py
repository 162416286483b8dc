"""RFC 4998 evidence records: syntax round trip, hash trees recomputed independently, time-stamp and
hash-tree renewal, tampering, a TSA that is down, a renewal killed midway, and the real clock moved."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from asn1crypto import cms, core
from evidence_helpers import ScratchPKI, make_packages, writable

from archive import evidence as ev
from archive.renewal import FileObjects, RenewalPolicy, Renewer, latest_records, verify_packages
from archive.store import FileStore
from signing.tsa import http_timestamper, start_in_thread

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).parent / "evidence_worker.py"


@pytest.fixture
def pki() -> ScratchPKI:
    return ScratchPKI.create()


@pytest.fixture
def tsa(pki):
    now = datetime.now(UTC)
    authority = pki.tsa(now - timedelta(hours=1), now + timedelta(days=5 * 365), "TSA 1")
    requests = []
    respond = authority.respond

    def counting(body, now=None):
        requests.append(body)
        return respond(body, now)

    authority.respond = counting  # type: ignore[method-assign]
    with start_in_thread(authority) as running:
        running.requests = requests  # type: ignore[attr-defined]
        yield running


@pytest.fixture
def store(tmp_path) -> tuple[FileStore, list[str]]:
    root = tmp_path / "store"
    names = make_packages(root, 13)
    return FileStore(root), names


def trust(pki: ScratchPKI) -> ev.Trust:
    return ev.Trust((pki.root,))


def records(store: FileStore) -> dict[str, bytes]:
    objs = FileObjects(store.root)
    return {k: objs.get(k) for k in sorted(objs.keys()) if not k.startswith("runs/")}  # type: ignore[misc]


def latest(store: FileStore, name: str) -> bytes:
    objs = FileObjects(store.root)
    return objs.get(latest_records(objs)[name][1])  # type: ignore[return-value]


def test_der_round_trip_and_rfc_structure(store, tsa) -> None:
    fs, names = store
    report = Renewer(fs, http_timestamper(tsa.url)).renew(names)
    assert report.protected == 13 and len(report.runs) == 1 and len(tsa.requests) == 1
    der = latest(fs, names[0])
    record = ev.EvidenceRecord.load(der)
    assert record.dump(force=True) == der  # asn1crypto re-encodes our hand-assembled DER byte for byte
    assert record["version"].native == 1
    assert [a["algorithm"].native for a in record["digest_algorithms"]] == ["sha256"]
    seq = record["archive_time_stamp_sequence"]
    assert len(seq) == 1 and len(seq[0]) == 1
    ats = seq[0][0]
    assert ats["digest_algorithm"]["algorithm"].native == "sha256"
    assert ats["time_stamp"]["content_type"].native == "signed_data"
    # [0] IMPLICIT digestAlgorithm, [2] IMPLICIT reducedHashtree, then the ContentInfo
    raw = ats.dump()
    _t, s, e = ev.read_tlv(raw)
    assert [c[0] for c in ev.children(raw, s, e)] == [0xA0, 0xA2, 0x30]
    tree = [[v.native for v in lst] for lst in ats["reduced_hashtree"]]
    assert all(len(lst) >= 1 for lst in tree) and len(tree[0]) == 6  # the package's six files
    assert all(len(lst) == 1 for lst in tree[1:])

    # the optional cryptoInfos and encryptionInfo are parsed and survive a round trip
    with_opt = ev.EvidenceRecord({
        "version": 1, "digest_algorithms": [{"algorithm": "sha256"}],
        "crypto_infos": [cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": datetime(2026, 1, 1, tzinfo=UTC)})]})],
        "encryption_info": {"encryption_info_type": "1.2.3.4", "encryption_info_value": core.OctetString(b"k")},
        "archive_time_stamp_sequence": record["archive_time_stamp_sequence"],
    }).dump()
    again = ev.EvidenceRecord.load(with_opt)
    assert again["crypto_infos"][0]["type"].native == "signing_time"
    assert again["encryption_info"]["encryption_info_type"].dotted == "1.2.3.4"
    assert ev.RecordParts.parse(with_opt).encode() == with_opt
    with fs.open(names[0]) as bag:
        result = ev.verify_record(with_opt, ev.package_members(bag), ev.Trust((ScratchPKI.create().root,)))
    assert result.crypto_infos == 1 and result.encryption_info == "1.2.3.4"


def _sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def test_hash_tree_rules_recomputed_independently(store, tsa) -> None:
    # three leaves by hand: sorted a < b < c; level 1 = [H(a|b), c]; root = H(sort(H(a|b), c))
    a, b, c = sorted(_sha(bytes([i])) for i in range(3))
    t = ev.HashTree("sha256", [c, a, b])
    ab = _sha(a + b)
    assert t.root == _sha(min(ab, c) + max(ab, c))
    assert t.siblings(c) == [ab] and t.siblings(a) == [b, c]
    assert ev.reduced_hashtree([c], t.siblings(c)) == [sorted([c, ab])]
    assert ev.root_of(_sha, ev.reduced_hashtree([a], t.siblings(a))) == t.root
    assert ev.reduced_hashtree([a], []) is None

    fs, names = store
    Renewer(fs, http_timestamper(tsa.url)).renew(names)
    leaves = []
    for name in names:
        bag = fs.root / name
        files = sorted(_sha(p.read_bytes()) for p in bag.rglob("*") if p.is_file())
        ats = ev.EvidenceRecord.load(latest(fs, name))["archive_time_stamp_sequence"][0][0]
        tree = [[v.native for v in lst] for lst in ats["reduced_hashtree"]]
        assert tree[0] == files  # the first list: every file's SHA-256, binary ascending
        node = _sha(b"".join(files))
        for (sibling,) in tree[1:]:  # each higher list: the one sibling
            node = _sha(min(node, sibling) + max(node, sibling))
        info = ev.tst_info(ats["time_stamp"])
        assert info["message_imprint"]["hashed_message"].native == node
        leaves.append(_sha(b"".join(files)))
    assert len({ev.tst_info(ev.EvidenceRecord.load(latest(fs, n))["archive_time_stamp_sequence"][0][0]
                             ["time_stamp"])["serial_number"].native for n in names}) == 1  # one token


def test_verify_passes_and_openssl_accepts_the_token(store, tsa, pki, tmp_path) -> None:
    fs, names = store
    Renewer(fs, http_timestamper(tsa.url)).renew(names)
    results = verify_packages(fs, names, trust(pki))
    assert all(r.passed for r in results), [r.to_json() for r in results if not r.passed]
    r = results[0].result
    assert r is not None and abs((r.existed_at - datetime.now(UTC)).total_seconds()) < 60
    assert r.steps[0].tsa == "TSA 1"
    ats = ev.EvidenceRecord.load(latest(fs, names[0]))["archive_time_stamp_sequence"][0][0]
    (tmp_path / "tok.der").write_bytes(ats["time_stamp"].dump())
    (tmp_path / "root.pem").write_bytes(pki.root_pem())
    root = ev.tst_info(ats["time_stamp"])["message_imprint"]["hashed_message"].native
    out = subprocess.run(["openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "tok.der"),
                          "-digest", root.hex(), "-CAfile", str(tmp_path / "root.pem")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "Verification: OK" in out.stdout, out.stderr
    bad = subprocess.run(["openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "tok.der"),
                          "-digest", _sha(b"other").hex(), "-CAfile", str(tmp_path / "root.pem")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def test_tampering_is_found_with_the_reason(store, tsa, pki) -> None:
    fs, names = store
    Renewer(fs, http_timestamper(tsa.url)).renew(names)
    der = latest(fs, names[1])

    def check(data: bytes, name: str = names[1], t: ev.Trust | None = None) -> ev.EvidenceResult:
        with fs.open(name) as bag:
            return ev.verify_record(data, ev.package_members(bag), t or trust(pki))

    assert check(der).passed
    # a package file changed after archiving
    pdf = fs.root / names[1] / "data" / "records" / "consent.pdf"
    writable(pdf)
    pdf.write_bytes(pdf.read_bytes() + b"%tail")
    r = check(der)
    assert r.status == "FAILED" and r.sub_indication == "HASH_FAILURE" and "consent.pdf" in r.reason
    # the evidence record of another package
    r = check(latest(fs, names[2]), names[3])
    assert r.status == "FAILED" and r.sub_indication == "HASH_FAILURE"
    # a byte of the reduced hash tree changed (a sibling above the first list)
    raw = latest(fs, names[3])
    ats = ev.RecordParts.parse(raw).chains[0][0]
    sibling = ev.ArchiveTimeStamp.load(ats)["reduced_hashtree"][1][0].native
    r = check(raw.replace(sibling, _flip(sibling, 0)), names[3])
    assert r.status == "FAILED" and "altered" in r.reason
    # the time stamp's TSTInfo changed (gen time): the TSA signature no longer holds
    token = ev.ats_time_stamp_der(ats)
    info = ev.tst_info(cms.ContentInfo.load(token)).dump()
    forged = raw.replace(info, info.replace(b"Z", b"Z", 1)[:-1] + bytes([info[-1] ^ 1]))
    r = check(forged, names[3])
    assert r.status == "FAILED" and r.sub_indication in ("SIG_CRYPTO_FAILURE", "FORMAT_FAILURE"), r.to_json()
    # truncated
    r = check(raw[:-10], names[3])
    assert r.status == "FAILED" and r.sub_indication == "FORMAT_FAILURE"
    # a TSA the verifier does not trust
    r = check(raw, names[3], ev.Trust((ScratchPKI.create().root,)))
    assert r.status == "INDETERMINATE" and r.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    # a removed file (group smaller than the record's first list)
    meta = fs.root / names[4] / "data" / "metadata.json"
    os.chmod(meta.parent, 0o755)
    meta.unlink()
    r = check(latest(fs, names[4]), names[4])
    assert r.status == "FAILED" and "removed" in r.reason
    # a package gone from the store
    import shutil
    gone = fs.root / names[6]
    for p in [gone, *gone.rglob("*")]:
        os.chmod(p, 0o755)
    shutil.rmtree(gone)
    missing = verify_packages(fs, [names[6]], trust(pki))[0]
    assert not missing.passed and "cannot be read" in missing.to_json()["reason"]


def test_tsa_down_changes_nothing_and_says_so(store, tsa, pki) -> None:
    fs, names = store
    Renewer(fs, http_timestamper(tsa.url)).renew(names)
    before = sorted(FileObjects(fs.root).keys())
    tsa.stop()
    with pytest.raises(ev.EvidenceError) as exc:
        Renewer(fs, http_timestamper(tsa.url, timeout=2)).renew(names, RenewalPolicy(force_timestamp=True))
    assert exc.value.code == "EVIDENCE_TSA_UNAVAILABLE" and "unchanged" in exc.value.message_en
    assert "原有证据不变" in exc.value.message_zh
    assert sorted(FileObjects(fs.root).keys()) == before
    assert all(r.passed for r in verify_packages(fs, names, trust(pki)))


def test_timestamp_renewal_chain_and_broken_chain(store, tsa, pki) -> None:
    fs, names = store
    Renewer(fs, http_timestamper(tsa.url)).renew(names)
    first = latest(fs, names[0])
    report = Renewer(fs, http_timestamper(tsa.url)).renew(names, RenewalPolicy(force_timestamp=True))
    assert report.timestamp_renewed == 13 and len(tsa.requests) == 2
    renewed = latest(fs, names[0])
    parts = ev.RecordParts.parse(renewed)
    assert len(parts.chains) == 1 and len(parts.chains[0]) == 2 and parts.chains[0][0] == ev.RecordParts.parse(first).chains[0][0]
    second = ev.ArchiveTimeStamp.load(parts.chains[0][1])
    # one previous token shared by all packages: the renewal ATS covers its hash directly
    assert second["reduced_hashtree"].native is None
    assert ev.tst_info(second["time_stamp"])["message_imprint"]["hashed_message"].native == \
        _sha(ev.ats_time_stamp_der(parts.chains[0][0]))
    assert (fs.root / "evidence" / f"{names[0]}.000001.ers").is_file()  # the old record is kept
    with fs.open(names[0]) as bag:
        ok = ev.verify_record(renewed, ev.package_members(bag), trust(pki))
        assert ok.passed and len(ok.steps) == 2 and ok.existed_at == ok.steps[0].time
        # splice in the renewal ATS of a record that renews a different previous time stamp
        other = ev.RecordParts.parse(renewed)
        fake = Renewer(fs, http_timestamper(tsa.url))
        token = ev.request_time_stamp(fake.timestamper, _sha(b"something else"), "sha256")
        other.chains[0][1] = ev.encode_ats("sha256", None, token)
        r = ev.verify_record(other.encode(), ev.package_members(bag), trust(pki))
    assert r.status == "FAILED" and "broken chain" in r.reason


def test_hash_tree_renewal_to_sha512_and_sha3(store, tsa, pki) -> None:
    fs, names = store
    renewer = Renewer(fs, http_timestamper(tsa.url))
    renewer.renew(names)
    old = latest(fs, names[5])
    report = renewer.renew(names, RenewalPolicy(algorithm="sha512", hash_tree=True))
    assert report.hashtree_renewed == 13
    new = latest(fs, names[5])
    record = ev.EvidenceRecord.load(new)
    assert [a["algorithm"].native for a in record["digest_algorithms"]] == ["sha256", "sha512"]
    seq = record["archive_time_stamp_sequence"]
    assert len(seq) == 2 and seq[1][0]["digest_algorithm"]["algorithm"].native == "sha512"
    # the new chain's first list: H'(H'(file) + H'(DER of the previous ArchiveTimeStampSequence))
    ha = hashlib.sha512(ev.RecordParts.parse(old).sequence_der()).digest()
    bag = fs.root / names[5]
    want = sorted(hashlib.sha512(hashlib.sha512(p.read_bytes()).digest() + ha).digest()
                  for p in bag.rglob("*") if p.is_file())
    assert [v.native for v in seq[1][0]["reduced_hashtree"][0]] == want
    weak = {"sha256": date.today() + timedelta(days=1)}
    later = datetime.now(UTC) + timedelta(days=3)
    with fs.open(names[5]) as b:
        assert ev.verify_record(new, ev.package_members(b), trust(pki), weak_since=weak, at=later).passed
        r = ev.verify_record(old, ev.package_members(b), trust(pki), weak_since=weak, at=later)
        assert r.status == "INDETERMINATE" and r.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    # and on to SHA3-512
    renewer.renew(names, RenewalPolicy(algorithm="sha3_512", hash_tree=True))
    third = latest(fs, names[5])
    assert len(ev.RecordParts.parse(third).chains) == 3
    results = verify_packages(fs, names, trust(pki))
    assert all(r.passed for r in results)
    # a file changed: the sha512 and sha3 chains catch it as well
    pdf = bag / "data" / "records" / "consent.pdf"
    writable(pdf)
    pdf.write_bytes(b"%PDF-forged")
    r = verify_packages(fs, [names[5]], trust(pki))[0].result
    assert r is not None and r.status == "FAILED"


@pytest.mark.parametrize("kind", ["timestamp", "hashtree"])
def test_killed_renewal_leaves_old_evidence_valid_and_resumes(tmp_path, tsa, pki, kind) -> None:
    root = tmp_path / "store"
    names = make_packages(root, 300)
    fs = FileStore(root)
    Renewer(fs, http_timestamper(tsa.url)).renew(names)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{Path(__file__).parent}"}
    proc = subprocess.run([sys.executable, str(WORKER), str(root), tsa.url, "120", kind],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    objs = FileObjects(root)
    runs = sorted(objs.keys("runs/"))
    assert len([k for k in runs if k.endswith(".run.json")]) == 2
    assert len([k for k in runs if k.endswith(".done.json")]) == 1  # the killed run has no done marker
    done_now = [n for n in names if objs.exists(f"{n}.000002.ers")]
    assert 100 <= len(done_now) < 300
    assert len(tsa.requests) == 2
    # every package still verifies: with the renewed record or, not yet renewed, the previous one
    assert all(r.passed for r in verify_packages(fs, names, trust(pki)))
    # a record the kill cut short inside its write (here: truncated by hand) is not taken as written
    torn = root / "evidence" / f"{done_now[-1]}.000002.ers"
    writable(torn)
    torn.write_bytes(torn.read_bytes()[:100])
    os.chmod(torn, 0o444)
    report = Renewer(fs, http_timestamper(tsa.url)).renew(names, RenewalPolicy(force_timestamp=False))
    assert report.resumed == 300 - len(done_now) + 1 and report.runs[0].resumed
    assert len(tsa.requests) == 2  # the interrupted run's token is reused: no new request
    assert all(objs.exists(f"{n}.000002.ers") for n in names)
    results = verify_packages(fs, names, trust(pki))
    assert all(r.passed for r in results)
    assert {len({s.chain for s in r.result.steps}) for r in results} == {1 if kind == "timestamp" else 2}  # type: ignore[union-attr]
    assert len([k for k in objs.keys("runs/") if k.endswith(".done.json")]) == 2


def test_expired_tsa_renewed_before_expiry_still_verifies_twelve_years_later(tmp_path, pki) -> None:
    """The clock really moves: the renewal runs four years on (time-machine, the TSA signs then), the
    verification in a process whose clock is twelve years on (libfaketime)."""
    root = tmp_path / "store"
    names = make_packages(root, 5)
    fs = FileStore(root)
    t0 = datetime.now(UTC)
    tsa1 = pki.tsa(t0 - timedelta(hours=1), t0 + timedelta(days=5 * 365), "TSA 2026")
    with start_in_thread(tsa1) as running:
        Renewer(fs, http_timestamper(running.url)).renew(names)
    tsa2 = pki.tsa(t0 + timedelta(days=4 * 365 - 1), t0 + timedelta(days=20 * 365), "TSA 2030")
    with time_machine.travel(t0 + timedelta(days=4 * 365), tick=True), start_in_thread(tsa2) as running:
        nothing = Renewer(fs, http_timestamper(running.url)).renew(names, RenewalPolicy(renew_before=timedelta(days=30)))
        assert nothing.timestamp_renewed == 0 and nothing.up_to_date == 5  # not yet due
        report = Renewer(fs, http_timestamper(running.url)).renew(names)  # due within a year: renewed
        assert report.timestamp_renewed == 5
    (tmp_path / "root.pem").write_bytes(pki.root_pem())
    script = (
        "import json,sys\n"
        "from datetime import datetime,UTC\n"
        "from cryptography import x509\n"
        "from archive.evidence import Trust, verify_record, package_members\n"
        "from archive.store import FileStore\n"
        "root=x509.load_pem_x509_certificate(open(sys.argv[2],'rb').read())\n"
        "fs=FileStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "out={'now': datetime.now(UTC).isoformat()}\n"
        "for n in (1, 2):\n"
        "    der=(fs.root/'evidence'/(sys.argv[3]+'.%06d.ers'%n)).read_bytes()\n"
        "    with fs.open(sys.argv[3]) as bag:\n"
        "        out[n]=verify_record(der, package_members(bag), Trust((root,))).to_json()\n"
        "print(json.dumps(out))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["faketime", "+12 years", sys.executable, "-c", script, str(root),
                           str(tmp_path / "root.pem"), names[0]], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert datetime.fromisoformat(out["now"]) > t0 + timedelta(days=11 * 365)
    renewed, original = out["2"], out["1"]
    assert renewed["status"] == "PASSED", renewed
    assert renewed["steps"][0]["tsa"] == "TSA 2026" and renewed["steps"][1]["tsa"] == "TSA 2030"
    assert datetime.fromisoformat(renewed["existed_at"]) < t0 + timedelta(minutes=5)
    assert original["status"] == "INDETERMINATE" and original["sub_indication"] == "OUT_OF_BOUNDS_NO_POE"
    assert "not renewed" in original["reason"]


def test_large_run_writes_in_worker_processes(tmp_path, tsa, pki) -> None:
    root = tmp_path / "store"
    names = make_packages(root, 2100, payload=64)
    fs = FileStore(root)
    renewer = Renewer(fs, http_timestamper(tsa.url), workers=2)
    assert renewer.renew(names).protected == 2100
    assert renewer.renew(names, RenewalPolicy(force_timestamp=True)).timestamp_renewed == 2100
    assert renewer.renew(names, RenewalPolicy(algorithm="sha512", hash_tree=True)).hashtree_renewed == 2100
    assert len(tsa.requests) == 3
    sample = names[::150]
    assert all(r.passed and len(r.result.steps) == 3 for r in verify_packages(fs, sample, trust(pki)))  # type: ignore[union-attr]


def test_identical_files_in_a_package_and_renewal_when_the_algorithm_weakens(store, tsa, pki) -> None:
    fs, names = store
    bag = fs.root / names[0]
    (bag / "data" / "copy.json").write_bytes((bag / "data" / "metadata.json").read_bytes())
    renewer = Renewer(fs, http_timestamper(tsa.url))
    renewer.renew(names)
    assert verify_packages(fs, [names[0]], trust(pki))[0].passed
    weak = {"sha256": date.today() + timedelta(days=30)}
    same = renewer.renew(names, RenewalPolicy(weak_since=weak))  # sha256 weakens within a year, target sha256
    assert same.hashtree_renewed == 0 and len(same.problems) == 13 and "stronger" in same.problems[0]["reason"]
    report = renewer.renew(names, RenewalPolicy(algorithm="sha512", weak_since=weak))
    assert report.hashtree_renewed == 13
    later = datetime.now(UTC) + timedelta(days=40)
    assert all(r.passed for r in verify_packages(fs, names, trust(pki), at=later, weak_since=weak))
