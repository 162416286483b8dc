"""The four-property checks of DA/T 70-2018 (authenticity, integrity, usability, security), each a named check.

Every PDF is inspected once (`inspect_record`): SHA-256; pyHanko opens it once for the long-term
signature validation and the same parsed objects then give its fonts, active content and
embedded files; PDFium, a second and independent PDF engine, opens it, loads every page and its
text and renders page 1. The four checks then judge those facts.

PDFium replaced `qpdf --check` and `pdftoppm` (and pypdf): two processes per record cost more
CPU than all of PDFium's work in this process, and its text is what a viewer shows.
bench/archive.py gives the figures; tests/archive/test_checks.py shows that PDFium's text gives
the DIN, name and ID number that poppler gives and that a broken or blank file fails.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
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

for _name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


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
    reader_ok: bool  # PDFium, the independent reader, opened it and loaded every page
    reader_detail: str
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

    def verify(self, data: bytes, name: str, at: datetime | None = None, reader: Any = None) -> Any:
        """Validate the PDF `data`; `reader` is pyHanko's reader already open on those bytes, if any."""
        from signing.verify import async_verify_pdf, async_verify_reader

        if reader is not None:
            return self._loop.run_until_complete(async_verify_reader(reader, self.trust_roots, self.crls, at, name))
        return self._loop.run_until_complete(async_verify_pdf(data, self.trust_roots, self.crls, at, name))

    def close(self) -> None:
        self._loop.close()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _deref(value: Any) -> Any:
    return value.get_object() if value is not None and hasattr(value, "get_object") else value


def _get(node: Any, key: str) -> Any:
    """A dictionary entry, dereferenced (pyHanko's `dict.get` returns the raw reference)."""
    from pyhanko.pdf_utils.generic import DictionaryObject, NullObject

    if not isinstance(node, DictionaryObject) or key not in node:
        return None
    value = _deref(dict.__getitem__(node, key))
    return None if isinstance(value, NullObject) else value


def _ref_key(value: Any) -> tuple[int, int] | None:
    from pyhanko.pdf_utils.generic import IndirectObject

    return (value.idnum, value.generation) if isinstance(value, IndirectObject) else None


def _pages(reader: Any) -> list[Any]:
    """The page dictionaries of the newest revision, in order (a loop in the page tree is not followed)."""
    from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject

    pages: list[Any] = []
    seen: set[tuple[int, int]] = set()

    def walk(raw: Any, depth: int) -> None:
        key = _ref_key(raw)
        if key is not None:
            if key in seen:
                return
            seen.add(key)
        node = _deref(raw)
        if not isinstance(node, DictionaryObject) or depth > 64:
            return
        kids = _get(node, "/Kids")
        if _get(node, "/Type") == "/Pages" or isinstance(kids, ArrayObject):
            for kid in (kids if isinstance(kids, ArrayObject) else []):
                walk(kid, depth + 1)
        else:
            pages.append(node)

    walk(dict.__getitem__(reader.root, "/Pages") if "/Pages" in reader.root else None, 0)
    return pages


