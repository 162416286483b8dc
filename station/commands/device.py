"""`station device test KIND --port URL`: a field technician's check that prints each event as a JSON line."""
from __future__ import annotations

import argparse
import json
import queue
import time
from typing import Any

from station.errors import DeviceError, UsageError


def _parse_options(items: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"选项应为 键=值：{item}", f"an option is KEY=VALUE: {item}")
        key, value = item.split("=", 1)
        try:
            options[key.replace("-", "_")] = json.loads(value)
        except json.JSONDecodeError:
            options[key.replace("-", "_")] = value
    return options


def _event_json(event: Any) -> dict[str, Any]:
    to_json = getattr(event, "to_json", None)
    payload: dict[str, Any] = to_json() if callable(to_json) else {"event": str(event)}
    return payload


def _human(payload: dict[str, Any]) -> str:
    if payload.get("event") == "status":
        return f"[{payload['state']}] {payload.get('reason_zh') or ''} / {payload.get('reason_en') or ''}"
    return json.dumps(payload, ensure_ascii=False)


def run_device_test(args: argparse.Namespace) -> int:
    from devices.registry import UnknownDevice, create_device
    from station.cli import emit_line

    options = _parse_options(args.option or [])
    driver = args.driver or (args.protocol if args.kind == "analyzer" and args.protocol else "default")
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    try:
        worker = create_device(args.kind, driver, args.port, args.name or args.kind, options,
                               on_event=lambda e: events.put(("event", e)),
                               on_status=lambda s: events.put(("status", s)))
    except (UnknownDevice, TypeError) as exc:
        raise UsageError(f"设备配置错误：{exc}", f"bad device configuration: {exc}") from exc

    def show(payload: dict[str, Any]) -> None:
        if args.json:
            emit_line(payload)
        else:
            print(_human(payload), flush=True)

    received = 0
    deadline = time.monotonic() + args.timeout
    last_status: dict[str, Any] | None = None
    worker.start()
    try:
        trigger = getattr(worker, "device_test_trigger", None)
        if callable(trigger):
            trigger()
        while received < args.count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = ""
                if last_status and last_status.get("state") != "connected":
                    reason = f" ({last_status.get('reason_en')})"
                raise DeviceError(
                    f"{args.timeout:g} 秒内未收到设备事件（已收到 {received}/{args.count}）"
                    + (f"（{last_status.get('reason_zh')}）" if reason and last_status else ""),
                    f"no device event within {args.timeout:g} s (received {received} of {args.count})"
                    + reason,
                    details={"received": received, "expected": args.count})
            try:
                what, item = events.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
            if what == "status":
                last_status = item.to_json()
                if item.state.value == "disconnected" and item.reason_en == "not connected":
                    continue
                show(last_status)
                continue
            show(_event_json(item))
            received += 1
            if received < args.count and callable(trigger):
                trigger()
    finally:
        worker.stop()
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from devices.registry import KINDS

    device = subparsers.add_parser("device", parents=[common], help="device checks / 设备检测")
    sub = device.add_subparsers(dest="device_command", required=True)
    test = sub.add_parser("test", parents=[common],
                          help="connect to a device and print its events / 连接设备并打印事件")
    test.add_argument("kind", choices=KINDS)
    test.add_argument("--port", required=True,
                      help="serial port or URL: COM3, /dev/ttyUSB0, a pty, socket://host:port, "
                           "mllp://0.0.0.0:5100 (HL7 listener), pcsc://READER (staff card)")
    test.add_argument("--protocol", choices=("astm", "hl7"), default=None,
                      help="analyzer protocol (default astm)")
    test.add_argument("--driver", default=None, help="driver name (default: the kind's usual driver)")
    test.add_argument("--count", type=int, default=1, help="exit after N events (default 1)")
    test.add_argument("--timeout", type=float, default=60.0,
                      help="give up after S seconds without N events (exit 1)")
    test.add_argument("--name", default=None, help="device name shown in messages")
    test.add_argument("--option", "-o", action="append", metavar="KEY=VALUE",
                      help="driver option, e.g. -o baudrate=9600 -o with_fingerprint=true")
    test.set_defaults(handler=run_device_test)
