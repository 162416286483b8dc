"""Card description files (JSON or TOML) -> the exact bytes a SAM module returns for that card."""
from __future__ import annotations

import base64
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.idcard.codec import FP_LEN, LAYOUTS, PHOTO_LEN, IdCardFormatError, encode_text

_SEX_WORDS = {"男": "1", "女": "2", "male": "1", "female": "2", "m": "1", "f": "2"}


@dataclass(frozen=True)
class CardImage:
    """What the card yields: the text block, the WLT photo and (if present) fingerprint data."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None
    label: str
    appended_address: str | None = None  # what 30 03 returns (None: SW3 91, the card has none)


def _date(value: Any) -> str:
    s = str(value).strip()
    if s == "长期":
        return s
    return s.replace("-", "")


def _blob(desc: dict[str, Any], key: str, base: Path | None, length: int, seed: str,
          magic: bytes) -> bytes:
    """A photo/fingerprint: from hex/base64/file if given, else deterministic synthetic bytes."""
    if f"{key}_hex" in desc:
        return bytes.fromhex(desc[f"{key}_hex"])
    if f"{key}_base64" in desc:
        return base64.b64decode(desc[f"{key}_base64"])
    if f"{key}_file" in desc:
        path = Path(desc[f"{key}_file"])
        if base is not None and not path.is_absolute():
            path = base / path
        return path.read_bytes()
    out = bytearray(magic)
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{seed}:{key}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:length])


def card_from_dict(desc: dict[str, Any], base: Path | None = None) -> CardImage:
    card_type = str(desc.get("card_type", "resident"))
    if card_type == "foreign_permanent" and str(desc.get("edition", "2017")) == "2023":
        card_type = "foreign_permanent_2023"
    if card_type not in LAYOUTS:
        raise IdCardFormatError(f"unknown card_type {card_type!r}; known: {', '.join(LAYOUTS)}")
    sex = str(desc.get("sex", "0"))
    sex = _SEX_WORDS.get(sex.lower(), sex)
    fields = {k: str(v) for k, v in desc.items() if isinstance(v, (str, int))}
    fields["sex"] = sex
    for key in ("birth_date", "valid_from", "valid_to"):
        if key in desc:
            fields[key] = _date(desc[key])
    if "nation" in desc:
        fields["nation"] = f"{int(desc['nation']):02d}" if str(desc["nation"]).isascii() and str(desc["nation"]).isdigit() \
            else str(desc["nation"])
    if card_type.startswith("foreign_permanent"):
        fields.setdefault("nationality", str(desc.get("nationality", "")))
    text = encode_text(fields, card_type)
    seed = str(desc.get("id_number", ""))
    photo = _blob(desc, "photo", base, PHOTO_LEN, seed, b"WLf")
    fingerprint: bytes | None = None
    if desc.get("fingerprint") or any(k.startswith("fingerprint_") for k in desc):
        fingerprint = _blob(desc, "fingerprint", base, FP_LEN, seed, b"C\x01")
    appended = desc.get("appended_address")
    return CardImage(text, photo, fingerprint, str(desc.get("name", "")),
                     str(appended) if appended else None)


def load_card(path: str | Path) -> CardImage:
    p = Path(path)
    raw = p.read_bytes()
    desc = tomllib.loads(raw.decode()) if p.suffix.lower() == ".toml" else json.loads(raw)
    if not isinstance(desc, dict):
        raise IdCardFormatError(f"{p}: a card file holds one object")
    return card_from_dict(desc, p.parent)
