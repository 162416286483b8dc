"""Verification of signed records: AdES long-term validation, reported like the EU DSS simple report.

Every signature is validated with pyHanko's `ades_lta_validation`, which uses the embedded
signature time stamps and the chain of document time stamps as proof of existence; so a
donor signature still passes after its 24-hour certificate has expired. Document time stamps
are listed too (meaning "archive-timestamp"): a record passes only if every entry passes.
"""
from __future__ import annotations

import asyncio
import binascii
import functools
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field  # SignatureReport has a member named "field"
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed
from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from signing.errors import SigningError
from signing.pades import REVOCATION_POLICY, meaning_from_reason

log = logging.getLogger(__name__)

# --- Speed-ups (profiled on the archive job: ~1/3 of the validation time) -----------------------
# Both are exact: they return what the library code returns, or leave the work to it.

_HEX_BODY = re.compile(rb"<[0-9A-Fa-f \n\r\t\f\x00]*")
_PDF_WS = re.compile(rb"[ \n\r\t\f\x00]+")


def read_hex_body(stream: Any) -> bytes | None:
    """Decode the hex string `<...>` at the stream's position in one step, or None (position unchanged).

    PDF parsers read hex strings a byte at a time, which makes the 30 KB `/Contents` of every
    signature the costliest object of a signed record. Only the plain form (hex digits and PDF
    white space) is handled here; anything else (a comment, a stray byte, a truncated string)
    returns None so that the library's own reader handles it, errors included.
    """
    start = stream.tell()
    parts: list[bytes] = []
    size = 512  # most hex strings are short (/ID); signature contents are tens of KB
    while True:
        chunk = stream.read(size)
        size = 65536
        if not chunk:
            stream.seek(start)
            return None
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
    body = b"".join(parts)
    if not _HEX_BODY.fullmatch(body):
        stream.seek(start)
        return None
    stream.seek(start + len(body) + 1)
    digits = _PDF_WS.sub(b"", body[1:])
    if len(digits) % 2:
        digits += b"0"  # PDF 32000-1 7.3.4.3: a missing final digit is 0
    return binascii.unhexlify(digits)


@functools.lru_cache(maxsize=8192)
def _string_prep(value: str) -> str:
    return _ORIGINAL["ldap_string_prep"](None, value)  # type: ignore[no-any-return]


_ORIGINAL: dict[str, Any] = {}  # the library functions replaced below
_NAME_EQ_CACHE: dict[tuple[bytes, bytes], bool] = {}


def _name_eq(self: asn1_x509.Name, other: object) -> bool:
    """RFC 5280 name comparison, memoised on the two DER encodings (the same few names recur)."""
    if not isinstance(other, asn1_x509.Name):
        return False
    key = (self.dump(), other.dump())
    result = _NAME_EQ_CACHE.get(key)
    if result is None:
        if len(_NAME_EQ_CACHE) >= 4096:
            _NAME_EQ_CACHE.clear()
        result = _NAME_EQ_CACHE[key] = bool(_ORIGINAL["name_eq"](self, other))
    return result


_VERIFIED: dict[bytes, bool] = {}


