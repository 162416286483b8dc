"""Run files dropped by a separator's data system into a watched folder (CSV or XML), as summaries.

Trima Accel, Amicus and MCS+ do not offer an open live interface: their interfaces are licensed, and
what a blood centre can usually get without one is the run report its vendor data system exports
(Trima/TOMEs, Amicus data management, Haemonetics' software) as a CSV or XML file per procedure, or
a CSV with a row per procedure. This transport takes those files from a folder.

Configuration (the device's `options`, station config `devices.<name>.options`):

    driver = "folder", port = "D:/separator-export"
    [devices.separator.options]
    format = "csv"                 # csv | xml
    pattern = "*.csv"              # which files are run files
    delimiter = ";"                # csv only; default ","
    encoding = "utf-8-sig"         # default; a BOM is skipped
    record = "Procedure"           # xml only: the element (ElementTree path) of one run
    decimal_comma = false          # "3,2" -> 3.2
    time_format = "%d.%m.%Y %H:%M" # times not in ISO 8601; default ISO
    timezone = "+08:00"            # for times written without an offset
    [devices.separator.options.fields]   # station field -> CSV column / XML child (or "@attribute")
    device_serial = "Serial No"
    started_at = "Start"
    ...
    [devices.separator.options.units]    # station field -> unit the file writes it in
    whole_blood_processed_ml = "L"       # mL (default) | L
    platelet_yield_e11 = "e9"            # e11 (default) | e9 | e10
    run_time_min = "s"                   # min (default) | s | h

Every field of devices.separator.model.ProcedureSummary can be mapped; `procedure_type`,
`kit_catalogue` etc. may also be given a fixed value with `constants`. Files are taken once:
a file is claimed by moving it into `processing/`, and once its summaries are delivered it moves to
`processed/`; a file that cannot be read or refused moves to `failed/` beside a `.reason.txt`.
Nothing is deleted. A file is read only after its size and modification time have stayed the same
for `settle_seconds` (an export still being written is not read half-way), and temporary names
(`~*`, `.*`, `*.tmp`, `*.part`, `*.partial`, `*.crdownload`) are never read. Files left in
`processing/` by a station that stopped half-way are taken again at the next start.
Polling uses the standard library only (no file-system notification package).
"""
from __future__ import annotations

import csv
import fnmatch
import io
import os
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from devices.base import ConnectionState, DeviceFault, DeviceWorker
from devices.registry import UnknownDevice
from devices.separator.driver import SeparatorEvent
from devices.separator.model import ProcedureSummary, SeparatorDataError

MAX_FILE = 1 << 20  # a run report is a few kilobytes; anything larger is not one
TEMP_PATTERNS = ("~*", ".*", "*.tmp", "*.part", "*.partial", "*.crdownload", "*.swp")
NUMERIC = {"run_time_min", "whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml", "platelet_volume_ml",
           "platelet_yield_e11", "plasma_volume_ml", "post_count", "post_hct"}
TIMES = {"started_at", "ended_at"}
TEXT = {"procedure_type", "device_serial", "kit_catalogue", "kit_lot", "ac_lot", "operator", "donation_id"}
BOOLEAN = {"rinseback_completed"}
KNOWN = NUMERIC | TIMES | TEXT | BOOLEAN
# unit conversions to the model's units: field -> {unit -> factor}
UNITS: dict[str, dict[str, float]] = {
    **{f: {"ml": 1.0, "l": 1000.0} for f in ("whole_blood_processed_ml", "ac_used_ml", "ac_to_donor_ml",
                                              "platelet_volume_ml", "plasma_volume_ml")},
    "platelet_yield_e11": {"e11": 1.0, "e10": 0.1, "e9": 0.01},
    "run_time_min": {"min": 1.0, "s": 1 / 60, "h": 60.0},
    "post_count": {"10^9/l": 1.0, "10^3/ul": 1.0},
    "post_hct": {"l/l": 1.0, "%": 0.01},
}
TRUE = {"1", "true", "yes", "y", "ja", "oui", "是", "complete", "completed"}
FALSE = {"0", "false", "no", "n", "nein", "non", "否", "incomplete", "not completed", ""}


