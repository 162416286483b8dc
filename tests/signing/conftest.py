"""Shared fixtures: one CA, one TSA on loopback, staff keys and a signed donation per session."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from signing_helpers import PASS, PIN, donation_records, donor

from signing.ca import LocalCA
from signing.keystore import Pkcs12KeyStore
from signing.pades import RecordSigner, SigningContext, TrustMaterial
from signing.tsa import create_tsa_identity, http_timestamper, start_in_thread


@dataclass
class Pki:
    folder: Path
    ca: LocalCA
    tsa_url: str
    staff: Pkcs12KeyStore

    def trust(self) -> TrustMaterial:
        return TrustMaterial.from_ca_folder(self.ca.folder)

    def context(self) -> SigningContext:
        return SigningContext(self.trust(), http_timestamper(self.tsa_url))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.now(timezone.utc)
    ca = LocalCA.create(folder / "ca", PASS, "测试血液中心", now)
    authority = create_tsa_identity(folder / "tsa", ca, PASS, "ecdsa", now)
    staff = Pkcs12KeyStore(folder / "staff")
    staff.enrol(ca, "li.doctor", "李医生", "physician", PIN, now)
    staff.enrol(ca, "wang.nurse", "王护士", "nurse", PIN, now)
    with start_in_thread(authority) as running:
        yield Pki(folder, ca, running.url, staff)


@pytest.fixture(scope="session")
def signed(pki: Pki):
    """The three signed records of one donation."""
    signer = RecordSigner(pki.ca, pki.context())
    with pki.staff.open("li.doctor", PIN) as phys, pki.staff.open("wang.nurse", PIN) as nurse:
        return signer.sign_donation(donation_records(), donor(),
                                    {"physician": phys, "nurse": nurse})
