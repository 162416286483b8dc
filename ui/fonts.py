"""A CJK font for every widget, so Chinese never shows as boxes (also under the offscreen platform)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/simsun.ttc")


def install_cjk_font(app: QApplication, extra: str | None = None, point_size: int = 11) -> str | None:
    """Load the first CJK font found and make it the application font; returns its family."""
    from station.config import default_form_font

    # the copy shipped in the frozen bundle first (a station PC may have no CJK font installed)
    for path in ([extra] if extra else []) + [default_form_font()] + list(CANDIDATES):
        if path and Path(path).exists():
            font_id = QFontDatabase.addApplicationFont(path)
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if families:
                font = QFont(families[0], point_size)
                app.setFont(font)
                return families[0]
    return None
