"""The regional blood platform's client (REGIONAL.md): what the station needs from it as a Protocol, the answers'
types, the all-or-nothing parser and the HTTP/JSON adapter."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from station.platforms.http import PlatformUnavailable, request_json

DONATION_TYPES = ("whole_blood", "apheresis_platelets", "apheresis_plasma")


@dataclass(frozen=True)
class RegionalDeferral:
    kind: str  # temporary | permanent
    reason_code: str
    reason: str
    starts_on: date
    until: date | None
    site: str


@dataclass(frozen=True)
class RegionalDonation:
    donation_type: str
    donated_on: date
    volume_ml: float
    site: str
    had_reaction: bool = False


@dataclass(frozen=True)
class RegionalRecord:
    deferrals: tuple[RegionalDeferral, ...] = ()
    donations: tuple[RegionalDonation, ...] = ()


class RegionalUnavailable(PlatformUnavailable):
    """The regional platform could not answer usefully; `code` says how (UNREACHABLE, TIMEOUT, HTTP_ERROR,
    GARBAGE)."""


class RegionalPlatform(Protocol):
    """What the station needs from the regional platform (see REGIONAL.md for the HTTP/JSON form)."""

    def lookup(self, id_type: str, id_number: str) -> RegionalRecord:
        """The donor's deferrals and donations recorded at other sites; raises RegionalUnavailable."""
        ...

    def upload_deferral(self, deferral: dict[str, Any]) -> str:
        """Send one deferral recorded here; returns the platform's id for it; raises RegionalUnavailable."""
        ...


# --- parsing: all or nothing, so a malformed answer can never be applied in part ------------------

def _day(value: Any, what: str) -> date:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not a date string")
    return date.fromisoformat(value)


def parse_record(doc: Any) -> RegionalRecord:
    """The lookup answer, validated field by field; any defect raises RegionalUnavailable("GARBAGE")."""
    try:
        if not isinstance(doc, dict) or not isinstance(doc.get("deferrals"), list) \
                or not isinstance(doc.get("donations"), list):
            raise ValueError("expected an object with 'deferrals' and 'donations' lists")
        deferrals = []
        for x in doc["deferrals"]:
            kind = x["kind"]
            if kind not in ("temporary", "permanent"):
                raise ValueError(f"deferral kind {kind!r}")
            until = None if x.get("until") is None else _day(x["until"], "until")
            if kind == "temporary" and until is None:
                raise ValueError("a temporary deferral without an until-date")
            code, reason, site = x["reason_code"], x["reason"], x.get("site", "")
            if not all(isinstance(v, str) for v in (code, reason, site)) or not code.strip() or not reason.strip():
                raise ValueError("deferral reason missing")
            deferrals.append(RegionalDeferral(kind, code.strip()[:64], reason.strip(), _day(x["starts_on"], "starts_on"),
                                              until, site.strip()[:200]))
        donations = []
        for x in doc["donations"]:
            if x["donation_type"] not in DONATION_TYPES:
                raise ValueError(f"donation type {x['donation_type']!r}")
            volume = x.get("volume_ml", 0)
            if isinstance(volume, bool) or not isinstance(volume, (int, float)) or not 0 <= volume <= 5000:
                raise ValueError("volume_ml")
            site = x.get("site", "")
            if not isinstance(site, str):
                raise ValueError("site")
            donations.append(RegionalDonation(x["donation_type"], _day(x["donated_on"], "donated_on"), float(volume),
                                              site.strip()[:200], bool(x.get("had_reaction", False))))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RegionalUnavailable("GARBAGE", f"malformed answer: {exc}") from None
    return RegionalRecord(tuple(deferrals), tuple(donations))


@dataclass
class HttpRegionalPlatform:
    """The HTTP/JSON adapter (REGIONAL.md): POST /v1/lookup and POST /v1/deferrals, bearer token optional."""

    base_url: str
    timeout: float = 2.0
    token: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return request_json(self.base_url.rstrip("/") + path, body=body, timeout=self.timeout, token=self.token,
                            extra_headers=self.extra_headers, error=RegionalUnavailable)

    def lookup(self, id_type: str, id_number: str) -> RegionalRecord:
        return parse_record(self._post("/v1/lookup", {"id_type": id_type, "id_number": id_number}))

    def upload_deferral(self, deferral: dict[str, Any]) -> str:
        doc = self._post("/v1/deferrals", deferral)
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or not doc["id"]:
            raise RegionalUnavailable("GARBAGE", "the upload answer has no id")
        return doc["id"]


def platform_from_config(config: Any) -> HttpRegionalPlatform:
    """The configured platform ([regional] url, token from the environment variable named there)."""
    cfg = config.regional
    return HttpRegionalPlatform(cfg.url, timeout=cfg.timeout_seconds, token=os.environ.get(cfg.token_env))
