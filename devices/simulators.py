"""Command-line entry of every simulator: `python -m devices.simulators KIND --port URL [...]`."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from devices.simbase import Simulator

SIMULATOR_KINDS = ("idcard", "analyzer", "separator", "signature-pad", "fingerprint", "fingerprint-zfm",
                   "printer", "scanner")


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=SIMULATOR_KINDS)
    parser.add_argument("--port", required=True,
                        help="device side of the link: a pty path, COM port or socket:// URL; "
                             "for the HL7 analyzer the station's mllp://host:port; "
                             "for the printer the tcp://host:port to listen on")
    parser.add_argument("--control-port", type=int, default=None,
                        help="JSON-lines control socket on 127.0.0.1 (0: any free port)")
    parser.add_argument("--protocol", choices=("astm", "hl7"), default="astm")
    # idcard
    parser.add_argument("--card", action="append", default=[], help="card file (JSON/TOML), repeatable")
    parser.add_argument("--hold", type=float, default=1.0,
                        help="idcard: seconds a card stays on the reader after it was read")
    parser.add_argument("--loop", action="store_true", help="idcard/scanner: cycle the queue forever")
    # analyzer
    parser.add_argument("--sample-id", action="append", default=[], help="analyzer: sample id (DIN)")
    for name in ("hgb", "hct", "plt", "mpv", "wbc"):
        parser.add_argument(f"--{name}", default=None, help=f"analyzer: {name.upper()} value")
        parser.add_argument(f"--{name}-unit", default=None, help=f"analyzer: {name.upper()} unit")
    parser.add_argument("--reply-timeout", type=float, default=3.0,
                        help="analyzer (ASTM): seconds to wait for ACK (E1381: 15)")
    parser.add_argument("--qc", action="store_true", help="analyzer: send as a QC message")
    parser.add_argument("--repeat", type=int, default=1, help="send each message N times")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between messages")
    # separator
    parser.add_argument("--speed", type=float, default=60.0,
                        help="separator: time compression (60: one minute per second)")
    parser.add_argument("--autostart", action="store_true",
                        help="separator: start a procedure at once with default parameters")
    # printer
    parser.add_argument("--store", default=None, help="printer: folder that keeps received jobs")
    # scanner / signature pad
    parser.add_argument("--barcode", action="append", default=[], help="scanner: barcode to send")
    parser.add_argument("--start-delay", type=float, default=2.0,
                        help="scanner/signature pad/fingerprint: seconds before the first push "
                             "(data sent before the station opens its port is lost, as with real devices)")
    parser.add_argument("--signatures", type=int, default=0,
                        help="signature pad / fingerprint: produce N captures at once")


def build_simulator(kind: str, args: argparse.Namespace) -> Simulator:
    control = args.control_port
    if kind == "idcard":
        from devices.idcard.cardfile import load_card
        from devices.idcard.sim import IdCardSimulator

        return IdCardSimulator(args.port, [load_card(p) for p in args.card], hold=args.hold,
                               loop=args.loop, control_port=control)
    if kind == "analyzer":
        from devices.analyzer.sim import (
            DEFAULT_UNITS,
            AstmAnalyzerSimulator,
            Hl7AnalyzerSimulator,
            sysmex_records,
        )

        sim: Simulator
        values: dict[str, tuple[str, str]] = {}
        for name in ("wbc", "hgb", "hct", "plt", "mpv"):
            value = getattr(args, name)
            if value is not None:
                unit = getattr(args, f"{name}_unit") or DEFAULT_UNITS[name.upper()]
                values[name.upper()] = (value, unit)
        if args.protocol == "hl7":
            sim = Hl7AnalyzerSimulator(args.port, control)
            for sample_id in args.sample_id:
                sim.ctl_send({"sample_id": sample_id, "values": {k: list(v) for k, v in values.items()},
                              "qc": args.qc, "repeat": args.repeat})
            return sim
        astm_sim = AstmAnalyzerSimulator(args.port, control, reply_timeout=args.reply_timeout)
        for sample_id in args.sample_id:
            for _ in range(args.repeat):
                astm_sim.enqueue(sysmex_records(sample_id, values, qc=args.qc))
        return astm_sim
    if kind == "separator":
        from devices.separator.sim import SeparatorSimulator

        return SeparatorSimulator(args.port, control, speed=args.speed, autostart=args.autostart)
    if kind == "signature-pad":
        from devices.signature.sim import SignaturePadSimulator

        return SignaturePadSimulator(args.port, control, signatures=args.signatures,
                                     start_delay=args.start_delay)
    if kind == "fingerprint":
        from devices.fingerprint.sim import FingerprintSimulator

        return FingerprintSimulator(args.port, control, captures=args.signatures,
                                    start_delay=args.start_delay)
    if kind == "fingerprint-zfm":
        from devices.fingerprint.zfm_sim import ZfmFingerprintSimulator

        return ZfmFingerprintSimulator(args.port, control, presses=args.signatures)
    if kind == "printer":
        from devices.printer.sim import PrinterSimulator

        return PrinterSimulator(args.port, control, store=args.store)
    if kind == "scanner":
        from devices.scanner.sim import ScannerSimulator

        return ScannerSimulator(args.port, control, barcodes=args.barcode, interval=args.interval,
                                loop=args.loop, start_delay=args.start_delay)
    raise ValueError(f"no simulator for {kind}")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s sim: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m devices.simulators")
    add_sim_arguments(parser)
    parser.add_argument("--ready-file", default=None)
    args = parser.parse_args(argv)
    try:
        sim = build_simulator(args.kind, args)
    except (ValueError, OSError) as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    sim.run_forever(args.ready_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
