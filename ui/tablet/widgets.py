"""The signature canvas: pen samples from QTabletEvent (with pressure), mouse or touch as fallback."""
from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from devices.signature.model import PenSample, SignatureCapture

MAX_PRESSURE = 1023.0
MOUSE_PRESSURE = 0.5  # a mouse or finger has no pressure: drawn at half pressure, recorded as such


class SignatureCanvas(QWidget):
    """Collects strokes as ISO/IEC 19794-7 style samples; clear, undo (a stroke) and redo."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signature_canvas")
        self.setMinimumSize(600, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.strokes: list[list[tuple[float, float, float, float]]] = []  # x, y, pressure 0..1, t (s)
        self.undone: list[list[tuple[float, float, float, float]]] = []
        self._current: list[tuple[float, float, float, float]] | None = None
        self._t0: float | None = None
        self.used_tablet = False
        self.device_name = "tablet"

    # --- input -----------------------------------------------------------------------------
    def _now(self) -> float:
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        return now - self._t0

    def _begin(self, p: QPointF, pressure: float) -> None:
        self._current = [(p.x(), p.y(), pressure, self._now())]
        self.undone.clear()

    def _move(self, p: QPointF, pressure: float) -> None:
        if self._current is not None:
            self._current.append((p.x(), p.y(), pressure, self._now()))
            self.update()

    def _end(self, p: QPointF, pressure: float) -> None:
        if self._current is not None:
            self._current.append((p.x(), p.y(), pressure, self._now()))
            self.strokes.append(self._current)
            self._current = None
            self.update()
            self.sig_changed.emit()

    def tabletEvent(self, event: QTabletEvent) -> None:
        if event.pointerType() == QPointingDevice.PointerType.Eraser:
            # the pen turned round (Wacom eraser end): it writes no ink and no samples
            event.accept()
            return
        self.used_tablet = True
        raw_pressure = event.pressure()
        pressure = max(0.0, min(1.0, raw_pressure)) if math.isfinite(raw_pressure) else 0.0
        pos = event.position()
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(pos, pressure)
        elif kind == QTabletEvent.Type.TabletMove:
            self._move(pos, pressure)
        elif kind == QTabletEvent.Type.TabletRelease:
            self._end(pos, pressure)
        event.accept()  # accepted: Qt then does not synthesise mouse events for the same stroke

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), MOUSE_PRESSURE)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._move(event.position(), MOUSE_PRESSURE)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._end(event.position(), MOUSE_PRESSURE)

    # --- editing -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.strokes.clear()
        self.undone.clear()
        self._current = None
        self._t0 = None
        self.update()
        self.sig_changed.emit()

    def undo(self) -> None:
        if self.strokes:
            self.undone.append(self.strokes.pop())
            self.update()
            self.sig_changed.emit()

    def redo(self) -> None:
        if self.undone:
            self.strokes.append(self.undone.pop())
            self.update()
            self.sig_changed.emit()

    def is_empty(self) -> bool:
        return not any(len(s) >= 2 for s in self.strokes)

    # --- output ------------------------------------------------------------------------------
    def capture(self) -> SignatureCapture:
        """The same pen-sample model as the serial signature pads (devices.signature.model)."""
        w, h = float(max(self.width(), 1)), float(max(self.height(), 1))
        samples: list[PenSample] = []
        for stroke in sorted(self.strokes, key=lambda s: s[0][3]):
            for i, (x, y, p, t) in enumerate(stroke):
                samples.append(PenSample(x=min(max(x, 0.0), w), y=min(max(y, 0.0), h),
                                         pressure=round(p * MAX_PRESSURE, 1), t_ms=int(t * 1000),
                                         pen_down=i < len(stroke) - 1))
        capture = SignatureCapture(samples, w, h, MAX_PRESSURE, self.device_name)
        capture.validate()
        return capture

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#9e9e9e"), 1, Qt.PenStyle.DashLine))
        base = int(self.height() * 0.75)
        painter.drawLine(20, base, self.width() - 20, base)
        strokes = self.strokes + ([self._current] if self._current else [])
        for stroke in strokes:
            for a, b in zip(stroke, stroke[1:]):
                painter.setPen(QPen(QColor("#0d1b4c"), 1.5 + 4.0 * b[2], Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
                painter.drawLine(QPointF(a[0], a[1]), QPointF(b[0], b[1]))
        painter.end()
