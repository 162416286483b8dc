"""Archivist widgets: archive run panel with results, the archive browser and the verification report."""
from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.identifiers import mask_id
from ui.common.widgets import Panel, local_time
from ui.registration.widgets import fill, table


def masked(value: Any) -> str:
    """ID numbers never appear in full in the archive browser."""
    text = str(value or "")
    return mask_id(text) if len(text) >= 15 and text[:6].isdigit() else text


_UTC_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|\+00:00| UTC|\+0000)")


# the verification report's ETSI words and our field / meaning names, as an archivist reads them in Chinese (the
# code stays in brackets: it is what an auditor's tool prints)
_REPORT_ZH = {
    "TOTAL_PASSED": "通过", "TOTAL_FAILED": "未通过", "INDETERMINATE": "无法确定", "PASSED": "通过",
    "FAILED": "未通过", "NO_POE": "缺少存在性证明", "OUT_OF_BOUNDS_NO_POE": "超出证书有效期且无存在性证明",
    "REVOKED": "证书已吊销", "NO_SIGNING_CERTIFICATE_FOUND": "未找到签名证书",
    "donor_consent": "献血者签名", "physician_review": "医生签名", "nurse_collection": "护士签名",
    "consent": "知情同意", "review": "审核", "collection": "采集",
    "ENTIRE_FILE": "整个文件", "ENTIRE_REVISION": "整个修订版本", "NONE": "无",
    "LTA_SIGNATURE": "长期存档签名", "LTV_SIGNATURE": "长期验证签名",
}
_REPORT_WORD = re.compile(r"(?<![/\w])(" + "|".join(sorted(_REPORT_ZH, key=len, reverse=True)) + r")(?![\w./])")


def readable_report(text: str, lang: str) -> str:
    """The signature report in the reader's language: in Chinese the ETSI indications and the station's field and
    meaning names get their Chinese names, the code kept in brackets."""
    if lang == "en":
        return text
    return _REPORT_WORD.sub(lambda m: f"{_REPORT_ZH[m.group(1)]}（{m.group(1)}）", text)


def local_times(text: str) -> str:
    """The report's UTC times (signing times, time stamps) in the site's local time with the offset."""
    return _UTC_TIME.sub(lambda m: local_time(f"{m.group(1)}T{m.group(2)}+00:00", "%Y-%m-%d %H:%M:%S", offset=True),
                         text)


class ArchiveRunPanel(Panel):
    sig_run = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = QPushButton(self)
        self.run.setObjectName("archive_run")
        self.run.setMinimumHeight(48)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("archive_progress")
        self.summary = QLabel(self)
        self.results = table(4, self)
        self.results.setObjectName("archive_results")
        lay = QVBoxLayout(self)
        lay.addWidget(self.run)
        lay.addWidget(self.progress)
        lay.addWidget(self.summary)
        lay.addWidget(self.results, 1)
        self.run.clicked.connect(self.sig_run.emit)
        self.rows: list[dict[str, Any]] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.run.setText(self.tr("Archive all signed records now"))
        self.results.setHorizontalHeaderLabels([self.tr("DIN"), self.tr("Archive number"), self.tr("Result"),
                                                self.tr("Reason")])
        self.show_results(self.rows)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_results(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        ok = sum(1 for r in rows if r.get("ok", r.get("status") in ("archived", "ok")))
        self.summary.setText(self.tr("Archived: %1   Failed: %2").replace("%1", str(ok)).replace("%2", str(len(rows) - ok))
                             if rows else "")
        fill(self.results, [[r.get("din", ""), r.get("archive_number", ""),
                             self.tr("archived") if r.get("ok", r.get("status") in ("archived", "ok")) else self.tr("failed"),
                             r.get("reason") or r.get("error") or ""] for r in rows])


class ArchiveBrowser(Panel):
    sig_search = Signal(str)
    sig_open = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query = QLineEdit(self)
        self.query.setObjectName("archive_query")
        self.go = QPushButton(self)
        self.results = table(5, self)
        self.results.setObjectName("archive_browser")
        self.report = QPlainTextEdit(self)
        self.report.setObjectName("verification_report")
        self.report.setReadOnly(True)
        self.open_pdf = QPushButton(self)
        self.open_pdf.setObjectName("archive_open_pdf")
        self.open_pdf.setEnabled(False)
        self.open_pdf.clicked.connect(self._open_files)
        self.files: dict[str, str] = {}
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.go)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.results, 2)
        self.l_report = QLabel(self)
        head = QHBoxLayout()
        head.addWidget(self.l_report, 1)
        head.addWidget(self.open_pdf)
        lay.addLayout(head)
        lay.addWidget(self.report, 1)
        self.rows: list[dict[str, Any]] = []
        self.query.returnPressed.connect(lambda: self.sig_search.emit(self.query.text()))
        self.go.clicked.connect(lambda: self.sig_search.emit(self.query.text()))
        self.results.activated.connect(lambda i: self.sig_open.emit(str(self.rows[i.row()].get("archive_number", ""))))
        self.retranslate()

    def retranslate(self) -> None:
        self.query.setPlaceholderText(self.tr("Archive number, DIN, name or ID number"))
        self.go.setText(self.tr("Search"))
        self.l_report.setText(self.tr("Verification report"))
        self.open_pdf.setText(self.tr("Open the records (PDF)"))
        self.results.setHorizontalHeaderLabels([self.tr("Archive number"), self.tr("DIN"), self.tr("Donor"),
                                                self.tr("ID number"), self.tr("Archived on")])

    def show_results(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        fill(self.results, [[r.get("archive_number", ""), r.get("din", ""), r.get("donor_name", r.get("name", "")),
                             masked(r.get("id_number_masked") or r.get("id_number")), local_time(r.get("archived_at"), offset=True)]
                            for r in rows])

    def show_record(self, record: dict[str, Any]) -> None:
        """station.services.archiving.search.open_record's result: the four checks on the stored package, then each record's
        signature report, in the user's language."""
        self.files = dict(record.get("files") or {})
        self.open_pdf.setEnabled(bool(self.files))
        passed = record.get("passed")
        lines = [f"{record.get('archive_number', '')}   {record.get('din', '')}   {record.get('name', '')}",
                 self.tr("Four-property check of the stored package: passed") if passed
                 else self.tr("Four-property check of the stored package: FAILED")]
        for p in record.get("problems") or []:
            lines.append(f"  ✗ {p.get('check', '')}  {p.get('file', '')}: {p.get('reason', '')}")
        names = {"consent": self.tr("Consent and health questionnaire"),
                 "registration": self.tr("Registration and examination form"),
                 "collection": self.tr("Collection record")}
        reports = record.get("records") or {}
        for kind in [k for k in names if k in reports] + [k for k in reports if k not in names]:
            rep = reports[kind]
            lines += ["", f"■ {names.get(kind, kind)}: " + (self.tr("signatures valid") if rep.get("passed")
                                                            else self.tr("SIGNATURES NOT VALID")),
                      rep.get("text", "")]
        from ui.common.widgets import lang

        self.report.setPlainText(readable_report(local_times("\n".join(lines)), lang()))

    def _open_files(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        for path in self.files.values():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))
