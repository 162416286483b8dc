"""RFC 4998 Evidence Records (Evidence Record Syntax, ERS) for archived packages, written on asn1crypto.

No Python library implements RFC 4998 (asn1crypto has the CMS and RFC 3161 types, pyHanko renews PDF
document time stamps only, which is an incremental update and cannot touch an object under object
lock), so the syntax, the hash trees and the verification are written here by hand, following
RFC 4998 sections 4 and 5 (and cross-checked against the structures Bouncy Castle's ERS writes).

ASN.1 (RFC 4998 section 2.1 module, IMPLICIT TAGS) and the asn1crypto classes below:

    EvidenceRecord ::= SEQUENCE {
        version                  INTEGER { v1(1) },
        digestAlgorithms         SEQUENCE OF AlgorithmIdentifier,
        cryptoInfos              [0] CryptoInfos OPTIONAL,
        encryptionInfo           [1] EncryptionInfo OPTIONAL,
        archiveTimeStampSequence ArchiveTimeStampSequence }
    CryptoInfos ::= SEQUENCE SIZE (1..MAX) OF Attribute
    EncryptionInfo ::= SEQUENCE { encryptionInfoType OBJECT IDENTIFIER,
                                  encryptionInfoValue ANY DEFINED BY encryptionInfoType }
    ArchiveTimeStampSequence ::= SEQUENCE OF ArchiveTimeStampChain
    ArchiveTimeStampChain    ::= SEQUENCE OF ArchiveTimeStamp
    ArchiveTimeStamp ::= SEQUENCE {
        digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
        attributes      [1] Attributes OPTIONAL,
        reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
        timeStamp       ContentInfo }            -- an RFC 3161 TimeStampToken
    PartialHashtree ::= SEQUENCE OF OCTET STRING
    Attributes ::= SET SIZE (1..MAX) OF Attribute

What is hashed (the data objects).  One archived package (a BagIt bag, archive/package.py) is one
*data object group* (RFC 4998 section 4.2): every regular file of the bag (payload and tag files:
bagit.txt, bag-info.txt, the manifests and tag manifests, data/...) is one data object, hashed over
its exact bytes.  The group's hash values, sorted in binary ascending order, are the first
PartialHashtree of the package's reduced hash tree; their sorted concatenation hashed is the
package's leaf in the Merkle tree built over all packages of one renewal run.  So a single record
(`station verify FILE.pdf --evidence ER`) is proven by finding H(file) in that first list, and a
whole package by the first list being exactly the set of its files' hashes (a changed, added or
removed file is found).  File names are covered through the manifests, which are members too.

Merkle tree over many packages (one archive time stamp for all of them).  Leaves are the packages'
group hashes (or, for time-stamp renewal, the hashes of the previous time stamps), deduplicated and
sorted; each level pairs neighbours, a parent being H(sort(a, b)) (binary ascending order, then
concatenation); an odd node at the end of a level is carried up unchanged.  A node's reduced hash
tree lists its sibling at every level where it has one.  The first list holds the object's own hash
value(s) together with its first sibling (RFC 4998 4.3: "the hash value of the data object and all
other hash values that have the same father node"); no list ever holds a single value, so the
strict RFC reading (hash every list) and Bouncy Castle's (a one-value list passes through) give the
same root.  A single-object tree has no reducedHashtree: the time stamp covers the hash itself.

Renewal (RFC 4998 section 5.2):
- time-stamp renewal: a new ArchiveTimeStamp, added to the last chain, whose first list holds
  H(DER of the previous ArchiveTimeStamp's timeStamp field), same hash algorithm as the chain;
- hash-tree renewal: a new ArchiveTimeStampChain whose first ATS holds, for every data object d of
  the group, H'(H'(d) || H'(DER of the ArchiveTimeStampSequence so far)), H' the new algorithm.

Verification (RFC 4998 section 5.3) recomputes every step from the package bytes, checks every RFC
3161 token (message imprint = recomputed root, the TSA's CMS signature, the TSA certificate chain to
the configured trust roots), each ATS at the time proven by the NEXT ATS (the last one at the
validation time), time order, and the hash algorithm of each chain at the time of the next chain.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

# -- errors -----------------------------------------------------------------------------------------


class EvidenceError(Exception):
    """An evidence-record operation that could not be done; messages in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str, *, code: str = "EVIDENCE_ERROR",
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.code = code
        self.details = details or {}


