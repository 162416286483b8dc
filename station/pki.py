"""The station's own PKI material, as configuration names it: the CA key's passphrase and the staff key store
(PKCS#12 files or a PKCS#11 token). Services and commands alike take them from here."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from station.config import Config
from station.errors import SigningError

if TYPE_CHECKING:
    from signing.keystore import Pkcs11KeyStore, Pkcs12KeyStore

PASSPHRASE_ENV = "STATION_CA_PASSPHRASE"


def read_passphrase(config: Config) -> bytes:
    """The CA key's passphrase: STATION_CA_PASSPHRASE, else the passphrase file configuration names."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env.encode()
    path = config.ca_passphrase_file
    if not path.exists():
        raise SigningError(f"未找到 CA 口令文件 {path}（或设置 {PASSPHRASE_ENV}）",
                           f"No CA passphrase file at {path} (or set {PASSPHRASE_ENV})",
                           code="CA_PASSPHRASE")
    return path.read_bytes().strip()


def staff_key_store(config: Config) -> Pkcs11KeyStore | Pkcs12KeyStore:
    """Where the staff signing keys live: the PKCS#11 token configured, else the PKCS#12 folder."""
    from signing.ca import LocalCA
    from signing.keystore import Pkcs11KeyStore, Pkcs12KeyStore

    if config.staff_keys.kind == "pkcs11":
        root, issuing, _ = LocalCA.load_public(config.ca_dir)
        return Pkcs11KeyStore(config.staff_keys.pkcs11_module, config.staff_keys.token_label,
                              chain=[issuing, root])
    return Pkcs12KeyStore(config.staff_keys_dir)
