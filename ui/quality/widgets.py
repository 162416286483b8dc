"""Quality dashboard widgets: headline figures and QtCharts bar charts."""
from __future__ import annotations

from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.common.widgets import Panel


def bar_chart(title: str, data: dict[str, float], colour: str = "#1f5fa8") -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    series = QBarSeries()
    bars = QBarSet(title)
    bars.setColor(colour)
    for v in data.values():
        bars.append(float(v))
    series.append(bars)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(list(data.keys()) or ["-"])
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    y = QValueAxis()
    # whole-number ticks (counts): 0, step, 2*step, ... up past the largest bar
    import math

    step = max(1, math.ceil(max([1.0, *data.values()]) * 1.2 / 5))
    y.setRange(0, step * 5)
    y.setTickType(QValueAxis.TickType.TicksDynamic)
    y.setTickAnchor(0)
    y.setTickInterval(step)
    y.setLabelFormat("%d")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    return chart


class FiguresPanel(Panel):
    sig_export_ledger = Signal(str)  # "csv" or "pdf": export today's consumption ledger

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.export_csv, self.export_pdf = QPushButton(self), QPushButton(self)
        self.export_csv.setObjectName("ledger_export_csv")
        self.export_pdf.setObjectName("ledger_export_pdf")
        self.export_csv.clicked.connect(lambda: self.sig_export_ledger.emit("csv"))
        self.export_pdf.clicked.connect(lambda: self.sig_export_ledger.emit("pdf"))
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_csv)
        exports.addWidget(self.export_pdf)
        self.figures: dict[str, Any] | None = None
        self.headline = QLabel(self)
        self.headline.setObjectName("quality_headline")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.today = QLabel(self)
        self.today.setObjectName("quality_today")
        self.today.setTextFormat(Qt.TextFormat.RichText)
        self.daily: dict[str, Any] | None = None
        self.views = [QChartView(self) for _ in range(3)]
        for v in self.views:
            v.setRenderHint(QPainter.RenderHint.Antialiasing)
            v.setMinimumHeight(200)  # the three charts side by side: the dashboard fits a 768 px high screen
        grid = QGridLayout(self)
        grid.addWidget(self.today, 0, 0, 1, 3)
        grid.addLayout(exports, 1, 0, 1, 3)
        grid.addWidget(self.headline, 2, 0, 1, 3)
        for i, v in enumerate(self.views):
            grid.addWidget(v, 3, i)
        grid.setRowStretch(3, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.export_csv.setText(self.tr("Export today's ledger (CSV)…"))
        self.export_pdf.setText(self.tr("Export today's ledger (PDF)…"))
        self.show_figures(self.figures)
        self.show_daily(self.daily)

    def show_daily(self, r: dict[str, Any] | None) -> None:
        """Today at a glance (station report daily): collections, doses, reactions, appointments, waiting."""
        self.daily = r
        if r is None:
            self.today.setText("")
            return

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v:.0%}"

        wait = r.get("average_wait_minutes")
        cells = [(self.tr("Collections today"), f"{r['completed_collections']} / {r['collections']}"),
                 (self.tr("Platelet doses"), f"{r['platelet_doses']:g}"),
                 (self.tr("Deferred"), str(r["deferred"])),
                 (self.tr("Adverse reactions"), str(sum(r["adverse_reactions"].values()))),
                 (self.tr("Appointment share"), pct(r.get("appointment_share"))),
                 (self.tr("Average wait"), "-" if wait is None else self.tr("%1 min").replace("%1", f"{wait:g}"))]
        self.today.setText(self.tr("Today %1").replace("%1", r["date"]) +
                           "<table cellpadding='8'><tr>" + "".join(
                               f"<td align='center'><span style='color:#555'>{k}</span><br>"
                               f"<span style='font-size:16pt;font-weight:bold'>{v}</span></td>" for k, v in cells)
                           + "</tr></table>")

    def show_figures(self, f: dict[str, Any] | None) -> None:
        self.figures = f
        if f is None:
            self.headline.setText(self.tr("Loading ..."))
            return
        cells = [(self.tr("Donations"), str(f["donations"])),
                 (self.tr("Record modification rate"), f"{f['record_modification_rate']:.1%}"),
                 (self.tr("Missing-signature rate"), f"{f['missing_signature_rate']:.1%}"),
                 (self.tr("Check errors"), str(f["check_errors"]))]
        self.headline.setText(self.tr("Period %1 to %2").replace("%1", f["from"]).replace("%2", f["to"]) +
                              "<table cellpadding='10'><tr>" + "".join(
                                  f"<td align='center'><span style='color:#555'>{k}</span><br>"
                                  f"<span style='font-size:20pt;font-weight:bold'>{v}</span></td>" for k, v in cells)
                              + "</tr></table>")
        from station.rules.codes import code_name
        from ui.common.widgets import lang

        reasons = {code_name(k, lang()): v for k, v in f["deferral_reasons"].items()}  # names, not HB_LOW
        self.views[0].setChart(bar_chart(self.tr("Deferral reasons"), reasons, "#c62828"))
        self.views[1].setChart(bar_chart(self.tr("Collections per chair"), f["collections_per_chair"], "#2e7d32"))
        per_day = {k[5:]: v for k, v in f["collections_per_day"].items()}
        self.views[2].setChart(bar_chart(self.tr("Collections per day"), per_day))
