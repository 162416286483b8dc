"""The Windows installer script (Inno Setup) agrees with the PyInstaller spec and the program's version."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import station

INSTALLER = Path(__file__).resolve().parents[2] / "installer"


def _spec_assignments() -> dict[str, ast.expr]:
    tree = ast.parse((INSTALLER / "station.spec").read_text(encoding="utf-8"))
    return {node.targets[0].id: node.value for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}


def _spec_calls(name: str) -> list[ast.Call]:
    tree = ast.parse((INSTALLER / "station.spec").read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name]


def _iss() -> str:
    return (INSTALLER / "windows" / "station.iss").read_text(encoding="utf-8-sig")


def _iss_defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, flags=re.MULTILINE))


def _keyword(call: ast.Call, name: str) -> ast.expr:
    return next(k.value for k in call.keywords if k.arg == name)


def test_the_spec_names_the_bundle_and_the_executable_alike() -> None:
    app_name = _spec_assignments()["APP_NAME"]
    assert isinstance(app_name, ast.Constant)
    (exe,) = _spec_calls("EXE")
    (coll,) = _spec_calls("COLLECT")
    assert isinstance(_keyword(exe, "name"), ast.Name) and _keyword(exe, "name").id == "APP_NAME"
    assert isinstance(_keyword(coll, "name"), ast.Name) and _keyword(coll, "name").id == "APP_NAME"
    # one-folder: the executable leaves the libraries to COLLECT
    assert isinstance(_keyword(exe, "exclude_binaries"), ast.Constant) and _keyword(exe, "exclude_binaries").value


def test_the_installer_packages_the_spec_bundle() -> None:
    bundle = _spec_assignments()["APP_NAME"]
    assert isinstance(bundle, ast.Constant)
    defines = _iss_defines(_iss())
    assert defines["BundleName"] == bundle.value
    assert defines["AppExe"] == f"{bundle.value}.exe"
    assert re.search(r'#define\s+BundleDir\s+"\.\.\\\.\.\\dist\\"\s*\+\s*BundleName', _iss())
    assert re.search(r'^Source: "\{#BundleDir\}\\\*";.*recursesubdirs', _iss(), flags=re.MULTILINE)


def test_the_installer_version_is_the_program_version() -> None:
    assert _iss_defines(_iss())["AppVersion"] == station.__version__
    version = _spec_assignments()["APP_VERSION"]
    assert isinstance(version, ast.Name) and version.id == "__version__"
    assert "from station import __version__" in (INSTALLER / "station.spec").read_text(encoding="utf-8")


def test_start_menu_entries_start_the_bundled_executable_on_the_shared_data_folder() -> None:
    text = _iss()
    icons = text.split("[Icons]", 1)[1].split("\n[", 1)[0]
    program_entries = [line for line in icons.splitlines() if 'Filename: "{app}\\{#AppExe}"' in line]
    assert len(program_entries) >= 2, icons  # the Start-menu and the desktop entry
    for line in program_entries:
        assert 'Parameters: "--data-dir ""{commonappdata}\\{#DataFolder}"""' in line, line


def test_data_folder_is_created_and_kept_on_uninstall() -> None:
    dirs = _iss().split("[Dirs]", 1)[1].split("\n[", 1)[0]
    line = next(ln for ln in dirs.splitlines() if ln.startswith("Name:"))
    assert "{commonappdata}" in line and "uninsneveruninstall" in line
    uninstall_delete = _iss().split("[UninstallDelete]", 1)[1] if "[UninstallDelete]" in _iss() else ""
    assert "{commonappdata}" not in uninstall_delete
