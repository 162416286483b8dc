"""Start the desktop client: `station` with no subcommand calls run_app(args)."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def ensure_application(argv: list[str] | None = None) -> Any:
    """The QApplication (created once), with the CJK font and the configured language."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("apheresis-station")
        app.setOrganizationName("station")
    from ui.fonts import install_cjk_font

    install_cjk_font(app)
    return app


def install_signal_handlers(app: Any) -> Any:
    """SIGTERM / SIGINT / SIGHUP quit the event loop (the caller's finally then stops the devices and the
    simulators); a timer lets the interpreter run its signal handlers while Qt waits."""
    import signal

    from PySide6.QtCore import QTimer

    def quit_app(signum: int, _frame: Any) -> None:
        log.info("signal %s: quitting", signum)
        app.quit()

    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), quit_app)
    timer = QTimer(app)
    timer.setInterval(250)
    timer.timeout.connect(lambda: None)
    timer.start()
    return timer


def build_client(ctx: Any, *, devices: bool = True, tablet: bool = True,
                 device_config: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """The session and main window for an open StationContext (devices from the configuration)."""
    from station.services.intake.service import DeviceIntake
    from ui.devices import DeviceHub
    from ui.session import ClientSession
    from ui.shell.mainwindow import MainWindow

    ctx.site_id  # resolve the site once, outside any transaction (services read it inside theirs)
    hub = DeviceHub(DeviceIntake(ctx))
    session = ClientSession(ctx=ctx, devices=hub)
    if tablet:
        from ui.tablet.controller import TabletController

        session.tablet = TabletController(session)
    window = MainWindow(session)
    if devices:
        hub.add_from_config(device_config if device_config is not None else ctx.config.devices)
    return session, window


def start_simulators(ctx: Any) -> tuple[Any, dict[str, Any]]:
    """Devices configured as "simulator" with no port get a simulator on a virtual serial port
    (socat pty pair) or loopback socket, speaking the real device's bytes; returns the supervisor
    (None when nothing is simulated) and the device configuration with the ports filled in."""
    import dataclasses

    wanted = {dev.kind for dev in ctx.config.devices.values()
              if dev.enabled and dev.driver == "simulator" and not dev.port}
    if not wanted:
        return None, dict(ctx.config.devices)
    from devices.sim_supervisor import ALL_KINDS, SimSupervisor

    kinds = tuple(k for k in ALL_KINDS if k in wanted)
    supervisor = SimSupervisor(Path(ctx.config.data_dir) / "run" / "simulators", speed=60.0)
    ports = supervisor.start(kinds)
    out = {}
    for name, dev in ctx.config.devices.items():
        if dev.driver == "simulator" and not dev.port and dev.kind in ports:
            dev = dataclasses.replace(dev, port=ports[dev.kind])
        out[name] = dev
    log.info("device simulators started: %s", ", ".join(sorted(ports)))
    return supervisor, out


def run_app(args: argparse.Namespace) -> int:
    from station.config import resolve_data_dir
    from station.context import open_context
    from station.errors import LocalizedError, user_language

    app = ensure_application()
    from ui.i18n import set_language

    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    from station.firstrun import needs_setup

    if needs_setup(data_dir):  # a station PC straight from the installer: the IT person sets it up here
        from ui.firstrun.wizard import run_setup_wizard

        set_language(os.environ.get("STATION_LANG", "zh_CN"))
        if run_setup_wizard(Path(data_dir)) is None:
            return 1  # cancelled: nothing was written
    try:
        ctx = open_context(Path(data_dir))
    except LocalizedError as exc:
        from PySide6.QtWidgets import QMessageBox

        set_language(os.environ.get("STATION_LANG", "zh_CN"))
        QMessageBox.critical(None, "station", exc.message(user_language()))
        return exc.exit_status
    set_language(os.environ.get("STATION_LANG") or ctx.config.ui.language)
    # production stations keep no CA passphrase on disk: the administrator unlocks signing now
    from ui.unlock import unlock_at_start

    unlock_at_start(ctx)
    supervisor = None
    try:
        supervisor, device_config = start_simulators(ctx)
    except Exception as exc:  # the station still runs: devices show as disconnected
        log.error("device simulators could not start: %s", exc)
        device_config = {n: d for n, d in ctx.config.devices.items() if d.port or d.driver != "simulator"}
    session, window = build_client(ctx, device_config=device_config)
    install_signal_handlers(app)
    window.show()
    if session.tablet is not None:
        session.tablet.show()
    try:
        return int(app.exec())
    finally:
        session.devices.stop_all()
        if supervisor is not None:
            supervisor.stop()
        ctx.close()