def _verified_key(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


def _install_signature_memo() -> None:
    """Remember successful signature checks: the CA's, TSA's and staff certificates and the CRLs
    recur in every record, and each is checked several times per record. Only a check that
    passed is remembered, keyed by everything it depends on (signature, signed data, public key,
    algorithm, context); a failing one runs (and raises) every time."""
    from pyhanko_certvalidator import sig_validate

    original = sig_validate._validate_raw
    if getattr(original, "_station_fast", False):
        return

    def _validate_raw(signature: bytes, signed_data: bytes, public_key_info: Any, signature_algorithm: Any,
                      context: Any = sig_validate.DEFAULT_VALIDATION_CONTEXT) -> None:
        key = _verified_key(bytes(signature), bytes(signed_data), public_key_info.dump(),
                            signature_algorithm.dump(), repr(context).encode())
        if key in _VERIFIED:
            return
        original(signature, signed_data, public_key_info, signature_algorithm, context)
        if len(_VERIFIED) >= 4096:
            _VERIFIED.clear()
        _VERIFIED[key] = True

    _validate_raw._station_fast = True  # type: ignore[attr-defined]
    _validate_raw.__wrapped__ = original  # type: ignore[attr-defined]
    sig_validate._validate_raw = _validate_raw


_PDF_DELIMITER = re.compile(rb"[ \n\r\t\f\x00()<>\[\]{}/%]")  # PDF white space and delimiters


def read_until_delimiter(stream: Any) -> bytes:
    """pyHanko's `misc.read_until_delimiter` in chunks instead of a byte at a time: the bytes up to
    the first PDF white-space or delimiter character, the stream left on that character (or at
    the end). Numbers, keywords and names are read with it, so it runs for almost every token."""
    start = stream.tell()
    head = b""
    size = 64
    while True:
        chunk = stream.read(size)
        if not chunk:
            return head
        m = _PDF_DELIMITER.search(chunk)
        if m is not None:
            stream.seek(start + len(head) + m.start())
            return head + chunk[:m.start()]
        head += chunk
        size = 4096


_PDF_NON_WHITESPACE = re.compile(rb"[^ \n\r\t\f\x00]")


def read_non_whitespace(stream: Any, seek_back: bool = False, allow_eof: bool = False) -> bytes:
    """pyHanko's `misc.read_non_whitespace` (the next byte that is not PDF white space, called for
    every token) on a chunk; comments, long runs of white space and the end of the stream are
    left to the library's function, from the same position."""
    start = stream.tell()
    chunk = stream.read(64)
    m = _PDF_NON_WHITESPACE.search(chunk)
    if m is None or chunk[m.start()] == 0x25:  # no token in this chunk, or a comment
        stream.seek(start)
        return _ORIGINAL["read_non_whitespace"](stream, seek_back, allow_eof)  # type: ignore[no-any-return]
    pos = m.start()
    stream.seek(start + pos + (0 if seek_back else 1))
    return chunk[pos:pos + 1]


_NAME_CACHE: dict[bytes, str] = {}


def _decode_name(name_bytes: bytes) -> Any:
    """pyHanko's name decoding (escapes expanded, byte by byte), memoised: the same names recur in
    every object. A name that fails to decode is not remembered (it raises every time).

    Only the decoded text is kept: each call returns a new NameObject, because the parser then
    sets the object's `container_ref` (its file); a shared object would tie files together."""
    from pyhanko.pdf_utils.generic import NameObject

    text = _NAME_CACHE.get(name_bytes)
    if text is None:
        text = str(_ORIGINAL["decode_name"](name_bytes))
        if len(_NAME_CACHE) >= 8192:
            _NAME_CACHE.clear()
        _NAME_CACHE[name_bytes] = text
    return NameObject(text)


_HASHABLE_CACHE: dict[bytes, str] = {}


def _name_hashable(self: asn1_x509.Name) -> str:
    """asn1crypto's normalised form of a name (registry and CRL look-ups), memoised on its DER encoding."""
    key = self.dump()
    result = _HASHABLE_CACHE.get(key)
    if result is None:
        if len(_HASHABLE_CACHE) >= 4096:
            _HASHABLE_CACHE.clear()
        result = _HASHABLE_CACHE[key] = _ORIGINAL["name_hashable"].fget(self)
    return result


def _install_diff_memo() -> None:
    """Remember, per open file, the difference analysis that found the later revisions allowed.

    The long-term validation reviews every signature's later revisions (document time stamps
    included) and the document time stamp check reviews them again: the same reader, revision and
    policy give the same answer. The memo lives on the reader (one file's bytes), so nothing is
    shared between files; a review that found a suspicious change is not remembered (it runs again).
    """
    from pyhanko.sign.diff_analysis.policies import StandardDiffPolicy
    from pyhanko.sign.diff_analysis.policy_api import DiffResult

    original = StandardDiffPolicy.review_file
    if getattr(original, "_station_fast", False):
        return

    def review_file(self: Any, reader: Any, base_revision: Any, field_mdp_spec: Any = None,
                    doc_mdp: Any = None) -> Any:
        if not isinstance(base_revision, int):
            return original(self, reader, base_revision, field_mdp_spec, doc_mdp)
        memo = reader.__dict__.setdefault("_station_diff_memo", {})
        # FieldMDPSpec holds a list (unhashable): its repr names the action and every locked field
        key = (id(self), base_revision, reader.xrefs.total_revisions, repr(field_mdp_spec), doc_mdp)
        found = memo.get(key)
        if found is not None and found[0] is self:
            result = found[1]
        else:
            reviewed = original(self, reader, base_revision, field_mdp_spec, doc_mdp)
            if not isinstance(reviewed, DiffResult):
                return reviewed  # a suspicious modification: reported, never remembered
            result = reviewed
            memo[key] = (self, result)
        return DiffResult(result.modification_level, set(result.changed_form_fields))

    review_file._station_fast = True  # type: ignore[attr-defined]
    review_file.__wrapped__ = original  # type: ignore[attr-defined]
    StandardDiffPolicy.review_file = review_file  # type: ignore[method-assign]


def _install_speedups() -> None:
    from pyhanko.pdf_utils import generic

    _install_signature_memo()
    _install_diff_memo()

    if getattr(generic.read_hex_string_from_stream, "_station_fast", False):
        return
    original = generic.read_hex_string_from_stream

    def read_hex_string_from_stream(stream: Any) -> Any:
        raw = read_hex_body(stream)
        return original(stream) if raw is None else generic.pdf_string(raw)

    read_hex_string_from_stream._station_fast = True  # type: ignore[attr-defined]
    read_hex_string_from_stream.__wrapped__ = original  # type: ignore[attr-defined]
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    # the tokeniser's names, literals and white space (generic.py imported these by name)
    _ORIGINAL["read_non_whitespace"] = generic.read_non_whitespace
    read_non_whitespace.__wrapped__ = generic.read_non_whitespace  # type: ignore[attr-defined]
    generic.read_non_whitespace = read_non_whitespace
    read_until_delimiter.__wrapped__ = generic.read_until_delimiter  # type: ignore[attr-defined]
    generic.read_until_delimiter = read_until_delimiter
    _ORIGINAL["decode_name"] = generic._decode_name
    _decode_name.__wrapped__ = generic._decode_name  # type: ignore[attr-defined]
    generic._decode_name = _decode_name
    # asn1crypto prepares (RFC 4518) every name of every freshly parsed certificate for each
    # comparison; the preparation depends on the string alone.
    _ORIGINAL["ldap_string_prep"] = asn1_x509.NameTypeAndValue._ldap_string_prep
    asn1_x509.NameTypeAndValue._ldap_string_prep = lambda self, value: _string_prep(value)  # type: ignore[method-assign]
    _ORIGINAL["name_eq"] = asn1_x509.Name.__eq__
    asn1_x509.Name.__eq__ = _name_eq  # type: ignore[method-assign,assignment]
    _ORIGINAL["name_hashable"] = asn1_x509.Name.hashable
    asn1_x509.Name.hashable = property(_name_hashable)  # type: ignore[method-assign,assignment]


_install_speedups()

TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"
TIMESTAMP_MEANING = "archive-timestamp"


@dataclass
class SignatureReport:
    field: str
    signer: str
    meaning: str | None
    indication: str
    sub_indication: str | None
    claimed_signing_time: str | None
    best_signature_time: str | None
    coverage: str | None
    modification_level: str | None
    pades_level: str | None
    chain: list[str]
    details: list[str] = dataclass_field(default_factory=list)  # human report only

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field, "signer": self.signer, "meaning": self.meaning,
            "indication": self.indication, "sub_indication": self.sub_indication,
            "claimed_signing_time": self.claimed_signing_time,
            "best_signature_time": self.best_signature_time, "coverage": self.coverage,
            "modification_level": self.modification_level, "pades_level": self.pades_level,
            "chain": self.chain,
        }


