"""From a configured device (kind, driver, port, name, options) to a running driver object."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from devices.base import DeviceWorker

# (kind, driver) -> "module:Class"; a "simulator" driver is the real driver pointed at a sim port.
DRIVERS: dict[tuple[str, str], str] = {
    ("idcard", "sam"): "devices.idcard.reader:IdCardReaderWorker",
    ("analyzer", "astm"): "devices.analyzer.driver:AstmAnalyzerWorker",
    ("analyzer", "sysmex-xn"): "devices.analyzer.driver:AstmAnalyzerWorker",
    ("analyzer", "hl7"): "devices.analyzer.driver:Hl7AnalyzerWorker",
    ("analyzer", "mindray-bc"): "devices.analyzer.driver:Hl7AnalyzerWorker",
    ("analyzer", "dymind"): "devices.analyzer.driver:Hl7AnalyzerWorker",
    ("analyzer", "hemoscreen"): "devices.analyzer.driver:Hl7AnalyzerWorker",
    ("analyzer", "horiba"): "devices.analyzer.driver:AstmAnalyzerWorker",
    ("separator", "jsonl"): "devices.separator.driver:SeparatorWorker",
    ("separator", "folder"): "devices.separator.folder:RunFolderWorker",
    ("signature-pad", "serial"): "devices.signature.driver:SignaturePadWorker",
    ("fingerprint", "serial"): "devices.fingerprint.driver:FingerprintWorker",  # demo JSON lines
    ("fingerprint", "zfm"): "devices.fingerprint.zfm_driver:ZfmFingerprintWorker",  # R30x / ZFM modules
    ("fingerprint", "libfprint"): "devices.fingerprint.driver:LibfprintWorker",
    ("printer", "zpl"): "devices.printer.driver:ZplPrinterWorker",
    ("scanner", "serial"): "devices.scanner.driver:SerialScannerWorker",
    ("staff-card", "pcsc"): "devices.staffcard.monitor:StaffCardMonitor",
}
# options a driver name implies (the instrument family's dialect); the device's own options win
DRIVER_OPTIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("analyzer", "sysmex-xn"): {"dialect": "sysmex"},
    ("analyzer", "mindray-bc"): {"dialect": "mindray-bc"},
    ("analyzer", "dymind"): {"dialect": "dymind"},
    ("analyzer", "hemoscreen"): {"dialect": "hemoscreen"},
    ("analyzer", "horiba"): {"dialect": "horiba"},
}
DEFAULT_DRIVER = {"idcard": "sam", "analyzer": "astm", "separator": "jsonl",
                  "signature-pad": "serial", "fingerprint": "serial", "printer": "zpl",
                  "scanner": "serial", "staff-card": "pcsc"}
KINDS = tuple(DEFAULT_DRIVER)


class UnknownDevice(ValueError):
    pass


def driver_class(kind: str, driver: str) -> type[DeviceWorker]:
    if kind not in DEFAULT_DRIVER:
        raise UnknownDevice(f"unknown device kind {kind!r}; known: {', '.join(KINDS)}")
    if driver in ("simulator", "", "default"):
        driver = DEFAULT_DRIVER[kind]
    target = DRIVERS.get((kind, driver))
    if target is None:
        known = sorted(d for k, d in DRIVERS if k == kind)
        raise UnknownDevice(f"unknown driver {driver!r} for {kind}; known: {', '.join(known)}")
    module_name, class_name = target.split(":")
    cls: type[DeviceWorker] = getattr(importlib.import_module(module_name), class_name)
    return cls


def create_device(kind: str, driver: str, port: str, name: str, options: dict[str, Any] | None = None,
                  *, on_event: Callable[[Any], None] | None = None,
                  on_status: Callable[[Any], None] | None = None,
                  on_raw: Callable[[Any], None] | None = None) -> DeviceWorker:
    """Build (not start) the driver for one configured device; options are the driver's keywords."""
    cls = driver_class(kind, driver)
    implied = DRIVER_OPTIONS.get((kind, driver), {})
    return cls(name, port, on_event=on_event, on_status=on_status, on_raw=on_raw,
               **{**implied, **dict(options or {})})
