"""A throw-away PKI with TSAs of chosen validity, an RFC 3161 service per TSA, and synthetic packages."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.tsa import TimeStampAuthority


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Blood Centre"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class ScratchPKI:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate

    @classmethod
    def create(cls, now: datetime | None = None, years: int = 30, cn: str = "Test Root CA") -> ScratchPKI:
        now = now or datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=365 * years))
                .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                             crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    def tsa(self, not_before: datetime, not_after: datetime, cn: str = "Test TSA") -> TimeStampAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.root.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(not_before).not_valid_after(not_after)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                .sign(self.root_key, hashes.SHA256()))
        return TimeStampAuthority(key, cert, [self.root])

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def make_packages(store_root: Path, n: int, year: int = 2026, payload: int = 700) -> list[str]:
    """n small bag-like packages (bagit.txt, bag-info.txt, a manifest, two payload files), read-only."""
    names = []
    for i in range(n):
        name = f"{year}/XF2-{year}-{i:06d}"
        bag = store_root / name
        (bag / "data" / "records").mkdir(parents=True)
        pdf = b"%PDF-1.7\n" + secrets.token_bytes(payload)
        meta = f'{{"item": {i}}}'.encode()
        (bag / "data" / "records" / "consent.pdf").write_bytes(pdf)
        (bag / "data" / "metadata.json").write_bytes(meta)
        (bag / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
        (bag / "bag-info.txt").write_text(f"External-Identifier: XF2-{year}-{i:06d}\n")
        import hashlib
        (bag / "manifest-sha256.txt").write_text(
            f"{hashlib.sha256(meta).hexdigest()}  data/metadata.json\n"
            f"{hashlib.sha256(pdf).hexdigest()}  data/records/consent.pdf\n")
        (bag / "tagmanifest-sha256.txt").write_text(
            f"{hashlib.sha256((bag / 'manifest-sha256.txt').read_bytes()).hexdigest()}  manifest-sha256.txt\n")
        for p in bag.rglob("*"):
            if p.is_file():
                os.chmod(p, 0o444)
        names.append(name)
    return names


def writable(path: Path) -> None:
    os.chmod(path, 0o644)
