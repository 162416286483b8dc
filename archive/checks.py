"""The four-property checks of DA/T 70-2018 (authenticity, integrity, usability, security), each a named check.

Every PDF is inspected once (`inspect_record`): SHA-256, long-term signature validation, text,
fonts, active content and embedded files with pypdf, and two independent tools run as
subprocesses in parallel with the Python work (`qpdf --check` as an independent parser,
`pdftoppm` to render the first page). The four checks then judge those facts.

The page text comes from pypdf (the reader is open anyway); poppler's `pdftotext` is asked only
when pypdf finds no text at all. A third process per PDF cost more than the text extraction
itself; tests/archive/test_checks.py shows both give the record's DIN, name and ID number.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

AUTHENTICITY = "authenticity"
INTEGRITY = "integrity"
USABILITY = "usability"
SECURITY = "security"
CHECK_NAMES = (AUTHENTICITY, INTEGRITY, USABILITY, SECURITY)
CHECK_LABELS = {AUTHENTICITY: "真实性", INTEGRITY: "完整性", USABILITY: "可用性", SECURITY: "安全性"}

RECORD_KINDS = ("consent", "registration", "collection")
# What each record must show of the donor and donation (metadata agrees with content).
REQUIRED_TEXT: dict[str, tuple[str, ...]] = {
    "consent": ("din", "name", "id_number"),
    "registration": ("din", "name", "id_number"),
    "collection": ("din", "name"),
}
REQUIRED_METADATA = ("archive_number", "year", "item_number", "retention_years", "retention_until", "fonds",
                     "department", "din", "donor_name", "id_type", "id_number_masked", "donation_date",
                     "collection_time", "records")
# Files a package may hold; anything else fails the security check.
ALLOWED_EXTENSIONS = frozenset({"pdf", "json", "xml", "txt", "png", "jpg", "jpeg"})
ALLOWED_EVIDENCE_MIME = frozenset({"application/json", "image/png", "image/jpeg", "application/xml", "text/plain"})
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/Rendition"})

for _name in ("pyhanko", "pyhanko_certvalidator", "fontTools", "pypdf"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def _install_fast_pypdf_hex() -> None:
    """pypdf reads hex strings a byte at a time: the signatures' /Contents took 3/4 of its time here.

    signing.verify.read_hex_body decodes the plain form in one step and leaves anything else
    (comments, bad bytes, truncation) to pypdf's reader, so results and errors are unchanged.
    """
    from pypdf.generic import _data_structures, _utils

    from signing.verify import read_hex_body

    if getattr(_data_structures.read_hex_string_from_stream, "_station_fast", False):
        return
    original = _data_structures.read_hex_string_from_stream

    def read_hex_string_from_stream(stream: Any, forced_encoding: Any = None) -> Any:
        raw = read_hex_body(stream)
        if raw is None:
            return original(stream, forced_encoding)
        return _utils.create_string_object(raw, forced_encoding)

    read_hex_string_from_stream._station_fast = True  # type: ignore[attr-defined]
    read_hex_string_from_stream.__wrapped__ = original  # type: ignore[attr-defined]
    _data_structures.read_hex_string_from_stream = read_hex_string_from_stream


_install_fast_pypdf_hex()


@dataclass(frozen=True)
class Finding:
    file: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}


@dataclass
class CheckResult:
    check: str
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was looked at, for the report

    @property
    def passed(self) -> bool:
        return not self.findings

    def fail(self, file: str, reason: str) -> None:
        self.findings.append(Finding(file, reason))

    @property
    def reason(self) -> str:
        return "; ".join(f"{f.file}: {f.reason}" if f.file else f.reason for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "label": CHECK_LABELS[self.check],
                "result": "检测通过" if self.passed else "未通过", "passed": self.passed,
                "checked": self.checked, "findings": [f.to_json() for f in self.findings]}


@dataclass
class RecordFacts:
    """What one inspection of one PDF found."""

    kind: str
    name: str  # file name in the package
    size: int
    sha256: str
    signature_report: dict[str, Any] | None
    signatures_passed: bool
    signature_problems: list[str]
    text: str  # whitespace removed
    page_count: int
    parse_error: str | None
    encrypted: bool
    unembedded_fonts: list[str]
    active_content: list[str]
    embedded_files: dict[str, str]  # name -> SHA-256
    embedded_problems: list[str]
    qpdf_ok: bool
    qpdf_detail: str
    render_ok: bool
    render_detail: str


class SignatureVerifier:
    """Long-term validation (signing.verify) with the station CA's root; one event loop for the batch."""

    def __init__(self, trust_roots: Sequence[x509.Certificate], crls: Iterable[Any] = ()) -> None:
        self.trust_roots = list(trust_roots)
        self.crls = list(crls)
        self._loop = asyncio.new_event_loop()

    @classmethod
    def from_ca_folder(cls, folder: Path) -> SignatureVerifier:
        from signing.ca import LocalCA

        root, _issuing, crls = LocalCA.load_public(folder)
        return cls([root], crls)

    def verify(self, data: bytes, name: str, at: datetime | None = None) -> Any:
        from signing.verify import async_verify_pdf

        return self._loop.run_until_complete(async_verify_pdf(data, self.trust_roots, self.crls, at, name))

    def close(self) -> None:
        self._loop.close()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _font_embedded(font: Any) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not descendants:
            return False
        return _font_embedded(descendants.get_object()[0].get_object())
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _unembedded_fonts(reader: Any) -> list[str]:
    from pypdf.generic import IndirectObject

    seen: set[Any] = set()
    bad: list[str] = []

    def walk_resources(res: Any) -> None:
        if res is None:
            return
        key = (res.idnum, res.generation) if isinstance(res, IndirectObject) else None
        if key is not None:
            if key in seen:
                return
            seen.add(key)
        res = res.get_object()
        fonts = res.get("/Font")
        if fonts is not None:
            for ref in fonts.get_object().values():
                fkey = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(ref)
                if fkey in seen:
                    continue
                seen.add(fkey)
                font = ref.get_object()
                if not _font_embedded(font):
                    bad.append(str(font.get("/BaseFont", "?")).lstrip("/"))
                if font.get("/Subtype") == "/Type3":
                    walk_resources(font.get("/Resources"))
        xobjects = res.get("/XObject")
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                walk_stream(ref)

    def walk_stream(ref: Any) -> None:
        key = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else None
        if key is not None:
            if key in seen:
                return
            seen.add(key)
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Form":
            walk_resources(obj.get("/Resources"))

    for page in reader.pages:
        walk_resources(page.get("/Resources"))
        for annot in (page.get("/Annots") or []):
            ap = annot.get_object().get("/AP")
            if ap is None:
                continue
            normal = ap.get_object().get("/N")
            if normal is None:
                continue
            n_obj = normal.get_object()
            if "/Subtype" in n_obj or hasattr(n_obj, "get_data"):
                walk_stream(normal)
            else:  # a dictionary of appearance states
                for state in n_obj.values():
                    walk_stream(state)
    return sorted(set(bad))


