"""Translations: .ts files kept with pyside6-lupdate, compiled to .qm on demand; zh_CN default, switchable live."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

I18N_DIR = Path(__file__).parent
LANGUAGES = ("zh_CN", "en")
_current = "zh_CN"
_installed: list[QTranslator] = []


def _lrelease() -> list[str] | None:
    here = Path(sys.executable).parent / "pyside6-lrelease"
    if here.exists():
        return [str(here)]
    found = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    if found:
        return [found]
    try:
        import PySide6

        bundled = Path(PySide6.__file__).parent / "lrelease"
        return [str(bundled)] if bundled.exists() else None
    except ImportError:
        return None


def ensure_compiled() -> list[Path]:
    """Compile each station_*.ts into its .qm when the .qm is missing or older; returns the .qm paths."""
    out = []
    for ts in sorted(I18N_DIR.glob("station_*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            tool = _lrelease()
            if tool is None:
                raise RuntimeError("pyside6-lrelease not found: cannot compile translations")
            subprocess.run([*tool, "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True)
        out.append(qm)
    return out


def normalise(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "zh_CN"


def current_language() -> str:
    return _current


def set_language(lang: str) -> str:
    """Install the translators for `lang`; every widget gets QEvent.LanguageChange and retranslates."""
    global _current
    app = QCoreApplication.instance()
    lang = normalise(lang)
    if app is None:
        _current = lang
        return lang
    ensure_compiled()
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    ours = QTranslator(app)
    if not ours.load(str(I18N_DIR / f"station_{lang}.qm")):
        raise RuntimeError(f"cannot load translations for {lang}")
    _installed.append(ours)
    if lang == "zh_CN":  # Qt's own buttons (OK, Cancel ...) in Chinese too
        qt = QTranslator(app)
        if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            _installed.append(qt)
    _current = lang
    for tr in _installed:
        app.installTranslator(tr)
    return lang