@dataclass
class VerificationReport:
    file: str
    signatures: list[SignatureReport]

    @property
    def passed(self) -> bool:
        return bool(self.signatures) and all(s.passed for s in self.signatures)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "signatures": [s.to_json() for s in self.signatures],
                "passed": self.passed}

    def to_text(self, lang: str = "zh_CN") -> str:
        zh = lang != "en"
        lines = [("文件：" if zh else "File: ") + self.file]
        if not self.signatures:
            lines.append("未找到签名" if zh else "No signatures found")
        for n, s in enumerate(self.signatures, 1):
            lines.append("")
            lines.append(f"#{n} {s.field}: {s.indication}"
                         + (f" / {s.sub_indication}" if s.sub_indication else ""))
            rows = [
                ("签名人", "Signer", s.signer),
                ("签名含义", "Meaning", s.meaning),
                ("声明的签名时间", "Claimed signing time", s.claimed_signing_time),
                ("时间戳证明的最佳签名时间", "Best signature time", s.best_signature_time),
                ("覆盖范围", "Coverage", s.coverage),
                ("签名后修改", "Modification level", s.modification_level),
                ("PAdES 级别", "PAdES level", s.pades_level),
                ("证书链", "Certificate chain", " <- ".join(s.chain)),
            ]
            for label_zh, label_en, value in rows:
                lines.append(f"  {label_zh if zh else label_en}: {value if value else '-'}")
            for d in s.details:
                lines.append(("  问题：" if zh else "  Problem: ") + d)
        lines.append("")
        if self.passed:
            lines.append("结论：全部签名验证通过" if zh else "Result: every signature passed")
        else:
            lines.append("结论：验证未通过" if zh else "Result: verification FAILED")
        return "\n".join(lines)


