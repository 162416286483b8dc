"""The frozen one-folder bundle, built once by installer/build.sh, runs with no virtual environment or source tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import station

ROOT = Path(__file__).resolve().parents[2]
# Building takes about three minutes on two cores; the build's own timeout replaces pytest's.
pytestmark = pytest.mark.timeout(1800)


def runtime_python(folder: Path) -> Path:
    """A virtual environment with the station and its runtime dependencies only (plus PyInstaller): a module the
    program imports but pyproject.toml forgets fails the bundle here, not hidden by a test-only package."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[build,postgres]"],
                             check=False, capture_output=True, text=True, timeout=1200)
    if install.returncode != 0:
        pytest.skip(f"the runtime dependencies cannot be installed here: {install.stderr[-800:]}")
    return python


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle folder; STATION_BUNDLE_DIR reuses one already built (e.g. by a CI step running build.sh)."""
    prebuilt = os.environ.get("STATION_BUNDLE_DIR")
    if prebuilt:
        return Path(prebuilt)
    started = time.monotonic()
    python = runtime_python(tmp_path_factory.mktemp("runtime-venv"))
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([str(ROOT / "installer" / "build.sh"), "--out", str(out)], check=False,
                           capture_output=True, text=True, timeout=1100,
                           env={**os.environ, "STATION_BUILD_PYTHON": str(python)})
    print(f"bundle built in {time.monotonic() - started:.0f} s")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out / "station"


@pytest.fixture()
def run(bundle: Path, tmp_path: Path):
    """Run the bundled executable from an empty folder with a bare environment: system PATH only."""
    exe = bundle / ("station.exe" if os.name == "nt" else "station")
    system_path = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin") if Path(p).is_dir())
    env = {"PATH": system_path, "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen"}
    (tmp_path / "home").mkdir()

    def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), *args], check=False, capture_output=True, text=True, cwd=tmp_path,
                              env=env, timeout=timeout)
    return _run


def test_the_bundle_reports_the_program_version(run) -> None:
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"station {station.__version__}"


def test_the_bundle_carries_its_data_files(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert sorted(p.name for p in (internal / "ui" / "i18n").glob("*.qm")) == ["station_en.qm", "station_zh_CN.qm"]
    assert not list((internal / "ui" / "i18n").glob("*.ts"))  # compiled at build time, not at run time
    assert (internal / "station" / "rules" / "GB18467-2011.toml").is_file()
    assert (internal / "migrations" / "env.py").is_file()
    assert {p.name for p in (internal / "migrations" / "versions").glob("*.py")} >= {"0001_initial.py"}
    qt_plugins = next(internal.glob("PySide6/Qt/plugins/platforms"))
    assert {p.name for p in qt_plugins.iterdir()} >= {"libqoffscreen.so", "libqxcb.so"}
    assert (internal / "pypdfium2_raw" / "libpdfium.so").is_file()  # the archive checks' PDF engine


def test_init_then_a_headless_demo_seals_two_donations(run, tmp_path: Path, bundle: Path) -> None:
    data = tmp_path / "data"
    init = run("init", "--demo", "--data-dir", str(data))  # station demo runs on a demo folder only
    assert init.returncode == 0, init.stderr
    assert "Traceback" not in init.stderr
    # the configuration's form font is the copy inside the bundle (no system font needed)
    config = (data / "station.toml").read_text(encoding="utf-8")
    shipped = bundle / "_internal" / "fonts" / "wqy-zenhei.ttc"
    assert shipped.is_file()
    assert f'font_path = "{shipped}"' in config

    demo = run("demo", "--headless", "--donations", "2", "--json", "--data-dir", str(data), "--no-sign")
    assert demo.returncode == 0, demo.stderr
    summary = json.loads(demo.stdout.strip().splitlines()[-1])
    assert summary["donations"] == 2
    assert summary["collected"] + summary["deferred"] + summary["aborted"] == 2
    assert summary["sealed"] == summary["collected"]


def test_offscreen_screenshots_in_chinese(run, tmp_path: Path) -> None:
    from PIL import Image

    shots = tmp_path / "shots"
    result = run("screenshots", "--out", str(shots), "--lang", "zh_CN")
    assert result.returncode == 0, result.stderr
    pngs = sorted(shots.glob("zh_CN-*.png"))
    assert pngs, result.stdout
    with Image.open(pngs[0]) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50, f"{pngs[0]} looks blank"


def test_the_bundle_stands_in_for_python_m_to_start_the_device_simulators(run) -> None:
    # devices/sim_supervisor.py starts `sys.executable -m devices.simulators ...`; frozen, that is this program
    result = run("-m", "devices.simulators", "--help")
    assert result.returncode == 0, result.stderr
    assert "--ready-file" in result.stdout
