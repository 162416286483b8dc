"""The headless demo's outer loop: signing and archiving around the workflow of station.demo.

The workflow part (station.demo.run_demo) goes through the same services as the desktop client;
here the sealed donations get their donor evidence (a synthetic pen signature and fingerprint,
the bytes the tablet and scanner simulators send), are signed by the demo nurse and physician with
their enrolled keys, and are archived by the demo archivist."""
from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from station.context import StationContext, open_context
from station.demo import DEMO_PIN, demo_actors, enrol_demo_staff, run_demo


def demo_donor_evidence(seed: int) -> tuple[Any, Any]:
    """The capture a donor leaves on the tablet and the fingerprint scanner (simulated hardware)."""
    from devices.fingerprint.model import FingerprintCapture
    from devices.fingerprint.sim import synthetic_capture
    from devices.signature.model import PenSample, SignatureCapture
    from devices.signature.sim import synthetic_signature

    samples = [PenSample(x, y, p, t, bool(pen)) for x, y, p, t, pen in synthetic_signature(seed)]
    signature = SignatureCapture(samples=samples, width=800, height=300, device="demo-tablet",
                                 captured_at=datetime.now(UTC))
    png, template, quality = synthetic_capture(seed)
    fingerprint = FingerprintCapture(image_png=png, quality=quality, template=template, device="demo-scanner")
    return signature, fingerprint


def sign_sealed(ctx: StationContext, donation_ids: list[int], seed: int,
                evidence: dict[int, tuple[Any, Any]] | None = None) -> dict[str, int]:
    """Nurse signs consent (with the donor) and collection record, physician the examination form.

    `evidence` holds the captures the signature pad and fingerprint scanner gave at the questionnaire
    (the demo with devices); without it the same kind of capture is made here."""
    from station.errors import LocalizedError
    from station.services.records import sign_donation_records

    actors = demo_actors(ctx)
    signed = failed = 0
    for i, did in enumerate(donation_ids):
        signature, fingerprint = (evidence or {}).get(did) or demo_donor_evidence(seed * 1000 + i)
        try:
            sign_donation_records(ctx, actors["nurse"], did, pin=DEMO_PIN, donor_signature=signature,
                                  fingerprint=fingerprint)
            out = sign_donation_records(ctx, actors["physician"], did, pin=DEMO_PIN)
        except LocalizedError:
            failed += 1
            continue
        signed += out["state"] == "records_signed"
    return {"signed": signed, "sign_failed": failed}


def run_headless_demo(data_dir: Path, n: int, seed: int | None, *, devices: bool = True, sign: bool = True,
                      archive: bool = True) -> dict[str, Any]:
    seed = seed if seed is not None else random.SystemRandom().randrange(1 << 30)
    ctx = open_context(data_dir)
    try:
        if devices:
            from station.demo_devices import DemoDevices
            from station.services.intake.service import DeviceIntake

            # the simulators run only while the donations are driven; signing needs none of them
            with DemoDevices(data_dir / "demo-devices", intake=DeviceIntake(ctx)) as hw:
                report = run_demo(ctx, n, seed, **hw.hooks())
                device_figures = hw.figures()
        else:
            report = run_demo(ctx, n, seed)
        out: dict[str, Any] = report.to_json()
        out["seed"] = seed
        if devices:
            out["devices"] = device_figures
        if sign:
            enrol_demo_staff(ctx)
            figures = sign_sealed(ctx, report.sealed_ids, seed, report.evidence)
            out["signed_records"] = figures["signed"]
            out["signing_failed"] = figures["sign_failed"]
            if archive:
                from station.services.archiving.job import run_archive

                result = run_archive(ctx, demo_actors(ctx)["archivist"])
                out["archived"] = result.archived
                out["archive_failed"] = len(result.failed)
                out["archive_numbers"] = result.archive_numbers
                if result.stopped is not None:
                    raise result.stopped
        return out
    finally:
        ctx.close()