def _font_embedded(font: Any) -> bool:
    subtype = _get(font, "/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = _get(font, "/DescendantFonts")
        if not descendants:
            return False
        return _font_embedded(_deref(descendants[0]))
    descriptor = _get(font, "/FontDescriptor")
    if descriptor is None:
        return False
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _unembedded_fonts(pages: Sequence[Any]) -> list[str]:
    """Fonts used by the pages, their form XObjects, Type 3 glyphs and annotation appearances that
    carry no font program."""
    from pyhanko.pdf_utils.generic import DictionaryObject, StreamObject

    seen: set[Any] = set()
    bad: list[str] = []

    def once(raw: Any) -> bool:
        key = _ref_key(raw) or id(raw)
        if key in seen:
            return False
        seen.add(key)
        return True

    def walk_resources(raw: Any) -> None:
        if raw is None or not once(raw):
            return
        res = _deref(raw)
        if not isinstance(res, DictionaryObject):
            return
        fonts = _get(res, "/Font")
        if isinstance(fonts, DictionaryObject):
            for ref in dict.values(fonts):
                if not once(ref):
                    continue
                font = _deref(ref)
                if not isinstance(font, DictionaryObject):
                    continue
                if not _font_embedded(font):
                    bad.append(str(_get(font, "/BaseFont") or "?").lstrip("/"))
                if _get(font, "/Subtype") == "/Type3":
                    walk_resources(dict.get(font, "/Resources"))
        xobjects = _get(res, "/XObject")
        if isinstance(xobjects, DictionaryObject):
            for ref in dict.values(xobjects):
                walk_form(ref)

    def walk_form(raw: Any) -> None:
        if not once(raw):
            return
        obj = _deref(raw)
        if isinstance(obj, StreamObject) and _get(obj, "/Subtype") == "/Form":
            walk_resources(dict.get(obj, "/Resources"))

    for page in pages:
        walk_resources(dict.get(page, "/Resources"))
        for annot in (_get(page, "/Annots") or []):
            normal = _get(_get(_deref(annot), "/AP"), "/N")
            if isinstance(normal, StreamObject):
                walk_form(normal)
            elif isinstance(normal, DictionaryObject):  # a dictionary of appearance states
                for state in dict.values(normal):
                    walk_form(state)
    return sorted(set(bad))


def _active_content(reader: Any) -> tuple[list[str], list[tuple[str, bytes | None, str]]]:
    """Active content reachable from the catalog of the newest revision, and every embedded file
    (name, data or None if it cannot be decoded, MIME type)."""
    from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    seen: set[tuple[int, int]] = set()
    active: list[str] = []
    files: list[tuple[str, bytes | None, str]] = []
    stack: list[Any] = [reader.trailer.raw_get("/Root")]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                node = node.get_object()
            except Exception:  # a dangling or damaged object: the signature check reports the file
                continue
        if isinstance(node, DictionaryObject):
            if "/JS" in node or "/JavaScript" in node:
                active.append("JavaScript")
            action = _get(node, "/S")
            if action in ACTIVE_ACTIONS:
                active.append(f"action {action}")
            if "/RichMedia" in str(_get(node, "/Subtype") or ""):
                active.append("RichMedia annotation")
            stream = _get(_get(node, "/EF"), "/F")
            if isinstance(stream, StreamObject):
                name = str(_get(node, "/UF") or _get(node, "/F") or "?")
                mime = str(_get(stream, "/Subtype") or "").lstrip("/").replace("#2F", "/")
                try:
                    data: bytes | None = stream.data
                except Exception:
                    data = None
                files.append((name, data, mime))
            for key, value in dict.items(node):
                if key in ("/Parent", "/P"):
                    continue  # back links: everything below is reached from the root anyway
                if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject)):
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(v for v in list.__iter__(node) if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)))
    return sorted(set(active)), files


# The render check: page 1 at this resolution, small enough to cost little, large enough that the
# text of a record leaves dark pixels.
RENDER_DPI = 24


@dataclass
class _ReaderFacts:
    """What PDFium (the independent parser and renderer) found."""

    ok: bool = False
    detail: str = ""
    pages: int = 0
    text: str = ""
    render_ok: bool = False
    render_detail: str = ""
    javascript: int = 0
    attachments: int = 0


def _pdfium_facts(data: bytes) -> _ReaderFacts:
    """Open the PDF with PDFium, load every page and its text, render page 1.

    PDFium (Chrome's PDF engine, through pypdfium2) shares no code with pyHanko: it stands for
    "another reader opens it", as `qpdf --check` and `pdftoppm` did before, in this process
    instead of two processes per record (their start-up cost more than all of PDFium's work).
    It also counts the document's JavaScript actions and attachments, a second opinion for the
    security check.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    facts = _ReaderFacts()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        facts.detail = f"PDFium cannot open it: {exc}"
        facts.render_detail = "PDFium: nothing to render"
        return facts
    try:
        facts.pages = len(pdf)
        texts = []
        for index in range(facts.pages):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                if index == 0:
                    bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
                    pixels = bytes(bitmap.buffer)
                    bitmap.close()
                    if pixels and min(pixels) < 128:
                        facts.render_ok = True
                        facts.render_detail = f"PDFium rendered page 1 ({bitmap.width}x{bitmap.height} px)"
                    else:
                        facts.render_detail = "PDFium: page 1 renders blank"
            finally:
                page.close()
        facts.text = "".join(texts)
        facts.javascript = max(0, pdfium_c.FPDFDoc_GetJavaScriptActionCount(pdf))
        facts.attachments = max(0, pdf.count_attachments())
        facts.ok = True
        facts.detail = f"PDFium opened it: {facts.pages} page(s)"
        if facts.pages == 0:
            facts.render_detail = "PDFium: the document has no page"
    except pdfium.PdfiumError as exc:
        facts.ok = False
        facts.detail = f"PDFium cannot read it: {exc}"
        facts.render_detail = facts.render_detail or f"PDFium: {exc}"
    finally:
        pdf.close()
    return facts


@dataclass
class _StructureFacts:
    """What pyHanko's parsed objects show: fonts, active content, embedded files."""

    unembedded_fonts: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    embedded: dict[str, str] = field(default_factory=dict)  # name -> SHA-256
    problems: list[str] = field(default_factory=list)
    files_found: int = 0  # embedded files seen by the walk, decodable or not


