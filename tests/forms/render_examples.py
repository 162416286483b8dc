"""Render the example records and the bag label to PDF and PNG (pdftoppm -r 80) for a person to look at.

Usage: .venv/bin/python tests/forms/render_examples.py [OUT_DIR]   (default /tmp/station-form-examples)
The PNGs are for review only and are kept out of git.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import form_samples as samples

from station.forms import (
    render_collection,
    render_consent,
    render_label,
    render_registration_exam,
)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path("/tmp/station-form-examples")
    out.mkdir(parents=True, exist_ok=True)
    pdfs = {
        "consent": render_consent(samples.consent(count=40, disqualifying_at=(3, 33))).pdf,
        "registration": render_registration_exam(samples.registration_exam()).pdf,
        "collection": render_collection(samples.collection()).pdf,
        "label": render_label(samples.label()),
    }
    for name, pdf in pdfs.items():
        path = out / f"{name}.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(out / name)], check=True)
    for png in sorted(out.glob("*.png")):
        print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
