"""Archive packages: one BagIt bag (RFC 8493) per donation, with metadata in JSON and XML and the check report.

Layout of a bag:
  bagit.txt, bag-info.txt (External-Identifier = archive number), manifest-sha256.txt,
  manifest-sha512.txt, tagmanifest-sha256.txt, tagmanifest-sha512.txt
  data/records/{consent,registration,collection}.pdf   the signed records as signed
  data/evidence/...                                   evidence kept outside the PDFs, if any
  data/metadata.json, data/metadata.xml               the archive metadata (DA/T 70 items)
  data/verification-report.json                       the four-property checks and signature reports
"""
from __future__ import annotations

import hashlib
import json
import platform
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import bagit

RECORDS_DIR = "records"
EVIDENCE_DIR = "evidence"
METADATA_JSON = "metadata.json"
METADATA_XML = "metadata.xml"
REPORT_JSON = "verification-report.json"
CHECKSUMS = ("sha256", "sha512")
METADATA_SCHEMA = "station-archive-metadata/1"


def record_file_name(kind: str) -> str:
    return f"{RECORDS_DIR}/{kind}.pdf"


def copy_with_sha256(src: Path, dest: Path) -> tuple[str, int]:
    """Copy in chunks and hash what was written (the staged copy is what gets checked and stored)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    return h.hexdigest(), size


@lru_cache(maxsize=1)
def environment() -> dict[str, str]:
    """The software environment the checks ran in (DA/T 70 usability: environment recorded)."""
    env = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for dist in ("pyhanko", "pyhanko-certvalidator", "pypdfium2", "bagit", "cryptography", "boto3"):
        try:
            env[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            pass
    env["pdfium"] = _pdfium_version()
    return env


def _pdfium_version() -> str:
    """PDFium's version from pypdfium2's record, without loading the library into the job process."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pypdfium2_raw")
        folder = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
        data = json.loads((folder / "version.json").read_text("utf-8")) if folder else {}
        return ".".join(str(data[k]) for k in ("major", "minor", "build", "patch")) or "unknown"
    except (OSError, ValueError, KeyError, StopIteration):  # the version record is informative only
        return "unknown"


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def metadata_xml(metadata: Mapping[str, Any]) -> bytes:
    """The same metadata as XML: one element per item, lists as repeated child elements."""
    root = ET.Element("archiveItem", {"schema": METADATA_SCHEMA})

    def add(parent: ET.Element, key: str, value: Any) -> None:
        if isinstance(value, Mapping):
            el = ET.SubElement(parent, key)
            for k, v in value.items():
                add(el, k, v)
        elif isinstance(value, list):
            el = ET.SubElement(parent, key)
            child = key[:-1] if key.endswith("s") else "item"
            for v in value:
                add(el, child, v)
        else:
            el = ET.SubElement(parent, key)
            el.text = "" if value is None else str(value)

    for key, value in _plain(metadata).items():
        add(root, key, value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@dataclass(frozen=True)
class BagInfo:
    archive_number: str
    organisation: str
    din: str
    donation_id: int
    description: str
    group: str

    def fields(self) -> dict[str, str]:
        return {"Source-Organization": self.organisation, "External-Identifier": self.archive_number,
                "Internal-Sender-Identifier": self.din, "External-Description": self.description,
                "Bag-Group-Identifier": self.group, "Station-Donation-Id": str(self.donation_id)}


def finish_bag(staging: Path, metadata: Mapping[str, Any], report: Mapping[str, Any], info: BagInfo) -> None:
    """Write metadata and report next to the staged records, then turn the folder into a bag."""
    plain = _plain(metadata)
    (staging / METADATA_JSON).write_text(json.dumps(plain, ensure_ascii=False, indent=2, sort_keys=True),
                                         encoding="utf-8")
    (staging / METADATA_XML).write_bytes(metadata_xml(plain))
    (staging / REPORT_JSON).write_text(json.dumps(_plain(report), ensure_ascii=False, indent=2), encoding="utf-8")
    bagit.make_bag(str(staging), info.fields(), processes=1, checksums=list(CHECKSUMS))


def read_bag_info(bag_dir: Path) -> dict[str, str]:
    info: dict[str, str] = {}
    path = bag_dir / "bag-info.txt"
    if not path.is_file():
        return info
    key = ""
    for line in path.read_text("utf-8").splitlines():
        if line[:1] in (" ", "\t") and key:
            info[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            info[key] = value.strip()
    return info


def read_metadata(bag_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((bag_dir / "data" / METADATA_JSON).read_text("utf-8"))
    return data


def validate_bag(bag_dir: Path) -> list[tuple[str, str, str]]:
    """BagIt validation: (file, check, reason) for every checksum mismatch, missing or unexpected file.

    bagit stops at the Payload-Oxum (count and size) when it differs; the completeness and checksum
    passes are then run as well so that the report names the files, not only "the size changed".
    """
    from archive.checks import INTEGRITY, SECURITY

    problems: list[tuple[str, str, str]] = []

    def collect(exc: bagit.BagValidationError) -> None:
        for d in exc.details or []:
            if isinstance(d, bagit.ChecksumMismatch):
                problems.append((d.path, INTEGRITY, f"{d.algorithm} mismatch: manifest {d.expected}, file {d.found}"))
            elif isinstance(d, bagit.FileMissing):
                problems.append((d.path, INTEGRITY, "listed in the manifest but missing"))
            elif isinstance(d, bagit.UnexpectedFile):
                problems.append((d.path, SECURITY, "file not listed in the manifest"))
            else:
                problems.append(("", INTEGRITY, str(d)))

    try:
        bag = bagit.Bag(str(bag_dir))
    except bagit.BagError as exc:
        return [("", INTEGRITY, f"not a valid bag: {exc}")]
    try:
        bag.validate(processes=1)
        return problems
    except bagit.BagValidationError as exc:
        if exc.details:
            collect(exc)
            return problems
        summary = f"bag invalid: {exc.message}"
    for step in (bag._validate_completeness, lambda: bag._validate_entries(1)):
        try:
            step()
        except bagit.BagValidationError as exc:
            collect(exc)
    if not problems:
        problems.append(("", INTEGRITY, summary))
    return problems