def _structure_facts(reader: Any) -> _StructureFacts:
    """Fonts, active content and embedded files from pyHanko's reader (already open for the signatures)."""
    active, files = _active_content(reader)
    facts = _StructureFacts(_unembedded_fonts(_pages(reader)), active, files_found=len(files))
    for fname, fdata, mime in files:
        if fdata is None:
            facts.problems.append(f"embedded file {fname} cannot be decoded")
            continue
        facts.embedded[fname] = hashlib.sha256(fdata).hexdigest()
        ext = fname.rsplit(".", 1)[-1].lower() if "." in fname else ""
        if fdata.startswith(EXECUTABLE_MAGIC):
            facts.problems.append(f"embedded executable {fname}")
        elif ext not in ALLOWED_EXTENSIONS or (mime and mime not in ALLOWED_EVIDENCE_MIME):
            facts.problems.append(f"embedded file type not allowed: {fname} ({mime or ext})")
    return facts


def inspect_record(kind: str, path: Path, verifier: SignatureVerifier, name: str | None = None,
                   at: datetime | None = None) -> RecordFacts:
    """Inspect one PDF once: the file is read once into memory (records are small), opened once by
    pyHanko (signatures, then fonts, actions and embedded files from the same objects) and once by
    PDFium (independent reader: pages, text, rendering)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    name = name or path.name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    reader: Any = None
    parse_error: str | None = None
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # not a PDF pyHanko can open: the signature check reports it too
        parse_error = f"{type(exc).__name__}: {exc}"
    report = verifier.verify(data, name, at, reader=reader)
    sig_problems = []
    for s in report.signatures:
        if not s.passed:
            sig_problems.append(f"{s.field} ({s.signer}): {s.indication}"
                                + (f"/{s.sub_indication}" if s.sub_indication else ""))
    if not report.signatures:
        sig_problems.append("no signature / 未找到签名")
    encrypted = False
    structure = _StructureFacts()
    if reader is not None:
        try:
            encrypted = bool(reader.encrypted)
            if not encrypted:
                structure = _structure_facts(reader)
        except Exception as exc:  # any parser failure is a usability finding
            parse_error = f"{type(exc).__name__}: {exc}"
    independent = _pdfium_facts(data)
    active, emb_problems = list(structure.active), list(structure.problems)
    if independent.javascript and "JavaScript" not in active:
        active.append(f"JavaScript ({independent.javascript} action(s) seen by PDFium)")
    if independent.attachments > structure.files_found:
        emb_problems.append(f"PDFium sees {independent.attachments} attachment(s), the structure walk "
                            f"{structure.files_found}")
    del data, reader
    return RecordFacts(kind=kind, name=name, size=path.stat().st_size, sha256=sha,
                       signature_report=report.to_json(), signatures_passed=report.passed,
                       signature_problems=sig_problems, text=_normalise(independent.text),
                       page_count=independent.pages, parse_error=parse_error, encrypted=encrypted,
                       unembedded_fonts=structure.unembedded_fonts, active_content=sorted(set(active)),
                       embedded_files=structure.embedded, embedded_problems=emb_problems, reader_ok=independent.ok,
                       reader_detail=independent.detail, render_ok=independent.render_ok,
                       render_detail=independent.render_detail)


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
            elif f.reader_ok and value not in f.text:
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
        if f.page_count == 0 and f.reader_ok and not f.encrypted:
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
    r = CheckResult(USABILITY, checked=["opens with pyHanko and PDFium", "all fonts embedded", "page 1 renders",
                                        "no encryption"])
    for f in facts:
        if f.parse_error:
            r.fail(f.name, f"pyHanko cannot read it: {f.parse_error}")
        if f.encrypted:
            r.fail(f.name, "the PDF is encrypted")
        if not f.reader_ok:
            r.fail(f.name, f.reader_detail)
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