def _asn1(cert: x509.Certificate | asn1_x509.Certificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return _parsed_certificate(cert.public_bytes(serialization.Encoding.DER))


# Trust roots and CRLs arrive as DER: the same few (the station CA's, and the copies in every
# record's DSS) for every file of a batch. Each is parsed once; the parsed objects are only read
# by the validator (asn1crypto caches the parts it has decoded inside them), so sharing is exact.
@functools.lru_cache(maxsize=256)
def _parsed_certificate(der: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der)


@functools.lru_cache(maxsize=256)
def _parsed_crl(der: bytes) -> Any:
    from asn1crypto import crl as asn1_crl

    return asn1_crl.CertificateList.load(der)


def _crl_der(crl: x509.CertificateRevocationList | bytes) -> bytes:
    return crl if isinstance(crl, bytes) else crl.public_bytes(serialization.Encoding.DER)


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt else None


def _cn(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return "?"
    native = cert.subject.native
    return str(native.get("common_name") or cert.subject.human_friendly)


def _indication(subindic: Any) -> tuple[str, str | None]:
    if isinstance(subindic, AdESPassed):
        return TOTAL_PASSED, None
    if isinstance(subindic, AdESFailure):
        return TOTAL_FAILED, subindic.name
    if isinstance(subindic, AdESIndeterminate):
        return INDETERMINATE, subindic.name
    return INDETERMINATE, str(subindic)


def _dss_revision(reader: PdfFileReader) -> int | None:
    """The first revision whose catalog has a DSS, or None."""
    for rev in range(reader.xrefs.total_revisions):
        root = reader.get_historical_root(rev)
        if "/DSS" in root:
            return rev
    return None


def _pades_level(sig: EmbeddedPdfSignature, dss_rev: int | None,
                 docts_revisions: Sequence[int]) -> str:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    has_sig_ts = next(extract_tst_data_iter(sig.signer_info, signed=False), None) is not None
    level = "B-T" if has_sig_ts else "B-B"
    if dss_rev is None:
        return level
    # B-LT: validation data stored after the signature; B-LTA: a document time stamp covers it.
    last_dss_rev = max(
        (r for r in range(sig.signed_revision, sig.reader.xrefs.total_revisions)
         if "/DSS" in sig.reader.get_historical_root(r)), default=None)
    if last_dss_rev is None or not has_sig_ts:
        return level
    level = "B-LT"
    if any(r > sig.signed_revision for r in docts_revisions):
        level = "B-LTA"
    return level


def _modification_problem(status: Any) -> str | None:
    diff = getattr(status, "diff_result", None)
    if isinstance(diff, SuspiciousModification):
        return f"不允许的修改 / disallowed modification: {diff}"
    if status is not None and getattr(status, "docmdp_ok", True) is False:
        return (f"修改超出认证签名许可（{status.modification_level.name}）/ modification "
                f"not permitted by the certification ({status.modification_level.name})")
    return None


async def _verify_signature(sig: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec,
                            timing: ValidationTimingInfo | None, dss_rev: int | None,
                            docts_revisions: Sequence[int]) -> SignatureReport:
    signer_cert = sig.signer_cert
    reason = sig.sig_object.get("/Reason")
    try:
        claimed = sig.self_reported_timestamp
    except Exception:  # a malformed /M must not stop the report
        claimed = None
    details: list[str] = []
    try:
        result = await ades_lta_validation(sig, spec, timing_info=timing)
    except Exception as exc:
        log.debug("validation raised", exc_info=True)
        return SignatureReport(
            field=str(sig.field_name), signer=_cn(signer_cert), meaning=meaning_from_reason(
                str(reason) if reason else None),
            indication=TOTAL_FAILED, sub_indication="FORMAT_FAILURE",
            claimed_signing_time=_iso(claimed), best_signature_time=None, coverage=None,
            modification_level=None, pades_level=None, chain=[], details=[str(exc)])
    indication, sub = _indication(result.ades_subindic)
    status = result.api_status
    if result.failure_msg and indication != TOTAL_PASSED:
        details.append(result.failure_msg)
    problem = _modification_problem(status)
    if problem:
        details.append(problem)
        if indication == TOTAL_PASSED:
            # EU DSS reports disallowed changes to a signed PDF as a format failure.
            indication, sub = TOTAL_FAILED, "FORMAT_FAILURE"
    if status is not None and indication == TOTAL_PASSED and not (status.intact and status.valid):
        indication, sub = TOTAL_FAILED, "HASH_FAILURE"
    chain: list[str] = []
    path = status.validation_path if status is not None else None
    if path is not None:
        chain = [c.subject.human_friendly for c in reversed(list(path.iter_certs(
            include_root=True)))]
    elif signer_cert is not None:
        chain = [signer_cert.subject.human_friendly]
    return SignatureReport(
        field=str(sig.field_name), signer=_cn(signer_cert),
        meaning=meaning_from_reason(str(reason) if reason else None),
        indication=indication, sub_indication=sub,
        claimed_signing_time=_iso(claimed), best_signature_time=_iso(result.best_signature_time),
        coverage=status.coverage.name if status is not None and status.coverage else None,
        modification_level=(status.modification_level.name
                             if status is not None and status.modification_level else None),
        pades_level=_pades_level(sig, dss_rev, docts_revisions), chain=chain, details=details)


async def _verify_doc_timestamp(sig: EmbeddedPdfSignature,
                                vc: ValidationContext) -> SignatureReport:
    details: list[str] = []
    try:
        status = await async_validate_pdf_timestamp(sig, validation_context=vc)
        ok = status.intact and status.valid and status.trusted
        if not (status.intact and status.valid):
            indication, sub = TOTAL_FAILED, "HASH_FAILURE"
        elif not status.trusted:
            indication, sub = INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND"
        elif not ok:
            indication, sub = TOTAL_FAILED, "FORMAT_FAILURE"
        else:
            indication, sub = TOTAL_PASSED, None
        problem = _modification_problem(status)
        if problem:
            details.append(problem)
            indication, sub = TOTAL_FAILED, "FORMAT_FAILURE"
        path = status.validation_path
        chain = ([c.subject.human_friendly for c in reversed(list(path.iter_certs(True)))]
                 if path is not None else [])
        ts_time = status.timestamp
        coverage = status.coverage.name if status.coverage else None
        mod = status.modification_level.name if status.modification_level else None
    except Exception as exc:
        indication, sub, chain, ts_time, coverage, mod = (
            TOTAL_FAILED, "FORMAT_FAILURE", [], None, None, None)
        details.append(str(exc))
    return SignatureReport(
        field=str(sig.field_name), signer=_cn(sig.signer_cert), meaning=TIMESTAMP_MEANING,
        indication=indication, sub_indication=sub, claimed_signing_time=_iso(ts_time),
        best_signature_time=_iso(ts_time), coverage=coverage, modification_level=mod,
        pades_level=None, chain=chain, details=details)


async def async_verify_pdf(data: bytes, trust_roots: Iterable[x509.Certificate],
                           crls: Iterable[x509.CertificateRevocationList | bytes] = (),
                           at: datetime | None = None, file_name: str = "-"
                           ) -> VerificationReport:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError, KeyError) as exc:
        _roots(trust_roots)
        return _unreadable(file_name, exc)
    return await async_verify_reader(reader, trust_roots, crls, at, file_name)


async def async_verify_reader(reader: PdfFileReader, trust_roots: Iterable[x509.Certificate],
                              crls: Iterable[x509.CertificateRevocationList | bytes] = (),
                              at: datetime | None = None, file_name: str = "-") -> VerificationReport:
    """As `async_verify_pdf`, on a reader the caller has open (and may go on reading afterwards)."""
    roots = _roots(trust_roots)
    crl_ders = [_crl_der(c) for c in crls]
    try:
        return await _verify_reader(reader, roots, crl_ders, at, file_name)
    except (PdfReadError, ValueError, KeyError) as exc:
        # objects are parsed when first used: a damaged one can surface anywhere, not only on opening
        return _unreadable(file_name, exc)


def _roots(trust_roots: Iterable[x509.Certificate]) -> list[asn1_x509.Certificate]:
    roots = [_asn1(c) for c in trust_roots]
    if not roots:
        raise SigningError("未提供受信任的根证书", "No trust roots given", code="NO_TRUST_ROOTS")
    return roots


def _unreadable(file_name: str, exc: Exception) -> VerificationReport:
    return VerificationReport(file_name, [SignatureReport(
        field="-", signer="-", meaning=None, indication=TOTAL_FAILED,
        sub_indication="FORMAT_FAILURE", claimed_signing_time=None,
        best_signature_time=None, coverage=None, modification_level=None, pades_level=None,
        chain=[], details=[f"PDF 无法解析 / unreadable PDF: {exc}"])])


async def _verify_reader(reader: PdfFileReader, roots: list[asn1_x509.Certificate], crl_ders: list[bytes],
                         at: datetime | None, file_name: str) -> VerificationReport:
    regular = list(reader.embedded_regular_signatures)
    doc_ts = list(reader.embedded_timestamp_signatures)
    policy = CertValidationPolicySpec(trust_manager=SimpleTrustManager.build(trust_roots=roots),
                                      revinfo_policy=REVOCATION_POLICY)
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
        local_knowledge=LocalKnowledge(known_crls=[CRLContainer(_parsed_crl(c)) for c in crl_ders]),
    ))
    timing = None
    if at is not None:
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        timing = ValidationTimingInfo(validation_time=at, best_signature_time=at,
                                      point_in_time_validation=True)
    dss_rev = _dss_revision(reader)
    docts_revisions = [s.signed_revision for s in doc_ts]
    reports = [await _verify_signature(s, spec, timing, dss_rev, docts_revisions)
               for s in regular]
    # Document time stamps: checked at the requested time with the DSS content plus the
    # given CRLs (they are the newest evidence, so their own certificates must still hold).
    dss_crls: list[bytes] = []
    dss_certs: list[asn1_x509.Certificate] = []
    try:
        from pyhanko.sign.validation.dss import DocumentSecurityStore

        dss = DocumentSecurityStore.read_dss(reader)
        dss_crls = list(dss._crls_seen.keys())
        dss_certs = list(dss.load_certs())
    except Exception:  # no DSS: the time stamps then fail on revocation
        log.debug("no readable DSS", exc_info=True)
    vc = ValidationContext(trust_roots=roots, other_certs=dss_certs, crls=[_parsed_crl(c) for c in crl_ders + dss_crls],
                           allow_fetching=False, revinfo_policy=REVOCATION_POLICY, moment=at)
    reports += [await _verify_doc_timestamp(s, vc) for s in doc_ts]
    return VerificationReport(file_name, reports)


def verify_pdf(data: bytes, trust_roots: Iterable[x509.Certificate],
               crls: Iterable[x509.CertificateRevocationList | bytes] = (),
               at: datetime | None = None, file_name: str = "-") -> VerificationReport:
    """Validate every signature and document time stamp of a PDF (long-term validation)."""
    return asyncio.run(async_verify_pdf(data, trust_roots, crls, at, file_name))
