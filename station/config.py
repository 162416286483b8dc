"""One TOML configuration per installation, loaded into frozen dataclasses (unknown keys refused)."""
from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

import tomli_w

from station.errors import UsageError, ValidationError

CONFIG_NAME = "station.toml"
SCHEMA_VERSION = 1
SYSTEM_FORM_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian's fonts-wqy-zenhei


def default_form_font() -> str:
    """The form font: the copy shipped inside the frozen bundle (installer/station.spec), else the system's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        shipped = Path(bundle) / "fonts" / "wqy-zenhei.ttc"
        if shipped.is_file():
            return str(shipped)
    return SYSTEM_FORM_FONT


@dataclass(frozen=True)
class SiteConfig:
    name: str = "示例血液中心"
    name_en: str = "Demo Blood Centre"
    facility_code: str = "W0000"  # ISBT 128 facility identification number
    department: str = "献血服务二科"
    fonds: str = "J001"  # archive fonds code (全宗号)
    phones: tuple[str, ...] = ("0571-00000000",)
    esign_enabled: bool = True
    mpv_enabled: bool = True
    platelet_product_code: str = "E3083V00"  # from ICCBBA's licensed table; set per site
    consent_doc_number: str = "JL-7.5-01"
    registration_doc_number: str = "JL-7.5-02"
    collection_doc_number: str = "JL-7.5-03"


@dataclass(frozen=True)
class StationConfig:
    name: str = "机采1号位"
    kind: str = "chair"  # desk | chair | office
    demo: bool = False  # a demo folder (station init --demo): the client shows a DEMO banner


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""  # empty: SQLite file in the data folder
    pool_size: int = 5
    echo: bool = False


@dataclass(frozen=True)
class RecordsConfig:
    directory: str = ""  # signed PDFs before archiving; empty: <data>/records
    font_path: str = field(default_factory=default_form_font)


@dataclass(frozen=True)
class ArchiveConfig:
    store_url: str = ""  # file:///path or s3://bucket/prefix; empty: <data>/archive-store
    retention_years: int = 10
    number_scheme: str = "{fonds}-{year}-{retention}-{department}-{item:05d}"
    department_code: str = "XF2"
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""


@dataclass(frozen=True)
class CAConfig:
    directory: str = ""  # empty: <data>/pki/ca
    passphrase_file: str = ""  # empty: <data>/pki/ca-passphrase
    organisation: str = "示例血液中心"
    # How the issuing CA (and local TSA) key is unlocked: "prompt" = the passphrase typed by the
    # administrator at client start (or STATION_CA_PASSPHRASE for services), held in memory only;
    # "pkcs11" = the keys are on a token (custody.json in the CA folder), its PIN typed at start
    # (or STATION_CA_PIN); "file" = the passphrase file beside the keys: demo folders only
    # (`demo = true`, pki/DEMO-KEYS-README.txt says so).
    unlock: str = "file"
    demo: bool = False
    expiry_warning_days: int = 90  # warn when a CA/TSA certificate (or the root's CRL) ends this soon


@dataclass(frozen=True)
class TSAConfig:
    url: str = ""  # empty: the local RFC 3161 service
    local_host: str = "127.0.0.1"
    local_port: int = 3180
    key_type: str = "ecdsa"
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class RegionalConfig:
    url: str = ""  # the regional blood platform (station/platforms/REGIONAL.md); empty: no regional check
    token_env: str = "STATION_REGIONAL_TOKEN"  # the bearer token is read from this environment variable
    timeout_seconds: float = 2.0


@dataclass(frozen=True)
class BookingsConfig:
    url: str = ""  # the booking platform (station/platforms/BOOKINGS.md); empty: bookings come as files only
    timeout_seconds: float = 5.0
    token_env: str = "STATION_BOOKINGS_TOKEN"  # the environment variable holding the bearer token, if any


@dataclass(frozen=True)
class StaffKeysConfig:
    kind: str = "pkcs12"  # pkcs12 | pkcs11
    directory: str = ""  # pkcs12 files; empty: <data>/pki/staff
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    token_label: str = ""


@dataclass(frozen=True)
class DeviceConfig:
    kind: str = ""
    driver: str = "simulator"
    port: str = ""
    protocol: str = ""
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    dialect: str = ""  # analyzers: the instrument family (devices/analyzer/dialects.py); "" = generic

    def driver_options(self) -> dict[str, Any]:
        """The keywords for the driver: `options`, with the dialect when one is set."""
        return {**self.options, "dialect": self.dialect} if self.dialect else dict(self.options)


@dataclass(frozen=True)
class SecurityConfig:
    pii_key_file: str = ""  # empty: <data>/keys/pii.key
    idle_lock_minutes: int = 10  # the desktop client locks the screen after this long without input
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    # a signed-in session ends after this long without a service call, and this long after sign-in at most
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    password_min_length: int = 10
    password_max_age_days: int = 180
    max_wrong_pins: int = 5  # wrong signing-key PINs in a row before the key is locked


# Allowed ranges of numeric settings, checked at load: (section, key) -> (lowest, highest)
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("security", "idle_lock_minutes"): (1, 240),
    ("security", "max_failed_logins"): (1, 20),
    ("security", "lockout_minutes"): (1, 1440),
    ("security", "session_idle_minutes"): (1, 1440),
    ("security", "session_max_hours"): (1, 72),
    ("security", "password_min_length"): (10, 128),
    ("security", "password_max_age_days"): (1, 3650),
    ("security", "max_wrong_pins"): (1, 10),
    ("database", "pool_size"): (1, 100),
    ("archive", "retention_years"): (1, 100),
    ("tsa", "local_port"): (0, 65535),
    ("tsa", "timeout_seconds"): (0.1, 600),
    ("regional", "timeout_seconds"): (0.1, 600),
    ("bookings", "timeout_seconds"): (0.1, 600),
    ("ui", "tablet_screen"): (0, 16),
}


@dataclass(frozen=True)
class UIConfig:
    language: str = "zh_CN"
    tablet_screen: int = 1  # index of the screen facing the donor


@dataclass(frozen=True)
class Config:
    data_dir: Path
    schema_version: int = SCHEMA_VERSION
    site: SiteConfig = SiteConfig()
    station: StationConfig = StationConfig()
    database: DatabaseConfig = DatabaseConfig()
    records: RecordsConfig = RecordsConfig()
    archive: ArchiveConfig = ArchiveConfig()
    ca: CAConfig = CAConfig()
    tsa: TSAConfig = TSAConfig()
    staff_keys: StaffKeysConfig = StaffKeysConfig()
    security: SecurityConfig = SecurityConfig()
    ui: UIConfig = UIConfig()
    regional: RegionalConfig = RegionalConfig()
    bookings: BookingsConfig = BookingsConfig()
    devices: dict[str, DeviceConfig] = field(default_factory=dict)

    # resolved locations, each defaulting into the data folder
    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'station.db'}"

    @property
    def records_dir(self) -> Path:
        return Path(self.records.directory) if self.records.directory else self.data_dir / "records"

    @property
    def archive_store_url(self) -> str:
        return self.archive.store_url or (self.data_dir / "archive-store").as_uri()

    @property
    def ca_dir(self) -> Path:
        return Path(self.ca.directory) if self.ca.directory else self.data_dir / "pki" / "ca"

    @property
    def ca_passphrase_file(self) -> Path:
        return Path(self.ca.passphrase_file) if self.ca.passphrase_file else self.data_dir / "pki" / "ca-passphrase"

    @property
    def staff_keys_dir(self) -> Path:
        return Path(self.staff_keys.directory) if self.staff_keys.directory else self.data_dir / "pki" / "staff"

    @property
    def tsa_dir(self) -> Path:
        return self.data_dir / "pki" / "tsa"

    @property
    def pii_key_path(self) -> Path:
        return Path(self.security.pii_key_file) if self.security.pii_key_file else self.data_dir / "keys" / "pii.key"


def default_data_dir() -> Path:
    env = os.environ.get("STATION_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("apheresis-station", "station"))


def resolve_data_dir(arg: str | None) -> Path:
    return Path(arg).expanduser().resolve() if arg else default_data_dir().resolve()


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ValidationError(f"配置项 [{where}] 应为表", f"Configuration [{where}] must be a table",
                              code="CONFIG_INVALID")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValidationError(f"配置 [{where}] 含未知项：{', '.join(unknown)}",
                              f"Unknown keys in configuration [{where}]: {', '.join(unknown)}",
                              code="CONFIG_UNKNOWN_KEY")
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        hint = hints[key]
        default = getattr(cls, key, None) if not isinstance(getattr(cls, key, None), property) else None
        if hint is bool and not isinstance(value, bool):
            raise ValidationError(f"配置 [{where}].{key} 应为 true/false",
                                  f"Configuration [{where}].{key} must be true or false", code="CONFIG_INVALID")
        if hint in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValidationError(f"配置 [{where}].{key} 应为数字", f"Configuration [{where}].{key} must be a number",
                                  code="CONFIG_INVALID")
        if hint is str and not isinstance(value, str):
            raise ValidationError(f"配置 [{where}].{key} 应为文本", f"Configuration [{where}].{key} must be text",
                                  code="CONFIG_INVALID")
        if isinstance(default, tuple) or str(hint).startswith("tuple"):
            value = tuple(value)
        limits = RANGES.get((where, key))
        if limits is not None and not (limits[0] <= value <= limits[1]):  # NaN fails both comparisons
            low, high = (int(x) if float(x).is_integer() else x for x in limits)
            raise ValidationError(f"配置 [{where}].{key} = {value} 超出允许范围 {low}–{high}",
                                  f"Configuration [{where}].{key} = {value} is outside the allowed range {low} to {high}",
                                  code="CONFIG_OUT_OF_RANGE",
                                  details={"section": where, "key": key, "value": value, "low": low, "high": high})
        kwargs[key] = value
    return cls(**kwargs)


_SECTIONS = {"site": SiteConfig, "station": StationConfig, "database": DatabaseConfig,
             "records": RecordsConfig, "archive": ArchiveConfig, "ca": CAConfig, "tsa": TSAConfig,
             "staff_keys": StaffKeysConfig, "security": SecurityConfig, "ui": UIConfig,
             "regional": RegionalConfig, "bookings": BookingsConfig}


def config_from_dict(raw: dict[str, Any], data_dir: Path) -> Config:
    allowed = set(_SECTIONS) | {"devices", "schema_version"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValidationError(f"配置含未知节：{', '.join(unknown)}",
                              f"Unknown configuration sections: {', '.join(unknown)}", code="CONFIG_UNKNOWN_KEY")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise ValidationError("配置文件来自更新版本的程序", "The configuration was written by a newer version",
                              code="CONFIG_TOO_NEW")
    kwargs: dict[str, Any] = {"data_dir": data_dir, "schema_version": SCHEMA_VERSION}
    for name, cls in _SECTIONS.items():
        if name in raw:
            kwargs[name] = _build(cls, raw[name], name)
    devices = {}
    for dev_name, dev_raw in raw.get("devices", {}).items():
        devices[dev_name] = _build(DeviceConfig, dev_raw, f"devices.{dev_name}")
    kwargs["devices"] = devices
    return Config(**kwargs)


def config_to_dict(config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {"schema_version": config.schema_version}
    for name in _SECTIONS:
        section = dataclasses.asdict(getattr(config, name))
        out[name] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in section.items()}
    out["devices"] = {k: dataclasses.asdict(v) for k, v in config.devices.items()}
    return out


def config_path(data_dir: Path) -> Path:
    return data_dir / CONFIG_NAME


def load_config(data_dir: Path) -> Config:
    path = config_path(data_dir)
    if not path.exists():
        raise UsageError(f"未找到配置文件 {path}，请先运行 station init",
                         f"No configuration at {path}; run 'station init' first", code="NOT_INITIALISED")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"配置文件格式错误：{exc}", f"The configuration file is not valid TOML: {exc}",
                              code="CONFIG_INVALID") from None
    return config_from_dict(raw, data_dir)


def write_config(config: Config) -> Path:
    from signing.atomic import atomic_write

    path = config_path(config.data_dir)
    atomic_write(path, tomli_w.dumps(config_to_dict(config)).encode("utf-8"))
    return path


def default_devices() -> dict[str, DeviceConfig]:
    """The embedded default: every device kind on a simulator (ports filled in when simulators start)."""
    return {
        "idcard": DeviceConfig(kind="idcard", driver="simulator", port="", protocol="sam"),
        "analyzer": DeviceConfig(kind="analyzer", driver="simulator", port="", protocol="astm"),
        "separator": DeviceConfig(kind="separator", driver="simulator", port="", protocol="jsonl"),
        "signature-pad": DeviceConfig(kind="signature-pad", driver="tablet", port="", protocol=""),
        "fingerprint": DeviceConfig(kind="fingerprint", driver="simulator", port="", protocol=""),
        "printer": DeviceConfig(kind="printer", driver="simulator", port="", protocol="zpl"),
        "scanner": DeviceConfig(kind="scanner", driver="simulator", port="", protocol=""),
    }
