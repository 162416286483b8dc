"""Quality dashboard widgets: headline figures and QtCharts bar charts."""
from __future__ import annotations

from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

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
    y.setRange(0, max([1.0, *data.values()]) * 1.2)
    y.setLabelFormat("%d")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    return chart


class FiguresPanel(Panel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures: dict[str, Any] | None = None
        self.headline = QLabel(self)
        self.headline.setObjectName("quality_headline")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.views = [QChartView(self) for _ in range(3)]
        for v in self.views:
            v.setRenderHint(QPainter.RenderHint.Antialiasing)
            v.setMinimumHeight(260)
        grid = QGridLayout(self)
        grid.addWidget(self.headline, 0, 0, 1, 2)
        grid.addWidget(self.views[0], 1, 0)
        grid.addWidget(self.views[1], 1, 1)
        grid.addWidget(self.views[2], 2, 0, 1, 2)
        self.retranslate()

    def retranslate(self) -> None:
        self.show_figures(self.figures)

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
        self.views[0].setChart(bar_chart(self.tr("Deferral reasons"), f["deferral_reasons"], "#c62828"))
        self.views[1].setChart(bar_chart(self.tr("Collections per chair"), f["collections_per_chair"], "#2e7d32"))
        per_day = {k[5:]: v for k, v in f["collections_per_day"].items()}
        self.views[2].setChart(bar_chart(self.tr("Collections per day"), per_day))
