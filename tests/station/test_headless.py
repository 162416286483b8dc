"""Only ui/ imports Qt: every module of the core packages imports in a process that never loads PySide6."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.station.conftest import ROOT

PROBE = r"""
import importlib, json, pkgutil, sys
failed = {}
loaded = []
for pkg_name in ("station", "devices", "signing", "archive", "migrations"):
    try:
        pkg = importlib.import_module(pkg_name)
    except Exception as exc:
        failed[pkg_name] = repr(exc)
        continue
    if pkg_name == "migrations":
        continue  # env.py runs Alembic on import; the package itself is what matters
    for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg_name + "."):
        try:
            importlib.import_module(info.name)
            loaded.append(info.name)
        except Exception as exc:
            failed[info.name] = repr(exc)
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"))
print(json.dumps({"loaded": loaded, "failed": failed, "qt": qt}))
"""


def test_core_packages_never_import_qt() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
                         env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "HOME": "/nonexistent"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["failed"] == {}
    assert len(result["loaded"]) > 40
    assert {"station.cli", "station.services.donations", "station.commands.demo", "signing.pades",
            "station.services.archiving.job"} <= set(result["loaded"])
    assert result["qt"] == [], f"Qt loaded by a core module: {result['qt']}"


def test_ui_does_import_qt() -> None:
    """A ui module that imports Qt shows up in sys.modules the same way (the check is not vacuous)."""
    code = "import sys, ui.dialogs; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
                         env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "HOME": "/nonexistent"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "True"
