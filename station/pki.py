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
PIN_ENV = "STATION_CA_PIN"


def stored_secret(config: Config) -> bytes | None:
    """The CA's unlock secret a process may find without asking anyone: STATION_CA_PASSPHRASE
    (STATION_CA_PIN when the keys are on a token), or the passphrase file of a demo folder
    (`[ca] unlock = "file"`). A production station stores none (see station.services.pki)."""
    env = os.environ.get(PIN_ENV if config.ca.unlock == "pkcs11" else PASSPHRASE_ENV)
    if env:
        return env.encode()
    if config.ca.unlock == "file" and config.ca_passphrase_file.exists():
        return config.ca_passphrase_file.read_bytes().strip()
    return None


def locked_error(config: Config) -> SigningError:
    if config.ca.unlock == "pkcs11":
        return SigningError("签名尚未解锁：请管理员插入 CA 令牌并输入令牌 PIN",
                            "Signing is locked: the administrator must insert the CA token and "
                            f"enter its PIN (or set {PIN_ENV})", code="CA_LOCKED")
    return SigningError("签名尚未解锁：请管理员输入 CA 口令",
                        "Signing is locked: the administrator must enter the CA passphrase (or "
                        f"set {PASSPHRASE_ENV})", code="CA_LOCKED")


def read_passphrase(config: Config) -> bytes:
    """The CA's unlock secret for a command: the environment, the passphrase file only on a demo
    folder, else typed on the terminal (the passphrase, or the token PIN)."""
    import getpass

    found = stored_secret(config)
    if found is not None:
        return found
    if config.ca.unlock == "file":
        path = config.ca_passphrase_file
        raise SigningError(f"未找到 CA 口令文件 {path}（或设置 {PASSPHRASE_ENV}）",
                           f"No CA passphrase file at {path} (or set {PASSPHRASE_ENV})",
                           code="CA_PASSPHRASE")
    if not os.isatty(0):
        raise locked_error(config)
    prompt = ("CA 令牌 PIN / CA token PIN: " if config.ca.unlock == "pkcs11"
              else "CA 口令 / CA passphrase: ")
    return getpass.getpass(prompt).encode()


def staff_key_store(config: Config) -> Pkcs11KeyStore | Pkcs12KeyStore:
    """Where the staff signing keys live: the PKCS#11 token configured, else the PKCS#12 folder."""
    from signing.ca import LocalCA
    from signing.keystore import Pkcs11KeyStore, Pkcs12KeyStore

    if config.staff_keys.kind == "pkcs11":
        root, _issuing, _ = LocalCA.load_public(config.ca_dir)
        # every issuing CA generation: a staff certificate issued before a rollover keeps its issuer
        return Pkcs11KeyStore(config.staff_keys.pkcs11_module, config.staff_keys.token_label,
                              chain=[*LocalCA.issuing_certificates(config.ca_dir), root])
    return Pkcs12KeyStore(config.staff_keys_dir)
