"""Test data for archiving: a station with donations driven to `sealed` by the services, records rendered
and signed with the signing package (donor certification, staff approvals, B-LTA), SignedRecord rows
written and the donations moved to `records_signed` in one transaction each.

The integrator's records service will replace `sign_sealed_donations`; until then this is the fixture.
"""
from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select

from signing.ca import LocalCA
from signing.keystore import Pkcs12KeyStore
from signing.pades import DonorSignature, RecordSigner, SigningContext, TrustMaterial
from signing.tsa import create_tsa_identity, http_timestamper, start_in_thread
from station import audit
from station.context import StationContext
from station.models import Donation, SignedRecord
from station.security import Actor
from station.services.common import advance, load_donation

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
PIN = "246810"
TITLES = {"consent": "无偿献血者知情同意书", "registration": "献血登记表", "collection": "成分血采集记录"}
SHOWS_ID = {"consent": True, "registration": True, "collection": False}
BOX = (72.0, 100.0, 292.0, 170.0)


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


SLOTS = {"consent": Slot("DonorConsent", 0, BOX, "donor", "consent"),
         "registration": Slot("PhysicianReview", 0, BOX, "physician", "review"),
         "collection": Slot("NurseCollection", 0, BOX, "nurse", "collection")}


def render_record(kind: str, din: str, name: str, id_number: str) -> bytes:
    """A one-page record as the forms print it: title, DIN eye-readable, donor name and ID number."""
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842), invariant=True, initialFontName="WQY")
    c.setFont("WQY", 16)
    c.drawString(72, 780, TITLES[kind])
    c.setFont("WQY", 11)
    c.drawString(72, 750, f"献血条码 {din[:5]} {din[5:7]} {din[7:]}")
    c.drawString(72, 730, f"献血者姓名 {name}")
    if SHOWS_ID[kind]:
        c.drawString(72, 710, f"证件号码 {id_number}")
    c.drawString(72, 690, "本记录由工作站生成，签名后归档。")
    c.showPage()
    c.save()
    return buf.getvalue()


def png(color: tuple[int, int, int, int] = (0, 0, 0, 255)) -> bytes:
    img = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(10, 80), (100, 20), (200, 70), (290, 30)], fill=color, width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


class Pki:
    """The station's CA (from `station init`), a TSA on loopback and two staff keys."""

    def __init__(self, ctx: StationContext, folder: Path) -> None:
        cfg = ctx.config
        passphrase = cfg.ca_passphrase_file.read_text().strip().encode()
        self.ca = LocalCA.open(cfg.ca_dir, passphrase)
        now = datetime.now(UTC)
        self.authority = create_tsa_identity(folder / "tsa", self.ca, passphrase, "ecdsa", now)
        self.staff = Pkcs12KeyStore(folder / "staff")
        self.staff.enrol(self.ca, "li.doctor", "李医生", "physician", PIN, now)
        self.staff.enrol(self.ca, "wang.nurse", "王护士", "nurse", PIN, now)

    @contextmanager
    def signer(self) -> Iterator[tuple[RecordSigner, dict[str, Any]]]:
        with start_in_thread(self.authority) as running:
            ctx = SigningContext(TrustMaterial.from_ca_folder(self.ca.folder), http_timestamper(running.url))
            with self.staff.open("li.doctor", PIN) as phys, self.staff.open("wang.nurse", PIN) as nurse:
                yield RecordSigner(self.ca, ctx), {"physician": phys, "nurse": nurse}


def donor_signature(name: str, id_number: str) -> DonorSignature:
    return DonorSignature(name=name, id_number=id_number, handwriting_png=png(),
                          pen_data_json=b'{"strokes": [[[0, 0, 0.5], [10, 10, 0.7]]]}',
                          fingerprint_png=png((80, 80, 80, 255)),
                          fingerprint_template=b"FMR\0 20\0" + id_number.encode())


def sign_donation(ctx: StationContext, actor: Actor, signer: RecordSigner, staff: dict[str, Any],
                  donation_id: int, *, kinds: tuple[str, ...] = ("consent", "registration", "collection"),
                  advance_state: bool = True) -> dict[str, Path]:
    """Render, sign and file the records of one sealed donation; move it to records_signed."""
    with ctx.sessions() as s:
        d = s.get(Donation, donation_id)
        assert d is not None
        din, name = d.din, d.donor.name
        id_number = ctx.pii.decrypt(d.donor.id_number_cipher, "id_number")
    records = [Record(k, render_record(k, din, name, id_number), (SLOTS[k],)) for k in kinds]
    donor = donor_signature(name, id_number) if "consent" in kinds else None
    signed = signer.sign_donation(records, donor, staff)
    folder = ctx.config.records_dir / din
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    now = ctx.now()
    station_id = ctx.station_id
    with ctx.transaction() as s:
        donation = load_donation(s, donation_id)
        for rec in signed:
            path = folder / f"{rec.kind}.pdf"
            rec.write(path)
            paths[rec.kind] = path
            s.add(SignedRecord(donation_id=donation_id, kind=rec.kind, path=f"{din}/{rec.kind}.pdf",
                               sha256=rec.sha256, size=len(rec.pdf), signed_at=now,
                               signers=[SLOTS[rec.kind].role], evidence=dict(rec.evidence_sha256)))
        if advance_state:
            advance(s, donation, "sign_records", actor, now, station_id)
        audit.record(s, actor, "records.sign", "donation", donation_id, at=now, after={"kinds": list(kinds)},
                     donation_id=donation_id)
    return paths


def build_station(data_dir: Path, pki_dir: Path, n_demo: int = 10, seed: int = 7) -> dict[str, Any]:
    """`station init`, the demo workflow for n donors, and every sealed donation signed."""
    from station.bootstrap import init_data_dir
    from station.context import open_context
    from station.demo import demo_actors, run_demo

    init_data_dir(data_dir, admin_password="Adm1n-archive-test")
    ctx = open_context(data_dir)
    try:
        # resolve site and station ids before any service opens a transaction (they would nest)
        _ = ctx.site_id, ctx.station_id
        report = run_demo(ctx, n_demo, seed)
        actors = demo_actors(ctx)
        pki = Pki(ctx, pki_dir)
        with pki.signer() as (signer, staff):
            for donation_id in report.sealed_ids:
                sign_donation(ctx, actors["nurse"], signer, staff, donation_id)
        with ctx.sessions() as s:
            signed = list(s.execute(select(Donation.din).where(Donation.state == "records_signed")).scalars())
        return {"sealed_ids": list(report.sealed_ids), "signed_dins": signed, "pki": pki}
    finally:
        ctx.close()


def copy_station(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest
