"""Separator wire adapters: the documented JSON-lines protocol (PROTOCOL.md) and the vendor plug-in hook."""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol

from devices.separator.model import (
    Alarm,
    ProcedureParameters,
    ProcedureStatus,
    ProcedureSummary,
    SeparatorDataError,
)

MAX_LINE = 65536


@dataclass(frozen=True)
class SeparatorMessage:
    """One decoded message: type is hello | status | alarm | summary | ack | error."""

    type: str
    payload: Any  # dict (hello/ack/error), ProcedureStatus, Alarm or ProcedureSummary


class SeparatorAdapter(Protocol):
    """A vendor protocol behind the one procedure model; register one under the entry-point group
    `apheresis_station.separator_adapters` (name -> class) to add a vendor without touching this code."""

    name: str
    line_based: bool

    def decode(self, frame: bytes) -> list[SeparatorMessage]:
        """One frame (a line for line-based adapters) -> messages, or SeparatorDataError."""
        ...

    def encode_parameters(self, params: ProcedureParameters) -> bytes:
        ...


class JsonLinesAdapter:
    """The station's own line protocol: one JSON object per line, UTF-8, LF-terminated."""

    name = "jsonl"
    line_based = True

    def decode(self, frame: bytes) -> list[SeparatorMessage]:
        if len(frame) > MAX_LINE:
            raise SeparatorDataError("line too long")
        try:
            data = json.loads(frame.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SeparatorDataError(f"not a JSON line ({exc})") from exc
        except RecursionError as exc:  # arrays nested thousands deep
            raise SeparatorDataError("not a JSON line (nested too deeply)") from exc
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise SeparatorDataError("a message is a JSON object with a 'type'")
        kind = data["type"]
        if kind == "status":
            return [SeparatorMessage(kind, ProcedureStatus.from_json(data))]
        if kind == "alarm":
            return [SeparatorMessage(kind, Alarm.from_json(data))]
        if kind == "summary":
            return [SeparatorMessage(kind, ProcedureSummary.from_json(data))]
        if kind in ("hello", "ack", "error"):
            return [SeparatorMessage(kind, data)]
        raise SeparatorDataError(f"unknown message type {kind!r}")

    def encode_parameters(self, params: ProcedureParameters) -> bytes:
        return json.dumps({"type": "parameters", **params.to_json()}, ensure_ascii=False).encode() + b"\n"


BUILTIN: dict[str, type] = {"jsonl": JsonLinesAdapter}


def adapter_for(name: str) -> SeparatorAdapter:
    """The built-in adapter, else a vendor plug-in registered under the entry-point group."""
    if name in BUILTIN:
        adapter: SeparatorAdapter = BUILTIN[name]()
        return adapter
    for ep in entry_points(group="apheresis_station.separator_adapters"):
        if ep.name == name:
            plugin: SeparatorAdapter = ep.load()()
            return plugin
    raise ValueError(f"no separator adapter {name!r} (built in: {', '.join(BUILTIN)})")
