"""`station demo --headless` takes ID data, the donor's handwriting and fingerprint, pre-donation results
(ASTM and HL7), labels, bag scans and collection data through the simulators (separate processes on pty
pairs and TCP) and the real drivers."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is needed for the simulators")

ROOT = Path(__file__).resolve().parents[2]


def run_demo_cli(data: Path) -> dict:
    env = {**os.environ, "STATION_LANG": "en", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("STATION_HOME", None)
    init = subprocess.run([sys.executable, "-m", "station.cli", "init", "--demo", "--data-dir", str(data)],
                          check=False, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert init.returncode == 0, init.stderr + init.stdout  # station demo runs on a demo folder only
    proc = subprocess.run([sys.executable, "-m", "station.cli", "demo", "--headless", "--donations", "6", "--seed", "2",
                           "--no-archive", "--json", "--data-dir", str(data)],
                          check=False, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


def test_headless_demo_takes_its_data_through_the_devices(tmp_path: Path) -> None:
    # one run, checked three ways (function scope: the PostgreSQL pass gives it its own database)
    data = tmp_path / "data"
    out = run_demo_cli(data)
    check_device_counts_match_the_steps_reached(data, out)
    check_results_and_collections_are_linked_to_their_raw_messages(data)
    check_donors_hold_what_their_cards_held(data)
    check_labels_went_to_the_printer_and_bags_came_from_the_scanner(data)
    check_consents_carry_what_the_pad_and_the_fingerprint_scanner_sent(data)


def check_device_counts_match_the_steps_reached(data: Path, out: dict) -> None:
    from sqlalchemy import func, select

    from station.context import open_context
    from station.models import Collection, Donation, Donor, PreDonationTest

    ctx = open_context(data)
    try:
        if os.environ.get("STATION_DATABASE_URL"):  # the PostgreSQL pass: the demo really ran on it
            assert ctx.config.database_url.startswith("postgresql")
        with ctx.transaction() as s:
            donors = s.execute(select(func.count()).select_from(Donor)).scalar_one()
            tests = s.execute(select(func.count()).select_from(PreDonationTest)).scalar_one()
            finished = s.execute(select(func.count()).select_from(Collection)
                                 .where(Collection.ended_at.is_not(None))).scalar_one()
            labelled = s.execute(select(func.count()).select_from(Donation)
                                 .where(Donation.label_printed_at.is_not(None))).scalar_one()
    finally:
        ctx.close()
    devices = out["devices"]
    assert out["donations"] == 6 and out["returning_donors"] == 0
    assert devices["idcard_reads"] == donors == 6
    assert devices["analyzer_results"] == tests == 6
    assert devices["analyzer_astm"] == devices["analyzer_hl7"] == 3  # the two analyzers in turn
    assert devices["separator_runs"] == finished == out["collected"]
    assert out["collected"] >= 1
    assert devices["signatures"] == devices["fingerprints"] == 6  # every donor signs the consent
    assert devices["labels_printed"] == labelled >= out["collected"]
    # wristband + bag before the collection, two bags and a segment at sealing
    assert devices["barcodes_scanned"] == 2 * labelled + 3 * out["sealed"]


def check_results_and_collections_are_linked_to_their_raw_messages(data: Path) -> None:
    from sqlalchemy import select

    from station.context import open_context
    from station.models import Collection, DeviceMessage, Donation, PreDonationTest

    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            tests = s.execute(select(PreDonationTest)).scalars().all()
            assert tests
            for t in tests:
                assert t.source == "device" and t.source != "manual"
                assert t.raw_message_id is not None
                m = s.get(DeviceMessage, t.raw_message_id)
                din = s.get(Donation, t.donation_id).din
                assert (m.kind, m.status, m.donation_id, m.sample_id) == ("analyzer", "filed", t.donation_id, din)
                values = m.parsed["values"]
                if m.protocol == "astm":
                    # the bytes as they crossed the wire: ENQ, then E1381 frames with the DIN as the sample id
                    assert m.raw.startswith(b"\x05\x021H|") and f"{din}^B".encode() in m.raw
                    assert values["HGB"]["raw_unit"] == "g/dL" and values["PLT"]["raw_unit"] == "10*3/uL"
                else:
                    # an MLLP block holding an ORU^R01 whose OBR carries the DIN
                    assert m.protocol == "hl7" and m.raw.startswith(b"\x0bMSH|") and m.raw.endswith(b"\x1c\r")
                    assert b"|ORU^R01|" in m.raw and f"OBR|1||{din}|".encode() in m.raw
                    assert values["HGB"]["raw_unit"] == "g/L" and values["PLT"]["raw_unit"] == "10*9/L"
                assert t.hb_g_l == values["HGB"]["value"]
                assert t.hct == values["HCT"]["value"] and t.plt_10e9_l == values["PLT"]["value"]
            assert {s.get(DeviceMessage, t.raw_message_id).protocol for t in tests} == {"astm", "hl7"}
            collections = s.execute(select(Collection).where(Collection.ended_at.is_not(None))).scalars().all()
            assert collections
            for c in collections:
                assert c.raw_message_id is not None
                m = s.get(DeviceMessage, c.raw_message_id)
                assert (m.kind, m.sample_id) == ("separator", s.get(Donation, c.donation_id).din)
                summary = json.loads(m.raw)
                assert summary["type"] == "summary"
                assert c.platelet_yield_e11 == summary["platelet_yield_e11"]
                assert c.whole_blood_processed_ml == summary["whole_blood_processed_ml"]
                assert c.run_minutes == summary["run_time_min"] and 20 <= c.run_minutes <= 180
                assert c.confirmations == []  # plausible figures: nothing had to be confirmed
    finally:
        ctx.close()


def check_donors_hold_what_their_cards_held(data: Path) -> None:
    from devices.idcard.cardfile import card_from_dict
    from devices.idcard.codec import NATION_NAMES
    from station.context import open_context
    from station.services.donors import find_donor_row

    cards = sorted((data / "demo-devices" / "cards").glob("*.json"))
    assert len(cards) == 6
    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            for path in cards:
                card = json.loads(path.read_text(encoding="utf-8"))
                donor = find_donor_row(ctx, s, "resident", card["id_number"])
                assert donor is not None, card["id_number"]
                assert donor.name == card["name"]
                assert donor.sex == {"1": "male", "2": "female"}[card["sex"]]
                assert donor.birth_date == date.fromisoformat(card["birth_date"])
                assert donor.nation == NATION_NAMES[card["nation"]]
                assert donor.address == card["address"]
                photo = card_from_dict(card).photo
                assert donor.card_authority == card["authority"].strip()
                assert donor.card_valid_from == date.fromisoformat(card["valid_from"])
                assert donor.photo_wlt == photo and len(photo) == 1024
    finally:
        ctx.close()


def check_labels_went_to_the_printer_and_bags_came_from_the_scanner(data: Path) -> None:
    from sqlalchemy import select

    from station.context import open_context
    from station.identifiers import din_check_character
    from station.models import DeviceMessage, Donation

    jobs = sorted((data / "demo-devices" / "sims" / "printer-jobs").glob("job-*.zpl"))
    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            labelled = s.execute(select(Donation).where(Donation.label_printed_at.is_not(None))
                                 .order_by(Donation.id)).scalars().all()
            sent = [s.execute(select(DeviceMessage).where(DeviceMessage.kind == "printer",
                                                          DeviceMessage.donation_id == d.id)).scalar_one()
                    for d in labelled]
            # what the printer simulator received, job by job, is the ZPL the driver sent for each label
            assert [j.read_bytes() for j in jobs] == [m.raw.strip() for m in sent]
            for d, m in zip(labelled, sent, strict=True):
                assert m.direction == "out" and m.sample_id == d.din
                assert m.raw.startswith(b"^XA") and m.raw.rstrip().endswith(b"^XZ")
                assert f"{d.din}{d.din_flags}".encode() in m.raw  # the DIN and flags in the Code 128 data
                scans = s.execute(select(DeviceMessage).where(DeviceMessage.kind == "scanner",
                                                              DeviceMessage.donation_id == d.id)
                                  .order_by(DeviceMessage.id)).scalars().all()
                wanted = [f"={d.din}{d.din_flags}"] * 2  # wristband, bag
                if d.state in ("sealed", "records_signed", "archived"):  # two bags, the segment's eye-readable DIN
                    wanted += [f"={d.din}{d.din_flags}"] * 2 + [d.din + din_check_character(d.din)]
                assert [x.parsed["data"] for x in scans] == wanted
                assert all(x.raw == x.parsed["data"].encode() and x.protocol == "lines" for x in scans)
    finally:
        ctx.close()


def check_consents_carry_what_the_pad_and_the_fingerprint_scanner_sent(data: Path) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from sqlalchemy import select

    from devices.signature.model import SignatureCapture
    from station.context import open_context
    from station.models import DeviceMessage, SignedRecord

    ctx = open_context(data)
    try:
        with ctx.transaction() as s:
            consents = s.execute(select(SignedRecord).where(SignedRecord.kind == "consent")).scalars().all()
            assert consents
            for rec in consents:
                pad = s.execute(select(DeviceMessage).where(DeviceMessage.kind == "signature-pad",
                                                            DeviceMessage.donation_id == rec.donation_id)).scalar_one()
                finger = s.execute(select(DeviceMessage).where(DeviceMessage.kind == "fingerprint",
                                                               DeviceMessage.donation_id == rec.donation_id)
                                   ).scalar_one()
                # the pad's bytes: BEGIN, pen samples, END; their capture's hash is the consent's evidence
                assert pad.raw.startswith(b"BEGIN ") and pad.raw.endswith(b"END")
                assert rec.evidence["pen-data.json"] == pad.parsed["sha256"]
                with open(rec.path, "rb") as f:
                    reader = PdfFileReader(f)
                    pen_json = _embedded_file(reader, "pen-data.json")
                    assert SignatureCapture.from_json(pen_json.decode()).sha256 == pad.parsed["sha256"]
                    # the consent carries the template the fingerprint scanner sent, and the donor certificate
                    # binds the SHA-256 of exactly that attached file
                    attached = _embedded_file(reader, "fingerprint-template.json")
                    template = base64.b64decode(json.loads(attached)["template_base64"])
                    assert hashlib.sha256(template).hexdigest() == finger.parsed["template_sha256"]
                    donor_certs = [sig.signer_cert for sig in reader.embedded_signatures
                                   if hashlib.sha256(attached).digest() in sig.signer_cert.dump()]
                    assert len(donor_certs) == 1
    finally:
        ctx.close()


def _embedded_file(reader, name: str) -> bytes:
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    for i in range(0, len(names), 2):
        if str(names[i]) == name:
            return names[i + 1].get_object()["/EF"]["/F"].get_object().data
    raise AssertionError(f"{name} is not embedded; have {[str(n) for n in names[::2]]}")


def test_a_reader_that_never_reads_the_card_is_a_clear_device_error(tmp_path: Path) -> None:
    from station.demo_devices import DemoDevices
    from station.errors import DeviceError

    person = {"id_number": "330106198805121235", "name": "周晓明", "sex": "male", "birth_date": date(1988, 5, 12),
              "address": "浙江省杭州市西湖区文三路100号"}
    from station.identifiers import id_check_digit

    person["id_number"] = person["id_number"][:17] + id_check_digit(person["id_number"][:17])
    with DemoDevices(tmp_path / "hw", timeout=1.5) as hw:
        assert hw.id_source(person)["name"] == "周晓明"  # the reader works...
        hw._control("idcard", {"cmd": "fault", "mode": "read_fail"})  # ...until reads fail
        with pytest.raises(DeviceError) as err:
            hw.id_source(person)
        assert err.value.code == "DEVICE_TIMEOUT"
        assert "ID-card reader" in err.value.message_en and "no card read within 1.5 s" in err.value.message_en
        assert "read failed" in err.value.message_en.lower()  # the driver's own reason is shown
        assert hw.figures()["idcard_reads"] == 1