# -- ASN.1 ------------------------------------------------------------------------------------------


class PartialHashtree(core.SequenceOf):
    _child_spec = core.OctetString


class PartialHashtrees(core.SequenceOf):
    _child_spec = PartialHashtree


class Attributes(core.SetOf):
    _child_spec = cms.CMSAttribute


class ArchiveTimeStamp(core.Sequence):
    _fields = [
        ("digest_algorithm", algos.DigestAlgorithm, {"implicit": 0, "optional": True}),
        ("attributes", Attributes, {"implicit": 1, "optional": True}),
        ("reduced_hashtree", PartialHashtrees, {"implicit": 2, "optional": True}),
        ("time_stamp", cms.ContentInfo),
    ]


class ArchiveTimeStampChain(core.SequenceOf):
    _child_spec = ArchiveTimeStamp


class ArchiveTimeStampSequence(core.SequenceOf):
    _child_spec = ArchiveTimeStampChain


class CryptoInfos(core.SequenceOf):
    _child_spec = cms.CMSAttribute


class EncryptionInfo(core.Sequence):
    _fields = [
        ("encryption_info_type", core.ObjectIdentifier),
        ("encryption_info_value", core.Any),
    ]


class DigestAlgorithms(core.SequenceOf):
    _child_spec = algos.DigestAlgorithm


class EvidenceRecord(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("digest_algorithms", DigestAlgorithms),
        ("crypto_infos", CryptoInfos, {"implicit": 0, "optional": True}),
        ("encryption_info", EncryptionInfo, {"implicit": 1, "optional": True}),
        ("archive_time_stamp_sequence", ArchiveTimeStampSequence),
    ]


# -- hashing ----------------------------------------------------------------------------------------

ALGORITHMS = ("sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512")
_HASHLIB = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512", "sha3_256": "sha3_256",
            "sha3_384": "sha3_384", "sha3_512": "sha3_512", "sha1": "sha1", "md5": "md5"}
# When each algorithm stopped being fit to protect evidence (checked at the time of the next chain,
# or the validation time for the last one).  The caller may pass its own policy.
DEFAULT_WEAK_SINCE: dict[str, date] = {"md5": date(2004, 8, 17), "sha1": date(2017, 2, 23)}


def hasher(algorithm: str) -> Callable[[bytes], bytes]:
    if algorithm not in _HASHLIB:
        raise EvidenceError(f"不支持的摘要算法：{algorithm}", f"Unsupported digest algorithm: {algorithm}",
                            code="EVIDENCE_ALGORITHM")
    ctor = getattr(hashlib, _HASHLIB[algorithm])
    return lambda data: ctor(data).digest()


def file_hash(path: Path, algorithm: str) -> bytes:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, _HASHLIB[algorithm]).digest()


def node_hash(h: Callable[[bytes], bytes], values: Iterable[bytes]) -> bytes:
    """RFC 4998 4.2 step 4: sort in binary ascending order, concatenate, hash."""
    return h(b"".join(sorted(values)))


def package_files(bag_dir: Path) -> list[str]:
    """Every regular file of the bag, as POSIX paths relative to the bag, sorted."""
    out: list[str] = []
    stack = [("", str(bag_dir))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((prefix + entry.name + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    out.append(prefix + entry.name)
    return sorted(out)


def package_member_hashes(bag_dir: Path, algorithm: str) -> dict[str, bytes]:
    """The data objects of one package's group: H(file bytes) per file of the bag."""
    ctor = getattr(hashlib, _HASHLIB[algorithm])
    base = str(bag_dir) + os.sep
    out = {}
    for rel in package_files(bag_dir):
        with open(base + rel, "rb") as fh:
            out[rel] = hashlib.file_digest(fh, ctor).digest()
    return out


def renewed_member(h: Callable[[bytes], bytes], object_hash: bytes, previous_sequence_hash: bytes) -> bytes:
    """RFC 4998 5.2 hash-tree renewal: h(i) = H(h(d(i)) + ha(i)), data hash first."""
    return h(object_hash + previous_sequence_hash)


class HashTree:
    """The Merkle tree of one archive time stamp over many leaves (see the module docstring)."""

    def __init__(self, algorithm: str, leaves: Iterable[bytes]) -> None:
        h = hasher(algorithm)
        first = sorted(set(leaves))
        if not first:
            raise EvidenceError("没有可加盖时间戳的数据", "Nothing to time-stamp", code="EVIDENCE_EMPTY")
        self.algorithm = algorithm
        self.levels: list[list[bytes]] = [first]
        self.index = {leaf: i for i, leaf in enumerate(first)}
        level = first
        while len(level) > 1:
            nxt = []
            for i in range(0, len(level) - 1, 2):
                a, b = level[i], level[i + 1]
                nxt.append(h(a + b) if a <= b else h(b + a))
            if len(level) % 2:
                nxt.append(level[-1])
            self.levels.append(nxt)
            level = nxt

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def siblings(self, leaf: bytes) -> list[bytes]:
        i = self.index[leaf]
        out = []
        for level in self.levels[:-1]:
            j = i ^ 1
            if j < len(level):
                out.append(level[j])
            i //= 2
        return out


def reduced_hashtree(members: Sequence[bytes], siblings: Sequence[bytes]) -> list[list[bytes]] | None:
    """The reduced hash tree of one object (one member) or group (several members)."""
    members = sorted(members)
    if len(members) == 1:
        if not siblings:
            return None  # the time stamp covers the object's hash directly
        return [sorted([members[0], siblings[0]])] + [[s] for s in siblings[1:]]
    return [members] + [[s] for s in siblings]


def root_of(h: Callable[[bytes], bytes], tree: Sequence[Sequence[bytes]]) -> bytes:
    """RFC 4998 4.3 verification step 3: each list, with the value computed from the previous one,
    sorted, concatenated and hashed; a list of one value with nothing carried passes unchanged."""
    current: bytes | None = None
    for values in tree:
        items = list(values) + ([current] if current is not None else [])
        current = items[0] if len(items) == 1 else node_hash(h, items)
    if current is None:
        raise ValueError("empty reduced hash tree")
    return current


# -- DER assembly (fast path; the asn1crypto classes above decode and re-encode the same bytes) ------


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


def read_tlv(data: bytes, pos: int = 0) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at `pos` (single-byte tags)."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    n = first & 0x7F
    if n == 0 or n > 4:
        raise ValueError("unsupported DER length")
    length = int.from_bytes(data[pos + 2:pos + 2 + n], "big")
    start = pos + 2 + n
    if start + length > len(data):
        raise ValueError("truncated DER")
    return tag, start, start + length


def children(data: bytes, start: int, end: int) -> list[bytes]:
    out = []
    pos = start
    while pos < end:
        _tag, _s, e = read_tlv(data, pos)
        out.append(data[pos:e])
        pos = e
    if pos != end:
        raise ValueError("DER element overruns its parent")
    return out


_ALGO_DER: dict[str, bytes] = {}


def algorithm_der(algorithm: str) -> bytes:
    if algorithm not in _ALGO_DER:
        hasher(algorithm)
        _ALGO_DER[algorithm] = algos.DigestAlgorithm({"algorithm": algorithm}).dump()
    return _ALGO_DER[algorithm]


def encode_ats(algorithm: str, tree: Sequence[Sequence[bytes]] | None, token_der: bytes) -> bytes:
    parts = [b"\xa0" + algorithm_der(algorithm)[1:]]  # [0] IMPLICIT AlgorithmIdentifier
    if tree:
        parts.append(tlv(0xA2, b"".join(tlv(0x30, b"".join(tlv(0x04, v) for v in lst)) for lst in tree)))
    parts.append(token_der)
    return tlv(0x30, b"".join(parts))


@dataclass
class RecordParts:
    """The raw top-level pieces of an EvidenceRecord (for appending without a full parse)."""

    algorithms: list[bytes]  # DER AlgorithmIdentifier each
    optional: bytes  # raw [0] cryptoInfos and [1] encryptionInfo, if any
    chains: list[list[bytes]]  # DER ArchiveTimeStamp per chain

    @classmethod
    def parse(cls, der: bytes) -> RecordParts:
        tag, s, e = read_tlv(der)
        if tag != 0x30 or e != len(der):
            raise ValueError("not one DER SEQUENCE")
        top = children(der, s, e)
        if len(top) < 3 or top[0] != b"\x02\x01\x01":
            raise ValueError("not an EvidenceRecord v1")
        _t, a_s, a_e = read_tlv(top[1])
        algorithms = children(top[1], a_s, a_e)
        optional = b"".join(t for t in top[2:-1] if t[0] in (0xA0, 0xA1))
        seq = top[-1]
        _t, q_s, q_e = read_tlv(seq)
        chains = []
        for chain in children(seq, q_s, q_e):
            _t, c_s, c_e = read_tlv(chain)
            chains.append(children(chain, c_s, c_e))
        if not chains or not all(chains):
            raise ValueError("empty archive time stamp sequence or chain")
        return cls(algorithms, optional, chains)

    def sequence_der(self, count: int | None = None) -> bytes:
        chains = self.chains if count is None else self.chains[:count]
        return tlv(0x30, b"".join(tlv(0x30, b"".join(c)) for c in chains))

    def encode(self) -> bytes:
        return tlv(0x30, b"\x02\x01\x01" + tlv(0x30, b"".join(self.algorithms)) + self.optional
                   + self.sequence_der())

    def last_ats(self) -> bytes:
        return self.chains[-1][-1]

    def ats_count(self) -> int:
        return sum(len(c) for c in self.chains)


def ats_time_stamp_der(ats_der: bytes) -> bytes:
    """The DER of an ArchiveTimeStamp's timeStamp field (its last element)."""
    _t, s, e = read_tlv(ats_der)
    return children(ats_der, s, e)[-1]


def ats_algorithm(ats_der: bytes) -> str:
    _t, s, _e = read_tlv(ats_der)
    _t2, _s2, e2 = read_tlv(ats_der, s)
    if ats_der[s] == 0xA0:  # [0] IMPLICIT digestAlgorithm: look it up without a parse
        raw = b"\x30" + ats_der[s + 1:e2]
        for name in ALGORITHMS:
            if algorithm_der(name) == raw:
                return name
    ats = ArchiveTimeStamp.load(ats_der)
    if ats["digest_algorithm"].native is not None:
        return str(ats["digest_algorithm"]["algorithm"].native)
    return str(tst_info(ats["time_stamp"])["message_imprint"]["hash_algorithm"]["algorithm"].native)


def new_record(algorithm: str, ats_der: bytes) -> bytes:
    return RecordParts([algorithm_der(algorithm)], b"", [[ats_der]]).encode()


def timestamp_renewed(previous: bytes, ats_der: bytes) -> bytes:
    parts = RecordParts.parse(previous)
    parts.chains[-1].append(ats_der)
    return parts.encode()


def hashtree_renewed(previous: bytes, algorithm: str, ats_der: bytes) -> bytes:
    parts = RecordParts.parse(previous)
    if algorithm_der(algorithm) not in parts.algorithms:
        parts.algorithms.append(algorithm_der(algorithm))
    parts.chains.append([ats_der])
    return parts.encode()


# -- RFC 3161 tokens --------------------------------------------------------------------------------


def tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    if token["content_type"].native != "signed_data":
        raise ValueError("the time stamp is not CMS SignedData")
    eci = token["content"]["encap_content_info"]
    if eci["content_type"].native != "tst_info":
        raise ValueError("the time stamp does not carry a TSTInfo")
    return eci["content"].parsed


def request_time_stamp(timestamper: Any, digest: bytes, algorithm: str) -> bytes:
    """One RFC 3161 request through signing.tsa's client (or any pyHanko TimeStamper); returns the
    token's DER.  A TSA that cannot be reached or refuses raises EvidenceError TSA_UNAVAILABLE."""
    try:
        token = asyncio.run(timestamper.async_timestamp(digest, algorithm))
    except Exception as exc:  # the client raises pyHanko's TimestampRequestError, requests/OS errors
        raise EvidenceError(f"时间戳服务不可用或拒绝请求：{exc}；未写入任何证据记录，原有证据不变",
                            f"The time stamp authority is unavailable or refused: {exc}; no evidence record was "
                            f"written and the existing evidence is unchanged",
                            code="EVIDENCE_TSA_UNAVAILABLE", details={"error": str(exc)}) from exc
    info = tst_info(token)
    imprint = info["message_imprint"]
    if imprint["hashed_message"].native != digest or imprint["hash_algorithm"]["algorithm"].native != algorithm:
        raise EvidenceError("时间戳服务返回的时间戳与请求不符", "The TSA time-stamped another digest",
                            code="EVIDENCE_TSA_MISMATCH")
    return token.dump()


def _hash_cls(name: str) -> hashes.HashAlgorithm:
    table: dict[str, hashes.HashAlgorithm] = {
        "sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512(),
        "sha3_256": hashes.SHA3_256(), "sha3_384": hashes.SHA3_384(), "sha3_512": hashes.SHA3_512(),
        "sha1": hashes.SHA1(),
    }
    if name not in table:
        raise ValueError(f"unsupported digest {name}")
    return table[name]


@dataclass
class TokenFacts:
    gen_time: datetime
    imprint_algorithm: str
    imprint: bytes
    signer: x509.Certificate | None
    certificates: list[x509.Certificate]
    signature_problem: str | None  # None: the CMS signature is valid


def token_facts(token: cms.ContentInfo) -> TokenFacts:
    info = tst_info(token)
    signed = token["content"]
    certs: list[x509.Certificate] = []
    asn1_certs = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            asn1_certs.append(choice.chosen)
            certs.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    imprint = info["message_imprint"]
    facts = TokenFacts(info["gen_time"].native, str(imprint["hash_algorithm"]["algorithm"].native),
                       imprint["hashed_message"].native, None, certs, None)
    infos = signed["signer_infos"]
    if len(infos) != 1:
        facts.signature_problem = "the time stamp has not exactly one signer"
        return facts
    si = infos[0]
    sid = si["sid"]
    for a, c in zip(asn1_certs, certs, strict=True):
        if sid.name == "issuer_and_serial_number":
            if a.issuer == sid.chosen["issuer"] and a.serial_number == sid.chosen["serial_number"].native:
                facts.signer = c
        elif a.key_identifier == sid.chosen.native:
            facts.signer = c
    if facts.signer is None:
        facts.signature_problem = "the TSA certificate is not in the time stamp"
        return facts
    facts.signature_problem = _signature_problem(si, signed, facts.signer)
    return facts


def _signature_problem(si: cms.SignerInfo, signed: cms.SignedData, cert: x509.Certificate) -> str | None:
    digest_name = si["digest_algorithm"]["algorithm"].native
    content = signed["encap_content_info"]["content"].contents
    attrs = si["signed_attrs"]
    if not attrs:
        return "the time stamp's signature has no signed attributes"
    values = {a["type"].native: a["values"] for a in attrs}
    try:
        if values["content_type"][0].native != "tst_info":
            return "the signed content type is not TSTInfo"
        if values["message_digest"][0].native != hashlib.new(_HASHLIB[digest_name], content).digest():
            return "the TSTInfo does not match the signed message digest (the time stamp was altered)"
    except KeyError:
        return "the content type or message digest attribute is missing"
    signing_cert = values.get("signing_certificate_v2")
    if signing_cert is not None:
        ess = signing_cert[0]["certs"][0]
        algo = ess["hash_algorithm"]["algorithm"].native
        if ess["cert_hash"].native != hashlib.new(_HASHLIB[algo], cert.public_bytes(Encoding.DER)).digest():
            return "the ESS signing certificate does not name the TSA certificate"
    data = tlv(0x31, attrs.contents)  # signed over as a SET OF, not under the [0] IMPLICIT tag
    signature = si["signature"].native
    algo_name = si["signature_algorithm"].signature_algo
    key = cert.public_key()
    h = _hash_cls(digest_name)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if algo_name == "rsassa_pss":
                params = si["signature_algorithm"]["parameters"]
                pss_hash = _hash_cls(params["hash_algorithm"]["algorithm"].native)
                key.verify(signature, data, padding.PSS(padding.MGF1(pss_hash), params["salt_length"].native),
                           pss_hash)
            else:
                key.verify(signature, data, padding.PKCS1v15(), h)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(h))
        else:
            return f"unsupported TSA key type {type(key).__name__}"
    except InvalidSignature:
        return "the TSA's signature on the time stamp is not valid (the time stamp was altered)"
    return None


# -- certificate path at a given time ---------------------------------------------------------------


@dataclass(frozen=True)
class Trust:
    """Trust roots (kept also after a CA rollover), extra intermediates, CRLs (optional)."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def certificate_path(signer: x509.Certificate, pool: Sequence[x509.Certificate], trust: Trust
                     ) -> list[x509.Certificate] | None:
    path = [signer]
    cert = signer
    for _ in range(6):
        for root in trust.roots:
            if cert == root or _issued_by(cert, root):
                if cert != root:
                    path.append(root)
                return path
        nxt = next((c for c in [*pool, *trust.intermediates] if c != cert and _issued_by(cert, c)), None)
        if nxt is None:
            return None
        path.append(nxt)
        cert = nxt
    return None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _revoked_by(cert: x509.Certificate, issuer: x509.Certificate, trust: Trust) -> datetime | None:
    for crl in trust.crls:
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            return entry.revocation_date_utc
    return None


# -- verification -----------------------------------------------------------------------------------

PASSED, FAILED, INDETERMINATE = "PASSED", "FAILED", "INDETERMINATE"


@dataclass
class Step:
    chain: int
    index: int
    algorithm: str
    time: datetime | None
    tsa: str
    tsa_not_after: datetime | None
    checked_at: datetime | None  # the time the TSA certificate path was checked at
    status: str = PASSED
    sub_indication: str = ""
    reason: str = ""

    def fail(self, status: str, sub: str, reason: str) -> None:
        if self.status == FAILED or (self.status == INDETERMINATE and status == INDETERMINATE):
            return
        self.status, self.sub_indication, self.reason = status, sub, reason

    def to_json(self) -> dict[str, Any]:
        return {"chain": self.chain, "index": self.index, "algorithm": self.algorithm,
                "time": self.time.isoformat() if self.time else None, "tsa": self.tsa,
                "tsa_not_after": self.tsa_not_after.isoformat() if self.tsa_not_after else None,
                "checked_at": self.checked_at.isoformat() if self.checked_at else None,
                "status": self.status, "sub_indication": self.sub_indication, "reason": self.reason}


@dataclass
class EvidenceResult:
    status: str
    sub_indication: str = ""
    reason: str = ""
    existed_at: datetime | None = None  # the time the first archive time stamp proves
    steps: list[Step] = field(default_factory=list)
    validated_at: datetime | None = None
    crypto_infos: int = 0
    encryption_info: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "sub_indication": self.sub_indication, "reason": self.reason,
                "existed_at": self.existed_at.isoformat() if self.existed_at else None,
                "validated_at": self.validated_at.isoformat() if self.validated_at else None,
                "crypto_infos": self.crypto_infos, "encryption_info": self.encryption_info,
                "steps": [s.to_json() for s in self.steps]}


# `members(algorithm, previous_sequence_hash)` gives the data objects' hash values for one chain:
# H(d) per object for the first chain, H(H(d) + ha) for a chain started by hash-tree renewal.
Members = Callable[[str, "bytes | None"], Mapping[str, bytes]]


def package_members(bag_dir: Path) -> Members:
    cache: dict[str, dict[str, bytes]] = {}

    def members(algorithm: str, ha: bytes | None) -> Mapping[str, bytes]:
        if algorithm not in cache:
            cache[algorithm] = package_member_hashes(bag_dir, algorithm)
        base = cache[algorithm]
        if ha is None:
            return base
        h = hasher(algorithm)
        return {rel: renewed_member(h, v, ha) for rel, v in base.items()}

    return members


def file_members(name: str, data: bytes) -> Members:
    def members(algorithm: str, ha: bytes | None) -> Mapping[str, bytes]:
        v = hasher(algorithm)(data)
        return {name: renewed_member(hasher(algorithm), v, ha) if ha is not None else v}

    return members


def _cn(cert: x509.Certificate | None) -> str:
    if cert is None:
        return ""
    attrs = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else cert.subject.rfc4514_string()


def verify_record(der: bytes, members: Members, trust: Trust, *, at: datetime | None = None,
                  whole_group: bool = True, weak_since: Mapping[str, date] | None = None) -> EvidenceResult:
    """Verify one evidence record against the data it protects (RFC 4998 5.3), as of `at` (default:
    the clock now).  `whole_group`: the first list must be exactly the members (a package), not
    merely contain them (one file of a package)."""
    now = (at or datetime.now(UTC)).astimezone(UTC)
    weak = DEFAULT_WEAK_SINCE if weak_since is None else weak_since
    result = EvidenceResult(PASSED, validated_at=now)
    try:
        parts = RecordParts.parse(der)  # walks every element down to the ArchiveTimeStamps
        record = EvidenceRecord.load(der)
        for chain in record["archive_time_stamp_sequence"]:
            for ats in chain:
                _ = ats["reduced_hashtree"].native
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return EvidenceResult(FAILED, "FORMAT_FAILURE", f"the evidence record cannot be read: {exc}",
                              validated_at=now)
    result.crypto_infos = len(record["crypto_infos"]) if record["crypto_infos"].native is not None else 0
    if record["encryption_info"].native is not None:
        result.encryption_info = str(record["encryption_info"]["encryption_info_type"].dotted)
    sequence = record["archive_time_stamp_sequence"]
    flat: list[tuple[int, int, ArchiveTimeStamp, TokenFacts | None, str]] = []
    for c, chain in enumerate(sequence):
        for i, ats in enumerate(chain):
            try:
                facts: TokenFacts | None = token_facts(ats["time_stamp"])
                problem = ""
            except (ValueError, TypeError, KeyError) as exc:
                facts, problem = None, f"the time stamp cannot be read: {exc}"
            flat.append((c, i, ats, facts, problem))
    # evidence made after the validation time does not exist yet at that time
    usable = [f for f in flat if f[3] is None or f[3].gen_time <= now]
    if not usable:
        first_time = flat[0][3].gen_time if flat[0][3] else None
        return EvidenceResult(INDETERMINATE, "NO_POE",
                              f"the first archive time stamp ({first_time}) is later than the validation time",
                              validated_at=now)
    chain_algorithms: dict[int, str] = {}
    previous_time: datetime | None = None
    for n, (c, i, ats, facts, problem) in enumerate(usable):
        nxt = usable[n + 1][3] if n + 1 < len(usable) else None
        checked_at = nxt.gen_time if nxt is not None else now
        step = Step(c, i, "", facts.gen_time if facts else None, _cn(facts.signer) if facts else "",
                    facts.signer.not_valid_after_utc if facts and facts.signer else None, checked_at)
        result.steps.append(step)
        if facts is None:
            step.fail(FAILED, "FORMAT_FAILURE", problem)
            continue
        algorithm = (str(ats["digest_algorithm"]["algorithm"].native) if ats["digest_algorithm"].native
                     else facts.imprint_algorithm)
        step.algorithm = algorithm
        if algorithm not in _HASHLIB:
            step.fail(FAILED, "FORMAT_FAILURE", f"unsupported digest algorithm {algorithm}")
            continue
        if facts.imprint_algorithm != algorithm:
            step.fail(FAILED, "HASH_FAILURE", f"the time stamp's imprint uses {facts.imprint_algorithm}, "
                                              f"the archive time stamp {algorithm}")
        chain_algorithms.setdefault(c, algorithm)
        if chain_algorithms[c] != algorithm:
            step.fail(FAILED, "HASH_FAILURE", f"chain {c} mixes {chain_algorithms[c]} and {algorithm}")
        h = hasher(algorithm)
        tree = [[v.native for v in lst] for lst in ats["reduced_hashtree"]] \
            if ats["reduced_hashtree"].native is not None else None
        first = set(tree[0]) if tree else {facts.imprint}
        # what the first list must hold
        if i == 0:
            ha = h(parts.sequence_der(c)) if c > 0 else None
            expected = members(algorithm, ha)
            missing = sorted(name for name, v in expected.items() if v not in first)
            if missing:
                what = ("the data no longer match the evidence record (changed or added: " + ", ".join(missing[:5]) + ")"
                        if c == 0 else "broken chain: the hash-tree renewal does not cover the data and the "
                                       "previous chains (" + ", ".join(missing[:5]) + ")")
                step.fail(FAILED, "HASH_FAILURE", what)
            elif whole_group and tree and len(expected) > 1 and sorted(tree[0]) != sorted(expected.values()):
                step.fail(FAILED, "HASH_FAILURE", "the package has fewer files than the evidence record "
                                                  "covers (a file was removed)")
        else:
            prev_ts = sequence[c][i - 1]["time_stamp"].dump()
            if h(prev_ts) not in first:
                step.fail(FAILED, "HASH_FAILURE", "broken chain: this archive time stamp does not cover the "
                                                  "previous one's time stamp")
        root = root_of(h, tree) if tree else facts.imprint
        if root != facts.imprint:
            step.fail(FAILED, "HASH_FAILURE", "the reduced hash tree does not lead to the time-stamped root "
                                              "(the evidence record was altered)")
        if facts.signature_problem:
            step.fail(FAILED, "SIG_CRYPTO_FAILURE", facts.signature_problem)
        if previous_time is not None and facts.gen_time < previous_time:
            step.fail(FAILED, "TIMESTAMP_ORDER_FAILURE",
                      f"archive time stamp of {facts.gen_time} is earlier than the previous one ({previous_time})")
        previous_time = facts.gen_time
        _check_tsa(step, facts, trust, checked_at, renewed=nxt is not None)
        # the chain's hash algorithm must still be secure when the next chain starts (or now)
        later_chain = next((u[3] for u in usable[n + 1:] if u[0] != c and u[3] is not None), None)
        alg_time = later_chain.gen_time if later_chain else now
        since = weak.get(algorithm)
        if since is not None and alg_time.date() >= since:
            step.fail(INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
                      f"{algorithm} is not secure since {since} and the hash tree was not renewed before")
    result.existed_at = usable[0][3].gen_time if usable[0][3] else None
    worst = next((s for s in result.steps if s.status == FAILED), None) or \
        next((s for s in result.steps if s.status == INDETERMINATE), None)
    if worst is not None:
        result.status, result.sub_indication = worst.status, worst.sub_indication
        result.reason = f"chain {worst.chain}, archive time stamp {worst.index}: {worst.reason}"
    return result


def _check_tsa(step: Step, facts: TokenFacts, trust: Trust, when: datetime, *, renewed: bool) -> None:
    signer = facts.signer
    if signer is None:
        return
    try:
        eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        if ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
            step.fail(FAILED, "CHAIN_CONSTRAINTS_FAILURE", "the signer is not a time stamp authority")
    except x509.ExtensionNotFound:
        step.fail(FAILED, "CHAIN_CONSTRAINTS_FAILURE", "the signer certificate has no timeStamping usage")
    if not _valid_at(signer, facts.gen_time):
        step.fail(FAILED, "CHAIN_CONSTRAINTS_FAILURE",
                  "the TSA certificate was not valid when the time stamp was made")
    path = certificate_path(signer, facts.certificates, trust)
    if path is None:
        step.fail(INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND",
                  "the TSA certificate does not chain to a configured trust root")
        return
    for cert, issuer in itertools.pairwise(path):
        if not _is_ca(issuer):
            step.fail(FAILED, "CHAIN_CONSTRAINTS_FAILURE", f"{_cn(issuer)} is not a CA")
        revoked = _revoked_by(cert, issuer, trust)
        if revoked is not None and revoked <= when:
            step.fail(INDETERMINATE, "REVOKED_NO_POE",
                      f"{_cn(cert)} was revoked on {revoked.isoformat()}"
                      + ("" if renewed else " and the evidence was not renewed before"))
    for cert in path:
        if not _valid_at(cert, when):
            if renewed:
                reason = (f"{_cn(cert)} (valid {cert.not_valid_before_utc.date()} to "
                          f"{cert.not_valid_after_utc.date()}) was not valid when the next archive time "
                          f"stamp ({when.isoformat()}) renewed the evidence")
            else:
                reason = (f"{_cn(cert)} expired on {cert.not_valid_after_utc.isoformat()} and the evidence "
                          f"was not renewed before")
            step.fail(INDETERMINATE, "OUT_OF_BOUNDS_NO_POE", reason)
            return


def last_tsa_expiry(der: bytes) -> datetime | None:
    """notAfter of the TSA certificate (or its chain in the token, whichever is first) of the last
    archive time stamp: the evidence must be renewed before then."""
    parts = RecordParts.parse(der)
    token = cms.ContentInfo.load(ats_time_stamp_der(parts.last_ats()))
    facts = token_facts(token)
    if facts.signer is None:
        return None
    return min(c.not_valid_after_utc for c in [facts.signer, *facts.certificates])