def _active_content(reader: Any) -> tuple[list[str], list[tuple[str, bytes, str]]]:
    """Active content reachable from the document, and every embedded file (name, data, MIME type)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    active: list[str] = []
    files: list[tuple[str, bytes, str]] = []
    stack: list[Any] = [reader.trailer["/Root"]]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                node = node.get_object()
            except Exception:  # a dangling reference is the parser check's business
                continue
        if isinstance(node, DictionaryObject):
            if "/JS" in node or "/JavaScript" in node:
                active.append("JavaScript")
            action = node.get("/S")
            if action in ACTIVE_ACTIONS:
                active.append(f"action {action}")
            if "/RichMedia" in str(node.get("/Subtype", "")):
                active.append("RichMedia annotation")
            ef = node.get("/EF")
            if ef is not None:
                stream = ef.get_object().get("/F")
                if stream is not None:
                    stream_obj = stream.get_object()
                    name = str(node.get("/UF") or node.get("/F") or "?")
                    mime = str(stream_obj.get("/Subtype", "")).lstrip("/").replace("#2F", "/")
                    files.append((name, stream_obj.get_data(), mime))
            for key, value in node.items():
                if key in ("/Parent", "/P"):
                    continue  # back links: everything below is reached from the root anyway
                if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject)):
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(v for v in node if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)))
    return sorted(set(active)), files


def _start_tools(path: Path) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    qpdf = subprocess.Popen(["qpdf", "--check", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # plain PPM: the same rendering without the PNG encoder
    render = subprocess.Popen(["pdftoppm", "-f", "1", "-l", "1", "-r", "12", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return qpdf, render


_PPM_HEADER = re.compile(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s")


def _is_ppm_image(data: bytes) -> bool:
    """A binary PPM with a non-empty raster of the size its header states."""
    m = _PPM_HEADER.match(data)
    if m is None:
        return False
    width, height, maxval = (int(g) for g in m.groups())
    return width > 0 and height > 0 and 0 < maxval < 256 and len(data) - m.end() == width * height * 3


def _poppler_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-q", str(path), "-"], capture_output=True, timeout=60,
                         check=False)
    return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else ""


def _finish_tools(qpdf: subprocess.Popen[bytes], render: subprocess.Popen[bytes]) -> tuple[bool, str, bool, str]:
    q_out, _ = qpdf.communicate(timeout=60)
    # qpdf: 0 = no problems, 3 = warnings only (the file is still readable), 2 = errors
    q_text = q_out.decode("utf-8", "replace").strip().splitlines()
    qpdf_ok = qpdf.returncode in (0, 3)
    qpdf_detail = "qpdf --check: " + (q_text[-1] if q_text else f"exit {qpdf.returncode}")
    r_out, r_err = render.communicate(timeout=60)
    render_ok = render.returncode == 0 and _is_ppm_image(r_out)
    render_detail = ("pdftoppm rendered page 1" if render_ok else
                     "pdftoppm: " + (r_err.decode("utf-8", "replace").strip()[:200] or f"exit {render.returncode}"))
    return qpdf_ok, qpdf_detail, render_ok, render_detail


def inspect_record(kind: str, path: Path, verifier: SignatureVerifier, name: str | None = None,
                   at: datetime | None = None) -> RecordFacts:
    """Inspect one PDF once; the file is read once into memory (records are small) and released after."""
    from pypdf import PdfReader

    name = name or path.name
    qpdf, render = _start_tools(path)
    try:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        report = verifier.verify(data, name, at)
        sig_problems = []
        for s in report.signatures:
            if not s.passed:
                sig_problems.append(f"{s.field} ({s.signer}): {s.indication}"
                                    + (f"/{s.sub_indication}" if s.sub_indication else ""))
        if not report.signatures:
            sig_problems.append("no signature / 未找到签名")
        text, pages, parse_error, encrypted = "", 0, None, False
        unembedded: list[str] = []
        active: list[str] = []
        embedded: dict[str, str] = {}
        emb_problems: list[str] = []
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            encrypted = bool(reader.is_encrypted)
            if not encrypted:
                pages = len(reader.pages)
                text = _normalise("".join(page.extract_text() or "" for page in reader.pages))
                if not text:
                    text = _normalise(_poppler_text(path))
                unembedded = _unembedded_fonts(reader)
                active, files = _active_content(reader)
                for fname, fdata, mime in files:
                    embedded[fname] = hashlib.sha256(fdata).hexdigest()
                    ext = fname.rsplit(".", 1)[-1].lower() if "." in fname else ""
                    if fdata.startswith(EXECUTABLE_MAGIC):
                        emb_problems.append(f"embedded executable {fname}")
                    elif ext not in ALLOWED_EXTENSIONS or (mime and mime not in ALLOWED_EVIDENCE_MIME):
                        emb_problems.append(f"embedded file type not allowed: {fname} ({mime or ext})")
        except Exception as exc:  # any parser failure is a usability finding
            parse_error = f"{type(exc).__name__}: {exc}"
        del data
        qpdf_ok, qpdf_detail, render_ok, render_detail = _finish_tools(qpdf, render)
    finally:
        for proc in (qpdf, render):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return RecordFacts(kind=kind, name=name, size=path.stat().st_size, sha256=sha,
                       signature_report=report.to_json(), signatures_passed=report.passed,
                       signature_problems=sig_problems, text=text, page_count=pages, parse_error=parse_error,
                       encrypted=encrypted, unembedded_fonts=unembedded, active_content=active,
                       embedded_files=embedded, embedded_problems=emb_problems, qpdf_ok=qpdf_ok,
                       qpdf_detail=qpdf_detail, render_ok=render_ok, render_detail=render_detail)


@dataclass(frozen=True)
class ExpectedRecord:
    """What the database says about one record: its SHA-256, size and evidence hashes."""

    kind: str
    sha256: str
    size: int | None = None
    evidence: Mapping[str, str] = field(default_factory=dict)  # embedded evidence name -> SHA-256


@dataclass(frozen=True)
class Identity:
    din: str
    name: str
    id_number: str


def check_authenticity(facts: Sequence[RecordFacts], expected: Mapping[str, ExpectedRecord],
                       identity: Identity, metadata: Mapping[str, Any] | None = None) -> CheckResult:
    r = CheckResult(AUTHENTICITY, checked=["long-term signature validation (AdES/LTA)", "stored SHA-256",
                                           "DIN, name and ID number in the record text", "evidence hashes"])
    for f in facts:
        if not f.signatures_passed:
            r.fail(f.name, "signature not TOTAL_PASSED: " + "; ".join(f.signature_problems))
        exp = expected.get(f.kind)
        if exp is None:
            r.fail(f.name, "no stored SHA-256 for this record")
        else:
            if exp.sha256 != f.sha256:
                r.fail(f.name, f"SHA-256 {f.sha256} differs from the stored {exp.sha256}")
            if exp.size is not None and exp.size != f.size:
                r.fail(f.name, f"size {f.size} differs from the stored {exp.size}")
            for ev_name, ev_sha in exp.evidence.items():
                if f.embedded_files.get(ev_name) != ev_sha:
                    r.fail(f.name, f"evidence {ev_name} missing or changed")
        needles = {"din": identity.din, "name": identity.name, "id_number": identity.id_number}
        for key in REQUIRED_TEXT.get(f.kind, ("din",)):
            value = _normalise(needles[key])
            if not value:
                r.fail(f.name, f"no {key} in the metadata to compare")
            elif f.parse_error is None and value not in f.text:
                label = {"din": "DIN", "name": "donor name", "id_number": "ID number"}[key]
                r.fail(f.name, f"{label} of the metadata not found in the record text")
    if metadata is not None:
        if metadata.get("din") != identity.din:
            r.fail("data/metadata.json", "DIN in the metadata differs from the donation")
        if metadata.get("donor_name") != identity.name:
            r.fail("data/metadata.json", "donor name in the metadata differs from the donation")
        for rec in metadata.get("records", []):
            exp = expected.get(rec.get("kind", ""))
            if exp is not None and rec.get("sha256") != exp.sha256:
                r.fail("data/metadata.json", f"SHA-256 of {rec.get('kind')} in the metadata differs from the database")
    return r


def check_integrity(facts: Sequence[RecordFacts], missing: Sequence[str], metadata: Mapping[str, Any] | None,
                    numbering_problem: str | None = None) -> CheckResult:
    r = CheckResult(INTEGRITY, checked=["three records present", "required metadata", "item numbers without gaps"])
    present = {f.kind for f in facts}
    for kind in RECORD_KINDS:
        if kind not in present:
            r.fail(f"{kind}.pdf", "record missing")
    for m in missing:
        if not any(x.file == m for x in r.findings):
            r.fail(m, "record missing")
    for f in facts:
        if f.page_count == 0 and f.parse_error is None and not f.encrypted:
            r.fail(f.name, "record has no pages")
    if metadata is not None:
        for key in REQUIRED_METADATA:
            value = metadata.get(key)
            if value is None or value == "" or value == []:
                r.fail("data/metadata.json", f"required metadata item {key} is empty")
        if metadata.get("full_text_count") not in (None, len(facts)):
            r.fail("data/metadata.json", f"full_text_count {metadata.get('full_text_count')} but {len(facts)} records")
    if numbering_problem:
        r.fail("", numbering_problem)
    return r


def check_usability(facts: Sequence[RecordFacts]) -> CheckResult:
    r = CheckResult(USABILITY, checked=["opens with pypdf and qpdf", "all fonts embedded", "page 1 renders",
                                        "no encryption"])
    for f in facts:
        if f.parse_error:
            r.fail(f.name, f"pypdf cannot open it: {f.parse_error}")
        if f.encrypted:
            r.fail(f.name, "the PDF is encrypted")
        if not f.qpdf_ok:
            r.fail(f.name, f.qpdf_detail)
        if f.unembedded_fonts:
            r.fail(f.name, "fonts not embedded: " + ", ".join(f.unembedded_fonts))
        if not f.render_ok:
            r.fail(f.name, f.render_detail)
    return r


def check_security(facts: Sequence[RecordFacts], package_files: Iterable[str] = ()) -> CheckResult:
    r = CheckResult(SECURITY, checked=["no JavaScript or launch actions", "no embedded executables",
                                       "only allowed file types"])
    for f in facts:
        for a in f.active_content:
            r.fail(f.name, f"active content: {a}")
        for p in f.embedded_problems:
            r.fail(f.name, p)
    for rel in package_files:
        ext = rel.rsplit(".", 1)[-1].lower() if "." in rel.rsplit("/", 1)[-1] else ""
        if ext not in ALLOWED_EXTENSIONS:
            r.fail(rel, "file type not allowed in the package")
    return r


def executable_file(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4).startswith(EXECUTABLE_MAGIC)
