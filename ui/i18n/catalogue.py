"""The message catalogues against the code: which tr() strings a .ts file lacks or leaves unfinished.

pyside6-lupdate reads every ui/ module into a scratch copy of the catalogues; the messages it finds that are
missing or unfinished there are reported (and, with --add, added to the kept .ts files in their own format:
English as the source text, Chinese from a JSON file of {"context|source": "译文"}).

    python -m ui.i18n.catalogue            # list what is missing
    python -m ui.i18n.catalogue --add zh.json
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

I18N_DIR = Path(__file__).parent
UI_DIR = I18N_DIR.parent


def _lupdate() -> str:
    here = Path(sys.executable).parent / "pyside6-lupdate"
    found = str(here) if here.exists() else shutil.which("pyside6-lupdate")
    if not found:
        raise RuntimeError("pyside6-lupdate not found")
    return found


def code_messages() -> set[tuple[str, str]]:
    """Every (context, source) the ui/ code translates, as pyside6-lupdate finds it."""
    sources = sorted(str(p) for p in UI_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    with tempfile.TemporaryDirectory() as tmp:
        ts = Path(tmp) / "scan.ts"
        subprocess.run([_lupdate(), "-silent", "-no-obsolete", *sources, "-ts", str(ts)], check=True,
                       capture_output=True)
        tree = ET.parse(ts)
    return {(c.findtext("name") or "", m.findtext("source") or "")
            for c in tree.iter("context") for m in c.iter("message")}


def translations(lang: str) -> dict[tuple[str, str], str]:
    tree = ET.parse(I18N_DIR / f"station_{lang}.ts")
    out: dict[tuple[str, str], str] = {}
    for c in tree.iter("context"):
        for m in c.iter("message"):
            t = m.find("translation")
            done = t is not None and t.get("type") not in ("unfinished", "obsolete", "vanished")
            key = (c.findtext("name") or "", m.findtext("source") or "")
            out[key] = (t.text or "") if done and t is not None else ""
    return out


def untranslated(lang: str, wanted: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """Messages of the code with no finished translation in station_<lang>.ts."""
    have = translations(lang)
    return sorted(k for k in (wanted if wanted is not None else code_messages()) if not have.get(k, "").strip())


def add(lang: str, entries: dict[tuple[str, str], str]) -> int:
    """Add or complete messages in station_<lang>.ts, keeping its layout (contexts flush left, 4-space indent)."""
    path = I18N_DIR / f"station_{lang}.ts"
    tree = ET.parse(path)
    root = tree.getroot()
    contexts = {c.findtext("name"): c for c in root.iter("context")}
    n = 0
    for (context, source), text in sorted(entries.items()):
        c = contexts.get(context)
        if c is None:
            c = ET.SubElement(root, "context")
            ET.SubElement(c, "name").text = context
            contexts[context] = c
        for m in c.iter("message"):
            if m.findtext("source") == source:
                t = m.find("translation")
                if t is None:
                    t = ET.SubElement(m, "translation")
                t.text = text
                t.attrib.pop("type", None)
                break
        else:
            m = ET.SubElement(c, "message")
            ET.SubElement(m, "source").text = source
            ET.SubElement(m, "translation").text = text
        n += 1
    root.text = "\n"
    for c in root.iter("context"):
        ET.indent(c, space="    ")
        c.tail = "\n"
    tree.write(path, encoding="utf-8", xml_declaration=True)
    with path.open("a", encoding="utf-8") as f:
        f.write("\n")
    return n


def main(argv: list[str]) -> int:
    wanted = code_messages()
    if argv[:1] == ["--add"]:
        zh = {tuple(k.split("|", 1)): v for k, v in json.loads(Path(argv[1]).read_text(encoding="utf-8")).items()}
        missing_en = untranslated("en", wanted)
        add("en", {k: k[1] for k in missing_en})
        add("zh_CN", {k: v for k, v in zh.items() if k in wanted})  # type: ignore[misc]
    for lang in ("zh_CN", "en"):
        for context, source in untranslated(lang, wanted):
            print(f"{lang}\t{context}\t{source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
