"""Benchmark: one bare pyHanko signature + time stamp vs. the station's full record-set flow.

The record-set flow signs three synthetic one-page records (donor consent with evidence,
physician review, nurse collection), each with a signature time stamp, DSS and a closing
document time stamp, against the local RFC 3161 service over HTTP on loopback.
ratio = record-set cost / ((signatures + time stamps) x bare cost).
`bench/records.py` can reuse `setup_pki`, `bare_signature` and `sign_record_set`.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from signing.ca import LocalCA
from signing.keystore import Pkcs12KeyStore, StaffCredential
from signing.pades import (
    DonorSignature,
    RecordSigner,
    SigningContext,
    TrustMaterial,
)
from signing.tsa import RunningTsa, create_tsa_identity, http_timestamper, start_in_thread

PIN = "135790"


@dataclass(frozen=True)
class Slot:
    field_name: str
    page: int
    box: tuple[float, float, float, float]
    role: str
    meaning: str


@dataclass(frozen=True)
class Record:
    kind: str
    pdf: bytes
    signature_slots: tuple[Slot, ...]


def one_page_pdf(title: str) -> bytes:
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                                       subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842), invariant=True)
    c.setFont("WQY", 14)
    c.drawString(72, 760, title)
    c.showPage()
    c.save()
    return buf.getvalue()


def _png() -> bytes:
    img = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(10, 80), (100, 20), (200, 70), (290, 30)], fill=(0, 0, 0, 255),
                             width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@dataclass
class BenchPki:
    ca: LocalCA
    tsa: RunningTsa
    physician: StaffCredential
    nurse: StaffCredential

    def context(self) -> SigningContext:
        return SigningContext(TrustMaterial.from_ca_folder(self.ca.folder),
                              http_timestamper(self.tsa.url))

    def close(self) -> None:
        self.physician.close()
        self.nurse.close()
        self.tsa.stop()


def setup_pki(folder: Path, tsa_key: str = "ecdsa") -> BenchPki:
    now = datetime.now(timezone.utc)
    ca = LocalCA.create(folder / "ca", "bench", "基准测试血液中心", now)
    tsa = start_in_thread(create_tsa_identity(folder / "tsa", ca, b"bench", tsa_key, now))  # type: ignore[arg-type]
    staff = Pkcs12KeyStore(folder / "staff")
    staff.enrol(ca, "doc", "李医生", "physician", PIN, now)
    staff.enrol(ca, "nurse", "王护士", "nurse", PIN, now)
    return BenchPki(ca, tsa, staff.open("doc", PIN), staff.open("nurse", PIN))


def bare_signature(pki: BenchPki, ctx: SigningContext, pdf: bytes) -> bytes:
    """One plain pyHanko PAdES signature with a signature time stamp (no DSS, no LTA)."""
    # Same CMS profile as the station's signatures (PAdES baseline, ETSI.CAdES.detached).
    meta = PdfSignatureMetadata(field_name="Sig", md_algorithm="sha256",
                                subfilter=fields.SigSeedSubFilter.PADES)
    signer = PdfSigner(meta, signer=pki.physician.signer, timestamper=ctx.timestamper)
    return signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()


def donation(n: int) -> tuple[list[Record], DonorSignature]:
    box = (72.0, 100.0, 292.0, 170.0)
    records = [
        Record("consent", one_page_pdf(f"知情同意书 {n}"), (Slot("DonorConsent", 0, box, "donor",
                                                              "consent"),)),
        Record("registration", one_page_pdf(f"献血登记表 {n}"),
               (Slot("PhysicianReview", 0, box, "physician", "review"),)),
        Record("collection", one_page_pdf(f"成分血采集记录 {n}"),
               (Slot("NurseCollection", 0, box, "nurse", "collection"),)),
    ]
    png = _png()
    donor = DonorSignature(f"张{n}", f"11010119900101{n:04d}", png, b'{"strokes": []}', png,
                           hashlib.sha256(str(n).encode()).digest())
    return records, donor


def sign_record_set(pki: BenchPki, signer: RecordSigner, records: list[Record],
                    donor: DonorSignature) -> list[Any]:
    return signer.sign_donation(records, donor, {"physician": pki.physician, "nurse": pki.nurse})


# Per record: 1 signature with its time stamp (the bare unit) + 1 document time stamp.
# The signature's own time stamp is not counted again: the bare cost already includes it.
OPERATIONS_PER_RECORD_SET = 3 * 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--donations", type=int, default=None)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    n = args.donations or (8 if args.quick else 30)
    with tempfile.TemporaryDirectory() as tmp:
        pki = setup_pki(Path(tmp))
        try:
            ctx = pki.context()
            signer = RecordSigner(pki.ca, ctx)
            page = one_page_pdf("基准")
            bare_signature(pki, ctx, page)  # warm-up (size-estimation token, imports)
            sign_record_set(pki, signer, *donation(0))
            bare = []
            for _ in range(n):
                t0 = time.perf_counter()
                bare_signature(pki, ctx, page)
                bare.append(time.perf_counter() - t0)
            sets = []
            for i in range(1, n + 1):
                records, donor = donation(i)
                t0 = time.perf_counter()
                sign_record_set(pki, signer, records, donor)
                sets.append(time.perf_counter() - t0)
        finally:
            pki.close()
    bare_ms = statistics.median(bare) * 1000
    set_ms = statistics.median(sets) * 1000
    p95 = sorted(sets)[max(0, int(len(sets) * 0.95) - 1)] * 1000
    ratio = set_ms / (OPERATIONS_PER_RECORD_SET * bare_ms)
    print(f"{'measure':44} {'value':>10}")
    print(f"{'bare signature + time stamp, median (ms)':44} {bare_ms:10.1f}")
    print(f"{'record set (3 signed PDFs, B-LTA), median (ms)':44} {set_ms:10.1f}")
    print(f"{'record set p95 (ms)':44} {p95:10.1f}")
    print(f"{'operations per record set':44} {OPERATIONS_PER_RECORD_SET:10d}")
    print(f"{'ratio set / (ops x bare)':44} {ratio:10.3f}")
    print(json.dumps({"bench": "signing", "machine": f"{platform.machine()} {platform.node()}",
                      "figures": {
                          "bare_signature_ms": {"value": round(bare_ms, 1), "unit": "ms",
                                                "target": None, "better": "lower"},
                          "record_set_median_ms": {"value": round(set_ms, 1), "unit": "ms",
                                                   "target": 600, "better": "lower"},
                          "record_set_p95_ms": {"value": round(p95, 1), "unit": "ms",
                                                "target": None, "better": "lower"},
                          "ratio": {"value": round(ratio, 3), "unit": "x", "target": 1.2,
                                    "better": "lower"}}}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
