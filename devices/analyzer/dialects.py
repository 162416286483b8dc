"""Vendor dialects of the analyzer protocols, chosen per device in the configuration (`dialect`).

Every instrument family bends ASTM E1394 or HL7 v2 its own way. A dialect says, for one family,
where the sample id lives, which decimal mark it writes, which extra units it uses and how they
convert (always explicitly: a unit not listed is refused, never guessed), its test codes, how long
its frames are and what its flags mean. The generic dialects accept only the unambiguous core and
refuse what would need a guess (a rack^tube^sample O.3 without a dialect, a decimal comma).

Sources for each family are named in README.md ("Analyzers") and in tests/devices/captures/.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from devices.registry import UnknownDevice

# normalised flags carried with a value
LOW_RELIABILITY = "low_reliability"
ABNORMAL_HIGH = "abnormal_high"
ABNORMAL_LOW = "abnormal_low"
ABNORMAL = "abnormal"
CRITICAL_HIGH = "critical_high"
CRITICAL_LOW = "critical_low"
OUT_OF_RANGE = "out_of_linearity"
FLAGS = (LOW_RELIABILITY, ABNORMAL_HIGH, ABNORMAL_LOW, ABNORMAL, CRITICAL_HIGH, CRITICAL_LOW, OUT_OF_RANGE)
# the flags that make the eligibility step ask for a recorded confirmation
NEEDS_CONFIRMATION = frozenset(FLAGS)

# HL7 table 0078 / E1394 R.7 codes most instruments use
COMMON_FLAGS = {"N": None, "": None, "H": ABNORMAL_HIGH, "L": ABNORMAL_LOW, "HH": CRITICAL_HIGH,
                "LL": CRITICAL_LOW, "A": ABNORMAL, "AA": ABNORMAL, ">": OUT_OF_RANGE, "<": OUT_OF_RANGE}


@dataclass(frozen=True)
class Dialect:
    name: str
    protocol: str  # "astm" or "hl7"
    label: str
    # ASTM: the component of O.3 that holds the sample id (1-based); 0 = the only non-empty one
    # (refused when several are filled: rack^tube^sample needs the instrument's dialect)
    astm_sample_component: int = 0
    # HL7: fields tried in order for the sample id ("OBR-3", "OBR-2", "PID-2", "PID-3")
    hl7_sample_fields: tuple[str, ...] = ("OBR-3", "OBR-2")
    max_text: int = 240  # ASTM frame text limit (E1381: 240; some instruments send one long frame)
    decimal_comma: bool = False
    # extra units: (analyte, raw unit as written, lower-case) -> factor to the station's unit
    units: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    test_codes: dict[str, str] = field(default_factory=dict)  # vendor test code (upper-case) -> analyte
    flags: dict[str, str | None] = field(default_factory=lambda: dict(COMMON_FLAGS))
    instruments: tuple[str, ...] = ()  # models the dialect is meant for (for the README and errors)

    def flag(self, raw: str) -> tuple[str, ...]:
        """A raw flag field (possibly repeated: "H~A", "W\\H") -> normalised flags; unknown flags are
        kept as 'abnormal' so that nothing the instrument marked is used silently."""
        out: list[str] = []
        for part in _split_flags(raw):
            norm = self.flags.get(part.upper(), ABNORMAL) if part else None
            if norm and norm not in out:
                out.append(norm)
        return tuple(out)


def _split_flags(raw: str) -> list[str]:
    text = raw.strip()
    for sep in ("~", "\\", "^", "&", ","):
        text = text.replace(sep, " ")
    return [p for p in text.split() if p]


SYSMEX_FLAGS = {**COMMON_FLAGS, "W": LOW_RELIABILITY, "*": LOW_RELIABILITY, "@": OUT_OF_RANGE,
                "+": OUT_OF_RANGE, "-": OUT_OF_RANGE}
MINDRAY_FLAGS = {**COMMON_FLAGS, "A": LOW_RELIABILITY, "?": LOW_RELIABILITY, "R": LOW_RELIABILITY,
                 "E": LOW_RELIABILITY}
HEMOSCREEN_FLAGS = {**COMMON_FLAGS, "*": LOW_RELIABILITY}

DIALECTS: dict[str, Dialect] = {d.name: d for d in (
    Dialect("generic-astm", "astm", "generic ASTM E1394"),
    Dialect("generic-hl7", "hl7", "generic HL7 v2 ORU^R01"),
    # Sysmex XN/XS/XP: O.3 = ^^sample number^attribute (results) or rack^tube^sample^attribute;
    # the sample id is always the 3rd component. XN-350 and XP series may write a decimal comma
    # when set up for it; XN-550 and XP-100 send a whole message in one frame (1,565 / 2,607 chars).
    Dialect("sysmex", "astm", "Sysmex XN/XS/XP (ASTM)", astm_sample_component=3, max_text=8192,
            decimal_comma=True, flags=SYSMEX_FLAGS,
            instruments=("XN-350", "XN-450", "XN-550", "XN-1000", "XS-1000i", "XP-100", "XP-300")),
    # Mindray BC (HL7 2.3.1): sample id in OBR-3 (OBR-2 on some firmware); HCT reported as a
    # fraction with an empty unit on the BC-5000 family; flag "A" means "abnormal/suspect".
    Dialect("mindray-bc", "hl7", "Mindray BC series (HL7)", hl7_sample_fields=("OBR-3", "OBR-2"),
            units={("HCT", ""): Decimal(1)}, flags=MINDRAY_FLAGS,
            instruments=("BC-5150", "BC-5380", "BC-5390", "BC-5480", "BC-6800")),
    # Dymind DH/DF (HL7, a Mindray-derived layout): decimal comma on units set up for it.
    Dialect("dymind", "hl7", "Dymind DH/DF series (HL7)", hl7_sample_fields=("OBR-3", "OBR-2"),
            decimal_comma=True, units={("HCT", ""): Decimal(1)}, flags=MINDRAY_FLAGS,
            instruments=("DH36", "DH76", "DF50")),
    # Horiba ABX Pentra / Yumizen H (ASTM): sample id in O.3 component 1; dimensionless results
    # carry the UCUM unit "1" (HCT as a fraction).
    Dialect("horiba", "astm", "Horiba ABX Pentra / Yumizen H (ASTM)", astm_sample_component=1,
            units={("HCT", "1"): Decimal(1)}, instruments=("Pentra 60", "Pentra XLR", "Yumizen H500")),
    # PixCell HemoScreen (HL7): the sample id is in PID-2; '*' marks a low-reliability result.
    Dialect("hemoscreen", "hl7", "PixCell HemoScreen (HL7)", hl7_sample_fields=("PID-2", "OBR-3", "OBR-2"),
            test_codes={"HB": "HGB", "HGB": "HGB"}, flags=HEMOSCREEN_FLAGS, instruments=("HemoScreen",)),
)}
DEFAULT = {"astm": "generic-astm", "hl7": "generic-hl7"}


class UnknownDialect(UnknownDevice):
    pass


def dialect_for(name: str | None, protocol: str) -> Dialect:
    """The dialect configured for a device ('' -> the generic one of its protocol)."""
    key = (name or DEFAULT[protocol]).strip().lower()
    dialect = DIALECTS.get(key)
    if dialect is None:
        known = ", ".join(n for n, d in DIALECTS.items() if d.protocol == protocol)
        raise UnknownDialect(f"unknown analyzer dialect {name!r}; for {protocol}: {known}")
    if dialect.protocol != protocol:
        raise UnknownDialect(f"dialect {name!r} is for {dialect.protocol}, not {protocol}")
    return dialect
