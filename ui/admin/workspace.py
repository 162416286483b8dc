"""Administration: users and roles, equipment and calibration, lots, rule set, site, devices."""
from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ui.admin.controller import AdminController
from ui.admin.widgets import DevicesPanel, EquipmentPanel, LotsPanel, TextPanel, UsersPanel
from ui.common.widgets import Panel
from ui.session import ClientSession


class Workspace(Panel):
    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = c = AdminController(session, self)
        self.users, self.equipment, self.lots = UsersPanel(self), EquipmentPanel(self), LotsPanel(self)
        self.ruleset, self.site, self.devices = TextPanel(self), TextPanel(self), DevicesPanel(self)
        self.tabs = QTabWidget(self)
        for w in (self.users, self.equipment, self.lots, self.ruleset, self.site, self.devices):
            self.tabs.addTab(w, "")
        QVBoxLayout(self).addWidget(self.tabs)
        c.sig_loaded.connect(self._loaded)
        c.sig_test_event.connect(self.devices.add_event)
        self.users.sig_create.connect(c.create_user)
        self.equipment.sig_register.connect(c.register_equipment)
        self.equipment.sig_calibrate.connect(c.record_calibration)
        self.lots.sig_receive.connect(c.receive_lot)
        self.devices.sig_test.connect(c.test_device)
        cfg = session.ctx.config
        self.site.show({"site": dataclasses.asdict(cfg.site), "station": dataclasses.asdict(cfg.station),
                        "security": dataclasses.asdict(cfg.security), "ui": dataclasses.asdict(cfg.ui)})
        self.devices.show_devices(cfg.devices)
        self.retranslate()

    def retranslate(self) -> None:
        for i, text in enumerate((self.tr("Users and roles"), self.tr("Equipment"), self.tr("Consumable lots"),
                                  self.tr("Rule set in force"), self.tr("Site configuration"), self.tr("Devices"))):
            self.tabs.setTabText(i, text)

    def activate(self) -> None:
        self.controller.load()

    def _loaded(self, data: dict[str, Any]) -> None:
        self.users.show_rows(data["users"])
        self.equipment.show_rows(data["equipment"])
        self.lots.show_rows(data["lots"])
        self.ruleset.show(data["ruleset"])