class MappingError(UnknownDevice):
    """The configured mapping itself is wrong (a device configuration error, not bad data)."""


@dataclass(frozen=True)
class RunFileMapping:
    format: str
    fields: dict[str, str]
    units: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    record: str = "."
    decimal_comma: bool = False
    time_format: str = ""
    timezone: str = ""

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> RunFileMapping:
        fmt = str(options.get("format", "csv")).lower()
        if fmt not in ("csv", "xml"):
            raise MappingError(f"run file format {fmt!r}: csv or xml")
        fields_ = {str(k): str(v) for k, v in dict(options.get("fields") or {}).items()}
        units = {str(k): str(v).lower() for k, v in dict(options.get("units") or {}).items()}
        constants = dict(options.get("constants") or {})
        unknown = sorted((set(fields_) | set(units) | set(constants)) - KNOWN)
        if unknown:
            raise MappingError(f"unknown fields in the run file mapping: {', '.join(unknown)}")
        for name, unit in units.items():
            if unit not in UNITS.get(name, {}):
                raise MappingError(f"unit {unit!r} for {name}: one of {', '.join(UNITS.get(name, {})) or 'none'}")
        if not fields_:
            raise MappingError("the run file mapping names no fields")
        mapping = cls(fmt, fields_, units, constants, str(options.get("delimiter", ",")),
                      str(options.get("encoding", "utf-8-sig")), str(options.get("record", ".")),
                      bool(options.get("decimal_comma", False)), str(options.get("time_format", "")),
                      str(options.get("timezone", "")))
        mapping.zone()  # checked now: a bad offset is a configuration error
        return mapping

    def zone(self) -> timezone | None:
        if not self.timezone:
            return None
        try:
            offset = datetime.strptime(self.timezone.replace(":", ""), "%z").utcoffset()
        except ValueError as exc:
            raise MappingError(f"timezone {self.timezone!r}: write it as +08:00") from exc
        assert offset is not None
        return timezone(offset)

    # -- from the file's text to the model ----------------------------------------------------
    def summaries(self, data: bytes) -> list[ProcedureSummary]:
        """All runs of one file, or SeparatorDataError naming the run and the field."""
        if len(data) > MAX_FILE:
            raise SeparatorDataError(f"file larger than {MAX_FILE} bytes: not a run report")
        try:
            text = data.decode(self.encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise SeparatorDataError(f"file is not {self.encoding} text ({exc})") from exc
        rows = self._csv_rows(text) if self.format == "csv" else self._xml_rows(text)
        if not rows:
            raise SeparatorDataError("file holds no run")
        out = []
        for n, row in enumerate(rows, start=1):
            try:
                out.append(ProcedureSummary.from_json(self._model(row)))
            except SeparatorDataError as exc:
                raise SeparatorDataError(f"run {n}: {exc}") from exc
        return out

    def _csv_rows(self, text: str) -> list[dict[str, str]]:
        if "\x00" in text:
            raise SeparatorDataError("file holds NUL bytes: not a CSV export")
        try:
            reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=self.delimiter[:1] or ",")
            rows = [{(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()} for row in reader]
        except csv.Error as exc:
            raise SeparatorDataError(f"not a CSV file ({exc})") from exc
        header = set(reader.fieldnames or [])
        missing = [c for c in self.fields.values() if c not in {h.strip() for h in header}]
        if missing:
            raise SeparatorDataError(f"columns missing: {', '.join(missing)}")
        return [r for r in rows if any(v.strip() for v in r.values())]

    def _xml_rows(self, text: str) -> list[dict[str, str]]:
        try:
            root = ET.fromstring(text)
        except ET.ParseError as exc:
            raise SeparatorDataError(f"not an XML file ({exc})") from exc
        try:
            records = [root] if self.record in (".", "") else root.findall(self.record)
        except SyntaxError as exc:
            raise MappingError(f"record path {self.record!r}: {exc}") from exc
        rows = []
        for element in records:
            row: dict[str, str] = {}
            for name, path in self.fields.items():
                if path.startswith("@"):
                    row[path] = element.get(path[1:], "")
                else:
                    child = element.find(path)
                    row[path] = "".join(child.itertext()) if child is not None else ""
            rows.append(row)
        return rows

    def _model(self, row: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.constants)
        for name, column in self.fields.items():
            raw = (row.get(column) or "").strip()
            if name in NUMERIC:
                data[name] = self._number(name, raw)
            elif name in TIMES:
                data[name] = self._time(name, raw)
            elif name in BOOLEAN:
                if raw.lower() not in TRUE | FALSE:
                    raise SeparatorDataError(f"{name} {raw[:20]!r} is not yes/no")
                data[name] = raw.lower() in TRUE
            else:
                data[name] = raw[:200]
        data.setdefault("rinseback_completed", False)
        return data

    def _number(self, name: str, raw: str) -> float | None:
        if not raw:
            return None
        text = raw.replace(",", ".") if self.decimal_comma and raw.count(",") == 1 and "." not in raw else raw
        if len(text) > 32 or not all(c in "0123456789.+-eE" for c in text):
            raise SeparatorDataError(f"{name} {raw[:32]!r} is not a number")
        try:
            number = float(text)
        except ValueError as exc:
            raise SeparatorDataError(f"{name} {raw[:32]!r} is not a number") from exc
        factor = UNITS[name][self.units[name]] if name in self.units else 1.0  # checked in from_options
        return number * factor

    def _time(self, name: str, raw: str) -> str | None:
        if not raw:
            return None
        try:
            when = datetime.strptime(raw, self.time_format) if self.time_format else datetime.fromisoformat(raw)
        except ValueError as exc:
            raise SeparatorDataError(f"{name} {raw[:40]!r} does not match {self.time_format or 'ISO 8601'}") from exc
        if when.tzinfo is None:
            zone = self.zone()
            if zone is None:
                raise SeparatorDataError(f"{name} {raw[:40]!r} has no time zone and none is configured")
            when = when.replace(tzinfo=zone)
        return when.isoformat()


def is_temporary(name: str) -> bool:
    return any(fnmatch.fnmatch(name.lower(), p) for p in TEMP_PATTERNS)


class RunFolderWorker(DeviceWorker):
    """Watches `port` (a folder) for run files and delivers one `separator_summary` event per run."""

    kind = "separator"
    protocol = "folder"

    def __init__(self, name: str, port: str, *, format: str = "csv", fields: dict[str, str] | None = None,
                 units: dict[str, str] | None = None, constants: dict[str, Any] | None = None,
                 pattern: str = "", poll_interval: float = 2.0, settle_seconds: float = 5.0,
                 delimiter: str = ",", encoding: str = "utf-8-sig", record: str = ".",
                 decimal_comma: bool = False, time_format: str = "", timezone: str = "",
                 **kwargs: Any) -> None:
        super().__init__(name, port, **kwargs)
        self.mapping = RunFileMapping.from_options(
            {"format": format, "fields": fields or {}, "units": units or {}, "constants": constants or {},
             "delimiter": delimiter, "encoding": encoding, "record": record, "decimal_comma": decimal_comma,
             "time_format": time_format, "timezone": timezone})
        self.pattern = pattern or f"*.{self.mapping.format}"
        self.poll_interval = poll_interval
        self.settle_seconds = settle_seconds
        self.folder = Path(port)
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> (size, mtime_ns, first seen unchanged)

    def _connect(self) -> None:
        if not self.folder.is_dir():
            raise DeviceFault(f"导出文件夹 {self.folder} 不存在或无法访问",
                              f"export folder {self.folder} does not exist or cannot be reached")
        for sub in ("processing", "processed", "failed"):
            try:
                (self.folder / sub).mkdir(exist_ok=True)
            except OSError as exc:
                raise DeviceFault(f"无法在 {self.folder} 中创建子文件夹（{exc}）",
                                  f"cannot create sub-folders in {self.folder} ({exc})") from exc
        for left in sorted((self.folder / "processing").iterdir()):  # a previous run stopped half-way
            if left.is_file():
                self._take(left)

    def _disconnect(self) -> None:
        self._seen.clear()

    def _interrupt(self) -> None:
        return  # the poll loop waits on the stop event

    def _serve(self) -> None:
        while not self._stopping.is_set():
            self.poll(time.monotonic())
            if self._stopping.wait(self.poll_interval):
                return

    # -- one poll (public for tests and for a manual "check now") -----------------------------
    def poll(self, now: float) -> int:
        """Take every settled run file; returns how many files were taken."""
        try:
            entries = sorted(os.scandir(self.folder), key=lambda e: e.name)
        except OSError as exc:
            raise DeviceFault(f"无法读取导出文件夹 {self.folder}（{exc}）",
                              f"cannot read the export folder {self.folder} ({exc})") from exc
        present = set()
        taken = 0
        for entry in entries:
            if not entry.is_file() or is_temporary(entry.name) or not fnmatch.fnmatch(entry.name.lower(),
                                                                                      self.pattern.lower()):
                continue
            present.add(entry.name)
            try:
                st = entry.stat()
            except OSError:
                continue
            key = (st.st_size, st.st_mtime_ns)
            seen = self._seen.get(entry.name)
            if seen is None or seen[:2] != key:
                self._seen[entry.name] = (*key, now)
                continue
            if now - seen[2] < self.settle_seconds:
                continue
            claimed = self._claim(Path(entry.path))
            self._seen.pop(entry.name, None)
            if claimed is not None:
                self._take(claimed)
                taken += 1
        for gone in set(self._seen) - present:
            self._seen.pop(gone, None)
        return taken

    def _claim(self, path: Path) -> Path | None:
        target = _free_name(self.folder / "processing", path.name)
        try:
            os.replace(path, target)  # atomic within the folder's file system: taken once
        except FileNotFoundError:
            return None  # someone else (another station) took it
        except OSError as exc:
            self._warn(f"{self.name}：无法取走 {path.name}（{exc}）", f"{self.name}: cannot take {path.name} ({exc})")
            return None
        return target

    def _take(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._warn(f"{self.name}：无法读取 {path.name}（{exc}）", f"{self.name}: cannot read {path.name} ({exc})")
            return
        try:
            summaries = self.mapping.summaries(data)
        except SeparatorDataError as exc:
            self._raw(data, error=f"{path.name}: {exc}")
            self._fail(path, str(exc))
            self._warn(f"{self.name}：运行文件 {path.name} 无法使用（{exc}），已移至 failed/",
                       f"{self.name}: run file {path.name} refused ({exc}); moved to failed/")
            return
        for summary in summaries:
            raw = self._raw(data, parsed={"file": path.name, "type": "summary", **summary.to_json()})
            self._emit(SeparatorEvent("summary", summary, raw))
        _move(path, self.folder / "processed")
        if self.status.state != ConnectionState.CONNECTED:
            self._set_status(ConnectionState.CONNECTED, "已连接", "connected")

    def _fail(self, path: Path, reason: str) -> None:
        target = _move(path, self.folder / "failed")
        try:
            target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
        except OSError:
            pass


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    n = 1
    while target.exists():
        stem, dot, ext = name.rpartition(".")
        target = folder / (f"{stem}.{n}.{ext}" if dot else f"{name}.{n}")
        n += 1
    return target


def _move(path: Path, folder: Path) -> Path:
    target = _free_name(folder, path.name)
    os.replace(path, target)
    return target


__all__ = ["MappingError", "RunFileMapping", "RunFolderWorker", "is_temporary"]
