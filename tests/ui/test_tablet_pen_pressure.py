"""Pen input on the donor's tablet window through Qt's tablet events (issue 20, deliverable 7): the pressure of
each QTabletEvent becomes the sample's pressure in the signature record; the eraser end writes nothing."""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from devices.signature.model import SignatureCapture
from ui.tablet.widgets import MAX_PRESSURE
from ui.tablet.workspace import TabletWindow


def _pen(pointer: QPointingDevice.PointerType) -> QPointingDevice:
    return QPointingDevice("wacom", 7 if pointer == QPointingDevice.PointerType.Pen else 8,
                           QInputDevice.DeviceType.Stylus, pointer,
                           QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 2)


def _stroke(widget: Any, device: QPointingDevice, points: list[tuple[float, float, float]]) -> None:
    for i, (x, y, p) in enumerate(points):
        kind = (QTabletEvent.Type.TabletPress if i == 0 else
                QTabletEvent.Type.TabletRelease if i == len(points) - 1 else QTabletEvent.Type.TabletMove)
        buttons = Qt.MouseButton.NoButton if kind == QTabletEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
        pos = QPointF(x, y)
        event = QTabletEvent(kind, device, pos, widget.mapToGlobal(pos), p, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons)
        QApplication.sendEvent(widget, event)


def test_pen_pressure_reaches_the_signature_record(qtbot: Any) -> None:
    window = TabletWindow()
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    window.show_signature()
    canvas = window.canvas
    pressures = [0.05 + 0.9 * abs(((i % 20) - 10) / 10) for i in range(40)]
    _stroke(canvas, _pen(QPointingDevice.PointerType.Pen),
            [(60 + i * 9, 120 + (i % 6) * 7, p) for i, p in enumerate(pressures)])
    _stroke(canvas, _pen(QPointingDevice.PointerType.Eraser), [(300, 60, 0.9), (320, 70, 0.9), (340, 80, 0.9)])
    assert canvas.used_tablet and window.sig_done.isEnabled()
    capture = canvas.capture()
    assert len(capture.samples) == 40  # the eraser stroke left no samples
    recorded = [s.pressure for s in capture.samples]
    assert recorded == [round(p * MAX_PRESSURE, 1) for p in pressures]
    assert [s.pen_down for s in capture.samples] == [True] * 39 + [False]
    # the record (canonical JSON, hashed into the evidence) carries the pressures as the pen gave them
    doc = json.loads(capture.to_json())
    assert [row[2] for row in doc["samples"]] == recorded and doc["max_pressure"] == MAX_PRESSURE
    assert SignatureCapture.from_json(capture.to_json()).sha256 == capture.sha256
